"""The event table: schema, checking rows, placing them, filtering.

One row per event, ACLED's column names wherever ACLED has one (so ACLED
exports load as they are), plus what ACLED lacks: the place mention as written
(``location_mention``), ``radius_km``, ``fatalities_min``/``fatalities_max``
with ``fatalities_sources``, ``source_url`` and the ``geocoder`` stage that
placed the row. ``check_events`` checks a raw table (bad cells become ``RowProblem``s),
``place_events`` turns it into a GeoDataFrame in EPSG:4326 whose geometry is the
resolution's: a point for a town, a polygon for a region. Files are read by
``geo.io.read.read_events``; ``load_events(path)`` is its strict form.

Dates stay ISO strings (YYYY-MM-DD): they sort and compare correctly as text,
and JSON writers need no conversion.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from ..errors import EventDataError, RowProblem
from ..geocoding.resolve import resolve_mentions
from ..geocoding.resolution import Resolution
from .schema import (CODED_COLUMNS, COLUMNS, FLOAT_COLUMNS, INTEGER_COLUMNS, MAX_WHOLE_NUMBER, REQUIRED,  # noqa: F401
                     cast_columns, to_wgs84)

# The schema is declared in geo.io.schema; these names stay importable from here.
SCHEMA = COLUMNS
MAX_ERRORS_SHOWN = 10
# Our CSV export carries each row's shape (a region's polygon) as WKT in this column; reading it back keeps it.
GEOMETRY_WKT = "geometry_wkt"
# A point this close to its named country (degrees, ~50 km) fits it: borders are drawn at 1:10m scale and
# sources place border events on either side.
COUNTRY_SLACK_DEG = 0.5


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == ""


def parse_date(value) -> str:
    """An ISO date from YYYY-MM-DD (with or without a time), ACLED's "25 February 2021", or a date object."""
    if isinstance(value, (dt.date, pd.Timestamp)) and not pd.isna(value):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d-%B-%Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    try:  # ISO date-times from GIS files: "2021-02-25T00:00:00", "2021-02-25 00:00:00+00:00"
        return dt.datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def _event_id(frame: pd.DataFrame, index) -> str:
    event_id = frame.at[index, "event_id_cnty"] if "event_id_cnty" in frame else ""
    return "" if _is_blank(event_id) else str(event_id)


def row_label(frame: pd.DataFrame, index: int, unit: str) -> str:
    """"row 4 (SYR1)": CSV rows count the header line; features count from 1."""
    return RowProblem("", index, unit, "", None, "", _event_id(frame, index)).label


# Number text Arrow's parser reads exactly as pandas' does: at most 15 digits (so one correctly rounded step
# from an exact whole number, as both parsers take it), no exponent, no spaces. Any other text is pandas'.
_PLAIN_NUMBER = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"
_PLAIN_NUMBER_CHARS = 15


def _numbers(values: pd.Series) -> pd.Series:
    """``pd.to_numeric(values, errors="coerce")`` as floats. Plain decimals (nearly every cell of a real file)
    are parsed by Arrow, column-wise: at 1,000,000 rows pandas' row-by-row parse took ~2.4 s of the ~5 s check.
    Whole numbers up to 15 digits are exact as floats; longer ones are pandas' (so 2**53 + 1 stays too large)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(values, from_pandas=True)
        if not pa.types.is_string(text.type) and not pa.types.is_large_string(text.type):
            raise TypeError(text.type)
        plain = pc.and_(pc.match_substring_regex(text, _PLAIN_NUMBER),
                        pc.less_equal(pc.utf8_length(text), _PLAIN_NUMBER_CHARS)).fill_null(False)
        parsed = pc.cast(pc.if_else(plain, text, pa.scalar(None, text.type)), pa.float64())
    except (pa.ArrowException, TypeError, ValueError):  # numbers already, objects from a GeoJSON: pandas'
        return pd.to_numeric(values, errors="coerce").astype(float)
    numbers = parsed.to_numpy(zero_copy_only=False)  # null (not plain) -> NaN
    rest = np.flatnonzero(~plain.to_numpy(zero_copy_only=False) & values.notna().to_numpy())
    if len(rest):
        numbers[rest] = pd.to_numeric(values.iloc[rest], errors="coerce").astype(float).to_numpy()
    return pd.Series(numbers, index=values.index)


def _blank(series: pd.Series) -> pd.Series:
    return series.isna() | (series.astype(str).str.strip() == "")


def _parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(ISO date strings, error messages) for a column: fast for ISO dates, row by row for the rest."""
    iso = pd.to_datetime(values.where(~_blank(values)).astype(str), format="%Y-%m-%d", errors="coerce")
    dates = iso.dt.strftime("%Y-%m-%d").astype(object).where(iso.notna(), None)
    problems = pd.Series(None, index=values.index, dtype=object)
    # A missing date in the words of the file, not of the reader: each leaves its own placeholder (CSV import
    # '', STRIKEMAP_EVENTS 'nan', GeoJSON 'NaT'), and "'NaT' is not a date" names nothing the file holds.
    blank = _blank(values)
    for index in values.index[iso.isna()]:
        if blank[index]:
            problems[index] = "is empty (expected a date, YYYY-MM-DD)"
            continue
        try:
            dates[index] = parse_date(values[index])
        except ValueError as exc:
            problems[index] = str(exc)
    return dates, problems


def check_events(frame: pd.DataFrame, origin: str, unit: str = "row",
                 column_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, list[RowProblem]]:
    """Check and normalise a raw event table: (normalised copy, one RowProblem per bad cell).

    The index is the row's position in the file (0-based, header not counted), so a table that was
    filtered first still names its rows as the file numbers them. Bad cells are left blank in the
    copy. ``origin`` is the file's name as a person knows it. ``column_names`` says how the file names
    our columns (an importer's mapping), so problems quote the file's own column. Missing columns are
    not a row problem: they raise EventDataError.
    Column-wise (100,000 rows in about a second); messages are built only for the rows that fail.
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    has_place = "location_mention" in frame.columns or {"latitude", "longitude"} <= set(frame.columns)
    if missing or not has_place:
        need = missing + ([] if has_place else ["location_mention (or latitude and longitude)"])
        raise EventDataError(f"missing column(s) {', '.join(need)}; found {', '.join(map(str, frame.columns))}",
                             file=origin)
    frame = frame.copy()
    for column in SCHEMA:
        if column not in frame.columns:
            frame[column] = None
    names = column_names or {}
    problems: list[RowProblem] = []

    def name(column: str) -> str:
        return names.get(column, column)

    def problem(index, column: str, value, reason: str) -> RowProblem:
        return RowProblem(origin, index, unit, column, value, reason, _event_id(frame, index))

    def complain(mask: pd.Series, column: str, message) -> None:
        for index in frame.index[mask.fillna(False).astype(bool)]:
            problems.append(problem(index, name(column), frame.at[index, column], message(index)))

    dates, date_problems = _parse_dates(frame["event_date"])
    complain(date_problems.notna(), "event_date", lambda i: f"{name('event_date')} {date_problems[i]}")
    # Each number column as parsed, its bad cells blank. Every cell that is no usable number is reported here,
    # quoting the file's own value, before geo.io.schema.cast_columns gives each column its type.
    numbers = {}
    for column in INTEGER_COLUMNS:
        raw = frame[column]
        number = _numbers(raw.where(~_blank(raw)))
        # "1e20" is whole, but no Int64 holds it: a count that large is a typo.
        too_large = number > MAX_WHOLE_NUMBER
        bad = ~_blank(raw) & (number.isna() | (number < 0) | (number % 1 != 0) | too_large)
        complain(bad, column, lambda i, c=column, big=too_large: f"{name(c)} {frame.at[i, c]!r} is " + (
            f"more than {MAX_WHOLE_NUMBER:,}" if big[i] else "not a whole number >= 0"))
        numbers[column] = number.where(~bad)
    ints = cast_columns(pd.DataFrame(numbers))
    for column, codes in CODED_COLUMNS.items():
        # Whole-number codes as parsed above; text codes (geo_status) as written. Blank is allowed.
        values = ints[column] if column in ints else frame[column].where(~_blank(frame[column]))
        wrong = (values.notna() & ~values.isin(list(codes))).fillna(False)
        *first, last = map(str, codes)
        allowed = f"{', '.join(first)} or {last}"
        complain(wrong, column, lambda i, c=column, a=allowed, v=values:
                 f"{name(c)} must be {a}, not " + (repr(v[i]) if isinstance(v[i], str) else str(v[i])))
        if column in ints:
            ints[column] = values.where(~wrong)
        else:
            frame[column] = values.mask(wrong)
    low, high = ints["fatalities_min"], ints["fatalities_max"]
    complain(low.notna() & high.notna() & (low > high), "fatalities_min",
             lambda i: f"{name('fatalities_min')} {low[i]} is more than {name('fatalities_max')} {high[i]}")
    for column in FLOAT_COLUMNS:  # latitude and longitude are checked together, below
        if column not in ("latitude", "longitude"):
            raw = frame[column]
            numbers[column] = _numbers(raw.where(~_blank(raw)))
            bad = ~_blank(raw) & numbers[column].isna()
            complain(bad, column, lambda i, c=column: f"{name(c)} {frame.at[i, c]!r} is not a number")
    confidence = numbers["geo_confidence"]
    outside = confidence.notna() & ~confidence.between(0, 1)
    complain(outside, "geo_confidence", lambda i: f"{name('geo_confidence')} {frame.at[i, 'geo_confidence']!r} "
                                                  "is not a number from 0 to 1")
    numbers["geo_confidence"] = confidence.mask(outside)
    given = ~_blank(frame["latitude"]) | ~_blank(frame["longitude"])
    lat = _numbers(frame["latitude"].where(given))
    lon = _numbers(frame["longitude"].where(given))
    on_earth = lat.between(-90, 90) & lon.between(-180, 180)
    where = f"{name('latitude')}/{name('longitude')}"
    for index in frame.index[given & ~on_earth]:
        pair = (frame.at[index, "latitude"], frame.at[index, "longitude"])
        for message in _coordinate_errors(*pair):
            problems.append(problem(index, where, pair, message))
    for index in frame.index[_swapped_for_country(frame["country"], lat, lon, given & on_earth)]:
        problems.append(problem(index, where, (lat[index], lon[index]),
                                f"latitude {lat[index]}, longitude {lon[index]} lie outside "
                                f"{frame.at[index, 'country']} but inside it when swapped ({where} swapped?)"))
    if GEOMETRY_WKT in frame.columns:
        for index, message in _wkt_errors(frame[GEOMETRY_WKT]):
            problems.append(problem(index, GEOMETRY_WKT, frame.at[index, GEOMETRY_WKT], message))
    complain(_blank(frame["latitude"]) & _blank(frame["location_mention"]), "location_mention",
             lambda i: f"no {name('location_mention')} and no coordinates: nothing says where it happened")
    ids = frame["event_id_cnty"]
    # Compared as the text they are kept as: a GeoJSON id can be a list or an object (unhashable), or 1 and "1".
    keys = ids.where(_blank(ids), ids.astype(str))
    repeated = keys.duplicated() & ~_blank(ids)
    # Where each repeated id first appears (built only for those ids: a dict of every row costs 1.5 s a million).
    first_row = ({} if not repeated.any() else
                 {value: index for index, value in keys[~repeated & keys.isin(keys[repeated])].items()})
    complain(repeated, "event_id_cnty",
             lambda i: f"{name('event_id_cnty')} {ids[i]!r} appears more than once "
                       f"(first at {unit} {problem(first_row[keys[i]], '', None, '').row})")
    bad_coordinates = [p.index for p in problems if p.column == where]
    off = lat.index.isin(bad_coordinates)
    numbers["latitude"], numbers["longitude"] = lat.mask(off), lon.mask(off)
    frame["event_date"] = dates
    frame[list(numbers)] = pd.DataFrame(numbers, index=frame.index)
    frame[INTEGER_COLUMNS] = ints
    return cast_columns(frame), sorted(problems, key=lambda p: p.index)


def _coordinate_errors(lat, lon) -> list[str]:
    if _is_blank(lat) and _is_blank(lon):
        return []
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError):
        return [f"latitude/longitude {lat!r}, {lon!r} are not numbers"]
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        hint = " (latitude and longitude swapped?)" if -90 <= lon <= 90 and -180 <= lat <= 180 else ""
        return [f"coordinates latitude={lat}, longitude={lon} are outside the Earth{hint}"]
    return []


def _swapped_for_country(countries: pd.Series, lat: pd.Series, lon: pd.Series, usable: pd.Series) -> pd.Series:
    """Rows whose point lies away from their named country but inside it with latitude and longitude swapped.

    Only a swap that fits is reported: a point merely outside its country (a border event, a disputed
    area) is the source's word and stays. Countries the gazetteer does not know are not checked.
    """
    import numpy as np
    import shapely

    from ..geocoding.gazetteer import load_gazetteer
    from ..geocoding.regions import country_geometry

    swapped = pd.Series(False, index=countries.index)
    # As text: a GeoJSON property can be a list or an object, which groupby cannot hash (a TypeError).
    named = countries[usable & ~_blank(countries)].astype(str)
    if named.empty:
        return swapped
    gazetteer = load_gazetteer()
    for country, rows in named.groupby(named).groups.items():
        code = gazetteer.country_code(country)
        outline = country_geometry(code, gazetteer) if code else None
        if outline is None:
            continue
        shapely.prepare(outline)
        x, y = lon[rows].to_numpy(float), lat[rows].to_numpy(float)
        # Points inside fit: only the others are made into points and measured (most rows of a file are inside).
        fits = shapely.contains_xy(outline, x, y)
        away = np.flatnonzero(~fits)
        fits[away] = shapely.dwithin(outline, shapely.points(x[away], y[away]), COUNTRY_SLACK_DEG)
        swapped[rows] = ~fits & shapely.contains_xy(outline, y, x)
    return swapped


def _wkt_errors(texts: pd.Series) -> list[tuple[int, str]]:
    """(row, message) for cells of ``geometry_wkt`` that are not WKT or lie off the Earth."""
    import shapely

    present = texts[~_blank(texts)]
    shapes = shapely.from_wkt(present.astype(str).to_numpy(), on_invalid="ignore")
    errors = []
    for index, text, shape in zip(present.index, present, shapes):
        if shape is None:
            errors.append((index, f"{GEOMETRY_WKT} {str(text)[:40]!r} is not WKT"))
        elif not shape.is_empty:
            errors.extend((index, message) for message in _bounds_errors(shape.bounds))
    return errors


def resolution_columns(found: Resolution) -> dict:
    """The event columns a resolution fills (ACLED's country is a name, not a code)."""
    from ..geocoding.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    names = [gazetteer.country(c).name if gazetteer.country(c) else c for c in (found.country or "").split("/") if c]
    return dict(
        country="/".join(names), admin1=found.admin1 or "", location=found.name or "",
        latitude=found.lat, longitude=found.lon, geo_precision=found.precision,
        radius_km=found.radius_km,
        geocoder=found.source + (f"; warning: {found.warning}" if found.warning else ""),
        geo_confidence=found.score, geo_status=found.status,
    )


def place_events(frame: pd.DataFrame, progress=None, queries: pd.Series | None = None,
                 keep_columns: bool = False):
    """Checked table (``check_events``) -> GeoDataFrame (EPSG:4326), one geometry per row.

    A row's shape is its ``geometry_wkt`` (our CSV export) when it has one, else its coordinates, else
    what the geocoder makes of its mention: ``queries`` (the text to geocode, by row; default
    ``location_mention``). Unresolved rows are kept, with no geometry and the reason in ``geocoder``:
    nothing is dropped silently. ``keep_columns`` keeps the table's other columns after ours (importers);
    the index is kept, so callers can still name rows as the file numbers them.
    ``progress(done, total)`` is called as rows are geocoded (the dashboard shows it with st.progress).
    """
    import geopandas as gpd
    import shapely

    others = [c for c in frame.columns if c not in SCHEMA + [GEOMETRY_WKT, "geometry"]] if keep_columns else []
    placed = frame[SCHEMA + others].copy()  # in their types already (check_events)
    given = placed["latitude"].notna() & placed["longitude"].notna()
    shapes = pd.Series(None, index=placed.index, dtype=object)
    shapes[given] = list(gpd.points_from_xy(placed.loc[given, "longitude"], placed.loc[given, "latitude"]))
    if GEOMETRY_WKT in frame.columns:
        drawn = ~_blank(frame[GEOMETRY_WKT])
        shapes[drawn] = list(shapely.from_wkt(frame.loc[drawn, GEOMETRY_WKT].astype(str).to_numpy()))
        given |= drawn
    placed.loc[given & (placed["geocoder"] == ""), "geocoder"] = "given coordinates"
    placed.loc[given & placed["geo_precision"].isna(), "geo_precision"] = 1
    to_place = placed.index[~given]
    texts = (placed["location_mention"] if queries is None else queries).loc[to_place]
    # The file's mentions are read together: an ambiguous name is read in the countries the others are in.
    answers = resolve_mentions(texts.fillna("").astype(str).tolist(), progress=progress)
    for index, found in zip(to_place, answers):
        if found.resolved:
            for column, value in resolution_columns(found).items():
                placed.at[index, column] = value
            shapes[index] = found.shape()
        else:
            placed.at[index, "geocoder"] = f"unresolved: {found.reason}"
            placed.at[index, "geo_status"] = found.status
    return gpd.GeoDataFrame(placed, geometry=list(shapes), crs="EPSG:4326").set_index(placed.index)


def load_events(path: Path | str, progress=None):
    """The events of a file that must be whole (a store's seed, a benchmark's input, a test): refused, with
    every bad row listed, if any row is bad. ``geo.io.read.read_events`` reads it, as every file is read;
    the dashboard and ``build``/``export`` call that with ``on_bad_rows="skip"`` to set bad rows aside."""
    from .read import read_events

    return read_events(path, progress=progress)[0]


def geodata_table(table, origin: str):
    """A GeoJSON/GeoPackage/GeoParquet table in our schema -> (table in EPSG:4326, problems).

    A shape off the Earth (usually lat, lon order) or of a kind that is not one place or area (a
    GeometryCollection) is a problem. A row without latitude/longitude gets its shape's point (a
    representative point for a region), so the table can be checked like a CSV; coordinates written as
    text ("34.4", "") are left to ``check_events``, which reads or reports them. Regions stay polygons.
    Column-wise: a 100,000-feature file takes no Python loop over its rows.
    """
    import shapely

    table = to_wgs84(table).copy()
    shapes = table.geometry.array
    present = ~(shapes.isna() | shapes.is_empty)
    bounds = pd.DataFrame(shapes.bounds, columns=["minx", "miny", "maxx", "maxy"], index=table.index)
    off_earth = present & ((bounds.minx < -180) | (bounds.maxx > 180) | (bounds.miny < -90) | (bounds.maxy > 90))
    collection = present & (table.geometry.geom_type == "GeometryCollection")

    def problem(index, reason: str) -> RowProblem:
        return RowProblem(origin, index, "feature", "geometry", shapes[table.index.get_loc(index)].wkt[:60],
                          reason, _event_id(table, index))

    problems = [problem(i, message) for i in table.index[off_earth] for message in _bounds_errors(
        tuple(bounds.loc[i]))]
    problems += [problem(i, "a GeometryCollection: give each event one point, line or area")
                 for i in table.index[collection]]
    for column in ("latitude", "longitude"):
        if column not in table:
            table[column] = None
    # Missing when blank in both ways a file writes it: null, or text of spaces only.
    missing = table["latitude"].isna() | (table["latitude"].astype(str).str.strip() == "")
    fill = missing & present & ~off_earth & ~collection
    if fill.any():
        # A point is its own point on surface; a region's is a representative point inside it.
        coordinates = shapely.get_coordinates(shapely.point_on_surface(shapes[fill.to_numpy()].to_numpy()))
        table["latitude"] = table["latitude"].astype(object)
        table["longitude"] = table["longitude"].astype(object)
        table.loc[fill, "latitude"] = coordinates[:, 1]
        table.loc[fill, "longitude"] = coordinates[:, 0]
    return table, problems


def geodata_events(frame, keep_columns: bool = False):
    """A checked geodata table (``geodata_table`` then ``check_events``) -> GeoDataFrame in our schema."""
    import geopandas as gpd

    others = [c for c in frame.columns if c not in SCHEMA and c != frame.geometry.name] if keep_columns else []
    return gpd.GeoDataFrame(frame[SCHEMA + others], geometry=list(frame.geometry), crs="EPSG:4326",
                            index=frame.index)


def _bounds_errors(bounds) -> list[str]:
    minx, miny, maxx, maxy = bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        swapped = -90 <= minx and maxx <= 90 and -180 <= miny and maxy <= 180
        hint = " (coordinates in lat, lon order? GeoJSON is lon, lat)" if swapped else ""
        return [f"coordinates outside the Earth, bounds {bounds}{hint}"]
    return []


def date_span(gdf) -> tuple[dt.date, dt.date] | None:
    """The first and last event dates, or None for an empty table."""
    dates = gdf["event_date"].dropna()
    if dates.empty:
        return None
    return dt.date.fromisoformat(dates.min()), dt.date.fromisoformat(dates.max())
