"""One reader for every events file: the same verdict through `python -m geo import` and through
STRIKEMAP_EVENTS (the dashboard's bundled data set), bad rows set aside and listed, whole-file problems
refused in one line that names the file."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import cli
from geo.cli import main
from geo.errors import EventDataError, RowProblem
from geo.io.events import load_events
from geo.io.formats import EXPORT_FORMATS, FORMATS, IMPORT_FORMATS, sniff_csv
from geo.io.read import read_events
from geo.store.datasets import BUNDLED, UPLOAD_SUFFIX, UPLOAD_TYPES, import_upload, list_datasets, load_dataset

from conftest import ROOT

ABU_KAMAL_LONLAT = [40.9185, 34.4523]


def feature(event_id, geometry=("Point", ABU_KAMAL_LONLAT), **properties):
    shape = None if geometry is None else {"type": geometry[0], "coordinates": geometry[1]}
    if geometry and geometry[0] == "GeometryCollection":
        shape = {"type": "GeometryCollection", "geometries": [{"type": "Point", "coordinates": ABU_KAMAL_LONLAT}]}
    found = {"type": "Feature", "geometry": shape}
    if event_id is not None:
        found["properties"] = {"event_id_cnty": event_id, "event_date": "2021-02-25", "country": "Syria",
                               "location_mention": "", **properties}
    return found


def collection(*features) -> str:
    return json.dumps({"type": "FeatureCollection", "features": [feature("GOOD1"), *features]})


# case -> (GeoJSON text or bytes, kept ids, set-aside (feature number, column, words of the reason)),
# or (text or bytes, refusal words).
CASES = {
    "numbers as text": (collection(
        feature("EMPTY", latitude="", longitude="", fatalities=""),
        feature("TEXT", latitude="34.4523", longitude="40.9185", fatalities="3"),
        feature("WORDS", latitude="north", longitude="east", fatalities="many")),
        ["GOOD1", "EMPTY", "TEXT"],
        [(4, "fatalities", "'many' is not a whole number"), (4, "latitude/longitude", "are not numbers")]),
    "null geometry": (collection(feature("NOWHERE", geometry=None)), ["GOOD1"],
                      [(2, "location_mention", "nothing says where")]),
    "feature without properties": (collection(feature(None)), ["GOOD1"], [(2, "event_date", "is empty")]),
    "GeometryCollection": (collection(feature("MIXED", geometry=("GeometryCollection", None))), ["GOOD1"],
                           [(2, "geometry", "a GeometryCollection")]),
    "point off the Earth": (collection(feature("FAR", geometry=("Point", [200.0, 34.4]))), ["GOOD1"],
                            [(2, "geometry", "outside the Earth")]),
    "truncated file": (collection(feature("CUT"))[:150], "not readable as GeoJSON"),
    "UTF-16 text": (collection(feature("WIDE")).encode("utf-16"), "UTF-16 text; expected GeoJSON"),
}


def write_case(tmp_path, case):
    content = CASES[case][0]
    path = tmp_path / "events.geojson"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def expect(case):
    _, *rest = CASES[case]
    return rest


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # GDAL says what it makes of the broken ones
@pytest.mark.parametrize("case", CASES)
def test_import_sets_bad_features_aside_or_refuses_in_one_line(tmp_path, capsys, case):
    source, out = write_case(tmp_path, case), tmp_path / "out.geojson"
    status = main(["import", "geojson", str(source), "--on-bad-rows", "skip", "-o", str(out)])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if len(expect(case)) == 1:
        assert status == 2 and err.startswith(f"error: {source}: ") and len(err.strip().splitlines()) == 1
        assert expect(case)[0] in err
        assert not out.exists()
        return
    kept, set_aside = expect(case)
    assert status == 1
    assert [f["properties"]["event_id_cnty"] for f in json.loads(out.read_text())["features"]] == kept
    for number, column, words in set_aside:
        assert any(line.startswith(f"set aside feature {number}") and words in line for line in err.splitlines()), err
    # Without --on-bad-rows skip the file is refused (nothing written), every bad row listed.
    out.unlink()
    assert main(["import", "geojson", str(source), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {source}: ") and "--on-bad-rows skip" in err and not out.exists()


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("case", CASES)
def test_strikemap_events_sets_bad_features_aside_or_refuses_in_one_line(tmp_path, monkeypatch, case):
    source = write_case(tmp_path, case)
    monkeypatch.setenv("STRIKEMAP_EVENTS", str(source))
    bundled = list_datasets()[BUNDLED]
    if len(expect(case)) == 1:
        with pytest.raises(EventDataError) as caught:
            load_dataset(bundled)
        message = str(caught.value)
        assert message.startswith(f"{source}: ") and "\n" not in message and expect(case)[0] in message
        assert caught.value.file == str(source) and caught.value.path == source
        return
    kept, set_aside = expect(case)
    loaded = load_dataset(bundled)
    assert list(loaded.events["event_id_cnty"]) == kept
    assert loaded.events.crs.to_epsg() == 4326 and loaded.events.geometry.notna().all()
    found = [(p.row, p.column, p.reason) for p in loaded.set_aside]
    assert len(found) == len(set_aside)
    for (number, column, words), (row, named, reason) in zip(set_aside, found):
        assert (row, named) == (number, column) and words in reason
    assert all(isinstance(p, RowProblem) and p.file == str(source) and p.unit == "feature" for p in loaded.set_aside)


def test_numbers_written_as_text_are_read_as_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("STRIKEMAP_EVENTS", str(write_case(tmp_path, "numbers as text")))
    events = load_dataset(list_datasets()[BUNDLED]).events.set_index("event_id_cnty")
    assert events.loc["TEXT", "latitude"] == pytest.approx(34.4523) and events.loc["TEXT", "fatalities"] == 3
    # Blank coordinates come from the feature's point; a blank count stays blank.
    assert events.loc["EMPTY", "longitude"] == pytest.approx(40.9185)
    assert events["fatalities"].isna()["EMPTY"]


@pytest.mark.filterwarnings("ignore:Could not parse column:UserWarning")  # GDAL: a number column with words
def test_a_large_file_opens_with_its_few_bad_rows_set_aside(tmp_path, monkeypatch):
    rows = 20_000
    bad = {17: {"event_date": "31/02/2021"}, 4_000: {"fatalities": "dozens"}, 9_999: {"latitude": "95.5"},
           15_000: {"geo_precision": "9"}, 19_999: {"event_date": ""}}
    features = []
    for n in range(rows):
        lon, lat = 38.0 + (n % 400) * 0.005, 35.0 + (n // 400) * 0.005  # a grid inside Syria
        properties = {"latitude": lat, "longitude": lon, "fatalities": n % 7, "geo_precision": 1,
                      **bad.get(n, {})}
        features.append(feature(f"BIG{n:05d}", geometry=("Point", [lon, lat]), **properties))
    path = tmp_path / "big.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    monkeypatch.setenv("STRIKEMAP_EVENTS", str(path))
    loaded = load_dataset(list_datasets()[BUNDLED])
    assert len(loaded.events) == rows - len(bad)
    assert [(p.row, p.column) for p in loaded.set_aside] == [
        (18, "event_date"), (4_001, "fatalities"), (10_000, "latitude/longitude"), (15_001, "geo_precision"),
        (20_000, "event_date")]
    assert loaded.set_aside[2].value == (95.5, features[9_999]["properties"]["longitude"])
    assert not set(loaded.events["event_id_cnty"]) & {f"BIG{n:05d}" for n in bad}


def test_the_dashboard_lists_the_set_aside_rows_as_plain_text(tmp_path, monkeypatch):
    source = tmp_path / "events.geojson"
    source.write_text(collection(feature("<b>X</b>", fatalities="<img src=x onerror=alert(1)>", geo_precision="9")),
                      encoding="utf-8")
    monkeypatch.setenv("STRIKEMAP_EVENTS", str(source))
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert any(e.label.startswith("1 row set aside") for e in app.expander)
    assert any(t.value.startswith("1 row of") for t in app.text)  # one row, two bad cells
    table = next(d.value for d in app.dataframe if list(d.value.columns) == ["row", "column", "value", "reason"])
    assert table.values.tolist() == [
        ["feature 2 (<b>X</b>)", "fatalities", "<img src=x onerror=alert(1)>",
         "fatalities '<img src=x onerror=alert(1)>' is not a whole number >= 0"],
        ["feature 2 (<b>X</b>)", "geo_precision", "9", "geo_precision must be 1, 2 or 3, not 9"]]
    assert not any("<img" in m.value for m in app.markdown)  # the file's text never reaches Markdown


@pytest.mark.parametrize("as_folder", [False, True], ids=["file", "dataset folder"])
def test_strikemap_events_parquet_exports_every_row(tmp_path, monkeypatch, capsys, as_folder):
    events = load_events(ROOT / "data" / "events.csv")
    if as_folder:
        source = tmp_path / "events"
        source.mkdir()
        events.iloc[:2].to_parquet(source / "part-0.parquet")
        events.iloc[2:].to_parquet(source / "part-1.parquet")
    else:
        source = tmp_path / "events.parquet"
        events.to_parquet(source)
    monkeypatch.setenv("STRIKEMAP_EVENTS", str(source))
    out = tmp_path / "y.geojson"
    assert main(["export", "-o", str(out)]) == 0
    written = gpd.read_file(out)
    assert sorted(written["event_id_cnty"]) == sorted(events["event_id_cnty"])
    assert f"wrote {len(events)} events" in capsys.readouterr().err


def test_strikemap_events_reads_acled_and_ucdp_exports_by_their_columns(monkeypatch):
    for sample, fmt, rows in (("acled_sample.csv", "acled", 13), ("ucdp_sample.csv", "ucdp", 10)):
        monkeypatch.setenv("STRIKEMAP_EVENTS", str(ROOT / "tests" / "data" / sample))
        loaded = load_dataset(list_datasets()[BUNDLED])
        assert len(loaded.events) == rows and not loaded.set_aside, sample
        _, summary = read_events(ROOT / "tests" / "data" / sample)
        assert summary.fmt == fmt


def test_the_bundled_file_keeps_extra_columns_as_import_does(events_csv):
    text = events_csv.read_text(encoding="utf-8").splitlines()
    events_csv.write_text("\n".join([text[0] + ",analyst_note"] + [line + ",checked" for line in text[1:]]) + "\n",
                          encoding="utf-8")
    events = load_events(events_csv)
    assert list(events["analyst_note"]) == ["checked"] * 4


def test_a_bad_export_of_every_row_is_refused_not_emptied(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id_cnty,event_date,location_mention\nA,not a date,Abu Kamal\n", encoding="utf-8")
    assert main(["build", "--events", str(bad), "-o", str(tmp_path / "x.geojson")]) == 2
    assert "no row is good" in capsys.readouterr().err


def test_build_sets_bad_rows_aside_and_names_them(tmp_path, events_csv, capsys):
    lines = events_csv.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(",2021-06-27,", ",20X1-06-27,", 1)
    events_csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "events.geojson"
    assert main(["build", "--events", str(events_csv), "-o", str(out)]) == 1
    assert len(gpd.read_file(out)) == 3
    assert f"warning: {events_csv}: set aside row 3" in capsys.readouterr().err


def test_an_upload_is_named_as_the_analyst_named_it_under_one_size_limit():
    data = (ROOT / "tests" / "data" / "acled_sample.csv").read_bytes()
    with pytest.raises(EventDataError) as caught:
        import_upload(data, "my export.csv", "acled", max_mb=(len(data) - 1) / 1024 / 1024)
    error = caught.value
    assert error.file == "'my export.csv'" and str(error).startswith("'my export.csv': ")
    assert "import larger files with `python -m geo import`" in str(error) and "upload" not in str(error.file)
    events, summary = import_upload(data, "my export.csv", "acled", max_mb=len(data) / 1024 / 1024)
    assert len(events) == 13 and summary.path == "my export.csv"


def test_every_format_list_comes_from_the_registry():
    assert IMPORT_FORMATS == ["acled", "ucdp", "csv", "geojson", "gpkg", "parquet"]
    assert EXPORT_FORMATS == ["geojson", "csv", "csv-latlon", "gpkg", "parquet"]
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert next(a for a in commands["import"]._actions if a.dest == "fmt").choices == IMPORT_FORMATS
    assert next(a for a in commands["export"]._actions if a.dest == "format").choices == EXPORT_FORMATS
    assert set(UPLOAD_SUFFIX) == set(IMPORT_FORMATS) and {"csv", "geojson", "gpkg", "parquet"} <= set(UPLOAD_TYPES)
    assert sniff_csv(["id", "date_start", "where_prec", "date_prec", "latitude"]) is FORMATS["ucdp"]
    assert sniff_csv(["event_id_cnty", "event_date", "location_mention"]) is FORMATS["csv"]
    assert sniff_csv(["event_id_cnty", "event_date", "location", "latitude", "inter1"]) is FORMATS["acled"]


def test_an_unknown_suffix_and_format_are_named(tmp_path):
    sheet = tmp_path / "events.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    with pytest.raises(EventDataError, match=r"unknown events format '.xlsx' \(use .csv, .txt, .geojson"):
        read_events(sheet)
    with pytest.raises(EventDataError, match="unknown import format 'shp'"):
        read_events(sheet, "shp")


@pytest.mark.parametrize("text", [
    "\ufeffa,b,c\n1,,\"two\nlines\"\n\n2,NA,\"\"\n",        # a BOM, blank cells, a quoted line break, a blank line
    "a;b\nnull;N/A\nnan;  spaced  \n",                       # what other readers take for missing stays text
    "a,b\n1,2\n3\n",                                         # a short row: pandas' reading (missing cell) kept
    "a,a,b\n1,2,3\n",                                        # a repeated column name: pandas' renaming kept
    "a,b\n\"x,y\",\u00e9\u062f\n",                           # a quoted separator, accents and Arabic
])
def test_a_csv_reads_as_pandas_reads_it(tmp_path, text):
    """Arrow's fast reader (geo.io.read._read_csv_arrow) gives exactly pandas' table, or leaves it to pandas."""
    from geo.io.read import read_csv_table

    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    sep = ";" if text.startswith("a;") else ","
    expected = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(read_csv_table(path), expected)
