"""Hostile input, property-based (hypothesis): whatever a file, a mention, a report or an upload holds,
strikemap answers or refuses it by name; it never crashes, hangs, or lets the data run as markup.

Each test states one promise and lets hypothesis look for a counter-example:

* importers and readers: a GeoDataFrame in our schema (every geometry on the Earth) or a
  ``StrikemapError`` whose message names the file, for mutated CSVs, random GeoJSON structures,
  random bytes and truncated valid files;
* ``resolve_mention``: a ``Resolution`` (placed on the Earth, or with a reason) for any text, fast;
* ``extract_events``: a GeoDataFrame or an ``ExtractError`` for any text and date;
* ``to_csv``: no cell a spreadsheet would run as a formula, the same rows when read back, and
  ``import csv`` gives back the text exactly;
* ``import_upload``: the uploaded name is never a path, and errors quote it;
* the map: text from the data reaches the page as data (escaped JSON, tooltips as text), never as
  markup or as a Jinja template.

Files are written under pytest's tmp_path (one fresh folder per example). Example counts keep the
whole file well under a minute on two cores; a failure prints the smallest input that shows it.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import functools
import datetime as dt
import html
import io
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
import tomllib
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from geo.store.datasets import DEFAULT_UPLOAD_MB, UPLOAD_SUFFIX, import_upload, list_datasets, save_import
from geo.store.event_store import open_store
from geo.errors import EventDataError, StrikemapError
from geo.io.events import SCHEMA, load_events
from geo.io.schema import SCHEMA as SCHEMA_COLUMNS
from geo.io.export import to_csv, to_geojson, write_events
from geo.reports.extract import MAX_REPORT_CHARS, ExtractError, extract_events
from geo.geocoding.resolve import resolve_mention
from geo.io.importers import IMPORT_FORMATS, import_with_summary
from geo.web.mapping import events_feature_group, publish_details, publish_events, read_core, read_details
from geo.geocoding.resolution import Resolution

from conftest import ROOT

# GDAL and GeoPandas say what they make of junk (NULL geometries, columns left as text): expected here.
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning:pyogrio"),
              pytest.mark.filterwarnings("ignore:Could not parse column:UserWarning"),
              pytest.mark.filterwarnings("ignore:GeoSeries.notna:UserWarning")]

DATA = ROOT / "tests" / "data"
SAMPLES = {"acled": DATA / "acled_sample.csv", "ucdp": DATA / "ucdp_sample.csv", "csv": ROOT / "data" / "events.csv"}
# The Hypothesis profile (tests/conftest.py): "ci" derandomized, "fuzz" random and scaled (`make fuzz`).
PROFILE = settings.get_current_profile_name()
# `STRIKEMAP_FUZZ_SCALE=10 make fuzz` looks ten times harder (minutes, not seconds); other runs keep the
# counts written here, so a derandomized CI run draws the same examples every time.
FUZZ_SCALE = float(os.environ.get("STRIKEMAP_FUZZ_SCALE") or 1) if PROFILE == "fuzz" else 1
HALF_EARTH_KM = 20_037.5  # no honest uncertainty radius is larger than half the circumference
# One mention takes ~1 ms once the index is open, a first border zone of a large country ~0.3 s; this bound
# (CPU time: the wall clock of a shared machine is no measure) catches a runaway.
MENTION_SECONDS = 1.0


def examples(count: int) -> int:
    return max(1, round(count * FUZZ_SCALE))


def wall_clock_limit(seconds: float) -> dt.timedelta | None:
    """A Hypothesis deadline (a hang guard), except under CI: there a loaded machine must not flip the verdict,
    and pytest-timeout (pytest.ini) still stops a hang."""
    return None if PROFILE == "ci" else dt.timedelta(seconds=seconds)


# File I/O makes examples slow-ish and the tmp_path fixture is shared by the examples of one test
# (each example makes its own folder in it).
FILE_SETTINGS = dict(deadline=wall_clock_limit(10),
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                            HealthCheck.data_too_large, HealthCheck.large_base_example])


def _table(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:4]  # a few rows: enough to mutate, cheap to geocode


TEMPLATES = {fmt: _table(path) for fmt, path in SAMPLES.items()}
KNOWN_COLUMNS = sorted({c for header, _ in TEMPLATES.values() for c in header} | set(SCHEMA) | {"geometry_wkt"})

# Cells a careless or hostile source writes: numbers out of range, non-numbers, separators, quotes,
# control and invisible characters, markup, formulas, WKT that is not, and plausible values.
SPECIAL_CELLS = [
    "", " ", "nan", "NaN", "NULL", "None", "inf", "-inf", "Infinity", "1e400", "-1e400", "1e20", "1e308",
    "99999999999999999999", "9223372036854775808", "-0", "0", "1", "2", "3", "4", "5", "7", "-1", "1.5", "0x10",
    "34.45", "40.92", "91", "-91", "181", "-181", "360", "40.92,34.45", "2021-02-25", "25 February 2021",
    "2021-02-30", "0000-00-00", "0001-01-01", "9999-12-31", "2021-02-25T00:00:00", "2021-02-25 25:61:00",
    "Abu Kamal", "Syria", "Iraq", "Deir ez Zor", "near Al-Qaim", "Vatican", "the Iraq–Syria border region", "Narnia",
    "Air/drone strike", '"', '""', "'", ",", ";", "\t", "\n", "\r\n", "\r", "\x00", "\x1b[31m", "\u200b",
    "\u202e", "\ufeff", "\u2028", "البوكمال", "=HYPERLINK(\"http://x\")", "@SUM(A1)", " -1+1",
    "<script>alert(1)</script>", "POINT (40.9 34.4)", "POINT (400 34)", "POINT (nan nan)", "POINT EMPTY",
    "POLYGON ((0 0, 1 1, 0 0))", "POLYGON ((0 0, 1 0, 1 1, 0 0))", "GEOMETRYCOLLECTION EMPTY", "x" * 300,
]
numbers_as_text = st.from_regex(r"-?\d{1,25}(\.\d{0,6})?([eE][+-]?\d{1,3})?", fullmatch=True)
cells = st.one_of(st.sampled_from(SPECIAL_CELLS), st.text(max_size=20), numbers_as_text, st.floats().map(repr))


@pytest.fixture(scope="module", autouse=True)
def warm_index():
    """Open the gazetteer (and the country outlines) once, so time bounds measure the work, not the start."""
    resolve_mention("Abu Kamal")
    resolve_mention("in Syria, near the Iraqi border")


@contextlib.contextmanager
def fresh_folder(tmp_path: Path):
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def outcome(text: str) -> None:
    """What happened, for ``--hypothesis-show-statistics`` (how many files got how far)."""
    try:
        event(text)
    except InvalidArgument:  # called from a plain test
        pass


def check_outcome(call, path: Path):
    """The promise for any file: our schema with every shape on the Earth, or our error naming the file."""
    try:
        result = call()
    except StrikemapError as exc:
        message = str(exc)
        assert message.strip(), "an error without a message"
        assert str(path) in message, f"the message does not name the file: {message!r}"
        message.encode("utf-8")  # shown by st.error, printed, logged: no lone surrogates from undecodable bytes
        outcome(f"refused: {re.sub(r'[0-9]+', 'N', message.replace(str(path), 'FILE'))[:50]}")
        return None
    events = result[0] if isinstance(result, tuple) else result
    assert isinstance(events, gpd.GeoDataFrame)
    assert list(events.columns[:len(SCHEMA)]) == SCHEMA
    assert events.crs is not None and events.crs.to_epsg() == 4326
    for column, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        values = pd.to_numeric(events[column], errors="coerce").dropna()
        assert values.between(low, high).all(), f"{column} off the Earth: {values.tolist()}"
    shapes = events.geometry[events.geometry.notna() & ~events.geometry.is_empty]
    for shape in shapes:
        minx, miny, maxx, maxy = shape.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90, f"a shape off the Earth: {shape.wkt[:80]}"
    for value in events["event_date"]:
        dt.date.fromisoformat(value)  # every kept row has a real date
    outcome(f"read: {'no' if events.empty else 'some'} rows")
    return events


# ------------------------------------------------------------------ CSV files


@st.composite
def csv_files(draw) -> bytes:
    """One of our sample tables (ACLED, UCDP GED, ours) with its header, cells, rows, separators, quoting,
    line ends and bytes mutated. Half the files are only lightly broken (a few cells), so that many get
    past the file checks into the row checks and the geocoder."""
    light = draw(st.booleans())
    header, rows = TEMPLATES[draw(st.sampled_from(sorted(TEMPLATES)))]
    picked = draw(st.lists(st.sampled_from(rows), min_size=0 if draw(st.integers(0, 7)) == 0 else 1, max_size=3))
    columns = [[name] + [row[i] if i < len(row) else "" for row in picked] for i, name in enumerate(header)]
    for _ in range(0 if light else draw(st.integers(0, 3))):  # header: drop, rename, duplicate or add a column
        operation = draw(st.sampled_from(["drop", "rename", "duplicate", "add"]))
        i = draw(st.integers(0, len(columns) - 1))
        if operation == "drop" and len(columns) > 1:
            columns.pop(i)
        elif operation == "rename":
            columns[i][0] = draw(st.one_of(st.sampled_from(KNOWN_COLUMNS), cells))
        elif operation == "duplicate":
            columns.insert(i, list(columns[i]))
        else:
            columns.insert(i, [draw(st.one_of(st.sampled_from(KNOWN_COLUMNS), cells))] + draw(
                st.lists(cells, min_size=len(picked), max_size=len(picked))))
    table = [list(row) for row in zip(*columns)]
    for _ in range(draw(st.integers(0, 2 if light else 6))):  # cells
        if len(table) > 1:
            row = draw(st.integers(1, len(table) - 1))
            table[row][draw(st.integers(0, len(table[row]) - 1))] = draw(cells)
    if not light and len(table) > 1 and draw(st.integers(0, 4)) == 0:  # a ragged row
        row = draw(st.integers(1, len(table) - 1))
        longer = draw(st.booleans())
        table[row] = table[row] + draw(st.lists(cells, min_size=1, max_size=3)) if longer else table[row][:-1]
    separator = draw(st.sampled_from([",", ";"] if light else [",", ",", ";", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if light or draw(st.integers(0, 3)):
        out = io.StringIO()
        csv.writer(out, delimiter=separator, lineterminator=newline).writerows(table)
        text = out.getvalue()
    else:  # no quoting at all: separators and line breaks inside cells break the rows
        text = newline.join(separator.join(row) for row in table) + newline
    text = ("\ufeff" if draw(st.integers(0, 5)) == 0 else "") + text
    if light:
        return text.encode("utf-8")
    data = text.encode(draw(st.sampled_from(["utf-8"] * 6 + ["cp1252", "utf-16"])), errors="replace")
    mutation = draw(st.sampled_from(["none", "none", "truncate", "splice"]))
    if mutation == "truncate":
        data = data[:draw(st.integers(0, len(data)))]
    elif mutation == "splice":
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    return data


@settings(max_examples=examples(100), **FILE_SETTINGS)
@given(data=csv_files(), fmt=st.sampled_from(["acled", "ucdp", "csv"]))
def test_mutated_csv_files_are_read_or_refused_by_name(tmp_path, data, fmt):
    with fresh_folder(tmp_path) as folder:
        path = folder / "events.csv"
        path.write_bytes(data)
        check_outcome(lambda: import_with_summary(fmt, path), path)
        check_outcome(lambda: import_with_summary(fmt, path, on_bad_rows="skip"), path)
        check_outcome(lambda: load_events(path), path)


@settings(max_examples=examples(40), **FILE_SETTINGS)
@given(latitude=st.one_of(st.floats(), st.floats(-1e6, 1e6)), longitude=st.one_of(st.floats(), st.floats(-1e6, 1e6)),
       fmt=st.sampled_from(["acled", "csv"]))
@example(latitude=34.45, longitude=400.0, fmt="acled")
@example(latitude=math.nan, longitude=40.9, fmt="csv")
def test_rows_with_coordinates_off_the_earth_are_never_placed(tmp_path, latitude, longitude, fmt):
    header, rows = TEMPLATES["acled"]
    row = dict(zip(header, rows[0]))
    row["latitude"], row["longitude"] = repr(latitude), repr(longitude)
    with fresh_folder(tmp_path) as folder:
        path = folder / "events.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([header, [row[c] for c in header]])
        events = check_outcome(lambda: import_with_summary(fmt, path), path)
        on_earth = -90 <= latitude <= 90 and -180 <= longitude <= 180
        assert events is None or on_earth, f"({latitude}, {longitude}) was accepted"


# ------------------------------------------------------------------ GeoJSON structures

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20), st.floats(), cells)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=8)
coordinates = st.one_of(st.floats(-180, 180), st.floats(), st.integers(-10**6, 10**6), json_values)
position = st.one_of(st.lists(coordinates, max_size=4), st.tuples(st.floats(-180, 180), st.floats(-90, 90)).map(list))
GEOMETRY_TYPES = ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                  "GeometryCollection", "Feature", "Blob"]
geometries = st.one_of(
    st.none(), json_values,
    st.fixed_dictionaries({"type": st.just("Point"), "coordinates": position}),
    st.fixed_dictionaries({"type": st.sampled_from(["LineString", "MultiPoint"]),
                           "coordinates": st.lists(position, max_size=4)}),
    st.fixed_dictionaries({"type": st.sampled_from(["Polygon", "MultiLineString"]),
                           "coordinates": st.lists(st.lists(position, max_size=5), max_size=2)}),
    st.fixed_dictionaries({"type": st.just("GeometryCollection"), "geometries": st.lists(json_values, max_size=2)}),
    st.fixed_dictionaries({"type": st.sampled_from(GEOMETRY_TYPES), "coordinates": json_values}),
)


@functools.cache
def geojson_features() -> list[dict]:
    """Valid features in our schema (a point and a region), for the strategies to break (made on first use:
    they need the gazetteer, which conftest checks at the session's start)."""
    events = load_events(SAMPLES["csv"]).head(2).copy()
    events.loc[events.index[1], "geometry"] = resolve_mention("in Syria, near the Iraqi border").shape()
    return json.loads(to_geojson(events))["features"]


@st.composite
def geojson_texts(draw, features) -> str:
    chosen = []
    for _ in range(draw(st.integers(0, 3))):
        feature = json.loads(json.dumps(draw(st.sampled_from(features))))
        properties = feature["properties"]
        for _ in range(draw(st.integers(0, 4))):
            key = draw(st.one_of(st.sampled_from(SCHEMA + ["geometry", "id", ""]), st.text(max_size=6)))
            if draw(st.integers(0, 3)) == 0:
                properties.pop(key, None)
            else:
                properties[key] = draw(st.one_of(cells, json_values))
        if draw(st.booleans()):
            feature["geometry"] = draw(geometries)
        if draw(st.integers(0, 5)) == 0:
            feature = draw(st.one_of(json_values, st.just({"type": "Feature", "properties": properties})))
        if draw(st.integers(0, 7)) == 0 and isinstance(feature, dict):
            feature["properties"] = draw(json_values)
        chosen.append(feature)
    shape = draw(st.sampled_from(["collection", "collection", "collection", "feature", "geometry", "junk"]))
    if shape == "collection":
        document = {"type": "FeatureCollection", "features": chosen}
        if draw(st.integers(0, 5)) == 0:
            document["crs"] = draw(st.one_of(json_values, st.sampled_from([
                {"type": "name", "properties": {"name": "EPSG:3857"}},
                {"type": "name", "properties": {"name": "EPSG:999999"}}])))
    elif shape == "feature":
        document = chosen[0] if chosen else {"type": "Feature"}
    elif shape == "geometry":
        document = draw(geometries)
    else:
        document = draw(json_values)
    text = json.dumps(document, allow_nan=True)  # NaN / Infinity tokens are not JSON, but files carry them
    if draw(st.integers(0, 5)) == 0:
        text = text[:draw(st.integers(1, max(1, len(text))))]
    return text


def point_geojson(**properties) -> str:
    """A FeatureCollection of one point feature with these properties (a pinned example's file)."""
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [40.92, 34.45]},
               "properties": {"event_id_cnty": "SYR1", "event_date": "2021-02-25", **properties}}
    return json.dumps({"type": "FeatureCollection", "features": [feature]})


geojson_documents = st.deferred(lambda: geojson_texts(geojson_features()))
# Files come from many tools: mostly UTF-8, some with a BOM, UTF-16 (Windows) or a legacy code page.
TEXT_ENCODINGS = ["utf-8"] * 5 + ["utf-8-sig", "utf-16", "utf-16-be", "cp1252"]


@settings(max_examples=examples(120), **FILE_SETTINGS)
@given(text=geojson_documents, encoding=st.sampled_from(TEXT_ENCODINGS))
# Issue 10: numbers written as text (GIS tools do), empty or words, were a TypeError in geodata_table.
@example(text=point_geojson(latitude="", longitude=""), encoding="utf-8")
@example(text=point_geojson(latitude="34.45", longitude="40.92", fatalities="3"), encoding="utf-8")
@example(text=point_geojson(latitude="north", longitude="east", fatalities="many"), encoding="utf-8")
@example(text=point_geojson(latitude="", longitude="40.92", fatalities=""), encoding="utf-8")
# make fuzz: a list as a feature's country (any JSON value can be a property) was unhashable in the swap check.
@example(text=point_geojson(country=[], latitude=34.45, longitude=40.92), encoding="utf-8")
@example(text=point_geojson(country={"name": "Syria"}, latitude=34.45, longitude=40.92), encoding="utf-8")
def test_random_geojson_is_read_or_refused_by_name(tmp_path, text, encoding):
    with fresh_folder(tmp_path) as folder:
        path = folder / "events.geojson"
        path.write_bytes(text.encode(encoding, errors="replace"))
        check_outcome(lambda: import_with_summary("geojson", path), path)
        check_outcome(lambda: import_with_summary("geojson", path, on_bad_rows="skip"), path)
        check_outcome(lambda: load_events(path), path)


@settings(max_examples=examples(60), **FILE_SETTINGS)
@given(text=geojson_documents, fmt=st.sampled_from(["gpkg", "parquet"]))
@example(text=point_geojson(latitude="", longitude="", fatalities=""), fmt="parquet")
@example(text=point_geojson(latitude="34.45", longitude="north", fatalities="3"), fmt="gpkg")
def test_random_tables_as_geopackage_and_geoparquet_are_read_or_refused_by_name(tmp_path, text, fmt):
    """The GeoJSON strategy's tables (properties of any type, numbers as text, odd shapes) carried into the
    binary formats by GeoPandas itself, as a GIS tool would write them."""
    with fresh_folder(tmp_path) as folder:
        source = folder / "source.geojson"
        source.write_text(text, encoding="utf-8")
        path = folder / f"events.{fmt}"
        try:
            table = gpd.read_file(source)
            table.to_file(path, layer="events") if fmt == "gpkg" else table.to_parquet(path)
        except Exception:  # no table GeoPandas can write: nothing to import (the GeoJSON test covers it)
            outcome("not a table GeoPandas writes")
            return
        check_outcome(lambda: import_with_summary(fmt, path), path)
        check_outcome(lambda: import_with_summary(fmt, path, on_bad_rows="skip"), path)
        if fmt == "gpkg":
            check_outcome(lambda: load_events(path), path)


@pytest.mark.parametrize("ids", [[[], []], [[1], {"a": 1}], [1, "1"], [None, "x"], [True, 1.5]])
def test_geojson_ids_of_any_json_type_are_checked_not_crashed_on(tmp_path, ids):
    """The shrunk form of a failure the property above found: a list as a GeoJSON id was unhashable."""
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [40.9, 34.4]},
                 "properties": {"event_id_cnty": i, "event_date": "2021-02-25"}} for i in ids]
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    check_outcome(lambda: import_with_summary("geojson", path), path)
    check_outcome(lambda: load_events(path), path)


@pytest.mark.parametrize("suffix, content", [
    (".csv", "event_id_cnty,event_date,latitude,longitude\nA1,,34.45,40.92\n"),
    (".geojson", point_geojson(event_date="")),
    (".geojson", point_geojson(event_date=None)),
    (".geojson", json.dumps({"type": "FeatureCollection", "features": [  # a feature without properties
        *json.loads(point_geojson())["features"],
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [40.92, 34.45]}}]})),
])
def test_a_missing_date_is_named_the_same_by_every_reader(tmp_path, suffix, content):
    """import and STRIKEMAP_EVENTS (load_events) say "event_date is empty", not the placeholder their reader
    left in the cell ('nan', 'NaT', 'None': values the file does not hold)."""
    path = tmp_path / f"events{suffix}"
    path.write_text(content, encoding="utf-8")
    for read in (lambda: import_with_summary(suffix[1:], path), lambda: load_events(path)):
        with pytest.raises(EventDataError) as refused:
            read()
        assert "event_date is empty" in str(refused.value), str(refused.value)
        check_outcome(read, path)


# ------------------------------------------------------------------ bytes: random and truncated

SUFFIX = {"acled": ".csv", "ucdp": ".csv", "csv": ".csv", "geojson": ".geojson", "gpkg": ".gpkg", "parquet": ".parquet"}
SIGNATURES = [b"", b"", b"{", b"[", b"\xef\xbb\xbf", b"\xff\xfe", b"PK\x03\x04", b"SQLite format 3\x00", b"PAR1",
              b"\x89PNG\r\n\x1a\n", b"%PDF", b"\x1f\x8b", b"event_id_cnty,event_date,latitude,longitude\n"]


@pytest.fixture(scope="module")
def valid_files(tmp_path_factory):
    """One valid file of each format (the bytes), for truncation."""
    folder = tmp_path_factory.mktemp("valid")
    events = load_events(SAMPLES["csv"])
    files = {fmt: path.read_bytes() for fmt, path in SAMPLES.items()}
    for fmt in ("geojson", "gpkg", "parquet"):
        files[fmt] = write_events(events, folder / f"events{SUFFIX[fmt]}", fmt).read_bytes()
    return files


@settings(max_examples=examples(100), **FILE_SETTINGS)
@given(fmt=st.sampled_from(sorted(IMPORT_FORMATS)), head=st.sampled_from(SIGNATURES), body=st.binary(max_size=600))
def test_random_bytes_are_refused_by_name(tmp_path, fmt, head, body):
    with fresh_folder(tmp_path) as folder:
        path = folder / f"events{SUFFIX[fmt]}"
        path.write_bytes(head + body)
        check_outcome(lambda: import_with_summary(fmt, path), path)
        if fmt in ("csv", "geojson", "gpkg"):
            check_outcome(lambda: load_events(path), path)


@settings(max_examples=examples(80), **FILE_SETTINGS)
@given(fmt=st.sampled_from(sorted(IMPORT_FORMATS)), data=st.data())
def test_truncated_valid_files_are_read_or_refused_by_name(tmp_path, valid_files, fmt, data):
    whole = valid_files[fmt]
    cut = data.draw(st.integers(1, len(whole) - 1), label="bytes kept")
    file_format = data.draw(st.sampled_from([fmt, fmt, *IMPORT_FORMATS]), label="read as")
    with fresh_folder(tmp_path) as folder:
        path = folder / f"events{SUFFIX[fmt]}"
        path.write_bytes(whole[:cut])
        check_outcome(lambda: import_with_summary(file_format, path), path)
        if fmt in ("csv", "geojson", "gpkg"):
            check_outcome(lambda: load_events(path), path)


# ------------------------------------------------------------------ the geocoder

PLACES = ["Abu Kamal", "Al-Bukamal", "Mosul", "Hit", "Rawa", "Deir ez-Zor", "Anbar province", "Syria", "Iraq",
          "Al-Qaim", "al-Tanf", "Damascus", "Fiji", "Samoa", "Kiribati", "Tuvalu", "Anadyr", "Chukotka", "Antarctica",
          "Narnia", "X", "", "Hīt", "البوكمال", "دير الزور", "Москва", "東京",
          # Natural Earth outlines that self-intersect (Germany, Russia ...) or are empty (the Vatican)
          "Germany", "Russia", "United States", "Canada", "Vatican"]
NUMBERS = ["0", "1", "10", "10.5", "1,5", "-5", "1e400", "999", "1001", "40075", "99999999999999999999", "½", "٣"]
hostile_words = st.sampled_from([
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200f", "\u202e", "\u061c", "\x00", "\x1b", "\r", "\n\n",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "&lt;b&gt;", "&#x3C;", "</", "'\"", "\\", "%s", "{0}",
    "near", "between", "and", "north of", "km", "miles", "SE of", "the", "border", "region", "countryside", ",",
])
mention_templates = st.one_of(
    st.builds(lambda n, unit, direction, place: f"{n} {unit} {direction} of {place}", st.sampled_from(NUMBERS),
              st.sampled_from(["km", "miles", "mi", "kilometres"]),
              st.sampled_from(["north", "SE", "north-west", "nnw", "East"]), st.sampled_from(PLACES)),
    st.builds(lambda a, b: f"between {a} and {b}", st.sampled_from(PLACES), st.sampled_from(PLACES)),
    st.builds(lambda a, b: f"the {a}–{b} border region", st.sampled_from(PLACES), st.sampled_from(PLACES)),
    st.builds(lambda side, place: f"{side} {place}",
              st.sampled_from(["near", "eastern", "northern", "outskirts of", "in the", "in Syria, near"]),
              st.sampled_from(PLACES)),
    st.builds(lambda a, b: f"{a}, {b}", st.sampled_from(PLACES), st.sampled_from(PLACES)),
)
mentions = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(min_codepoint=0x0590, max_codepoint=0x06FF)),  # Hebrew and Arabic, RTL
    mention_templates,
    st.lists(st.one_of(mention_templates, hostile_words, st.sampled_from(PLACES), st.text(max_size=8)),
             max_size=8).map(" ".join),
    st.builds(lambda word, n: word * n, st.sampled_from(["Abu Kamal ", "near ", "Al-", "\u200b", "x", "ß"]),
              st.integers(100, 5000)),
)


@settings(max_examples=examples(400), deadline=wall_clock_limit(5 * MENTION_SECONDS))  # a hang guard
# near: the point the rest of a file or report is around (resolve_mentions reads an archive this way).
@given(text=mentions, country=st.sampled_from([None, "IQ", "SY", "xx", ""]),
       near=st.one_of(st.none(), st.just((34.45, 40.92)), st.tuples(st.floats(-90, 90), st.floats(-180, 180))))
@example(text="99999999999999999999 km north of Mosul", country=None, near=None)
@example(text="1000000 miles SE of Hit", country=None, near=None)
@example(text="between Fiji and Samoa", country=None, near=None)
@example(text="eastern Germany", country=None, near=None)
@example(text="Vatican", country=None, near=None)
@example(text="Abu Kamal " * 100_000, country=None, near=None)  # a megabyte
@example(text="\ud800 Mosul \udfff", country=None, near=None)  # lone surrogates (a broken clipboard)
# make fuzz: a country without a point (the Vatican) read near another place was a TypeError in _near.
@example(text="BETWEEN AR:Qm AND VATICAN bETWEEN Ab", country=None, near=None)
@example(text="Vatican", country=None, near=(34.45, 40.92))
def test_resolve_mention_always_answers_in_time(text, country, near):
    started = time.process_time()
    found = resolve_mention(text, country=country, near_point=near)
    assert time.process_time() - started < MENTION_SECONDS
    assert isinstance(found, Resolution) and found.query == text
    if found.resolved:
        assert -90 <= found.lat <= 90 and -180 <= found.lon <= 180, (found.lat, found.lon)
        assert found.precision in (1, 2, 3) and found.source != "unresolved"
        assert found.radius_km is None or 0 <= found.radius_km <= HALF_EARTH_KM, found.radius_km
        shape = found.shape()
        assert shape is not None and not shape.is_empty
        minx, miny, maxx, maxy = shape.bounds
        assert -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90, shape.bounds
    else:
        assert isinstance(found.reason, str) and found.reason.strip()
    json.dumps(found.to_dict(), allow_nan=False)  # the CLI's JSON line


# ------------------------------------------------------------------ reports

REPORT_WORDS = ["US", "Israeli", "aircraft", "airstrikes", "a drone strike", "struck", "hit", "targeted", "killed",
                "killing", "at least", "two", "twenty-two", "a dozen", "fighters", "civilians", "facilities",
                "locations", "Abu Kamal", "Al-Qaim", "Deir ez-Zor", "in Syria", "in Iraq", "near",
                "the Iraq-Syria border",
                "yesterday", "last month", "last week", "on Sunday", "three days ago", "two days later", "in June",
                "June 0000", "on 31 February", "on 25 February 2021", "Published: 28 June 2021", ".", ",", "\n\n", "\"",
                "<p>", "</script>", "<script>alert(1)</script>", "&amp;", "&#0;", "\u200b", "\u202e", "\x00"]
report_numbers = st.sampled_from(["0", "1", "99", "1,200", "100000", "99999999999999999999", "1e400"])
report_phrases = st.one_of(
    st.sampled_from(REPORT_WORDS),
    st.builds(lambda n, what, where: f"airstrikes hit {n} {what} in {where}", report_numbers,
              st.sampled_from(["locations", "facilities", "targets"]), st.sampled_from(["Syria", "Iraq", "Narnia"])),
    st.builds(lambda n: f"killed {n} fighters", report_numbers),
    st.builds(lambda n: f"{n} days ago", report_numbers),
    st.text(max_size=15),
)
reports = st.one_of(st.text(max_size=300), st.lists(report_phrases, max_size=40).map(" ".join))


@settings(max_examples=examples(150), deadline=wall_clock_limit(10),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(text=reports, report_date=st.one_of(st.none(), st.dates()))
@example(text="US airstrikes hit Mosul yesterday.", report_date=dt.date.min)
@example(text="US airstrikes hit Mosul tomorrow, and again two days later.", report_date=dt.date.max)
@example(text="US airstrikes killed 99999999999999999999 in Mosul.", report_date=dt.date(2021, 6, 28))
@example(text="US airstrikes hit 99999999999999999999 locations in Syria.", report_date=dt.date(2021, 6, 28))
@example(text="x" * (MAX_REPORT_CHARS + 1), report_date=None)
def test_extract_events_proposes_or_refuses(text, report_date):
    try:
        events = extract_events(text, report_date)
    except ExtractError as exc:
        assert str(exc).strip()
        return
    assert isinstance(events, gpd.GeoDataFrame) and events.crs.to_epsg() == 4326
    assert list(events.columns[:len(SCHEMA)]) == SCHEMA
    for value in events["event_date"].dropna():
        dt.date.fromisoformat(value)


# ------------------------------------------------------------------ CSV export

# Free text columns: the schema's text and links (not dates, not coded columns such as geo_status).
TEXT_COLUMNS = [c.name for c in SCHEMA_COLUMNS if c.type in ("text", "url") and not c.codes]
# What spreadsheet apps run as a formula: a cell starting with = + - @ (also after leading spaces, tabs or
# line breaks, which they skip), or with a tab or carriage return.
FORMULA_PREFIXES = ["", " ", "  ", "\t", "\r", "\n", "\r\n", " \t", "\u00a0", "\u3000", "'", "''", "' ", "'\t"]
text_cells = st.one_of(
    st.text(max_size=12),
    st.builds(lambda before, sign, rest: before + sign + rest, st.sampled_from(FORMULA_PREFIXES),
              st.sampled_from(list("=+-@")), st.text(max_size=8)),
    st.sampled_from(SPECIAL_CELLS),
)


def runs_as_formula(cell: str) -> bool:
    return cell[:1] in ("\t", "\r") or cell.lstrip()[:1] in ("=", "+", "-", "@")


def events_table(rows: list[dict]):
    frame = pd.DataFrame(rows, columns=TEXT_COLUMNS)
    frame["event_date"] = "2021-06-27"
    frame["latitude"], frame["longitude"] = 34.45, 40.92
    points = gpd.points_from_xy(frame.longitude, frame.latitude)
    # Every other column of the schema (numbers, codes) blank.
    return gpd.GeoDataFrame(frame.reindex(columns=SCHEMA), geometry=points, crs="EPSG:4326")


@settings(max_examples=examples(100), deadline=wall_clock_limit(5))
@given(rows=st.lists(st.fixed_dictionaries({c: text_cells for c in TEXT_COLUMNS}), min_size=1, max_size=4),
       wkt=st.booleans())
@example(rows=[{c: "a\rb" for c in TEXT_COLUMNS}], wkt=True)  # a bare CR ends a row for most CSV readers
@example(rows=[{c: " =1+1" for c in TEXT_COLUMNS}], wkt=False)
def test_csv_export_neutralises_formulas_and_keeps_every_row(rows, wkt):
    events = events_table(rows)
    text = to_csv(events, wkt=wkt)
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert len(back) == len(events)
    with io.StringIO(text, newline="") as fh:
        assert len(list(csv.reader(fh))) == len(events) + 1
    for column in TEXT_COLUMNS:
        for value, cell in zip(events[column], back[column]):
            assert not runs_as_formula(cell), f"{column}: {cell!r} would run as a formula"
            value = value.replace("\x00", "\ufffd")  # a NUL is no text (geo.io.export)
            assert cell in (value, "'" + value), f"{column}: {value!r} came out as {cell!r}"


@settings(max_examples=examples(40), **FILE_SETTINGS)
@given(rows=st.lists(st.fixed_dictionaries({c: text_cells for c in TEXT_COLUMNS
                                            if c not in ("event_id_cnty", "country")}), min_size=1, max_size=3))
@example(rows=[{c: "'=x" for c in TEXT_COLUMNS}])  # text that already looks guarded
def test_csv_export_imports_back_with_the_same_text(tmp_path, rows):
    rows = [{**row, "event_id_cnty": f"E{n}", "country": ""} for n, row in enumerate(rows)]
    events = events_table(rows)
    with fresh_folder(tmp_path) as folder:
        path = write_events(events, folder / "events.csv")
        again = import_with_summary("csv", path)[0]
    assert len(again) == len(events)
    for column in TEXT_COLUMNS:
        if column != "geocoder":  # the importer says the row was placed by its given coordinates
            assert again[column].tolist() == events[column].str.replace("\x00", "\ufffd").tolist(), column


# ------------------------------------------------------------------ uploads

UPLOAD_NAMES = ["../../etc/passwd", "../../../../../../tmp/evil.csv", "/etc/passwd", "{root}/outside/evil.csv",
                "{root}/outside", "..", ".", "", " ", "a/../../b.csv", "C:\\Windows\\win.ini",
                "\\\\server\\share\\x.csv",
                "evil\x00.csv", "\x00", "~/.bashrc", "/dev/null", "NUL", "con.csv", "%2e%2e%2fetc%2fpasswd",
                "<script>alert(1)</script>.csv", "'; DROP TABLE events; --.csv", "x" * 300, "\u202egpj.csv",
                "\ud800.csv"]
upload_names = st.one_of(st.sampled_from(UPLOAD_NAMES), st.text(max_size=30),
                         st.builds(lambda depth, tail: "../" * depth + tail, st.integers(1, 8), st.text(max_size=10)))


@contextlib.contextmanager
def sandbox(folder: Path):
    """Temporary files, the working directory and the event store all inside ``folder``."""
    (folder / "tmp").mkdir()
    work = folder / "cwd" / "a" / "b" / "c" / "d" / "e" / "f" / "g" / "h"  # deep: "../" * 8 stays inside
    work.mkdir(parents=True)
    saved = (tempfile.tempdir, os.getcwd())
    tempfile.tempdir = str(folder / "tmp")
    os.chdir(work)
    try:
        yield folder / "store"
    finally:
        tempfile.tempdir = saved[0]
        os.chdir(saved[1])


@pytest.fixture(scope="module")
def upload_samples(valid_files):
    """Small valid files (a header and two rows), so each example imports fast."""
    small = {fmt: b"\n".join(valid_files[fmt].splitlines()[:3]) + b"\n" for fmt in ("acled", "ucdp", "csv")}
    return {**small, "geojson": valid_files["geojson"], "gpkg": valid_files["gpkg"], "parquet": valid_files["parquet"]}


@settings(max_examples=examples(40), **FILE_SETTINGS)
@given(name=upload_names, fmt=st.sampled_from(sorted(UPLOAD_SUFFIX)), data=st.data())
@example(name="../../etc/passwd", fmt="acled", data=None)
def test_uploaded_names_are_never_paths(tmp_path, upload_samples, name, fmt, data):
    draw = data.draw if data is not None else (lambda strategy, label=None: upload_samples["acled"])
    content = draw(st.one_of(st.just(upload_samples[fmt]), st.sampled_from(sorted(upload_samples.values())),
                             st.binary(max_size=200)), label="bytes")
    with fresh_folder(tmp_path) as folder, sandbox(folder) as store_folder:
        name = name.replace("{root}", str(folder))
        try:
            events, summary = import_upload(content, name, fmt)
        except EventDataError as exc:
            message = str(exc)
            event("upload refused")
            assert repr(name) in message, f"the message does not quote the upload's name: {message!r}"
            assert "strikemap-upload-" not in message and "upload." not in message.replace(repr(name), "")
        else:
            event(f"upload imported: {'no' if events.empty else 'some'} rows")
            assert summary.path == name
            if len(events):
                with open_store(store_folder / "store.sqlite") as store:
                    dataset = save_import(store, events, name, fmt)
                    assert dataset.key in list_datasets(store) and dataset.path is None
                    # The data set's name is tamed (no path separators, no control characters) ...
                    # (the marks geo.store.datasets keeps: "Kata'ib, 2021 (draft).csv" reads as written)
                    assert re.fullmatch(r"[\w.,()' :-]+", dataset.store_name), dataset.store_name
                    # ... and the change's comment quotes the name as given.
                    assert repr(name) in store.changes(limit=1)["comment"].iloc[0]
        assert not any((folder / "tmp").iterdir()), "the scratch copy was left behind"
        assert not (folder / "outside").exists()
        written = [p for p in folder.rglob("*") if p.is_file()]
        assert all(p.parent == store_folder for p in written), written


def test_upload_limit_is_streamlits_and_the_importers_agree():
    """The dashboard refuses what Streamlit would not send (server.maxUploadSize, in MiB), and the importer
    behind it does not refuse, for size, anything the upload limit lets through."""
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == DEFAULT_UPLOAD_MB


@settings(max_examples=examples(10), **FILE_SETTINGS)
@given(pad=st.integers(0, 2000))
def test_an_upload_at_the_limit_is_imported_and_one_byte_more_is_refused(tmp_path, upload_samples, pad):
    header, row = upload_samples["acled"].splitlines()[:2]
    data = header + b"\n" + row.replace(b",Political violence,", b",Political violence" + b" " * pad + b",") + b"\n"
    with fresh_folder(tmp_path) as folder, sandbox(folder):
        limit_mb = len(data) / 1024 / 1024  # Streamlit's megabytes are MiB
        events, _ = import_upload(data, "acled.csv", "acled", max_mb=limit_mb)
        assert len(events) == 1
        with pytest.raises(EventDataError, match="'acled.csv'"):
            import_upload(data, "acled.csv", "acled", max_mb=(len(data) - 1) / 1024 / 1024)


# ------------------------------------------------------------------ the map: data, never markup

markup = st.one_of(
    st.sampled_from(["</script><script>alert(1)</script>", "<img src=x onerror=alert(2)>", "<!--", "]]>", "&lt;b&gt;",
                     "&amp;", "\u2028\u2029", "\"'`", "${alert(3)}", "{{ this }}", "{% raw %}", "javascript:alert(4)",
                     "<svg/onload=alert(5)>", "\\u003c", "\x00", "\u202e"]),
    st.text(alphabet="<>&\"'/\\ =abcs!-", max_size=20),
    st.text(max_size=20),
)


@settings(max_examples=examples(30), **FILE_SETTINGS)
@given(ids=st.lists(markup, min_size=1, max_size=4, unique=True), text=markup)
@example(ids=["{{ 7*7 }}", "{% raw %}", "{#"], text="{{ lipsum }}")  # Jinja: branca compiles rendered macros again
def test_data_text_reaches_the_map_as_data_never_as_markup(tmp_path, ids, text):
    import streamlit_folium

    from geo.web.mapping import base_map

    rows = [{c: text for c in TEXT_COLUMNS} | {"event_id_cnty": i} for i in ids]
    events = events_table(rows)
    with fresh_folder(tmp_path) as folder:
        url = publish_events(events, static_dir=folder)
        group = events_feature_group(events, events, url, focus_id=ids[0])
        fmap = base_map(None, dataset_url=url)
        script = streamlit_folium._get_feature_group_string(group, fmap)  # what the dashboard sends
        # The component argument carries no markup from the data: only escaped JSON.
        for chars in ("<", ">", "&", "\u2028", "\u2029"):
            assert chars not in script, f"{chars!r} in the feature group script"
        page = fmap.get_root().render()  # the whole figure (folium's save, notebooks) renders the layer again
        for code in (script, page):
            options = json.loads(re.search(r"StrikemapEvents\.draw\([^,]+, (\{.*\})\);", code).group(1))
            assert options["focus"] == ids[0]
        # The published files are JSON data that decode to the very same text.
        published = folder / url.removeprefix("/app/static/")
        core = read_core(published)
        assert publish_details(events, url, static_dir=folder)
        details = read_details(published)
        assert core["ids"] == ids
        assert [d["notes"] for d in details] == [text] * len(ids)
        assert [d["location_mention"] for d in details] == [text] * len(ids)


NODE = shutil.which("node")


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@settings(max_examples=examples(15), deadline=None)
@given(ids=st.lists(markup, min_size=1, max_size=4, unique=True))
@example(ids=['<img src=x onerror="window.__xss=1">', "&lt;b&gt;", "  padded  "])
def test_event_ids_reach_tooltips_and_clicks_as_text(ids):
    """events.js gives Leaflet (tooltips) and streamlit-folium (clicks) the id as escaped HTML: both set it
    with innerHTML, so a raw id would run as markup. Run in node with Leaflet and the DOM stubbed."""
    harness = ROOT / "tests" / "js" / "events_harness.js"
    core = {"ids": ids, "precision": [1] * len(ids), "radius": [None] * len(ids), "lat": [34.4] * len(ids),
            "lon": [40.9] * len(ids), "outlines": {}}
    mask = base64.b64encode(bytes([0xFF]) * (len(ids) // 8 + 1)).decode()
    result = subprocess.run([NODE, str(harness), str(ROOT / "geo" / "web" / "js" / "events.js"), json.dumps(core), mask],
                            capture_output=True, text=True, timeout=30, check=True)
    seen = json.loads(result.stdout)
    for kind in ("tooltips", "clicks"):  # SVG layers' tooltips; the canvas layer's click report
        assert len(seen[kind]) == len(ids), (kind, seen)
        for shown, wanted in zip(seen[kind], ids):
            assert "<" not in shown and ">" not in shown, (kind, shown)
            assert html.unescape(shown) == wanted, (kind, shown, wanted)
