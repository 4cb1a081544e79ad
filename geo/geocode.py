"""Resolve a place mention into a point, a geometry and an honest precision.

``resolve_mention(text)`` reads the mention as written ("near Al-Bukamal",
"the Iraq-Syria border region", "in Syria, near the Iraqi border") and returns a
``Resolution``. The order of the stages is the order below, first answer wins:

1. border phrases: "the A-B border (region|area|crossing)", "the border between A
   and B", "(in A,) near the B border" -> a zone along the border (``geo.regions``),
   precision 3;
2. relative phrases: "near X", "the outskirts of X", "close to X", "around X" ->
   X's point with at least ``NEAR_RADIUS_KM`` of uncertainty, precision 2;
3. a name: a town (precision 1), a province or a country (its outline, precision 3).
   "Hit, Iraq" or ``country="IQ"`` restricts the answer to that country.

Anything else is unresolved, with a reason. Nothing here guesses a point for an
area: an area keeps its polygon.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import asdict, dataclass, field, replace

from .gazetteer import Gazetteer, Place, load_gazetteer
from .names import clean_mention, fold, name_key

# "near X": how far from X's centre the event may be (documented in README).
NEAR_RADIUS_KM = 15.0
MAX_MENTION_CHARS = 500
# Provinces outrank villages of the same name, but not big cities ("Raqqa" is the city).
ADMIN1_IMPORTANCE = 200_000
PRECISION_TOWN, PRECISION_NEAR, PRECISION_REGION = 1, 2, 3


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
    warning: str | None = None  # e.g. an online provider failed and this is the offline answer
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def resolved(self) -> bool:
        return self.lat is not None

    def to_dict(self) -> dict:
        """The CLI's JSON record (keys of DESIGN.md's command-line contract first)."""
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


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}


def _geojson(geom) -> dict:
    import numpy as np
    import shapely

    rounded = shapely.transform(geom, lambda xy: np.round(xy, 5))
    return json.loads(shapely.to_geojson(rounded))


# ------------------------------------------------------------------ phrases

_COUNTRY_WORDS = r"[A-Z][\w'’]*(?:\s+[A-Z][\w'’]*){0,2}"
_PAIR_BORDER = re.compile(
    rf"(?P<a>{_COUNTRY_WORDS})\s*(?:-|/|\band\b)\s*(?P<b>{_COUNTRY_WORDS})\s+border"
    r"(?:\s+(?P<kind>region|area|zone|strip|crossing|point|areas))?",
    re.IGNORECASE,
)
_BETWEEN_BORDER = re.compile(
    rf"border\s+between\s+(?:the\s+)?(?P<a>{_COUNTRY_WORDS})\s+and\s+(?:the\s+)?(?P<b>{_COUNTRY_WORDS})",
    re.IGNORECASE,
)
_NEAR_BORDER = re.compile(
    rf"(?:near|along|close\s+to|by|on|at)\s+(?:the\s+)?(?P<b>{_COUNTRY_WORDS})\s+border", re.IGNORECASE
)
_SIDE = re.compile(
    rf"(?:\bin\s+(?:the\s+)?(?P<in>{_COUNTRY_WORDS})\b|(?:on\s+)?the\s+(?P<side>{_COUNTRY_WORDS})\s+side)",
    re.IGNORECASE,
)
_NEAR = re.compile(
    r"\b(?:near|nearby|close\s+to|around|outside|(?:on\s+)?the\s+outskirts\s+of|in\s+the\s+vicinity\s+of|"
    r"just\s+outside|in\s+the\s+area\s+of)\s+(?P<place>.+)$",
    re.IGNORECASE,
)
_DIRECTION = re.compile(
    r"^(?:in\s+|across\s+|of\s+)?(?:the\s+)?(?P<direction>north|south|east|west|central|centre|center|"
    r"north[- ]?east|north[- ]?west|south[- ]?east|south[- ]?west)(?:ern)?\s+(?!of\b)(?:part\s+of\s+)?(?P<area>.+)$",
    re.IGNORECASE,
)
_BEARINGS = {"north": 0, "northeast": 45, "east": 90, "southeast": 135, "south": 180, "southwest": 225,
             "west": 270, "northwest": 315}
_DIRECTION_WORD = r"north[- ]?east|north[- ]?west|south[- ]?east|south[- ]?west|north|south|east|west"
_OFFSET = re.compile(
    rf"(?:(?P<distance>\d+(?:[.,]\d+)?)\s*(?P<unit>km|kms|kilomet(?:er|re)s?|mi|miles?)\.?\s+)?"
    rf"(?P<direction>{_DIRECTION_WORD})(?:ern)?\s+of\s+(?P<place>.+)$",
    re.IGNORECASE,
)
# "north of X" with no distance: how far we assume, and how unsure that is (documented in README).
UNSTATED_OFFSET_KM = 10.0
_BETWEEN = re.compile(r"\bbetween\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$", re.IGNORECASE)
# Words before a name that say nothing about where it is.
_LEADING = re.compile(
    r"^(?:(?:in|at|on|from|to|of|into|the|a|an|town|city|village|district|area|region|province|"
    r"governorate|facility|facilities|site|sites|base|targets?)\s+)+",
    re.IGNORECASE,
)
_TRAILING = re.compile(r"\s+(?:area|region|district|town|city|village|province|governorate)$", re.IGNORECASE)
_PROVINCE_WORD = re.compile(r"\b(?:province|governorate|muhafazat?)\b", re.IGNORECASE)


def _country_code(words: str | None, gazetteer: Gazetteer, anchor: str = "start") -> str | None:
    """The country named by ``words``, trying runs of words anchored at its start (or end), longest first.

    The anchor is the end nearest the dash in "A-B border": "the Iraqi side of the Iraq" ends in a country.
    """
    if not words:
        return None
    parts = words.strip().split()
    for size in range(len(parts), 0, -1):
        run = parts[:size] if anchor == "start" else parts[len(parts) - size:]
        code = gazetteer.country_code(re.sub(r"^the\s+", "", " ".join(run), flags=re.IGNORECASE))
        if code:
            return code
    return None


def _country_names(codes, gazetteer: Gazetteer) -> str:
    return "–".join((gazetteer.country(c).name if gazetteer.country(c) else c) for c in codes)


def _side_country(text: str, gazetteer: Gazetteer, exclude: set[str]) -> str | None:
    for match in _SIDE.finditer(text):
        code = _country_code(match.group("in") or match.group("side"), gazetteer)
        if code and code not in exclude:
            return code
    return None


def _border_resolution(text: str, gazetteer: Gazetteer, context_country: str | None) -> Resolution | None:
    from . import regions

    pair = _PAIR_BORDER.search(text) or _BETWEEN_BORDER.search(text)
    if pair:
        a = _country_code(pair.group("a"), gazetteer, anchor="end")
        b = _country_code(pair.group("b"), gazetteer)
        if not (a and b) or a == b:
            return None
        side = _side_country(text[: pair.start()] + " " + text[pair.end():], gazetteer, set())
        side = side if side in (a, b) else None
        pair_codes = sorted((a, b))
        area = regions.border_region(*pair_codes, side=side)
        if area is None:
            return Resolution(text, reason=f"{a} and {b} share no land border in Natural Earth")
        name = f"{_country_names(pair_codes, gazetteer)} border region"
        if side:
            name = f"{_country_names([side], gazetteer)} side of the {name}"
        return _area_resolution(text, area, name, side or "/".join(pair_codes), pair.group(0), "region:border")
    near = _NEAR_BORDER.search(text)
    if near:
        b = _country_code(near.group("b"), gazetteer)
        if not b:
            return None
        rest = text[: near.start()] + text[near.end():]
        side = _side_country(rest, gazetteer, {b}) or context_country
        side = side if side != b else None
        if side and regions.border_line(side, b) is not None:
            area = regions.border_region(*sorted((side, b)), side=side)
            name = f"{_country_names([side], gazetteer)} side of the {_country_names(sorted((side, b)), gazetteer)} border region"
        else:
            area = regions.country_border_region(b, side=side)
            name = f"land borders of {_country_names([b], gazetteer)}"
        if area is None:
            return Resolution(text, reason=f"no land border found for {b}")
        return _area_resolution(text, area, name, side or b, near.group(0), "region:border")
    return None


def _direction_resolution(text: str, gazetteer: Gazetteer) -> Resolution | None:
    """ "eastern Syria", "northern Anbar": that part of the country or province, precision 3."""
    import shapely

    from . import regions

    match = _DIRECTION.match(text)
    if not match:
        return None
    direction = re.sub(r"[- ]", "", match.group("direction").lower())
    direction = "central" if direction in ("centre", "center") else direction
    area_words = _strip_filler(match.group("area"))
    place = _best_place(area_words, gazetteer, None, None, kinds=("country", "admin1"))
    if place is None or not place.exact:
        return None
    wkb = gazetteer.geometry_wkb(place.id)
    if wkb is None:
        return None
    adjective = direction if direction == "central" else direction + "ern"
    area = regions.part_of(shapely.from_wkb(wkb), direction, f"{adjective} part of {place.name}")
    if area is None:
        return None
    resolution = _area_resolution(text, area, f"{adjective} {place.name}", place.country, match.group(0),
                                  f"region:{place.kind}-part")
    return replace(resolution, admin1=place.admin1 or None)


def _site_resolution(text: str) -> Resolution | None:
    """A curated military site or crossing named anywhere in the mention (``geo/sites.csv``)."""
    from .sites import find_site

    found = find_site(text)
    if found is None:
        return None
    site, alias = found
    near = bool(_NEAR.search(text)) and not re.search(r"\b(?:at|in|inside)\s+(?:the\s+)?" + re.escape(alias.split()[0]),
                                                       fold(text))
    radius = max(site.radius_km, NEAR_RADIUS_KM) if near else site.radius_km
    return Resolution(
        query=text, name=site.name, country=site.country, lat=site.lat, lon=site.lon,
        precision=PRECISION_NEAR if near else PRECISION_TOWN, radius_km=radius,
        geometry=_point(site.lon, site.lat), source="sites", matched=alias,
        extra={"site_kind": site.kind, "site_source": site.source},
    )


def _offset_resolution(text: str, gazetteer: Gazetteer, country: str | None, near_point) -> Resolution | None:
    """ "10 km north of Mosul", "5 miles SE of Hit", "north of Raqqa": an offset point with a wide radius."""
    import pyproj

    match = _OFFSET.search(text)
    if not match:
        return None
    anchor = _name_resolution(match.group("place"), gazetteer, country, near=False, near_point=near_point)
    if anchor is None or anchor.precision == PRECISION_REGION:
        return None
    direction = re.sub(r"[- ]", "", match.group("direction").lower())
    if match.group("distance"):
        distance_km = float(match.group("distance").replace(",", "."))
        if match.group("unit").lower().startswith("mi"):
            distance_km *= 1.609344
        # Stated distances are rounded and bearings are to the nearest 45 degrees.
        spread_km = max(3.0, 0.4 * distance_km)
    else:
        distance_km, spread_km = UNSTATED_OFFSET_KM, 2 * UNSTATED_OFFSET_KM
    lon, lat, _ = pyproj.Geod(ellps="WGS84").fwd(anchor.lon, anchor.lat, _BEARINGS[direction], distance_km * 1000)
    return Resolution(
        query=text, name=f"{round(distance_km, 1):g} km {direction} of {anchor.name}", country=anchor.country,
        admin1=anchor.admin1, lat=round(lat, 5), lon=round(lon, 5), precision=PRECISION_NEAR,
        radius_km=round(spread_km + (anchor.radius_km or 0), 1), geometry=_point(lon, lat),
        source=f"offset:{anchor.source}", matched=match.group(0),
    )


def _between_resolution(text: str, gazetteer: Gazetteer, country: str | None, near_point) -> Resolution | None:
    """ "between Abu Kamal and Al-Mayadin": the stretch joining the two places, as a corridor."""
    import shapely

    from . import regions

    match = _BETWEEN.search(text)
    if not match:
        return None
    ends = [_name_resolution(match.group(part), gazetteer, country, near=False, near_point=near_point)
            for part in ("a", "b")]
    if any(end is None or end.precision == PRECISION_REGION for end in ends):
        return None
    line = shapely.LineString([(ends[0].lon, ends[0].lat), (ends[1].lon, ends[1].lat)])
    area = regions.corridor(line, f"between {ends[0].name} and {ends[1].name}")
    countries = "/".join(sorted({e.country for e in ends}))
    return _area_resolution(text, area, area.description, countries, match.group(0), "region:between")


@functools.lru_cache(maxsize=1024)
def _area_geojson(area) -> dict:
    return _geojson(area.geometry)


def _area_resolution(text, area, name, country, matched, source) -> Resolution:
    return Resolution(
        query=text, name=name, country=country, lat=area.lat, lon=area.lon,
        precision=PRECISION_REGION, radius_km=float(area.radius_km), geometry=_area_geojson(area),
        source=source, matched=matched, extra={"description": area.description},
    )


# ------------------------------------------------------------------ names

def _importance(place: Place) -> float:
    if place.kind == "country":
        return 1e12
    if place.kind == "admin1":
        return ADMIN1_IMPORTANCE
    return place.population


# Other places in the same report within this distance make a candidate the likelier reading.
CONTEXT_RADIUS_KM = 300.0


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    import math

    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def _best_place(name: str, gazetteer: Gazetteer, country: str | None, admin1: str | None,
                kinds: tuple[str, ...] = ("place", "admin1", "country"), near_point=None) -> Place | None:
    candidates = gazetteer.lookup(name, kinds=kinds)
    if not candidates and len(name_key(name)) >= 5:
        candidates = gazetteer.fuzzy_lookup(name, kinds=kinds)
    if country:
        candidates = [p for p in candidates if p.country == country]
    if admin1:
        wanted = fold(admin1)
        in_admin1 = [p for p in candidates if wanted and wanted in fold(p.admin1)]
        candidates = in_admin1 or candidates
    if not candidates:
        return None

    def rank(place: Place):
        close = near_point is not None and _km(place.lat, place.lon, *near_point) <= CONTEXT_RADIUS_KM
        return (place.exact, close, _importance(place))

    return max(candidates, key=rank)


# A rival in another country at least this fraction as important makes the answer "ambiguous".
AMBIGUITY_RATIO = 0.2


def _ambiguity(name: str, best: Place, gazetteer: Gazetteer, country: str | None, near_point) -> str | None:
    """Say so when another country has a comparably important place of the same name ("Ana": Japan's
    Ina or Iraq's Anah), unless the mention or its context already chose the country."""
    if country or near_point is not None or best.kind == "country":
        return None
    rivals = [p for p in gazetteer.lookup(name) if p.country != best.country and p.exact == best.exact
              and _importance(p) >= AMBIGUITY_RATIO * _importance(best)]
    if not rivals:
        return None
    others = ", ".join(f"{p.name} ({p.country})" for p in rivals[:3])
    return f"ambiguous name: also {others}; name the country (\"{name}, <country>\") or pass --country to choose"


def _strip_filler(words: str) -> str:
    words = _LEADING.sub("", words.strip(" ,.;:"))
    return _TRAILING.sub("", words).strip(" ,.;:")


def _context(parts: list[str], gazetteer: Gazetteer) -> tuple[str | None, str | None]:
    """Country and province named after a comma: "Hit, Iraq", "al-Qaim, Anbar"."""
    country = admin1 = None
    for part in parts:
        code = _country_code(part, gazetteer)
        if code:
            country = code
            continue
        areas = [p for p in gazetteer.lookup(_strip_filler(part), kinds=("admin1",)) if p.exact]
        if areas:
            admin1, country = areas[0].name, country or areas[0].country
    return country, admin1


_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ad|ar|as|ash|az|at|an|ed|er|es|ez|et)[-‘’'ʿ]", re.IGNORECASE)
_CONNECTORS = {"al", "el", "ad", "ar", "as", "ash", "az", "at", "an", "ed", "er", "es", "ez", "et", "bin", "ibn"}


def _is_name_word(token: str) -> bool:
    return token[:1].isupper() or token[:1] in "‘'ʿ`" or bool(_ARTICLE_PREFIX.match(token))


def _is_acronym(span: str) -> bool:
    """ "US", "KH", "PMF": organisations, never places ("Us" is a village in France)."""
    letters = span.replace(".", "").replace(" ", "")
    return letters.isupper() and len(letters) <= 5


# In running text a capitalised word is read as a place only in a place-like context: after one of
# these words, or when it starts like an Arabic place name. "a man named Ana" stays a man.
_LOCATIVE_WORDS = frozenset(
    "in at near from to into outside around of on toward towards across over between and via past inside "
    "hit struck strike strikes striking targeted targeting bombed shelled attacked raided".split()
)
_PLACE_PREFIXES = frozenset(
    "al el ad ar as ash az abu albu bu deir dayr dair tal tall tel ain ayn ras jabal jebel bir kafr khan "
    "qasr umm beit bayt wadi hammam sheikh".split()
)


def _place_like(tokens: list[str], start: int) -> bool:
    if start == 0 or tokens[start - 1].lower() in _LOCATIVE_WORDS:
        return True
    first = re.split(r"[-‘’'ʿ]", tokens[start].lower(), maxsplit=1)[0]
    return first in _PLACE_PREFIXES


def _candidate_spans(words: str) -> list[str]:
    """The whole phrase, then each maximal run of capitalised words ("Jurf al-Sakhar" stays whole)
    that stands where a place would."""
    tokens = [t.strip(" ,.;:()\"") for t in words.split()]
    runs, current, start = [], [], 0
    for index, token in enumerate(tokens):
        inside_run = current and token.lower() in _CONNECTORS and index + 1 < len(tokens) and _is_name_word(tokens[index + 1])
        if token and (_is_name_word(token) or inside_run):
            if not current:
                start = index
            current.append(token)
        elif current:
            runs.append((" ".join(current), start))
            current = []
    if current:
        runs.append((" ".join(current), start))
    # Only capitalised words name places: "they hit a target" keeps "hit" a verb, "the east" a direction.
    spans = ([words.strip(" ,.;:")] if runs else []) + [run for run, at in runs if _place_like(tokens, at)]
    return [s for s in dict.fromkeys(spans) if s and not _is_acronym(s)]


def _name_resolution(text: str, gazetteer: Gazetteer, country: str | None, near: bool,
                     near_point=None) -> Resolution | None:
    head, *rest = [p.strip() for p in text.split(",")]
    context_country, admin1 = _context(rest, gazetteer)
    country = context_country or country
    # "Deir ez-Zor governorate" is the province, not the city of the same name.
    kinds = ("admin1",) if _PROVINCE_WORD.search(head) else ("place", "admin1", "country")
    for span in _candidate_spans(_strip_filler(head)):
        place = _best_place(span, gazetteer, country, admin1, kinds, near_point)
        if place is None:
            continue
        found = _place_resolution(text, place, span, gazetteer, near)
        note = _ambiguity(span, place, gazetteer, country, near_point)
        return replace(found, warning=note) if note else found
    return None


@functools.lru_cache(maxsize=1024)
def _admin1_shape(gazetteer: Gazetteer, place: Place) -> tuple[dict, float]:
    """A province's GeoJSON outline and reach from its point (cached: outlines are large)."""
    import shapely

    from . import regions

    shape = shapely.from_wkb(gazetteer.geometry_wkb(place.id))
    return _geojson(shape), float(regions.radius_km_around(shape, place.lon, place.lat))


def _place_resolution(text: str, place: Place, matched: str, gazetteer: Gazetteer, near: bool) -> Resolution:
    source = {"exact": "gazetteer", "spelling": "gazetteer:spelling", "fuzzy": "gazetteer:fuzzy"}[place.match]
    if place.kind in ("country", "admin1"):
        from . import regions

        if place.kind == "country":
            area = regions.country_area(place.country)
            geometry = _area_geojson(area) if area else None
            radius = float(area.radius_km) if area else None
        else:
            geometry, radius = _admin1_shape(gazetteer, place)
        return Resolution(
            query=text, name=place.name, country=place.country, admin1=place.admin1 or None,
            lat=round(place.lat, 5), lon=round(place.lon, 5), precision=PRECISION_REGION,
            radius_km=radius, geometry=geometry, source=f"{source}:{place.kind}", matched=matched,
        )
    radius = max(place.radius_km, NEAR_RADIUS_KM) if near else place.radius_km
    return Resolution(
        query=text, name=place.name, country=place.country, admin1=place.admin1 or None,
        lat=round(place.lat, 5), lon=round(place.lon, 5),
        precision=PRECISION_NEAR if near else PRECISION_TOWN, radius_km=radius,
        geometry=_point(place.lon, place.lat), source=source, matched=matched,
        extra={"geonameid": place.geonameid, "population": place.population},
    )


# ------------------------------------------------------------------ entry point

# Offline answers an online provider (when one is switched on) is asked to improve on.
WEAK_SOURCES = ("unresolved", "gazetteer:spelling", "gazetteer:fuzzy")


def resolve_mention(text: str, country: str | None = None, gazetteer: Gazetteer | None = None,
                    near_point: tuple[float, float] | None = None, provider=None) -> Resolution:
    """Resolve one place mention.

    ``country`` (ISO alpha-2) restricts names to that country; ``near_point`` (lat, lon) prefers, among
    places of the same name, those within ``CONTEXT_RADIUS_KM`` of it (the rest of the report).
    ``provider`` (``geo.providers``) is asked only where the offline answer is missing or a loose
    spelling match; if it fails, the offline answer comes back with a ``warning`` naming the failure.
    """
    if not isinstance(text, str):
        return Resolution(str(text), reason="a place mention must be text")
    country = (country or "").upper() or None
    if gazetteer is None:
        offline = _resolve_cached(text, country, near_point)
    else:
        offline = _resolve(text, country, gazetteer, near_point)
    if provider is None or offline.source not in WEAK_SOURCES:
        return offline
    from .providers import resolve_online

    return _with_query(resolve_online(clean_mention(text), offline, provider, country), text)


def resolve_mentions(texts: list[str], country: str | None = None, provider=None) -> list[Resolution]:
    """Resolve the mentions of one report together: each ambiguous name is read near the others."""
    first = [resolve_mention(text, country) for text in texts]
    anchors = [(r.lat, r.lon) for r in first if r.resolved and r.precision in (PRECISION_TOWN, PRECISION_NEAR)]
    centre = None
    if len(anchors) >= 2:
        import statistics

        centre = (statistics.median(a[0] for a in anchors), statistics.median(a[1] for a in anchors))
    if centre is None and provider is None:
        return first
    return [resolve_mention(text, country, near_point=centre, provider=provider) for text in texts]


@functools.lru_cache(maxsize=65536)
def _resolve_cached(text: str, country: str | None, near_point=None) -> Resolution:
    return _resolve(text, country, load_gazetteer(), near_point)


def _resolve(text: str, country: str | None, gazetteer: Gazetteer, near_point=None) -> Resolution:
    cleaned = clean_mention(text)
    if not cleaned:
        return Resolution(text, reason="empty mention")
    if len(cleaned) > MAX_MENTION_CHARS:
        return Resolution(text, reason=f"mention longer than {MAX_MENTION_CHARS} characters")
    if not fold(cleaned):
        return Resolution(text, reason="no letters in the mention")
    found = (
        _site_resolution(cleaned)
        or _border_resolution(cleaned, gazetteer, country)
        or _direction_resolution(cleaned, gazetteer)
        or _offset_resolution(cleaned, gazetteer, country, near_point)
        or _between_resolution(cleaned, gazetteer, country, near_point)
    )
    if found is not None:
        return _with_query(found, text)
    near = _NEAR.search(cleaned)
    if near:
        found = _name_resolution(near.group("place"), gazetteer, country, near=True, near_point=near_point)
        if found is not None:
            return _with_query(found, text)
    found = _name_resolution(cleaned, gazetteer, country, near=False, near_point=near_point)
    if found is not None:
        return _with_query(found, text)
    where = f" in {country}" if country else ""
    if not any(_is_name_word(token) for token in cleaned.split()):
        return Resolution(text, reason=f"no capitalised place name in {cleaned!r} (lower-case words are "
                                       "never taken for places, so that 'hit' stays a verb)")
    return Resolution(text, reason=f"no place{where} in the offline gazetteer matches {cleaned!r}")


# Columns the batch form adds; prefixed so they never collide with a table's own (or ACLED's) columns.
RESOLUTION_COLUMNS = ["geocode_name", "geocode_country", "geocode_admin1", "lat", "lon", "geocode_precision",
                      "geocode_radius_km", "geocode_source", "geocode_matched", "geocode_reason", "geocode_warning"]


def geocode_column(frame, column: str, country: str | None = None, progress=None, provider=None):
    """Geocode one column of a table; returns a GeoDataFrame: the rows, the resolution columns, the geometry.

    ``progress(done, total)`` is called as rows are resolved (the CLI draws a tqdm bar with it).
    """
    import geopandas as gpd

    if column not in frame.columns:
        raise KeyError(f"no column {column!r}; the columns are {', '.join(map(str, frame.columns))}")
    rows, shapes = [], []
    texts = frame[column].fillna("").astype(str).tolist()
    for done, text in enumerate(texts, start=1):
        found = resolve_mention(text, country, provider=provider)
        rows.append([found.name, found.country, found.admin1, found.lat, found.lon, found.precision,
                     found.radius_km, found.source, found.matched, found.reason, found.warning])
        shapes.append(found.shape())
        if progress:
            progress(done, len(texts))
    added = gpd.GeoDataFrame(rows, columns=RESOLUTION_COLUMNS, index=frame.index, geometry=shapes, crs="EPSG:4326")
    added["geocode_precision"] = added["geocode_precision"].astype("Int64")
    kept = frame.drop(columns=[c for c in RESOLUTION_COLUMNS + ["geometry"] if c in frame.columns])
    return gpd.GeoDataFrame(kept.join(added.drop(columns="geometry")), geometry=added.geometry, crs="EPSG:4326")


def _with_query(resolution: Resolution, query: str) -> Resolution:
    return replace(resolution, query=query)
