"""Spelling normalisation: turn any transliteration of a place name into lookup keys.

Two keys per name:

* ``name_key``: case, diacritics, ayn/hamza marks, hyphens and the Arabic
  article (al-, el-, ad-, ar-, as-, ash-, az- ...) removed. "Al Qā’im",
  "Al-Qaim" and "Qaim" share the key ``qaim``.
* ``skeleton_key``: a looser key that also folds Abu/Albu/Bou, Deir/Dayr, long (doubled)
  vowels, th/dh, Somali x/h and c/k, jim's g/j, doubled Slavic digraphs, Slavic ya/ia, uw/w, ou/u, e/a, q/k,
  doubled letters and -ah/-eh endings, and drops spaces.
  "Boukamal", "Al Bu Kamal" and "Abu Kemal" share ``bukamal``. A match on
  this key only is reported as a weaker match.

Both keys are used when the gazetteer is built and when a mention is looked up,
so the two sides always agree.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Ayn, hamza and every apostrophe-like mark transliterations use for them.
_MARKS = dict.fromkeys(map(ord, "'’‘`´ʿʾʼʻ′ʹ"), None)
# The Arabic definite article and its assimilated (sun-letter) forms.
ARTICLES = frozenset(
    "al el il ul l ad ar as ash az at ath adh an ed er es esh ez et eth en "
    "ud ur us uz ut".split()
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


@functools.lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case, strip diacritics and apostrophe marks, turn punctuation into spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.translate(_MARKS).lower()
    return _NON_WORD.sub(" ", stripped).strip()


@functools.lru_cache(maxsize=200_000)
def name_key(text: str) -> str:
    """The exact-match key: folded, with article tokens dropped (unless that leaves nothing)."""
    tokens = fold(text).split()
    kept = [t for t in tokens if t not in ARTICLES]
    return " ".join(kept or tokens)


# Prefixes that all render "Abu" / "Āl Bū" (family of) in place names.
_ABU = re.compile(r"^(?:albu|abu|abou|aboo|bou|bu)(?=[a-z])")
_GLUED_ARTICLE = re.compile(r"^[aeu]([tdrsznl])(?=\1)")
_DOUBLED = re.compile(r"([^aeiou])\1+")  # consonants only: "ee" and "oo" are vowels of their own
# "...ad-Din" (of the faith) in its spellings: Salahuddin, Salaheddin, Salah ad-Din.
_DIN = re.compile(r"(?<=[a-z])[uea]d+in$")
_SKELETON_RULES = [
    (re.compile(r"^(?:deir|dayr|dair|deyr|der)"), "dr"),  # "monastery" in every spelling
    # A doubled vowel is a long one (Somali "Luuq", "Saakow"); "ee" is read both ways (``skeleton_keys``).
    (re.compile(r"([aiu])\1"), r"\1"),
    # Arabic dhal and tha are written th, dh or d: "Thamar" / "Dhamar", "Dhi Qar" / "Thi Qar".
    (re.compile(r"(?:th|dh)"), "d"),
    # Somali writes the Arabic ha with x: "Xarardheere" / "Harardhere".
    (re.compile(r"x"), "h"),
    # Arabic jim is g in Egyptian and Yemeni speech and in older spellings: "Zingibar" / "Zinjibar".
    (re.compile(r"g(?!h)"), "j"),
    # A doubled Slavic digraph is one sound in transliteration: "Zaporizhzhia" / "Zaporizhia".
    (re.compile(r"(zh|sh|kh|ch)\1"), r"\1"),
    # Slavic ya/yu/ye after a consonant are written ia/iu/ie too: "Slovyansk" / "Sloviansk".
    (re.compile(r"(?<=[^aeiouy])y(?=[aeu])"), "i"),
    # A u before a glide w is the glide: "Zuwarah" / "Zwara".
    (re.compile(r"uw(?=[aei])"), "w"),
    (re.compile(r"(?:ou|oo|w(?=[^aeiou]|$))"), "u"),
    (re.compile(r"(?:ee|ie)"), "i"),
    (re.compile(r"(?:ay|ai|ei|ey)"), "e"),
    (re.compile(r"(?:aw|au|ow)"), "o"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"q"), "k"),
    # A hard c is a k: Somali writes the ayn c, which English spellings render k ("Saacow" / "Sakow").
    (re.compile(r"c(?![hiey])"), "k"),
    (re.compile(r"e"), "a"),
    (re.compile(r"o"), "u"),
    (re.compile(r"(.)\1+"), r"\1"),  # Raqqa / Raqa
    (re.compile(r"(?<=[aiu])h$"), ""),  # Raqqah / Anah / -eh
]


@functools.lru_cache(maxsize=200_000)
def skeleton_key(text: str) -> str:
    """The loose key: ``name_key`` with spellings folded and spaces removed."""
    tokens = name_key(text).split()
    if not tokens:
        return ""
    if tokens[0] in {"albu", "abu", "abou", "bou", "bu"} and len(tokens) > 1:
        tokens = ["bu", *tokens[1:]]
    # An article glued to a later word by its doubled sun letter: "Deir Ezzor".
    tokens = tokens[:1] + [_GLUED_ARTICLE.sub(r"\1", t) for t in tokens[1:]]
    # The Persian ezafe between words: "Qasr-e Shirin" / "Qasr Shirin".
    tokens = tokens[:1] + [t for t in tokens[1:-1] if t not in ("e", "ye", "i")] + tokens[-1:] if len(tokens) > 2 else tokens
    joined = "".join(tokens)
    joined = _ABU.sub("bu", joined)
    joined = _DOUBLED.sub(r"\1", joined)  # first, so that "Qayyarah" and "Qayara" fold alike
    joined = _DIN.sub("din", joined)
    for pattern, replacement in _SKELETON_RULES:
        joined = pattern.sub(replacement, joined)
    return joined


def skeleton_keys(text: str) -> tuple[str, ...]:
    """Every loose key of a name: ``skeleton_key``, and where the name has "ee", the key with it read as a
    long e (Somali "Baardheere" = "Bardhere") besides the English reading ("Heet" = "Hit")."""
    key = skeleton_key(text)
    folded = fold(text)
    if "ee" not in folded:
        return (key,) if key else ()
    return tuple(k for k in dict.fromkeys((key, skeleton_key(folded.replace("ee", "e")))) if k)


def clean_mention(text: str) -> str:
    """Unify dashes and spaces in a mention as typed, keeping its words and case."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"[‐‑‒–—―−]", "-", text)
    return re.sub(r"\s+", " ", text).strip()
