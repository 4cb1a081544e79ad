"""Exports: RFC 7946 GeoJSON, CSV without formula injection, GeoPackage; atomic writes."""

import json

import geopandas as gpd
import pytest

from geo.errors import ExportError
from geo.events import filter_events, load_events
from geo.export import to_csv, to_geojson, write_events
from geo.geocode import resolve_mention

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
    june = filter_events(bundled, "2021-06-01", "2021-06-30")
    data = json.loads(to_geojson(june))
    assert {f["properties"]["event_date"] for f in data["features"]} == {"2021-06-27"}
    assert len(data["features"]) == 3
