"""Importing ACLED, UCDP GED and our own files: acceptance on the samples, round trips, bad input."""

import csv
import json

import pandas as pd
import pytest
import shapely


from geo.io import importers
from geo.cli import main
from geo.errors import EventDataError
from geo.io.events import SCHEMA
from geo.io.export import write_events
from geo.io.importers import import_events, import_with_summary

from conftest import ROOT, km_between

DATA = ROOT / "tests" / "data"
ACLED = DATA / "acled_sample.csv"
ACLED_SEMICOLON = DATA / "acled_sample_semicolon.csv"
UCDP = DATA / "ucdp_sample.csv"
SINJAR = (36.32, 41.88)


def raw_table(path, sep=","):
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)


def rows_of(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh, delimiter=";" if path == ACLED_SEMICOLON else ","))


def write_rows(path, rows, sep=","):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, delimiter=sep, lineterminator="\n").writerows(rows)
    return path


def same_events(a, b):
    """Same columns, values and (to 1e-5 degrees, whatever the ring order) geometries."""
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    left, right = pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry"))
    for column in left.columns:
        assert left[column].astype(object).equals(right[column].astype(object)), column
    for x, y in zip(a.geometry, b.geometry):
        assert shapely.equals_exact(shapely.normalize(x), shapely.normalize(y), 1e-5)
    assert b.crs.to_epsg() == 4326


@pytest.fixture(scope="module")
def acled():
    return import_with_summary("acled", ACLED)


@pytest.fixture(scope="module")
def ucdp():
    return import_with_summary("ucdp", UCDP)


# ------------------------------------------------------------------ acceptance on the samples


@pytest.mark.parametrize("path, sep", [(ACLED, ","), (ACLED_SEMICOLON, ";")])
def test_acled_samples_import_with_every_row_placed_and_every_column_kept(path, sep):
    events, summary = import_with_summary("acled", path)
    raw = raw_table(path, sep)
    assert len(events) == len(raw) == 13 and events.geometry.notna().all()
    assert summary.placed == 13 and not summary.unplaced and not summary.set_aside
    assert list(events.columns[:len(SCHEMA)]) == SCHEMA
    extras = [c for c in raw.columns if c not in SCHEMA]
    assert list(events.columns[len(SCHEMA):-1]) == extras  # ACLED's own columns follow ours, in file order
    for column in extras:
        assert events[column].tolist() == raw[column].tolist(), column
    for column in ("event_id_cnty", "actor1", "notes", "location", "admin1", "source"):
        assert events[column].tolist() == raw[column].tolist(), column
    assert events.latitude.tolist() == raw.latitude.astype(float).tolist()
    assert events.crs.to_epsg() == 4326


def test_both_acled_date_forms_and_separators_give_the_same_events(acled):
    assert acled[0].event_date.iloc[0] == "2021-02-25"  # "25 February 2021" in the file
    same_events(acled[0], import_events("acled", ACLED_SEMICOLON))


def test_acled_precision_codes_become_ours(acled):
    events = acled[0].set_index("event_id_cnty")
    near = events.loc["SYR113421"]  # geo_precision 2: near Abu Kamal
    assert near.geo_precision == 2 and near.radius_km == 15 and near.geometry.geom_type == "Point"
    town = events.loc["IRQ40533"]  # geo_precision 1: Sinjar
    assert town.geo_precision == 1 and pd.isna(town.radius_km)
    assert (town.geometry.x, town.geometry.y) == (41.8766, 36.3209)
    region = events.loc["IRQ41502"]  # geo_precision 3: Tikrit stands for Salah al-Din
    assert region.geo_precision == 3 and region.geometry.geom_type == "Polygon"
    assert region.geometry.contains(shapely.Point(region.longitude, region.latitude))
    assert (region.latitude, region.longitude) == (34.6158, 43.6786)  # the file's point stays
    assert 100 < region.radius_km < 250 and "outline: Saladin" in region.geocoder
    assert region.time_precision == 2  # a week


def test_sub_event_type_keeps_only_strikes(tmp_path):
    strikes, summary = import_with_summary("acled", ACLED, sub_event_types=["air/drone strike"])
    assert len(strikes) == 10 and set(strikes.sub_event_type) == {"Air/drone strike"}
    assert summary.left_out == 3 and "3 left out" in summary.lines()[0]
    out = tmp_path / "two.geojson"
    both = "Air/drone strike,Armed clash"
    assert main(["import", "acled", str(ACLED), "--sub-event-type", both, "-o", str(out)]) == 0
    assert len(json.loads(out.read_text())["features"]) == 11
    assert main(["import", "acled", str(ACLED), "--sub-event-type", "Air/drone strike",
                 "--sub-event-type", "Peaceful protest", "-o", str(out)]) == 0
    assert len(json.loads(out.read_text())["features"]) == 11


def test_ucdp_sample_imports_with_every_row_placed_and_every_column_kept(ucdp):
    events, summary = ucdp
    raw = raw_table(UCDP)
    assert len(events) == len(raw) == 10 and events.geometry.notna().all()
    assert summary.placed == 10 and summary.geocoded == 1 and not summary.set_aside
    for column in raw.columns:
        assert column in events.columns
        if column in ("latitude", "longitude"):  # numbers now; the row without them got the geocoder's
            given = raw[column] != ""
            assert events.loc[given, column].tolist() == raw.loc[given, column].astype(float).tolist()
        else:
            assert events[column].tolist() == raw[column].tolist(), column


def test_ucdp_columns_map_to_ours(ucdp):
    events = ucdp[0].set_index("event_id_cnty")
    sinjar = events.loc["UCDP-417203"]
    assert (sinjar.actor1, sinjar.actor2) == ("Government of Turkey", "PKK")
    assert sinjar.event_date == "2021-08-16" and sinjar.time_precision == 1
    assert sinjar.event_type == "State-based conflict" and sinjar.location == "Sinjar town"
    assert sinjar.admin1 == "Ninawa province" and sinjar.location_mention == "Sinjar town"
    anbar = events.loc["UCDP-417450"]
    assert (anbar.fatalities, anbar.fatalities_min, anbar.fatalities_max) == (3, 3, 3)
    badiya = events.loc["UCDP-398377"]
    assert (badiya.fatalities, badiya.fatalities_min, badiya.fatalities_max) == (7, 5, 10)
    assert badiya.time_precision == 2 and badiya.notes.startswith("Russian air strikes")
    month = events.loc["UCDP-398640"]  # date_prec 4: known to the month
    assert month.time_precision == 3 and month.date_end.startswith("2021-03-31")


@pytest.mark.parametrize("event, precision, radius, shape", [
    ("UCDP-417203", 1, None, "Point"),  # where_prec 1: exact
    ("UCDP-417311", 2, 25, "Point"),  # 2: within 25 km
    ("UCDP-398214", 3, 50, "Point"),  # 3: a district (no admin-2 outlines offline)
    ("UCDP-398377", 3, "area", "Deir ez-Zor"),  # 4: the province
    ("UCDP-398512", 3, "area", "Idlib"),
    ("UCDP-417588", 3, "area", "border"),  # 5: where_description names the Iraq-Syria border region
    ("UCDP-398640", 3, "area", "Syria"),  # 6: the country
])
def test_ucdp_where_prec_becomes_ours(ucdp, event, precision, radius, shape):
    row = ucdp[0].set_index("event_id_cnty").loc[event]
    assert row.geo_precision == precision
    if radius == "area":
        assert row.geometry.geom_type in ("Polygon", "MultiPolygon") and shape in row.geocoder
        assert row.geometry.distance(shapely.Point(row.longitude, row.latitude)) < 0.25
        assert row.radius_km > 40
    else:
        assert row.geometry.geom_type == shape
        assert (pd.isna(row.radius_km) if radius is None else row.radius_km == radius)


def test_ucdp_row_without_coordinates_is_geocoded_and_keeps_its_mention(ucdp):
    row = ucdp[0].set_index("event_id_cnty").loc["UCDP-398702"]
    assert row.location_mention == "Al Mayadin" and row.where_coordinates == "Al Mayadin town"
    assert row.geocoder == "gazetteer" and row.country == "Syria"
    assert km_between(row.latitude, row.longitude, 35.02, 40.45) < 5


def test_source_precision_is_a_floor_for_geocoded_rows(tmp_path):
    rows = rows_of(UCDP)
    header = rows[0]
    hit = next(r for r in rows if r[0] == "417311")  # where_prec 2: within 25 km of Hit
    for column in ("latitude", "longitude", "geom_wkt", "priogrid_gid"):
        hit[header.index(column)] = ""
    row = import_events("ucdp", write_rows(tmp_path / "ged.csv", rows)).set_index("event_id_cnty").loc["UCDP-417311"]
    assert row.geo_precision == 2 and row.radius_km == 25
    assert "precision 2 kept from the file" in row.geocoder
    assert km_between(row.latitude, row.longitude, 33.64, 42.83) < 5


def test_acled_row_without_coordinates_is_geocoded_from_its_place_fields(tmp_path):
    rows = rows_of(ACLED)
    header = rows[0]
    sinjar = next(r for r in rows if r[0] == "IRQ40533")
    sinjar[header.index("latitude")] = sinjar[header.index("longitude")] = ""
    events, summary = import_with_summary("acled", write_rows(tmp_path / "acled.csv", rows))
    row = events.set_index("event_id_cnty").loc["IRQ40533"]
    assert row.location_mention == "Sinjar, Ninewa, Iraq" and row.geocoder == "gazetteer"
    assert km_between(row.latitude, row.longitude, *SINJAR) < 5
    assert summary.geocoded == 1 and summary.placed == 13


def test_unplaced_rows_are_kept_and_listed(tmp_path, capsys):
    rows = rows_of(UCDP)
    header = rows[0]
    row = rows[-1]
    for column in ("latitude", "longitude", "geom_wkt", "priogrid_gid"):
        row[header.index(column)] = ""
    row[header.index("where_coordinates")] = row[header.index("where_description")] = "Narnia"
    out = tmp_path / "ged.geojson"
    assert main(["import", "ucdp", str(write_rows(tmp_path / "ged.csv", rows)), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "1 unplaced" in err and "unplaced row 11 (UCDP-398755): 'Narnia'" in err
    features = json.loads(out.read_text())["features"]
    assert len(features) == 10 and features[-1]["geometry"] is None


# ------------------------------------------------------------------ round trips


@pytest.mark.parametrize("source", ["acled", "ucdp"])
@pytest.mark.parametrize("fmt", ["geojson", "csv", "gpkg", "parquet"])
def test_importing_our_export_gives_the_same_rows(tmp_path, acled, ucdp, source, fmt):
    events = (acled if source == "acled" else ucdp)[0]
    path = write_events(events, tmp_path / f"events.{fmt}")
    same_events(events, import_events(fmt, path))


def test_acled_to_geojson_and_back_gives_the_same_events(tmp_path, acled):
    first, second = tmp_path / "first.geojson", tmp_path / "second.geojson"
    assert main(["import", "acled", str(ACLED), "-o", str(first)]) == 0
    assert main(["import", "geojson", str(first), "-o", str(second)]) == 0
    assert second.read_bytes() == first.read_bytes()
    same_events(acled[0], import_events("geojson", second))


def test_our_csv_gets_its_formula_guarded_cells_back(tmp_path, acled):
    events = acled[0].copy()
    events.loc[0, "notes"] = '=HYPERLINK("http://evil")'
    events.loc[1, "actor2"] = "-the militia-"
    path = write_events(events, tmp_path / "events.csv")
    assert "'=HYPERLINK" in path.read_text()
    again = import_events("csv", path)
    assert again.notes[0] == '=HYPERLINK("http://evil")' and again.actor2[1] == "-the militia-"


def test_gpkg_of_another_layer_name_and_filters_on_our_formats(tmp_path, acled):
    path = tmp_path / "other.gpkg"
    acled[0].to_file(path, layer="strikes", driver="GPKG")
    assert len(import_events("gpkg", path)) == 13
    assert len(import_events("gpkg", path, sub_event_types=["Air/drone strike"])) == 10


# ------------------------------------------------------------------ bad input


def _bad_date(tmp_path):
    rows = rows_of(ACLED)
    rows[3][rows[0].index("event_date")] = "31 February 2021"
    return "acled", write_rows(tmp_path / "acled.csv", rows)


def _out_of_range(tmp_path):
    rows = rows_of(ACLED)
    rows[7][rows[0].index("latitude")] = "95.1"
    return "acled", write_rows(tmp_path / "acled.csv", rows)


def _swapped(tmp_path):
    rows = rows_of(ACLED)
    lat, lon = rows[0].index("latitude"), rows[0].index("longitude")
    rows[5][lat], rows[5][lon] = rows[5][lon], rows[5][lat]  # Al-Qamishli: 41.23, 37.05 is in Turkey
    return "acled", write_rows(tmp_path / "acled.csv", rows)


def _ucdp_bad_date(tmp_path):
    rows = rows_of(UCDP)
    rows[2][rows[0].index("date_start")] = "2021-13-45 00:00:00.000"
    return "ucdp", write_rows(tmp_path / "ged.csv", rows)


def _ucdp_bad_code(tmp_path):
    rows = rows_of(UCDP)
    rows[4][rows[0].index("where_prec")] = "9"
    return "ucdp", write_rows(tmp_path / "ged.csv", rows)


def _ucdp_low_above_high(tmp_path):
    rows = rows_of(UCDP)
    rows[3][rows[0].index("low")] = "40"
    return "ucdp", write_rows(tmp_path / "ged.csv", rows)


def _duplicate_id(tmp_path):
    rows = rows_of(ACLED)
    rows[9][0] = rows[3][0]
    return "acled", write_rows(tmp_path / "acled.csv", rows)


def _missing_columns(tmp_path):
    path = tmp_path / "acled.csv"
    path.write_text("id,date,place\n1,2021-02-25,Abu Kamal\n", encoding="utf-8")
    return "acled", path


def _ucdp_given_as_acled(tmp_path):
    path = tmp_path / "ged.csv"
    path.write_bytes(UCDP.read_bytes())
    return "acled", path


def _geojson_given_as_acled(tmp_path):
    path = tmp_path / "strikes.csv"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}), encoding="utf-8")
    return "acled", path


def _png(tmp_path):
    path = tmp_path / "map.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    return "acled", path


def _csv_given_as_geojson(tmp_path):
    path = tmp_path / "acled.geojson"
    path.write_bytes(ACLED.read_bytes())
    return "geojson", path


def _empty(tmp_path):
    path = tmp_path / "acled.csv"
    path.write_bytes(b"")
    return "acled", path


def _header_only(tmp_path):
    path = tmp_path / "acled.csv"
    path.write_text(ACLED.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    return "acled", path


def _latin1(tmp_path):
    rows = rows_of(ACLED)
    rows[4][rows[0].index("notes")] = "Drone strike on a caf\u00e9 near Al-Qamishli"
    path = tmp_path / "acled.csv"
    with open(path, "w", newline="", encoding="latin-1") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return "acled", path


def _utf16(tmp_path):
    path = tmp_path / "acled.csv"
    path.write_text(ACLED.read_text(encoding="utf-8"), encoding="utf-16")
    return "acled", path


def _swapped_geojson(tmp_path):
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [34.45, 140.92]},
        "properties": {"event_id_cnty": "X1", "event_date": "2021-02-25"}}]}), encoding="utf-8")
    return "geojson", path


def _not_a_geopackage(tmp_path):
    path = tmp_path / "events.gpkg"
    path.write_bytes(b"SQLite format 3\x00" + bytes(200))
    return "gpkg", path


BAD_INPUTS = {
    "unparseable date": (_bad_date, ["row 4 (IRQ41112)", "event_date", "'31 February 2021'", "not a date"]),
    "latitude out of range": (_out_of_range, ["row 8 (IRQ40560)", "latitude=95.1", "outside the Earth"]),
    "swapped for its country": (_swapped, ["row 6 (SYR115020)", "outside Syria", "latitude/longitude swapped"]),
    "UCDP unparseable date": (_ucdp_bad_date, ["row 3 (UCDP-417311)", "date_start", "'2021-13-45"]),
    "UCDP unknown precision code": (_ucdp_bad_code, ["row 5 (UCDP-398377)", "where_prec '9'"]),
    "UCDP low above high": (_ucdp_low_above_high, ["row 4 (UCDP-398214)", "low 40 is more than high 4"]),
    "duplicate id": (_duplicate_id, ["row 10 (IRQ41112)", "event_id_cnty", "more than once", "first at row 4"]),
    "missing columns": (_missing_columns, ["missing column(s) event_id_cnty, event_date", "found id, date, place"]),
    "UCDP given as ACLED": (_ucdp_given_as_acled, ["expected ACLED export (CSV), but missing", "looks like UCDP GED (CSV)",
                                                   "import ucdp"]),
    "GeoJSON given as ACLED": (_geojson_given_as_acled, ["JSON (GeoJSON?); expected ACLED export (CSV)", "import geojson"]),
    "PNG": (_png, ["a PNG image; expected ACLED export (CSV)"]),
    "CSV given as GeoJSON": (_csv_given_as_geojson, ["a text file; expected GeoJSON", "import acled|ucdp|csv"]),
    "empty file": (_empty, ["the file is empty (0 bytes)"]),
    "header only": (_header_only, ["a header line but no rows"]),
    "not UTF-8": (_latin1, ["row 5, column notes", "b'\\xe9'", "not utf-8 text", "--encoding"]),
    "UTF-16": (_utf16, ["UTF-16 text", "--encoding utf-16"]),
    "GeoJSON in lat, lon order": (_swapped_geojson, ["feature 1 (X1)", "outside the Earth", "lat, lon order"]),
    "broken GeoPackage": (_not_a_geopackage, ["not readable as GeoPackage"]),
}


@pytest.mark.filterwarnings("ignore:GPKG:RuntimeWarning")  # GDAL says so of the broken GeoPackage too
@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_is_refused_by_name_and_leaves_the_output_alone(tmp_path, capsys, case):
    make, expected = BAD_INPUTS[case]
    fmt, source = make(tmp_path)
    out = tmp_path / "out" / "events.geojson"
    out.parent.mkdir()
    out.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    before = out.read_bytes()
    assert main(["import", fmt, str(source), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {source}: ") and "Traceback" not in err
    for words in expected:
        assert words in err, (words, err)
    assert out.read_bytes() == before  # nothing half-imported, the old file untouched
    assert [p.name for p in out.parent.iterdir()] == ["events.geojson"]  # no temp file left
    with pytest.raises(EventDataError):
        import_events(fmt, source)


def test_one_bad_row_is_one_line(tmp_path, capsys):
    fmt, source = _bad_date(tmp_path)
    assert main(["import", fmt, str(source), "-o", str(tmp_path / "x.geojson")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_size_limit_is_configurable(tmp_path, capsys, monkeypatch):
    out = tmp_path / "events.geojson"
    out.write_bytes(b"old")
    assert main(["import", "acled", str(ACLED), "--max-mb", "0.001", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(ACLED) in err and "more than the import limit of 0.001 MB" in err and "--max-mb" in err
    assert out.read_bytes() == b"old"
    monkeypatch.setenv("STRIKEMAP_MAX_IMPORT_MB", "0.002")
    with pytest.raises(EventDataError, match="limit of 0.002 MB"):
        import_events("acled", ACLED)
    assert len(import_events("acled", ACLED, max_mb=1)) == 13


def test_other_encodings_read_when_named(tmp_path):
    fmt, latin1 = _latin1(tmp_path)
    events = import_events(fmt, latin1, encoding="cp1252")
    assert "caf\u00e9" in events.set_index("event_id_cnty").loc["SYR114002"].notes
    fmt, utf16 = _utf16(tmp_path)
    assert len(import_events(fmt, utf16, encoding="utf-16")) == 13
    with pytest.raises(EventDataError, match="unknown text encoding 'klingon'"):
        import_events(fmt, utf16, encoding="klingon")


def test_skip_imports_the_good_rows_and_lists_the_bad(tmp_path, capsys):
    rows = rows_of(ACLED)
    rows[3][rows[0].index("event_date")] = "sometime in 2021"
    rows[7][rows[0].index("latitude")] = "95.1"
    out = tmp_path / "events.geojson"
    source = write_rows(tmp_path / "acled.csv", rows)
    assert main(["import", "acled", str(source), "--on-bad-rows", "skip", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "2 set aside" in err and "set aside row 4 (IRQ41112): event_date 'sometime in 2021'" in err
    assert "set aside row 8 (IRQ40560): coordinates latitude=95.1" in err
    ids = [f["properties"]["event_id_cnty"] for f in json.loads(out.read_text())["features"]]
    assert len(ids) == 11 and "IRQ41112" not in ids and "IRQ40560" not in ids
    events, summary = import_with_summary("acled", source, on_bad_rows="skip")
    assert [(p.row, p.column, p.value) for p in summary.set_aside] == [
        (4, "event_date", "sometime in 2021"), (8, "latitude/longitude", ("95.1", rows[7][rows[0].index("longitude")]))]
    assert all(p.file == str(source) for p in summary.set_aside)


def test_filter_that_matches_nothing_names_what_is_there(tmp_path):
    with pytest.raises(EventDataError, match="no row has sub_event_type 'Airstrike'; the file has 'Air/drone strike'"):
        import_events("acled", ACLED, sub_event_types=["Airstrike"])
    with pytest.raises(EventDataError, match="UCDP GED has no sub-event types"):
        import_events("ucdp", UCDP, sub_event_types=["Air/drone strike"])


def test_an_unknown_output_suffix_fails_before_reading(tmp_path, capsys):
    assert main(["import", "acled", str(ACLED), "-o", str(tmp_path / "events.xlsx")]) == 2
    assert "'.xlsx'" in capsys.readouterr().err


def test_large_files_show_progress_on_stderr(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(importers, "PROGRESS_DELAY_S", 0)  # as if the file were large
    rows = rows_of(ACLED)
    rows[5][rows[0].index("latitude")] = rows[5][rows[0].index("longitude")] = ""
    assert main(["import", "acled", str(write_rows(tmp_path / "a.csv", rows)), "-o", str(tmp_path / "a.gpkg")]) == 0
    err = capsys.readouterr().err
    assert "reading a.csv" in err and "geocoding" in err and "outlines" in err
    assert "13 rows read" in err and "12 by their own coordinates" in err and "1 geocoded" in err
