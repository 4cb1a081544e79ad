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


def validate_events(frame: pd.DataFrame, origin: str, unit: str = "row") -> pd.DataFrame:
    """Check and normalise a raw event table; raise EventDataError naming every bad cell."""
    missing = [c for c in REQUIRED if c not in frame.columns]
    has_place = "location_mention" in frame.columns or {"latitude", "longitude"} <= set(frame.columns)
    if missing or not has_place:
        need = missing + ([] if has_place else ["location_mention (or latitude and longitude)"])
        raise EventDataError(f"{origin}: missing column(s) {', '.join(need)}; found {', '.join(map(str, frame.columns))}")
    frame = frame.copy()
    for column in SCHEMA:
        if column not in frame.columns:
            frame[column] = None
    errors: list[str] = []
    dates, ints = [], {c: [] for c in INTEGER_COLUMNS}
    for index in frame.index:
        label = _row_label(frame, index, unit)
        try:
            dates.append(parse_date(frame.at[index, "event_date"]))
        except ValueError as exc:
            errors.append(f"{label}: event_date {exc}")
            dates.append(None)
        for column in INTEGER_COLUMNS:
            value = frame.at[index, column]
            if _is_blank(value):
                ints[column].append(None)
                continue
            try:
                number = float(value)
                if not number.is_integer() or number < 0:
                    raise ValueError
                ints[column].append(int(number))
            except (TypeError, ValueError):
                errors.append(f"{label}: {column} {value!r} is not a whole number >= 0")
                ints[column].append(None)
        for column in ("time_precision", "geo_precision"):
            if ints[column][-1] is not None and ints[column][-1] not in PRECISION_CODES:
                errors.append(f"{label}: {column} must be 1, 2 or 3, not {ints[column][-1]}")
        low, high = ints["fatalities_min"][-1], ints["fatalities_max"][-1]
        if low is not None and high is not None and low > high:
            errors.append(f"{label}: fatalities_min {low} is more than fatalities_max {high}")
        errors.extend(f"{label}: {e}" for e in _coordinate_errors(frame.at[index, "latitude"], frame.at[index, "longitude"]))
        if _is_blank(frame.at[index, "latitude"]) and _is_blank(frame.at[index, "location_mention"]):
            errors.append(f"{label}: no location_mention and no coordinates: nothing says where it happened")
    duplicated = frame["event_id_cnty"][frame["event_id_cnty"].duplicated() & ~frame["event_id_cnty"].isna()]
    errors.extend(f"event_id_cnty {v!r} appears more than once" for v in duplicated.unique())
    if errors:
        shown = "\n  ".join(errors[:MAX_ERRORS_SHOWN])
        more = f"\n  ... and {len(errors) - MAX_ERRORS_SHOWN} more" if len(errors) > MAX_ERRORS_SHOWN else ""
        raise EventDataError(f"{origin}: {len(errors)} problem(s):\n  {shown}{more}")
    frame["event_date"] = dates
    for column, values in ints.items():
        frame[column] = pd.array(values, dtype="Int64")
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


def read_events_table(path: Path | str) -> pd.DataFrame:
    """Read a CSV (ours or ACLED's, `,` or `;`) or GeoJSON/GeoPackage without geocoding it."""
    path = Path(path)
    if not path.exists():
        raise EventDataError(f"{path}: no such events file")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        try:
            frame = pd.read_csv(path, sep=None, engine="python", dtype=str, keep_default_na=False,
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


def _apply_resolution(row: dict, found: Resolution) -> dict:
    from .gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    names = [gazetteer.country(c).name if gazetteer.country(c) else c for c in (found.country or "").split("/") if c]
    row.update(
        country="/".join(names), admin1=found.admin1 or "", location=found.name or "",
        latitude=found.lat, longitude=found.lon, geo_precision=found.precision,
        radius_km=found.radius_km,
        geocoder=found.source + (f"; warning: {found.warning}" if found.warning else ""),
    )
    return row


def geocode_events(frame: pd.DataFrame, origin: str = "events", progress=None):
    """Validated table -> GeoDataFrame (EPSG:4326). Rows with coordinates keep them; others are geocoded.

    Unresolved rows are kept, with no geometry and the reason in ``geocoder``: nothing is dropped silently.
    ``progress(done, total)`` is called after each row (the dashboard shows it with st.progress).
    """
    import geopandas as gpd
    import shapely

    frame = validate_events(frame, origin)
    records = frame[SCHEMA].to_dict("records")
    to_place = [i for i, r in enumerate(records) if _is_blank(r["latitude"]) or _is_blank(r["longitude"])]
    # The file's mentions are read together: an ambiguous name is read in the countries the others are in.
    answers = dict(zip(to_place, resolve_mentions([records[i]["location_mention"] for i in to_place],
                                                  progress=progress)))
    rows, shapes = [], []
    for index, record in enumerate(records):
        if index not in answers:
            lat, lon = float(record["latitude"]), float(record["longitude"])
            record.update(latitude=lat, longitude=lon, geocoder=record["geocoder"] or "given coordinates")
            record["geo_precision"] = record["geo_precision"] or 1
            shapes.append(shapely.Point(lon, lat))
        elif answers[index].resolved:
            record = _apply_resolution(record, answers[index])
            shapes.append(answers[index].shape())
        else:
            record.update(geocoder=f"unresolved: {answers[index].reason}")
            shapes.append(None)
        rows.append(record)
    gdf = gpd.GeoDataFrame(rows, columns=SCHEMA, geometry=shapes, crs="EPSG:4326")
    for column in INTEGER_COLUMNS:
        gdf[column] = gdf[column].astype("Int64")
    for column in ("latitude", "longitude", "radius_km"):
        gdf[column] = pd.to_numeric(gdf[column], errors="coerce")
    return gdf


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
