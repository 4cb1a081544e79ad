"""Place mentions in running text: the spans of a report that name places, kept where the geocoder resolves them.

``find_places(sentences)`` looks at each sentence for

* border phrases: a window of words around "border"/"frontier" that ``geo.geocoding.phrases``
  reads as a border zone ("in Syria, near the Iraqi border", "the Iraq-Syria border region");
* runs of capitalised words ("Deir ez-Zor", "Al Qa'im") with the words before them that make
  them a phrase the geocoder knows: "near X", "10 km north of X", "eastern X", "rural X",
  "between X and Y", "X air base", "X, Syria";

and resolves them offline with ``geo.geocoding.resolve``. A capitalised word is not necessarily a place
("Given", "Nancy", "Monday" are all GeoNames places), so a mention is **strong** when it stands
where a place stands (after "in", "near", "struck" ..., or as one of the phrases above) and
**weak** otherwise (at the start of a sentence, after "of"). Strong mentions are read together,
as one report; a weak one is kept only when it matches a name exactly, unambiguously, in a
country the report is about: where its strong mentions lie or, when it has none, the countries
it names ("Iraqi" included). So "Ankara rarely comments" in a report about Erbil is no place.
Spans the caller blocks (dates, actors such as "Israel" in "Israel struck") are never places,
unless a locative word stands before them ("in Israel") and no noun after them makes them its qualifier
("bombed Taliban positions").

A name followed by an administrative word ("Nad-e Ali district", "Kidal region", "Bakhmut raion") is read
with it, and claims no more than the words say: a district answered by its seat's point is placed "near"
it (precision 2), a province or region answered by a town is an area (precision 3) (``as_unit``). Where
the text puts a place inside an area ("Achin district of Nangarhar province") and the two answers lie in
different countries, the place is read again in the area's country, or left unresolved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ..geocoding.candidates import candidate_spans, is_name_word, strip_filler
from ..geocoding.gazetteer import load_gazetteer
from ..geocoding.names import clean_mention
from ..geocoding.resolve import resolve_mention, resolve_mentions
from ..geocoding.resolution import PRECISION_NEAR, PRECISION_REGION, Resolution
from ..geocoding.sites import find_site

# Stages whose answers are exact enough to keep even for a weak mention.
EXACT_SOURCES = ("gazetteer", "gazetteer:admin1", "gazetteer:admin2", "gazetteer:country", "sites")
_CONNECTORS = {"al", "el", "ad", "ar", "as", "ash", "az", "at", "an", "ed", "er", "es", "ez", "et", "bin", "ibn",
               "de", "du"}
# Sentence-initial words and titles that GeoNames also has as places; never read as places.
_NOT_PLACES = frozenset("he she we it they i you in on at the a an but and or so as if this that these those there "
                        "here his her its their our mr mrs ms dr president minister general secretary speaker "
                        "spokesman spokeswoman officials sources".split())
_OPENING = "\"“‘(['«"
_CLOSING = "\"”’)]'»,.;:!?"
_LOCATIVE_BEFORE = re.compile(
    r"\b(?:in|at|near|from|into|inside|outside|around|across|toward|towards|via|past|over|hit|struck|strikes?|"
    r"targeted|targeting|bombed|bombing|shelled|attacked|raided|pounded|(?:town|city|village|province|"
    r"governorate|district|region)\s+of)\s+(?:the\s+)?$", re.IGNORECASE)
_DIRECTIONS = r"north|south|east|west|central|centre|center|north[- ]?east|north[- ]?west|south[- ]?east|south[- ]?west"
# Phrases the geocoder reads, recognised by the words just before a run of names (longest first).
_PHRASES_BEFORE = [
    re.compile(rf"(?:\b\d+(?:[.,]\d+)?\s*(?:km|kms|kilomet(?:er|re)s?|mi|miles?)\.?\s+)?\b(?:{_DIRECTIONS}|NE|NW|SE|SW)"
               rf"(?:ern)?\s+of\s+(?:the\s+(?:town|city|village)\s+of\s+)?$", re.IGNORECASE),
    re.compile(r"\b(?:near|nearby|close\s+to|around|outside|just\s+outside|(?:on\s+)?the\s+outskirts\s+of|"
               r"(?:on\s+)?the\s+(?:edges?|fringes?)\s+of|"
               r"in\s+the\s+vicinity\s+of|in\s+the\s+area\s+of)\s+(?:the\s+(?:town|city|village|district)\s+of\s+)?$",
               re.IGNORECASE),
    re.compile(rf"\b(?:{_DIRECTIONS})(?:ern)?\s+(?:part\s+of\s+)?(?:the\s+)?$", re.IGNORECASE),
    re.compile(r"\b(?:rural|the\s+countryside\s+of)\s+$", re.IGNORECASE),
]
_PHRASES_AFTER = re.compile(r"^\s+(?:countryside|rural\s+areas?|(?:air\s*base|airbase|air\s+field|airfield|airport|"
                            r"military\s+base|base|border\s+crossing|crossing|garrison|dam|"
                            r"(?:refugee\s+|displacement\s+|IDP\s+)?camp)\b)", re.IGNORECASE)
# An administrative word after a name makes it a unit, not the town of that name: "Nad-e Ali district",
# "Kidal region", "Bakhmut raion". First-level words name an area; second-level ones a district, which the text
# places no better than "near" its seat.
_ADMIN1_WORDS = r"provinces?|governorates?|regions?|oblast|states?|wilayat?|muhafazah?|muhafazat"
_ADMIN2_WORDS = (r"(?:tribal\s+)?districts?|raions?|rayons?|count(?:y|ies)|agency|tehsils?|sub-?districts?|municipality|"
                 r"townships?")
_UNIT_AFTER = re.compile(rf"^\s+(?P<word>{_ADMIN1_WORDS}|{_ADMIN2_WORDS})\b", re.IGNORECASE)
_ADMIN1_WORD = re.compile(rf"\b(?:{_ADMIN1_WORDS})$", re.IGNORECASE)
_ADMIN2_WORD = re.compile(rf"\b(?:{_ADMIN2_WORDS})$", re.IGNORECASE)
UNIT_RADIUS_KM = {1: 50.0, 2: 25.0}  # the least radius a unit named by its word is given around its seat
# A lowercase word right after a name that is not a preposition, conjunction, auxiliary, adverb of time or a
# verb form in -ed/-ing: the name qualifies it ("Taliban positions", "Hamas command centres").
_ATTRIBUTIVE_AFTER = re.compile(r"\s+(?!(?:in|on|at|near|and|or|but|with|from|to|of|for|by|after|before|during|since|"
                                r"over|across|inside|outside|along|into|last|this|overnight|early|late|again|also|"
                                r"earlier|later|as|while|when|where|which|who|that|the|a|an|is|was|were|are|has|have|"
                                r"had|will|would|could|said|says|struck|hit|fell|shot|today|yesterday|tonight|recently|"
                                r"now|\w+ed|\w+ing)\b)[a-z]")
_BORDER_WORD = re.compile(r"^(?:border|borders|frontier|border-crossing)$", re.IGNORECASE)
_BORDER_START = {"in", "inside", "near", "along", "on", "at", "by", "across", "close", "the", "of"}
_BORDER_END = {"border", "borders", "frontier", "region", "area", "zone", "strip", "areas", "regions", "crossing"}
BORDER_WINDOW = (8, 6)  # words before and after "border" a border phrase may span


@dataclass(frozen=True)
class PlaceMention:
    """A span of a sentence that names a place, and what it resolved to."""

    text: str
    start: int
    end: int
    resolution: Resolution
    strong: bool


@dataclass(frozen=True)
class _Token:
    core: str  # the word without the punctuation around it
    start: int
    end: int
    opens: bool  # punctuation before the word starts a new phrase
    closes: bool  # punctuation after the word ends the phrase
    comma: bool  # ... and it is a comma, which a border phrase may span ("in Syria, near the border")


def _tokens(sentence: str) -> list[_Token]:
    tokens = []
    for match in re.finditer(r"\S+", sentence):
        raw = match.group(0)
        lead = len(raw) - len(raw.lstrip(_OPENING))
        core = raw[lead:].rstrip(_CLOSING)
        core = re.sub(r"['’]s$", "", core)  # "Sunday's", "Syria’s"
        start = match.start() + lead
        tail = raw[lead + len(core):]
        tokens.append(_Token(core, start, start + len(core), lead > 0, bool(tail.strip("'’s")), tail == ","))
    return tokens


def _is_acronym(words: str) -> bool:
    letters = words.replace(".", "").replace(" ", "")
    return letters.isupper() and len(letters) <= 5


def _overlapping(tokens: list[_Token], spans: list[tuple[int, int]]) -> list[bool]:
    """For each token, whether it overlaps one of the spans (one sweep over both, both in text order)."""
    spans, flags, first = sorted(spans), [], 0
    for token in tokens:
        while first < len(spans) and spans[first][1] <= token.start:
            first += 1
        flags.append(first < len(spans) and spans[first][0] < token.end)
    return flags


def _runs(tokens: list[_Token], blocked: list[bool]) -> list[tuple[int, int]]:
    """Maximal runs of capitalised words (token index ranges, end exclusive); connectors like "al" join."""
    runs, start = [], None
    for index, token in enumerate(tokens):
        inside = start is not None and not token.opens
        joins = (inside and token.core.lower() in _CONNECTORS and index + 1 < len(tokens)
                 and is_name_word(tokens[index + 1].core) and not token.closes)
        name = token.core and (is_name_word(token.core) or joins) and not blocked[index]
        if name and not inside:
            if start is not None:
                runs.append((start, index))
            start = index
        elif not name and start is not None:
            runs.append((start, index))
            start = None
        if start is not None and token.closes:
            runs.append((start, index + 1))
            start = None
    if start is not None:
        runs.append((start, len(tokens)))
    return runs


_BETWEEN_NAMES = re.compile(r"\bbetween\s+(?:the\s+)?[A-Z][^,;.]*?\s+and\s+(?:the\s+)?[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")


def _border_candidates(sentence: str, tokens: list[_Token], blocked: list[bool]) -> list[tuple[int, int]]:
    """Character spans of word windows around "border" (longest first), for the geocoder to try."""
    spans = []
    before, after = BORDER_WINDOW
    for index, token in enumerate(tokens):
        if not _BORDER_WORD.match(token.core):
            continue
        first = index
        while first > 0 and index - first < before:
            previous = tokens[first - 1]
            if (previous.closes and not previous.comma) or blocked[first - 1]:
                break
            first -= 1
        last = index
        while last + 1 < len(tokens) and last - index < after and not tokens[last].closes:
            last += 1
        starts = [i for i in range(first, index + 1) if tokens[i].core.lower() in _BORDER_START or
                  is_name_word(tokens[i].core)]
        ends = [j for j in range(index, last + 1)
                if tokens[j].core.lower() in _BORDER_END or is_name_word(tokens[j].core)]
        spans += [(tokens[i].start, tokens[j].end) for i in starts for j in ends]
    return sorted(spans, key=lambda span: span[0] - span[1])


def _phrase_for_run(sentence: str, tokens: list[_Token], first: int, last: int,
                    runs_by_start: dict) -> list[tuple[int, int, bool]]:
    """Character spans to try for one run of names, most specific first, each with its strength."""
    start, end = tokens[first].start, tokens[last - 1].end
    before = sentence[max(0, start - 60):start]
    spans = []
    unit = _UNIT_AFTER.match(sentence[end:])
    if unit:
        spans.append((start, end + unit.end(), True))
    after = _PHRASES_AFTER.match(sentence[end:])
    if after:
        spans.append((start, end + after.end(), True))
    for pattern in _PHRASES_BEFORE:
        match = pattern.search(before)
        if match:
            spans.append((start - (len(before) - match.start()), end, True))
            break
    between = re.search(r"\bbetween\s+$", before, re.IGNORECASE)
    following = runs_by_start.get(last + 1)  # the run after the next word
    if between and following and tokens[last].core.lower() == "and":
        spans.append((start - (len(before) - between.start()), tokens[following - 1].end, True))
    comma_country = re.match(r",\s+([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)", sentence[end:])
    if comma_country and load_gazetteer().country_code(comma_country.group(1)):
        spans.append((start, end + comma_country.end(), True))  # "Hit, Iraq": the country chooses
    strong = bool(_LOCATIVE_BEFORE.search(before)) or any(s[2] for s in spans)
    spans.append((start, end, strong))
    return spans


def _country_words(text: str) -> set[str]:
    """Countries the text names by name or adjective ("Iraqi", "Syrian"): the report's likely focus."""
    gazetteer = load_gazetteer()
    words = set(re.findall(r"\b[A-Z][a-z]+(?:\s+Arabia)?\b", text))
    return {code for word in words for code in [gazetteer.country_code(word)] if code}


def find_places(sentences: list[str], blocked: list[list[tuple[int, int]]] | None = None,
                names: list[list[tuple[int, int]]] | None = None) -> list[list[PlaceMention]]:
    """Place mentions per sentence, resolved offline, in text order; overlaps go to the longer phrase.

    Strong mentions the gazetteer cannot place ("near Tell Barzakh") are included, unresolved
    (``mention.resolution.resolved`` is False, its ``reason`` says why), so a caller can say what was not found.

    ``blocked[i]`` are spans of sentence i that are never places (dates); ``names[i]`` are spans that are
    places only after a locative word (actors named like countries: "Israel struck" vs "in Israel")."""
    blocked = blocked or [[] for _ in sentences]
    names = names or [[] for _ in sentences]
    candidates = []  # (sentence index, start, end, strong, group): a group's spans are tried in order
    for number, sentence in enumerate(sentences):
        tokens = _tokens(sentence)

        # An actor named like a place is one only after a locative word, and not when it qualifies the noun
        # after it ("in Israel" is a place; "bombed Taliban positions", "struck Hamas command centres" are not).
        names_here, attributive = [], []
        for a, b in names[number]:
            (attributive if _ATTRIBUTIVE_AFTER.match(sentence, b) else names_here).append((a, b))
        named = _overlapping(tokens, names_here)
        not_place = [never or (name and not _LOCATIVE_BEFORE.search(sentence[max(0, token.start - 40):token.start]))
                     for token, never, name in zip(tokens, _overlapping(tokens, blocked[number] + attributive), named)]
        # "on the road between Bama and Banki, close to the border with Cameroon": the road is the place; the
        # border only says where the road runs, and its window never reaches back into the road's names.
        between = _overlapping(tokens, [m.span() for m in _BETWEEN_NAMES.finditer(sentence)])
        for start, end in _border_candidates(sentence, tokens, [a or b for a, b in zip(not_place, between)]):
            candidates.append((number, start, end, True, ("border", number, start)))
        runs = _runs(tokens, not_place)
        runs_by_start = {first: last for first, last in runs}
        for first, last in runs:
            words = sentence[tokens[first].start:tokens[last - 1].end]
            if _is_acronym(words) or (last - first == 1 and words.lower() in _NOT_PLACES):
                continue
            for start, end, strong in _phrase_for_run(sentence, tokens, first, last, runs_by_start):
                candidates.append((number, start, end, strong, ("run", number, first)))
    return _resolve_candidates(sentences, candidates)


def _resolve_candidates(sentences, candidates) -> list[list[PlaceMention]]:
    """Resolve the candidate spans (strong ones together, as one report) and keep the trusted ones."""
    strong_texts = list(dict.fromkeys(sentences[n][s:e] for n, s, e, strong, _ in candidates if strong))
    strong_answers = dict(zip(strong_texts, resolve_mentions(strong_texts)))
    focus = {c for r in strong_answers.values() if r.resolved and r.source in EXACT_SOURCES + ("region:border",)
             for c in (r.country or "").split("/") if c}
    # With no strong mention, the countries the text names ("Iraqi officials") say what it is about.
    focus = tuple(sorted(focus or _country_words(" ".join(sentences))))
    found: list[list[PlaceMention]] = [[] for _ in sentences]
    settled = set()  # groups (a run, a border word) already answered by their most specific span
    first_tries = {}  # group -> its most specific phrase and answer, reported when nothing in the group resolves
    for number, start, end, strong, group in candidates:
        if group in settled:
            continue
        text = sentences[number][start:end]
        if any(start < m.end and m.start < end for m in found[number]):
            continue  # a longer phrase already covers these words
        if not strong and not _names_something(text):
            continue  # a weak mention is kept only on an exact match: no spelling of it matches, so none will
        answer = strong_answers[text] if strong else resolve_mention(text, focus=focus)
        first_tries.setdefault(group, PlaceMention(text, start, end, answer, strong))
        if group[0] == "border" and not (answer.resolved and answer.source.startswith("region:border")):
            continue
        if group[0] == "border":  # "in the Iraq-Syria border region" reads as "the Iraq-Syria border region"
            start, text, answer = _without_preposition(sentences[number], start, end, answer, focus)
        if not _keep(answer, strong, focus):
            continue
        settled.add(group)
        found[number].append(PlaceMention(text, start, end, as_unit(text, answer), strong))
    for group, tried in first_tries.items():
        number = group[1]
        if (group[0] == "run" and group not in settled and tried.strong and not tried.resolution.resolved
                and not any(tried.start < m.end and m.start < tried.end for m in found[number])):
            found[number].append(tried)
    return [_inside_container(sentences[number], sorted(mentions, key=lambda m: m.start))
            for number, mentions in enumerate(found)]


# "Achin district of Nangarhar province", "Aguelhok, in the Kidal region": the first place lies in the second.
_CONTAINED_IN = re.compile(r"^\s*,?\s*(?:of|in)\s+(?:the\s+)?$", re.IGNORECASE)


def _inside_container(sentence: str, mentions: list[PlaceMention]) -> list[PlaceMention]:
    """Where the text puts a place inside an area ("X district of Y province") and the two answers lie in
    different countries, the first is read again in the area's country; if it is not found there, it is left
    unresolved, with the reason, rather than placed in another country."""
    kept = list(mentions)
    for index, (inner, outer) in enumerate(zip(mentions, mentions[1:])):
        a, b = inner.resolution, outer.resolution
        if not (a.resolved and b.resolved and b.precision == PRECISION_REGION and b.country
                and "/" not in b.country and _CONTAINED_IN.match(sentence[inner.end:outer.start])):
            continue
        if b.country in (a.country or "").split("/"):
            continue
        again = resolve_mention(inner.text, country=b.country)
        if not again.resolved:
            again = Resolution(inner.text, reason=f"{inner.text!r} lies in {outer.text!r} as the text says, "
                                                  f"but no place of that name was found there")
        kept[index] = PlaceMention(inner.text, inner.start, inner.end, as_unit(inner.text, again), inner.strong)
    return kept


def as_unit(text: str, answer: Resolution) -> Resolution:
    """A mention ending in an administrative word ("Nad-e Ali district", "Kidal region") answered by a town's
    point claims no more than the text says: a second-level unit is placed as "near" its seat (precision 2), a
    first-level one as an area around it (precision 3), each with at least ``UNIT_RADIUS_KM``."""
    level = 1 if _ADMIN1_WORD.search(text) else 2 if _ADMIN2_WORD.search(text) else None
    if level is None or not answer.resolved or answer.precision is None:
        return answer
    precision = PRECISION_NEAR if level == 2 else PRECISION_REGION
    if answer.precision >= precision:
        return answer
    radius = max(answer.radius_km or 0.0, UNIT_RADIUS_KM[level])
    return replace(answer, precision=precision, radius_km=radius,
                   warning="; ".join(filter(None, [answer.warning, f"{text!r} names an administrative unit: "
                                                   f"placed at {answer.name} with a {radius:g} km radius"])))


def _names_something(text: str) -> bool:
    """Whether some run of the words is a gazetteer name or a curated site, before any typo-tolerant search:
    a cheap test that spares the geocoder's fuzzy search for the capitalised words of every sentence
    ("Provincial", "Civil", "The United Nations")."""
    gazetteer = load_gazetteer()
    cleaned = clean_mention(text)
    if find_site(cleaned):
        return True
    return any(gazetteer.lookup(span) for part in cleaned.split(",") for span in candidate_spans(strip_filler(part)))


def _without_preposition(sentence: str, start: int, end: int, answer: Resolution, focus) -> tuple[int, str, Resolution]:
    """A border phrase without its leading "in"/"at"/"on" when that changes nothing in its answer."""
    lead = re.match(r"(?:in|at|on|inside|along)\s+", sentence[start:end], re.IGNORECASE)
    if lead:
        shorter = resolve_mention(sentence[start + lead.end():end], focus=focus)
        if (shorter.name, shorter.country) == (answer.name, answer.country):
            return start + lead.end(), sentence[start + lead.end():end], shorter
    return start, sentence[start:end], answer


def _keep(answer: Resolution, strong: bool, focus: tuple[str, ...]) -> bool:
    """Whether a resolved mention is trusted as a place (see the module docstring)."""
    if not answer.resolved:
        return False
    countries = set((answer.country or "").split("/"))
    in_focus = not focus or bool(countries & set(focus))
    if strong:
        return answer.source in EXACT_SOURCES or answer.source.startswith(("region:", "offset:gazetteer")) or in_focus
    exact = answer.source in EXACT_SOURCES or answer.source.startswith("region:")
    return exact and answer.warning is None and bool(focus) and bool(countries & set(focus))
