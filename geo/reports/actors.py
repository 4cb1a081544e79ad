"""The armed actors reports name, from a curated list (``geo/actors.csv``), and finding them in text.

Each row of the list is one actor: its ACLED-style ``name``, ``abbreviations`` and ``aliases``
(``|``-separated spellings seen in reporting), ``side`` (who it belongs to or is aligned with),
``type`` and ``air_power`` (``yes`` when it carries out air or drone strikes: such an actor
is read as the one striking, the others as its targets).

Matching rules:

* abbreviations ("KH", "U.S.", "PMF") match as whole words and case-sensitively, so "us" and
  "Kh" are not actors;
* aliases match as whole words in any case, with apostrophes optional and any run of spaces or
  hyphens between words ("Kataib Hezbollah", "Kata’ib Hezbollah", "kata'ib hezbollah");
* the longest alias wins where two overlap ("Kata'ib Hezbollah" is not Lebanese Hezbollah).
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

ACTORS_CSV = Path(__file__).with_name("actors.csv")
_APOSTROPHES = "'’‘ʼʿ`"


@dataclass(frozen=True)
class Actor:
    name: str
    abbreviation: str  # the first listed, for display ("Kata'ib Hezbollah (KH)")
    side: str
    type: str
    air_power: bool

    @property
    def label(self) -> str:
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name


@dataclass(frozen=True)
class ActorMention:
    actor: Actor
    text: str
    start: int
    end: int


def _alias_pattern(alias: str) -> str:
    """A regex for one alias: apostrophes optional, spaces and hyphens interchangeable."""
    parts = []
    for char in alias:
        if char in _APOSTROPHES:
            parts.append(f"[{_APOSTROPHES}]?")
        elif char in " -":
            parts.append(r"[\s\-‐–]+")
        else:
            parts.append(re.escape(char))
    return "".join(parts)


@functools.lru_cache(maxsize=1)
def actor_rows() -> tuple[tuple[Actor, tuple[str, ...], frozenset[str]], ...]:
    """The actor list as (actor, its abbreviations, its names and aliases), read once. The geocoder reads
    it too: an actor's name is never a place (``geo.geocoding.candidates.is_not_place``)."""
    rows = []
    with ACTORS_CSV.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            abbreviations = tuple(a for a in row["abbreviations"].split("|") if a)
            actor = Actor(row["name"], abbreviations[0] if abbreviations else "", row["side"], row["type"],
                          row["air_power"].strip().lower() == "yes")
            rows.append((actor, abbreviations, frozenset({row["name"], *row["aliases"].split("|")} - {""})))
    return tuple(rows)


@functools.lru_cache(maxsize=1)
def load_actors() -> tuple[list[Actor], re.Pattern, dict[str, Actor]]:
    """The actors, one pattern matching any of their spellings, and spelling -> actor.

    The spelling key is the matched text folded as the pattern folds it (see ``_spelling_key``)."""
    actors, by_spelling, alternatives = [], {}, []
    for actor, abbreviations, aliases in actor_rows():
        actors.append(actor)
        for abbreviation in abbreviations:
            by_spelling[abbreviation] = actor
            alternatives.append((len(abbreviation), re.escape(abbreviation)))
        for alias in sorted(aliases):
            by_spelling[_spelling_key(alias)] = actor
            alternatives.append((len(alias), f"(?i:{_alias_pattern(alias)})"))
    alternatives.sort(key=lambda item: -item[0])
    # No letter, digit or joining mark on either side: "Israel" is not in "Israeli", "US" not in "US-led".
    pattern = re.compile(r"(?<![\w'’.-])(?:" + "|".join(a for _, a in alternatives) + r")(?![\w'’-])")
    return actors, pattern, by_spelling


def _spelling_key(text: str) -> str:
    """Case-folded, apostrophes dropped, spaces and hyphens unified: how aliases are compared."""
    text = re.sub(f"[{_APOSTROPHES}]", "", text)
    return re.sub(r"[\s\-‐–]+", " ", text).casefold()


def find_actors(text: str) -> list[ActorMention]:
    """Every actor named in ``text``, in text order (one mention per match)."""
    _, pattern, by_spelling = load_actors()
    found = []
    for match in pattern.finditer(text):
        words = match.group(0)
        actor = by_spelling.get(words) or by_spelling.get(_spelling_key(words))
        if actor is not None:  # an abbreviation in the wrong case ("Kh") matched only as an alias would
            found.append(ActorMention(actor, words, match.start(), match.end()))
    return found


# "coalition aircraft" and "the coalition" alone name whichever coalition the report named in full before them.
_BARE_COALITION = re.compile(r"(?i:(?:the\s+)?coalition(?:\s+(?:aircraft|warplanes|jets|forces))?)")


def follow_coalitions(texts: list[str], found: list[list[ActorMention]]) -> list[list[ActorMention]]:
    """The actor mentions of a report's sentences (``found[i]`` for ``texts[i]``), with each bare "coalition"
    read as the coalition last named in full ("the Saudi-led coalition ... coalition aircraft struck"): a
    report about Yemen does not mean the US-led coalition of the curated aliases."""
    named = None  # the coalition last named in full
    out = []
    for text, mentions in zip(texts, found):
        kept = []
        for mention in mentions:
            if "coalition" in mention.text.lower() and not _BARE_COALITION.fullmatch(mention.text):
                named = mention.actor
            elif named is not None and _BARE_COALITION.fullmatch(mention.text):
                mention = ActorMention(named, mention.text, mention.start, mention.end)
            kept.append(mention)
        if named is not None:
            taken = [(m.start, m.end) for m in kept]
            for match in re.finditer(r"\bcoalition\b", text, re.IGNORECASE):
                if not any(a <= match.start() < b for a, b in taken):
                    kept.append(ActorMention(named, match.group(0), match.start(), match.end()))
        out.append(sorted(kept, key=lambda m: m.start))
    return out
