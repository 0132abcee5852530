"""Charts as inline SVG (matplotlib, Agg): trend lines, bars and target-progress bullets.

Made for print: every series differs by line style, marker or hatch as well as colour, axes carry
their units, and text is drawn as paths so the SVG needs no font on the reader's machine.

The CJK font is not looked up among the fonts matplotlib happens to know: its font cache is built
once, and on a machine where the system CJK font arrived later it never lists it, so every
Chinese title came out as boxes while the run only logged a warning. Instead the report ships
Noto Sans CJK SC in a pinned package (``mplfonts``, requirements.in) and registers that file
with matplotlib (``addfont``) whatever the cache says. Every text of every chart is then checked
against the fonts' character maps before it is drawn: a character neither font has fails the
report (``MissingGlyphs``) instead of publishing boxes.
"""

from __future__ import annotations

import importlib.util
import io
import logging
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.text import Text  # noqa: E402

log = logging.getLogger(__name__)

FONT_PACKAGE = "mplfonts"
FONT_FILE = "fonts/NotoSansCJKsc-Regular.otf"
LATIN_FONT = "DejaVu Sans"  # matplotlib's own font: digits, Latin, symbols like ‰ and −
LINE_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D")]
HATCHES = ["", "//", "..", "xx"]
GREYS = ["#1f4e79", "#9dc3e6", "#548235", "#c55a11"]


class ChartFontError(RuntimeError):
    """The charts cannot be drawn with all their text: no report is better than boxes."""


class MissingGlyphs(ChartFontError):
    """A chart's text has characters that none of the chart fonts can draw."""


def cjk_font_file() -> Path:
    """The shipped Noto Sans CJK SC file. Found without importing the package (its
    ``__init__`` imports matplotlib helpers we do not need)."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        path = Path(location) / FONT_FILE
        if path.is_file():
            return path
    raise ChartFontError(f"the report's CJK font ({FONT_FILE} of the {FONT_PACKAGE} package) "
                         "is not installed; run `make venv` to install requirements.lock")


@dataclass(frozen=True)
class ChartFonts:
    """The fonts every chart text is drawn with, in fallback order, and what they can draw."""

    families: tuple[str, ...]
    files: tuple[Path, ...]
    characters: frozenset[int]

    def missing(self, text: str) -> str:
        """The characters of ``text`` that no chart font has (whitespace needs no glyph)."""
        return "".join(dict.fromkeys(c for c in text
                                     if not c.isspace() and ord(c) not in self.characters))


@lru_cache(maxsize=1)
def configure_fonts() -> ChartFonts:
    """Register the shipped CJK font with matplotlib and make it the first sans-serif family."""
    path = cjk_font_file()
    font_manager.fontManager.addfont(str(path))
    cjk_name = font_manager.FontProperties(fname=str(path)).get_name()
    latin = Path(font_manager.findfont(font_manager.FontProperties(family=LATIN_FONT),
                                       fallback_to_default=False))
    files = (path, latin)
    characters = frozenset().union(*(font_manager.get_font(str(file)).get_charmap()
                                     for file in files))
    # Fallback from one font to the next happens across ``font.family`` entries only.
    matplotlib.rcParams["font.family"] = [cjk_name, LATIN_FONT]
    matplotlib.rcParams["font.sans-serif"] = [cjk_name, LATIN_FONT]
    matplotlib.rcParams["axes.unicode_minus"] = False
    matplotlib.rcParams["svg.fonttype"] = "path"
    matplotlib.rcParams["svg.hashsalt"] = "patentflow"  # stable ids: same data, same SVG
    log.info("chart fonts: %s (%s), %s", cjk_name, path, LATIN_FONT)
    return ChartFonts((cjk_name, LATIN_FONT), files, characters)


def check_text(figure, title: str, fonts: ChartFonts) -> None:
    """Fail when any text of the figure (title, labels, ticks, legend, annotations) has a
    character the chart fonts cannot draw."""
    problems = []
    for artist in figure.findobj(Text):
        text = artist.get_text()
        missing = fonts.missing(text) if text else ""
        if missing:
            problems.append(f"{text!r} lacks {', '.join(f'U+{ord(c):04X} {c}' for c in missing)}")
    if problems:
        raise MissingGlyphs(f"chart {title!r}: no glyph in {' / '.join(fonts.families)} for: "
                            + "; ".join(problems[:5]))

@dataclass
class LineChart:
    title: str
    ylabel: str
    xlabels: list[str]
    series: list[tuple[str, list[float | None]]]
    key: str = "trend"


@dataclass
class BarChart:
    title: str
    xlabel: str
    categories: list[str]
    series: list[tuple[str, list[float | None]]]
    key: str = "bars"
    horizontal: bool = True


@dataclass
class ProgressItem:
    label: str
    progress: float | None  # % of the target achieved
    expected: float | None  # % a linear path would have reached by now
    status: str


@dataclass
class ProgressChart:
    title: str
    items: list[ProgressItem] = field(default_factory=list)
    key: str = "progress"


Chart = LineChart | BarChart | ProgressChart


def render_svg(chart: Chart) -> str:
    """The chart as an ``<svg>`` element (no XML prolog) to embed in the HTML; raises
    ``MissingGlyphs`` rather than draw a character as a box."""
    fonts = configure_fonts()
    if isinstance(chart, LineChart):
        figure = _line(chart)
    elif isinstance(chart, BarChart):
        figure = _bars(chart)
    else:
        figure = _progress(chart)
    buffer = io.StringIO()
    try:
        check_text(figure, chart.title, fonts)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    finally:
        plt.close(figure)
    # matplotlib's own word for a box it drew, should the character maps ever disagree with it
    boxes = [str(w.message) for w in caught if "missing from font" in str(w.message)]
    if boxes:
        raise MissingGlyphs(f"chart {chart.title!r}: {boxes[0]}")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _line(chart: LineChart):
    figure, axes = plt.subplots(figsize=(8, 3.6))
    positions = list(range(len(chart.xlabels)))
    for index, (label, values) in enumerate(chart.series):
        style, marker = LINE_STYLES[index % len(LINE_STYLES)]
        points = [(x, v) for x, v in zip(positions, values, strict=False) if v is not None]
        if points:
            xs, ys = zip(*points, strict=True)
            axes.plot(xs, ys, linestyle=style, marker=marker, color=GREYS[index % len(GREYS)],
                      label=label, linewidth=1.8)
    axes.set_xticks(positions, chart.xlabels)
    axes.set_ylabel(chart.ylabel)
    axes.set_xlabel("月份")
    axes.set_title(chart.title)
    axes.grid(axis="y", linestyle=":", linewidth=0.6)
    axes.legend(frameon=False)
    axes.set_ylim(bottom=0)
    return figure


def _bars(chart: BarChart):
    height = max(3.0, (0.3 + 0.12 * len(chart.series)) * len(chart.categories) + 1.0)
    figure, axes = plt.subplots(figsize=(8, height if chart.horizontal else 3.8))
    count = max(1, len(chart.series))
    width = 0.8 / count
    positions = list(range(len(chart.categories)))
    for index, (label, values) in enumerate(chart.series):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        numbers = [0.0 if v is None else v for v in values]
        style = {"color": GREYS[index % len(GREYS)], "hatch": HATCHES[index % len(HATCHES)],
                 "edgecolor": "black", "linewidth": 0.5, "label": label}
        bars = (axes.barh(offsets, numbers, height=width, **style) if chart.horizontal
                else axes.bar(offsets, numbers, width=width, **style))
        axes.bar_label(bars, labels=[_short(v) for v in values], padding=2, fontsize=7)
    if chart.horizontal:
        axes.set_yticks(positions, chart.categories)
        axes.invert_yaxis()
        axes.set_xlabel(chart.xlabel)
        axes.grid(axis="x", linestyle=":", linewidth=0.6)
    else:
        axes.set_xticks(positions, chart.categories)
        axes.set_ylabel(chart.xlabel)
        axes.grid(axis="y", linestyle=":", linewidth=0.6)
    axes.set_title(chart.title)
    if len(chart.series) > 1:
        axes.legend(frameon=False, fontsize=8)
    axes.margins(x=0.12) if chart.horizontal else axes.margins(y=0.12)
    return figure


def _progress(chart: ProgressChart):
    figure, axes = plt.subplots(figsize=(8, 0.9 * len(chart.items) + 1.2))
    for index, item in enumerate(chart.items):
        axes.barh(index, 100, height=0.6, color="#eeeeee", edgecolor="black", linewidth=0.5)
        achieved = max(0.0, min(item.progress or 0.0, 100.0))
        axes.barh(index, achieved, height=0.3, color="#1f4e79", hatch="//", edgecolor="black",
                  linewidth=0.5)
        if item.expected is not None:
            axes.plot([item.expected] * 2, [index - 0.35, index + 0.35], color="black",
                      linewidth=2.5)
        text = "—" if item.progress is None else f"{item.progress:.1f}%"
        axes.text(101, index, f"{text}  {item.status}", va="center", fontsize=9)
    axes.set_yticks(range(len(chart.items)), [item.label for item in chart.items])
    axes.invert_yaxis()
    axes.set_xlim(0, 125)
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.set_xlabel("目标完成进度（%）；竖线为按时间应达进度")
    axes.set_title(chart.title)
    return figure


def _short(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"
