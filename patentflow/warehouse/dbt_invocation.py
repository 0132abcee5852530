"""One dbt process per build: parse (partially), ``dbt build``, then the docs of what it built.

Run as ``python -m patentflow.warehouse.dbt_invocation SPEC_JSON`` by
:func:`patentflow.warehouse.dbt_runner.run_dbt_build`, in a subprocess so a dbt crash cannot take
the Airflow task process with it. Two ``dbt`` commands would each pay dbt's start-up (its imports,
the adapter, reading the project) and each parse the project; here the project is parsed once,
into the persistent target directory so that the next build parses only what changed (dbt's
partial parsing), and the one manifest serves the build and the docs.

SPEC_JSON: ``{"common": [args every command takes], "build": [args of dbt build only],
"target": the persistent target directory, "copy_to": the run's own directory, "docs": bool}``:
what the build wrote (``run_results.json``, ``manifest.json``) is copied to ``copy_to`` before the
docs command may overwrite it, then the docs page (``static_index.html``). Exit code as the
``dbt`` command's: 0 success, 1 a node failed, 2 dbt itself failed (the parse, an invalid
project).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

BUILD_ARTEFACTS = ("run_results.json", "manifest.json")
DOCS_PAGE = "static_index.html"


def _copy(target: Path, destination: Path, names: Sequence[str]) -> None:
    destination.mkdir(parents=True, exist_ok=True)
    for name in names:
        if (target / name).is_file():
            shutil.copy2(target / name, destination / name)


def main(argv: Sequence[str] | None = None) -> int:
    from dbt.cli.main import dbtRunner

    spec = json.loads((list(argv) if argv is not None else sys.argv[1:])[0])
    common = list(spec["common"])
    target, copy_to = Path(spec["target"]), Path(spec["copy_to"])
    for name in (*BUILD_ARTEFACTS, DOCS_PAGE):  # never another build's results
        (target / name).unlink(missing_ok=True)
    parsed = dbtRunner().invoke(["parse", *common])
    if not parsed.success or parsed.result is None:
        return 2
    runner = dbtRunner(manifest=parsed.result)
    built = runner.invoke(["build", *common, *spec.get("build", [])])
    _copy(target, copy_to, BUILD_ARTEFACTS)
    if spec.get("docs"):
        # Docs are an aid, not a product: their failure shows in the log, never fails the build.
        runner.invoke(["docs", "generate", "--static", "--empty-catalog", "--no-compile",
                       *common])
        _copy(target, copy_to, [DOCS_PAGE])
    if built.success:
        return 0
    return 2 if built.exception is not None else 1


if __name__ == "__main__":
    sys.exit(main())
