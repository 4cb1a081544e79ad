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
from pathlib import Path

import pandas as pd

from .errors import EventDataError
from .geocode import resolve_mentions
from .resolution import Resolution

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
MAX_ERRORS_SHOWN = 10


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


def _row_label(frame: pd.DataFrame, index: int, unit: str) -> str:
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
    for index in values.index[iso.isna()]:
        try:
            dates[index] = parse_date(values[index])
        except ValueError as exc:
            problems[index] = f"event_date {exc}"
    return dates, problems


def validate_events(frame: pd.DataFrame, origin: str, unit: str = "row") -> pd.DataFrame:
    """Check and normalise a raw event table; raise EventDataError naming every bad cell.

    Column-wise (100,000 rows in about a second); messages are built only for the rows that fail.
    """
    missing = [c for c in REQUIRED if c not in frame.columns]
    has_place = "location_mention" in frame.columns or {"latitude", "longitude"} <= set(frame.columns)
    if missing or not has_place:
        need = missing + ([] if has_place else ["location_mention (or latitude and longitude)"])
        raise EventDataError(f"{origin}: missing column(s) {', '.join(need)}; found {', '.join(map(str, frame.columns))}")
    frame = frame.reset_index(drop=True)
    for column in SCHEMA:
        if column not in frame.columns:
            frame[column] = None
    problems: list[tuple[int, str]] = []

    def complain(mask: pd.Series, message) -> None:
        for index in frame.index[mask.fillna(False).astype(bool)]:
            problems.append((index, f"{_row_label(frame, index, unit)}: {message(index)}"))

    dates, date_problems = _parse_dates(frame["event_date"])
    complain(date_problems.notna(), lambda i: date_problems[i])
    ints = {}
    for column in INTEGER_COLUMNS:
        raw = frame[column]
        number = pd.to_numeric(raw.where(~_blank(raw)), errors="coerce")
        bad = ~_blank(raw) & (number.isna() | (number < 0) | (number % 1 != 0))
        complain(bad, lambda i, c=column: f"{c} {frame.at[i, c]!r} is not a whole number >= 0")
        ints[column] = number.where(~bad).astype("Int64")
    for column in ("time_precision", "geo_precision"):
        complain(ints[column].notna() & ~ints[column].isin(PRECISION_CODES),
                 lambda i, c=column: f"{c} must be 1, 2 or 3, not {ints[c][i]}")
    low, high = ints["fatalities_min"], ints["fatalities_max"]
    complain(low.notna() & high.notna() & (low > high),
             lambda i: f"fatalities_min {low[i]} is more than fatalities_max {high[i]}")
    given = ~_blank(frame["latitude"]) | ~_blank(frame["longitude"])
    lat = pd.to_numeric(frame["latitude"].where(given), errors="coerce")
    lon = pd.to_numeric(frame["longitude"].where(given), errors="coerce")
    suspect = given & ~(lat.between(-90, 90) & lon.between(-180, 180))
    for index in frame.index[suspect]:
        for message in _coordinate_errors(frame.at[index, "latitude"], frame.at[index, "longitude"]):
            problems.append((index, f"{_row_label(frame, index, unit)}: {message}"))
    complain(_blank(frame["latitude"]) & _blank(frame["location_mention"]),
             lambda i: "no location_mention and no coordinates: nothing says where it happened")
    errors = [message for _, message in sorted(problems, key=lambda item: item[0])]
    duplicated = frame["event_id_cnty"][frame["event_id_cnty"].duplicated() & ~frame["event_id_cnty"].isna()]
    errors.extend(f"event_id_cnty {v!r} appears more than once" for v in duplicated.unique())
    if errors:
        shown = "\n  ".join(errors[:MAX_ERRORS_SHOWN])
        more = f"\n  ... and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise EventDataError(f"{origin}: {len(errors)} problem(s):\n  {shown}{more}")
    frame["event_date"] = dates
    for column, values in ints.items():
        frame[column] = values
    text_columns = [c for c in SCHEMA if c not in INTEGER_COLUMNS + ["latitude", "longitude", "radius_km"]]
    frame[text_columns] = frame[text_columns].astype(object).where(frame[text_columns].notna(), "")
    frame[text_columns] = frame[text_columns].astype(str)
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


def _separator(path: Path) -> str:
    """"," or ";" (ACLED exports use both), from the header line; pandas' C parser then reads fast."""
    with path.open(encoding="utf-8-sig", errors="replace") as fh:
        header = fh.readline()
    return ";" if header.count(";") > header.count(",") else ","


def read_events_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV (ours or ACLED's, `,` or `;`) or GeoJSON/GeoPackage without geocoding it."""
    path = Path(path)
    if not path.exists():
        raise EventDataError(f"{path}: no such events file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        try:
            frame = pd.read_csv(path, sep=_separator(path), dtype=str, keep_default_na=False,
                                encoding="utf-8-sig")
        except (pd.errors.ParserError, UnicodeDecodeError, csv.Error) as exc:
            raise EventDataError(f"{path}: not a readable CSV file ({exc})") from exc
        return frame.replace("", None)
    if suffix in (".geojson", ".json", ".gpkg"):
        import geopandas as gpd

        try:
            frame = gpd.read_file(path)
        except Exception as exc:  # pyogrio raises its own DataSourceError family
            raise EventDataError(f"{path}: not a readable {suffix[1:]} file ({exc})") from exc
        return frame
    raise EventDataError(f"{path}: unknown events format {suffix!r} (use .csv, .geojson or .gpkg)")


def _resolution_columns(found: Resolution) -> dict:
    """The event columns a resolution fills (ACLED's country is a name, not a code)."""
    from .gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    names = [gazetteer.country(c).name if gazetteer.country(c) else c for c in (found.country or "").split("/") if c]
    return dict(
        country="/".join(names), admin1=found.admin1 or "", location=found.name or "",
        latitude=found.lat, longitude=found.lon, geo_precision=found.precision,
        radius_km=found.radius_km,
        geocoder=found.source + (f"; warning: {found.warning}" if found.warning else ""),
    )


def geocode_events(frame: pd.DataFrame, origin: str = "events", progress=None):
    """Validated table -> GeoDataFrame (EPSG:4326). Rows with coordinates keep them; others are geocoded.

    Unresolved rows are kept, with no geometry and the reason in ``geocoder``: nothing is dropped silently.
    ``progress(done, total)`` is called as rows are geocoded (the dashboard shows it with st.progress).
    """
    import geopandas as gpd

    frame = validate_events(frame, origin)[SCHEMA]
    for column in ("latitude", "longitude", "radius_km"):
        frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce")
    given = frame["latitude"].notna() & frame["longitude"].notna()
    shapes = pd.Series(None, index=frame.index, dtype=object)
    shapes[given] = list(gpd.points_from_xy(frame.loc[given, "longitude"], frame.loc[given, "latitude"]))
    frame.loc[given & (frame["geocoder"] == ""), "geocoder"] = "given coordinates"
    frame.loc[given & frame["geo_precision"].isna(), "geo_precision"] = 1
    to_place = frame.index[~given]
    # The file's mentions are read together: an ambiguous name is read in the countries the others are in.
    answers = resolve_mentions(frame.loc[to_place, "location_mention"].tolist(), progress=progress)
    for index, found in zip(to_place, answers):
        if found.resolved:
            for column, value in _resolution_columns(found).items():
                frame.at[index, column] = value
            shapes[index] = found.shape()
        else:
            frame.at[index, "geocoder"] = f"unresolved: {found.reason}"
    return gpd.GeoDataFrame(frame, geometry=list(shapes), crs="EPSG:4326")


def load_events(path: Path | str, progress=None):
    """Read, validate and geocode an events file into a GeoDataFrame (EPSG:4326)."""
    path = Path(path)
    table = read_events_table(path)
    if hasattr(table, "geometry") and "geometry" in table:
        return _from_geodata(table, str(path))
    return geocode_events(table, str(path), progress=progress)


def _from_geodata(table, origin: str):
    """A GeoJSON/GeoPackage in our schema: keep its geometries (regions stay polygons)."""
    import geopandas as gpd

    if table.crs is not None and table.crs.to_epsg() != 4326:
        table = table.to_crs(4326)
    bad = [f"feature {i + 1}: {msg}" for i, geom in enumerate(table.geometry)
           if geom is not None and not geom.is_empty
           for msg in _bounds_errors(geom.bounds)]
    if bad:
        raise EventDataError(f"{origin}: " + "; ".join(bad[:MAX_ERRORS_SHOWN]))
    attributes = pd.DataFrame(table.drop(columns="geometry"))
    missing_point = [i for i in attributes.index if _is_blank(attributes.at[i, "latitude"] if "latitude" in attributes else None)]
    for i in missing_point:
        geom = table.geometry.iloc[i]
        if geom is not None and not geom.is_empty:
            point = geom if geom.geom_type == "Point" else geom.representative_point()
            attributes.at[i, "latitude"], attributes.at[i, "longitude"] = point.y, point.x
    frame = validate_events(attributes.reset_index(drop=True), origin, unit="feature")
    gdf = gpd.GeoDataFrame(frame[SCHEMA], geometry=list(table.geometry), crs="EPSG:4326")
    for column in ("latitude", "longitude", "radius_km"):
        gdf[column] = pd.to_numeric(gdf[column], errors="coerce")
    return gdf


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
