"""Loading, validating and geocoding event files into a GeoDataFrame."""

import json

import pandas as pd
import pytest
import shapely

from geo.errors import EventDataError
from geo.io.events import SCHEMA, date_span, load_events
from geo.geocoding.resolve import resolve_mention

from conftest import ABU_KAMAL, AL_QAIM, ROOT, km_between


@pytest.fixture(scope="module")
def bundled():
    return load_events(ROOT / "data" / "events.csv")


def test_bundled_events_are_a_wgs84_geodataframe_in_our_schema(bundled):
    assert bundled.crs.to_epsg() == 4326
    assert list(bundled.columns[:-1]) == SCHEMA and bundled.geometry.name == "geometry"
    assert len(bundled) == 4 and bundled.geometry.notna().all()


def test_bundled_events_cover_february_and_june_2021(bundled):
    assert sorted(bundled.event_date.unique()) == ["2021-02-25", "2021-06-27"]
    assert (bundled.event_date == "2021-06-27").sum() == 3  # one row per facility
    assert date_span(bundled)[0].isoformat() == "2021-02-25"


def test_mentions_are_kept_beside_their_resolution(bundled):
    for row in bundled.itertuples():
        assert row.location_mention and row.geocoder and row.location
        again = resolve_mention(row.location_mention)
        assert (again.lat, again.lon) == (row.latitude, row.longitude)
        assert row.geometry.x == pytest.approx(row.longitude) and row.geometry.y == pytest.approx(row.latitude)


def test_coordinates_come_from_geocoding_with_honest_precision(bundled):
    raw = pd.read_csv(ROOT / "data" / "events.csv", dtype=str, keep_default_na=False)
    assert (raw.latitude == "").all() and (raw.longitude == "").all(), "coordinates must not be typed in by hand"
    syria = bundled[bundled.country == "Syria"]
    iraq = bundled[bundled.country == "Iraq"]
    assert len(syria) == 3 and len(iraq) == 1
    assert all(km_between(r.latitude, r.longitude, *ABU_KAMAL) < 15 for r in syria.itertuples())
    assert all(km_between(r.latitude, r.longitude, *AL_QAIM) < 20 for r in iraq.itertuples())
    assert set(bundled.geo_precision) == {2} and (bundled.radius_km >= 10).all()


def test_every_event_lies_in_its_region_mention(bundled):
    for row in bundled.itertuples():
        region = resolve_mention(row.region_mention)
        assert region.precision == 3
        assert region.shape().contains(row.geometry), (row.event_id_cnty, row.region_mention)


def test_fatalities_ranges_and_sources(bundled):
    february = bundled[bundled.event_date == "2021-02-25"].iloc[0]
    assert (february.fatalities_min, february.fatalities_max) == (1, 22)
    assert "SOHR" in february.fatalities_sources and "militia" in february.fatalities_sources


def test_unknown_place_is_kept_without_geometry(events_csv):
    frame = pd.read_csv(events_csv, dtype=str, keep_default_na=False)
    frame.loc[1, "location_mention"] = "somewhere in Narnia"
    frame.to_csv(events_csv, index=False)
    events = load_events(events_csv)
    assert len(events) == 4
    lost = events[events.geometry.isna()]
    assert list(lost.event_id_cnty) == [frame.loc[1, "event_id_cnty"]]
    assert lost.iloc[0].geocoder.startswith("unresolved:") and "Narnia" in lost.iloc[0].geocoder


@pytest.mark.parametrize("change, message", [
    ({"event_date": "30/02/2021"}, "event_date"),
    ({"event_date": ""}, "event_date"),
    ({"geo_precision": "7"}, "geo_precision must be 1, 2 or 3"),
    ({"fatalities_min": "9", "fatalities_max": "2"}, "fatalities_min 9 is more than fatalities_max 2"),
    ({"fatalities_max": "many"}, "fatalities_max 'many' is not a whole number"),
    ({"location_mention": ""}, "nothing says where"),
    ({"latitude": "95.2", "longitude": "40.9"}, "swapped"),
])
def test_bad_rows_get_specific_errors(events_csv, change, message):
    frame = pd.read_csv(events_csv, dtype=str, keep_default_na=False)
    for column, value in change.items():
        frame.loc[2, column] = value
    frame.to_csv(events_csv, index=False)
    with pytest.raises(EventDataError) as caught:
        load_events(events_csv)
    text = str(caught.value)
    assert message in text and "row 4" in text and str(events_csv) in text


NUMBER_TEXTS = ["1", "-1", "+1", "1.", ".5", "-.5", "00012", " 3 ", "\t3", "1e5", "1E-3", "inf", "NaN", "1,5", "abc",
                "", "9007199254740993", "9007199254740992", "123456789012345", "1234567890123456", "0.1",
                "0.30000000000000004", "34.123456789", "1_000", "\u0663", "1e400", "--1", "1.2.3", "0x10", "+.5", ".",
                "Infinity", "12345678.1234567"]


def test_numbers_in_a_file_read_as_pandas_reads_them():
    """Number cells are parsed column-wise by Arrow where it reads them exactly as pandas does, and by pandas
    otherwise: the same number (or none) for every text, whether held as Arrow text or Python objects."""
    from geo.io.events import _numbers

    for dtype in ("str", object):
        texts = pd.Series(NUMBER_TEXTS + [None], dtype=dtype)
        ours = _numbers(texts)
        pandas = pd.to_numeric(texts, errors="coerce").astype(float)
        pd.testing.assert_series_equal(ours, pandas, check_names=False)
    pd.testing.assert_series_equal(_numbers(pd.Series([1, 2.5, None])), pd.Series([1.0, 2.5, float("nan")]))


@pytest.mark.parametrize("value, accepted", [("9007199254740992", True), ("9007199254740994", False), ("1e20", False),
                                             (" 3 ", True), ("3.", True), ("3.5", False), ("1e3", True)])
def test_whole_number_cells_are_judged_by_their_value(events_csv, value, accepted):
    frame = pd.read_csv(events_csv, dtype=str, keep_default_na=False)
    frame.loc[2, ["fatalities_min", "fatalities_max"]] = ["0", value]
    frame.to_csv(events_csv, index=False)
    if accepted:
        events = load_events(events_csv)
        assert events["fatalities_max"].iloc[2] == int(float(value))
    else:
        with pytest.raises(EventDataError, match="fatalities_max"):
            load_events(events_csv)


def test_missing_columns_and_garbage_files(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(EventDataError, match="missing column"):
        load_events(bad)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x00garbage\x00")
    with pytest.raises(EventDataError):
        load_events(binary)
    with pytest.raises(EventDataError, match="no such events file"):
        load_events(tmp_path / "absent.csv")
    sheet = tmp_path / "events.xlsx"
    sheet.write_bytes(b"PK\x03\x04")
    with pytest.raises(EventDataError, match="unknown events format '.xlsx'"):
        load_events(sheet)


def test_duplicate_ids_are_refused(events_csv):
    frame = pd.read_csv(events_csv, dtype=str, keep_default_na=False)
    frame.loc[3, "event_id_cnty"] = frame.loc[0, "event_id_cnty"]
    frame.to_csv(events_csv, index=False)
    with pytest.raises(EventDataError, match="more than once"):
        load_events(events_csv)


def test_acled_style_csv_with_coordinates_and_semicolons(tmp_path):
    acled = tmp_path / "acled.csv"
    acled.write_text(
        "event_id_cnty;event_date;event_type;sub_event_type;actor1;country;admin1;location;latitude;longitude;"
        "geo_precision;source;notes;fatalities\n"
        "SYR1;25 February 2021;Explosions/Remote violence;Air/drone strike;US;Syria;Deir ez-Zor;Abu Kamal;"
        "34.4523;40.9185;2;Reuters;note;1\n", encoding="utf-8")
    events = load_events(acled)
    row = events.iloc[0]
    # No location_mention column: read as ACLED's export (its columns say so), with ACLED's precision code.
    assert row.event_date == "2021-02-25" and row.geocoder == "given coordinates (ACLED geo_precision 2)"
    assert row.geometry.equals(shapely.Point(40.9185, 34.4523))


def test_geojson_in_our_schema_round_trips_with_polygons(tmp_path, bundled):
    from geo.io.export import write_events

    events = bundled.copy()
    region = resolve_mention("the Iraq-Syria border region")
    events.loc[0, "geometry"] = region.shape()
    path = write_events(events, tmp_path / "events.geojson")
    again = load_events(path)
    assert again.geometry.iloc[0].geom_type == "Polygon"
    assert list(again.event_id_cnty) == list(events.event_id_cnty)


def test_geojson_with_lat_lon_swapped_is_refused(tmp_path):
    path = tmp_path / "swapped.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "geometry": {"type": "Point", "coordinates": [34.45, 140.92]},
        "properties": {"event_id_cnty": "X1", "event_date": "2021-02-25"}}]}), encoding="utf-8")
    with pytest.raises(EventDataError, match="outside the Earth"):
        load_events(path)


def test_coordinates_swapped_for_their_country_are_refused(tmp_path):
    acled = tmp_path / "acled.csv"
    acled.write_text(
        "event_id_cnty,event_date,country,location,latitude,longitude\n"
        "SYR1,2021-02-25,Syria,Abu Kamal,34.4523,40.9185\n"
        "SYR2,2021-08-20,Syria,Al-Qamishli,41.2317,37.0522\n"  # in Turkey as written, in Syria swapped
        "IRQ1,2021-06-27,Iraq,Al Qaim,34.3925,40.9895\n"
        "TUR1,2021-06-27,Turkey,Somewhere,39.0,35.0\n", encoding="utf-8")  # fits Turkey; swapped is no country
    with pytest.raises(EventDataError) as caught:
        load_events(acled)
    text = str(caught.value)
    assert "row 3 (SYR2)" in text and "outside Syria but inside it when swapped" in text
    assert "SYR1" not in text and "IRQ1" not in text and "TUR1" not in text


def test_our_csv_export_loads_back_with_its_regions(tmp_path, bundled):
    from geo.io.export import write_events

    events = bundled.copy()
    events.loc[0, "geometry"] = resolve_mention("the Iraq-Syria border region").shape()
    again = load_events(write_events(events, tmp_path / "events.csv"))
    assert again.geometry.iloc[0].geom_type == "Polygon" and again.geometry.iloc[1].geom_type == "Point"
    assert again.geometry.iloc[0].equals_exact(events.geometry.iloc[0], 1e-5)
    assert list(again.columns) == list(bundled.columns)


def test_a_bad_wkt_cell_is_named(tmp_path, bundled):
    from geo.io.export import to_csv

    text = to_csv(bundled).replace("POINT (40.91854 34.45226)", "POINT (40.9 oops")
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    message = r"row 2 \(SM-SYR-2021-0001\): geometry_wkt 'POINT \(40.9 oops' is not WKT"
    with pytest.raises(EventDataError, match=message):
        load_events(path)
