"""The answer records of the geocoder: ``Resolution`` and the ``Context`` a mention is read in.

Plain, immutable data shared by every stage (``geo.geocoding.candidates``, ``geo.geocoding.phrases``,
``geo.geocoding.resolve``, ``geo.geocoding.providers``): geometries are GeoJSON dicts, so a
Resolution prints as JSON and pickles without Shapely.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field

from ..io.schema import GEO_PRECISION

# "near X": how far from X's centre the event may be (documented in README).
NEAR_RADIUS_KM = 15.0
# The geo_precision codes, named (declared with their meanings in geo.io.schema.GEO_PRECISION).
PRECISION_TOWN, PRECISION_NEAR, PRECISION_REGION = GEO_PRECISION


@dataclass(frozen=True)
class Context:
    """What else is known when a mention is read.

    ``country`` restricts names to one country ("Hit, Iraq", ``--country IQ``); ``focus`` prefers the
    countries a report or archive is about; ``near_point`` (lat, lon) prefers places near the report's
    other mentions.
    """

    country: str | None = None
    focus: tuple[str, ...] = ()
    near_point: tuple[float, float] | None = None

    def with_country(self, country: str | None) -> "Context":
        return self if not country else Context(country, self.focus, self.near_point)


@dataclass(frozen=True)
class Resolution:
    """The answer for one mention. ``geometry`` is a GeoJSON geometry (plain data)."""

    query: str
    name: str | None = None
    country: str | None = None
    admin1: str | None = None
    lat: float | None = None
    lon: float | None = None
    precision: int | None = None
    radius_km: float | None = None
    geometry: dict | None = None
    source: str = "unresolved"
    matched: str | None = None  # the words of the mention that named the place
    reason: str | None = None  # why a mention is unresolved
    warning: str | None = None  # e.g. an ambiguous name, or an online provider failed
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def resolved(self) -> bool:
        return self.lat is not None

    def to_dict(self) -> dict:
        """The CLI's JSON record (keys of the README's "Command line" contract first)."""
        record = asdict(self)
        record.pop("extra")
        for optional in ("reason", "warning"):
            if record[optional] is None:
                record.pop(optional)
        return record

    def shape(self):
        """The geometry as a Shapely object (imports Shapely only when asked)."""
        import shapely

        return shapely.from_geojson(json.dumps(self.geometry)) if self.geometry else None


def point_geometry(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}


def to_geojson_geometry(geom) -> dict:
    """A Shapely geometry as a GeoJSON dict, coordinates rounded to 5 decimals (~1 m)."""
    import numpy as np
    import shapely

    rounded = shapely.transform(geom, lambda xy: np.round(xy, 5))
    return json.loads(shapely.to_geojson(rounded))


@functools.lru_cache(maxsize=1024)
def _area_geojson(area) -> dict:
    return to_geojson_geometry(area.geometry)


def area_resolution(text: str, area, name: str, country: str | None, matched: str, source: str,
                    admin1: str | None = None) -> Resolution:
    """A region answer (precision 3) from a ``geo.geocoding.regions.Area``."""
    return Resolution(
        query=text, name=name, country=country, admin1=admin1, lat=area.lat, lon=area.lon,
        precision=PRECISION_REGION, radius_km=float(area.radius_km), geometry=_area_geojson(area),
        source=source, matched=matched, extra={"description": area.description},
    )
