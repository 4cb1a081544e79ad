"""The parsed-events cache (geo.io.cache): a file seen before opens from its GeoParquet form, exactly as read."""

import os

import pandas as pd
import pytest

from geo.errors import EventDataError
from geo.io import cache
from geo.io import read as read_module
from geo.io.read import read_events

from conftest import ROOT

BUNDLED = ROOT / "data" / "events.csv"


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("STRIKEMAP_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def events_file(tmp_path):
    """The bundled events, a row with a bad date (set aside) and a row with coordinates."""
    text = BUNDLED.read_text(encoding="utf-8").rstrip("\n")
    header = text.splitlines()[0].split(",")
    bad = dict.fromkeys(header, "")
    bad.update(event_id_cnty="BAD-1", event_date="30/02/2021", location_mention="Abu Kamal")
    placed = dict.fromkeys(header, "")
    placed.update(event_id_cnty="XY-1", event_date="2021-03-01", latitude="34.45", longitude="40.92",
                  notes='a "quoted" <b>note</b>')
    rows = [",".join(f'"{row[c]}"' if '"' not in row[c] else '"' + row[c].replace('"', '""') + '"' for c in header)
            for row in (bad, placed)]
    path = tmp_path / "events.csv"
    path.write_text(text + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def refuse_reading(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("the events file was read again instead of its cached form")

    monkeypatch.setattr(read_module, "read_events", refused)


def test_a_file_read_before_opens_from_the_cache_exactly_as_read(cache_dir, events_file, monkeypatch):
    expected, expected_summary = read_events(events_file, on_bad_rows="skip")
    first, first_summary = cache.read_events_cached(events_file, on_bad_rows="skip")
    assert len(list(cache_dir.glob("*.parquet"))) == 1 and not list(cache_dir.glob(".*"))  # no temporary left
    refuse_reading(monkeypatch)
    again, summary = cache.read_events_cached(events_file, on_bad_rows="skip")
    for got in (first, again):
        pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(expected))
        assert got.crs == expected.crs and isinstance(got.index, pd.RangeIndex)
    assert summary.lines() == expected_summary.lines() == first_summary.lines()
    assert [p.label for p in summary.set_aside] == ["row 6 (BAD-1)"]
    assert summary.set_aside[0].value == "30/02/2021" and "event_date" in summary.set_aside[0].column
    assert not again.attrs  # the summary rides in the file, not on the table


def test_a_changed_file_is_read_again_whatever_its_modification_time(cache_dir, events_file):
    cache.read_events_cached(events_file, on_bad_rows="skip")
    stat = events_file.stat()
    events_file.write_text(events_file.read_text(encoding="utf-8").replace("34.45", "34.46"), encoding="utf-8")
    os.utime(events_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same time: only the content says
    events, _ = cache.read_events_cached(events_file, on_bad_rows="skip")
    assert events.loc[events["event_id_cnty"] == "XY-1", "latitude"].item() == 34.46
    assert len(list(cache_dir.glob("*.parquet"))) == 2


def test_other_read_options_are_another_entry(cache_dir, events_file):
    cache.read_events_cached(events_file, on_bad_rows="skip")
    with pytest.raises(EventDataError, match="30/02/2021"):
        cache.read_events_cached(events_file, on_bad_rows="error")  # refused, as the reader refuses it
    assert len(list(cache_dir.glob("*.parquet"))) == 1  # a refusal is never cached


def test_a_damaged_cache_entry_is_read_from_the_file_again_and_replaced(cache_dir, events_file):
    expected, _ = cache.read_events_cached(events_file, on_bad_rows="skip")
    (entry,) = cache_dir.glob("*.parquet")
    entry.write_bytes(entry.read_bytes()[:200])
    events, summary = cache.read_events_cached(events_file, on_bad_rows="skip")
    pd.testing.assert_frame_equal(pd.DataFrame(events), pd.DataFrame(expected))
    assert summary.set_aside and entry.stat().st_size > 200


def test_a_missing_file_is_refused_as_the_reader_refuses_it(cache_dir, tmp_path):
    with pytest.raises(EventDataError, match="no such events file"):
        cache.read_events_cached(tmp_path / "gone.csv", on_bad_rows="skip")


def test_only_the_newest_entries_are_kept(cache_dir, tmp_path, events_file):
    text = events_file.read_text(encoding="utf-8")
    for n in range(cache.KEEP + 2):
        path = tmp_path / f"events{n}.csv"
        path.write_text(text.replace("34.45", f"34.4{n}"), encoding="utf-8")
        cache.read_events_cached(path, on_bad_rows="skip")
    assert len(list(cache_dir.glob("*.parquet"))) == cache.KEEP


def test_the_dashboards_data_set_reads_through_the_cache(cache_dir, events_file, monkeypatch):
    from geo.store.datasets import Dataset, load_dataset

    dataset = Dataset("bundled", "test", path=events_file)
    first = load_dataset(dataset)
    refuse_reading(monkeypatch)
    again = load_dataset(dataset)
    pd.testing.assert_frame_equal(pd.DataFrame(again.events), pd.DataFrame(first.events))
    assert again.rows_set_aside == first.rows_set_aside == 1


def test_a_file_opened_from_the_cache_reuses_the_map_data_published_for_it(cache_dir, events_file, tmp_path):
    """A restart must not publish the map's files again: the parsed table and its cached form are one data set
    (a column with no nulls has an all-valid bitmap when parsed, none when read back; equal content)."""
    from geo.web.mapping import publish_events

    static = tmp_path / "static"
    parsed, _ = cache.read_events_cached(events_file, on_bad_rows="skip")
    again, _ = cache.read_events_cached(events_file, on_bad_rows="skip")
    # ... and a big file comes back in chunks, one per row group: the same data set again.
    import geopandas as gpd

    parsed.to_parquet(tmp_path / "chunked.parquet", row_group_size=2)
    chunked = gpd.read_parquet(tmp_path / "chunked.parquet")
    assert publish_events(parsed, static) == publish_events(again, static) == publish_events(chunked, static)
    assert len([p for p in (static / "cache" / "events").iterdir() if not p.name.startswith(".")]) == 1


def test_a_file_opened_again_publishes_its_map_data_to_the_same_folder_and_a_changed_one_to_a_new_one(
        cache_dir, events_file, tmp_path, monkeypatch):
    """The dashboard names a file's published map data by its cache key (``Loaded.content_key``), not by a
    fingerprint of every row: the same file (first read, or from the cache after a restart) is the same folder;
    a changed file, however its modification time, is another; a table cut from it is never taken for it."""
    from geo.store.datasets import Dataset, load_dataset
    from geo.web import mapping

    static = tmp_path / "static"
    dataset = Dataset("bundled", "test", path=events_file)
    first = load_dataset(dataset)
    url = mapping.publish_events(first.events, static, content_key=first.content_key)

    def refused(*args, **kwargs):
        raise AssertionError("the whole table was fingerprinted although its content key was given")

    again = load_dataset(dataset)  # a restart: from the cache
    assert again.content_key == first.content_key
    with monkeypatch.context() as patched:
        patched.setattr(pd.util, "hash_pandas_object", refused)  # a fingerprint hashes the rows with it
        assert mapping.publish_events(again.events, static, content_key=again.content_key) == url
    cut = again.events.head(3)
    assert mapping.publish_events(cut, static) != url  # a filtered table: its own fingerprint
    assert mapping.publish_events(cut, static, content_key=again.content_key) != url  # even if wrongly keyed

    stat = events_file.stat()
    events_file.write_text(events_file.read_text(encoding="utf-8").replace("34.45", "34.46"), encoding="utf-8")
    os.utime(events_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    changed = load_dataset(dataset)
    assert changed.content_key != first.content_key
    assert mapping.publish_events(changed.events, static, content_key=changed.content_key) != url


def test_reading_an_entry_leaves_the_garbage_collector_as_it_found_it(cache_dir, events_file):
    """The collector is paused while an entry is read (speed), never left paused by it, nor woken if paused."""
    import gc

    cache.read_events_cached(events_file, on_bad_rows="skip")
    assert gc.isenabled()
    cache.read_events_cached(events_file, on_bad_rows="skip")  # from the entry
    assert gc.isenabled()
    (entry,) = cache_dir.glob("*.parquet")
    entry.write_bytes(b"damaged")  # a read that fails half-way
    cache.read_events_cached(events_file, on_bad_rows="skip")
    assert gc.isenabled()
    gc.disable()
    try:
        cache.read_events_cached(events_file, on_bad_rows="skip")
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_file_hashed_before_is_not_read_again_until_it_is_written(cache_dir, events_file, monkeypatch):
    """The file's digest is remembered beside its identity and change times (as git's index does): a restart
    does not read a large file whole again; any write, even one that puts the modification time back, does."""
    import hashlib
    import time

    monkeypatch.setattr(cache, "RACY_S", 0)  # the file was written just now: remembered at once here
    first = cache.file_digest(events_file)
    assert (cache_dir / cache.DIGESTS_FILE).exists()
    real = hashlib.file_digest
    monkeypatch.setattr(hashlib, "file_digest", lambda *a: pytest.fail("read again though unchanged"))
    assert cache.file_digest(events_file) == first
    monkeypatch.setattr(hashlib, "file_digest", real)
    held = events_file.stat()
    time.sleep(0.05)  # past the clock tick of the last write, so the status-change time can move
    events_file.write_bytes(events_file.read_bytes().replace(b"Abu Kamal", b"Abu KamaL"))  # same size
    os.utime(events_file, ns=(held.st_atime_ns, held.st_mtime_ns))  # and the same modification time
    assert cache.file_digest(events_file) != first
    assert cache.file_digest(events_file) == hashlib.sha256(hashlib.sha256(events_file.read_bytes()).digest()).hexdigest()


def test_a_file_changed_as_it_is_hashed_is_hashed_again_next_time(cache_dir, events_file, monkeypatch):
    """Within RACY_S of its last write a file could change again in the same clock tick: never remembered."""
    cache.file_digest(events_file)
    assert not (cache_dir / cache.DIGESTS_FILE).exists()
