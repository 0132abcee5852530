"""The self-contained HTML report: CSS inline, charts inline SVG, no script, no external URL, so
it opens offline, prints on A4 and can be turned into a PDF by a headless browser."""

from __future__ import annotations

import re
from typing import Any

import jinja2
from markupsafe import Markup, escape

from patentflow.report.charts import render_svg
from patentflow.report.definitions import CITY
from patentflow.report.sections import Section
from patentflow.report.tables import TEXT_KINDS, Table, format_number

TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei",
       "WenQuanYi Micro Hei", sans-serif; color: #111; margin: 0 auto; max-width: 1180px;
       padding: 24px 32px; line-height: 1.55; }
h1 { font-size: 24px; text-align: center; margin: 8px 0 4px; }
.meta { text-align: center; color: #444; font-size: 13px; margin-bottom: 20px; }
h2 { font-size: 19px; border-bottom: 2px solid #1f4e79; padding-bottom: 4px; margin-top: 32px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; margin: 6px 0 12px; }
th, td { border: 1px solid #888; padding: 3px 6px; }
th { background: #dde6f0; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.nowrap { white-space: nowrap; }
span.part { white-space: nowrap; }
th { word-break: keep-all; }
tr.total td { font-weight: 600; background: #f3f3f3; }
.status-达标 { font-weight: 700; }
.status-落后 { font-weight: 700; text-decoration: underline; }
figure { margin: 10px 0 16px; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: #333; text-align: center; }
ul.summary { font-size: 14px; }
ol.notes { font-size: 11.5px; color: #333; }
section { page-break-inside: auto; }
@page { size: A4; margin: 14mm 12mm; }
@page wide { size: A4 landscape; margin: 12mm 12mm; }
@media print { div.wide { page: wide; } table { font-size: 11px; } }
@media print { body { padding: 0; max-width: none; } h2 { page-break-after: avoid; } }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<div class="meta">统计期：{{ period_label }}　数据版本：{{ release_id }}
　数据截至：{{ as_of }}　生成时间：{{ generated_at }}</div>
<nav><ol>{% for s in sections %}
<li><a href="#{{ s.key }}">{{ s.title }}</a></li>{% endfor %}</ol></nav>
{% for s in sections %}
<section id="{{ s.key }}" data-section="{{ s.key }}">
<h2>{{ s.title }}</h2>
{% if s.summary %}<ul class="summary">{% for line in s.summary %}
<li>{{ line }}</li>{% endfor %}</ul>{% endif %}
{% for chart in s.charts %}<figure data-chart="{{ chart.key }}">{{ chart.svg | safe }}
<figcaption>图：{{ chart.title }}</figcaption></figure>
{% endfor %}
{% for t in s.tables %}<div class="table{% if t.wide %} wide{% endif %}"><h3>{{ t.title }}</h3>
<table data-table="{{ s.key }}-{{ loop.index }}">
<thead><tr>{% for c in t.headers %}<th scope="col"
{%- if c.min_em %} style="min-width: {{ c.min_em }}em"{% endif %}>{{ c.text }}</th>
{%- endfor %}</tr></thead>
<tbody>{% for row in t.rows %}
<tr{% if row.id %} data-row="{{ row.id }}"{% endif %}{% if row.total %} class="total"{% endif %}>
{% for cell in row.cells %}<td{% if cell.css %} class="{{ cell.css }}"{% endif %}>
{{- cell.text }}</td>{% endfor %}</tr>
{% else %}<tr><td colspan="{{ t.headers | length }}">（无）</td></tr>{% endfor %}</tbody>
</table>{% if t.note %}<p class="note">{{ t.note }}</p>{% endif %}</div>
{% endfor %}
{% if s.footnotes %}<ol class="notes">{% for n in s.footnotes %}
<li>{{ n }}</li>{% endfor %}</ol>{% endif %}
</section>
{% endfor %}
</body>
</html>
"""


BREAK_AFTER = re.compile(r"(?<=[.:/_|])")
HEADER_BREAKS = re.compile(r"(?=[（·])")


def breakable(text: str, at: re.Pattern[str]) -> Markup:
    """``text`` escaped, breakable only where ``at`` matches: each part is an unbreakable span
    (not even at a hyphen: ``2023-07-21`` stays whole), with a ``<wbr>`` between parts."""
    parts = [Markup('<span class="part">{}</span>').format(part) for part in at.split(text)]
    return Markup("<wbr>").join(parts)


def _cell(text: str, kind: str, header: str) -> dict[str, Any]:
    if header == "状态":
        return {"text": text, "css": f"nowrap status-{text}"}  # bold / underlined, not colour
    if kind == "nowrap":  # unbroken lines; a line feed in the value is a line of its own
        return {"text": Markup("<br>").join(escape(line) for line in text.split("\n")),
                "css": "nowrap"}
    if kind == "code":
        return {"text": breakable(text, BREAK_AFTER), "css": "code"}
    return {"text": text, "css": "" if kind in TEXT_KINDS else "num"}


def _table_view(table: Table) -> dict[str, Any]:
    rows = []
    for index, row in enumerate(table.rows):
        cells = [_cell(format_number(value, table.cell_kind(row, column_index)),
                       table.cell_kind(row, column_index), table.columns[column_index].header)
                 for column_index, value in enumerate(row)]
        row_id = table.row_ids[index] if index < len(table.row_ids) else ""
        rows.append({"cells": cells, "id": row_id, "total": row_id == CITY})
    # prose may wrap, but not into a sliver beside columns that never wrap: at least a third of
    # its (workbook) width, in em
    headers = [{"text": breakable(c.header, HEADER_BREAKS),
                "min_em": c.width // 3 if c.kind == "text" else 0} for c in table.columns]
    return {"title": table.title, "wide": table.wide, "headers": headers, "rows": rows,
            "note": table.note}


def render_html(*, title: str, period_label: str, release_id: str, as_of: str,
                generated_at: str, sections: list[Section]) -> str:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    views = [{"key": s.key, "title": s.title, "summary": s.summary, "footnotes": s.footnotes,
              "tables": [_table_view(t) for t in s.tables],
              "charts": [{"key": c.key, "title": c.title, "svg": render_svg(c)} for c in s.charts]}
             for s in sections]
    return environment.from_string(TEMPLATE).render(
        title=title, period_label=period_label, release_id=release_id, as_of=as_of,
        generated_at=generated_at, sections=views)
