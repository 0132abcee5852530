"""No SQL is built from data: every dynamic query string in ingestion/ and patentflow/ is listed.

The scan parses the Python code base and flags each call of a SQL entry point (``execute``,
``sql``, ``query``, …) whose query is an f-string with placeholders, a ``%``/``+`` expression, a
``.format``/``.join``/``.replace`` call, or a local variable assigned one of those. Such a call is
allowed only in a function of the allow-list below, each with the reason its inserted parts are
constant identifiers (schema registry, gate config, quote_ident) rather than delivered data;
psycopg2's ``sql.SQL(…).format(sql.Identifier(…))`` composition is safe by construction. A
new dynamic query fails this test until a reviewer adds it here; data goes in as ``?`` parameters.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.support.paths import REPO

SCANNED = ("ingestion", "patentflow")
SQL_METHODS = frozenset(
    {"execute", "executemany", "sql", "query", "read_sql", "read_sql_query", "from_query"}
)

ALLOWED: dict[tuple[str, str], str] = {
    ("patentflow/ingest/landing.py", "split_superseded"):
        "PARTITION BY/ORDER BY column names from the static RAW_TABLES registry",
    ("patentflow/warehouse/load_raw.py", "_create_and_fill"):
        "table/column names and types from patentflow.ingest.raw_schema; file list bound as ?",
    ("patentflow/warehouse/load_raw.py", "_count"): "table names from RAW_TABLES / audit constants",
    ("patentflow/warehouse/load_raw.py", "_check_reconciliation"): "entity names from RAW_TABLES",
    ("patentflow/gate/computed_checks.py", "unlisted_city_codes"):
        "table/column names of the gate config via quote_ident/qualified; pattern bound as ?",
    ("patentflow/gate/computed_checks.py", "check_batches_match_raw"):
        "raw table names from the config",
    ("patentflow/gate/gx_suites.py", "read_batch"): "table/column names of the GX suite config",
    ("patentflow/release/publish.py", "_copy_tables"):
        "public table names from the catalog, quoted",
    ("patentflow/release/publish.py", "_create_views"):
        "on-demand view statements from the build warehouse's own catalog (dbt's DDL, checked "
        "to be CREATE VIEW of a configured name); view names quoted",
    ("patentflow/release/publish.py", "_write_parquet"):
        "public table names from the catalog, quoted",
    ("patentflow/release/publish.py", "_assemble_and_switch"):
        "the build warehouse path as an escaped SQL string literal, constant alias, table names",
    ("patentflow/release/pg_serving.py", "_load_table"):
        "release table names via qualified(); the scratch CSV path as an escaped string literal",
    ("patentflow/orchestration/run_health.py", "record"):
        "the five constant run-health table names",
    ("patentflow/warehouse/catalog.py", "row_count"): "catalog table names, quoted",
}


def _is_psycopg_composition(call: ast.Call) -> bool:
    """``sql.SQL("… {} …").format(...)``: psycopg2's composition API, which accepts only
    Composable arguments (``sql.Identifier`` quotes, a plain str raises TypeError)."""
    receiver = call.func.value if isinstance(call.func, ast.Attribute) else None
    return (
        isinstance(call.func, ast.Attribute) and call.func.attr in {"format", "join"}
        and isinstance(receiver, ast.Call)
        and (getattr(receiver.func, "attr", None) == "SQL"
             or getattr(receiver.func, "id", None) == "SQL")
        and bool(receiver.args) and isinstance(receiver.args[0], ast.Constant)
    )


def _is_dynamic(node: ast.expr, tainted: set[str]) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(part, ast.FormattedValue) for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
        return not (isinstance(node.left, ast.Constant) and isinstance(node.right, ast.Constant))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if _is_psycopg_composition(node):
            return False
        return node.func.attr in {"format", "join", "replace"}
    return isinstance(node, ast.Name) and node.id in tainted


def dynamic_sql_calls(source: str) -> list[tuple[str, int, str]]:
    """``(function, line, query text)`` of every SQL call whose query is built dynamically."""
    found: list[tuple[str, int, str]] = []

    def visit(scope: ast.AST, name: str) -> None:
        body = list(ast.iter_child_nodes(scope))
        own: list[ast.AST] = []
        stack = body
        while stack:  # this scope's nodes, without descending into nested functions
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(node, node.name)
                continue
            own.append(node)
            stack.extend(ast.iter_child_nodes(node))
        tainted = {
            target.id
            for node in own if isinstance(node, ast.Assign) and _is_dynamic(node.value, set())
            for target in node.targets if isinstance(target, ast.Name)
        }
        for node in own:
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in SQL_METHODS and node.args
                    and _is_dynamic(node.args[0], tainted)):
                found.append((name, node.lineno, ast.unparse(node.args[0])[:120]))

    visit(ast.parse(source), "<module>")
    return sorted(found, key=lambda hit: hit[1])


def scan(root: Path = REPO) -> dict[tuple[str, str], list[tuple[int, str]]]:
    hits: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for package in SCANNED:
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root).as_posix()
            for function, line, text in dynamic_sql_calls(path.read_text(encoding="utf-8")):
                hits.setdefault((relative, function), []).append((line, text))
    return hits


def test_no_query_is_formatted_from_data_outside_the_reviewed_allow_list() -> None:
    unreviewed = {key: calls for key, calls in scan().items() if key not in ALLOWED}
    assert unreviewed == {}, "SQL built by string formatting; bind data as ? parameters"


def test_the_allow_list_holds_no_stale_entries() -> None:
    """An entry whose dynamic query was removed must go, so the list stays a real review."""
    assert set(ALLOWED) - set(scan()) == set()


PLANTED = '''
def find_patent(con, title):
    return con.execute(f"SELECT * FROM raw.patents WHERE title = '{title}'").fetchall()

def find_by_format(con, name):
    return con.sql("SELECT * FROM raw.patents WHERE title = '{}'".format(name))

def find_by_percent(cursor, name):
    query = "SELECT * FROM raw.patents WHERE title = '%s'" % name
    cursor.execute(query)

def find_safely(con, title):
    return con.execute("SELECT * FROM raw.patents WHERE title = ?", [title]).fetchall()

def composed_safely(cursor, schema):
    cursor.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
'''


def test_a_planted_violation_is_caught_in_each_form(tmp_path: Path) -> None:
    assert [name for name, _, _ in dynamic_sql_calls(PLANTED)] == [
        "find_patent", "find_by_format", "find_by_percent",
    ]
    planted = tmp_path / "ingestion" / "planted.py"
    planted.parent.mkdir()
    planted.write_text(PLANTED, encoding="utf-8")
    (tmp_path / "patentflow").mkdir()
    assert set(scan(tmp_path)) == {("ingestion/planted.py", name) for name in
                                   ("find_patent", "find_by_format", "find_by_percent")}
