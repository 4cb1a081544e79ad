"""``python -m geo batch geocode``: one column of an archive geocoded on a Dask cluster.

The answers are those of ``python -m geo geocode --csv FILE --column COL`` (``geocode_column``), row for row.
That command reads a file's mentions together (``resolve_mentions``): a first answer for every mention gives
the archive's *reading context* (the countries it is about, and for a report-sized file the middle of its
towns), and every mention is then read in that context. The batch keeps exactly that, at scale:

1. each **distinct** mention gets its first answer once (pass 1, in batches on the workers); the context is
   computed from those answers weighted by how often each mention occurs, which is what the single process
   computes over all rows (``reading_context``). It is kept in the manifest, so a resumed run reuses it;
2. each distinct mention of the partitions still to do is resolved once in that context (pass 2);
3. each partition joins its rows to those answers and is written (``with_resolutions``, the single
   process's own table builder), under a temporary name, then renamed.
"""

from __future__ import annotations

import uuid
import zlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .cluster import Stopwatch, batch_client, wait_all
from .dataset import BatchFolder, input_fingerprint
from .inputs import input_files, read_table, require_column

# Rows per partition: a partition is the unit of work, of restart and of output file.
PARTITION_ROWS = 100_000
# Distinct mentions resolved per task: small enough to spread, large enough that scheduling costs little.
MENTIONS_PER_TASK = 5_000
ROW = "row"  # the output's index: the row's number in the input (from 0), so its order can be restored


def _first_answers(texts: list[str], country, focus) -> dict:
    """Pass 1 on a worker: each mention's first answer, without its shape (only the context needs it)."""
    from ..geocoding.resolve import resolve_mention

    answers = {}
    for text in texts:
        try:
            answers[text] = replace(resolve_mention(text, country, focus=focus), geometry=None)
        except Exception:  # noqa: BLE001 - a mention the geocoder fails on is rejected in pass 2, not fatal here
            continue
    return answers


def _answers(texts: list[str], country, focus, centre) -> dict:
    """Pass 2 on a worker: each mention resolved in the archive's context; a failure kept as its message."""
    from ..geocoding.resolve import resolve_mention

    answers = {}
    for text in texts:
        try:
            answers[text] = resolve_mention(text, country, near_point=centre, focus=focus)
        except Exception as exc:  # noqa: BLE001 - one bad row must never stop the batch: it goes to the rejects
            answers[text] = f"the geocoder failed: {type(exc).__name__}: {exc}"
    return answers


def _geocode_partition(folder: BatchFolder, number: int, column: str, *answer_batches: dict) -> int:
    """One partition on a worker: its rows joined to the shared answers, written; the rows written."""
    from ..geocoding.resolve import mention_texts, with_resolutions

    rows = pd.read_parquet(folder.input_part(number))
    rows.index = pd.RangeIndex(folder.first_row(number), folder.first_row(number) + len(rows))
    answers = {}
    for batch in answer_batches:
        answers.update(batch)
    found = [answers[text] for text in mention_texts(rows[column])]
    failed = [isinstance(f, str) for f in found]
    rejects = [(index, column, f) for index, f, bad in zip(rows.index, found, failed) if bad]
    kept = rows[[not bad for bad in failed]]
    placed = with_resolutions(kept, [f for f, bad in zip(found, failed) if not bad])
    placed.index.name = ROW
    folder.write_partition(number, placed, rejects)
    return len(placed)


def _batches(texts, per_task: int) -> list[list[str]]:
    """Mentions in a fixed number of batches by a stable hash, so a rerun builds the same tasks."""
    count = max(1, -(-len(texts) // per_task))
    batches = [[] for _ in range(count)]
    for text in texts:
        batches[zlib.crc32(text.encode("utf-8")) % count].append(text)
    return [b for b in batches if b]


def batch_geocode(input_path: Path | str, column: str, out_dir: Path | str, *, scheduler: str | None = None,
                  workers: int | None = None, country: str | None = None, focus: tuple[str, ...] = (),
                  partition_rows: int = PARTITION_ROWS) -> dict:
    """Geocode ``column`` of ``input_path`` (CSV or Parquet, a file or a folder of parts) into the GeoParquet
    dataset ``out_dir``, on the cluster at ``scheduler`` or a local one of ``workers`` processes.
    Returns what was done: partitions in all and done by this run, rows, unplaced, rejected."""
    from ..geocoding.resolve import mention_texts, reading_context

    clock = Stopwatch()
    files = input_files(input_path)
    focus = tuple(sorted(c.upper() for c in focus))
    run = {"command": "geocode", "column": column, "country": country, "focus": list(focus),
           "partition_rows": partition_rows, "input": input_fingerprint(files)}
    folder = BatchFolder(out_dir, run)
    folder.check()
    table = None
    if not folder.resuming:
        table = read_table(files)
        require_column(table, column, input_path, "--column")
    folder.open()
    if folder.finished:
        return folder.summary(done_now=0)
    if folder.get("partitions") is None:  # a run killed while staging its input
        table = read_table(files) if table is None else table
        folder.stage(table, partition_rows)
    missing = folder.missing()
    clock.lap("read and stage")
    with batch_client(scheduler, workers) as client:
        clock.lap("start")
        if folder.get("context") is None:
            counts = Counter(mention_texts(_column(folder, column, range(folder.get("partitions")))))
            firsts = {}
            for batch in wait_all([client.submit(_first_answers, b, country, focus, pure=False)
                                   for b in _batches(sorted(counts), MENTIONS_PER_TASK)], "reading the archive"):
                firsts.update(batch)
            clock.lap("first answers")
            context_focus, centre = reading_context([firsts[t] for t, n in counts.items() if t in firsts
                                                     for _ in range(n)], focus)
            folder.set(context={"focus": list(context_focus), "centre": list(centre) if centre else None})
        context = folder.get("context")
        centre = tuple(context["centre"]) if context["centre"] else None
        needed = sorted(set(mention_texts(_column(folder, column, missing))))
        clock.lap("context")
        answers = [client.submit(_answers, b, country, tuple(context["focus"]), centre, pure=False)
                   for b in _batches(needed, MENTIONS_PER_TASK)]
        written = [client.submit(_geocode_partition, folder, n, column, *answers,
                                 key=f"strikemap-geocode-partition-{n:05d}-{uuid.uuid4().hex}")
                   for n in missing]
        wait_all(written, "geocoding partitions")
        clock.lap("answers and partitions")
        folder.finish(ROW)  # inside: dask computes on the open client, so the shuffle runs on the cluster too
        clock.lap("finish")
    return {**folder.summary(done_now=len(missing)), "seconds": clock.seconds}


def _column(folder: BatchFolder, column: str, numbers) -> pd.Series:
    """One column of the staged input partitions ``numbers`` (only that column is read)."""
    parts = [pd.read_parquet(folder.input_part(n), columns=[column])[column] for n in numbers]
    return pd.concat(parts, ignore_index=True) if parts else pd.Series([], dtype=object)
