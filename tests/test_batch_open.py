"""A batch's output opens in the dashboard (issue 14, part 3): the GeoParquet data set folder `python -m geo batch`
writes, by STRIKEMAP_EVENTS or zipped as an upload, reads as the same events as the single-process import; an
unfinished batch, and zips that are no such data set, are refused by name."""

from __future__ import annotations

import io
import json
import shutil
import zipfile

import pytest
from streamlit.testing.v1 import AppTest

from geo.cli import main
from geo.errors import EventDataError
from geo.io.read import read_events
from geo.store.datasets import UPLOAD_TYPES, import_upload, list_datasets, save_import
from geo.store.event_store import open_store

from conftest import ROOT

ACLED = ROOT / "tests" / "data" / "acled_sample.csv"
pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def batch_output(tmp_path_factory):
    """(the folder `batch import acled` wrote, the single-process import of the same file)."""
    folder = tmp_path_factory.mktemp("batch")
    out = folder / "acled"
    assert main(["batch", "import", "acled", str(ACLED), "-o", str(out), "--workers", "1",
                 "--partition-size", "5"]) == 0
    assert len(list(out.glob("part.*.parquet"))) == 3
    single, _ = read_events(ACLED, "acled")
    return out, single


def zipped(folder, top: str = "acled", extra: dict | None = None) -> bytes:
    """The folder as a person zips it (the folder itself inside, with its manifest and rejects)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{top}/{path.name}")
        for member, data in (extra or {}).items():
            archive.writestr(member, data)
    return buffer.getvalue()


def by_id(events):
    return events.drop(columns=[c for c in events.columns if c not in events.columns.intersection(
        ["event_id_cnty", "event_date", "geo_precision", "latitude", "longitude", "fatalities", "geometry"])]) \
        .set_index("event_id_cnty").sort_index()


def test_a_batch_folder_and_its_zip_read_as_the_single_import(batch_output, tmp_path):
    out, single = batch_output
    archive = tmp_path / "acled.zip"
    archive.write_bytes(zipped(out))
    from_folder, summary = read_events(out)
    from_zip, zip_summary = read_events(archive)
    assert summary.rows_read == zip_summary.rows_read == len(single) == 13
    expected = by_id(single)
    for found in (from_folder, from_zip):
        got = by_id(found)
        assert list(got.index) == list(expected.index)
        assert got.drop(columns="geometry").astype(str).equals(expected.drop(columns="geometry").astype(str))
        assert got.geometry.geom_equals_exact(expected.geometry, tolerance=1e-9).all()


def test_the_dashboard_opens_a_batch_folder_from_strikemap_events(batch_output, monkeypatch):
    out, _ = batch_output
    monkeypatch.setenv("STRIKEMAP_EVENTS", str(out))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    assert any(m.value.startswith("**Showing 13 of 13 events**") for m in app.markdown)


def test_a_zipped_batch_uploaded_in_the_dashboard_joins_the_store_and_opens(batch_output, tmp_path, monkeypatch):
    out, _ = batch_output
    assert "zip" in UPLOAD_TYPES  # the upload picker takes it
    events, summary = import_upload(zipped(out), "acled batch.zip", "parquet")  # what the Import button calls
    assert summary.rows_read == 13 and "'acled batch.zip'" in summary.lines()[0]
    store_path = tmp_path / "store.sqlite"
    with open_store(store_path) as store:
        saved = save_import(store, events, "acled batch.zip", "parquet", author="analyst")
        assert store.datasets()[saved.store_name] == 13
    monkeypatch.setenv("STRIKEMAP_DB", str(store_path))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.query_params["data"] = saved.key
    app.run()
    assert not app.exception, app.exception
    assert any(m.value.startswith("**Showing 13 of 13 events**") for m in app.markdown)
    assert any(t.value == f"Data set: {saved.label}" for t in app.text)


def test_an_unfinished_batch_is_refused_by_name(batch_output, tmp_path, monkeypatch):
    out, _ = batch_output
    copy = tmp_path / "acled"
    shutil.copytree(out, copy)
    manifest = json.loads((copy / "_batch.json").read_text())
    manifest["finished"] = False
    (copy / "_batch.json").write_text(json.dumps(manifest))
    (copy / ".work" / "input").mkdir(parents=True)
    shutil.copy(copy / "part.0.parquet", copy / ".work" / "input" / "part-00000.parquet")
    with pytest.raises(EventDataError, match=r"an unfinished batch \(_batch.json\): give its `python -m geo batch`"):
        read_events(copy)
    monkeypatch.setenv("STRIKEMAP_EVENTS", str(copy))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.run()
    assert [e.value for e in app.error] == ["Could not load the events file."]
    assert any("an unfinished batch" in c.value for c in app.code)


def test_work_files_and_hidden_members_are_not_data(batch_output, tmp_path):
    out, single = batch_output
    junk = {"acled/.work/input/part-00000.parquet": (out / "part.0.parquet").read_bytes(),  # a copy: would double rows
            "__MACOSX/acled/._part.0.parquet": b"\x00\x05\x16\x07 resource fork",
            "../../outside.parquet": (out / "part.1.parquet").read_bytes()}  # a member named to escape the folder
    archive = tmp_path / "upload.zip"
    archive.write_bytes(zipped(out, extra=junk))
    events, _ = read_events(archive)
    # Only the data set's files: a hidden folder's, a resource fork and a name starting "../" are not data,
    # and nothing is ever written under a member's name.
    assert sorted(events["event_id_cnty"]) == sorted(single["event_id_cnty"])
    assert not (tmp_path.parent / "outside.parquet").exists() and not (tmp_path / "outside.parquet").exists()


@pytest.mark.parametrize("content, fmt, message", [
    (b"PK\x05\x06" + bytes(18), None, r"a ZIP archive without \.parquet files"),  # an empty archive
    ("csv-inside", None, r"a ZIP archive without \.parquet files"),
    ("truncated", None, r"not a readable ZIP archive"),
    ("data-set", "acled", r"this is a ZIP archive .*expected ACLED export"),
], ids=["empty", "no parquet", "truncated", "named as ACLED"])
def test_zips_that_are_no_data_set_are_refused_in_one_line(batch_output, tmp_path, content, fmt, message):
    out, _ = batch_output
    if content == "csv-inside":
        content = _zip_of({"events.csv": ACLED.read_bytes()})
    elif content == "truncated":
        content = zipped(out)[:400]
    elif content == "data-set":
        content = zipped(out)
    path = tmp_path / "events.zip"
    path.write_bytes(content)
    with pytest.raises(EventDataError, match=message) as refused:
        read_events(path, fmt)
    assert "events.zip" in str(refused.value)


def test_a_zip_bigger_unpacked_than_the_limit_is_refused(tmp_path):
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(_zip_of({"part.0.parquet": b"PAR1" + bytes(3 * 1024 * 1024)}))
    assert archive.stat().st_size < 100_000  # small packed, 3 MB unpacked
    with pytest.raises(EventDataError, match=r"unpacked, more than the import limit of 1 MB"):
        read_events(archive, max_mb=1)


def _zip_of(members: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_the_datasets_of_the_store_list_the_upload_by_its_name(batch_output, tmp_path):
    out, _ = batch_output
    events, _ = import_upload(zipped(out), "acled.zip", "parquet")
    with open_store(tmp_path / "store.sqlite") as store:
        saved = save_import(store, events, "acled.zip", "parquet")
        assert saved.key in list_datasets(store)
        assert "acled.zip" in store.changes()["comment"].iloc[0]


def test_a_damaged_zip_is_an_answer_or_a_refusal_never_a_crash(batch_output, tmp_path):
    """Bytes flipped and archives cut short (a fixed seed: the same cases every run)."""
    import random

    from geo.errors import StrikemapError

    out, _ = batch_output
    data = zipped(out)
    rng = random.Random(14)
    path = tmp_path / "damaged.zip"
    for _ in range(120):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            damaged[rng.randrange(4, len(damaged))] = rng.randrange(256)
        if rng.random() < 0.3:
            damaged = damaged[:rng.randrange(4, len(damaged))]
        path.write_bytes(bytes(damaged))
        try:
            events, _ = read_events(path)
        except StrikemapError as exc:
            assert "damaged.zip" in str(exc)
        else:
            assert len(events) <= 13
