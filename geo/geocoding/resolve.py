"""Resolve a place mention into a point, a geometry and an honest precision.

``resolve_mention(text)`` reads the mention as written and returns a ``Resolution``.
The stages run in this order; the first answer wins:

1. phrases (``geo.geocoding.phrases``): a curated site, a border zone, "eastern Syria", "the
   Damascus countryside", "10 km north of Mosul", "between X and Y";
2. "near X", "the outskirts of X": X's point with at least ``NEAR_RADIUS_KM``, precision 2;
3. a name (``geo.geocoding.candidates``): a town (precision 1), a province or a country (its
   outline, precision 3). "Hit, Iraq" or ``country="IQ"`` restricts the answer.

Anything else is unresolved, with a reason. An area keeps its polygon: no point is
invented for it. ``resolve_mentions`` reads the mentions of one report or archive
together, so that each ambiguous name is read near the others.
"""

from __future__ import annotations

import functools
import re
import statistics
from collections import Counter
from dataclasses import replace

from . import phrases
from .admin_words import admin_unit, unit_names
from .candidates import (ALL_KINDS, ambiguity, assess, best_place, candidate_spans, comma_context, is_name_word,
                         strip_filler)
from .gazetteer import Gazetteer, Place, acronym_key, load_gazetteer
from .names import clean_mention, fold, name_key
from .resolution import (NEAR_RADIUS_KM, PRECISION_NEAR, PRECISION_REGION, PRECISION_TOWN, Context,  # noqa: F401
                         Resolution, area_resolution, point_geometry, to_geojson_geometry)

MAX_MENTION_CHARS = 500
# A district is named by its seat's point: the unit reaches this far around it.
DISTRICT_RADIUS_KM = 30.0
# Offline answers an online provider (when one is switched on) is asked to improve on.
WEAK_SOURCES = ("unresolved", "gazetteer:spelling", "gazetteer:fuzzy")
# resolve_mentions: a country is in a report's focus when this share of its confident answers lie there.
FOCUS_SHARE = 0.1
# Up to this many mentions are one report, with one neighbourhood; more are an archive of many.
REPORT_SIZE = 50


# ------------------------------------------------------------------ names


@functools.lru_cache(maxsize=1024)
def _admin1_shape(gazetteer: Gazetteer, place: Place) -> tuple[dict, float]:
    """A province's GeoJSON outline and reach from its point (cached: outlines are large)."""
    import shapely

    from . import regions

    shape = shapely.from_wkb(gazetteer.geometry_wkb(place.id))
    return to_geojson_geometry(shape), float(regions.radius_km_around(shape, place.lon, place.lat))


def _place_resolution(text: str, place: Place, matched: str, gazetteer: Gazetteer, near: bool) -> Resolution | None:
    if place.lat is None or place.lon is None:  # the Vatican: Natural Earth's outline is empty, so no point either
        return None
    source = {"exact": "gazetteer", "spelling": "gazetteer:spelling", "fuzzy": "gazetteer:fuzzy"}[place.match]
    common = dict(query=text, name=place.name, country=place.country, admin1=place.admin1 or None,
                  lat=round(place.lat, 5), lon=round(place.lon, 5), matched=matched)
    if place.kind == "country":
        from . import regions

        area = regions.country_area(place.country)
        return area_resolution(text, area, place.name, place.country, matched, f"{source}:country") if area else None
    if place.kind == "admin1":
        geometry, radius = _admin1_shape(gazetteer, place)
        return Resolution(**common, precision=PRECISION_REGION, radius_km=radius, geometry=geometry,
                          source=f"{source}:admin1")
    if place.kind == "admin2":  # a district: around its seat, as far as its farthest town and near it
        radius = max(DISTRICT_RADIUS_KM, gazetteer.unit_reach_km(place.id) + NEAR_RADIUS_KM)
        return Resolution(**common, precision=PRECISION_NEAR, radius_km=round(radius, 1),
                          geometry=point_geometry(place.lon, place.lat), source=f"{source}:admin2",
                          extra={"geonameid": place.geonameid})
    return Resolution(**common, precision=PRECISION_NEAR if near else PRECISION_TOWN,
                      radius_km=max(place.radius_km, NEAR_RADIUS_KM) if near else place.radius_km,
                      geometry=point_geometry(place.lon, place.lat), source=source,
                      extra={"geonameid": place.geonameid, "population": place.population})


def resolve_name(text: str, ctx: Context, near: bool = False, gazetteer: Gazetteer | None = None,
                 kinds: tuple[str, ...] | None = None) -> Resolution | None:
    """The place a name (with an optional ", Country" or ", Province") stands for, or None."""
    gazetteer = gazetteer or load_gazetteer()
    if kinds is None:
        unit = resolve_unit(text, ctx, gazetteer)
        if unit is not None:
            return unit
    head, *rest = [part.strip() for part in text.split(",")]
    country, admin1 = comma_context(rest, gazetteer)
    ctx = ctx.with_country(country)
    kinds = kinds or ALL_KINDS
    spans = candidate_spans(strip_filler(head))
    if not spans and acronym_key(head) and gazetteer.lookup(head.strip(), kinds):  # "FATA": a province's initials
        spans = [head.strip()]
    # Every span by its spellings first; typo-tolerant matching only when none of them matches.
    for span, fuzzy in [(span, False) for span in spans] + [(span, True) for span in spans]:
        place = best_place(span, gazetteer, ctx, admin1, kinds, fuzzy=fuzzy)
        if place is None:
            continue
        found = _place_resolution(text, place, span, gazetteer, near)
        if found is None:  # a country without an outline to draw (the Vatican's is empty): not this span
            continue
        return _with_rivals(found, span, place, gazetteer, ctx)
    return None


def _with_rivals(found: Resolution, span: str, place: Place, gazetteer: Gazetteer, ctx: Context) -> Resolution:
    """The answer with what speaks for and against it: score, status, rivals, the ambiguity warning
    (``candidates.assess``) and the countries sharing the name."""
    elsewhere = sorted({p.country for p in gazetteer.lookup(span) if p.country != place.country})
    score, status, reason, rivals = assess(span, place, gazetteer, ctx, ambiguity(span, place, gazetteer, ctx))
    return replace(found, warning=reason, score=score, status=status, rivals=rivals,
                   extra={**found.extra, "same_name_elsewhere": elsewhere})


def resolve_unit(text: str, ctx: Context, gazetteer: Gazetteer) -> Resolution | None:
    """A name given with its administrative word (``geo.geocoding.admin_words``), or None.

    "Donetsk oblast", "wilayat Helmand", "Deir ez-Zor governorate": the province, never the city of the
    same name. "Sirte district", "Kurram agency", "Bakhmutskyi raion": a province only by that province's
    own name (Libya's districts are its first-level units; ``_district_may_be_province``), otherwise the
    district's seat, at precision 2 with the district's reach (``DISTRICT_RADIUS_KM``).
    """
    head, *rest = [part.strip() for part in text.split(",")]
    unit = admin_unit(head)
    if unit is None:
        return None
    name, level = unit
    country, admin1 = comma_context(rest, gazetteer)
    ctx = ctx.with_country(country)
    names = unit_names(name)
    for form in names:
        area = best_place(form, gazetteer, ctx, admin1, kinds=("admin1",), fuzzy=False)
        if area is not None and level == 2 and not _district_may_be_province(form, area, gazetteer):
            area = None
        if area is not None:
            found = _place_resolution(text, area, form, gazetteer, near=False)
            return _with_rivals(found, form, area, gazetteer, ctx) if found else None
    for form in names if level == 2 else ():
        district = best_place(form, gazetteer, ctx, admin1, kinds=("admin2",), fuzzy=False)
        if district is not None and district.exact:
            found = _place_resolution(text, district, form, gazetteer, near=False)
            return _with_rivals(found, form, district, gazetteer, ctx)
    for form in names if level == 2 else ():
        town = best_place(form, gazetteer, ctx, admin1, kinds=("place",), fuzzy=False)
        if town is not None:
            found = _place_resolution(text, town, form, gazetteer, near=True)
            found = replace(found, radius_km=max(found.radius_km, DISTRICT_RADIUS_KM))
            return _with_rivals(found, form, town, gazetteer, ctx)
    return None


def _district_may_be_province(name: str, area: Place, gazetteer: Gazetteer) -> bool:
    """Whether "<name> district" may be the province ``area``: when ``name`` is the province's own name
    ("Sirte district": Libya's districts are its provinces), or no town elsewhere bears it. A former or
    foreign name of a province ("Achin", once Aceh's) is a town's before it is a province's."""
    if name_key(name) == name_key(area.name):
        return True
    return all(t.country == area.country for t in gazetteer.lookup(name, kinds=("place",)) if t.exact)


# ------------------------------------------------------------------ entry points


def resolve_mention(text: str, country: str | None = None, gazetteer: Gazetteer | None = None,
                    near_point: tuple[float, float] | None = None, provider=None,
                    focus: tuple[str, ...] = ()) -> Resolution:
    """Resolve one place mention.

    ``country`` (ISO alpha-2) restricts names to that country; ``focus`` (ISO codes) prefers places in
    those countries; ``near_point`` (lat, lon) prefers places near it (the rest of the report).
    ``provider`` (``geo.geocoding.providers``) is asked only where the offline answer is missing or a loose
    spelling match; if it fails, the offline answer comes back with a ``warning`` naming the failure.
    """
    if not isinstance(text, str):
        return Resolution(str(text), reason="a place mention must be text")
    ctx = Context((country or "").upper() or None, tuple(sorted(c.upper() for c in focus)), near_point)
    offline = _resolve_cached(text, ctx) if gazetteer is None else _resolve(text, ctx, gazetteer)
    if provider is None or offline.source not in WEAK_SOURCES:
        return offline
    from .providers import resolve_online

    return replace(resolve_online(clean_mention(text), offline, provider, ctx.country), query=text)


def report_focus(resolutions: list[Resolution]) -> tuple[str, ...]:
    """The countries a set of mentions is about: where the names found in one country only lie
    ("Al-Bukamal", "Deir ez-Zor"; not "Rawa", which is also in Poland)."""
    confident = Counter(c for r in resolutions
                        if r.resolved and r.source in ("gazetteer", "sites")
                        and not r.extra.get("same_name_elsewhere")
                        for c in (r.country or "").split("/") if c)
    total = sum(confident.values())
    return tuple(sorted(c for c, n in confident.items() if total and n / total >= FOCUS_SHARE))


def reading_context(first: list[Resolution], focus: tuple[str, ...] = ()
                    ) -> tuple[tuple[str, ...], tuple[float, float] | None]:
    """(focus, centre) to read a list of mentions with, from their first answers (one per mention, in the
    list's order, repeats included): the countries they are about added to ``focus``, and, for a
    report-sized list, the middle of its confident towns. ``geo.batch`` computes it once per archive."""
    focus = tuple(sorted(set(focus) | set(report_focus(first))))
    anchors = [(r.lat, r.lon) for r in first if r.resolved and r.warning is None
               and r.precision in (PRECISION_TOWN, PRECISION_NEAR)]
    centre = None
    if len(anchors) >= 2 and len(first) <= REPORT_SIZE:
        centre = (statistics.median(a[0] for a in anchors), statistics.median(a[1] for a in anchors))
    return focus, centre


def resolve_mentions(texts: list[str], country: str | None = None, provider=None,
                     focus: tuple[str, ...] = (), progress=None) -> list[Resolution]:
    """Resolve the mentions of one report (or archive) together: each ambiguous name is read in the
    countries the others are about (``report_focus``) and, for a report-sized list, near them.

    ``progress(done, total)`` is called as the final pass goes.
    """
    first = [resolve_mention(text, country, focus=focus) for text in texts]
    focus, centre = reading_context(first, focus)
    answers = []
    for done, text in enumerate(texts, start=1):
        answers.append(resolve_mention(text, country, near_point=centre, provider=provider, focus=focus))
        if progress:
            progress(done, len(texts))
    return answers


@functools.lru_cache(maxsize=65536)
def _resolve_cached(text: str, ctx: Context) -> Resolution:
    return _resolve(text, ctx, load_gazetteer())


def _resolve(text: str, ctx: Context, gazetteer: Gazetteer) -> Resolution:
    cleaned = clean_mention(text)
    if not cleaned:
        return Resolution(text, reason="empty mention")
    if len(cleaned) > MAX_MENTION_CHARS:
        return Resolution(text, reason=f"mention longer than {MAX_MENTION_CHARS} characters")
    if not fold(cleaned):
        return Resolution(text, reason="no letters in the mention")

    cleaned = _possessive(cleaned, gazetteer)

    def name(words: str, context: Context, kinds=None) -> Resolution | None:
        return resolve_name(words, context, gazetteer=gazetteer, kinds=kinds)

    found = (
        phrases.site(cleaned)
        or resolve_unit(cleaned, ctx, gazetteer)
        or phrases.border(cleaned, gazetteer, ctx)
        or phrases.direction(cleaned, gazetteer, ctx)
        or phrases.rural(cleaned, gazetteer, ctx, name)
        or phrases.offset(cleaned, ctx, name)
        or phrases.between(cleaned, ctx, name)
    )
    near = phrases.NEAR.search(cleaned) or phrases.CAMP.match(cleaned)
    if found is None and near:
        found = resolve_name(near.group("place"), ctx, near=True, gazetteer=gazetteer)
    if found is None:
        found = resolve_name(cleaned, ctx, gazetteer=gazetteer)
    if found is not None:
        return found if found.query == text else replace(found, query=text)
    if not any(is_name_word(token) for token in cleaned.split()):
        return Resolution(text, reason=f"no capitalised place name in {cleaned!r} (lower-case words are "
                                       "never taken for places, so that 'hit' stays a verb)")
    where = f" in {ctx.country}" if ctx.country else ""
    return Resolution(text, reason=f"no place{where} in the offline gazetteer matches {cleaned!r}")


_POSSESSIVE = re.compile(r"^(?P<owner>[^,]+?)['’]s\s+(?P<rest>[^,]+)$")


def _possessive(text: str, gazetteer: Gazetteer) -> str:
    """ "Shabwah's Bayhan district" is "Bayhan district, Shabwah": a province's or country's possessive
    names where the rest lies. Any other possessive ("Hezbollah's Radwan Force") is left as written."""
    found = _POSSESSIVE.match(text)
    if not found:
        return text
    owner = found.group("owner").strip()
    if gazetteer.country_code(owner) or any(p.exact for p in gazetteer.lookup(owner, kinds=("admin1",))):
        return f"{found.group('rest')}, {owner}"
    return text


# ------------------------------------------------------------------ tables

# Columns the batch form adds; prefixed so they never collide with a table's own (or ACLED's) columns.
RESOLUTION_COLUMNS = ["geocode_name", "geocode_country", "geocode_admin1", "lat", "lon", "geocode_precision",
                      "geocode_radius_km", "geocode_source", "geocode_matched", "geocode_reason", "geocode_warning",
                      "geocode_confidence", "geocode_status"]


def geocode_column(frame, column: str, country: str | None = None, progress=None, provider=None,
                   focus: tuple[str, ...] = (), min_confidence: float | None = None):
    """Geocode one column of a table, read as one archive (``resolve_mentions``); returns a GeoDataFrame:
    the rows, the resolution columns, the geometry. ``progress(done, total)`` drives the CLI's tqdm bar;
    answers scoring under ``min_confidence`` are left unresolved, with the reason.
    """
    if column not in frame.columns:
        raise KeyError(f"no column {column!r}; the columns are {', '.join(map(str, frame.columns))}")
    answers = resolve_mentions(mention_texts(frame[column]), country, provider=provider, focus=focus,
                               progress=progress)
    return with_resolutions(frame, [found.with_min_confidence(min_confidence) for found in answers])


def mention_texts(column) -> list[str]:
    """A table column's cells as the mentions ``geocode_column`` reads (a blank cell is an empty mention)."""
    return column.fillna("").astype(str).tolist()


def with_resolutions(frame, answers: list[Resolution]):
    """``frame`` (its columns kept) with one answer's ``RESOLUTION_COLUMNS`` and geometry per row, in order."""
    import geopandas as gpd

    rows = [[found.name, found.country, found.admin1, found.lat, found.lon, found.precision,
             found.radius_km, found.source, found.matched, found.reason, found.warning,
             found.score, found.status] for found in answers]
    shapes = [found.shape() for found in answers]
    added = gpd.GeoDataFrame(rows, columns=RESOLUTION_COLUMNS, index=frame.index, geometry=shapes, crs="EPSG:4326")
    added["geocode_precision"] = added["geocode_precision"].astype("Int64")
    kept = frame.drop(columns=[c for c in RESOLUTION_COLUMNS + ["geometry"] if c in frame.columns])
    return gpd.GeoDataFrame(kept.join(added.drop(columns="geometry")), geometry=added.geometry, crs="EPSG:4326")
