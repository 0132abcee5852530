"""The HTML report renders in a real headless browser without console errors, and prints to PDF.

Skipped — with the reason — when Chromium is not installed (CI installs the Debian packages
``chromium`` and ``fonts-noto-cjk``). The screenshot stays in ``test-artifacts/`` for a human look.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from patentflow.core.settings import Settings
from patentflow.report.browser import find_chromium, headless_command, print_to_pdf
from patentflow.report.build import generate_report
from patentflow.report.html import HEADER_BREAKS
from patentflow.report.period import ReportPeriod
from patentflow.report.sections import build_sections
from patentflow.report.source import load_release
from tests.support.paths import ARTIFACTS
from tests.support.published_home import build_published_home

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless render test needs Chromium: no chromium/chromium-browser/google-chrome on "
           "PATH (apt-get install -y chromium fonts-noto-cjk)")


needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="the PDF layout test reads word positions with pdftotext: apt-get install -y "
           "poppler-utils")
STATUS_WORDS = ("达标", "落后", "进度正常", "未开始", "无数据")


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return build_published_home(tmp_path_factory.mktemp("render_home"))


@pytest.fixture(scope="module")
def html(home) -> Path:
    settings = Settings(home=home, drop_dir=home / "drop")
    return generate_report(settings, ReportPeriod.parse("2025-06"), pdf=False).html


@needs_chromium
def test_the_report_renders_without_console_errors_and_is_not_blank(html, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "report-2025-06.png"
    screenshot.unlink(missing_ok=True)
    command = [*headless_command(CHROMIUM, tmp_path / "profile"),
               f"--screenshot={screenshot}", "--window-size=1280,4000",
               "--enable-logging=stderr", "--v=0", html.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines()
               if re.search(r"CONSOLE|Uncaught|ERR_FILE_NOT_FOUND|net::ERR", line)]
    assert console == []
    pixels = image.imread(screenshot)[..., :3]
    assert pixels.shape[:2] == (4000, 1280)
    dark = (pixels.mean(axis=2) < 0.5).mean()
    assert 0.005 < dark < 0.5, f"share of dark pixels {dark:.4f}: blank or broken page"
    assert np.unique(pixels.reshape(-1, 3), axis=0).shape[0] > 16  # charts, not flat colour


@needs_chromium
def test_the_report_prints_to_a_pdf(html, tmp_path):
    pdf, reason = print_to_pdf(html, tmp_path / "report.pdf")
    assert reason == "" and pdf is not None
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 20_000


def test_without_chromium_the_pdf_is_skipped_with_a_reason(html, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PATENTFLOW_CHROMIUM", "no-such-browser-binary")
    pdf, reason = print_to_pdf(html, tmp_path / "report.pdf")
    assert pdf is None and "no Chromium found" in reason
    assert "no Chromium found" in caplog.text
    assert not (tmp_path / "report.pdf").exists()


def _pdf_words(pdf: Path) -> list[tuple[int, float, float, str]]:
    """(page, page width, right edge, text) of every word pdftotext finds."""
    done = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=120)
    body = re.sub(r"<!DOCTYPE[^>]*>| xmlns=\"[^\"]*\"", "", done.stdout)
    words = []
    for number, page in enumerate(ET.fromstring(body).iter("page"), start=1):
        width = float(page.get("width"))
        words += [(number, width, float(w.get("xMax")), w.text or "") for w in page.iter("word")]
    return words


@needs_chromium
@needs_poppler
def test_pdf_tables_fit_the_page_and_break_no_code_or_word(home, html, tmp_path):
    """Every table is whole on its page (a column pushed past the edge is clipped from the PDF:
    every header must be in its text; wide tables get landscape pages), and indicator ids,
    dates and status words are never split across lines."""
    pdf, reason = print_to_pdf(html, tmp_path / "report.pdf")
    assert pdf is not None, reason
    words = _pdf_words(pdf)
    assert len({page for page, *_ in words}) >= 8
    outside = [(page, text) for page, width, right, text in words if right > width - 20]
    assert outside == []
    flat = "".join(text for *_, text in words)
    sections = build_sections(load_release(Settings(home=home, drop_dir=home / "drop")),
                              ReportPeriod.parse("2025-06"))
    expected = Counter(part for section in sections for table in section.tables
                       for column in table.columns for part in HEADER_BREAKS.split(column.header))
    assert {part: n for part, n in expected.items() if flat.count(part) < n} == {}
    texts = [text for *_, text in words]
    broken_ids = [t for t in texts if re.fullmatch(r"[A-Z]{3}-|\d{4}-(\d{2}-)?", t)]
    assert broken_ids == []
    assert {"CON-02", "FIN-04", "UNI-03", "2025-12-31"} <= set(texts)
    status_fragments = [t for t in texts
                        if any(t != w and w.startswith(t) or (t != w and w.endswith(t))
                               for w in STATUS_WORDS) and len(t) < 3]
    assert status_fragments == []
