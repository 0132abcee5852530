"""Headless Chromium for the PDF (and the render test): found on PATH, run with a throw-away
profile, no network, no first-run UI. Absent Chromium is a logged, explained skip, not an error."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from patentflow.core.settings import load_settings

log = logging.getLogger(__name__)

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
TIMEOUT_SECONDS = 120


def find_chromium() -> str | None:
    """``PATENTFLOW_CHROMIUM`` if set, else the first Chromium-like browser on PATH."""
    configured = load_settings().chromium
    if configured:
        return shutil.which(configured)
    return next((found for name in CANDIDATES if (found := shutil.which(name))), None)


def headless_command(browser: str, user_data_dir: Path) -> list[str]:
    return [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", f"--user-data-dir={user_data_dir}"]


def print_to_pdf(html: Path, pdf: Path) -> tuple[Path | None, str]:
    """Print ``html`` to ``pdf``; returns (path or None, reason when skipped or failed)."""
    browser = find_chromium()
    if browser is None:
        reason = ("PDF skipped: no Chromium found on PATH (tried " + ", ".join(CANDIDATES)
                  + "); install the Debian package 'chromium'")
        log.warning(reason)
        return None, reason
    with tempfile.TemporaryDirectory(prefix="patentflow-chromium-") as profile:
        command = [*headless_command(browser, Path(profile)), "--no-pdf-header-footer",
                   f"--print-to-pdf={pdf}", html.resolve().as_uri()]
        try:
            result = subprocess.run(command, capture_output=True, text=True,
                                    timeout=TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            reason = f"PDF failed: Chromium did not finish within {TIMEOUT_SECONDS}s"
            log.warning(reason)
            return None, reason
    if result.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
        reason = f"PDF failed: Chromium exited {result.returncode}: {result.stderr[-500:]}"
        log.warning(reason)
        return None, reason
    return pdf, ""
