"""What ``make bench`` reports: peak memory of a stage's whole process tree, the daily/full
ratio, and the two plain lines it ends with."""

from __future__ import annotations

import os
import sys

from benchmarks.memory import run_measured
from benchmarks.pipeline import STAGES, closing_lines, daily_ratio

HOLD = """
import subprocess, sys, time
held = bytearray({parent_mb} * 1024 * 1024)
held[::4096] = b"x" * len(held[::4096])
child = "b = bytearray({child_mb} * 1024 * 1024); b[::4096] = b'x' * len(b[::4096]); " \\
        "import time; time.sleep(1.5)"
subprocess.run([sys.executable, "-c", child], check=True)
"""


def test_peak_memory_adds_a_child_to_the_parent_holding_memory_at_the_same_time() -> None:
    code = HOLD.format(parent_mb=120, child_mb=200)
    measured = run_measured([sys.executable, "-c", code], dict(os.environ), interval=0.05)
    assert measured.completed.returncode == 0, measured.completed.stderr
    assert measured.peak_process_mb >= 200
    # the tree holds both at once: more than the largest process alone
    assert measured.peak_mb >= 120 + 200
    assert measured.peak_mb > measured.peak_process_mb


def test_daily_ratio_divides_the_next_days_stages_by_the_full_runs() -> None:
    full = [{"stage": "sandbox_generate_and_serve", "seconds": 50.0},
            *({"stage": stage, "seconds": 10.0} for stage in STAGES),
            {"stage": "floor", "seconds": 30.0}]
    daily = [{"stage": stage, "seconds": 2.5} for stage in STAGES]
    assert daily_ratio(full, daily) == 0.25  # the sandbox and the floor are not pipeline time
    assert daily_ratio(full, []) is None


def test_the_bench_ends_with_two_plain_lines_scripts_can_read() -> None:
    lines = closing_lines({"end_to_end": 2.41}, 0.187)
    assert lines == ["end-to-end/floor: 2.41", "daily/full: 0.187"]
    assert closing_lines({"end_to_end": 2.41}, None)[-1] == "daily/full: n/a"
