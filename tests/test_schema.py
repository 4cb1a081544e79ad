"""The one declared event schema (geo/io/schema.py) and everything derived from it."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from conftest import ROOT
from geo.io import schema
from geo.io.events import check_events, load_events
from geo.io.schema import (EDIT_FIELDS, EDITABLE, GEO_PRECISION, POPUP_FIELDS, SCHEMA, TABLE_COLUMNS, TIME_PRECISION,
                           cast_columns, to_wgs84)


def test_derived_lists_follow_the_declared_columns():
    names = [c.name for c in SCHEMA]
    assert names[:16] == ["event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type", "actor1",
                          "actor2", "country", "admin1", "location", "latitude", "longitude", "geo_precision",
                          "source", "notes", "fatalities"]  # ACLED's own, in ACLED's order, first
    assert all(c.acled for c in SCHEMA[:16]) and not any(c.acled for c in SCHEMA[16:])
    assert len(set(names)) == len(names)
    assert schema.REQUIRED == ["event_id_cnty", "event_date"]
    assert {"time_precision", "geo_precision", "fatalities", "fatalities_min", "fatalities_max"} <= set(
        schema.INTEGER_COLUMNS)
    assert {"latitude", "longitude", "radius_km"} <= set(schema.FLOAT_COLUMNS)
    numbers = set(schema.INTEGER_COLUMNS + schema.FLOAT_COLUMNS)
    assert not {"event_id_cnty", "event_date", "notes", "source_url"} & numbers
    assert sorted(schema.INTEGER_COLUMNS + schema.FLOAT_COLUMNS + schema.TEXT_COLUMNS) == sorted(names)
    # Positions, not schema order: the place as written sits beside what it resolved to.
    assert TABLE_COLUMNS[:4] == ["event_id_cnty", "event_date", "location_mention", "location"]
    assert [f[0] for f in POPUP_FIELDS][:3] == ["event_id_cnty", "location_mention", "location"]
    assert list(EDIT_FIELDS) == EDITABLE
    assert EDIT_FIELDS["event_date"] == "Date (YYYY-MM-DD)"
    assert EDIT_FIELDS["time_precision"] == "Date precision (1 day, 2 week, 3 month)"


def test_a_column_of_an_unknown_type_is_refused_when_declared():
    with pytest.raises(ValueError, match="column wind: unknown type 'number'"):
        schema.Column("wind", "number", "Wind", "wind speed")


def test_the_precision_codes_are_declared_once():
    from geo.geocoding.resolution import PRECISION_NEAR, PRECISION_REGION, PRECISION_TOWN
    from geo.reports.dates import PRECISION_DAY, PRECISION_MONTH, PRECISION_WEEK
    from geo.web.mapping import PRECISION_STYLE

    assert (PRECISION_TOWN, PRECISION_NEAR, PRECISION_REGION) == tuple(GEO_PRECISION) == (1, 2, 3)
    assert (PRECISION_DAY, PRECISION_WEEK, PRECISION_MONTH) == tuple(TIME_PRECISION) == (1, 2, 3)
    # The map's legend says what the codes mean in the schema's words.
    assert all(style["label"].startswith(GEO_PRECISION[code]) for code, style in PRECISION_STYLE.items())
    assert schema.GEO_PRECISION_LABELS[2] == "2 · near a town or a small area"


def test_check_events_refuses_a_code_the_schema_does_not_declare():
    frame = pd.DataFrame([{"event_id_cnty": "A", "event_date": "2021-02-25", "latitude": "34.4", "longitude": "40.9",
                           "time_precision": "4", "geo_precision": "1"}])
    _, problems = check_events(frame, "f.csv")
    assert [p.column for p in problems] == ["time_precision"]
    assert "time_precision must be 1, 2 or 3, not 4" in problems[0].message


# ------------------------------------------------------------------ cast_columns


def test_cast_columns_reads_numbers_written_as_text_and_blanks():
    frame = pd.DataFrame({
        "fatalities": ["3", " 4 ", "", None, "2.0"],
        "radius_km": ["15", "", None, " 2.5", "1e1"],
        "notes": ["a", "", None, 7, float("nan")],
        "event_date": ["2021-02-25", None, "", "2021-06-27", None],
        "not_ours": pd.Series(["x", "", None, "3", "y"], dtype=object),
    })
    cast = cast_columns(frame)
    assert str(cast["fatalities"].dtype) == "Int64"
    assert cast["fatalities"].tolist()[:2] == [3, 4] and cast["fatalities"][4] == 2
    assert cast["fatalities"][[2, 3]].isna().all()
    assert cast["radius_km"].dtype == float
    assert cast["radius_km"].tolist()[0] == 15.0 and cast["radius_km"][3] == 2.5 and cast["radius_km"][4] == 10.0
    assert cast["radius_km"][[1, 2]].isna().all()
    assert cast["notes"].tolist() == ["a", "", "", "7", ""]  # text: blanks are "", numbers their text
    assert cast["event_date"].tolist() == ["2021-02-25", "", "", "2021-06-27", ""]
    assert cast["not_ours"].tolist() == ["x", "", None, "3", "y"]  # others are left as they are
    assert frame["fatalities"][0] == "3"  # a copy: the caller's table is unchanged


def test_cast_columns_blanks_what_is_no_usable_number():
    frame = pd.DataFrame({"fatalities": ["many", "1.5", "1e20", "-2"], "latitude": ["north", "34.4", "", None]})
    cast = cast_columns(frame)
    assert cast["fatalities"].isna().tolist() == [True, True, True, False]  # -2 is a number: check_events judges it
    assert cast["latitude"].isna().tolist() == [True, False, True, True]


def test_check_events_reports_every_bad_number_the_cast_would_blank():
    rows = [{"event_id_cnty": "A", "event_date": "2021-02-25", "latitude": "34.4", "longitude": "40.9",
             "fatalities": "many", "radius_km": "wide"},
            {"event_id_cnty": "B", "event_date": "2021-02-25", "latitude": "", "longitude": "",
             "location_mention": "Abu Kamal", "fatalities": " 3 ", "radius_km": "", "geo_precision": "2"}]
    checked, problems = check_events(pd.DataFrame(rows), "f.csv")
    assert sorted((p.index, p.column) for p in problems) == [(0, "fatalities"), (0, "radius_km")]
    messages = " ".join(p.message for p in problems)
    assert "fatalities 'many' is not a whole number" in messages and "radius_km 'wide' is not a number" in messages
    # The checked table is typed: the good row's text numbers are numbers, blanks are blank.
    assert str(checked["fatalities"].dtype) == "Int64" and checked.at[1, "fatalities"] == 3
    assert checked["latitude"].dtype == float and checked.at[0, "latitude"] == 34.4
    assert pd.isna(checked.at[1, "latitude"]) and checked.at[1, "notes"] == ""


def test_a_geojson_with_numbers_as_text_loads(tmp_path):
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [40.92, 34.45]},
         "properties": {"event_id_cnty": "A", "event_date": "2021-02-25", "latitude": "", "longitude": "",
                        "fatalities": "4", "geo_precision": "1", "radius_km": ""}}]}), encoding="utf-8")
    events = load_events(path)
    assert events.at[0, "fatalities"] == 4 and events.at[0, "latitude"] == pytest.approx(34.45)
    assert events.at[0, "geo_precision"] == 1 and pd.isna(events.at[0, "radius_km"])


# ------------------------------------------------------------------ to_wgs84


def test_to_wgs84_reprojects_only_what_is_elsewhere():
    abu_kamal = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(40.92, 34.45)], crs="EPSG:4326")
    web_mercator = abu_kamal.to_crs(3857)
    assert web_mercator.geometry[0].x > 1000  # metres
    moved = to_wgs84(web_mercator)
    assert moved.crs.to_epsg() == 4326
    assert moved.geometry[0].x == pytest.approx(40.92) and moved.geometry[0].y == pytest.approx(34.45)
    already = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(40.9, 34.4)], crs="EPSG:4326")
    assert to_wgs84(already) is already
    naive = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(40.9, 34.4)])
    assert to_wgs84(naive) is naive


# ------------------------------------------------------------------ where the schema is shown


def test_the_store_table_has_a_column_of_the_schema_type_for_each_schema_column():
    import sqlalchemy as sa

    from geo.store.event_store import EVENTS

    expected = {"integer": sa.Integer, "float": sa.Float}
    for column in SCHEMA:
        assert isinstance(EVENTS.c[column.name].type, expected.get(column.type, sa.Text)), column.name


def test_the_review_table_offers_the_editable_columns_and_the_evidence():
    from geo.reports.extract import AUDIT_COLUMNS, extract_events
    from geo.reports.review import review_table

    report = "On 27 June 2021 US aircraft struck two facilities near Abu Kamal, killing four fighters."
    table = review_table(extract_events(report, dt.date(2021, 6, 28), source="r.txt"))
    columns = list(table.columns)
    assert columns[:3] == ["check", "accept", "event_id_cnty"]  # "check": the needs-review marker
    assert columns[3:3 + len(EDITABLE)] == EDITABLE
    assert set(AUDIT_COLUMNS) <= set(columns) and "geocoder" in columns


def layer_options(group) -> dict:
    """The options the map's events layer hands to geo/web/js/events.js."""
    (layer,) = group._children.values()
    return json.loads(layer.options_json)


def test_popup_fields_reach_the_javascript_and_the_published_data(tmp_path):
    from geo.web.mapping import events_feature_group, publish_details, publish_events, read_details

    events = load_events(ROOT / "data" / "events.csv")
    url = publish_events(events, static_dir=tmp_path)
    options = layer_options(events_feature_group(events, events, url))
    assert options["fields"] == [list(f) for f in POPUP_FIELDS]
    assert publish_details(events, url, static_dir=tmp_path)
    details = read_details(tmp_path / url.removeprefix("/app/static/"))
    first = details[0]
    assert set(first) == {f[0] for f in POPUP_FIELDS}
    assert first["event_id_cnty"] == "SM-SYR-2021-0001"
    assert first["location_mention"] == "a border control point near Abu Kamal"
    assert first["event_date"] == "2021-02-25 (day)"
    assert first["geo_precision"] == "2 (near a town or a small area), ±15 km"
    assert re.fullmatch(r"\d+–\d+", first["fatalities"])  # the reported range


def test_popup_table_shows_ranges_and_leaves_out_what_is_unknown():
    from geo.web.mapping import popup_table

    frame = cast_columns(pd.DataFrame({c.name: [None, None, None] for c in SCHEMA}))
    frame["event_date"] = ["2021-02-01", "2021-02-25", ""]
    frame["time_precision"] = pd.array([3, None, None], dtype="Int64")
    frame["fatalities"] = pd.array([2, 5, None], dtype="Int64")
    frame["fatalities_min"] = pd.array([2, None, 4], dtype="Int64")
    frame["fatalities_max"] = pd.array([9, None, 4], dtype="Int64")
    frame["geo_precision"] = pd.array([3, 1, None], dtype="Int64")
    frame["radius_km"] = [120.5, None, 3.0]
    shown = popup_table(frame)
    assert shown["event_date"].tolist() == ["2021-02-01 (month)", "2021-02-25", ""]
    assert shown["fatalities"].tolist() == ["2–9", "5", "4"]
    assert shown["geo_precision"].tolist() == ["3 (region), ±120.5 km", "1 (named town or site)", None]
    assert shown["notes"].tolist() == ["", "", ""]  # nothing to show: events.js leaves the line out


def test_the_dashboard_table_and_edit_form_come_from_the_schema():
    source = (ROOT / "dashboard.py").read_text(encoding="utf-8")
    # Imported, never written out again in the page.
    assert re.search(r"^from geo\.io\.schema import .*\bEDIT_FIELDS\b.*\bTABLE_COLUMNS\b", source, re.M)
    assert not re.search(r"^(TABLE_COLUMNS|EDIT_FIELDS|PRECISION_LABELS)\s*=", source, re.M)


def test_the_readme_holds_exactly_the_generated_schema_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- schema table:[^\n]*-->\n(.*?)<!-- end of schema table -->", readme, re.S)
    assert found, "the README's schema table markers are missing"
    generated = subprocess.run([sys.executable, "-m", "geo", "schema", "--markdown"], cwd=ROOT, check=True,
                               capture_output=True, text=True).stdout
    assert found.group(1) == generated, "README's schema table is stale: paste `python -m geo schema --markdown`"
    assert generated.count("\n") == len(SCHEMA) + 2


def test_schema_json_lists_every_column():
    result = subprocess.run([sys.executable, "-m", "geo", "schema", "--json"], cwd=ROOT, check=True,
                            capture_output=True, text=True)
    columns = json.loads(result.stdout)
    assert [c["name"] for c in columns] == [c.name for c in SCHEMA]
    assert columns[2]["codes"] == {"1": "day", "2": "week", "3": "month"}


# ------------------------------------------------------------------ one line adds a column everywhere

# Run in a fresh interpreter: geo/io/schema.py is read, ONE line is added to SCHEMA, and the module is
# installed before anything imports it, exactly as if the line were in the file. Nothing else changes.
THROWAWAY = r'''
import json, re, sys, tempfile, types
from pathlib import Path

import geo.io

path = Path("geo/io/schema.py")
source = path.read_text(encoding="utf-8")
line = '    Column("demo_aircraft", "integer", "Aircraft (demo)", "how many aircraft struck", table=99, popup=99),\n'
end_of_schema = "\n)\n\nBY_NAME = "  # the new column becomes SCHEMA's last
assert source.count(end_of_schema) == 1
source = source.replace(end_of_schema, "\n" + line.rstrip("\n") + end_of_schema)
module = types.ModuleType("geo.io.schema")
module.__file__ = str(path)
sys.modules["geo.io.schema"] = module
exec(compile(source, str(path), "exec"), module.__dict__)

import pandas as pd
from streamlit.testing.v1 import AppTest

from geo.io.events import load_events
from geo.io.export import to_csv, to_geojson
from geo.store.event_store import EVENTS, open_store
from geo.web.mapping import events_feature_group, publish_details, publish_events, read_details

out = {}
scratch = Path(tempfile.mkdtemp())
frame = pd.read_csv("data/events.csv", dtype=str, keep_default_na=False)
frame["demo_aircraft"] = ["2", " 3 ", "", "1"]  # numbers written as text, and a blank
frame.to_csv(scratch / "events.csv", index=False)
events = load_events(scratch / "events.csv")
out["loaded"] = [None if pd.isna(v) else int(v) for v in events["demo_aircraft"]]
out["dtype"] = str(events["demo_aircraft"].dtype)
frame.loc[0, "demo_aircraft"] = "two"
frame.to_csv(scratch / "bad.csv", index=False)
try:
    load_events(scratch / "bad.csv")
except Exception as exc:
    out["refused"] = str(exc)

store = open_store(sys.argv[1])  # made before the column was added
store.import_events(events, "with demo_aircraft", dataset="a")
out["old_events_kept"] = len(store.events("bundled"))
out["store_type"] = str(EVENTS.c["demo_aircraft"].type)
stored = store.events("a")
out["stored"] = [None if pd.isna(v) else int(v) for v in stored["demo_aircraft"]]
store.update("SM-SYR-2021-0001", {"demo_aircraft": "4"}, expected_version=1, comment="c", author="t", dataset="a")
out["edited"] = int(store.events("a").set_index("event_id_cnty").at["SM-SYR-2021-0001", "demo_aircraft"])

url = publish_events(events, static_dir=scratch / "static")
group = events_feature_group(events, events, url)
(layer,) = group._children.values()
out["popup_fields"] = json.loads(layer.options_json)["fields"]
publish_details(events, url, static_dir=scratch / "static")
details = read_details(scratch / "static" / url.removeprefix("/app/static/"))
out["popup_values"] = [d["demo_aircraft"] for d in details]

geojson = json.loads(to_geojson(events))
out["geojson"] = [f["properties"]["demo_aircraft"] for f in geojson["features"]]
out["csv_header"] = to_csv(events).splitlines()[0].split(",")

import os
os.environ["STRIKEMAP_EVENTS"] = str(scratch / "events.csv")
app = AppTest.from_file("dashboard.py", default_timeout=120)
app.session_state["map_drawn"] = True  # the whole page, as after the map's first draw (PageState.first_draw)
app.run()
out["app_exception"] = [str(e) for e in app.exception]
out["table_columns"] = list(app.dataframe[0].value.columns)
print(json.dumps(out))
'''


def test_one_added_schema_line_reaches_store_table_popup_and_exports(tmp_path):
    from geo.store.event_store import open_store, seed

    with open_store(tmp_path / "old-store.sqlite") as old:  # a store of today's schema, with events in it
        seed(old, author="t")
    env = {**os.environ, "STRIKEMAP_DB": str(tmp_path / "app-store.sqlite"), "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", THROWAWAY, str(tmp_path / "old-store.sqlite")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["loaded"] == [2, 3, None, 1] and out["dtype"] == "Int64"  # cast like every integer column
    assert "row 2 (SM-SYR-2021-0001): demo_aircraft 'two' is not a whole number" in out["refused"]  # checked too
    assert out["store_type"] == "INTEGER" and out["stored"] == [2, 3, None, 1] and out["edited"] == 4
    assert out["old_events_kept"] == 4  # the older store gained the column and kept its events
    assert out["popup_fields"][-1] == ["demo_aircraft", "Aircraft (demo)", "integer"]
    assert out["popup_values"] == [2, 3, None, 1]
    assert out["geojson"] == [2, 3, None, 1]
    assert out["csv_header"][-2:] == ["demo_aircraft", "geometry_wkt"]  # in schema order: the last column
    assert out["app_exception"] == []
    assert out["table_columns"][-1] == "demo_aircraft"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_events_js_shows_the_schema_popup_fields_in_order():
    """events.js's popup in node (DOM stubbed): one line per non-empty field, labels from the schema."""
    from geo.web.mapping import popup_table

    events = load_events(ROOT / "data" / "events.csv")
    events.loc[0, "source_url"] = "https://example.org/report?id=1"
    events.loc[0, "source"] = ""
    details = popup_table(events).iloc[0].to_dict()
    lines = _popup_lines(details)
    labels = [line.split(": ", 1)[0] for line in lines]
    assert labels == [label for name, label, _ in POPUP_FIELDS if details[name] not in (None, "")]
    assert "Source" not in labels  # empty: left out
    assert lines[0] == "Event id: SM-SYR-2021-0001"
    assert "Place as written: a border control point near Abu Kamal" in lines
    assert "Precision: 2 (near a town or a small area), ±15 km" in lines
    assert lines[-1] == "Source link: [https://example.org/report?id=1](https://example.org/report?id=1)"
    # Only a web address becomes a link.
    assert _popup_lines({**details, "source_url": "javascript:alert(1)"})[-1] == "Source link: javascript:alert(1)"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_a_popup_opened_before_its_details_are_written_says_so_then_fills():
    """The map is drawn before the popup fields are written (geo.web.mapping.publish_details): a popup opened
    then says they are being prepared and fetches nothing, and fills when the next draw says they are there."""
    from geo.web.mapping import popup_table

    details = popup_table(load_events(ROOT / "data" / "events.csv")).iloc[0].to_dict()
    seen = _popup_lines(details, late=True)
    assert seen["before"]["text"] == "Details are being prepared\u2026"
    assert seen["before"]["fetched"] == ["/x/core.json.gz"]  # no request for files not there yet (no 404)
    assert seen["lines"] == _popup_lines(details)
    assert seen["fetched"][-1] == "/x/details/details-0.json"


def _popup_lines(details: dict, late: bool = False):
    harness = ROOT / "tests" / "js" / "popup_harness.js"
    result = subprocess.run([shutil.which("node"), str(harness), str(ROOT / "geo" / "web" / "js" / "events.js"),
                             json.dumps(POPUP_FIELDS), json.dumps(details, default=str)] + (["late"] if late else []),
                            capture_output=True, text=True, timeout=30, check=True)
    return json.loads(result.stdout)
