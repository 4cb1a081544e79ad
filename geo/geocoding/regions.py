"""Geometries for region phrases, built from Natural Earth outlines with Shapely.

A region mention ("the Iraq-Syria border region", "in Syria, near the Iraqi
border") is an area, not a point. This module owns those areas:

* ``border_line(a, b)``: the land border two countries share (their common edge);
* ``border_region(a, b, side=...)``: that line buffered by ``BORDER_BUFFER_KM``
  either side, cut to one country's side when the text names it;
* ``country_area(iso2)``: a country's outline, for a bare country mention.

Buffers are computed in metres in an azimuthal equidistant projection centred on
the shape, so distances are true wherever on Earth the border is.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import shapely

from .gazetteer import Gazetteer, load_gazetteer

# Documented in README: how far from the border line "the border region" reaches.
BORDER_BUFFER_KM = 30.0
# Output geometries are simplified to this many degrees (~500 m), far below their own uncertainty.
SIMPLIFY_DEG = 0.005


@dataclass(frozen=True)
class Area:
    """A resolved region: its shape, a representative point inside it, and how far it extends."""

    geometry: shapely.Geometry
    lat: float
    lon: float
    radius_km: float
    description: str


@functools.lru_cache(maxsize=512)
def _transformer(lat0: float, lon0: float):
    """A transformer to a local azimuthal equidistant projection (metres) and back (``direction``).

    Written as a PROJ pipeline so that no CRS is looked up in PROJ's database: ~0.1 ms to build
    instead of ~17 ms, which a fresh batch pays once per border it meets.
    """
    import pyproj

    return pyproj.Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=aeqd +lat_0={lat0} +lon_0={lon0} +ellps=WGS84")


def _metric(geom: shapely.Geometry):
    """Forward and inverse transforms to a local azimuthal equidistant projection (metres)."""
    import numpy as np

    centre = geom.centroid
    # Centred to the nearest degree: distances stay true to a fraction of a percent within a few hundred km.
    transformer = _transformer(float(round(centre.y)), float(round(centre.x)))

    def apply(direction: str):
        return lambda g: shapely.transform(
            g, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1], direction=direction)))

    return apply("FORWARD"), apply("INVERSE")


def radius_km_around(shape: shapely.Geometry, lon: float, lat: float) -> float:
    """How far ``shape`` reaches from the point (lon, lat), in km: the honest uncertainty radius.

    The farthest vertex of the convex hull, by great-circle distance (no projection needed).
    """
    import numpy as np

    xy = np.radians(shapely.get_coordinates(shapely.convex_hull(shape)))
    lon0, lat0 = np.radians(lon), np.radians(lat)
    a = (np.sin((xy[:, 1] - lat0) / 2) ** 2
         + np.cos(lat0) * np.cos(xy[:, 1]) * np.sin((xy[:, 0] - lon0) / 2) ** 2)
    far = 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1))).max() if len(xy) else 0.0
    return round(float(far), 1)


def country_geometry(iso2: str, gazetteer: Gazetteer | None = None) -> shapely.Geometry | None:
    gazetteer = gazetteer or load_gazetteer()
    place = gazetteer.country(iso2)
    wkb = gazetteer.geometry_wkb(place.id) if place else None
    return shapely.from_wkb(wkb) if wkb else None


@functools.lru_cache(maxsize=256)
def border_line(a: str, b: str) -> shapely.Geometry | None:
    """The land border shared by countries ``a`` and ``b`` (ISO alpha-2), or None if they touch nowhere."""
    ga, gb = country_geometry(a), country_geometry(b)
    if ga is None or gb is None:
        return None
    shared = shapely.intersection(ga.boundary, gb.boundary)
    lines = [g for g in shapely.get_parts(shared) if g.geom_type in ("LineString", "MultiLineString")]
    lines = [g for g in lines if not g.is_empty and g.length > 0]
    if not lines:
        return None
    return shapely.line_merge(shapely.union_all(lines))


def _area_around(line: shapely.Geometry, buffer_km: float, side: shapely.Geometry | None,
                 description: str) -> Area:
    to_m, to_deg = _metric(line)
    line_m = to_m(line)
    # Simplify the buffer before cutting it to a country, so the cut edge stays the exact border.
    zone = shapely.simplify(to_deg(shapely.buffer(line_m, buffer_km * 1000)), SIMPLIFY_DEG, preserve_topology=True)
    longest = max(shapely.get_parts(line_m), key=lambda part: part.length)
    middle_m = shapely.line_interpolate_point(longest, 0.5, normalized=True)
    point = to_deg(middle_m)
    if side is not None:
        zone = shapely.intersection(zone, side)
        # A point on the named side, near the middle of the border, not on the line itself.
        near_middle = shapely.intersection(zone, to_deg(shapely.buffer(middle_m, buffer_km * 1000)))
        point = (near_middle if not near_middle.is_empty else zone).representative_point()
    return Area(zone, round(point.y, 5), round(point.x, 5), radius_km_around(zone, point.x, point.y), description)


@functools.lru_cache(maxsize=256)
def border_region(a: str, b: str, side: str | None = None, buffer_km: float = BORDER_BUFFER_KM) -> Area | None:
    """The zone within ``buffer_km`` of the a-b border, on ``side``'s side only if given."""
    line = border_line(a, b)
    if line is None:
        return None
    side_shape = country_geometry(side) if side else None
    where = f"{side} side of " if side else ""
    return _area_around(line, buffer_km, side_shape,
                        f"{where}{a}-{b} border, {buffer_km:g} km either side of the line")


@functools.lru_cache(maxsize=256)
def country_border_region(country: str, side: str | None = None,
                          buffer_km: float = BORDER_BUFFER_KM) -> Area | None:
    """The zone along all of ``country``'s land borders ("near the Iraqi border", side unknown)."""
    gazetteer = load_gazetteer()
    lines = [line for n in gazetteer.neighbours(country) if (line := border_line(country, n)) is not None]
    if not lines:
        return None
    side_shape = country_geometry(side) if side else None
    return _area_around(shapely.line_merge(shapely.union_all(lines)), buffer_km, side_shape,
                        f"all land borders of {country}, {buffer_km:g} km either side")


@functools.lru_cache(maxsize=64)
def country_area(iso2: str) -> Area | None:
    """A whole country as a region: its outline and a point inside it."""
    shape = country_geometry(iso2)
    if shape is None or shape.is_empty:  # Natural Earth's Vatican outline is empty at this scale
        return None
    point = shape.representative_point()
    zone = shapely.simplify(shape, SIMPLIFY_DEG * 4, preserve_topology=True)
    return Area(zone, round(point.y, 5), round(point.x, 5), radius_km_around(zone, point.x, point.y),
                f"country {iso2}")


# "between X and Y": how wide the corridor along the straight line is, each side (documented in README).
CORRIDOR_KM = 10.0


@functools.lru_cache(maxsize=256)
def corridor(line: shapely.Geometry, description: str, width_km: float = CORRIDOR_KM) -> Area:
    """The zone within ``width_km`` of a straight line between two places; the point is its middle."""
    to_m, to_deg = _metric(line)
    line_m = to_m(line)
    zone = shapely.simplify(to_deg(shapely.buffer(line_m, width_km * 1000)), SIMPLIFY_DEG, preserve_topology=True)
    middle = to_deg(shapely.line_interpolate_point(line_m, 0.5, normalized=True))
    return Area(zone, round(middle.y, 5), round(middle.x, 5), radius_km_around(zone, middle.x, middle.y), description)


# Which part of an area a direction word names, as fractions of its bounding box (x0, y0, x1, y1).
DIRECTION_BOXES = {
    "north": (0, 0.5, 1, 1), "south": (0, 0, 1, 0.5), "east": (0.5, 0, 1, 1), "west": (0, 0, 0.5, 1),
    "northeast": (0.5, 0.5, 1, 1), "northwest": (0, 0.5, 0.5, 1),
    "southeast": (0.5, 0, 1, 0.5), "southwest": (0, 0, 0.5, 0.5),
    "central": (1 / 6, 1 / 6, 5 / 6, 5 / 6),
}


# A corner of the bounding box holding less than this share of a shape that lies across its box (Pakistan runs
# south-west to north-east: the north-west quarter of its box is 3 % of it, mostly Afghanistan) names too little:
# the diagonal direction is then the half of the shape beyond the line through its centre, across that direction.
CORNER_MIN_SHARE = 0.15
DIAGONALS = {"northeast": (1, 1), "northwest": (-1, 1), "southeast": (1, -1), "southwest": (-1, -1)}


def _half_towards(shape: shapely.Geometry, east: int, north: int) -> shapely.Geometry:
    """The part of ``shape`` on the (east, north) side of the line through its centroid across that direction
    (degrees of longitude shortened by the cosine of the latitude, so the line is square on the ground)."""
    import math

    centre = shape.centroid
    ux, uy = east * math.cos(math.radians(centre.y)), float(north)
    norm = math.hypot(ux, uy)
    ux, uy = ux / norm, uy / norm
    reach = 360.0
    half = shapely.Polygon([(centre.x - uy * reach, centre.y + ux * reach),
                            (centre.x - uy * reach + ux * reach, centre.y + ux * reach + uy * reach),
                            (centre.x + uy * reach + ux * reach, centre.y - ux * reach + uy * reach),
                            (centre.x + uy * reach, centre.y - ux * reach)])
    return shapely.intersection(shapely.make_valid(shape), half)


@functools.lru_cache(maxsize=1024)
def part_of(shape: shapely.Geometry, direction: str, description: str) -> Area | None:
    """The ``direction`` part of ``shape`` ("eastern Syria" = the half of Syria east of its middle)."""
    if shape.is_empty:  # Natural Earth's Vatican outline is empty at this scale
        return None
    fx0, fy0, fx1, fy1 = DIRECTION_BOXES[direction]
    minx, miny, maxx, maxy = shape.bounds
    width, height = maxx - minx, maxy - miny
    # clip_by_rect, not intersection: about fifty Natural Earth outlines self-intersect (Germany, Russia, the
    # United States ...), and GEOS' overlay raised a TopologyException for "eastern Germany". Clipping by a
    # rectangle needs no valid input.
    clipped = shapely.clip_by_rect(shape, minx + fx0 * width, miny + fy0 * height, minx + fx1 * width,
                                   miny + fy1 * height)
    if direction in DIAGONALS and clipped.area < CORNER_MIN_SHARE * shape.area:
        clipped = _half_towards(shape, *DIAGONALS[direction])
    zone = shapely.simplify(clipped, SIMPLIFY_DEG, preserve_topology=True)
    if zone.is_empty:
        return None
    point = zone.representative_point()
    return Area(zone, round(point.y, 5), round(point.x, 5), radius_km_around(zone, point.x, point.y), description)
