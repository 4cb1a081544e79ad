"""Phrases that name an area, or a point relative to a place, rather than a place itself.

Each reader takes the cleaned mention and returns a ``Resolution`` or None (not this
kind of phrase); an unresolved Resolution (with its reason) means "this kind of phrase, but
it cannot be placed" (an offset too far). Readers that need a named place (offsets, "between") get a
``resolve_name(text, ctx)`` function from ``geo.geocoding.resolve``, so this module never
imports the pipeline that calls it.

* sites:     "Ain al-Asad air base", "near the Al-Qaim border crossing" (``geo/sites.csv``)
* borders:   "the Iraq-Syria border region", "the border area between Syria and Iraq",
             "the Syria-Iraq frontier", "in Syria, near the border with Iraq", "on the
             Iraqi side of the border with Syria", "near the Iraqi border"
* direction: "eastern Syria", "northern Anbar", "central Iraq"
* rural:     "the Damascus countryside", "rural Deir ez-Zor" (the province around the city)
* offsets:   "10 km north of Mosul", "5 miles SE of Hit", "north of Raqqa"
* between:   "between Abu Kamal and Al-Mayadin"
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace

from . import regions
from .candidates import best_place, country_code, km_between, strip_filler
from .gazetteer import Gazetteer
from .names import fold, name_key
from .resolution import (NEAR_RADIUS_KM, PRECISION_NEAR, PRECISION_REGION, PRECISION_TOWN, Context, Resolution,
                         area_resolution, doubt_of, point_geometry)

_COUNTRY_WORDS = r"[A-Z][\w'’]*(?:\s+[A-Z][\w'’]*){0,3}"
_BORDER = r"(?:border|frontier)"
_BORDER_WORD = re.compile(_BORDER, re.IGNORECASE)
_PAIR_BORDER = re.compile(
    rf"(?P<a>{_COUNTRY_WORDS})\s*(?:-|/|\band\b)\s*(?P<b>{_COUNTRY_WORDS})\s+{_BORDER}"
    r"(?:\s+(?:region|area|zone|strip|crossing|point|areas))?",
    re.IGNORECASE,
)
_BETWEEN_BORDER = re.compile(
    rf"{_BORDER}(?:\s+(?:region|area|zone|strip|areas))?\s+between\s+(?:the\s+)?(?P<a>{_COUNTRY_WORDS})"
    rf"\s+and\s+(?:the\s+)?(?P<b>{_COUNTRY_WORDS})",
    re.IGNORECASE,
)
# "along the border with Iraq", then "near the Iraqi border"
_BORDER_WITH = re.compile(rf"{_BORDER}\s+with\s+(?:the\s+)?(?P<b>{_COUNTRY_WORDS})", re.IGNORECASE)
_NEAR_BORDER = re.compile(
    rf"(?:near|along|close\s+to|by|on|at|of)\s+(?:the\s+)?(?P<b>{_COUNTRY_WORDS})\s+{_BORDER}", re.IGNORECASE
)
# "in Syria" names a side; "in the Iraq-Syria border region" does not (the country is half of a pair).
_SIDE = re.compile(
    rf"(?:\bin\s+(?:the\s+)?(?P<in>{_COUNTRY_WORDS})\b(?!\s*[-–/])|(?:on\s+)?(?:the\s+)?(?P<side>{_COUNTRY_WORDS})\s+side\b)",
    re.IGNORECASE,
)
NEAR = re.compile(
    r"\b(?:near|nearby|close\s+to|around|outside|(?:on\s+)?the\s+outskirts\s+of|in\s+the\s+vicinity\s+of|"
    r"(?:on\s+)?the\s+(?:edges?|fringes?)\s+of|"
    r"just\s+outside|in\s+the\s+area\s+of)\s+(?P<place>.+)$",
    re.IGNORECASE,
)
_DIRECTION = re.compile(
    r"^(?:in\s+|across\s+|of\s+)?(?:the\s+)?(?P<direction>north|south|east|west|central|centre|center|"
    r"north[- ]?east|north[- ]?west|south[- ]?east|south[- ]?west)(?:ern)?\s+(?!of\b)(?:part\s+of\s+)?(?P<area>.+)$",
    re.IGNORECASE,
)
_RURAL = re.compile(
    r"^(?:in\s+)?(?:the\s+)?(?:(?:rural|countryside\s+of|outskirts\s+province\s+of)\s+(?P<a>.+)|"
    r"(?P<b>.+?)\s+(?:countryside|rural\s+areas?|hinterland))$",
    re.IGNORECASE,
)
_BEARINGS = {"north": 0, "northeast": 45, "east": 90, "southeast": 135, "south": 180, "southwest": 225,
             "west": 270, "northwest": 315, "n": 0, "ne": 45, "e": 90, "se": 135, "s": 180, "sw": 225,
             "w": 270, "nw": 315}
_DIRECTION_WORD = r"north[- ]?east|north[- ]?west|south[- ]?east|south[- ]?west|north|south|east|west|NE|NW|SE|SW"
_OFFSET = re.compile(
    rf"(?:(?P<distance>\d+(?:[.,]\d+)?)\s*(?P<unit>km|kms|kilomet(?:er|re)s?|mi|miles?)\.?\s+)?"
    rf"(?P<direction>{_DIRECTION_WORD})(?:ern)?\s+of\s+(?P<place>.+)$",
    re.IGNORECASE,
)
# "north of X" with no distance: how far we assume, and how unsure that is (documented in README).
UNSTATED_OFFSET_KM = 10.0
# Farther than this from a town is no description of where something happened (a typo or a distance to a capital).
MAX_OFFSET_KM = 1000.0
_BETWEEN = re.compile(r"\bbetween\s+(?P<a>.+?)\s+and\s+(?P<b>.+)$", re.IGNORECASE)


def _country_names(codes, gazetteer: Gazetteer) -> str:
    return "–".join((gazetteer.country(c).name if gazetteer.country(c) else c) for c in codes)


def _side_country(text: str, gazetteer: Gazetteer, exclude: set[str]) -> str | None:
    for match in _SIDE.finditer(text):
        code = country_code(match.group("in") or match.group("side"), gazetteer)
        if code and code not in exclude:
            return code
    return None


def _border_area(text: str, matched: str, gazetteer: Gazetteer, a: str, b: str, side: str | None) -> Resolution:
    pair = sorted((a, b))
    area = regions.border_region(*pair, side=side)
    if area is None:
        return Resolution(text, reason=f"{a} and {b} share no land border in Natural Earth")
    name = f"{_country_names(pair, gazetteer)} border region"
    if side:
        name = f"{_country_names([side], gazetteer)} side of the {name}"
    return area_resolution(text, area, name, side or "/".join(pair), matched, "region:border")


def border(text: str, gazetteer: Gazetteer, ctx: Context) -> Resolution | None:
    """Zones along land borders, cut to one side when the text names it."""
    if not _BORDER_WORD.search(text):  # every border phrase has the word; most mentions do not (speed)
        return None
    pair = _PAIR_BORDER.search(text) or _BETWEEN_BORDER.search(text)
    if pair:
        a = country_code(pair.group("a"), gazetteer, anchor="end")
        b = country_code(pair.group("b"), gazetteer)
        if a and b and a != b:
            side = _side_country(text, gazetteer, set())
            return _border_area(text, pair.group(0), gazetteer, a, b, side if side in (a, b) else None)
    near = _BORDER_WITH.search(text)
    b = country_code(near.group("b"), gazetteer) if near else None
    if not b:
        near = _NEAR_BORDER.search(text)
        # The adjective stands next to "border": "near the Iraqi border", "on the Iraqi side of the border".
        b = country_code(near.group("b"), gazetteer, anchor="end") if near else None
    if not b:
        return None
    side = _side_country(text[: near.start()] + " " + text[near.end():], gazetteer, {b}) or ctx.country
    side = side if side != b else None
    if side and regions.border_line(side, b) is not None:
        return _border_area(text, near.group(0), gazetteer, side, b, side)
    area = regions.country_border_region(b, side=side)
    if area is None:
        return Resolution(text, reason=f"no land border found for {b}")
    return area_resolution(text, area, f"land borders of {_country_names([b], gazetteer)}", side or b,
                           near.group(0), "region:border")


def direction(text: str, gazetteer: Gazetteer, ctx: Context) -> Resolution | None:
    """ "eastern Syria", "northern Anbar": that part of the country or province."""
    import shapely

    match = _DIRECTION.match(text)
    if not match:
        return None
    word = re.sub(r"[- ]", "", match.group("direction").lower())
    word = "central" if word in ("centre", "center") else word
    place = best_place(strip_filler(match.group("area")), gazetteer, ctx, kinds=("country", "admin1"))
    wkb = gazetteer.geometry_wkb(place.id) if place is not None and place.exact else None
    if wkb is None:
        return None
    adjective = word if word == "central" else word + "ern"
    area = regions.part_of(shapely.from_wkb(wkb), word, f"{adjective} part of {place.name}")
    if area is None:
        return None
    return area_resolution(text, area, f"{adjective} {place.name}", place.country, match.group(0),
                           f"region:{place.kind}-part", admin1=place.admin1 or None)


def rural(text: str, gazetteer: Gazetteer, ctx: Context, resolve_name) -> Resolution | None:
    """ "the Damascus countryside", "rural Deir ez-Zor": the province around the city, not the city.

    Natural Earth names Damascus' surroundings "Rif Dimashq" ("Damascus countryside"), so that
    province wins where it exists; otherwise the province the city lies in.
    """
    match = _RURAL.match(text)
    if not match:
        return None
    words = strip_filler(match.group("a") or match.group("b"))
    city = resolve_name(words, ctx)
    if city is None:
        return None
    # A province the city's name also names but that is not the city's own ("Damascus" names Rif Dimashq,
    # the countryside around Damascus, as well as the city's province).
    around = [p.name for p in gazetteer.lookup(city.name, kinds=("admin1",))
              if p.exact and p.country == city.country and name_key(p.name) != name_key(city.name)]
    for candidate in (f"Rif {city.matched}", f"Rif {city.name}", *around, city.admin1 or ""):
        province = best_place(candidate, gazetteer, ctx.with_country(city.country), kinds=("admin1",))
        if province is not None and province.exact:
            found = resolve_name(province.name, ctx.with_country(city.country), kinds=("admin1",))
            if found is not None:
                return replace(found, query=text, matched=match.group(0), source=f"{found.source}:rural")
    return None


# "the Makhmour refugee camp", "Zamzam camp": a camp named after a town lies by it, not in it.
CAMP = re.compile(r"^(?:the\s+)?(?P<place>.+?)\s+(?:refugee\s+|displacement\s+|displaced\s+persons\s+|IDP\s+)?"
                  r"camps?$", re.IGNORECASE)


def site(text: str) -> Resolution | None:
    """A curated military site or crossing named anywhere in the mention (``geo/sites.csv``)."""
    from .sites import find_site

    found = find_site(text)
    if found is None:
        return None
    place, alias = found
    near = bool(NEAR.search(text)) and not re.search(
        r"\b(?:at|in|inside)\s+(?:the\s+)?" + re.escape(alias.split()[0]), fold(text))
    radius = max(place.radius_km, NEAR_RADIUS_KM) if near else place.radius_km
    return Resolution(
        query=text, name=place.name, country=place.country, lat=place.lat, lon=place.lon,
        precision=PRECISION_NEAR if near else PRECISION_TOWN, radius_km=radius,
        geometry=point_geometry(place.lon, place.lat), source="sites", matched=alias,
        extra={"site_kind": place.kind, "site_source": place.source},
    )


@functools.lru_cache(maxsize=1)
def _geod():
    import pyproj

    return pyproj.Geod(ellps="WGS84")


def offset(text: str, ctx: Context, resolve_name) -> Resolution | None:
    """ "10 km north of Mosul", "5 miles SE of Hit", "north of Raqqa": an offset point, a wide radius."""
    match = _OFFSET.search(text)
    if not match:
        return None
    anchor = resolve_name(match.group("place"), ctx)
    if anchor is None or anchor.precision == PRECISION_REGION:
        return None
    bearing = re.sub(r"[- ]", "", match.group("direction").lower())
    if match.group("distance"):
        distance_km = float(match.group("distance").replace(",", "."))
        if match.group("unit").lower().startswith("mi"):
            distance_km *= 1.609344
        if distance_km > MAX_OFFSET_KM:
            # "99999999999999999999 km north of Mosul" would wrap round the globe with a radius of 4e19 km.
            return Resolution(text, reason=f"an offset of {distance_km:,.0f} km is too far to place "
                                           f"(at most {MAX_OFFSET_KM:,.0f} km from the named place)")
        # Stated distances are rounded and bearings are to the nearest 45 degrees.
        spread_km = max(3.0, 0.4 * distance_km)
    else:
        distance_km, spread_km = UNSTATED_OFFSET_KM, 2 * UNSTATED_OFFSET_KM
    lon, lat, _ = _geod().fwd(anchor.lon, anchor.lat, _BEARINGS[bearing], distance_km * 1000)
    return Resolution(
        query=text, name=f"{round(distance_km, 1):g} km {bearing} of {anchor.name}", country=anchor.country,
        admin1=anchor.admin1, lat=round(lat, 5), lon=round(lon, 5), precision=PRECISION_NEAR,
        radius_km=round(spread_km + (anchor.radius_km or 0), 1), geometry=point_geometry(lon, lat),
        source=f"offset:{anchor.source}", matched=match.group(0), **doubt_of(anchor),
    )


def between(text: str, ctx: Context, resolve_name) -> Resolution | None:
    """ "between Abu Kamal and Al-Mayadin": the corridor joining the two places."""
    import shapely

    match = _BETWEEN.search(text)
    if not match:
        return None
    first, second = resolve_name(match.group("a"), ctx), resolve_name(match.group("b"), ctx)
    if first is None or second is None or PRECISION_REGION in (first.precision, second.precision):
        return None
    # Each end is also read near the other ("between Al-Qaim and Rawa" is Iraq's Rawah, not Poland's);
    # the shorter of the readings wins.
    pairs = [(first, second),
             (first, resolve_name(match.group("b"), Context(ctx.country, ctx.focus, (first.lat, first.lon)))),
             (resolve_name(match.group("a"), Context(ctx.country, ctx.focus, (second.lat, second.lon))), second)]
    first, second = min(((a, b) for a, b in pairs if a is not None and b is not None),
                        key=lambda ab: km_between(ab[0].lat, ab[0].lon, ab[1].lat, ab[1].lon))
    line = shapely.LineString([(first.lon, first.lat), (second.lon, second.lat)])
    area = regions.corridor(line, f"between {first.name} and {second.name}")
    countries = "/".join(sorted({first.country, second.country}))
    found = area_resolution(text, area, area.description, countries, match.group(0), "region:between")
    return replace(found, **doubt_of(first, second))
