"""The event store (geo.store.event_store) on both backends, as an analyst would notice it: the bundled events come
back unchanged, edits are recorded and can be undone, a second editor cannot overwrite the first,
deletions can be taken back, big imports are one change, and a crash mid-import loses nothing.

Every test runs on the embedded SQLite file and on PostgreSQL + PostGIS (a throwaway server from
tests/pgserver.py; skipped with the reason when there is none, failed when ``CI`` is set).
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import threading

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo.cli import main
from geo.errors import EditConflictError, EventDataError, EventNotFoundError, StoreError
from geo.io.events import SCHEMA, load_events
from geo.store.event_store import BUNDLED, VERSION, open_store, seed

from conftest import ROOT

BUNDLED_CSV = ROOT / "data" / "events.csv"
EDITED = "SM-SYR-2021-0002"
DUPLICATE = "SM-SYR-2021-0003"


@pytest.fixture(scope="module")
def bundled():
    return load_events(BUNDLED_CSV)


@pytest.fixture
def store(store_url):
    """A store seeded with the bundled events, as `python -m geo store seed` does."""
    with open_store(store_url) as store:
        seed(store, BUNDLED_CSV, author="seed")
        yield store


def row(store, event_id: str, dataset: str = BUNDLED) -> pd.Series:
    events = store.events(dataset)
    found = events[events["event_id_cnty"] == event_id]
    assert len(found) == 1, f"{event_id}: {len(found)} rows"
    return found.iloc[0]


def many_events(count: int, prefix: str = "SM-TEST") -> gpd.GeoDataFrame:
    """``count`` events in our schema, varied enough to matter: points, region polygons, unplaced rows,
    missing numbers, long notes."""
    rng = np.random.default_rng(7)
    template = load_events(BUNDLED_CSV)
    frame = pd.DataFrame(template.drop(columns="geometry")).iloc[np.arange(count) % len(template)]
    frame = frame.reset_index(drop=True)
    frame["event_id_cnty"] = [f"{prefix}-{i:06d}" for i in range(count)]
    frame["event_date"] = [(dt.date(2019, 1, 1) + dt.timedelta(days=int(d))).isoformat()
                           for d in rng.integers(0, 1800, count)]
    frame["latitude"] = 34 + rng.random(count)
    frame["longitude"] = 40 + rng.random(count)
    frame["fatalities"] = pd.array(np.where(rng.random(count) < 0.3, None, rng.integers(0, 20, count)),
                                   dtype="Int64")
    shapes = list(shapely.points(frame["longitude"], frame["latitude"]))
    for i in range(0, count, 10):
        shapes[i] = shapely.Point(frame.at[i, "longitude"], frame.at[i, "latitude"]).buffer(0.2)
    for i in range(5, count, 50):
        shapes[i] = None
        frame.loc[i, ["latitude", "longitude"]] = np.nan
    return gpd.GeoDataFrame(frame, geometry=shapes, crs="EPSG:4326")


def test_bundled_events_round_trip(store_url, bundled):
    csv_before = BUNDLED_CSV.read_bytes()
    with open_store(store_url) as store:
        change = seed(store, BUNDLED_CSV, author="seed")
        with pytest.raises(StoreError, match="already in"):
            seed(store, BUNDLED_CSV)
    with open_store(store_url) as reopened:  # as another process would see it
        events = reopened.events()
        history = reopened.history(EDITED)
    assert (change.kind, change.events, change.comment) == ("import", 4, "seeded from data/events.csv")
    assert events[VERSION].tolist() == [1, 1, 1, 1]
    # Same rows in the same order, same values and types, same shapes to the last bit.
    assert_geodataframe_equal(events.drop(columns=VERSION), bundled)
    assert all(a.equals_exact(b, tolerance=0) for a, b in zip(events.geometry, bundled.geometry))
    assert history[["kind", "author", "comment"]].values.tolist() == [["import", "seed", "seeded from data/events.csv"]]
    assert BUNDLED_CSV.read_bytes() == csv_before  # the curated file is only read


def test_regions_unplaced_events_and_a_files_other_columns_survive(store):
    events = many_events(60)
    events["acled_interaction"] = [i % 7 for i in range(60)]  # an ACLED column we have no use for
    events["source_scale"] = ["National" if i % 2 else "Local" for i in range(60)]
    events = events[[*SCHEMA, "acled_interaction", "source_scale", "geometry"]]
    store.import_events(events, "an ACLED export", author="alice", dataset="acled")
    back = store.events("acled")
    assert back.columns.tolist() == [*SCHEMA, "acled_interaction", "source_scale", VERSION, "geometry"]
    assert_geodataframe_equal(back.drop(columns=VERSION), events)
    assert back.geometry.geom_type.value_counts().to_dict() == {"Point": 52, "Polygon": 6}
    assert back.geometry.isna().sum() == 2


def test_edit_is_recorded_with_its_history_and_can_be_undone(store, bundled):
    notes = bundled.set_index("event_id_cnty").at[EDITED, "notes"]
    edit = store.update(EDITED, {"fatalities": 9, "notes": "SOHR: 9 fighters"}, expected_version=1,
                        comment="SOHR's later count", author="alice")
    assert (edit.kind, edit.version) == ("edit", 2)
    edited = row(store, EDITED)
    assert (edited["fatalities"], edited["notes"], edited[VERSION]) == (9, "SOHR: 9 fighters", 2)

    last = store.history(EDITED).iloc[-1]
    assert (last["kind"], last["author"], last["comment"], last["version"]) == ("edit", "alice", "SOHR's later count", 2)
    assert last["before"] == {"fatalities": None, "notes": notes}
    assert last["after"] == {"fatalities": 9, "notes": "SOHR: 9 fighters"}
    assert abs(pd.Timestamp.now(tz="UTC") - last["at"]) < pd.Timedelta(minutes=5)

    undo = store.undo(edit.change_id, "the toll is not for this site", author="bob")
    restored = row(store, EDITED)
    assert pd.isna(restored["fatalities"]) and restored["notes"] == notes and restored[VERSION] == 3
    history = store.history(EDITED)
    assert history["kind"].tolist() == ["import", "edit", "undo"]
    assert history.iloc[-1]["undoes"] == edit.change_id and history.iloc[-1]["author"] == "bob"

    store.undo(undo.change_id, "it is, after all", author="alice")  # an undo is a change: it can be undone
    assert (row(store, EDITED)["fatalities"], row(store, EDITED)[VERSION]) == (9, 4)
    with pytest.raises(StoreError, match=f"already undone by change {undo.change_id}"):
        store.undo(edit.change_id)


def test_second_editor_with_a_stale_version_is_refused_and_the_first_edit_kept(store_url, store):
    alice, bob = store, open_store(store_url)  # two analysts, two sessions
    try:
        alice_had, bob_had = row(alice, EDITED)[VERSION], row(bob, EDITED)[VERSION]
        alice.update(EDITED, {"fatalities": 9}, alice_had, "SOHR's later count", author="alice")
        with pytest.raises(EditConflictError) as refused:
            bob.update(EDITED, {"fatalities": 5}, bob_had, "SOHR's first count", author="bob")
        message = str(refused.value)
        assert message.startswith(f"{EDITED} was changed by alice at ")
        assert "since you opened it (version 2, you had 1); reload and re-apply your edit" in message
        assert (refused.value.current_version, refused.value.expected_version, refused.value.author) == (2, 1, "alice")
        assert row(alice, EDITED)["fatalities"] == 9  # alice's edit is kept
        assert alice.history(EDITED)["author"].tolist() == ["seed", "alice"]  # bob's refused save left no trace

        bob.update(EDITED, {"fatalities_min": 5}, row(bob, EDITED)[VERSION], "SOHR's first count", author="bob")
        both = row(alice, EDITED)
        assert (both["fatalities"], both["fatalities_min"], both[VERSION]) == (9, 5, 3)
    finally:
        bob.close()


def test_editors_saving_at_the_same_moment_one_wins_the_others_are_told(store_url, store):
    sessions = [open_store(store_url) for _ in range(6)]
    start = threading.Barrier(len(sessions))
    outcomes = [None] * len(sessions)

    def save(index: int) -> None:
        start.wait()
        try:
            sessions[index].update(EDITED, {"fatalities": index}, 1, f"editor {index}", author=f"editor{index}")
            outcomes[index] = "saved"
        except EditConflictError:
            outcomes[index] = "refused"

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(sessions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for session in sessions:
        session.close()
    assert sorted(outcomes) == ["refused"] * 5 + ["saved"]
    winner = outcomes.index("saved")
    assert (row(store, EDITED)["fatalities"], row(store, EDITED)[VERSION]) == (winner, 2)
    assert store.history(EDITED)["author"].tolist() == ["seed", f"editor{winner}"]


def test_bad_edits_are_refused_and_record_nothing(store):
    start = store.revision()
    with pytest.raises(EventDataError, match=f"{EDITED}: event_date '2021-02-30' is not a date"):
        store.update(EDITED, {"event_date": "2021-02-30"}, 1, "typo")
    with pytest.raises(EventDataError, match="geo_precision must be 1, 2 or 3"):
        store.update(EDITED, {"geo_precision": 4}, 1, "typo")
    with pytest.raises(EventDataError, match="radius_km 'wide' is not a number"):
        store.update(EDITED, {"radius_km": "wide"}, 1, "typo")
    with pytest.raises(EventDataError, match="geometry 'POINT 1 2' is not WKT"):
        store.update(EDITED, {"geometry": "POINT 1 2"}, 1, "typo")
    with pytest.raises(EventDataError, match="cannot edit event_id_cnty"):
        store.update(EDITED, {"event_id_cnty": "SM-X"}, 1, "rename")
    with pytest.raises(EventNotFoundError, match="no event SM-NONE in data set 'bundled'"):
        store.update("SM-NONE", {"fatalities": 1}, 1, "?")
    assert store.update(EDITED, {"fatalities_max": None}, 1, "nothing new") is None
    assert store.revision() == start
    assert row(store, EDITED)[VERSION] == 1


def test_new_coordinates_move_the_shape_and_a_drawn_region_is_kept(store):
    store.update(EDITED, {"latitude": "34.5", "longitude": 40.95, "geo_precision": 1}, 1, "site located")
    moved = row(store, EDITED)
    assert (moved["latitude"], moved["longitude"], moved["geo_precision"]) == (34.5, 40.95, 1)
    assert moved.geometry.equals_exact(shapely.Point(40.95, 34.5), tolerance=0)
    area = shapely.box(40.8, 34.3, 41.1, 34.6)
    store.update(EDITED, {"geometry": area.wkt, "geo_precision": 3}, 2, "only the area is known")
    assert row(store, EDITED).geometry.equals(area)


def test_delete_keeps_the_event_in_history_and_undo_brings_it_back(store, bundled):
    original = row(store, DUPLICATE)
    deletion = store.delete(DUPLICATE, 1, "same site as SM-SYR-2021-0002", author="alice")
    assert DUPLICATE not in store.events()["event_id_cnty"].tolist() and len(store.events()) == 3
    last = store.history(DUPLICATE).iloc[-1]
    assert (last["action"], last["version"], last["author"]) == ("delete", 2, "alice")
    assert last["before"]["notes"] == original["notes"] and last["before"]["geometry"].startswith("POINT (")

    with pytest.raises(EditConflictError, match=f"{DUPLICATE} was deleted by alice at .* since you opened it"):
        store.update(DUPLICATE, {"fatalities": 2}, 1, "an editor who still had it open")
    with pytest.raises(EditConflictError):
        store.delete(DUPLICATE, 1, "deleted twice")

    store.undo(deletion.change_id, "not a duplicate: a second site", author="bob")
    back = row(store, DUPLICATE)
    assert back[VERSION] == 3  # versions carry on, so the stale editor above is still refused
    assert back.drop([VERSION, "geometry"]).equals(original.drop([VERSION, "geometry"]))
    assert back.geometry.equals_exact(original.geometry, tolerance=0)
    with pytest.raises(EditConflictError, match="version 3, you had 1"):
        store.update(DUPLICATE, {"fatalities": 2}, 1, "still stale")


def test_undo_is_refused_once_a_later_change_touched_the_event(store):
    first = store.update(EDITED, {"fatalities": 9}, 1, "SOHR", author="alice")
    store.update(EDITED, {"fatalities": 10}, 2, "SOHR again", author="bob")
    with pytest.raises(EditConflictError, match=f"cannot undo change {first.change_id}: {EDITED} was changed after "
                                                f"it by bob .*undo that change first"):
        store.undo(first.change_id, "too late")
    assert row(store, EDITED)["fatalities"] == 10
    with pytest.raises(StoreError, match="no change 999"):
        store.undo(999)


def test_reviewed_events_are_added_to_a_data_set_once(store, bundled):
    proposal = bundled.iloc[[0]].copy()
    proposal["event_id_cnty"] = "SM-SYR-2021-0009"
    change = store.add(proposal, "proposed from data/articles/000_561c48b6145f2520.txt", author="alice")
    assert (change.kind, change.events) == ("add", 1) and len(store.events()) == 5
    with pytest.raises(EventDataError, match="already in data set 'bundled': SM-SYR-2021-0009; nothing was added"):
        store.add(proposal, "again")
    twins = pd.concat([proposal.assign(event_id_cnty="SM-A"), proposal.assign(event_id_cnty="SM-A")])
    with pytest.raises(EventDataError, match="repeated: SM-A"):
        store.add(twins, "twins")
    assert len(store.events()) == 5


def test_import_of_thousands_of_rows_is_one_transaction(store):
    events = many_events(5000)
    start = store.revision()
    seen = []
    change = store.import_events(events, "a synthetic archive", author="alice", dataset="archive",
                                 progress=lambda done, total: seen.append((done, total)))
    assert (change.events, seen[-1]) == (5000, (5000, 5000))
    assert store.revision() == (start[0] + 1, change.change_id)  # one change for all of it
    assert store.datasets() == {"archive": 5000, BUNDLED: 4}
    assert_geodataframe_equal(store.events("archive").drop(columns=VERSION), events)
    assert store.history("SM-TEST-004999", dataset="archive")["comment"].tolist() == ["a synthetic archive"]

    def fail_midway(done, total):
        if done >= 4000:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        store.import_events(many_events(6000, "SM-LOST"), "fails", dataset="second", progress=fail_midway)
    assert store.datasets() == {"archive": 5000, BUNDLED: 4}  # none of its 4,000 written rows remain
    with pytest.raises(StoreError, match="data set 'archive' already exists"):
        store.import_events(events, "twice", dataset="archive")

    undo = store.undo(change.change_id, "wrong file", author="alice")
    assert undo.events == 5000 and store.datasets() == {BUNDLED: 4}


# The child: imports a big file, reports each batch, and stops mid-transaction, waiting to be killed.
KILLED_IMPORT = """
import sys
import geopandas as gpd
from geo.store.event_store import open_store

def report(done, total):
    print(done, flush=True)
    if done >= int(sys.argv[3]):
        sys.stdin.readline()  # wait, transaction open, until the test kills us

store = open_store(sys.argv[1])
store.import_events(gpd.read_parquet(sys.argv[2]), "a big import", dataset="big", progress=report)
print("committed", flush=True)
"""


def test_import_killed_midway_leaves_exactly_the_previous_data(store_url, store, tmp_path):
    store.update(EDITED, {"fatalities": 9}, 1, "an edit before the crash", author="alice")
    events_before, revision_before = store.events(), store.revision()
    big = tmp_path / "big.parquet"
    many_events(20000, "SM-BIG").to_parquet(big)
    wal = tmp_path / "store.sqlite-wal"
    wal_before = wal.stat().st_size if store.backend == "sqlite" else 0
    with (tmp_path / "child.err").open("w") as errors:
        child = subprocess.Popen([sys.executable, "-c", KILLED_IMPORT, store_url, str(big), "12000"], cwd=ROOT,
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)
        try:
            written = 0
            while written < 12000:
                line = child.stdout.readline()
                if not line:
                    break
                written = int(line)
            assert written >= 12000, f"the import stopped early: {(tmp_path / 'child.err').read_text()}"
            if store.backend == "sqlite":
                # The uncommitted rows have reached the file (its write-ahead log): the kill hits a half-written store.
                assert wal.stat().st_size > wal_before + 1_000_000, (wal_before, wal.stat().st_size)
            else:
                # The server holds the child's open transaction, its rows written but not committed.
                with store.engine.connect() as conn:
                    assert conn.exec_driver_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                                "current_database() AND state = 'idle in transaction'").scalar() == 1
            child.send_signal(signal.SIGKILL)
            assert child.wait(timeout=60) == -signal.SIGKILL
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()

    with open_store(store_url) as reopened:
        assert reopened.datasets() == {BUNDLED: 4}
        assert reopened.revision() == revision_before
        assert_geodataframe_equal(reopened.events(), events_before)  # the edit before the crash included
        if reopened.backend == "sqlite":
            with reopened.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        # Nothing is left locked or half there: the import goes through now.
        reopened.import_events(many_events(100, "SM-BIG"), "the big import, again", dataset="big")
        assert reopened.datasets() == {"big": 100, BUNDLED: 4}


def test_cli_seeds_shows_history_and_undoes(store_url, capsys, monkeypatch):
    monkeypatch.setenv("STRIKEMAP_AUTHOR", "seed")  # the command line acts as the user the environment names
    assert main(["store", "seed", "--db", store_url]) == 0
    with open_store(store_url) as store:
        edit = store.update(EDITED, {"fatalities": 9}, 1, "SOHR's later count", author="alice")
    capsys.readouterr()
    assert main(["store", "history", EDITED, "--db", store_url]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].startswith("change 1  ") and shown[0].endswith("  seed  import, version 1  'seeded from data/events.csv'")
    assert shown[1].endswith("  alice  edit, version 2  \"SOHR's later count\"")
    assert shown[2] == "    fatalities: None -> 9"

    monkeypatch.setenv("STRIKEMAP_AUTHOR", "bob")
    assert main(["store", "undo", str(edit.change_id), "-m", "wrong site", "--db", store_url]) == 0
    assert main(["store", "log", "--db", store_url, "--limit", "1"]) == 0
    latest = capsys.readouterr().out.splitlines()
    assert latest[0].endswith(f"  bob  undo of change {edit.change_id}  bundled: 1 event  'wrong site'")
    assert main(["store", "undo", str(edit.change_id), "--db", store_url]) == 2
    assert "already undone" in capsys.readouterr().err
    assert main(["store", "seed", "--db", store_url]) == 2
    assert "already in" in capsys.readouterr().err


def test_which_store_opens(tmp_path, monkeypatch):
    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "team.sqlite"))
    with open_store() as store:
        assert store.backend == "sqlite" and store.url.endswith("team.sqlite")
    with pytest.raises(StoreError, match="unknown event store 'mysql://x/y'"):
        open_store("mysql://x/y")
    with pytest.raises(StoreError, match="cannot open the event store postgresql\\+psycopg://nobody:\\*\\*\\*@127.0.0.1:9/"):
        open_store("postgresql://nobody:secret@127.0.0.1:9/strikemap")


def test_a_data_set_is_renamed_and_the_rename_undone(store):
    assert store.names() == {}
    change = store.rename(BUNDLED, "  US strikes,   2021 ", author="alice")
    assert (change.kind, change.author) == ("rename dataset", "alice")
    assert store.names() == {BUNDLED: "US strikes, 2021"}  # spaces tidied; the key stays, so links do
    assert len(store.events(BUNDLED)) == 4
    for bad, why in [("", "cannot be empty"), ("x" * 121, "at most 120"), ("US strikes, 2021", "already called")]:
        with pytest.raises(EventDataError, match=why):
            store.rename(BUNDLED, bad)
    with pytest.raises(StoreError, match="no data set 'nowhere'"):
        store.rename("nowhere", "a name")
    second = store.rename(BUNDLED, "Iraq-Syria border", author="bob")
    with pytest.raises(EditConflictError, match=f"cannot undo change {change.change_id}: data set 'bundled' was "
                                                f"renamed after it by bob .*undo that change first"):
        store.undo(change.change_id)
    back = store.undo(second.change_id)
    assert store.names() == {BUNDLED: "US strikes, 2021"}
    # As with an event's edits: the undo is the name's latest change now, so it goes first (a redo).
    with pytest.raises(EditConflictError, match=f"change {back.change_id}"):
        store.undo(change.change_id)
    store.undo(back.change_id)
    assert store.names() == {BUNDLED: "Iraq-Syria border"}


def test_a_deleted_data_set_comes_back_whole_with_undo(store):
    before = store.events(BUNDLED)
    store.rename(BUNDLED, "US strikes")
    deletion = store.delete_dataset(BUNDLED, author="alice")
    assert (deletion.kind, deletion.events) == ("drop dataset", 4)
    assert BUNDLED not in store.datasets() and store.has_dataset(BUNDLED)  # gone, and its name never reused
    with pytest.raises(StoreError, match="no data set 'bundled'"):
        store.delete_dataset(BUNDLED)
    store.undo(deletion.change_id, author="bob")
    back = store.events(BUNDLED)
    assert back.drop(columns=[VERSION]).equals(before.drop(columns=[VERSION]))
    assert store.names() == {BUNDLED: "US strikes"} and store.datasets() == {BUNDLED: 4}
