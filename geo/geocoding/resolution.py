"""The answer records of the geocoder: ``Resolution`` and the ``Context`` a mention is read in.

Plain, immutable data shared by every stage (``geo.geocoding.candidates``, ``geo.geocoding.phrases``,
``geo.geocoding.resolve``, ``geo.geocoding.providers``): geometries are GeoJSON dicts, so a
Resolution prints as JSON and pickles without Shapely.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass, field

from ..io.schema import GEO_PRECISION, GEO_STATUS

# "near X": how far from X's centre the event may be (documented in README).
NEAR_RADIUS_KM = 15.0
# The geo_precision codes, named (declared with their meanings in geo.io.schema.GEO_PRECISION).
PRECISION_TOWN, PRECISION_NEAR, PRECISION_REGION = GEO_PRECISION
STATUSES = tuple(GEO_STATUS)  # resolved, ambiguous, unresolved


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
    # How far to trust the answer (``geo.geocoding.candidates.assess``): 0-1, and one of STATUSES.
    # Left unset, an answer is "resolved" with score 1 and an unresolved one "unresolved" with 0.
    score: float | None = None
    status: str | None = None
    # Other places the words could name: {"name", "country", "km" (from this answer)}, likeliest first.
    rivals: tuple = field(default=(), compare=False)

    def __post_init__(self):
        if self.status is None:
            object.__setattr__(self, "status", "resolved" if self.resolved else "unresolved")
        if self.score is None:
            object.__setattr__(self, "score", 1.0 if self.status == "resolved" else 0.0)
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")

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
        record["rivals"] = [dict(r) for r in self.rivals]
        return record

    def with_min_confidence(self, min_confidence: float | None) -> "Resolution":
        """This answer, or, when its score is under ``min_confidence``, an unresolved one saying why."""
        if min_confidence is None or not self.resolved or self.score >= min_confidence:
            return self
        why = f"confidence {self.score:.2f} is below {min_confidence:g}" + (f": {self.warning}" if self.warning else "")
        return Resolution(self.query, reason=why, score=self.score, status="unresolved", rivals=self.rivals)

    def shape(self):
        """The geometry as a Shapely object (imports Shapely only when asked)."""
        import shapely

        return shapely.from_geojson(json.dumps(self.geometry)) if self.geometry else None


def doubt_of(*parts: Resolution) -> dict:
    """The confidence fields an answer built from other answers inherits: the weakest part's score and
    status, and every part's warning ("between X and Y" is no surer than X or Y)."""
    weakest = min(parts, key=lambda r: r.score)
    warnings = "; ".join(dict.fromkeys(r.warning for r in parts if r.warning)) or None
    return {"score": weakest.score, "status": weakest.status, "warning": warnings,
            "rivals": tuple(r for part in parts for r in part.rivals)}


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
