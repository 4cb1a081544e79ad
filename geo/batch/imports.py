"""``python -m geo batch import``: an ACLED or UCDP GED archive imported on a Dask cluster.

The archive is cut into partitions of whole rows (staged as CSV files with the header), and each partition
is imported by ``geo.io.importers`` exactly as ``python -m geo import FORMAT FILE`` imports a file, with bad
rows skipped into the rejects (``--on-bad-rows skip``) instead of refusing the archive. Rows with coordinates
(nearly all of an ACLED or UCDP export) come out as the single-process import gives them; the few geocoded
from their place names are read in the context of their own partition (the countries its mentions are about),
so give ``--partition-size`` at least the archive's rows when those must match a whole-file import exactly.
Ids are checked for duplicates across the whole archive after the partitions are done.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd

from ..errors import StrikemapError
from .cluster import batch_client, wait_all
from .dataset import BatchFolder, input_fingerprint
from .inputs import input_files

PARTITION_ROWS = 50_000
ROW = "row"  # the output's index: the row's number in the archive's data rows (from 0)


def _import_file(fmt: str, path: Path):
    """The one call into geo.io's importers (kept here alone, so a new reader API changes one line)."""
    from ..io.importers import import_with_summary

    return import_with_summary(fmt, path, on_bad_rows="skip")


def _import_partition(folder: BatchFolder, number: int, fmt: str) -> int:
    """One partition on a worker: imported, its rejected rows listed, written; the events written."""
    first = folder.first_row(number)
    events, summary = _import_file(fmt, folder.input_part(number))
    rejected = {problem.index for problem in summary.set_aside}
    rows = len(pd.read_csv(folder.input_part(number), dtype=str, keep_default_na=False, usecols=[0]))
    events.index = pd.Index([first + i for i in range(rows) if i not in rejected], name=ROW)
    folder.write_partition(number, events, [(first + p.index, p.column, p.reason) for p in summary.set_aside])
    return len(events)


def _read_archive(files: list[Path]) -> pd.DataFrame:
    """Every cell as text, as the importer reads it, so the staged CSV parts say exactly what the file said."""
    from ..io.read import read_csv_table

    frames = [read_csv_table(file) for file in files]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _duplicate_ids(folder: BatchFolder, count: int) -> None:
    """An id twice in the archive is refused by the single-process import: here it is listed as a reject."""
    ids = pd.concat([pd.read_parquet(folder.done_part(n), columns=[ROW, "event_id_cnty"]) for n in range(count)])
    twice = ids[ids["event_id_cnty"].duplicated(keep=False) & ids["event_id_cnty"].notna()]
    if len(twice):
        raise StrikemapError(f"{len(twice)} rows share an event id with another partition's row, e.g. "
                             f"{twice['event_id_cnty'].iloc[0]!r} (rows {', '.join(map(str, twice[ROW].head(5)))}); "
                             "ids must be unique across the archive")


def batch_import(fmt: str, input_path: Path | str, out_dir: Path | str, *, scheduler: str | None = None,
                 workers: int | None = None, partition_rows: int = PARTITION_ROWS) -> dict:
    """Import ``input_path`` (an ACLED or UCDP GED CSV, or a folder of CSV parts) into the dataset ``out_dir``."""
    if fmt not in ("acled", "ucdp"):
        raise StrikemapError(f"batch import reads acled or ucdp archives, not {fmt!r}")
    files = input_files(input_path, suffixes=(".csv",))
    run = {"command": "import", "format": fmt, "partition_rows": partition_rows, "input": input_fingerprint(files)}
    folder = BatchFolder(out_dir, run)
    folder.check()
    table = None if folder.resuming else _read_archive(files)
    folder.open()
    if folder.finished:
        return folder.summary(done_now=0)
    if folder.get("partitions") is None:  # a run killed while staging its input
        folder.stage(_read_archive(files) if table is None else table, partition_rows, as_csv=True)
    missing = folder.missing()
    with batch_client(scheduler, workers) as client:
        written = [client.submit(_import_partition, folder, n, fmt,
                                 key=f"strikemap-import-partition-{n:05d}-{uuid.uuid4().hex}")
                   for n in missing]
        wait_all(written, "importing partitions")
        _duplicate_ids(folder, folder.get("partitions"))
        folder.finish(ROW)  # inside: dask computes on the open client, so the shuffle runs on the cluster too
    return folder.summary(done_now=len(missing))
