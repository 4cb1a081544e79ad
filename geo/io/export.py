"""Writers for events: RFC 7946 GeoJSON, CSV, GeoPackage and GeoParquet, always written atomically.

Modelled on GeoPandas' ``io/file.py``: a suffix -> format table, an explicit
``fmt`` argument that wins over the suffix, and an error that quotes the bad
value. Every file is written to a temporary file in the target folder and then
renamed over the target, so a crash never leaves a half-written file.

| format       | suffix     | what it holds                                                            |
|--------------|------------|--------------------------------------------------------------------------|
| `geojson`    | `.geojson` | RFC 7946: lon, lat in WGS 84, no `crs` member, exterior rings counter-clockwise |
| `csv`        | `.csv`     | our columns, then the table's others; the shape as WKT in `geometry_wkt` (regions keep their polygon) |
| `csv-latlon` | (`.csv`)   | the same without `geometry_wkt`: points only, as ACLED's CSV; every cell fits a spreadsheet |
| `gpkg`       | `.gpkg`    | GeoPackage, layer `events`, EPSG:4326                                     |
| `parquet`    | `.parquet` | GeoParquet (WKB geometry, CRS in the metadata), through pyarrow           |

Dates are ISO strings in every format; the mention and resolution columns are always kept.
``export_bytes(gdf, fmt)`` gives the same file as bytes, for the dashboard's download button.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from ..errors import ExportError
from .events import GEOMETRY_WKT, SCHEMA
from .schema import to_wgs84

# format -> (suffix, MIME type)
EXPORT_FORMATS = {
    "geojson": (".geojson", "application/geo+json"),
    "csv": (".csv", "text/csv"),
    "csv-latlon": (".csv", "text/csv"),
    "gpkg": (".gpkg", "application/geopackage+sqlite3"),
    "parquet": (".parquet", "application/vnd.apache.parquet"),
}
FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg", ".parquet": "parquet"}
# Spreadsheets run cells that start with these as formulas (CSV injection), also after leading spaces or
# line breaks, which they skip; a leading tab or carriage return is refused outright. Cells that already start
# with the guard's quote before such a start are guarded too, so that `import csv` can take exactly one off.
FORMULA_GUARDED = re.compile(r"'*(?:[\t\r]|\s*[=+\-@])")


def _columns(gdf) -> list[str]:
    """Our schema's columns first, in schema order, then any others the table brought (nothing dropped)."""
    ours = [c for c in SCHEMA if c in gdf.columns]
    return ours + [c for c in gdf.columns if c not in ours and c != gdf.geometry.name]


def _dates_as_text(gdf):
    """Date-time columns as ISO strings: JSON has no date type, and text reads back the same everywhere."""
    stamped = gdf.select_dtypes(include=["datetime", "datetimetz"]).columns
    if len(stamped) == 0:
        return gdf
    gdf = gdf.copy()
    for column in stamped:
        text = gdf[column].map(lambda t: t.isoformat(), na_action="ignore")
        gdf[column] = text.astype(object).where(gdf[column].notna(), None)
    return gdf


def _feature_collection(gdf) -> dict:
    import shapely

    frame = gdf.copy()
    # RFC 7946 section 3.1.6: exterior rings counter-clockwise.
    frame.geometry = shapely.orient_polygons(frame.geometry.values)
    collection = frame[_columns(frame) + [frame.geometry.name]].to_geo_dict(na="null", drop_id=True)
    collection.pop("crs", None)  # RFC 7946: WGS 84 lon/lat is implied; a crs member is not allowed.
    return collection


def to_geojson(gdf) -> str:
    """The events as an RFC 7946 FeatureCollection string (lon, lat in WGS 84, no ``crs`` member)."""
    gdf = to_wgs84(gdf)
    return json.dumps(_feature_collection(_dates_as_text(gdf)), ensure_ascii=False, allow_nan=False,
                      default=_plain)


def _plain(value):
    """json.dumps hook for numpy / pandas scalars."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to GeoJSON")


def _neutralise_formula(value):
    if not isinstance(value, str):
        return value
    # A NUL is no text: spreadsheets and many CSV readers stop at it, and `import csv` takes a file holding one
    # for a binary file, so our own export would not read back. Shown as U+FFFD (as an undecodable byte).
    value = value.replace("\x00", "\ufffd")
    return "'" + value if FORMULA_GUARDED.match(value) else value


def to_csv(gdf, wkt: bool = True) -> str:
    """The table as CSV (our schema's columns first); with ``wkt``, shapes as WKT in ``geometry_wkt``."""
    gdf = _dates_as_text(to_wgs84(gdf))
    frame = gdf[_columns(gdf)].copy()
    if wkt:
        frame[GEOMETRY_WKT] = gdf.geometry.to_wkt(rounding_precision=5)
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    frame[text_columns] = frame[text_columns].map(_neutralise_formula)
    # CRLF (RFC 4180): the csv writer quotes cells holding any character of the line terminator, so with "\n"
    # alone a cell with a bare "\r" went out unquoted and split its row in two when read back.
    return frame.to_csv(index=False, lineterminator="\r\n")


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=f".tmp{path.suffix}")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def format_for(path: Path | str, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in EXPORT_FORMATS:
            raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"cannot tell the format of {str(path)!r} from its suffix {suffix!r}; "
                          f"pass --format {'|'.join(EXPORT_FORMATS)}")
    return FORMATS[suffix]


def _write_gpkg(gdf, tmp: Path) -> None:
    tmp.unlink()  # GDAL will not write into an existing empty file
    # Points and polygons share the layer; "Unknown" is GeoPackage's GEOMETRY type.
    gdf.to_file(tmp, driver="GPKG", layer="events", engine="pyogrio", geometry_type="Unknown")


def _write_parquet(gdf, tmp: Path) -> None:
    gdf.to_parquet(tmp, index=False)


def write_events(gdf, path: Path | str, fmt: str | None = None) -> Path:
    """Write events to ``path`` in ``fmt`` (or the format its suffix names), atomically."""
    path = Path(path)
    fmt = format_for(path, fmt)
    if fmt in ("gpkg", "parquet"):
        gdf = _dates_as_text(to_wgs84(gdf))
        table = gdf[_columns(gdf) + [gdf.geometry.name]]
        writer = _write_gpkg if fmt == "gpkg" else _write_parquet
        atomic_write(path, lambda tmp: writer(table, tmp))
        return path
    text = to_geojson(gdf) if fmt == "geojson" else to_csv(gdf, wkt=(fmt == "csv"))
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8", newline=""))  # line ends as written
    return path


def export_bytes(gdf, fmt: str) -> tuple[bytes, str, str]:
    """The file ``write_events`` would write, as (bytes, MIME type, suffix): for a download button."""
    fmt = format_for("", fmt)
    suffix, mime = EXPORT_FORMATS[fmt]
    if fmt == "geojson":
        return to_geojson(gdf).encode("utf-8"), mime, suffix
    if fmt in ("csv", "csv-latlon"):
        return to_csv(gdf, wkt=(fmt == "csv")).encode("utf-8"), mime, suffix
    with tempfile.TemporaryDirectory(prefix="strikemap-export-") as folder:
        # GDAL writes GeoPackages to files only; a scratch folder keeps one code path for both.
        path = write_events(gdf, Path(folder) / f"events{suffix}", fmt)
        return path.read_bytes(), mime, suffix
