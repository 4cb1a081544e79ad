"""``python -m geo batch extract``: many reports to proposed events on a Dask cluster.

Each report is read exactly as ``python -m geo extract FILE`` reads it (``read_report_file``, then
``extract_events`` with the file's path as its source), so the events are those of the single-process
command, report by report: a report is read on its own, with nothing shared between reports but the
gazetteer. A report that cannot be read (empty, too long, no date) goes to the rejects, with the reason
``extract`` would give.

INPUT is a folder of reports (``.txt``, ``.html``, one report a file, by name), or a CSV/Parquet table (a
file or a folder of parts) with one report a row: the text in ``column``, the date in ``date_column``
(else the report's own dateline), and the row's other columns copied onto its events.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pandas as pd

from ..errors import StrikemapError
from .cluster import batch_client, wait_all
from .dataset import BatchFolder, input_fingerprint
from .inputs import TABLE_SUFFIXES, input_files, read_table, require_column

REPORT_SUFFIXES = (".txt", ".html", ".htm")
PARTITION_REPORTS = 200
REPORT = "report"  # the output's index: the report's number in the input (from 0); a report gives 0 or more events
SOURCE = "source"  # the staged column holding a report file's path, as the single-process command is given it


def _report_date(value, column: str) -> dt.date | None:
    if value is None or pd.isna(value) or str(value).strip() == "":
        return None  # the report's own dateline, as `extract` without --date
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError(f"{column}: {value!r} is not a date in YYYY-MM-DD form") from None


def _extract_partition(folder: BatchFolder, number: int, column: str | None, date_column: str | None) -> int:
    """One partition on a worker: each report's proposed events, written; the events written."""
    import geopandas as gpd

    from ..io.events import SCHEMA
    from ..reports.extract import AUDIT_COLUMNS, ExtractError, extract_events, read_report_file

    reports = pd.read_parquet(folder.input_part(number))
    frames, rejects = [], []
    for offset, report in enumerate(reports.to_dict("records")):
        row = folder.first_row(number) + offset
        where = column or report[SOURCE]
        try:
            if column is None:  # a folder of report files
                text, date, source = read_report_file(report[SOURCE]), None, report[SOURCE]
            else:
                text, source = report[column], ""
                date = _report_date(report[date_column], date_column) if date_column else None
                if not isinstance(text, str):
                    raise ExtractError("no report text in the cell")
            events = extract_events(text, report_date=date, source=source)
        except ValueError as exc:  # ExtractError is one; a bad date cell another
            rejects.append((row, date_column if "is not a date" in str(exc) else where, str(exc)))
            continue
        except Exception as exc:  # noqa: BLE001 - one unreadable report must never stop the batch
            rejects.append((row, where, f"extract failed: {type(exc).__name__}: {exc}"))
            continue
        if column is not None:  # the report row's own columns (an id, a URL) beside each of its events
            for name, value in report.items():
                if name not in events.columns and name != column:
                    events[name] = value
        events.index = pd.Index([row] * len(events), name=REPORT)
        frames.append(events)
    if frames:
        found = pd.concat(frames)
    else:
        found = gpd.GeoDataFrame(columns=SCHEMA + AUDIT_COLUMNS, geometry=[], crs="EPSG:4326")
        found.index.name = REPORT
    folder.write_partition(number, gpd.GeoDataFrame(found, crs="EPSG:4326"), rejects)
    return len(found)


def _reports(input_path: Path) -> list[Path] | None:
    """The report files INPUT names (a folder of them, or one), or None when INPUT is a table."""
    if input_path.is_file():
        return [input_path] if input_path.suffix.lower() in REPORT_SUFFIXES else None
    if not input_path.is_dir():
        raise StrikemapError(f"{input_path}: no such file or folder")
    reports = sorted(p for p in input_path.iterdir()
                     if p.is_file() and p.suffix.lower() in REPORT_SUFFIXES and not p.name.startswith((".", "_")))
    tables = [p for p in input_path.iterdir() if p.suffix.lower() in TABLE_SUFFIXES]
    if reports and tables:
        raise StrikemapError(f"{input_path}: holds both report files and tables; give one kind per folder")
    return reports or None


def batch_extract(input_path: Path | str, out_dir: Path | str, *, scheduler: str | None = None,
                  workers: int | None = None, column: str = "text", date_column: str | None = None,
                  partition_reports: int = PARTITION_REPORTS) -> dict:
    """Propose events from every report of ``input_path`` into the GeoParquet dataset ``out_dir``."""
    input_path = Path(input_path)
    reports = _reports(input_path)
    files = reports or input_files(input_path)
    run = {"command": "extract", "column": None if reports else column, "date_column": date_column,
           "partition_rows": partition_reports, "input": input_fingerprint(files)}
    if reports and date_column:
        raise StrikemapError("--date-column is for a table of reports; report files carry their own dateline")
    folder = BatchFolder(out_dir, run)
    folder.check()

    def read_input() -> pd.DataFrame:
        if reports:
            return pd.DataFrame({SOURCE: [str(path) for path in reports]})  # as typed: the single command's source
        table = read_table(files)
        require_column(table, column, input_path, "--column")
        if date_column:
            require_column(table, date_column, input_path, "--date-column")
        return table

    table = None if folder.resuming else read_input()
    folder.open()
    if folder.finished:
        return folder.summary(done_now=0)
    if folder.get("partitions") is None:  # a run killed while staging its input
        folder.stage(read_input() if table is None else table, partition_reports)
    missing = folder.missing()
    with batch_client(scheduler, workers) as client:
        written = [client.submit(_extract_partition, folder, n, run["column"], date_column,
                                 key=f"strikemap-extract-partition-{n:05d}-{uuid.uuid4().hex}")
                   for n in missing]
        wait_all(written, "reading reports")
        folder.finish(REPORT)  # inside: dask computes on the open client, so the shuffle runs on the cluster too
    return folder.summary(done_now=len(missing))
