"""Exports: RFC 7946 GeoJSON, CSV without formula injection, GeoPackage; atomic writes."""

import datetime as dt
import json

import geopandas as gpd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from geo.errors import ExportError
from geo.io.events import load_events
from geo.web.filters import Filters, apply_filters
from geo.io.export import to_csv, to_geojson, write_events
from geo.geocoding.resolve import resolve_mention

from conftest import ROOT


@pytest.fixture(scope="module")
def bundled():
    return load_events(ROOT / "data" / "events.csv")


def test_geojson_is_rfc7946(bundled):
    data = json.loads(to_geojson(bundled))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    assert len(data["features"]) == 4
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert feature["properties"]["longitude"] == lon and feature["properties"]["latitude"] == lat
        assert 40 < lon < 42 and 34 < lat < 35  # lon first
        assert "id" not in feature or feature["id"] is not None


def test_polygons_wind_counter_clockwise(bundled):
    import shapely

    events = bundled.copy()
    events.loc[0, "geometry"] = resolve_mention("in Syria, near the Iraqi border").shape()
    feature = json.loads(to_geojson(events))["features"][0]
    ring = shapely.LinearRing(feature["geometry"]["coordinates"][0])
    assert ring.is_ccw


def test_missing_values_are_null_not_nan(bundled):
    text = to_geojson(bundled)
    assert "NaN" not in text
    june = [f for f in json.loads(text)["features"] if f["properties"]["event_id_cnty"] == "SM-SYR-2021-0002"][0]
    assert june["properties"]["fatalities_min"] is None


@pytest.mark.parametrize("suffix", ["geojson", "gpkg", "csv"])
def test_files_read_back_with_the_same_rows(tmp_path, bundled, suffix):
    path = write_events(bundled, tmp_path / f"events.{suffix}")
    if suffix == "csv":
        import pandas as pd

        again = pd.read_csv(path)
        assert list(again.event_id_cnty) == list(bundled.event_id_cnty)
        assert again.geometry_wkt.str.startswith("POINT").all()
        return
    again = gpd.read_file(path)
    assert list(again.event_id_cnty) == list(bundled.event_id_cnty)
    assert again.crs.to_epsg() == 4326
    assert list(again.fatalities_max) == [22, None, None, 4] or list(again.fatalities_max.fillna(-1)) == [22, -1, -1, 4]


def test_csv_neutralises_spreadsheet_formulas(bundled):
    events = bundled.copy()
    events.loc[0, "notes"] = "=HYPERLINK(\"http://evil\")"
    events.loc[1, "actor1"] = "@SUM(A1)"
    text = to_csv(events)
    assert "'=HYPERLINK" in text and "'@SUM" in text
    assert ",=HYPERLINK" not in text


def test_unknown_format_is_refused_with_the_value(tmp_path, bundled):
    with pytest.raises(ExportError, match="'.xlsx'"):
        write_events(bundled, tmp_path / "events.xlsx")
    with pytest.raises(ExportError, match="'shp'"):
        write_events(bundled, tmp_path / "events.out", "shp")


def test_failed_write_leaves_the_old_file_intact(tmp_path, bundled):
    target = tmp_path / "events.geojson"
    write_events(bundled, target)
    before = target.read_bytes()
    broken = bundled.copy()
    broken["notes"] = [object()] * len(broken)  # not serialisable
    with pytest.raises(TypeError):
        write_events(broken, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["events.geojson"]  # no temp file left behind


def test_filtered_export_holds_exactly_the_window(tmp_path, bundled):
    june = apply_filters(bundled, Filters(start=dt.date(2021, 6, 1), end=dt.date(2021, 6, 30)))
    data = json.loads(to_geojson(june))
    assert {f["properties"]["event_date"] for f in data["features"]} == {"2021-06-27"}
    assert len(data["features"]) == 3


# ------------------------------------------------------------------ more formats (issue 5)

UCDP_SAMPLE = ROOT / "tests" / "data" / "ucdp_sample.csv"


@pytest.fixture(scope="module")
def with_regions():
    """Points, admin-1 outlines, a border zone and a country outline (the UCDP sample)."""
    from geo.io.importers import import_events

    return import_events("ucdp", UCDP_SAMPLE)


def test_geojson_passes_a_validator_and_rfc7946_checks(with_regions, bundled):
    import geojson_validator
    import shapely

    geojson_validator.configure_logging(enabled=False)
    for events in (with_regions, bundled):
        data = json.loads(to_geojson(events))
        assert geojson_validator.validate_structure(data, check_crs=True) == {}
        checked = geojson_validator.validate_geometries(data)
        assert checked["invalid"] == {} and checked["problematic"] == {}
        assert "crs" not in data and set(data) == {"type", "features"}
        for feature in data["features"]:
            shape = shapely.geometry.shape(feature["geometry"])
            assert shape.is_valid
            for polygon in getattr(shape, "geoms", [shape]):
                if polygon.geom_type == "Polygon":
                    assert polygon.exterior.is_ccw and not any(ring.is_ccw for ring in polygon.interiors)
            minx, miny, maxx, maxy = shape.bounds
            assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    assert {f["geometry"]["type"] for f in json.loads(to_geojson(with_regions))["features"]} == {"Point", "Polygon"}


@pytest.mark.parametrize("fmt", ["gpkg", "parquet"])
def test_geopackage_and_geoparquet_read_back_with_the_same_rows_and_crs(tmp_path, with_regions, fmt):
    path = write_events(with_regions, tmp_path / f"events.{fmt}")
    again = gpd.read_parquet(path) if fmt == "parquet" else gpd.read_file(path, layer="events")
    assert again.crs.to_epsg() == 4326
    assert list(again.columns) == list(with_regions.columns)
    assert list(again.event_id_cnty) == list(with_regions.event_id_cnty)
    assert list(again.location_mention) == list(with_regions.location_mention)
    assert list(again.geocoder) == list(with_regions.geocoder)
    assert all(a.equals(b) for a, b in zip(again.geometry, with_regions.geometry))


def test_csv_carries_wkt_and_csv_latlon_only_points(tmp_path, with_regions):
    import pandas as pd

    wkt = pd.read_csv(write_events(with_regions, tmp_path / "wkt.csv", "csv"), dtype=str, keep_default_na=False)
    points = pd.read_csv(write_events(with_regions, tmp_path / "points.csv", "csv-latlon"), dtype=str,
                         keep_default_na=False)
    assert list(wkt.columns) == list(points.columns) + ["geometry_wkt"]
    assert wkt.geometry_wkt.str.startswith("POLYGON").sum() == 5
    assert points.latitude.tolist() == wkt.latitude.tolist()
    assert "location_mention" in points and "geocoder" in points and "radius_km" in points
    assert points.map(len).max().max() < 32767  # every cell fits a spreadsheet cell


def test_dates_are_iso_strings_in_every_format(tmp_path, bundled):
    import pandas as pd

    events = bundled.copy()
    events["reported_at"] = pd.to_datetime(["2021-02-26 01:00", "2021-06-28 02:30", None, "2021-06-28 03:00"])
    assert json.loads(to_geojson(events))["features"][0]["properties"]["reported_at"] == "2021-02-26T01:00:00"
    assert "2021-06-28T02:30:00" in to_csv(events)
    for fmt in ("gpkg", "parquet"):
        path = write_events(events, tmp_path / f"events.{fmt}")
        again = gpd.read_parquet(path) if fmt == "parquet" else gpd.read_file(path)
        assert again.reported_at[0] == "2021-02-26T01:00:00" and pd.isna(again.reported_at[2])
        assert list(again.event_date) == list(events.event_date)


@pytest.mark.parametrize("fmt, suffix, mime", [
    ("geojson", ".geojson", "application/geo+json"), ("csv", ".csv", "text/csv"),
    ("csv-latlon", ".csv", "text/csv"), ("gpkg", ".gpkg", "application/geopackage+sqlite3"),
    ("parquet", ".parquet", "application/vnd.apache.parquet"),
])
def test_export_bytes_is_the_file_for_the_dashboard(tmp_path, with_regions, fmt, suffix, mime):
    from geo.io.export import export_bytes

    shown = with_regions[with_regions.country == "Syria"]
    data, got_mime, got_suffix = export_bytes(shown, fmt)
    assert (got_mime, got_suffix) == (mime, suffix)
    path = write_events(shown, tmp_path / f"events{suffix}", fmt)
    if fmt in ("geojson", "csv", "csv-latlon"):
        assert data == path.read_bytes()
    else:
        downloaded = tmp_path / f"downloaded{suffix}"
        downloaded.write_bytes(data)
        again = gpd.read_parquet(downloaded) if fmt == "parquet" else gpd.read_file(downloaded)
        assert list(again.event_id_cnty) == list(shown.event_id_cnty) and again.crs.to_epsg() == 4326
    with pytest.raises(ExportError, match="'xlsx'"):
        export_bytes(shown, "xlsx")


def test_failed_parquet_write_leaves_the_old_file_intact(tmp_path, bundled):
    target = write_events(bundled, tmp_path / "events.parquet")
    before = target.read_bytes()
    broken = bundled.copy()
    broken["notes"] = [object()] * len(broken)
    with pytest.raises(Exception):
        write_events(broken, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["events.parquet"]


@pytest.mark.parametrize("fmt", ["parquet", "csv-latlon", "gpkg"])
def test_cli_export_writes_the_new_formats(tmp_path, fmt):
    from geo.cli import main

    out = tmp_path / f"june.{'csv' if fmt == 'csv-latlon' else fmt}"
    assert main(["export", "--start", "2021-06-01", "--end", "2021-06-30", "--format", fmt, "-o", str(out)]) == 0
    if fmt == "csv-latlon":
        assert "geometry_wkt" not in out.read_text().splitlines()[0]
    else:
        again = gpd.read_parquet(out) if fmt == "parquet" else gpd.read_file(out)
        assert len(again) == 3 and again.crs.to_epsg() == 4326


def _feature_by_feature(events) -> dict:
    """The GeoJSON document as GeoPandas writes it feature by feature: what the column-wise writer must equal."""
    from geo.io import export

    return json.loads(json.dumps(export._feature_collection(export._dates_as_text(events)), ensure_ascii=False,
                                 allow_nan=False, default=export._plain))


def test_column_wise_geojson_is_the_same_document_as_feature_by_feature(bundled):
    """Hostile text (quotes, backslashes, control characters, markup, line separators, astral characters),
    missing values of each type, whole and tiny floats, a polygon, an empty and a missing shape: the fast
    writer (used for every table in our schema) gives exactly the document the feature-by-feature one does."""
    import shapely

    from geo.io.export import _fast_geojson

    events = bundled.copy()
    events.loc[0, "notes"] = 'a "quoted" \\ back\\slash\ttab\nline\r\x00nul\x1f</script><b>&amp;'
    events.loc[1, "notes"] = "\u2028\u2029 \U0001F600 émoji — {{ jinja }} {% x %}"
    events.loc[2, "notes"] = None
    events.loc[3, "notes"] = ""
    events.loc[0, "fatalities"] = None
    events.loc[1, "radius_km"] = 15.0  # whole: still a float when read back
    events.loc[2, "radius_km"] = 1e-7
    events.loc[3, "geo_confidence"] = float("nan")
    events.loc[1, "geometry"] = resolve_mention("in Syria, near the Iraqi border").shape()
    events.loc[2, "geometry"] = shapely.Point()
    events.loc[3, "geometry"] = None
    events["other_flag"] = [True, False, None, True]
    events["other_flag"] = events["other_flag"].astype("boolean")
    fast = _fast_geojson(events)
    assert fast is not None
    assert json.loads(fast) == _feature_by_feature(events)
    assert json.loads(to_geojson(events)) == _feature_by_feature(events)
    radius = json.loads(fast)["features"][1]["properties"]["radius_km"]
    assert radius == 15.0 and isinstance(radius, float)


def test_geojson_of_a_column_of_lists_is_written_feature_by_feature(bundled):
    from geo.io.export import _fast_geojson

    events = bundled.copy()
    events["tags"] = [["a", 1], {"k": "v"}, None, "text"]
    assert _fast_geojson(events) is None
    assert json.loads(to_geojson(events)) == _feature_by_feature(events)


def test_geojson_refuses_an_infinite_number_as_before(bundled):
    events = bundled.copy()
    events.loc[0, "radius_km"] = float("inf")
    with pytest.raises(ValueError):
        to_geojson(events)



@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(texts=st.lists(st.one_of(st.none(), st.text()), min_size=4, max_size=4))
def test_column_wise_geojson_equals_feature_by_feature_for_any_text(bundled, texts):
    from geo.io.export import _fast_geojson

    events = bundled.copy()
    events["notes"] = texts
    events["location"] = list(reversed(texts))
    fast = _fast_geojson(events)
    expected = _feature_by_feature(events)
    if fast is not None:  # None only for text Arrow will not hold (a lone surrogate): written the other way
        assert json.loads(fast) == expected
    assert json.loads(to_geojson(events)) == expected


def test_the_geojson_download_is_the_file_written(bundled, tmp_path):
    from geo.io.export import export_bytes

    for events in (bundled, bundled.iloc[:0]):
        data, mime, suffix = export_bytes(events, "geojson")
        written = write_events(events, tmp_path / "events.geojson")
        assert data == written.read_bytes() == to_geojson(events).encode("utf-8")
        assert (mime, suffix) == ("application/geo+json", ".geojson")
        assert len(json.loads(data)["features"]) == len(events)


def test_a_table_read_back_from_parquet_in_chunks_is_written_the_same(bundled, tmp_path):
    """The parsed-events cache reads a million rows back as Arrow columns in several chunks (row groups):
    GeoJSON, downloads and the map's popup files come out exactly as from the table in one piece."""
    from geo.io.export import export_bytes
    from geo.web.mapping import DETAILS_DIR, publish_details, publish_events

    bundled.to_parquet(tmp_path / "chunked.parquet", row_group_size=1)
    chunked = gpd.read_parquet(tmp_path / "chunked.parquet")
    assert chunked["notes"].array._pa_array.num_chunks > 1
    assert to_geojson(chunked) == to_geojson(bundled)
    assert export_bytes(chunked, "geojson")[0] == export_bytes(bundled, "geojson")[0]
    one = publish_events(bundled, static_dir=tmp_path / "one")
    many = publish_events(chunked, static_dir=tmp_path / "many")
    publish_details(bundled, one, static_dir=tmp_path / "one")
    publish_details(chunked, many, static_dir=tmp_path / "many")
    read = lambda root, url: (root / url.removeprefix("/app/static/") / DETAILS_DIR / "details-0.json").read_bytes()
    assert read(tmp_path / "many", many) == read(tmp_path / "one", one)


@pytest.mark.parametrize("block", [None, 3])
def test_the_rows_needing_json_escapes_are_found_in_slices_and_not_in_missing_texts(monkeypatch, block):
    """The byte scan that picks the texts JSON must escape: right for a slice of a longer array (offsets not
    from 0), for a missing text whose slot still holds bytes, for characters beyond ASCII, and when the scan's
    blocks end inside a text."""
    import numpy as np
    import pyarrow as pa

    from geo.io import export
    from geo.io.export import _rows_holding

    if block:
        monkeypatch.setattr(export, "SCAN_BLOCK", block)

    texts = ["plain", 'a "quote"', "back\\slash", "tab\there", "", "émoji \U0001F600 — ״", None, "line\n", 'both"\x01']
    whole = pa.array(["lead\"\x02", *texts], type=pa.large_string())
    sliced = whole.slice(1)
    assert sliced.offset == 1
    expected_quote = [t is not None and ('"' in t or "\\" in t) for t in texts]
    expected_control = [t is not None and any(ord(c) < 0x20 for c in t) for t in texts]
    assert _rows_holding(sliced, "quote").tolist() == expected_quote
    assert _rows_holding(sliced, "control").tolist() == expected_control
    # A missing text whose slot holds '"x\n': the validity bitmap says missing, so it is not picked.
    offsets = np.array([0, 3, 5], dtype=np.int64)
    validity = pa.array([False, True]).buffers()[1]
    odd = pa.LargeStringArray.from_buffers(2, pa.py_buffer(offsets.tobytes()), pa.py_buffer(b'"x\nok'), validity,
                                           null_count=1)
    assert odd.to_pylist() == [None, "ok"]
    assert _rows_holding(odd, "quote").tolist() == [False, False]
    assert _rows_holding(odd, "control").tolist() == [False, False]
