"""Chart text never turns into boxes: the report draws with the Noto Sans CJK SC file it ships,
whatever matplotlib's font cache holds, and a character no chart font has fails the report.

Each case renders in a fresh interpreter, because matplotlib reads its cache (under
``MPLCONFIGDIR``) once, at import."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from patentflow.report import charts

CHINESE = "济南市专利转化运用：技术合同成交额（万元）同比增长‰"

RENDER = r"""
import json, sys, warnings
from matplotlib import font_manager
known_before = sorted({f.name for f in font_manager.fontManager.ttflist if "CJK" in f.name})
from patentflow.report import charts
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    series = [("济南市", [1.0, 2.0]), ("历下区", [2.0, 1.5])]
    svg = charts.render_svg(charts.LineChart(title=sys.argv[1], ylabel=sys.argv[1],
                                             xlabels=["1月", "2月"], series=series))
fonts = charts.configure_fonts()
print(json.dumps({"known_before": known_before, "families": list(fonts.families),
                  "missing": fonts.missing(sys.argv[1] + "1月2月济南市历下区"),
                  "warnings": [str(w.message) for w in caught], "svg_paths": svg.count("<path")}))
"""

STALE_CACHE = r"""
import sys
from matplotlib import font_manager
manager = font_manager.fontManager
manager.ttflist = [f for f in manager.ttflist if "CJK" not in f.name and "Hei" not in f.name]
font_manager.json_dump(manager, sys.argv[1])
"""


def _python(code: str, mplconfigdir: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, MPLCONFIGDIR=str(mplconfigdir))
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=300, cwd=Path(__file__).resolve().parents[2])


def _render(mplconfigdir: Path, text: str = CHINESE) -> dict:
    done = _python(RENDER, mplconfigdir, text)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_drawn(result: dict) -> None:
    assert result["families"][0] == "Noto Sans CJK SC"
    assert result["missing"] == ""
    assert not [w for w in result["warnings"] if "missing from font" in w], result["warnings"]
    assert result["svg_paths"] > 20  # the text is there, drawn as glyph outlines


def test_chinese_chart_text_is_drawn_under_a_fresh_empty_matplotlib_config(tmp_path):
    empty = tmp_path / "mpl-empty"
    empty.mkdir()
    _assert_drawn(_render(empty))


def test_chinese_chart_text_is_drawn_with_a_cache_built_before_any_cjk_font_was_there(tmp_path):
    stale = tmp_path / "mpl-stale"
    stale.mkdir()
    cache_name = f"fontlist-v{charts.font_manager.FontManager.__version__}.json"
    built = _python(STALE_CACHE, stale, str(stale / cache_name))
    assert built.returncode == 0, built.stderr
    assert "CJK" not in (stale / cache_name).read_text(encoding="utf-8")
    result = _render(stale)
    assert result["known_before"] == []  # matplotlib itself knew no CJK font from this cache
    _assert_drawn(result)


def test_a_character_no_chart_font_has_fails_the_chart_with_its_code_point():
    rare = "\U00020000"  # CJK Extension B: in neither Noto Sans CJK SC nor DejaVu Sans
    fonts = charts.configure_fonts()
    for file in fonts.files:
        assert ord(rare) not in charts.font_manager.get_font(str(file)).get_charmap()
    chart = charts.BarChart(title="区县排名", xlabel="件", categories=[f"高新区{rare}"],
                            series=[("2025年", [3.0])])
    with pytest.raises(charts.MissingGlyphs, match="U\\+20000"):
        charts.render_svg(chart)


def test_the_font_is_the_shipped_file_not_whatever_the_system_has():
    path = charts.cjk_font_file()
    assert path.name == "NotoSansCJKsc-Regular.otf" and path.is_file()
    assert Path(sys.prefix) in path.parents  # installed from requirements.lock into the venv
