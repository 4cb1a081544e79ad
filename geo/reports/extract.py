"""Reports to proposed events: read a written strike report and propose event rows in our schema.

``extract_events(text, report_date)`` returns one row per strike and place, in the events
SCHEMA (``geo.io.events``) plus audit columns that keep the words every field came from. The
rows are **proposals** for a person to check, never facts: ids are ``proposed-<hash>-N``.

How a report is read, stage by stage:

1. the text is cleaned (HTML tags and entities removed) and split into paragraphs and
   sentences; the report's own dateline ("date 2021-06-28", "MOGADISHU, Somalia, March 18, 2024 —") is
   read as the report's date and set aside; title lines above the story (a paragraph of one line without a
   full stop, before the first sentence that has one) are **headlines**: they restate a strike, never make one;
2. each sentence is read for dates (``geo.reports.dates``), actors (``geo.reports.actors``), places
   (``geo.reports.mentions``, resolved offline by ``geo.geocoding.resolve``), and counts and casualties
   (``geo.reports.counts``). A clause giving the reason for a strike ("in response to drone
   attacks ... in Iraq") is left out: its places and dates are another event's; so are the place and the
   name of whoever speaks (", a military source in Misrata said");
3. a sentence is about a strike when it uses strike words ("airstrikes", "struck", "drone
   strike") or an actor known to strike from the air, or what flies or falls, does the hitting ("the US
   military targeted", "the drone hit a vehicle", "a guided bomb hit a farm"). Strike sentences with the same
   date form one **episode**; a strike sentence with no date of its own goes on with the episode before it
   (the one the text is telling), unless it says "a second strike", "another drone strike": that starts
   an episode of its own, on the same day if it names none. Later sentences of the same paragraph without
   a date add their actors and casualties ("KH and KSS used these facilities"), the next sentences of later
   paragraphs their casualties, and their actors when they speak of the strike again ("the target was a unit
   of al-Shabaab"); a vaguer date there ("last week") is background, not another strike;
4. each episode becomes rows: one per place counted by country ("two locations in Syria and
   one in Iraq" is three rows, two in Syria and one in Iraq), else one per specific place its sentences
   name (a town or site, "near X", an offset "N km east of X", a road "between X and Y", which is the
   corridor joining the two), else the most specific area named in each country (a district over a
   province over "eastern <country>"), else the country. So the lede's "in southern Somalia" gives way to
   "near Dhobley" two sentences later. A row counted in a country inside a border zone is placed on that
   country's side of it;
5. a toll goes to the row whose place its sentence names, or that its sentence placed, else (a sentence
   naming no place: "the toll had risen to seven") to the rows of the last strike sentence before it; the
   tolls of one row from several sources give its range (``fatalities_min``/``max``), each source's words
   kept in ``casualties_text``. A side no sentence of the episode names comes from the strike a "second
   strike" follows, else from a headline restating it (which also gives ``region_mention``).

Deictic words inside quotes ("earlier this evening" in a statement) are read from the day the
statement was made (the last date the narrative gave), not from the report's date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from ..errors import StrikemapError
from ..io.schema import Column

MAX_REPORT_CHARS = 500_000  # about 80,000 words; longer input is refused, not truncated silently
MAX_SENTENCE_CHARS = 1_500  # real sentences are far shorter; longer runs of text are read in pieces
# "hit 100000 locations in Syria" would otherwise propose (and build) one row per location: a count beyond this
# is no list of places to review one by one. The figure itself stays in location_count and counts_text.
MAX_COUNTED_ROWS = 100
HEADLINE_WORDS = 25  # a title line is short; a longer line without a full stop is a sentence badly punctuated
EVENT_TYPE = "Explosions/Remote violence"
SUB_EVENT_AIR = "Air/drone strike"
SUB_EVENT_MISSILE = "Shelling/artillery/missile attack"
# Abbreviations whose full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr gen lt col maj sgt capt cpt adm brig rep sen gov st no vs jan feb mar apr jun jul aug sep sept "
    "oct nov dec u.s u.n u.k e.g i.e a.m p.m approx est inc ltd co corp".split())


class ExtractError(StrikemapError, ValueError):
    """A report cannot be read: empty, too long, or with no date to read it against."""


# ------------------------------------------------------------------ text


class _TextOnly(HTMLParser):
    """The visible text of an HTML page, with a paragraph break at each block element."""

    _BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "article", "section", "header",
               "blockquote", "title", "time"}
    _HIDDEN = {"script", "style", "noscript", "template", "svg", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._HIDDEN:
            self.hidden += 1
        if tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self._HIDDEN and self.hidden:
            self.hidden -= 1
        if tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def clean_report(text: str) -> str:
    """Plain text of a report: HTML reduced to its visible text, entities decoded, odd spaces unified."""
    if re.search(r"<(?:html|body|p|div|br|span|article|script|a\s)[\s>/]", text, re.IGNORECASE):
        parser = _TextOnly()
        parser.feed(text)
        parser.close()
        text = "".join(parser.parts)
    text = html.unescape(text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00a0\u2000-\u200b\u202f\u205f\u3000\t]", " ", text)
    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", "", text)


@dataclass
class Sentence:
    """One sentence, where it stands, and what was read in it."""

    text: str
    paragraph: int
    quoted: list[tuple[int, int]] = field(default_factory=list)  # spans inside quotation marks
    reasons: list[tuple[int, int]] = field(default_factory=list)  # spans that give a strike's reason
    attributions: list[tuple[int, int]] = field(default_factory=list)  # ", a military source in Misrata said"
    dates: list = field(default_factory=list)
    actors: list = field(default_factory=list)
    places: list = field(default_factory=list)  # geo.reports.mentions.PlaceMention, resolved
    unplaced: list = field(default_factory=list)  # place mentions the offline gazetteer does not know
    casualties: list = field(default_factory=list)
    counts: object = None
    strike: bool = False
    headline: bool = False  # a title line above the story: it restates a strike, never makes one
    next_strike: bool = False  # "a second strike", "another drone strike": a strike other than the one before


_SENTENCE_END = re.compile(r"[.!?]+[\"”’')\]]*\s+(?=[\"“‘'(\[]?[A-Z0-9])|(?<=[a-z]{2}[.!?])(?=[A-Z][a-z])|"
                           r"(?<=[A-Z]{2}[.!?])(?=[A-Z][a-z])")


def split_sentences(text: str) -> list[tuple[str, int]]:
    """(sentence, paragraph number) pairs. Paragraphs are separated by blank lines (or by line breaks,
    when the text has no blank line); full stops after abbreviations and initials do not end sentences."""
    blocks = re.split(r"\n\s*\n", text) if re.search(r"\n\s*\n", text) else text.split("\n")
    sentences = []
    for number, block in enumerate(b for b in blocks if b.strip()):
        block = re.sub(r"\s+", " ", block).strip()
        start = 0
        for match in _SENTENCE_END.finditer(block):
            before = block[max(start, match.start() - 20):match.start()].split()
            last_word = before[-1].lower().rstrip(".") if before else ""
            if last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word):
                continue
            sentences.append((block[start:match.end()], number))
            start = match.end()
        sentences.append((block[start:], number))
    # A blanked dateline leaves its dash behind: "— A drone strike hit ..."
    sentences = [(re.sub(r"^[\s—–:|·•-]+", "", text).rstrip(), number) for text, number in sentences]
    return [(piece, number) for text, number in sentences for piece in _pieces(text) if piece]


def _pieces(text: str) -> list[str]:
    """A "sentence" longer than ``MAX_SENTENCE_CHARS`` (a table, a list with no full stops) in pieces cut at
    spaces, so that no reading of it grows with the length of the whole report."""
    pieces = []
    while len(text) > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", 0, MAX_SENTENCE_CHARS)
        cut = cut if cut > 0 else MAX_SENTENCE_CHARS
        pieces.append(text[:cut])
        text = text[cut:].lstrip()
    return pieces + [text]


def _quoted_spans(sentences: list[tuple[str, int]]) -> list[list[tuple[int, int]]]:
    """Spans of each sentence inside double quotes; a quote may run over several sentences of a paragraph."""
    spans, inside, paragraph = [], False, None
    for text, number in sentences:
        if number != paragraph:
            inside, paragraph = False, number
        found, start = [], 0 if inside else None
        for index, char in enumerate(text):
            if char in "\"“”":
                opening = char == "“" or (char == '"' and not inside)
                if opening and not inside:
                    inside, start = True, index
                elif not opening and inside:
                    inside = False
                    found.append((start, index + 1))
        if inside:
            found.append((start, len(text)))
        spans.append(found)
    return spans


# ------------------------------------------------------------------ what a sentence says

# Words that make a sentence about a strike; "drone attack" too (ACLED counts armed drones as air strikes).
_STRIKE_WORDS = re.compile(r"\b(?:air\s*strikes?|airstrikes?|air\s+raids?|drone\s+(?:strikes?|attacks?)|strikes?|"
                           r"struck|bombed|bombing|bombings|bombardment)\b", re.IGNORECASE)
# "the US military targeted ...", "warplanes also hit ...": a plain verb counts when an actor with air
# power or an aircraft does it.
_HIT_AFTER_ACTOR = re.compile(r"^(?:\s+[\w-]+){0,3}?\s+(?:has\s+|have\s+|had\s+)?(?:also\s+)?"
                              r"(?:targeted|hit|attacked|bombed|pounded|struck|destroyed|dropped|shelled|strafed|"
                              r"fired\s+(?:on|at|upon|into))\b", re.IGNORECASE)
# What flies or falls: "the drone hit a vehicle", "a Russian missile hit", "a guided bomb hit a farm".
_AIRCRAFT = re.compile(r"\b(?:aircraft|jets?|warplanes?|planes|drones?|UAVs?|helicopters?|gunships?|F-\d+s?|bombers?|"
                       r"Antonovs?|missiles?|"
                       r"(?:guided\s+)?bombs?|raids?)\b", re.IGNORECASE)
_AIR_WORDS = re.compile(r"\b(?:air(?!\s*(?:base|port|field))|airstrikes?|aircraft|jets?|warplanes?|planes?|drones?|"
                        r"UAVs?|helicopters?|gunships?|Antonovs?|F-\d+\w*|sorties|bombers?|air\s+force)\b", re.IGNORECASE)
_MISSILE_WORDS = re.compile(r"\b(?:missiles?|rockets?|artillery|shell(?:ed|ing)|mortars?)\b", re.IGNORECASE)
# A clause giving the reason for a strike names another event's places, dates and dead. It runs to the end
# of the sentence, or to the attribution that closes it (", the US Department of Defense said on Sunday").
_REASON = re.compile(r"\b(?:in\s+(?:response|retaliation|reprisal)\s+(?:to|for)|(?:as\s+)?a\s+response\s+to|"
                     r"responding\s+to|retaliating\s+for|to\s+avenge|(?:came|comes|come)\s+(?:\w+\s+){0,3}?after|"
                     r"follow(?:ed|s|ing)\s+(?:an?|the|recent|repeated|several|days|weeks)\b)", re.IGNORECASE)
_ATTRIBUTION = re.compile(r",\s+(?:[\w'’.-]+\s+){0,8}?(?:said|says|told|reported|announced|stated|added|according)\b",
                          re.IGNORECASE)
# Words before an actor that make it the target, not the one striking.
_TARGET_CUE = re.compile(r"\b(?:against|targeting|targeted|on|hit|struck|bombed|pounded|raided|attacked|at|used\s+by|"
                         r"utili[sz]ed\s+by|belonging\s+to|run\s+by|operated\s+by|affiliated\s+with|linked\s+to|held\s+by|"
                         r"controlled\s+by|of)"
                         r"\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?$", re.IGNORECASE)


def _outside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return not any(a <= start and end <= b for a, b in spans)


# "Turkey has carried out hundreds of strikes in the region since 2022": the history of a campaign, no strike.
_HISTORY = re.compile(r"\b(?:has|have)\s+(?:\w+\s+)?(?:carried\s+out|conducted|launched|staged|been\s+(?:striking|"
                      r"bombing|targeting|hitting))\b.*\bsince\b", re.IGNORECASE)


def _is_strike(sentence: Sentence) -> bool:
    text = sentence.text
    if _HISTORY.search(text):
        return False
    if any(_outside(sentence.reasons, m.start(), m.end()) for m in _STRIKE_WORDS.finditer(text)):
        return True
    if any(m.actor.air_power and _HIT_AFTER_ACTOR.match(text[m.end:]) for m in sentence.actors):
        return True
    return any(_HIT_AFTER_ACTOR.match(text[m.end():]) and _outside(sentence.reasons, m.start(), m.end())
               for m in _AIRCRAFT.finditer(text))


# "a second air strike", "another drone strike", "The second strike, about an hour later": a strike other than
# the one the text was telling, even on the same day.
_NEXT_STRIKE = re.compile(r"\b(?:second|third|fourth|fifth|another|further|separate|later)\s+(?:[\w-]+\s+){0,2}?"
                          r"(?:air\s*strikes?|airstrikes?|strikes?|raids?|drone\s+(?:strikes?|attacks?))\b",
                          re.IGNORECASE)


# "It was the second strike in the area this week" tells of the strike before it, not of another one.
_COPULA_BEFORE = re.compile(r"\b(?:is|was|were|are|marks?|marked|became|becomes)\s+(?:the|a|an|its|their)\s+$",
                            re.IGNORECASE)


def _attribution_spans(text: str) -> list[tuple[int, int]]:
    """ ", a military source in Misrata said": the place of whoever speaks is not the strike's."""
    return [m.span() for m in _ATTRIBUTION.finditer(text)]


def _headlines(sentences: list[tuple[str, int]]) -> list[bool]:
    """Which sentences are title lines above the story: each a paragraph of its own, without a full stop,
    before the first sentence that has one. A report with no such sentence after them has no headline."""
    flags = [False] * len(sentences)
    per_paragraph = {}
    for _, number in sentences:
        per_paragraph[number] = per_paragraph.get(number, 0) + 1
    for index, (text, number) in enumerate(sentences):
        if re.search(r"[.!?;:][\"”’')\]]*$", text.strip()):
            return flags  # the story has begun
        flags[index] = per_paragraph[number] == 1 and len(text.split()) <= HEADLINE_WORDS
    return [False] * len(sentences)  # no story after them: the lines are the report


# "The officials said the target was a unit of al-Shabaab": a sentence of a later paragraph that speaks of the
# strike again; its actors are the strike's.
_REFERS_BACK = re.compile(r"\bthe\s+(?:targets?|strikes?|air\s*strikes?|raids?|attacks?|drones?|missiles?|bombs?)\b",
                          re.IGNORECASE)


# "In neighbouring Burkina Faso, the army said": the forces of the one country the sentence names.
_NATIONAL_FORCES = re.compile(r"\b(?:the|its)\s+(?:army|military|air\s+force|armed\s+forces)\b", re.IGNORECASE)


def _with_national_forces(sentence: Sentence) -> list:
    """The sentence's actors, with "the army" read as the state forces of the one country it names (as a
    country, not a town), when the curated list has them."""
    from .actors import ActorMention, load_actors

    countries = {m.resolution.name for m in sentence.places if m.resolution.source.endswith(":country")}
    if len(countries) != 1:
        return sentence.actors
    country = countries.pop()
    forces = next((a for a in load_actors()[0] if a.side == country and a.type == "state forces"), None)
    taken = [(m.start, m.end) for m in sentence.actors]
    added = [ActorMention(forces, match.group(0), match.start(), match.end())
             for match in _NATIONAL_FORCES.finditer(sentence.text)
             if forces is not None and not any(a < match.end() and match.start() < b for a, b in taken)]
    return sorted(sentence.actors + added, key=lambda m: m.start)


def _reason_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for cue in _REASON.finditer(text):
        closing = _ATTRIBUTION.search(text, cue.end())
        spans.append((cue.start(), closing.start() if closing else len(text)))
    return spans


def read_sentences(text: str, report_date: dt.date) -> list[Sentence]:
    """Every sentence of a cleaned report with its dates, actors, places, counts and casualties."""
    from . import actors, counts, dates, mentions
    from ..geocoding.gazetteer import load_gazetteer

    pairs = split_sentences(text)
    sentences = [Sentence(t, p, quoted=q, headline=h)
                 for (t, p), q, h in zip(pairs, _quoted_spans(pairs), _headlines(pairs))]
    gazetteer = load_gazetteer()
    narrative_day = None  # the last day the text named: what "today" means inside a quote
    named = actors.follow_coalitions([s.text for s in sentences], [actors.find_actors(s.text) for s in sentences])
    for sentence, found_actors in zip(sentences, named):
        sentence.actors = found_actors
        sentence.reasons = _reason_spans(sentence.text)
        sentence.attributions = _attribution_spans(sentence.text)
        found = []
        # A headline's dates are the report's news, not the story's: "today" there is the report's date.
        for mention in ([] if sentence.headline else dates.find_dates(sentence.text, report_date)):
            quoted = not _outside(sentence.quoted, mention.start, mention.end)
            if mention.reading.later:  # "two days later": after the last day named, or nothing
                if narrative_day is None:
                    continue
                mention = dates.DateMention(mention.text, mention.start, mention.end,
                                            dates.resolve_date(mention.text, narrative_day))
            elif mention.reading.relative and quoted and narrative_day is not None:
                again = dates.resolve_date(mention.text, narrative_day)
                rule = (f"inside a quote: counted from {narrative_day.isoformat()}, the last day the text named "
                        "before it, not from the report's date")
                mention = dates.DateMention(mention.text, mention.start, mention.end,
                                            dates.DateReading(again.date, again.precision, rule, True))
            if _outside(sentence.reasons, mention.start, mention.end) and mention.reading.precision == 1:
                narrative_day = mention.reading.date
            found.append(mention)
        sentence.dates = found
        sentence.counts = counts.find_counts(sentence.text, gazetteer.country_code)
        sentence.casualties = counts.find_casualties(sentence.text)
        sentence.strike = not sentence.headline and _is_strike(sentence)
        sentence.next_strike = sentence.strike and any(
            _outside(sentence.reasons, m.start(), m.end()) and not _COPULA_BEFORE.search(sentence.text[:m.start()])
            for m in _NEXT_STRIKE.finditer(sentence.text))
    places = mentions.find_places([s.text for s in sentences],
                                  blocked=[[(m.start, m.end) for m in s.dates] for s in sentences],
                                  names=[[(m.start, m.end) for m in s.actors] for s in sentences])
    for sentence, found in zip(sentences, places):
        sentence.places = [m for m in found if m.resolution.resolved]
        sentence.unplaced = [m for m in found if not m.resolution.resolved]
        sentence.actors = _with_national_forces(sentence)
    return sentences


# ------------------------------------------------------------------ episodes


@dataclass
class Episode:
    """Strike sentences about one strike day (and one striking actor, where named), with their context."""

    date: object  # geo.reports.dates.DateReading
    date_text: str
    strikers: set[str]
    sentences: list[int] = field(default_factory=list)  # strike sentences
    context: list[int] = field(default_factory=list)  # later sentences of the same paragraph: actors, casualties
    later: list[int] = field(default_factory=list)  # the next sentences of later paragraphs: casualties only
    follows: "Episode | None" = None  # the strike a "second strike" follows: its actors, when it names none


# How many sentences after a strike sentence may add to it. Across a paragraph break only casualties
# count: wire copy puts each sentence in a paragraph of its own, but a new paragraph often turns to other actors.
CONTEXT_SENTENCES = 2


def _strike_date(sentence: Sentence):
    """The date mention of a strike sentence nearest a strike word (outside reason clauses), or None."""
    usable = [m for m in sentence.dates if _outside(sentence.reasons, m.start, m.end)]
    # ", local officials said on Monday": the day someone spoke, when the sentence gives the strike's own.
    usable = [m for m in usable if _outside(sentence.attributions, m.start, m.end)] or usable
    if not usable:
        return None
    anchors = [m.start() for m in _STRIKE_WORDS.finditer(sentence.text)] or [0]
    return min(usable, key=lambda m: min(abs(m.start - a) for a in anchors))


def _strikers(sentence: Sentence) -> set[str]:
    return {m.actor.name for m in sentence.actors if m.actor.air_power and _outside(sentence.reasons, m.start, m.end)}


def group_episodes(sentences: list[Sentence], report_date: dt.date) -> list[Episode]:
    """Strike sentences grouped by the day they give (see the module docstring)."""
    from .dates import PRECISION_WEEK, DateReading

    episodes: list[Episode] = []
    current, since = None, 0
    undated_first = []  # strike sentences before any date (a headline, a lead): they join the first episode
    for index, sentence in enumerate(sentences):
        own = _strike_date(sentence)
        # "It was the second strike in the area this week": a vaguer date and no place of its own tell of the
        # strike before it, not of another one.
        looks_back = (current is not None and own is not None and not strike_places(sentence)
                      and own.reading.precision > current.date.precision)
        if not sentence.strike or looks_back:
            # Another day starts another story; a vaguer date ("had crossed back last week") is background.
            goes_on = current is not None and (own is None or own.reading.date == current.date.date
                                               or own.reading.precision > current.date.precision)
            if goes_on and since < CONTEXT_SENTENCES:
                last_strike = sentences[current.sentences[-1]]
                (current.context if sentence.paragraph == last_strike.paragraph else current.later).append(index)
                since += 1
            else:
                since = CONTEXT_SENTENCES
            continue
        mention, strikers = own, _strikers(sentence)
        if mention is not None:
            reading, words = mention.reading, mention.text
        elif current is not None:
            reading, words = current.date, current.date_text
        else:
            undated_first.append(index)
            continue
        # The strike the text is telling comes first: a sentence about "the strike" with no date of its own
        # goes on with it, not with an earlier strike of the same day.
        same_day = [e for e in ([current] if current else []) + episodes
                    if (e.date.date, e.date.precision) == (reading.date, reading.precision)
                    and (not strikers or not e.strikers or strikers & e.strikers)]
        if sentence.next_strike and current is not None:  # "a second strike": not the one before
            same_day = []
        if not same_day:
            current = Episode(reading, words, set(), follows=current if sentence.next_strike else None)
            episodes.append(current)
        else:
            current = same_day[0]
        current.sentences.append(index)
        current.strikers |= strikers
        since = 0
    if undated_first:
        if not episodes:
            episodes.append(Episode(DateReading(report_date, PRECISION_WEEK,
                                                "no date in the text: the report's date, approximate"), "", set()))
        first = episodes[0]
        first.sentences[:0] = undated_first
        first.strikers |= {name for i in undated_first for name in _strikers(sentences[i])}
    return episodes


# ------------------------------------------------------------------ rows

# The words each field came from, kept beside the proposed row (declared like geo.io.schema's columns, so
# cast_columns types them and the review table shows them).
AUDIT = (
    Column("source_sentence", "text", "Strike sentences", "every strike sentence of the event, joined by ' | '"),
    Column("date_text", "text", "Date as written", "the words that dated the event"),
    Column("date_rule", "text", "Date rule", "how the date was counted from them"),
    Column("actors_text", "text", "Actors as written", "the words that named the actors"),
    Column("strike_count", "integer", "Strikes", "how many strikes the report counts"),
    Column("location_count", "integer", "Locations", "how many locations the report counts"),
    Column("counts_text", "text", "Counts as written", "the words that gave the counts"),
    Column("casualties_text", "text", "Casualties as written", "the words that gave the toll"),
)
AUDIT_COLUMNS = [c.name for c in AUDIT]


@dataclass
class _Row:
    """One proposed event before it becomes a table row."""

    resolution: object  # geo.geocoding.resolution.Resolution, or None when no place could be found
    mention: str  # the words that placed it
    region: str  # the wider area the episode names
    sentence: str  # the sentence the place came from
    country: str | None  # ISO code the row was counted in, if any
    fatalities: list = field(default_factory=list)  # geo.reports.counts.Casualties for this row
    index: int = -1  # the sentence (its number in the report) that placed it


def _unique(mentions, key):
    seen, kept = set(), []
    for mention in mentions:
        if key(mention) not in seen:
            seen.add(key(mention))
            kept.append(mention)
    return kept


def _country_name(code: str) -> str:
    from ..geocoding.gazetteer import load_gazetteer

    place = load_gazetteer().country(code)
    return place.name if place else code


def _area_in(area, code: str):
    """The part of an area in one country: the country's side of a border zone, else the area if it lies there."""
    from ..geocoding.resolve import resolve_mention

    countries = (area.resolution.country or "").split("/")
    if code not in countries:
        return None
    if len(countries) > 1 and area.resolution.source.startswith("region:border"):
        side = resolve_mention(f"{area.text} in {_country_name(code)}")
        return side if side.resolved and side.country == code else area.resolution
    return area.resolution


def _countries(resolution) -> set[str]:
    return set((resolution.country or "").split("/")) - {""}


# "near Sinjar, about 100 km west of Mosul": an offset set off by a comma after a place says where that place is.
_APPOSITION = re.compile(r"^(?:\s+[a-z][\w-]*){0,2}\s*,\s*(?:about|some|around|roughly|approximately|nearly|just)?\s*$")


def strike_places(sentence: Sentence) -> list:
    """The places a sentence gives a strike: not those of a reason clause ("in response to attacks in Iraq"),
    of whoever speaks (", a military source in Misrata said"), nor an offset that only says where the place
    before it lies."""
    places = [m for m in sentence.places if _outside(sentence.reasons, m.start, m.end)
              and _outside(sentence.attributions, m.start, m.end)]
    return [m for i, m in enumerate(places)
            if not (i and m.resolution.source.startswith("offset:") and _is_specific(places[i - 1].resolution)
                    and _APPOSITION.match(sentence.text[places[i - 1].end:m.start]))]


def _is_specific(resolution) -> bool:
    """A town, a site, "near" or an offset of one, the stretch "between X and Y", or a district: a place, not an
    area (a province, a part of a country)."""
    from ..geocoding.resolution import PRECISION_REGION

    return resolution.precision < PRECISION_REGION or resolution.source == "region:between"


def _place_rows(episode: Episode, sentences: list[Sentence]) -> list[_Row]:
    """The rows of one episode: counted places by country, else each specific place named, else the most
    specific area named in each country (a province over "eastern <country>"), else the country."""
    strike_sentences = [sentences[i] for i in episode.sentences]
    placed = [(m, s) for s in strike_sentences for m in strike_places(s)]
    placed = _unique(placed, key=lambda pair: (pair[0].resolution.name, pair[0].resolution.country))
    towns = [p for p in placed if _is_specific(p[0].resolution)]
    districts = [p for p in towns if p[0].resolution.source.endswith(":admin2")]
    if len(districts) < len(towns):  # a town said of the strike is more specific than its district
        towns = [p for p in towns if p not in districts]
    countries = [p for p in placed if p[0].resolution.source.endswith(":country")]
    areas = sorted((p for p in placed if p not in towns and p not in countries),
                   key=lambda p: p[0].resolution.radius_km or 0.0)
    total = min(max((s.counts.locations or 0 for s in strike_sentences), default=0), MAX_COUNTED_ROWS)
    if any(s.counts.by_country for s in strike_sentences):
        rows = _rows_by_country(strike_sentences, towns, areas, countries)
    else:
        rows = [_Row(m.resolution, m.text, _region_around(m, areas), s.text, None) for m, s in towns]
        if not rows:  # areas only: the smallest one of each country
            for area, sentence in areas:
                if not {c for row in rows for c in _countries(row.resolution)} & _countries(area.resolution):
                    rows.append(_Row(area.resolution, area.text, area.text, sentence.text, None))
        covered = {c for row in rows for c in _countries(row.resolution)}
        rows += [_Row(c.resolution, c.text, "", s.text, None) for c, s in countries
                 if not rows and c.resolution.country not in covered]
    for row in rows:
        row.index = next((i for i in episode.sentences if sentences[i].text == row.sentence), -1)
    if rows and total > len(rows):  # "three facilities" with two named places: the third is where the first is
        rows += [_Row(rows[0].resolution, rows[0].mention, rows[0].region, rows[0].sentence, rows[0].country,
                      index=rows[0].index) for _ in range(total - len(rows))]
    if not rows:  # nothing placed: the rows say which words were not found
        unplaced = [(m, s) for s in strike_sentences for m in s.unplaced if _outside(s.reasons, m.start, m.end)
                    and _outside(s.attributions, m.start, m.end)]
        mention, sentence = unplaced[0] if unplaced else (None, strike_sentences[0])
        rows = [_Row(None, mention.text if mention else "", "", sentence.text, None) for _ in range(max(1, total))]
    return rows


def _rows_by_country(strike_sentences: list[Sentence], towns, areas, countries) -> list[_Row]:
    """ "two locations in Syria and one in Iraq": that many rows per country, at the towns named there,
    else on that country's side of the area named, else the country."""
    from ..geocoding.resolve import resolve_mention

    by_country, counted_by = {}, {}  # counted_by: code -> (words, sentence) that counted it first
    for sentence in strike_sentences:
        counts = sentence.counts
        for code, number in counts.by_country.items():
            by_country[code] = max(by_country.get(code, 0), number)
            words = next((t for t in counts.texts if _country_name(code) in t), "")
            counted_by.setdefault(code, (words, sentence.text))
    rows = []
    for code, number in by_country.items():
        area = next(((a, side) for a, _ in areas for side in [_area_in(a, code)] if side is not None), None)
        region = area[0].text if area else ""
        here = [(m, s) for m, s in towns if m.resolution.country == code]
        rows += [_Row(m.resolution, m.text, region, s.text, code) for m, s in here]
        words, counted_in = counted_by[code]
        if area is not None:
            resolution, mention = area[1], words or area[0].text
        else:
            named = next((m for m, _ in countries if m.resolution.country == code), None)
            resolution = named.resolution if named else resolve_mention(_country_name(code))
            mention = words or _country_name(code)
        rows += [_Row(resolution, mention, region, counted_in, code)
                 for _ in range(min(number, MAX_COUNTED_ROWS) - len(here))]
    return rows


def _region_around(town, areas) -> str:
    """The area an episode names around one of its towns (same country), as written."""
    return next((a.text for a, _ in areas if _countries(town.resolution) & _countries(a.resolution)), "")


def _actor_columns(episode: Episode, sentences: list[Sentence], restating: list[int] = (),
                   summary: list[int] = ()) -> dict:
    """actor1 (those striking), actor2 (their targets), and the words that named them. A side the episode's own
    sentences leave empty is taken from the strike a "second strike" follows, else from a headline that restates
    this one (``restating``: its sentence numbers)."""
    referring = [i for i in episode.later if _REFERS_BACK.search(sentences[i].text)]
    # The lede that sums the report's strikes up (``summary``) names the actors of each of them.
    columns = _actors_named(list(summary) + episode.sentences + episode.context + referring, sentences)
    fallbacks = []
    if episode.follows is not None:  # "the second strike" is by the same hands on the same side, unless named
        fallbacks.append(("the strike before it", _actor_columns(episode.follows, sentences, summary=summary)))
    if restating:
        fallbacks.append(("the headline", _actors_named(list(restating), sentences)))
    for where, before in fallbacks:
        # A striker read only from whoever spoke gives way to one the strike before, the headline or lede names.
        taken = [side for side in ("actor1", "actor2") if before[side] and (
            not columns[side] or (side == "actor1" and columns.get("spoken") and not before.get("spoken")))]
        for side in taken:
            columns[side] = before[side]
        if taken:
            columns["actors_text"] = "; ".join(filter(None, [
                columns["actors_text"], f"{' and '.join(taken)} from {where} ({before['actors_text']})"]))
    return columns


def _actors_named(indices: list[int], sentences: list[Sentence]) -> dict:
    """The actors these sentences name, split into those striking and their targets. Whoever speaks
    (", residents and Houthi media said") is neither, unless the sentences name no striker but the speaker."""
    mentions = [(m, s) for i in indices for s in [sentences[i]] for m in s.actors
                if _outside(s.reasons, m.start, m.end)]
    strikers, targets, speakers = [], [], []
    for mention, sentence in mentions:
        targeted = _TARGET_CUE.search(sentence.text[max(0, mention.start - 40):mention.start])
        speaking = not _outside(sentence.attributions, mention.start, mention.end)
        side = (speakers if speaking else strikers) if mention.actor.air_power and not targeted else targets
        if mention.actor not in side and not (speaking and side is targets):
            side.append(mention.actor)
    spoken = not strikers and bool(speakers)  # no one named striking: whoever speaks of it, for want of better
    strikers = strikers or speakers
    # Named both ways ("air raids on Houthi positions", Houthis who also fly drones): a target when someone
    # else does the striking.
    others = [a for a in strikers if a not in targets]
    strikers = [a for a in strikers if a not in targets or not others]
    targets = [a for a in targets if a not in strikers]

    def named(actors):  # a generic label ("Iran-backed militias") only when no group of that side is named
        specific_sides = {a.side for a in actors if a.type != "generic"}
        return "; ".join(a.label for a in actors if a.type != "generic" or a.side not in specific_sides)

    words = list(dict.fromkeys(m.text for m, _ in mentions))
    return dict(actor1=named(strikers), actor2=named(targets), actors_text="; ".join(words), spoken=spoken)


def _restating_headlines(rows: list[_Row], sentences: list[Sentence]) -> list[int]:
    """The headline lines that restate the strike of these rows: they name one of its places, or an area or a
    country where one of them lies. Their area fills the rows' ``region`` when the story names none."""
    restating = []
    for index, sentence in enumerate(sentences):
        if not sentence.headline:
            continue
        for place in strike_places(sentence):
            key, codes = (place.resolution.name, place.resolution.country), _countries(place.resolution)
            wide = not _is_specific(place.resolution)  # an area or a country
            here = [r for r in rows if r.resolution is not None and (
                (r.resolution.name, r.resolution.country) == key or (wide and codes & _countries(r.resolution)))]
            for row in here:
                if wide and not row.region and not place.resolution.source.endswith(":country"):
                    row.region = place.text
            if here and index not in restating:
                restating.append(index)
    return restating


def _assign_casualties(rows: list[_Row], episode: Episode, sentences: list[Sentence]) -> list[str]:
    """Give each reported toll to the row it is about; returns the tolls that fit no single row.

    A toll belongs to a row when its sentence names that row's place, or placed that row, or names its country
    (when one row lies there); a sentence that places nothing refers back to the last strike sentence before it
    that placed rows ("The toll had risen to seven"); an episode of one row takes all its tolls."""
    unassigned = []
    for index in episode.sentences + episode.context + episode.later:
        sentence = sentences[index]
        places = strike_places(sentence)
        for toll in sentence.casualties:
            if not _outside(sentence.reasons, toll.start, toll.start + len(toll.text)):
                continue
            named = {(m.resolution.name, m.resolution.country) for m in places}
            codes = {c for m in places for c in _countries(m.resolution)}
            fits = [r for r in rows if r.resolution is not None and (r.resolution.name, r.resolution.country) in named]
            fits = fits or [r for r in rows if r.index == index]
            fits = fits or [r for r in rows if r.country in codes or (r.resolution and r.resolution.country in codes)]
            if not fits and not places:
                before = [r.index for r in rows if 0 <= r.index <= index]
                fits = [r for r in rows if before and r.index == max(before)]
            if len(rows) == 1:
                fits = rows
            if len(fits) == 1:
                fits[0].fatalities.append(toll)
            else:
                unassigned.append(toll.text)
    return unassigned


def _sub_event_type(episode: Episode, sentences: list[Sentence]) -> str:
    """ "Air/drone strike" unless the words say missiles or artillery and nothing about aircraft or drones."""
    text = " ".join(sentences[i].text for i in episode.sentences)
    if _MISSILE_WORDS.search(text) and not _AIR_WORDS.search(text):
        return SUB_EVENT_MISSILE
    return SUB_EVENT_AIR


def _only_areas(sentence: Sentence) -> bool:
    places = strike_places(sentence)
    return bool(places) and not any(_is_specific(m.resolution) for m in places)


def _without_summary(episodes: list[Episode], sentences: list[Sentence]) -> tuple[list[Episode], list[int]]:
    """The episodes less the lede that sums them up, and the sentences of that summary.

    "Turkish drones struck targets in northern Iraq three times over the weekend, killing at least five": the
    first strike sentences of a report of several strikes that place only areas (a region, a province, a
    country), followed by strikes placed at towns in the same countries, restate those strikes: they make no
    event of their own and their total toll is no one strike's; their actors are each strike's."""
    if len(episodes) < 2:  # a lede restating the report's one strike is that strike's: its toll too
        return episodes, []
    order = sorted(i for e in episodes for i in e.sentences)
    lede = []
    for index in order:
        if not _only_areas(sentences[index]):
            break
        lede.append(index)
    if not lede:
        return episodes, []
    codes = {c for i in lede for m in strike_places(sentences[i]) for c in _countries(m.resolution)}
    rest = [i for i in order if i not in lede]
    specific = {c for i in rest for m in strike_places(sentences[i]) if _is_specific(m.resolution)
                for c in _countries(m.resolution)}
    if not rest or not codes & specific:
        return episodes, []
    kept = []
    for episode in episodes:
        episode.sentences = [i for i in episode.sentences if i not in lede]
        if episode.sentences:
            kept.append(episode)
    return kept, lede


def _episode_rows(episode: Episode, sentences: list[Sentence], source: str, summary: list[int] = ()) -> list[dict]:
    from ..io.events import resolution_columns  # the same place columns place_events fills

    rows = _place_rows(episode, sentences)
    unassigned = _assign_casualties(rows, episode, sentences)
    actors = _actor_columns(episode, sentences, _restating_headlines(rows, sentences), summary)
    counted = [sentences[i].counts for i in episode.sentences]
    strikes = max((c.strikes or 0 for c in counted), default=0) or None
    locations = max((c.locations or 0 for c in counted), default=0) or None
    counts_text = "; ".join(dict.fromkeys(t for c in counted for t in c.texts))
    records = []
    for row in rows:
        tolls = row.fatalities
        low = min((t.low for t in tolls), default=None)
        high = max((t.high for t in tolls), default=None)
        said = "; ".join(t.text for t in tolls)
        by_figure = "; ".join(f"{t.low}" + (f"-{t.high}" if t.high != t.low else "") + f": {t.text!r}" for t in tolls)
        if unassigned:
            said = "; ".join(filter(None, [said, f"not split between the {len(rows)} rows: " + "; ".join(unassigned)]))
        unplaced = (f"unresolved: {row.mention!r}: no place in the offline gazetteer matches it" if row.mention else
                    "unresolved: the strike sentences name no place the offline gazetteer knows")
        placed = resolution_columns(row.resolution) if row.resolution is not None else dict(
            country="", admin1="", location="", latitude=None, longitude=None, geo_precision=None, radius_km=None,
            geocoder=unplaced)
        records.append(dict(
            event_date=episode.date.date.isoformat(), time_precision=episode.date.precision,
            event_type=EVENT_TYPE, sub_event_type=_sub_event_type(episode, sentences),
            actor1=actors["actor1"], actor2=actors["actor2"], **placed, source="", notes=row.sentence,
            fatalities=low, location_mention=row.mention, region_mention=row.region,
            fatalities_min=low, fatalities_max=high, fatalities_sources=by_figure, source_url=source,
            source_sentence=" | ".join(sentences[i].text for i in episode.sentences),
            date_text=episode.date_text, date_rule=episode.date.rule, actors_text=actors["actors_text"],
            strike_count=strikes, location_count=locations, counts_text=counts_text, casualties_text=said,
            _shape=row.resolution.shape() if row.resolution is not None else None,
        ))
    return records


def read_report_file(path) -> str:
    """A report file's text as ``extract`` reads it: UTF-8 (BOM or not, bad bytes as U+FFFD), and never
    more than the limit's worth of bytes however large the file (longer text is then refused)."""
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        raise ExtractError(f"{path}: no such report file")
    with path.open("rb") as fh:
        return fh.read(4 * MAX_REPORT_CHARS + 1).decode("utf-8-sig", errors="replace")


def extract_events(text: str, report_date: dt.date | None = None, source: str = ""):
    """Propose strike events from a report's text; a GeoDataFrame (EPSG:4326) in the events SCHEMA plus
    ``AUDIT_COLUMNS``. ``report_date`` defaults to the date in the report's header; ``source`` (a file name
    or URL) goes into ``source_url``. Raises ``ExtractError`` for empty or over-long text, or no date.

    An empty table means the report describes no strike.
    """
    import geopandas as gpd
    import pandas as pd

    from .dates import report_date_in_text
    from ..io.schema import COLUMNS, SCHEMA, cast_columns

    if not isinstance(text, str):
        raise ExtractError("a report must be text")
    if len(text) > MAX_REPORT_CHARS:
        raise ExtractError(f"the report has {len(text):,} characters; extract reads at most {MAX_REPORT_CHARS:,} "
                           "(split it into single reports)")
    cleaned = clean_report(text)
    if not re.search(r"[^\W\d_]", cleaned):
        raise ExtractError("the report has no text to read (empty, or only markup)")
    header = report_date_in_text(cleaned)
    if header is not None:  # the dateline is not part of the story: blank it, keeping offsets
        cleaned = cleaned[:header.start] + " " * (header.end - header.start) + cleaned[header.end:]
    report_date = report_date or (header.reading.date if header else None)
    if report_date is None:
        raise ExtractError("no report date: pass one (--date YYYY-MM-DD), or give the report a dateline "
                           "such as 'Published: 28 June 2021'")
    sentences = read_sentences(cleaned, report_date)
    episodes = group_episodes(sentences, report_date)
    episodes, summary = _without_summary(episodes, sentences)
    records = [r for e in episodes for r in _episode_rows(e, sentences, source, summary)]
    digest = hashlib.sha1(f"{report_date.isoformat()}\n{cleaned}".encode("utf-8")).hexdigest()[:10]
    for number, record in enumerate(records, start=1):
        record["event_id_cnty"] = f"proposed-{digest}-{number}"
    columns = COLUMNS + AUDIT_COLUMNS
    frame = pd.DataFrame([{c: r.get(c) for c in columns} for r in records], columns=columns)
    frame = cast_columns(frame, SCHEMA + AUDIT)
    return gpd.GeoDataFrame(frame, geometry=[r["_shape"] for r in records], crs="EPSG:4326")
