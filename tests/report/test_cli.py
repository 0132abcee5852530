"""``patentflow report``: default output directory, printed paths, release choice, and the
revisions since the release the previous report was made from."""

from __future__ import annotations

import json

import pytest

from patentflow.cli import main
from tests.support.published_home import RELEASE_A, RELEASE_B, build_published_home


@pytest.fixture
def home(tmp_path, monkeypatch):
    home = build_published_home(tmp_path / "home")
    monkeypatch.setenv("PATENTFLOW_HOME", str(home))
    monkeypatch.delenv("PATENTFLOW_DROP_DIR", raising=False)
    return home


def test_a_month_report_goes_to_reports_period_and_prints_its_paths(home, capsys):
    assert main(["report", "--period", "2025-06", "--no-pdf"]) == 0
    out = capsys.readouterr().out
    directory = home / "reports" / "2025-06"
    for name in ("patentflow-report-2025-06.html", "patentflow-report-2025-06.xlsx",
                 "report.json"):
        assert str(directory / name) in out
        assert (directory / name).is_file()
    assert json.loads((directory / "report.json").read_text())["release_id"] == RELEASE_B


def test_a_year_report_from_a_given_release_into_a_given_directory(home, tmp_path, capsys):
    out_dir = tmp_path / "out"
    assert main(["report", "--year", "2024", "--release", RELEASE_A, "--out", str(out_dir),
                 "--no-pdf"]) == 0
    assert f"from release {RELEASE_A}" in capsys.readouterr().out
    html = (out_dir / "patentflow-report-2024.html").read_text(encoding="utf-8")
    assert "（2024年）" in html and RELEASE_A in html
    assert "尚不完整" not in html  # the release (as of 2025-05-31) covers all of 2024


def test_a_report_from_a_release_before_the_period_end_says_so(home, tmp_path, capsys):
    assert main(["report", "--period", "2025-06", "--release", RELEASE_A, "--out",
                 str(tmp_path), "--no-pdf"]) == 0
    html = (tmp_path / "patentflow-report-2025-06.html").read_text(encoding="utf-8")
    assert "所用数据版本截至 2025-05-31，早于本报告期末 2025-06-30，本期数据尚不完整" in html


def test_bad_periods_and_unknown_releases_are_refused(home, capsys):
    assert main(["report", "--period", "2025", "--no-pdf"]) == 2
    assert main(["report", "--period", "2025-6x", "--no-pdf"]) == 2
    assert main(["report", "--period", "2025-06", "--release", "nope", "--no-pdf"]) == 1
    assert "no such release" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["report", "--period", "2025-06", "--year", "2025"])


def test_revisions_are_listed_since_the_release_of_the_previous_report(home, capsys):
    assert main(["report", "--period", "2025-05", "--release", RELEASE_A, "--no-pdf"]) == 0
    assert main(["report", "--period", "2025-06", "--no-pdf"]) == 0
    html = (home / "reports" / "2025-06" / "patentflow-report-2025-06.html").read_text("utf-8")
    assert f"与上期报告所用版本 {RELEASE_A} 比较" in html
    assert "共修订 29 行" in html  # CON-01 2025-03 in 14 regions (month + year) and CON-02 2025
