"""Numbers in report sentences: how many strikes, how many places (and in which countries), how many killed.

Each finder takes one sentence and returns what it found with the words it came from:

* ``find_casualties``: "killed at least five", "four of their fighters were killed", "one
  killed", "a child was killed", "the death toll rose to 9", "no one was killed"; a range
  ("between three and five", "five, later nine") keeps both ends. Wounded are not counted.
* ``find_counts``: "three strikes", "three facilities", and the split by country in "two
  locations in Syria and one location in Iraq" or "two in Syria and one in Iraq".

Numbers are digits ("22", "1,200") or words up to ninety-nine ("four", "twenty-two", "a
dozen"); vague quantities ("dozens", "several") are not numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_UNITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
          "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_VALUES = {word: n for n, word in enumerate(_UNITS)} | {word: 20 + 10 * n for n, word in enumerate(_TENS)}
_WORD_VALUES |= {"a dozen": 12, "a single": 1, "single": 1}
MAX_NUMBER = 10_000_000
NUMBER = (r"(?:\d{1,3}(?:,\d{3})+|\d+|(?:" + "|".join(_TENS) + r")(?:[-\s](?:" + "|".join(_UNITS[1:10]) + r"))?|"
          + "|".join(sorted(_UNITS, key=len, reverse=True)) + r"|a\s+dozen)(?![\w-])")
# "at least five" is reported as five: the lowest figure a source gives is the minimum.
_QUALIFIER = (r"(?:(?:at\s+least|as\s+many\s+as|up\s+to|some|about|around|nearly|almost|approximately|"
              r"more\s+than|over)\s+)?")
_PERSON = (r"(?:people|persons?|civilians?|fighters?|militants?|militiam[ae]n|members?|soldiers?|troops|men|man|"
           r"wom[ae]n|child(?:ren)?|boys?|girls?|commanders?|officers?|personnel|gunmen|guards?|operatives?|"
           r"jihadists?|insurgents?|residents?|farmers?|workers?|drivers?|passengers?|journalists?|paramedics?|medics?|"
           r"doctors?|nurses?|police(?:m[ae]n)?|policem[ae]n|students?|shepherds?|herders?|fishermen|relatives?)")
_KILLED = r"(?:killed|dead|died|perished|lost\s+their\s+lives|slain)"
# Two figures for one toll: "five, later nine", "three to five", "3-5".
_SECOND = r"(?:\s*,?\s*(?:later|then|rising\s+to|or|to|-|–)\s+" + _QUALIFIER + r"(?P<second>" + NUMBER + r"))?"
# Words between a figure and "killed": not a second figure or a verb of saying ("One resident said six people
# died" is a toll of six, not one).
_WORDS_NOT_WOUNDED = (r"(?:(?!wounded|injured|hurt|and\b|or\b|killed|dead|said\b|says\b|told\b|reported\b|" + NUMBER
                      + r")[\w'’-]+,?\s+){0,4}?")

_CASUALTY_PATTERNS = [
    # "no one was killed", "no casualties were reported"
    re.compile(r"\b(?P<none>no\s+(?:one|casualties|deaths|fatalities)|nobody)\b"
               r"(?:\s+(?:was|were)\s+(?:killed|hurt|injured|reported))?", re.IGNORECASE),
    # "killed at least five", "killing two civilians", "killed between three and five", "killed a commander"
    re.compile(r"\b(?:killed|killing|kills|kill)\s+(?:between\s+(?P<low>" + NUMBER + r")\s+and\s+(?P<high>" + NUMBER
               + r")|" + _QUALIFIER + r"(?P<first>" + NUMBER + r")(?:\s+" + _PERSON + r")?" + _SECOND
               + r"|(?P<one>an?)\s+(?:[\w-]+\s+)?" + _PERSON + r"\b)", re.IGNORECASE),
    # "four fighters were killed", "four of their fighters were killed", "one killed", "5 dead"
    re.compile(r"\b" + _QUALIFIER + r"(?P<first>" + NUMBER + r")" + _SECOND + r",?\s+" + _WORDS_NOT_WOUNDED
               + r"(?:(?:were|was|have\s+been|had\s+been|are|reportedly|been)\s+)*" + _KILLED + r"\b", re.IGNORECASE),
    # "a child was killed": "a" counts as one only before a word for a person
    re.compile(r"\b(?P<first>an?)\s+(?:[\w-]+\s+)?" + _PERSON
               + r"\s+(?:(?:was|were|had\s+been|has\s+been|reportedly)\s+)*" + _KILLED + r"\b", re.IGNORECASE),
    # "three people were in the car and all were killed", "five men ..., all of them died"
    re.compile(r"\b(?P<first>" + NUMBER + r")\s+" + _PERSON + r"\s+(?:[\w'’-]+,?\s+){0,8}?(?:and\s+)?all\s+"
               r"(?:of\s+them\s+)?(?:(?:were|was|had\s+been|have\s+been)\s+)?" + _KILLED + r"\b", re.IGNORECASE),
    # "30 bodies had been recovered", "seven bodies were received": a count of the dead another source gives
    re.compile(r"\b" + _QUALIFIER + r"(?P<first>" + NUMBER + r")\s+bod(?:y|ies)\s+"
               r"(?:(?:had|have|has)\s+been|were|was)\s+(?:\w+\s+)?"
               r"(?:recovered|retrieved|received|found|pulled|brought|counted|buried)\b", re.IGNORECASE),
    # "put the number at six" (of the dead, in a sentence about a toll)
    re.compile(r"\bput\s+the\s+(?:number|figure)\s+(?:of\s+(?:dead|deaths)\s+)?at\s+" + _QUALIFIER + r"(?P<first>"
               + NUMBER + r")", re.IGNORECASE),
    # "the death toll rose to 9", "a death toll of at least 22", "put the toll at five"
    re.compile(r"\b(?:death\s+)?toll\s+(?:\w+\s+){0,3}?(?:to|at|of)\s+" + _QUALIFIER + r"(?P<first>" + NUMBER + r")"
               + _SECOND, re.IGNORECASE),
]
# "three facilities", "two locations", "one location in Iraq": the kinds of place a strike hits.
_TARGET = (r"(?:locations?|sites?|facilit(?:y|ies)|targets?|positions?|depots?|bases?|compounds?|buildings?|"
           r"warehouses?|installations?|headquarters|posts?|checkpoints?|camps?|hideouts?|points?)")
_STRIKE_WORDS = r"air\s*strikes?|airstrikes?|drone\s+strikes?|strikes?|air\s+raids?|raids?|sorties"
_STRIKE = rf"(?:{_STRIKE_WORDS})"
# Words between a number and what it counts: "three operational and weapons storage facilities" (not a verb
# or a strike word: "two precision strikes hit a depot" counts strikes, not depots).
_ADJECTIVES = rf"(?:(?!(?:in|inside|of|at|on|a|an|the|hit|struck|targeted|{_STRIKE_WORDS})\b)[\w'’-]+,?\s+){{0,4}}?"
_IN_COUNTRY = r"\s+(?:in|inside)\s+(?:the\s+)?(?P<where>(?-i:[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?))"
_BY_COUNTRY = re.compile(r"\b(?P<n>" + NUMBER + r")(?:\s+" + _ADJECTIVES + _TARGET + r")?" + _IN_COUNTRY, re.IGNORECASE)
_TARGET_TOTAL = re.compile(r"\b(?P<n>" + NUMBER + r")\s+" + _ADJECTIVES + r"(?P<noun>" + _TARGET + r")\b",
                           re.IGNORECASE)
_STRIKE_TOTAL = re.compile(r"\b(?P<n>" + NUMBER + r")\s+(?:(?:separate|more|precision|further|\w+-\w+)\s+){0,2}"
                           + _STRIKE + r"\b", re.IGNORECASE)
_KILL_BEFORE = re.compile(r"(?:kill(?:ed|ing|s)?|wound(?:ed|ing)?|injur(?:ed|ing)|at\s+least)\s+$", re.IGNORECASE)


def parse_number(words: str) -> int | None:
    """ "four" -> 4, "twenty-two" -> 22, "1,200" -> 1200, "a dozen" -> 12; None if not a number."""
    words = re.sub(r"\s+", " ", words.strip().lower())
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", words):
        number = int(words.replace(",", ""))
        # More is no toll or count of strikes or places (an id, a phone number, a sum of money); it would also
        # overflow the table's Int64 columns.
        return number if number <= MAX_NUMBER else None
    if words in ("a", "an"):
        return 1
    if words in _WORD_VALUES:
        return _WORD_VALUES[words]
    tens, _, unit = words.replace("-", " ").partition(" ")
    if tens in _TENS and unit in _UNITS[1:10]:
        return _WORD_VALUES[tens] + _WORD_VALUES[unit]
    return None


@dataclass(frozen=True)
class Casualties:
    """A reported toll: the lowest and highest figure the words give, and the words."""

    low: int
    high: int
    text: str
    start: int


@dataclass
class Counts:
    """How many strikes and places one sentence reports, and the places split by country (ISO code -> n)."""

    strikes: int | None = None
    locations: int | None = None
    by_country: dict[str, int] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)


def find_casualties(sentence: str) -> list[Casualties]:
    """The death tolls a sentence reports, in text order; overlapping readings count once."""
    found: list[Casualties] = []
    taken: list[tuple[int, int]] = []
    for pattern in _CASUALTY_PATTERNS:
        for match in pattern.finditer(sentence):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            groups = match.groupdict()
            if groups.get("none"):
                numbers = [0]
            elif groups.get("one"):
                numbers = [1]
            elif groups.get("low"):
                numbers = [parse_number(groups["low"]), parse_number(groups["high"])]
            else:
                numbers = [parse_number(groups["first"]), parse_number(groups.get("second") or groups["first"])]
            numbers = [n for n in numbers if n is not None]
            if not numbers:
                continue
            taken.append((start, end))
            found.append(Casualties(min(numbers), max(numbers), match.group(0), start))
    return sorted(found, key=lambda c: c.start)


def find_counts(sentence: str, country_code) -> Counts:
    """Strike and place counts in one sentence. ``country_code(words)`` names a country's ISO code or None.

    A split by country counts only where the sentence also names a kind of place ("facilities",
    "locations"), so "killed four in Iraq" is not read as four places."""
    counts = Counts()
    has_target_word = re.search(r"\b" + _TARGET + r"\b", sentence, re.IGNORECASE) is not None
    split_spans = []
    for match in _BY_COUNTRY.finditer(sentence):
        code = country_code(match.group("where"))
        number = parse_number(match.group("n"))
        about_people = _KILL_BEFORE.search(sentence[max(0, match.start() - 30):match.start()])
        if not code or number is None or not has_target_word or about_people:
            continue
        counts.by_country[code] = counts.by_country.get(code, 0) + number
        split_spans.append(match.span())
        counts.texts.append(match.group(0))
    for match in _TARGET_TOTAL.finditer(sentence):
        number = parse_number(match.group("n"))
        inside_split = any(a <= match.start() < b for a, b in split_spans)
        about_people = _KILL_BEFORE.search(sentence[max(0, match.start() - 30):match.start()])
        if number is None or inside_split or about_people:
            continue
        counts.locations = max(counts.locations or 0, number)
        counts.texts.append(match.group(0))
    for match in _STRIKE_TOTAL.finditer(sentence):
        number = parse_number(match.group("n"))
        if number is not None:
            counts.strikes = max(counts.strikes or 0, number)
            counts.texts.append(match.group(0))
    if counts.by_country:
        counts.locations = max(counts.locations or 0, sum(counts.by_country.values()))
    return counts
