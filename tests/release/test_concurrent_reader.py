"""A BI reader polling ``releases/current/warehouse.duckdb`` during publishes never fails or mixes.

The reader is a separate process (as a dashboard would be). Each read checks that the release it
opened is internally consistent: every indicator row and the release table name the same release,
and the row count is the published one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from patentflow.gate.result import Check, GateResult
from patentflow.release.publish import publish_release
from tests.support.gate_warehouse import build_fixture_warehouse, make_settings

READER = r'''
import json, sys, time
from pathlib import Path
import duckdb

current = Path(sys.argv[1]) / "current" / "warehouse.duckdb"
stop = Path(sys.argv[2])
reads, errors, seen = 0, [], set()
Path(sys.argv[3]).write_text("started")
while not stop.exists():
    if not current.exists():
        continue
    try:
        con = duckdb.connect(str(current), read_only=True)
        try:
            stamped = con.execute(
                "SELECT count(*), count(DISTINCT release_id), min(release_id) "
                "FROM marts.indicator_values").fetchone()
            newest = con.execute(
                "SELECT release_id FROM audit.releases WHERE status = 'current'").fetchall()
        finally:
            con.close()
        if stamped[0] != 171 or stamped[1] != 1 or newest != [(stamped[2],)]:
            errors.append(f"inconsistent release: {stamped} {newest}")
        seen.add(stamped[2])
        reads += 1
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"reads": reads, "errors": errors[:20], "seen": sorted(seen)}))
'''


def test_reader_never_fails_during_repeated_publishes(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "home", keep_releases=3)
    gate = GateResult("run", [Check("fixture:clean", "fixture", "error", True)])
    build_fixture_warehouse(settings.warehouse_path)
    publish_release(settings, "run-0", "r00", "2025-03-01", "2025-04-01", gate, {})
    script, stop, started = tmp_path / "reader.py", tmp_path / "stop", tmp_path / "started"
    script.write_text(READER)
    reader = subprocess.Popen([sys.executable, str(script), str(settings.releases_dir),
                               str(stop), str(started)], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        for n in range(1, 9):
            build_fixture_warehouse(settings.warehouse_path, offset=float(n))
            publish_release(settings, f"run-{n}", f"r{n:02d}", "2025-03-01", "2025-04-01",
                            gate, {})
        time.sleep(0.3)
    finally:
        stop.write_text("stop")
        output, _ = reader.communicate(timeout=60)
    report = json.loads(output)

    assert reader.returncode == 0
    assert report["errors"] == []
    assert report["reads"] > 10
    assert len(report["seen"]) >= 2  # the reader really saw the switch happen
    assert sorted(p.name for p in settings.releases_dir.iterdir()
                  if p.is_dir() and not p.is_symlink()) == [
        "r06", "r07", "r08"]
