"""Peak memory of a command's whole process tree, for the benchmark's per-stage figures.

``getrusage`` gives the largest single process a stage waited for (``ru_maxrss``), which misses
memory held at the same time by a parent and its child: the ``dbt_build`` stage is a Python
process and the dbt process under it, the end-to-end run is the Airflow runner with dbt and the
sandbox beside it. So the tree's resident memory (the process and every descendant) is sampled
while the command runs; the peak of the sums is the stage's peak memory. Both are reported:
``peak_mb`` (the tree) and ``peak_process_mb`` (its largest process), both sampled every
``interval`` seconds (a spike shorter than that can be missed).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass

import psutil

MB = 1024 * 1024


@dataclass
class Measured:
    seconds: float
    completed: subprocess.CompletedProcess
    peak_mb: float
    peak_process_mb: float


def tree_rss(process: psutil.Process) -> tuple[int, int]:
    """Resident bytes of ``process`` with all its descendants, and of the largest of them
    (a process that vanishes between listing and reading counts 0)."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    sizes = []
    for member in members:
        try:
            sizes.append(member.memory_info().rss)
        except psutil.Error:
            continue
    return sum(sizes), max(sizes, default=0)


def run_measured(command: list[str], env: dict[str, str], interval: float = 0.2) -> Measured:
    """Run ``command`` to completion, capturing its output; wall time and peak memory."""
    started = time.monotonic()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peaks = [0, 0]
    done = threading.Event()

    def sample() -> None:
        watched = psutil.Process(process.pid)
        while not done.is_set():
            tree, largest = tree_rss(watched)
            peaks[0], peaks[1] = max(peaks[0], tree), max(peaks[1], largest)
            done.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, stderr = process.communicate()
    seconds = time.monotonic() - started
    done.set()
    sampler.join()
    completed = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    return Measured(seconds=seconds, completed=completed, peak_mb=round(peaks[0] / MB),
                    peak_process_mb=round(peaks[1] / MB))


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
