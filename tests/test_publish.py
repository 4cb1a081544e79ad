"""Published map files shared by several servers (geo.web.mapping.publish_events): several dashboards on one
store, or checkouts sharing one static/ folder, never overwrite or prune each other's files in use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import pytest

from geo.io.events import load_events
from geo.web import mapping
from geo.web.mapping import (CORE_FILE, DETAILS_DIR, PUBLISHED_DIR, PUBLISHED_KEEP, PUBLISHED_LEASE_S, details_ready,
                              mark_in_use, publish_details, publish_events, read_core, read_details)

from conftest import ROOT

THREAD_WAIT_S = 120  # generous: the machine is shared; waits are on conditions


@pytest.fixture(scope="module")
def events():
    return load_events(ROOT / "data" / "events.csv")


def variant(events, n: int):
    """The events as another server's data set would be: the same rows, one note changed."""
    copy = events.copy()
    copy.loc[copy.index[0], "notes"] = f"edit number {n}"
    return copy


def folder(static, url: str):
    return static / url.removeprefix("/app/static/")


def age(static, url: str, seconds: float) -> None:
    """Make a published data set look last drawn ``seconds`` ago (an idle server's)."""
    then = time.time() - seconds
    os.utime(folder(static, url) / ".used", (then, then))


def published(static) -> set[str]:
    return {p.name for p in (static / PUBLISHED_DIR).iterdir() if p.is_dir() and not p.name.startswith(".")}


def test_a_data_set_another_server_draws_is_never_pruned(tmp_path, events):
    mine = publish_events(events, static_dir=tmp_path)  # server 1's map
    theirs = [publish_events(variant(events, n), static_dir=tmp_path) for n in range(PUBLISHED_KEEP + 3)]
    # Server 2 published many more (an edit each), all within the lease: nothing is pruned, mine least of all.
    assert (folder(tmp_path, mine) / CORE_FILE).exists()
    assert len(published(tmp_path)) == PUBLISHED_KEEP + 4
    # An hour and more later: server 1 still draws its map (each rerun renews the lease), server 2's older
    # data sets are nobody's any more.
    for url in [mine, *theirs]:
        age(tmp_path, url, PUBLISHED_LEASE_S + 60)
    assert mark_in_use(mine, static_dir=tmp_path)
    newest = publish_events(variant(events, 99), static_dir=tmp_path)
    left = published(tmp_path)
    assert folder(tmp_path, mine).name in left and folder(tmp_path, newest).name in left
    assert len(left) == PUBLISHED_KEEP  # the idle ones beyond the most recently used are gone
    assert not any(p.name.startswith(".") for p in (tmp_path / PUBLISHED_DIR).iterdir() if p.is_dir())


def test_files_gone_are_said_so_and_published_again_at_the_same_address(tmp_path, events):
    url = publish_events(events, static_dir=tmp_path)
    import shutil

    shutil.rmtree(folder(tmp_path, url))
    assert not mark_in_use(url, static_dir=tmp_path)
    assert publish_events(events, static_dir=tmp_path) == url
    assert mark_in_use(url, static_dir=tmp_path)
    assert not mark_in_use("/app/static/vendor/leaflet", static_dir=tmp_path)  # only published data sets


def test_equal_content_is_one_folder_written_once(tmp_path, events):
    url = publish_events(events, static_dir=tmp_path)
    core = folder(tmp_path, url) / CORE_FILE
    before = core.stat()
    assert publish_events(events.copy(), static_dir=tmp_path) == url  # another server, the same data
    after = core.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)  # not rewritten
    assert publish_events(variant(events, 1), static_dir=tmp_path) != url  # different content: its own folder


def test_popup_details_come_after_the_map_data_whole_and_once(tmp_path, events):
    """The map draws from the core alone; the popup fields follow (after the first draw), in their own folder
    that appears whole, is written once whoever asks again, and says whether the data set is still there."""
    url = publish_events(events, static_dir=tmp_path)
    assert not details_ready(url, static_dir=tmp_path)
    assert sorted(p.name for p in folder(tmp_path, url).iterdir()) == [".used", CORE_FILE]
    assert publish_details(events, url, static_dir=tmp_path)
    assert details_ready(url, static_dir=tmp_path)
    details = read_details(folder(tmp_path, url))
    assert [d["event_id_cnty"] for d in details] == list(events["event_id_cnty"])
    written = (folder(tmp_path, url) / DETAILS_DIR / "details-0.json").stat()
    assert publish_details(events.copy(), url, static_dir=tmp_path)  # another server, the same data set
    again = (folder(tmp_path, url) / DETAILS_DIR / "details-0.json").stat()
    assert (again.st_ino, again.st_mtime_ns) == (written.st_ino, written.st_mtime_ns)  # not rewritten
    assert not any(p.name.startswith(".") for p in (tmp_path / PUBLISHED_DIR).iterdir() if p.is_dir())
    import shutil

    shutil.rmtree(folder(tmp_path, url))  # pruned: nothing is written into a folder that is gone
    assert not publish_details(events, url, static_dir=tmp_path)
    assert not folder(tmp_path, url).exists()
    assert not publish_details(events, "/app/static/vendor/leaflet", static_dir=tmp_path)  # only data sets


def test_two_processes_publishing_at_once_leave_whole_data_sets(tmp_path):
    """Two servers (processes, as from two checkouts sharing static/) publish the same and different data at once."""
    script = f"""
import sys
sys.path[:0] = [{str(ROOT)!r}, {str(ROOT / 'tests')!r}]
from pathlib import Path
from geo.io.events import load_events
from geo.web.mapping import publish_details, publish_events
events = load_events(Path({str(ROOT)!r}) / "data" / "events.csv")
for n in range(6):
    copy = events.copy()
    copy.loc[copy.index[0], "notes"] = f"edit number {{n % 3}} " + sys.argv[1] * (n >= 3)
    url = publish_events(copy, static_dir=Path(sys.argv[2]))
    assert publish_details(copy, url, static_dir=Path(sys.argv[2]))
    print(url, flush=True)
"""
    runs = [subprocess.Popen([sys.executable, "-c", script, name, str(tmp_path)], stdout=subprocess.PIPE, text=True)
            for name in ("a", "b")]
    urls = [run.communicate(timeout=THREAD_WAIT_S)[0].split() for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert urls[0][:3] == urls[1][:3]  # the same content: the same folder for both
    for url in urls[0] + urls[1]:
        files = sorted(p.name for p in folder(tmp_path, url).iterdir())
        assert files == [".used", CORE_FILE, DETAILS_DIR], files
        assert len(read_details(folder(tmp_path, url))) == 4
        assert len(read_core(folder(tmp_path, url))["ids"]) == 4


def test_a_prune_waits_for_a_server_taking_a_data_set_into_use(tmp_path, events):
    url = publish_events(events, static_dir=tmp_path)
    for n in range(PUBLISHED_KEEP + 1):
        age(tmp_path, publish_events(variant(events, n), static_dir=tmp_path), PUBLISHED_LEASE_S + 60)
    age(tmp_path, url, PUBLISHED_LEASE_S + 60)  # idle: a prune would take it ...
    root = tmp_path / PUBLISHED_DIR
    with mapping._lock(root, exclusive=False):  # ... but a server is taking it into use right now
        prune = threading.Thread(target=mapping._prune, args=(root, "none"))
        prune.start()
        prune.join(timeout=0.5)
        assert prune.is_alive() and (folder(tmp_path, url) / CORE_FILE).exists()  # the prune waits for the lock
        mapping._stamp(folder(tmp_path, url))
    prune.join(timeout=THREAD_WAIT_S)
    assert not prune.is_alive()
    assert (folder(tmp_path, url) / CORE_FILE).exists()  # just drawn: kept
    assert len(published(tmp_path)) == PUBLISHED_KEEP


def test_a_broken_leftover_folder_is_replaced_not_served(tmp_path, events):
    url = publish_events(events, static_dir=tmp_path)
    (folder(tmp_path, url) / CORE_FILE).unlink()  # as a crash in the middle of removing it would leave it
    assert not mark_in_use(url, static_dir=tmp_path)
    assert publish_events(events, static_dir=tmp_path) == url
    assert read_core(folder(tmp_path, url))["ids"][0] == "SM-SYR-2021-0001"
