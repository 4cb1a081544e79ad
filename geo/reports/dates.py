"""Dates in report text, read against the report's own date.

``resolve_date(phrase, report_date)`` turns one date phrase into a ``DateReading``:
the date, its precision in ACLED's codes and the rule that was applied, so a user can
check it. ``find_dates(text, report_date)`` finds the phrases in running text, and
``report_date_in_text(text)`` reads a report's own date from its header ("date
2021-06-28", "Published: 28 June 2021", a "BAGHDAD, June 28, 2021 -" dateline).

The rules (the report is dated D):

* "27 June 2021", "June 27, 2021", "2021-06-27": that day (precision 1);
* "June 27", "Feb. 25", "25th February": that day in D's year, or the year before if it
  would fall after D (precision 1);
* weekdays ("on Sunday", "Sunday's", "late Sunday night"): the latest such day on or
  before D, so "Monday" in a Monday report is D itself; "last Monday" in a Monday report is
  a week earlier (precision 1);
* "today", "tonight", "this evening": D; "yesterday", "last night", "overnight": D - 1;
  "the day before yesterday": D - 2; "three days ago": D - 3 (precision 1);
* "two days later", "the next day": counted forward from the day the text last named (the
  caller passes that day; with none before it, such a phrase is not read);
* "last week", "this week", "earlier this week": the Monday that starts that week
  (precision 2);
* "February 2021": 2021-02-01; "in February", "early February": the 1st of February in
  D's year, or the year before if February would be after D's month; "last month", "this
  month" likewise (precision 3).

An approximate date carries the first day of the week or month it names, so a date filter
over that week or month always includes it; ``time_precision`` says how approximate it is.
"Next Sunday" and other future phrases are not read: reports describe what happened.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..io.schema import TIME_PRECISION

# The time_precision codes, named (declared with their words in geo.io.schema.TIME_PRECISION).
PRECISION_DAY, PRECISION_WEEK, PRECISION_MONTH = TIME_PRECISION

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10,
    "nov": 11, "dec": 12,
}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                 "nine": 9, "ten": 10}

# Month names are matched capitalised only: "may" and "march" are also ordinary words.
_MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
          r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?")
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d\d"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))"

# Most specific first: once a phrase is found, the shorter phrases inside it are not read again.
_PATTERNS = [
    ("iso", re.compile(r"\b(?P<year>" + _YEAR + r")-(?P<month>[01]\d)-(?P<day>[0-3]\d)\b")),
    ("day month", re.compile(rf"\b(?:{_WEEKDAY},?\s+(?:the\s+)?)?(?P<day>{_DAY})\s+(?:of\s+)?(?P<month>{_MONTH})"
                             rf"(?:,?\s+(?P<year>{_YEAR}))?(?!\w)")),
    ("month day", re.compile(rf"\b(?:{_WEEKDAY},?\s+)?(?P<month>{_MONTH})\s+(?:the\s+)?(?P<day>{_DAY})(?![\d:])\b"
                             rf"(?:,?\s+(?P<year>{_YEAR}))?")),
    ("month year", re.compile(rf"\b(?:(?:early|mid|late)[-\s]+)?(?P<month>{_MONTH})\s+(?:of\s+)?(?P<year>{_YEAR})\b")),
    ("month", re.compile(rf"\b(?i:in|since|during|on|by|until|of)\s+(?:(?:early|mid|late)[-\s]+)?(?P<month>{_MONTH})"
                         r"(?![\w-])")),
    ("relative", re.compile(
        r"\b(?:(?:the\s+)?day\s+before\s+yesterday|yesterday|last\s+night|overnight|(?:earlier\s+)?today|tonight|"
        r"(?:earlier\s+|late\s+)?this\s+(?:morning|afternoon|evening)|"
        r"(?P<ago>\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+days\s+ago|"
        r"(?:last|this|earlier\s+this)\s+(?P<span>week|month))\b",
        re.IGNORECASE)),
    ("later", re.compile(r"\b(?:(?P<after>\d+|a|one|two|three|four|five|six|seven|eight|nine|ten)\s+days?\s+later|"
                         r"the\s+(?:next|following)\s+day)\b", re.IGNORECASE)),
    ("weekday", re.compile(rf"(?<!next )(?<!Next )\b(?:[Oo]n\s+)?(?:(?P<last>last|this\s+past|past)\s+)?"
                           rf"(?:(?:early|late)\s+(?:on\s+)?)?(?P<weekday>{_WEEKDAY})(?:['’]s)?{_PART_OF_DAY}?\b")),
]
# Header lines that carry the report's own date.
_HEADER = re.compile(r"(?:^[\s>*#]*|(?<=[|·•])\s*)"
                     r"(?:date[d]?|published(?:\s+on)?|posted(?:\s+on)?|(?:last\s+)?updated(?:\s+on)?)"
                     r"\s*[:\-–—]?\s*(?:on\s+)?", re.IGNORECASE | re.MULTILINE)
# A dateline: the date alone, after an upper-case place ("BAGHDAD, ") or a byline ("By X | "), and
# followed by nothing, a time or a separator; a date inside the first sentence is not the report's.
_DATELINE_BEFORE = re.compile(r"^\s*(?:[A-Z][A-Z .'’-]+,(?:\s*[A-Z][\w .'’-]*,)?|.*[|·•])?\s*(?:" + _WEEKDAY
                              + r",?\s*)?$")
_DATELINE_AFTER = re.compile(r"^\s*(?:$|[(|·•—–:-]|\d{1,2}[:.]\d\d)")
HEADER_CHARS = 600  # a report's own date is read from this much of its start


@dataclass(frozen=True)
class DateReading:
    """A date phrase read against a reference day: the date, ACLED's precision code, the rule used."""

    date: dt.date
    precision: int
    rule: str
    relative: bool = False  # "today", "yesterday": counted from the day the words were said
    later: bool = False  # "two days later", "the next day": counted forward from the last day the text named


@dataclass(frozen=True)
class DateMention:
    """A date phrase found in text, with its character span."""

    text: str
    start: int
    end: int
    reading: DateReading


def _month_number(word: str) -> int:
    return _MONTHS[word.strip(".").lower()[:3]]


def _day_number(word: str) -> int:
    return int(re.match(r"\d+", word).group(0))


def _not_after(day: int, month: int, reference: dt.date) -> dt.date:
    """Day and month with no year: in the reference year, or the year before if that is later."""
    date = dt.date(reference.year, month, day)
    return date if date <= reference else dt.date(reference.year - 1, month, day)


def _month_start(month: int, reference: dt.date) -> dt.date:
    year = reference.year if month <= reference.month else reference.year - 1
    return dt.date(year, month, 1)


def _read(kind: str, match: re.Match, reference: dt.date) -> DateReading | None:
    """One matched phrase -> a reading, or None when the phrase names no real or past date."""
    groups = match.groupdict()
    said = f"the report's date {reference.isoformat()}"
    if kind in ("iso", "day month", "month day"):
        month = int(groups["month"]) if kind == "iso" else _month_number(groups["month"])
        day = int(groups["day"]) if kind == "iso" else _day_number(groups["day"])
        try:
            if groups.get("year"):
                return DateReading(dt.date(int(groups["year"]), month, day), PRECISION_DAY, "date as written")
            date = _not_after(day, month, reference)
        except ValueError:  # "31 February"
            return None
        return DateReading(date, PRECISION_DAY, f"day and month; the year is the latest not after {said}")
    if kind == "month year":
        return DateReading(dt.date(int(groups["year"]), _month_number(groups["month"]), 1), PRECISION_MONTH,
                           "month as written; dated the 1st")
    if kind == "month":
        return DateReading(_month_start(_month_number(groups["month"]), reference), PRECISION_MONTH,
                           f"month only: the latest such month not after {said}; dated the 1st")
    if kind == "weekday":
        wanted = _WEEKDAYS.index(groups["weekday"].lower())
        back = (reference.weekday() - wanted) % 7
        if groups.get("last") and back == 0:  # "last Monday" said on a Monday
            return DateReading(reference - dt.timedelta(days=7), PRECISION_DAY,
                               f"the {groups['weekday']} a week before {said}")
        return DateReading(reference - dt.timedelta(days=back), PRECISION_DAY,
                           f"the latest {groups['weekday']} on or before {said}")
    if kind == "later":
        words = (groups.get("after") or "one").lower()
        days = 1 if words == "a" else _NUMBER_WORDS.get(words) or int(words)
        return DateReading(reference + dt.timedelta(days=days), PRECISION_DAY,
                           f"{days} day(s) after {reference.isoformat()}, the last day named before it", True, True)
    return _read_relative(match.group(0).lower(), groups, reference, said)


def _read_relative(words: str, groups: dict, reference: dt.date, said: str) -> DateReading:
    """ "yesterday", "three days ago", "last week", "this month" ...: counted from the reference day."""
    words = re.sub(r"\s+", " ", words)
    last = words.startswith("last")
    if groups.get("ago"):
        days = _NUMBER_WORDS.get(groups["ago"].lower()) or int(groups["ago"])
        return DateReading(reference - dt.timedelta(days=days), PRECISION_DAY, f"{days} days before {said}", True)
    if groups.get("span") == "week":
        monday = reference - dt.timedelta(days=reference.weekday() + (7 if last else 0))
        rule = f"the week {'before' if last else 'of'} {said}, dated its Monday"
        return DateReading(monday, PRECISION_WEEK, rule, True)
    if groups.get("span") == "month":
        first = reference.replace(day=1)
        if last:
            first = (first - dt.timedelta(days=1)).replace(day=1)
        rule = f"the month {'before' if last else 'of'} {said}; dated the 1st"
        return DateReading(first, PRECISION_MONTH, rule, True)
    if "before yesterday" in words:
        return DateReading(reference - dt.timedelta(days=2), PRECISION_DAY, f"two days before {said}", True)
    if words in ("yesterday", "last night", "overnight"):
        return DateReading(reference - dt.timedelta(days=1), PRECISION_DAY, f"the day before {said}", True)
    return DateReading(reference, PRECISION_DAY, f"the day of {said}", True)


def find_dates(text: str, report_date: dt.date) -> list[DateMention]:
    """Every date phrase in ``text`` read against ``report_date``, in text order; overlaps go to the
    more specific phrase ("Sunday, June 27" is June 27)."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < b and a < end for a, b in taken):
                continue
            try:
                reading = _read(kind, match, report_date)
            except (ValueError, OverflowError):  # before year 1 or after 9999 ("yesterday" on 0001-01-01, "June 0000")
                reading = None
            if reading is None:
                continue
            taken.append((start, end))
            found.append(DateMention(match.group(0), start, end, reading))
    return sorted(found, key=lambda m: m.start)


def resolve_date(phrase: str, report_date: dt.date) -> DateReading | None:
    """The date one phrase names, read against the report's date; None if it names none.

    >>> resolve_date("on Sunday", dt.date(2021, 6, 28)).date
    datetime.date(2021, 6, 27)
    """
    mentions = find_dates(phrase, report_date)
    return mentions[0].reading if mentions else None


def report_date_in_text(text: str) -> DateMention | None:
    """The report's own date from its header: a "date"/"Published"/"Updated" line, else the first
    full date (with a year) in the first lines, as in a "BAGHDAD, June 28, 2021 -" dateline.

    The mention's span covers the label too, so the caller can blank the whole header phrase."""
    head = text[:HEADER_CHARS]
    placeholder = dt.date(2000, 1, 1)  # full dates ignore the reference day
    full = [m for m in find_dates(head, placeholder) if m.reading.rule == "date as written"]
    for label in _HEADER.finditer(head):
        for mention in full:
            if mention.start == label.end():
                start = label.start() + len(label.group(0)) - len(label.group(0).lstrip())
                return DateMention(head[start:mention.end], start, mention.end, mention.reading)
    lines_end = sum(len(line) + 1 for line in head.splitlines()[:3])
    for mention in full:
        line_start = head.rfind("\n", 0, mention.start) + 1
        line_end = head.find("\n", mention.end)
        before, after = head[line_start:mention.start], head[mention.end:line_end if line_end >= 0 else None]
        if mention.start < lines_end and _DATELINE_BEFORE.match(before) and _DATELINE_AFTER.match(after):
            # The span starts at the line: "ERBIL, Iraq," is where the reporter was, not a place of the story.
            return DateMention(head[line_start:mention.end], line_start, mention.end, mention.reading)
    return None
