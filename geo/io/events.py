"""The event table: schema, loading and validating files, geocoding, filtering.

One row per event, ACLED's column names wherever ACLED has one (so ACLED
exports load as they are), plus what ACLED lacks: the place mention as written
(``location_mention``), ``radius_km``, ``fatalities_min``/``fatalities_max``
with ``fatalities_sources``, ``source_url`` and the ``geocoder`` stage that
placed the row. ``load_events(path)`` returns a GeoDataFrame in EPSG:4326 whose
geometry is the resolution's: a point for a town, a polygon for a region.

Dates stay ISO strings (YYYY-MM-DD): they sort and compare correctly as text,
and JSON writers need no conversion.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import EventDataError
from ..geocoding.resolve import resolve_mentions
from ..geocoding.resolution import Resolution

SCHEMA = [
    "event_id_cnty", "event_date", "time_precision", "event_type", "sub_event_type",
    "actor1", "actor2", "country", "admin1", "location", "latitude", "longitude",
    "geo_precision", "source", "notes", "fatalities",
    # strikemap's own columns
    "location_mention", "region_mention", "radius_km", "fatalities_min", "fatalities_max",
    "fatalities_sources", "source_url", "geocoder",
]
REQUIRED = ["event_id_cnty", "event_date"]
INTEGER_COLUMNS = ["time_precision", "geo_precision", "fatalities", "fatalities_min", "fatalities_max"]
PRECISION_CODES = {1, 2, 3}
MAX_WHOLE_NUMBER = 2 ** 53  # the largest whole number a float (how pandas parses the cell) holds exactly
MAX_ERRORS_SHOWN = 10
# Our CSV export carries each row's shape (a region's polygon) as WKT in this column; reading it back keeps it.
GEOMETRY_WKT = "geometry_wkt"
# A point this close to its named country (degrees, ~50 km) fits it: borders are drawn at 1:10m scale and
# sources place border events on either side.
COUNTRY_SLACK_DEG = 0.5


@dataclass(frozen=True)
class RowProblem:
    """One bad row: ``index`` is its 0-based data row in the file, ``column`` the file's column that is wrong,
    ``message`` the full sentence ("row 4 (SYR1): event_date '30/02/2021' is not a date ...")."""

    index: int
    column: str
    message: str


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


def row_label(frame: pd.DataFrame, index: int, unit: str) -> str:
    event_id = frame.at[index, "event_id_cnty"] if "event_id_cnty" in frame else ""
    # CSV rows count the header line; features count from 1.
    number = index + 2 if unit == "row" else index + 1
    return f"{unit} {number}" + (f" ({event_id})" if not _is_blank(event_id) else "")


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
            problems[index] = "is empty (expected YYYY-MM-DD)"
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
    copy. ``column_names`` says how the file names our columns (an importer's mapping), so messages
    quote the file's own column. Missing columns are not a row problem: they raise EventDataError.
    Column-wise (100,000 rows in about a second); messages are built only for the rows that fail.
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    has_place = "location_mention" in frame.columns or {"latitude", "longitude"} <= set(frame.columns)
    if missing or not has_place:
        need = missing + ([] if has_place else ["location_mention (or latitude and longitude)"])
        raise EventDataError(f"{origin}: missing column(s) {', '.join(need)}; found {', '.join(map(str, frame.columns))}")
    frame = frame.copy()
    for column in SCHEMA:
        if column not in frame.columns:
            frame[column] = None
    names = column_names or {}
    problems: list[RowProblem] = []

    def name(column: str) -> str:
        return names.get(column, column)

    def complain(mask: pd.Series, column: str, message) -> None:
        for index in frame.index[mask.fillna(False).astype(bool)]:
            problems.append(RowProblem(index, name(column), f"{row_label(frame, index, unit)}: {message(index)}"))

    dates, date_problems = _parse_dates(frame["event_date"])
    complain(date_problems.notna(), "event_date", lambda i: f"{name('event_date')} {date_problems[i]}")
    ints = {}
    for column in INTEGER_COLUMNS:
        raw = frame[column]
        number = pd.to_numeric(raw.where(~_blank(raw)), errors="coerce")
        # "1e20" is whole, but no Int64 holds it (the cast below would raise): a count that large is a typo.
        too_large = number > MAX_WHOLE_NUMBER
        bad = ~_blank(raw) & (number.isna() | (number < 0) | (number % 1 != 0) | too_large)
        complain(bad, column, lambda i, c=column, big=too_large: f"{name(c)} {frame.at[i, c]!r} is " + (
            f"more than {MAX_WHOLE_NUMBER:,}" if big[i] else "not a whole number >= 0"))
        ints[column] = number.where(~bad).astype("Int64")
    for column in ("time_precision", "geo_precision"):
        wrong = ints[column].notna() & ~ints[column].isin(PRECISION_CODES)
        complain(wrong, column, lambda i, c=column: f"{name(c)} must be 1, 2 or 3, not {ints[c][i]}")
        ints[column] = ints[column].where(~wrong.fillna(False))
    low, high = ints["fatalities_min"], ints["fatalities_max"]
    complain(low.notna() & high.notna() & (low > high), "fatalities_min",
             lambda i: f"{name('fatalities_min')} {low[i]} is more than {name('fatalities_max')} {high[i]}")
    given = ~_blank(frame["latitude"]) | ~_blank(frame["longitude"])
    lat = pd.to_numeric(frame["latitude"].where(given), errors="coerce")
    lon = pd.to_numeric(frame["longitude"].where(given), errors="coerce")
    on_earth = lat.between(-90, 90) & lon.between(-180, 180)
    where = f"{name('latitude')}/{name('longitude')}"
    for index in frame.index[given & ~on_earth]:
        for message in _coordinate_errors(frame.at[index, "latitude"], frame.at[index, "longitude"]):
            problems.append(RowProblem(index, where, f"{row_label(frame, index, unit)}: {message}"))
    for index in frame.index[_swapped_for_country(frame["country"], lat, lon, given & on_earth)]:
        problems.append(RowProblem(index, where, f"{row_label(frame, index, unit)}: latitude {lat[index]}, "
                                                 f"longitude {lon[index]} lie outside {frame.at[index, 'country']} "
                                                 f"but inside it when swapped ({where} swapped?)"))
    if GEOMETRY_WKT in frame.columns:
        for index, message in _wkt_errors(frame[GEOMETRY_WKT]):
            problems.append(RowProblem(index, GEOMETRY_WKT, f"{row_label(frame, index, unit)}: {message}"))
    complain(_blank(frame["latitude"]) & _blank(frame["location_mention"]), "location_mention",
             lambda i: f"no {name('location_mention')} and no coordinates: nothing says where it happened")
    ids = frame["event_id_cnty"]
    # Compared as the text they are kept as: a GeoJSON id can be a list or an object (unhashable), or 1 and "1".
    keys = ids.where(_blank(ids), ids.astype(str))
    repeated = keys.duplicated() & ~_blank(ids)
    first_row = {value: index for index, value in keys[~repeated].items()}
    complain(repeated, "event_id_cnty",
             lambda i: f"{name('event_id_cnty')} {ids[i]!r} appears more than once "
                       f"(first at {row_label(frame, first_row[keys[i]], unit).split(' (')[0]})")
    bad_coordinates = [p.index for p in problems if p.column == where]
    frame.loc[bad_coordinates, ["latitude", "longitude"]] = None
    frame["event_date"] = dates
    for column, values in ints.items():
        frame[column] = values
    text_columns = [c for c in SCHEMA if c not in INTEGER_COLUMNS + ["latitude", "longitude", "radius_km"]]
    frame[text_columns] = frame[text_columns].astype(object).where(frame[text_columns].notna(), "")
    frame[text_columns] = frame[text_columns].astype(str)
    return frame, sorted(problems, key=lambda p: p.index)


def problems_message(origin: str, problems: list[RowProblem], advice: str = "") -> str:
    """One message naming the file and its bad rows: one line for one problem, else the first
    ``MAX_ERRORS_SHOWN`` one a line. ``advice`` ends the first line."""
    advice = f" ({advice})" if advice else ""
    if len(problems) == 1:
        return f"{origin}: {problems[0].message}{advice}"
    shown = "\n  ".join(p.message for p in problems[:MAX_ERRORS_SHOWN])
    more = f"\n  ... and {len(problems) - MAX_ERRORS_SHOWN} more" if len(problems) > MAX_ERRORS_SHOWN else ""
    return f"{origin}: {len(problems)} problem(s){advice}:\n  {shown}{more}"


def validate_events(frame: pd.DataFrame, origin: str, unit: str = "row") -> pd.DataFrame:
    """Check and normalise a raw event table; raise EventDataError naming every bad cell."""
    frame, problems = check_events(frame, origin, unit)
    if problems:
        raise EventDataError(problems_message(origin, problems))
    return frame


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
        fits = shapely.dwithin(outline, shapely.points(x, y), COUNTRY_SLACK_DEG)
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


def csv_separator(path: Path) -> str:
    """"," or ";" (ACLED exports use both), from the header line; pandas' C parser then reads fast."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    return ";" if header.count(";") > header.count(",") else ","


def refuse_extra_fields(frame: pd.DataFrame, path: Path, separator: str) -> None:
    """A CSV whose first row has more fields than the header: pandas silently turns the leading cells into
    the index (and row numbers into tuples), so the row would be read shifted. Refuse it by name instead."""
    if not isinstance(frame.index, pd.RangeIndex):
        fields = len(frame.columns) + frame.index.nlevels
        raise EventDataError(f"{path}: row 2 has {fields} fields but the header names {len(frame.columns)} "
                             f"columns (a cell with an unquoted {separator!r}?)")


def read_events_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV (ours or ACLED's, `,` or `;`) or GeoJSON/GeoPackage without geocoding it."""
    path = Path(path)
    if not path.exists():
        raise EventDataError(f"{path}: no such events file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        separator = csv_separator(path)
        try:
            frame = pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except pd.errors.EmptyDataError:  # not a ParserError: an empty file, or blank lines only
            raise EventDataError(f"{path}: no table in the file (empty, or only blank lines)") from None
        except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
            raise EventDataError(f"{path}: not a readable CSV file ({exc})") from exc
        refuse_extra_fields(frame, path, separator)
        return frame.replace("", None)
    if suffix in (".geojson", ".json", ".gpkg"):
        import geopandas as gpd

        try:
            frame = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises its own DataSourceError family
            raise EventDataError(f"{path}: not a readable {suffix[1:]} file ({exc})") from exc
        return frame
    raise EventDataError(f"{path}: unknown events format {suffix!r} (use .csv, .geojson or .gpkg)")


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
    placed = frame[SCHEMA + others].copy()
    for column in ("latitude", "longitude", "radius_km"):
        placed[column] = pd.to_numeric(placed[column].replace("", None), errors="coerce")
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
    return gpd.GeoDataFrame(placed, geometry=list(shapes), crs="EPSG:4326").set_index(placed.index)


def geocode_events(frame: pd.DataFrame, origin: str = "events", progress=None):
    """Raw table -> validated -> GeoDataFrame (EPSG:4326) in our schema: ``place_events`` after
    ``validate_events``. Rows with coordinates keep them; others are geocoded."""
    return place_events(validate_events(frame, origin), progress=progress)


def load_events(path: Path | str, progress=None):
    """Read, validate and geocode an events file into a GeoDataFrame (EPSG:4326)."""
    path = Path(path)
    table = read_events_table(path)
    if hasattr(table, "geometry") and "geometry" in table:
        return _from_geodata(table, str(path))
    return geocode_events(table, str(path), progress=progress)


def geodata_table(table, origin: str):
    """A GeoJSON/GeoPackage/GeoParquet table in our schema -> (table in EPSG:4326, problems).

    Geometries off the Earth are problems (usually lat, lon order); a row without latitude/longitude
    gets its geometry's point (a representative point for a region), so the table can be checked
    like a CSV. Regions stay polygons.
    """
    if table.crs is not None and table.crs.to_epsg() != 4326:
        table = table.to_crs(4326)
    table = table.copy()
    problems = []
    for index, geom in table.geometry.items():
        if geom is not None and not geom.is_empty:
            problems.extend(RowProblem(index, "geometry", f"{row_label(table, index, 'feature')}: {message}")
                            for message in _bounds_errors(geom.bounds))
    off_earth = {p.index for p in problems}
    for column in ("latitude", "longitude"):
        # Object, not the column's own dtype: GIS tools often write numbers as text, which pandas reads as its
        # str dtype, and a str column refuses the geometry's float below (a TypeError). check_events then
        # coerces numeric text and reports the rest (words) as bad rows.
        table[column] = table[column].astype(object) if column in table else None
    for index, geom in table.geometry.items():
        if _is_blank(table.at[index, "latitude"]) and index not in off_earth and geom is not None and not geom.is_empty:
            point = geom if geom.geom_type == "Point" else geom.representative_point()
            table.at[index, "latitude"], table.at[index, "longitude"] = point.y, point.x
    return table, problems


def geodata_events(frame, keep_columns: bool = False):
    """A checked geodata table (``geodata_table`` then ``check_events``) -> GeoDataFrame in our schema."""
    import geopandas as gpd

    others = [c for c in frame.columns if c not in SCHEMA and c != frame.geometry.name] if keep_columns else []
    gdf = gpd.GeoDataFrame(frame[SCHEMA + others], geometry=list(frame.geometry), crs="EPSG:4326",
                           index=frame.index)
    for column in ("latitude", "longitude", "radius_km"):
        gdf[column] = pd.to_numeric(gdf[column], errors="coerce")
    return gdf


def _from_geodata(table, origin: str):
    """A GeoJSON/GeoPackage in our schema: keep its geometries (regions stay polygons)."""
    table, problems = geodata_table(table.reset_index(drop=True), origin)
    frame, more = check_events(table, origin, unit="feature")
    if problems or more:
        raise EventDataError(problems_message(origin, sorted(problems + more, key=lambda p: p.index)))
    return geodata_events(frame)


def _bounds_errors(bounds) -> list[str]:
    minx, miny, maxx, maxy = bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        swapped = -90 <= minx and maxx <= 90 and -180 <= miny and maxy <= 180
        hint = " (coordinates in lat, lon order? GeoJSON is lon, lat)" if swapped else ""
        return [f"coordinates outside the Earth, bounds {bounds}{hint}"]
    return []


def filter_events(gdf, start: dt.date | str | None = None, end: dt.date | str | None = None):
    """Rows whose event_date lies in [start, end], both inclusive. The dashboard and the CLI share this."""
    mask = pd.Series(True, index=gdf.index)
    if start:
        mask &= gdf["event_date"] >= str(start)[:10]
    if end:
        mask &= gdf["event_date"] <= str(end)[:10]
    return gdf[mask]


def date_span(gdf) -> tuple[dt.date, dt.date] | None:
    """The first and last event dates, or None for an empty table."""
    dates = gdf["event_date"].dropna()
    if dates.empty:
        return None
    return dt.date.fromisoformat(dates.min()), dt.date.fromisoformat(dates.max())
