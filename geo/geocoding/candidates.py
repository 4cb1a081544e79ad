"""From the words of a mention to the gazetteer entry they most likely name.

The rules a careful reader applies, in one place:

* only capitalised words standing where a place would (after "in", "near", "struck" ...,
  at the start, or shaped like an Arabic place name) are read as places, never acronyms
  ("US", "KH") or media and group names that look like places ("Al Jazeera");
* a country or province after a comma ("Hit, Iraq", "al-Qaim, Anbar") or ``--country``
  restricts the answer;
* among places of one name: near the report's other places first, then in its focus
  countries, then an exact spelling over a loose one, then importance (population; a
  province counts as ``ADMIN1_IMPORTANCE``);
* a city beats the province named after it ("Idlib" is the city; "Idlib province" is not);
* a loose match on a very short name needs context, and a fuzzy match never leaves the focus;
* an answer with a comparable rival in another country carries a warning naming it;
* every answer is scored (``assess``): the match's worth times its share of the importance of the
  places the words could also name (its rivals), lowered when a loose match lies outside the context
  or has none; under ``CONFIDENT_SCORE`` it is "ambiguous", with the reason.
"""

from __future__ import annotations

import functools
import math
import re

from .admin_words import WORDS_PATTERN
from .gazetteer import ALL_KINDS, Gazetteer, Place
from .names import ARTICLES, fold, name_key, skeleton_key, skeleton_keys
from .resolution import Context

# Provinces outrank villages of the same name, but not big cities ("Raqqa" is the city).
ADMIN1_IMPORTANCE = 200_000
# A district (second-level unit) weighs as a town of this size; a town of its name in it is still the likelier
# reading of the bare name ("Hangu" is the town, "Hangu district" the district).
ADMIN2_IMPORTANCE = 50_000
# A city this big named like its province is the province's capital, and the likelier reading.
CAPITAL_MIN_POPULATION = 10_000
# ... and this big when only a loose spelling names it like its province ("Zaporizhia", "Nikolayev").
LOOSE_CAPITAL_MIN_POPULATION = 100_000
# What a seat of administration whose population GeoNames does not give weighs: a district town.
SEAT_IMPORTANCE = 10_000
# An entry whose own name the mention is outweighs one it names only by an alternate name this many times.
OWN_NAME_WEIGHT = 4
# A loose spelling of a city this big, this many times the best exact reading, is the likelier one, when
# the loose key is at least this long ("Wana" stays Wana, not Vienna).
LOOSE_CITY_MIN_POPULATION = 100_000
LOOSE_OVER_EXACT = 20
LOOSE_OVER_EXACT_MIN_KEY = 6
LOOSE_OVER_EXACT_MIN_RATIO = 80
# A short loose spelling of one of a place's other names (not its own) needs the place to weigh this much, or context.
LOOSE_ALTERNATE_MIN_IMPORTANCE = 20_000
# Other places in the same report within this distance make a candidate the likelier reading.
CONTEXT_RADIUS_KM = 300.0
# A rival in another country at least this fraction as important makes the answer "ambiguous".
AMBIGUITY_RATIO = 0.2
# Loose (skeleton) keys shorter than this match too much ("Qayara" and "Kaira" both fold to "kara").
MIN_LOOSE_KEY = 5
# Proper names in reports that look like places but are media, groups or parties; with every name and
# spelling of the armed actors reports name (``geo/reports/actors.csv``: "Hamas" is not Hamm in Germany,
# "Wagner Group" not a Wagner in the US) and the weapons strike reports name ("Iskander" is the missile,
# not Iskandar in Uzbekistan). See ``is_not_place``.
NOT_PLACES = frozenset(name_key(n) for n in (
    "Al Jazeera", "Al Arabiya", "Al-Hurra", "Al Mayadeen TV", "Al-Monitor", "Al-Sumaria", "Al-Qaeda",
    "Al-Qaida", "Al-Shabaab", "Al-Nusra", "Jabhat al-Nusra", "Hayat Tahrir al-Sham", "Ahrar al-Sham",
    # weapons and weapon systems
    "Iskander", "Iskander-M", "Kalibr", "Kinzhal", "Shahed", "Geran", "Tomahawk", "Storm Shadow", "SCALP",
    "HIMARS", "ATACMS", "Hellfire", "Bayraktar", "Tochka", "Tochka-U", "Lancet", "Zircon", "Oniks",
))

# ------------------------------------------------------------------ ranking

# A village weighs at least this much against its rivals: two hamlets of one name are a toss-up.
MIN_WEIGHED_IMPORTANCE = 1_000


def importance(place: Place) -> float:
    if place.kind == "country":
        return 1e12
    if place.kind == "admin1":
        return ADMIN1_IMPORTANCE
    if place.kind == "admin2":
        return ADMIN2_IMPORTANCE
    # GeoNames' cities500 holds a place of unknown population (0) only as the seat of an administrative
    # unit: Yemen's district towns (Bayhan, Lawdar), Pakistan's agency seats (Parachinar).
    return place.population or SEAT_IMPORTANCE


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


def _near(place: Place, ctx: Context) -> bool:
    # A place without a point (the Vatican: Natural Earth's outline is empty) is near nothing, not a TypeError.
    return (ctx.near_point is not None and place.lat is not None
            and km_between(place.lat, place.lon, *ctx.near_point) <= CONTEXT_RADIUS_KM)


def _in_context(place: Place, ctx: Context) -> bool:
    return _near(place, ctx) or place.country in ctx.focus or place.country == ctx.country


@functools.lru_cache(maxsize=1)
def _actor_words() -> tuple[frozenset[str], frozenset[str]]:
    """Name keys of every name and spelling in the actor list, and its abbreviations as written ("ANA" is an
    army, "Ana" a town on the Euphrates)."""
    from geo.reports.actors import actor_rows

    rows = actor_rows()
    return (frozenset(name_key(name) for _, _, names in rows for name in names),
            frozenset(a for _, abbreviations, _ in rows for a in abbreviations))


def is_not_place(name: str, gazetteer: Gazetteer) -> bool:
    """Whether ``name`` names a group, a medium or a weapon (``NOT_PLACES``, the actor list), never a place;
    a possessive ("Hezbollah's") is the name's."""
    name = re.sub(r"['’]s$", "", name.strip())
    key = name_key(name)
    actor_names, actor_abbreviations = _actor_words()
    if key in actor_names:  # an actor's alias that is a country's name ("United States") stays the country
        return not gazetteer.country_code(name)
    return key in NOT_PLACES or name in actor_abbreviations


@functools.lru_cache(maxsize=65536)
def _with_article(text: str) -> str:
    """The folded name with an article assimilated to the next word written "al": "al-Susah" and
    "As Sūsah" are one name written alike (al- before a sun letter is said, and often written, as-).
    "el" stays "el": "Ras El Aïn" (Morocco) is not written as "Ras al-Ain" (Syria) is."""
    tokens = fold(text).split()
    return " ".join("al" if t in ARTICLES and t.startswith("a") and i + 1 < len(tokens)
                    and tokens[i + 1].startswith(t[1:]) else t for i, t in enumerate(tokens))


def _written(place: Place, name: str) -> int:
    """How closely the entry's own name is the mention: 2 as written, article included ("Ad Dali'" is
    Yemen's Aḑ Ḑāli‘, not China's Dali; "al-Susah" is Syria's As Sūsah), 1 the same name by either key
    ("Sloviansk" is Slovyansk's own name, only an alternate one of Nikopol's), 0 one of its alternate
    names only (Brazil's Oeiras was once "Mocha"; Russia's Engels once "Pokrovsk")."""
    if name_key(name) != fold(name) and _with_article(place.name) == _with_article(name):
        return 2
    return 1 if name_key(place.name) == name_key(name) or skeleton_key(place.name) == skeleton_key(name) else 0


def weight(place: Place, name: str, floor: float = MIN_WEIGHED_IMPORTANCE) -> float:
    """What a reading of ``name`` weighs: its importance (at least ``floor``), ``OWN_NAME_WEIGHT`` times more
    for an entry whose own name the mention is, and again when written as the mention is, article included."""
    return max(importance(place), floor) * OWN_NAME_WEIGHT ** _written(place, name)


_DOUBLED_LETTER = re.compile(r"(.)\1+")


def _alike(a: str, b: str, doubled_as_one: bool = False) -> bool:
    """Whether two names are spelt alike letter by letter (rapidfuzz ratio of their keys), not only by
    their loose keys: "Vinnitsa" and "Vinnytsya" are; "Mayadine" and "Madinah" are not. ``doubled_as_one``
    (for short names): a doubled letter (a long vowel, a stressed consonant) read as one, so "Sakow" and
    "Saacow" (Somali) are alike, "Luq" and "Luuq" too."""
    from rapidfuzz import fuzz

    a, b = name_key(a), name_key(b)
    if doubled_as_one:
        a, b = _DOUBLED_LETTER.sub(r"\1", a), _DOUBLED_LETTER.sub(r"\1", b)
    return fuzz.ratio(a, b) >= LOOSE_OVER_EXACT_MIN_RATIO


def _rank(place: Place, name: str, ctx: Context, preferred: frozenset[int]) -> tuple:
    """Ranking among the readings of one name: near the report's other places, in its focus, an exact
    spelling (or a loose one that names a far bigger place, ``preferred``), then its ``weight`` (unfloored:
    between two hamlets the bigger one wins)."""
    return (_near(place, ctx), place.country in ctx.focus, place.exact or place.id in preferred,
            weight(place, name, floor=0))


def best_place(name: str, gazetteer: Gazetteer, ctx: Context, admin1: str | None = None,
               kinds: tuple[str, ...] = ALL_KINDS, fuzzy: bool = True) -> Place | None:
    """The most likely gazetteer entry for ``name`` read in ``ctx``, or None.

    ``fuzzy`` allows the typo-tolerant last resort when no spelling of the name matches."""
    if is_not_place(name, gazetteer):
        return None
    candidates = gazetteer.lookup(name, kinds=kinds)
    if candidates and not candidates[0].exact and len(skeleton_key(name)) < MIN_LOOSE_KEY:
        # A short loose key matches too much; it stands only in context, or where the entry's own name is
        # the mention spelt alike, with or without a long vowel or an ending ("Radaa", "Rada'a": Yemen's
        # Radā‘; "Luq", "Sakow": Somalia's Luuq, Saacow).
        loose = set(skeleton_keys(name))
        candidates = [p for p in candidates if _in_context(p, ctx)
                      or ((name_key(p.name) in loose or skeleton_key(p.name) in loose) and _alike(name, p.name, doubled_as_one=True))]
    if candidates and not candidates[0].exact and len(skeleton_key(name)) < LOOSE_OVER_EXACT_MIN_KEY:
        # A short loose spelling of a village's other name only ("Qurac": Korets' Czech name Korec) is a
        # coincidence of letters, unless the context or the village's own name speaks for it.
        candidates = [p for p in candidates if _in_context(p, ctx) or _written(p, name)
                      or importance(p) >= LOOSE_ALTERNATE_MIN_IMPORTANCE]
    if not candidates and fuzzy:
        candidates = gazetteer.fuzzy_lookup(name, kinds=kinds)
        if ctx.focus or ctx.country:
            candidates = [p for p in candidates if _in_context(p, ctx)]
    if ctx.country:
        candidates = [p for p in candidates if p.country == ctx.country]
    if admin1:
        wanted = fold(admin1)
        candidates = [p for p in candidates if wanted and wanted in fold(p.admin1)] or candidates
    if not candidates:
        return None
    preferred = frozenset()
    if candidates[0].exact and "place" in kinds and len(skeleton_key(name)) >= LOOSE_OVER_EXACT_MIN_KEY:
        # An exact name of a hamlet against a loose spelling of a city: "Vinnitsa" is Vinnytsia (430,000),
        # not the Russian village Vinnitsy (2,200).
        top = max(importance(p) for p in candidates)
        bigger = [p for p in gazetteer.every_match(name, ("place",)) if not p.exact
                  and p.population >= LOOSE_CITY_MIN_POPULATION and p.population >= LOOSE_OVER_EXACT * top
                  and (not ctx.country or p.country == ctx.country) and _alike(name, p.name)]
        candidates += bigger
        preferred = frozenset(p.id for p in bigger)
    # A district with a town of its name in it is not another reading of the bare name: the town is.
    candidates = [p for p in candidates if p.kind != "admin2" or not _town_in(p, candidates, gazetteer)]
    best = max(candidates, key=lambda p: _rank(p, name, ctx, preferred))
    if best.kind == "admin1" and "admin1" in kinds and "place" in kinds:
        capitals = [p for p in candidates if p.kind == "place" and p.country == best.country
                    and fold(p.admin1) == fold(best.name) and p.population >= CAPITAL_MIN_POPULATION]
        if not capitals and best.exact:  # the capital by a loose spelling: "Nikolayev" is Mykolaiv the city
            capitals = [p for p in gazetteer.every_match(name, ("place",)) if p.country == best.country
                        and fold(p.admin1) == fold(best.name) and p.population >= LOOSE_CAPITAL_MIN_POPULATION]
        if capitals:
            return max(capitals, key=lambda p: p.population)
    return best


def _town_in(district: Place, candidates: list[Place], gazetteer: Gazetteer) -> bool:
    return any(p.kind == "place" and p.country == district.country and p.lat is not None
               and km_between(p.lat, p.lon, district.lat, district.lon) <= gazetteer.unit_reach_km(district.id) + 1
               for p in candidates)


def ambiguity(name: str, best: Place, gazetteer: Gazetteer, ctx: Context) -> str | None:
    """A warning when another country has a comparably important place of this name ("Ana": Japan's
    Ina or Iraq's Anah), unless the mention or its context already chose."""
    if ctx.country or ctx.near_point is not None or best.kind == "country":
        return None
    found = gazetteer.lookup(name)
    rivals = [p for p in found if p.country != best.country and p.exact == best.exact
              and importance(p) >= AMBIGUITY_RATIO * importance(best)
              and (p.kind != "admin2" or not _town_in(p, found, gazetteer))]
    if best.country in ctx.focus:
        rivals = [p for p in rivals if p.country in ctx.focus]
    if not rivals:
        return None
    others = ", ".join(f"{p.name} ({p.country})" for p in rivals[:3])
    return f"ambiguous name: also {others}; name the country (\"{name}, <country>\") or pass --country to choose"


# ------------------------------------------------------------------ confidence

# A same-named entry this far or farther from the answer is another reading of the words; nearer, it is the
# same place (a city and its own province, GeoNames' duplicate entries of one town).
RIVAL_MIN_KM = 100.0
# What a match is worth before its rivals are weighed: a loose spelling or a typo-tolerant guess is less.
MATCH_WEIGHT = {"exact": 1.0, "spelling": 0.9, "fuzzy": 0.85}
# With no context at all, a loose match is only a guess: its score is multiplied by this.
LOOSE_ALONE_FACTOR = 0.75
# A loose match outside the countries or neighbourhood the context names: its score is multiplied by this.
OUTSIDE_CONTEXT_FACTOR = 0.5
# Under this score an answer is "ambiguous": an exact name whose rivals weigh a sixth of it or more, or
# any loose or typo match not confirmed by context.
CONFIDENT_SCORE = 0.85
MAX_RIVALS = 5


def _same_unit(a: Place, b: Place) -> bool:
    """A town and the province named after it, in one country, are one reading, however far apart their
    points lie (a desert province's centre can be 300 km from its capital)."""
    return a.country == b.country and a.kind != b.kind and {a.kind, b.kind} <= {"place", "admin1", "admin2"}


def rivals_of(name: str, best: Place, gazetteer: Gazetteer) -> list[Place]:
    """Other entries the words could name, by either spelling key, at least ``RIVAL_MIN_KM`` from the
    answer; exact-spelling ones first, then by importance."""
    every = gazetteer.every_match(name, ALL_KINDS)
    far = [p for p in every if p.id != best.id and p.lat is not None and best.lat is not None
           and not _same_unit(p, best) and km_between(p.lat, p.lon, best.lat, best.lon) >= RIVAL_MIN_KM
           and (p.kind != "admin2" or not _town_in(p, every, gazetteer))]  # a district is its town's rival once
    return sorted(far, key=lambda p: (not p.exact, -importance(p)))


@functools.lru_cache(maxsize=65536)  # an archive names the same places again and again
def assess(name: str, best: Place, gazetteer: Gazetteer, ctx: Context,
           warning: str | None = None) -> tuple[float, str, str | None, tuple[dict, ...]]:
    """(score 0-1, status, the reason it is ambiguous or None, rivals) for ``best`` read from ``name``.

    The score is the match's worth (``MATCH_WEIGHT``) times the answer's share of the importance of every
    reading that competes with it (rivals in the same context; an exact answer is not contested by loose
    rivals), lowered when a loose match lies outside the context given, or has no context at all.
    A ``warning`` (``ambiguity``) makes the answer ambiguous whatever its score.
    """
    rivals = rivals_of(name, best, gazetteer)
    has_context = bool(ctx.country or ctx.focus or ctx.near_point)
    inside = _in_context(best, ctx)
    competing = [p for p in rivals if (p.exact or not best.exact)
                 and (not has_context or not inside or _in_context(p, ctx))]
    # Weighed as the ranking weighs them: a big city the words name only by one of its other names does not
    # make a town whose own name they are, article and all, a negligible rival ("al-Susah").
    standing = weight(best, name)
    share = standing / (standing + sum(weight(p, name) for p in competing))
    factor = 1.0
    if not best.exact:  # an exact name is read as written wherever it lies; a loose one needs support
        factor = LOOSE_ALONE_FACTOR if not has_context else 1.0 if inside else OUTSIDE_CONTEXT_FACTOR
    score = round(MATCH_WEIGHT[best.match] * share * factor, 2)
    listed = tuple({"name": p.name, "country": p.country,
                    "km": round(km_between(p.lat, p.lon, best.lat, best.lon))} for p in rivals[:MAX_RIVALS])
    others = ", ".join(f"{r['name']} ({r['country']}, {r['km']:,} km away)" for r in listed[:3])
    reason = warning
    if reason is None and score < CONFIDENT_SCORE:
        how = {"exact": "the name", "spelling": "a loose spelling", "fuzzy": "a typo-tolerant guess"}[best.match]
        if has_context and not inside and not best.exact:
            reason = f"{how} matched in {best.country}, outside the context given"
        elif competing:
            reason = f"{how} matched, but it also names {others}"
        else:
            reason = f"{how} matched, with no context to confirm it; name the country to be sure"
    return score, ("ambiguous" if reason else "resolved"), reason, listed


# ------------------------------------------------------------------ reading the words

_LEADING = re.compile(
    r"^(?:(?:in|at|on|from|to|of|into|the|a|an|town|city|village|area|facility|facilities|site|sites|base|"
    rf"targets?|{WORDS_PATTERN})\s+)+",
    re.IGNORECASE,
)
_TRAILING = re.compile(rf"\s+(?:area|town|city|village|camp|{WORDS_PATTERN})$", re.IGNORECASE)
_ARTICLE_PREFIX = re.compile(r"^(?:al|el|ad|ar|as|ash|az|at|an|ed|er|es|ez|et)[-‘’'ʿ]", re.IGNORECASE)
_CONNECTORS = {"al", "el", "ad", "ar", "as", "ash", "az", "at", "an", "ed", "er", "es", "ez", "et", "bin", "ibn"}
# In running text a capitalised word is read as a place only after one of these words, at the
# start, or when it begins like an Arabic place name. "a man named Ana" stays a man.
_LOCATIVE_WORDS = frozenset(
    "in at near from to into outside around of on toward towards across over between and via past inside "
    "hit struck strike strikes striking targeted targeting bombed shelled attacked raided".split()
)
_PLACE_PREFIXES = frozenset(
    "al el ad ar as ash az abu albu bu deir dayr dair tal tall tel ain ayn ras jabal jebel bir kafr khan "
    "qasr umm beit bayt wadi hammam sheikh".split()
)


def strip_filler(words: str) -> str:
    """Drop words around a name that say nothing about where it is ("the town of", "district")."""
    words = _LEADING.sub("", words.strip(" ,.;:"))
    return _TRAILING.sub("", words).strip(" ,.;:")


def is_name_word(token: str) -> bool:
    return token[:1].isupper() or token[:1] in "‘'ʿ`" or bool(_ARTICLE_PREFIX.match(token))


def _is_acronym(span: str) -> bool:
    """ "US", "KH", "PMF": organisations, never places ("Us" is a village in France)."""
    letters = span.replace(".", "").replace(" ", "")
    return letters.isupper() and len(letters) <= 5


def _place_like(tokens: list[str], start: int) -> bool:
    if start == 0 or tokens[start - 1].lower() in _LOCATIVE_WORDS:
        return True
    first = re.split(r"[-‘’'ʿ]", tokens[start].lower(), maxsplit=1)[0]
    return first in _PLACE_PREFIXES


def candidate_spans(words: str) -> list[str]:
    """The whole phrase, then each maximal run of capitalised words ("Jurf al-Sakhar" stays whole)
    that stands where a place would. Nothing if no word is capitalised: "they hit a target"."""
    tokens = [t.strip(" ,.;:()\"") for t in words.split()]
    runs, current, start = [], [], 0
    for index, token in enumerate(tokens):
        joins = current and token.lower() in _CONNECTORS and index + 1 < len(tokens) and is_name_word(tokens[index + 1])
        if token and (is_name_word(token) or joins):
            if not current:
                start = index
            current.append(token)
        elif current:
            runs.append((" ".join(current), start))
            current = []
    if current:
        runs.append((" ".join(current), start))
    spans = ([words.strip(" ,.;:")] if runs else []) + [run for run, at in runs if _place_like(tokens, at)]
    return [s for s in dict.fromkeys(spans) if s and not _is_acronym(s)]


def country_code(words: str | None, gazetteer: Gazetteer, anchor: str = "start") -> str | None:
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


def comma_context(parts: list[str], gazetteer: Gazetteer) -> tuple[str | None, str | None]:
    """Country and province named after a comma: "Hit, Iraq", "al-Qaim, Anbar"."""
    country = admin1 = None
    for part in parts:
        code = country_code(part, gazetteer)
        if code:
            country = code
            continue
        areas = [p for p in gazetteer.lookup(strip_filler(part), kinds=("admin1",)) if p.exact]
        if areas:
            # A province name several countries have ("al-Bayda": Yemen's and Libya's) names no country.
            countries = {p.country for p in areas}
            admin1 = areas[0].name if len(countries) == 1 else strip_filler(part)
            country = country or (areas[0].country if len(countries) == 1 else None)
    return country, admin1
