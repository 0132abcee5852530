"""Write a dataset's file deliveries into a drop directory, as the source owners do.

Each file is written whole (to a hidden temporary name, then renamed), and only then its
``.done`` marker; modification times increase in delivery order, so "newest by delivery time"
is observable from the file system.
"""

from __future__ import annotations

import csv
import io
import os
import re
import time
import zipfile
from collections.abc import Collection
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook

from devtools.sandbox.generator import Dataset, DropFile

MARKER_SUFFIX = ".done"
_FIXED_TIME = datetime(2000, 1, 1)  # XLSX metadata: identical data gives identical bytes
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
_SUBDIRECTORY = {"tech_contracts": "tech_contracts"}  # every other kind goes to reference/


def drop_path(drop_dir: Path, drop: DropFile) -> Path:
    return Path(drop_dir) / _SUBDIRECTORY.get(drop.kind, "reference") / drop.name


def render_csv(drop: DropFile) -> bytes:
    """The CSV bytes of a drop file in its encoding (header row = the rows' keys)."""
    if drop.encoding not in ("gbk", "utf-8-sig", "utf-8"):
        raise ValueError(f"{drop.name}: {drop.encoding} is not a CSV encoding")
    buffer = io.StringIO(newline="")
    headers = list(drop.rows[0]) if drop.rows else []
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in drop.rows:
        writer.writerow(["" if row.get(h) is None else row.get(h) for h in headers])
    return buffer.getvalue().encode(drop.encoding)


def render_xlsx(drop: DropFile) -> bytes:
    """XLSX bytes: dates as date cells, numbers as number cells, everything else as text."""
    workbook = Workbook()
    workbook.properties.creator = "济南市技术市场服务中心"
    workbook.properties.created = workbook.properties.modified = _FIXED_TIME
    sheet = workbook.active
    sheet.title = "技术合同"
    headers = list(drop.rows[0]) if drop.rows else []
    sheet.append(headers)
    for row in drop.rows:
        sheet.append([row.get(h) for h in headers])
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
            elif isinstance(cell.value, str):
                cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _without_zip_timestamps(buffer.getvalue())


def _without_zip_timestamps(data: bytes) -> bytes:
    """Re-pack an XLSX with fixed member timestamps so that rendering is deterministic."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target_buffer = io.BytesIO()
    with zipfile.ZipFile(target_buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = _MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            target.writestr(member, content)
    return target_buffer.getvalue()


def render(drop: DropFile) -> bytes:
    return render_xlsx(drop) if drop.encoding == "xlsx" else render_csv(drop)


def write_drop(dataset: Dataset, drop_dir: Path, unfinished: Collection[str] = ()) -> list[Path]:
    """Write every drop file of ``dataset`` in delivery order; return the data files' paths.

    Names in ``unfinished`` are written without their ``.done`` marker (a file still being
    written, which a connector must leave alone). A delivered file (with its marker) whose bytes
    are already identical is left untouched, so re-running the same dataset into the same drop
    modifies nothing; modification times increase in delivery order."""
    latest = time.time() - 2 * len(dataset.drop_files) - 10
    written: list[Path] = []
    for drop in dataset.drop_files:
        target = drop_path(drop_dir, drop)
        target.parent.mkdir(parents=True, exist_ok=True)
        marker = target.with_name(target.name + MARKER_SUFFIX)
        content = render(drop)
        if drop.name not in unfinished and marker.exists() and target.exists() \
                and target.read_bytes() == content:
            latest = max(latest, marker.stat().st_mtime)
            written.append(target)
            continue
        file_time = latest + 2
        temporary = target.with_name(f".{target.name}.partial")
        temporary.write_bytes(content)
        os.utime(temporary, (file_time, file_time))
        os.replace(temporary, target)
        if drop.name in unfinished:
            marker.unlink(missing_ok=True)
        else:
            marker.write_bytes(b"")
            os.utime(marker, (file_time + 1, file_time + 1))
        latest = file_time + 1
        written.append(target)
    return written
