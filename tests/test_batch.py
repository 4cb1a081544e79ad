"""Batches on dask.distributed (geo.batch): the answers of the single-process commands, row for row, on a
LocalCluster of two worker processes and on a real `dask scheduler` + `dask worker`; a worker killed in the
middle; a killed run restarted doing only the missing partitions."""

from __future__ import annotations

import io
import logging
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import dask_geopandas
import geopandas as gpd
import pandas as pd
import pytest
import shapely
from distributed import Client, LocalCluster, WorkerPlugin

from geo.batch.geocode import batch_geocode
from geo.cli import main

from conftest import ROOT

pytestmark = pytest.mark.timeout(600)

MENTIONS = ROOT / "tests" / "data" / "mentions.csv"
REPORTS = ROOT / "tests" / "data" / "reports"
ARTICLE = ROOT / "data" / "articles" / "000_561c48b6145f2520.txt"
DASK = Path(sys.executable).parent / "dask"
WAIT_S = 120  # generous: the machine is shared; every wait below is on a condition, never a fixed sleep


def wait_until(condition, what: str, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# ------------------------------------------------------------------ comparing with the single-process commands


def cells(series) -> list:
    """A column's values as plain Python values (missing as None, numbers as rounded floats), so a GeoJSON
    read back and a Parquet dataset read back compare by what they say, not by their dtypes."""
    out = []
    for value in series.astype(object):
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            out.append(None)
            continue
        try:
            out.append(round(float(value), 7))
        except (TypeError, ValueError):
            out.append(value)
    return out


def assert_same_rows(single: gpd.GeoDataFrame, batch: gpd.GeoDataFrame) -> None:
    """Same columns in the same order, same values, same shapes (RFC 7946 turns rings counter-clockwise in
    the GeoJSON, so shapes are compared normalised), row for row."""
    assert list(batch.columns) == list(single.columns)
    assert len(batch) == len(single)
    for column in single.columns:
        if column != "geometry":
            assert cells(batch[column]) == cells(single[column]), column
    for mine, theirs in zip(batch.geometry.values, single.geometry.values):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert shapely.normalize(mine).equals_exact(shapely.normalize(theirs), 1e-9)


def read_geojson(path: Path) -> gpd.GeoDataFrame:
    """A single-process command's GeoJSON as written (dates stay the text the file holds, as GDAL would
    otherwise rewrite "2021-08-16 00:00:00.000" as a date-time)."""
    return gpd.read_file(path, DATE_AS_STRING="YES")


def single_geocode(path: Path, column: str, tmp_path: Path) -> gpd.GeoDataFrame:
    out = tmp_path / f"single-{path.stem}.geojson"
    assert main(["geocode", "--csv", str(path), "--column", column, "-o", str(out)]) in (0, 1)
    return read_geojson(out)


def single_extract(report: Path | str, out: Path, *options: str) -> int:
    """`python -m geo extract REPORT -o OUT` in process (REPORT "-": the text on stdin)."""
    return main(["extract", str(report), "-o", str(out), *options])


def by_id(events: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Proposed events in the order extract numbers them (proposed-<hash>-1, -2, ... -10)."""
    number = events["event_id_cnty"].str.rsplit("-", n=1).str[1].astype(int)
    return events.assign(_n=number.values).sort_values(["source_url", "_n"]).drop(columns="_n").reset_index(drop=True)


def batch_rows(out_dir: Path) -> gpd.GeoDataFrame:
    """The dataset as geopandas reads the folder, back in input order (its index is the input row)."""
    return gpd.read_parquet(out_dir).sort_index(kind="stable")


@pytest.fixture(scope="module")
def single_mentions(tmp_path_factory):
    return single_geocode(MENTIONS, "mention", tmp_path_factory.mktemp("single"))


# ------------------------------------------------------------------ clusters


@pytest.fixture(scope="module")
def local_cluster():
    """Two worker processes, one thread each, as `batch` starts without --scheduler (each under a nanny,
    which restarts a worker that dies)."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.CRITICAL) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def dask_processes(tmp_path_factory):
    """A real `dask scheduler` and `dask worker` on 127.0.0.1 and a free port, as an analyst starts them by hand."""
    logs = tmp_path_factory.mktemp("dask-logs")
    address = f"tcp://127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = []
    try:
        started.append(subprocess.Popen(
            [DASK, "scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1], "--no-dashboard"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(logs / "scheduler.log").open("w")))
        started.append(subprocess.Popen(
            [DASK, "worker", address, "--host", "127.0.0.1", "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(logs / "worker.log").open("w")))
        with Client(address, timeout=WAIT_S) as client:
            client.wait_for_workers(1, timeout=WAIT_S)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# ------------------------------------------------------------------ answers identical to the single process


def test_batch_geocode_on_a_local_cluster_matches_geocode_csv(local_cluster, single_mentions, tmp_path):
    out = tmp_path / "placed"
    # Five partitions of 100 rows: the archive's reading context must be shared by all of them.
    assert main(["batch", "geocode", str(MENTIONS), "--column", "mention", "-o", str(out),
                 "--scheduler", local_cluster, "--partition-size", "100"]) == 1  # some mentions are unresolved
    batch = batch_rows(out)
    assert list(batch.index) == list(range(len(single_mentions)))
    assert_same_rows(single_mentions, batch)

    # A partitioned GeoParquet dataset: one file a partition, each with its bounding box, EPSG:4326.
    files = sorted(out.glob("part.*.parquet"))
    assert len(files) == 5
    lazy = dask_geopandas.read_parquet(out)
    assert lazy.npartitions == 5 and lazy.crs.to_epsg() == 4326
    assert lazy.spatial_partitions is not None and len(lazy.spatial_partitions) == 5
    for file, box in zip(files, lazy.spatial_partitions):
        shapes = gpd.read_parquet(file).geometry.dropna()
        assert shapes.within(box.buffer(1e-9)).all()
    assert (out / "_rejects.csv").read_text().splitlines() == ["row,column,reason"]


def test_context_is_the_whole_archives_even_one_row_a_partition(local_cluster, tmp_path):
    """"Homs" beside Tripoli and Misrata is Al Khums in Libya, read together as geocode --csv reads a file;
    the batch must read it the same with every row in a partition of its own."""
    table = tmp_path / "libya.csv"
    pd.DataFrame({"place": ["Tripoli", "Misrata", "Homs", "Homs"], "n": ["1", "2", "3", "4"]}).to_csv(table, index=False)
    single = single_geocode(table, "place", tmp_path)
    assert list(single["geocode_country"]) == ["LY"] * 4
    out = tmp_path / "libya"
    batch_geocode(table, "place", out, scheduler=local_cluster, partition_rows=1)
    assert_same_rows(single, batch_rows(out))


def test_batch_geocode_and_extract_on_dask_scheduler_and_worker(dask_processes, single_mentions, tmp_path, capsys):
    out = tmp_path / "placed"
    assert main(["batch", "geocode", str(MENTIONS), "--column", "mention", "-o", str(out),
                 "--scheduler", dask_processes, "--partition-size", "200"]) == 1
    assert "494 rows in 3 GeoParquet files (3 of 3 partitions done by this run)" in capsys.readouterr().err
    assert_same_rows(single_mentions, batch_rows(out))

    reports = tmp_path / "reports"
    reports.mkdir()
    for report in [*REPORTS.glob("*.txt"), ARTICLE]:
        shutil.copy(report, reports / report.name)
    proposed = tmp_path / "proposed"
    # one report has no date: rejected, as extract refuses it
    assert main(["batch", "extract", str(reports), "-o", str(proposed), "--scheduler", dask_processes,
                 "--partition-size", "2"]) == 1
    batch = gpd.read_parquet(proposed)
    capsys.readouterr()
    for report in sorted(reports.iterdir()):
        status = single_extract(report, tmp_path / f"{report.stem}.geojson")
        mine = by_id(batch[batch["source_url"] == str(report)])
        if status == 2:  # unreadable for extract: a reject of the batch, with the same reason
            rejects = pd.read_csv(proposed / "_rejects.csv")
            assert mine.empty and list(rejects["column"]) == [str(report)]
            assert rejects["reason"][0] in capsys.readouterr().err
            continue
        theirs = by_id(read_geojson(tmp_path / f"{report.stem}.geojson"))
        assert len(theirs) > 0
        assert_same_rows(theirs, mine)


def test_batch_extract_of_a_table_with_a_date_column(local_cluster, tmp_path, monkeypatch):
    text = ARTICLE.read_text(encoding="utf-8")
    table = tmp_path / "reports.csv"
    pd.DataFrame({"text": [text, text, "no strike here, just words"], "published": ["2021-06-28", "", "31/06/2021"],
                  "link": ["https://example.org/a", "https://example.org/b", "x"]}).to_csv(table, index=False)
    out = tmp_path / "proposed"
    assert main(["batch", "extract", str(table), "--date-column", "published", "-o", str(out),
                 "--scheduler", local_cluster]) == 1
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert single_extract("-", tmp_path / "one.geojson", "--date", "2021-06-28") == 0
    batch = gpd.read_parquet(out)
    first = by_id(batch.loc[[0]])
    assert_same_rows(by_id(read_geojson(tmp_path / "one.geojson")), first.drop(columns=["link", "published"]))
    assert set(first["link"]) == {"https://example.org/a"}
    # The second report has no date in its cell: its own dateline counts, as extract without --date.
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert single_extract("-", tmp_path / "two.geojson") == 0
    assert_same_rows(by_id(read_geojson(tmp_path / "two.geojson")),
                     by_id(batch.loc[[1]]).drop(columns=["link", "published"]))
    rejects = pd.read_csv(out / "_rejects.csv")
    assert list(rejects["row"]) == [2] and list(rejects["column"]) == ["published"]
    assert "'31/06/2021' is not a date" in rejects["reason"][0]


def test_batch_import_matches_import(local_cluster, tmp_path):
    path = ROOT / "tests" / "data" / "acled_sample.csv"  # points, and areas drawn as their outline
    assert main(["import", "acled", str(path), "-o", str(tmp_path / "single.geojson")]) == 0
    out = tmp_path / "acled"
    assert main(["batch", "import", "acled", str(path), "-o", str(out), "--scheduler", local_cluster,
                 "--partition-size", "5"]) == 0
    assert_same_rows(read_geojson(tmp_path / "single.geojson"), batch_rows(out).reset_index(drop=True))


# ------------------------------------------------------------------ failures


class KillOnce(WorkerPlugin):
    """Kills the worker process that starts the task whose key holds ``key_part``, once: a marker file
    remembers it, so the task runs to its end on the retry (the nanny restarts the worker, which gets the
    plugin again)."""

    name = "test-kill"

    def __init__(self, key_part: str, marker: Path):
        self.key_part, self.marker = key_part, str(marker)

    def transition(self, key, start, finish, **kwargs):
        if finish == "executing" and self.key_part in str(key) and not os.path.exists(self.marker):
            Path(self.marker).touch()
            os._exit(1)


class KillTheRun(WorkerPlugin):
    """A killed run: at the first partition to start once ``at_least`` partitions are done, kill the `batch`
    command (its pid in ``pid_file``), then this worker, so that partition never finishes while the file
    ``armed`` exists (a plugin cannot be unregistered while its worker restarts)."""

    name = "test-kill"

    def __init__(self, pid_file: Path, done: Path, at_least: int, armed: Path):
        self.pid_file, self.done, self.at_least, self.armed = str(pid_file), str(done), at_least, str(armed)

    def transition(self, key, start, finish, **kwargs):
        if (finish == "executing" and "geocode-partition-" in str(key) and os.path.exists(self.armed)
                and len(list(Path(self.done).glob("part-?????.parquet"))) >= self.at_least):
            os.kill(int(Path(self.pid_file).read_text()), signal.SIGKILL)
            os._exit(1)


@pytest.fixture
def kill_plugin(local_cluster):
    with Client(local_cluster) as client:
        def registered(plugin) -> bool:
            # A worker killed by the test before may still be listed while its nanny starts the new one: the
            # broadcast to it fails; wait for two workers and try again.
            client.wait_for_workers(2, timeout=WAIT_S)
            try:
                client.register_plugin(plugin)
            except OSError:  # distributed's CommClosedError
                return False
            return True

        yield lambda plugin: wait_until(lambda: registered(plugin), "the plugin registered on every worker")


def test_a_worker_killed_mid_batch_loses_and_duplicates_no_row(local_cluster, kill_plugin, single_mentions, tmp_path):
    marker = tmp_path / "killed"
    kill_plugin(KillOnce("geocode-partition-00002", marker))
    out = tmp_path / "placed"
    result = batch_geocode(MENTIONS, "mention", out, scheduler=local_cluster, partition_rows=100)
    assert marker.exists()  # the worker did die in partition 2
    assert result["partitions"] == 5 and result["done_now"] == 5 and result["rows"] == len(single_mentions)
    batch = batch_rows(out)
    assert batch.index.is_unique and list(batch.index) == list(range(len(single_mentions)))
    assert_same_rows(single_mentions, batch)


def test_a_killed_run_restarted_does_only_the_missing_partitions(local_cluster, kill_plugin, single_mentions,
                                                                 tmp_path):
    pid_file, out, disarm = tmp_path / "batch.pid", tmp_path / "placed", tmp_path / "armed"
    disarm.touch()
    kill_plugin(KillTheRun(pid_file, out / ".work" / "done", at_least=2, armed=disarm))
    command = [sys.executable, "-m", "geo", "batch", "geocode", str(MENTIONS), "--column", "mention", "-o", str(out),
               "--scheduler", local_cluster, "--partition-size", "100"]
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    pid_file.write_text(str(run.pid))
    run.communicate(timeout=300)
    assert run.returncode == -signal.SIGKILL  # killed, not finished

    def busy(dask_scheduler) -> int:
        return sum(ts.state in ("processing", "waiting", "queued", "no-worker") for ts in dask_scheduler.tasks.values())

    with Client(local_cluster) as client:  # nothing of the dead run still running, that could write a partition
        wait_until(lambda: client.run_on_scheduler(busy) == 0, "the scheduler to drop the killed run's tasks")
    disarm.unlink()
    done = sorted((out / ".work" / "done").glob("part-?????.parquet"))
    assert 2 <= len(done) < 5 and not list(out.glob("part.*.parquet"))

    result = batch_geocode(MENTIONS, "mention", out, scheduler=local_cluster, partition_rows=100)
    assert result["done_now"] == 5 - len(done)  # only the missing partitions were submitted
    assert_same_rows(single_mentions, batch_rows(out))
    again = batch_geocode(MENTIONS, "mention", out, scheduler=local_cluster, partition_rows=100)
    assert again["done_now"] == 0  # a finished batch is not redone


def test_bad_input_is_a_clear_error(tmp_path, capsys):
    assert main(["batch", "geocode", str(MENTIONS), "--column", "nope", "-o", str(tmp_path / "x"),
                 "--workers", "1"]) == 2
    assert "no column 'nope'" in capsys.readouterr().err
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    assert main(["batch", "geocode", str(MENTIONS), "--column", "mention", "-o", str(tmp_path / "other")]) == 2
    assert "is not empty and holds no batch" in capsys.readouterr().err
    assert main(["batch", "import", "acled", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "y")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
