"""The Dask side of a batch: a client, the per-worker gazetteer, and progress on the terminal.

Dask's ``distributed`` scheduler does the scheduling, retries and data movement; nothing here schedules.
Without a scheduler address a ``LocalCluster`` of worker *processes* is started (one thread each: the
geocoder is pure Python, so threads would only queue on the GIL). With an address (``dask scheduler`` on
one machine, ``dask worker tcp://HOST:8786`` on each of the others) the same code runs on all of them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time

from distributed import Client, LocalCluster, WorkerPlugin, as_completed, progress
from distributed.comm.core import CommClosedError
from distributed.scheduler import KilledWorker

from ..errors import StrikemapError

# How long to wait for a scheduler to answer, and for a first worker to join it.
CONNECT_TIMEOUT_S = 60


class GazetteerPlugin(WorkerPlugin):
    """Opens the offline gazetteer (its SQLite file, read-only) once in each worker process, when the
    worker starts, so no task pays for it and nothing holding a database handle is ever pickled.
    A worker that joins later, or one restarted after a crash, runs it too."""

    name = "strikemap-gazetteer"

    def setup(self, worker) -> None:
        from ..geocoding.gazetteer import load_gazetteer

        load_gazetteer()


@contextlib.contextmanager
def batch_client(scheduler: str | None = None, workers: int | None = None):
    """A ``Client`` on ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``), or on a new
    ``LocalCluster`` of ``workers`` processes (default: this machine's cores), closed afterwards."""
    if scheduler and workers:
        raise StrikemapError("give either --scheduler ADDRESS or --workers N, not both")
    if workers is not None and workers < 1:
        raise StrikemapError(f"--workers must be at least 1, not {workers}")
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = stack.enter_context(Client(scheduler, timeout=CONNECT_TIMEOUT_S))
            except (OSError, TimeoutError) as exc:
                raise StrikemapError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        else:
            cluster = stack.enter_context(LocalCluster(
                n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                dashboard_address=":0", silence_logs=logging.CRITICAL))
            client = stack.enter_context(Client(cluster))
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
        except TimeoutError:
            raise StrikemapError(f"no Dask worker joined the scheduler at {scheduler} within "
                                 f"{CONNECT_TIMEOUT_S} s; start one with `dask worker {scheduler}`") from None
        _register_everywhere(client, GazetteerPlugin())
        yield client


def _register_everywhere(client, plugin: WorkerPlugin, attempts: int = 5) -> None:
    """Register the per-worker plugin. The scheduler keeps it and gives it to every worker that joins later; the
    broadcast to the workers of the moment fails if one of them is going away (a worker killed or restarted
    by its nanny), so register again, for the workers left, instead of failing the batch."""
    for attempt in range(attempts):
        try:
            client.register_plugin(plugin)
            return
        except (CommClosedError, OSError):
            if attempt == attempts - 1:
                raise
            time.sleep(1 + attempt)  # let the scheduler notice the worker that went away


def wait_all(futures: list, what: str) -> list:
    """The results of ``futures`` in their order, showing progress on stderr: Dask's progress bar on a
    terminal, else one line per tenth done (logs stay readable). The first task error is raised."""
    if not futures:
        return []
    if sys.stderr.isatty():
        print(what, file=sys.stderr)
        with contextlib.redirect_stdout(sys.stderr):  # Dask draws its bar on stdout; ours carries no data
            progress(futures, multi=False)
    else:
        step, done = max(1, len(futures) // 10), 0
        for _ in as_completed(futures):
            done += 1
            if done % step == 0 or done == len(futures):
                print(f"{what}: {done}/{len(futures)}", file=sys.stderr, flush=True)
    try:
        return [future.result() for future in futures]
    except KilledWorker as exc:  # the same task killed its worker again and again: a poison partition
        raise StrikemapError(f"a task killed every worker that ran it ({exc}); rerun the same command to retry "
                             "only the missing partitions, or look for what in that partition kills the process") from None


class Stopwatch:
    """Seconds per phase of a run (``lap`` at the end of each), for the summary and bench/batch_scale.py."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = round(now - self._last, 3)
        self._last = now
