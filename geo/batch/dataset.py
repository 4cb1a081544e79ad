"""A batch's output folder: a partitioned GeoParquet dataset, built so that a killed run can resume.

Layout of OUT_DIR while a run goes and when it is done::

    _batch.json              the manifest: command, options, input files (size, mtime), partitions, context
    .work/input/part-N.parquet   the input, staged in partitions of fixed size (deterministic: same input,
                                 same partitions), so any worker can read its own
    .work/done/part-N.parquet    a finished partition's rows with a shape: written under a temporary name,
                                 then renamed, last (its presence marks the partition done)
    .work/done/part-N-unplaced.parquet  its rows without one (unresolved), written before
    .work/rejects/part-N.csv     its bad rows, written first
    .work/result/                the spatially sorted files, moved into OUT_DIR when all are written
    part.0.parquet ...       the result: every row, spatially sorted (Hilbert curve) by dask-geopandas,
                             each file with its bounding box in the GeoParquet metadata
    _rejects.csv             row, column, reason for every row that could not be processed

A restarted run with the same command finds the manifest, checks it is the same run (same command, options
and input files), and submits only the partitions with no ``.work/done`` file. ``geopandas.read_parquet`` and
``dask_geopandas.read_parquet`` skip names that start with ``_`` or ``.``, so they read only the result.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd

from ..errors import StrikemapError
from ..io.export import atomic_write
from .inputs import consistent_types

MANIFEST = "_batch.json"
REJECTS = "_rejects.csv"
REJECT_COLUMNS = ["row", "column", "reason"]
WORK = ".work"


def input_fingerprint(paths: list[Path]) -> list[dict]:
    """What identifies the input of a run: each file's absolute path, size and modification time."""
    return [{"path": str(p.resolve()), "bytes": p.stat().st_size, "mtime_ns": p.stat().st_mtime_ns} for p in paths]


def write_parquet(path: Path, frame) -> None:
    """A (Geo)DataFrame to Parquet under a temporary name, renamed into place: a reader (or a resumed run)
    sees the whole file or none."""
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_rejects(path: Path, rejects: list[tuple]) -> None:
    table = pd.DataFrame(rejects, columns=REJECT_COLUMNS)
    atomic_write(path, lambda tmp: table.to_csv(tmp, index=False))


def _indexed_by(frame, index: str):
    """A partition indexed by the input row (or report), without the extents read_parquet keeps in its attrs
    (a GeoSeries, which the Parquet writer's JSON metadata cannot hold)."""
    frame = frame.set_index(index)
    frame.attrs = {}
    return frame


class BatchFolder:
    """OUT_DIR of one run (see the module docstring). ``run`` is what makes two runs the same run."""

    def __init__(self, out_dir: Path | str, run: dict):
        self.out = Path(out_dir)
        self.run = run
        self.work = self.out / WORK
        self.manifest_path = self.out / MANIFEST
        self.manifest: dict = {}

    # ---------------------------------------------------------------- opening and resuming

    @property
    def resuming(self) -> bool:
        """Whether this is a run started before (it has its manifest): ``check`` says if it is the same run."""
        return self.manifest_path.exists()

    def open(self) -> "BatchFolder":
        """Start the run in an empty (or new) folder, or resume the same run; refuse anything else.
        Call it once the input is known to be readable, so a mistyped option leaves no folder behind."""
        self.check()
        if not self.resuming:
            self.manifest = {"run": self.run}
            self._save()
        for stale in self.work.glob("*/.*"):  # temporary files of a killed run's unfinished writes
            stale.unlink()
        return self

    def check(self) -> None:
        """Refuse a folder holding something else than this run (before any long reading)."""
        if self.manifest_path.exists():
            try:
                self.manifest = json.loads(self.manifest_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise StrikemapError(f"{self.manifest_path}: not a readable batch manifest ({exc})") from None
            if self.manifest.get("run") != self.run:
                raise StrikemapError(
                    f"{self.out} holds a batch of another command, options or input ({self.manifest_path}); "
                    "give a new output folder, or remove this one to start again")
        elif self.out.exists() and any(self.out.iterdir()):
            raise StrikemapError(f"{self.out} is not empty and holds no batch: give a new or empty output folder")

    def _save(self) -> None:
        text = json.dumps(self.manifest, indent=1, sort_keys=True)
        atomic_write(self.manifest_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))

    def get(self, key: str, default=None):
        return self.manifest.get(key, default)

    def set(self, **values) -> None:
        """Record facts of the run (partition count, reading context) so a resumed run reuses them."""
        self.manifest.update(values)
        self._save()

    @property
    def finished(self) -> bool:
        return bool(self.manifest.get("finished"))

    # ---------------------------------------------------------------- partitions

    def input_part(self, number: int) -> Path:
        return self.work / "input" / f"part-{number:05d}{self.get('staged_as', '.parquet')}"

    def done_part(self, number: int) -> Path:
        return self.work / "done" / f"part-{number:05d}.parquet"

    def rejects_part(self, number: int) -> Path:
        return self.work / "rejects" / f"part-{number:05d}.csv"

    def stage(self, table: pd.DataFrame, partition_rows: int, as_csv: bool = False) -> int:
        """Write ``table`` as input partitions of ``partition_rows`` rows (once per run: a resumed run finds
        them), as Parquet, or as CSV for a reader that takes CSV files; returns their count."""
        if self.get("partitions") is not None:
            return self.manifest["partitions"]
        self.set(partition_rows=partition_rows, staged_as=".csv" if as_csv else ".parquet")
        count = max(1, -(-len(table) // partition_rows))
        for number in range(count):
            part = table.iloc[number * partition_rows:(number + 1) * partition_rows]
            if as_csv:
                atomic_write(self.input_part(number), lambda tmp: part.to_csv(tmp, index=False))
            else:
                write_parquet(self.input_part(number), part)
        self.set(partitions=count)
        return count

    def first_row(self, number: int) -> int:
        """The input row (or report) a partition starts at, numbered from 0."""
        return number * self.manifest["partition_rows"]

    def missing(self) -> list[int]:
        """The partitions not finished yet, in order."""
        return [n for n in range(self.manifest["partitions"]) if not self.done_part(n).exists()]

    # ---------------------------------------------------------------- the result

    def unplaced_part(self, number: int) -> Path:
        return self.work / "done" / f"part-{number:05d}-unplaced.parquet"

    def write_partition(self, number: int, frame, rejects: list[tuple]) -> None:
        """A finished partition (on a worker): its rejects, its rows without a shape, then its rows with one,
        each file written under a temporary name and renamed; the last rename marks the partition done."""
        write_rejects(self.rejects_part(number), rejects)
        shapeless = frame.geometry.isna()
        write_parquet(self.unplaced_part(number), consistent_types(frame[shapeless].reset_index()))
        write_parquet(self.done_part(number), consistent_types(frame[~shapeless].reset_index()))

    def finish(self, index: str) -> None:
        """Every finished partition into the result: the rows with a shape spatially shuffled along a Hilbert
        curve by dask-geopandas (one file per partition, with its bounding box), those without one appended to
        the last file (so every file keeps a bounding box), ``index`` (the input row or report) as the index;
        the rejects gathered into ``_rejects.csv``. Then the work files go, and the manifest records the run
        as finished. Dask computes on the open client, so on a cluster the shuffle runs on its workers."""
        import dask_geopandas
        import geopandas as gpd
        import pyarrow.parquet as pq

        count = self.manifest["partitions"]
        placed = [str(self.done_part(n)) for n in range(count) if pq.read_metadata(self.done_part(n)).num_rows]
        unplaced = pd.concat([gpd.read_parquet(self.unplaced_part(n)) for n in range(count)]).set_index(index)
        staging = self.work / "result"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        placed_rows = sum(pq.read_metadata(p).num_rows for p in placed)
        if placed:
            # The parts' extents come from their files' metadata and give the curve its total bounds (without
            # them every partition would recompute the bounds of all). The new extents are not computed: each
            # file's bounding box is written anyway. The "tasks" shuffle, as distributed's default p2p one loses
            # the index into an extra column with pandas 3.
            shuffled = dask_geopandas.read_parquet(placed).spatial_shuffle(
                by="hilbert", npartitions=count, calculate_partitions=False, shuffle_method="tasks")
            shuffled.map_partitions(_indexed_by, index).to_parquet(staging, write_index=True)
        files = sorted(staging.glob("part.*.parquet"), key=lambda p: int(p.name.split(".")[1]))
        if len(unplaced) or not files:
            last = staging / f"part.{max(len(files) - 1, 0)}.parquet"
            merged = pd.concat([gpd.read_parquet(last), unplaced]) if files else unplaced
            atomic_write(last, lambda tmp: gpd.GeoDataFrame(merged, geometry="geometry", crs="EPSG:4326")
                         .to_parquet(tmp, index=True))
            files = files or [last]
        for old in self.out.glob("part.*.parquet"):  # a finish killed while moving files in
            old.unlink()
        for file in files:
            file.replace(self.out / file.name)
        rejects = [pd.read_csv(self.rejects_part(n), dtype={"row": str, "column": str, "reason": str},
                               keep_default_na=False) for n in range(count)]
        rejected = pd.concat(rejects, ignore_index=True)
        atomic_write(self.out / REJECTS, lambda tmp: rejected.to_csv(tmp, index=False))
        self.set(finished=True, result={"rows": placed_rows + len(unplaced), "unplaced": len(unplaced),
                                        "rejected": len(rejected), "files": len(files)})
        shutil.rmtree(self.work, ignore_errors=True)

    def summary(self, done_now: int) -> dict:
        """What a finished run holds, and how many partitions this run did (the rest were done before)."""
        return {"partitions": self.manifest["partitions"], "done_now": done_now, **self.manifest["result"]}
