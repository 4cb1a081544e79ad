"""Writers for events: RFC 7946 GeoJSON, CSV and GeoPackage, always written atomically.

Modelled on GeoPandas' ``io/file.py``: a suffix -> format table, an explicit
``fmt`` argument that wins over the suffix, and an error that quotes the bad
value. Every file is written to a temporary file in the target folder and then
renamed over the target, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from .errors import ExportError
from .events import SCHEMA

FORMATS = {".geojson": "geojson", ".json": "geojson", ".csv": "csv", ".gpkg": "gpkg"}
# Spreadsheets run cells that start with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _columns(gdf) -> list[str]:
    """Our schema's columns first, in schema order, then any others the table brought (nothing dropped)."""
    ours = [c for c in SCHEMA if c in gdf.columns]
    return ours + [c for c in gdf.columns if c not in ours and c != gdf.geometry.name]


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
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    return json.dumps(_feature_collection(gdf), ensure_ascii=False, allow_nan=False, default=_plain)


def _plain(value):
    """json.dumps hook for numpy / pandas scalars."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to GeoJSON")


def _neutralise_formula(value):
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(gdf) -> str:
    """The table as CSV (our schema's columns first); shapes as WKT in ``geometry_wkt``."""
    frame = gdf[_columns(gdf)].copy()
    frame["geometry_wkt"] = gdf.geometry.to_wkt(rounding_precision=5)
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    frame[text_columns] = frame[text_columns].map(_neutralise_formula)
    return frame.to_csv(index=False, lineterminator="\n")


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
        if fmt not in set(FORMATS.values()):
            raise ExportError(f"unknown format {fmt!r}; choose one of geojson, csv, gpkg")
        return fmt
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"cannot tell the format of {str(path)!r} from its suffix {suffix!r}; "
                          "pass --format geojson|csv|gpkg")
    return FORMATS[suffix]


def write_events(gdf, path: Path | str, fmt: str | None = None) -> Path:
    """Write events to ``path`` in ``fmt`` (or the format its suffix names), atomically."""
    path = Path(path)
    fmt = format_for(path, fmt)
    if fmt == "geojson":
        atomic_write(path, lambda tmp: tmp.write_text(to_geojson(gdf), encoding="utf-8"))
    elif fmt == "csv":
        atomic_write(path, lambda tmp: tmp.write_text(to_csv(gdf), encoding="utf-8"))
    else:
        def write_gpkg(tmp: Path) -> None:
            tmp.unlink()  # GDAL will not write into an existing empty file
            gdf.to_file(tmp, driver="GPKG", layer="events", engine="pyogrio")

        atomic_write(path, write_gpkg)
    return path
