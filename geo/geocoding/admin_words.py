"""Administrative words as reports write them, and the level of unit each one names.

"Donetsk oblast", "wilayat Helmand", "Muhafazat Dhamar", "Kurram agency", "Bakhmutskyi raion":
the word says what kind of unit the name is, so "<name> oblast" is the province, never the city of the
same name, and "<name> district" is the district (the unit around its seat), never a like-named
village abroad. Each word is declared once here, with its level; ``candidates.strip_filler`` and
``resolve`` derive their patterns from these lists.
"""

from __future__ import annotations

import functools
import re

# First-level units: a province by any of its names (English, Arabic, Persian/Pashto, Slavic, French).
FIRST_LEVEL = (
    "governorate", "governorates", "province", "provinces", "muhafazah", "muhafazat", "muhafaza", "mohafazat",
    "wilayah", "wilayat", "wilaya", "velayat", "vilayet", "oblast", "oblasts", "region", "regions",
)
# Second-level units: districts, Pakistan's tribal agencies, Ukraine's raions, tehsils, Yemen's mudiriyah,
# Myanmar's townships.
SECOND_LEVEL = (
    "district", "districts", "tribal district", "agency", "tribal agency", "raion", "rayon", "raioni",
    "tehsil", "tahsil", "mudiriyah", "mudiriyat", "woluswali", "uluswali", "county", "subdistrict", "township",
)
LEVEL_OF_WORD = {**{w: 1 for w in FIRST_LEVEL}, **{w: 2 for w in SECOND_LEVEL}}

# Every word as a regular-expression alternative, longest first ("tribal district" before "district").
WORDS_PATTERN = "|".join(sorted((re.escape(w).replace(r"\ ", r"\s+") for w in LEVEL_OF_WORD), key=len, reverse=True))
# The word after the name ("Donetsk oblast") or before it ("wilayat Helmand", "the province of Kunar").
_AFTER = re.compile(rf"^(?P<name>.+?)\s+(?P<word>{WORDS_PATTERN})$", re.IGNORECASE)
_BEFORE = re.compile(rf"^(?:the\s+)?(?P<word>{WORDS_PATTERN})\s+(?:of\s+)?(?P<name>.+)$", re.IGNORECASE)
# Slavic units are named by the adjective of their seat: "Bakhmutskyi raion" (Bakhmut), "Pokrovskyi raion"
# (Pokrovsk), "Donetska oblast" (Donetsk), "Kharkivska oblast" (Kharkiv).
_ADJECTIVE_ENDING = re.compile(r"(?:yi|iy|yy|ij|y|a|e|ij)$", re.IGNORECASE)
_ADJECTIVE_SUFFIX = re.compile(r"s?['’]?k(?:yi|iy|yy|ij|y|a|e)$", re.IGNORECASE)


@functools.lru_cache(maxsize=65536)
def admin_unit(words: str) -> tuple[str, int] | None:
    """(the name, its level: 1 province, 2 district) when ``words`` name a unit by its administrative
    word, else None. "Kharkiv oblast" -> ("Kharkiv", 1); "wilayat Helmand" -> ("Helmand", 1)."""
    words = words.strip(" ,.;:")
    for pattern in (_AFTER, _BEFORE):
        found = pattern.match(words)
        if found and found.group("name").strip():
            word = re.sub(r"\s+", " ", found.group("word").lower())
            return found.group("name").strip(" ,.;:"), LEVEL_OF_WORD[word]
    return None


def unit_names(name: str) -> list[str]:
    """The names a unit may go by: the name itself, then, for a Slavic adjective ("Bakhmutskyi",
    "Donetska"), the town it is formed from: its ending dropped ("Pokrovsk", "Donetsk"), then its
    whole suffix ("Bakhmut", "Kharkiv")."""
    words = name.split()
    last = words[-1] if words else ""
    names = [name]
    if len(last) > 6 and _ADJECTIVE_SUFFIX.search(last):
        stem = " ".join(words[:-1] + [""])
        names += [stem + _ADJECTIVE_ENDING.sub("", last), stem + _ADJECTIVE_SUFFIX.sub("", last)]
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))
