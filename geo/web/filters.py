"""Which events are shown: one ``Filters`` record, applied the same way by the dashboard and the CLI.

A view is fully described by a ``Filters`` and round-trips through URL query
parameters (``to_query`` / ``from_query``), so a link reproduces the same events:

    ?start=2021-06-01&end=2021-06-30&actor=Kata'ib Hezbollah (KH)&precision=2&q=storage&review=1

Multi-valued filters repeat their parameter (``actor=A&actor=B``). Unknown or malformed
parameters are reported back, never raised, so a damaged link still opens.

Where the map looks is a ``MapView`` (``?lat=34.45&lon=40.92&zoom=9``), kept in the
same link beside the filters.

The free-text search (``q=``) looks through notes, actors and place names with case, accents and
punctuation folded away, and through place names by their spelling too, with the geocoder's own keys
(``geo.geocoding.names``): "Abu Kamal" finds "near Al-Bukamal", "Albu Kamal" and "Ālbū Kamāl". A
``SearchIndex`` of a data set, built once, makes that quick.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd

from ..geocoding.names import name_key, skeleton_keys
from ..io.schema import NEEDS_REVIEW

# query parameter -> (Filters field, column(s) it filters)
MULTI = {
    "actor": ("actors", ("actor1", "actor2")),
    "type": ("event_types", ("event_type",)),
    "subtype": ("sub_event_types", ("sub_event_type",)),
    "country": ("countries", ("country",)),
    "admin1": ("admin1s", ("admin1",)),
}
# What the free-text search looks through: places (also by their spelling), actors and notes.
PLACE_COLUMNS = ("location_mention", "location", "region_mention", "admin1", "country")
TEXT_SEARCH_COLUMNS = (*PLACE_COLUMNS, "actor1", "actor2", "notes")
MAX_NAME_WORDS = 4  # the longest run of words a place name is looked for in (after articles are dropped)
# Actor cells may list several groups: "Kata'ib Hezbollah (KH); Kata'ib Sayyid al-Shuhada (KSS)".
_ACTOR_SPLIT = re.compile(r"\s*;\s*")


@dataclass(frozen=True)
class Filters:
    start: dt.date | None = None
    end: dt.date | None = None
    actors: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    sub_event_types: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    admin1s: tuple[str, ...] = ()
    precisions: tuple[int, ...] = ()
    fatalities_min: int | None = None  # events that may have killed at least this many (fatalities_max)
    fatalities_max: int | None = None  # events reported to have killed at most this many (fatalities_min)
    text: str = ""
    needs_review: bool = False  # only events whose place the geocoder was unsure of (NEEDS_REVIEW)
    problems: tuple[str, ...] = field(default=(), compare=False)

    def to_query(self) -> dict[str, str | list[str]]:
        """Query parameters for this view (empty filters are left out)."""
        query: dict[str, str | list[str]] = {}
        if self.start:
            query["start"] = self.start.isoformat()
        if self.end:
            query["end"] = self.end.isoformat()
        for name, (attribute, _) in MULTI.items():
            if getattr(self, attribute):
                query[name] = list(getattr(self, attribute))
        if self.precisions:
            query["precision"] = [str(p) for p in self.precisions]
        if self.fatalities_min is not None:
            query["fat_min"] = str(self.fatalities_min)
        if self.fatalities_max is not None:
            query["fat_max"] = str(self.fatalities_max)
        if self.text:
            query["q"] = self.text
        if self.needs_review:
            query["review"] = "1"
        return query

    @classmethod
    def from_query(cls, params) -> "Filters":
        """Read a view from query parameters (``st.query_params`` or a dict of lists/strings)."""

        def values(name: str) -> list[str]:
            if hasattr(params, "get_all"):
                return [v for v in params.get_all(name) if v != ""]
            value = params.get(name)
            if value is None:
                return []
            return [v for v in (value if isinstance(value, (list, tuple)) else [value]) if v != ""]

        problems: list[str] = []

        def date_of(name: str) -> dt.date | None:
            for raw in values(name)[:1]:
                try:
                    return dt.date.fromisoformat(raw)
                except ValueError:
                    problems.append(f"{name}={raw!r} is not a YYYY-MM-DD date")
            return None

        def number_of(name: str) -> int | None:
            for raw in values(name)[:1]:
                if raw.isdigit():
                    return int(raw)
                problems.append(f"{name}={raw!r} is not a whole number")
            return None

        precisions = []
        for raw in values("precision"):
            if raw in ("1", "2", "3"):
                precisions.append(int(raw))
            else:
                problems.append(f"precision={raw!r} is not 1, 2 or 3")
        needs_review = False
        for raw in values("review")[:1]:
            if raw in ("0", "1"):
                needs_review = raw == "1"
            else:
                problems.append(f"review={raw!r} is not 1 (needs review only) or 0")
        start, end = date_of("start"), date_of("end")
        if start and end and start > end:
            problems.append(f"start {start} is after end {end}")
            start = end = None
        multi = {attribute: tuple(dict.fromkeys(values(name))) for name, (attribute, _) in MULTI.items()}
        return cls(start=start, end=end, precisions=tuple(sorted(set(precisions))),
                   fatalities_min=number_of("fat_min"), fatalities_max=number_of("fat_max"),
                   text=(values("q")[:1] or [""])[0][:200], needs_review=needs_review, problems=tuple(problems), **multi)

    def replace(self, **changes) -> "Filters":
        current = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "problems"}
        return Filters(**{**current, **changes})


@dataclass(frozen=True)
class MapView:
    """The map's centre and zoom, as a link keeps them."""

    lat: float
    lon: float
    zoom: int

    ZOOMS = range(1, 19)  # the map's own zoom range (OfflineMap maxZoom 18)

    def to_query(self) -> dict[str, str]:
        # 4 decimals is ~10 m: finer than any zoom the map offers, short enough to share.
        return {"lat": f"{self.lat:.4f}", "lon": f"{self.lon:.4f}", "zoom": str(self.zoom)}

    @classmethod
    def from_query(cls, params) -> tuple["MapView | None", tuple[str, ...]]:
        """(view, problems) from query parameters; no view unless lat, lon and zoom are all valid."""
        raw = {name: params.get(name) for name in ("lat", "lon", "zoom")}
        given = {name: value for name, value in raw.items() if value not in (None, "")}
        if not given:
            return None, ()
        if len(given) < 3:
            missing = ", ".join(name for name in raw if name not in given)
            return None, (f"the map view needs lat, lon and zoom together (missing {missing})",)
        try:
            lat, lon = float(given["lat"]), float(given["lon"])
        except (TypeError, ValueError):
            return None, (f"lat={given['lat']!r}, lon={given['lon']!r} are not decimal degrees",)
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None, (f"lat={lat}, lon={lon} is not on Earth (lat -90..90, lon -180..180)",)
        if not str(given["zoom"]).isdigit() or int(given["zoom"]) not in cls.ZOOMS:
            return None, (f"zoom={given['zoom']!r} is not a zoom level from 1 to 18",)
        return cls(lat, lon, int(given["zoom"])), ()

    @classmethod
    def from_map(cls, answer: dict | None) -> "MapView | None":
        """The view st_folium reports (``center`` and ``zoom`` in its answer), if it reported one."""
        center, zoom = (answer or {}).get("center"), (answer or {}).get("zoom")
        if not center or zoom is None:
            return None
        lon = (float(center["lng"]) + 180) % 360 - 180  # a map panned round the world reports lng > 180
        return cls(round(float(center["lat"]), 4), round(lon, 4), int(zoom))


def split_actors(cell: str) -> list[str]:
    return [a for a in _ACTOR_SPLIT.split(cell or "") if a]


def facet_values(gdf) -> dict[str, list[str]]:
    """The choices each multi-valued filter offers, from the data itself."""
    choices = {}
    for name, (_, columns) in MULTI.items():
        seen: set[str] = set()
        for column in columns:
            cells = gdf[column].dropna().astype(str).unique()
            for cell in cells:
                seen.update(split_actors(cell) if name == "actor" else ([cell] if cell else []))
        choices[name] = sorted(seen)
    return choices


@dataclass(frozen=True)
class SearchIndex:
    """What the free-text search compares against, built once per data set: each row's folded text (places,
    actors, notes) and, from its place names, every spelling key (``skeleton_keys``) of each run of up to
    ``MAX_NAME_WORDS`` words, mapped to the rows (positions) that have it."""

    folded: pd.Series
    place_keys: dict  # spelling key -> positions (numpy array) of the rows whose place names have it

    @classmethod
    def of(cls, gdf) -> "SearchIndex":
        columns = [gdf[c] if c in gdf else pd.Series("", index=gdf.index) for c in TEXT_SEARCH_COLUMNS]
        texts = columns[0].fillna("").astype(str)
        for column in columns[1:]:
            texts = texts + " | " + column.fillna("").astype(str)
        folded = fold_all(texts)
        # Each distinct place cell is keyed once, then stands for every row that has it.
        found: dict[str, list] = {}
        for column in PLACE_COLUMNS:
            if column not in gdf:
                continue
            cells = pd.Series(gdf[column].fillna("").astype(str).to_numpy())
            for cell, positions in cells.groupby(cells).indices.items():
                if cell:
                    for key in _name_run_keys(cell):
                        found.setdefault(key, []).append(positions)
        place_keys = {key: np.unique(np.concatenate(parts)) for key, parts in found.items()}
        return cls(folded, place_keys)

    def matches(self, text: str) -> pd.Series:
        """True for each row whose folded text holds ``text`` folded, or whose place names hold a run of words
        spelled like it."""
        needle = fold_all(pd.Series([text])).iloc[0]  # folded exactly as the rows were
        hit = self.folded.str.contains(needle, regex=False) if needle else pd.Series(True, index=self.folded.index)
        words = name_key(text).split()
        if 0 < len(words) <= MAX_NAME_WORDS:
            parts = [self.place_keys[key] for key in skeleton_keys(text) if key in self.place_keys]
            if parts:
                positions = np.concatenate(parts)
                spelled = pd.Series(False, index=self.folded.index)
                spelled.iloc[positions] = True
                hit = hit | spelled
        return hit


# What geo.geocoding.names.fold drops, for whole columns at once in Arrow (fold goes letter by letter): marks
# that combine with a letter (accents, Arabic vowel signs) and the apostrophes written for ayn and hamza.
_FOLDED_AWAY = r"[\p{M}'’‘`´ʿʾʼʻ′ʹ]"


def fold_all(texts: pd.Series) -> pd.Series:
    """``fold`` over a whole column: lower case, no accents or apostrophe marks, anything but letters and digits
    as single spaces."""
    import pyarrow as pa
    import pyarrow.compute as pc

    folded = pa.array(texts.fillna("").astype(str).to_numpy(dtype=object), type=pa.large_string())
    folded = pc.utf8_normalize(folded, "NFKD")
    folded = pc.utf8_lower(pc.replace_substring_regex(folded, _FOLDED_AWAY, ""))
    folded = pc.utf8_trim_whitespace(pc.replace_substring_regex(folded, r"[^\p{L}\p{N}]+", " "))
    return pd.Series(pd.arrays.ArrowStringArray(folded), index=texts.index)


def _name_run_keys(cell: str) -> set[str]:
    """The spelling keys of every run of up to MAX_NAME_WORDS words of a place cell ("first of two locations in
    Syria, near Al-Bukamal" has "bukamal", "siria", ...)."""
    words = name_key(cell).split()
    keys = set()
    for size in range(1, MAX_NAME_WORDS + 1):
        for start in range(0, len(words) - size + 1):
            keys.update(skeleton_keys(" ".join(words[start:start + size])))
    return keys


def apply_filters(gdf, filters: Filters, search: SearchIndex | None = None):
    """The rows ``filters`` keeps, in their original order. Dates are inclusive at both ends. ``search``: the
    data set's ``SearchIndex`` (``SearchIndex.of(gdf)``), built here when not given."""
    mask = pd.Series(True, index=gdf.index)
    if filters.start:
        mask &= gdf["event_date"] >= filters.start.isoformat()
    if filters.end:
        mask &= gdf["event_date"] <= filters.end.isoformat()
    for name, (attribute, columns) in MULTI.items():
        wanted = set(getattr(filters, attribute))
        if not wanted:
            continue
        if name == "actor":
            hit = pd.Series(False, index=gdf.index)
            for column in columns:
                # Each distinct cell split once (a million events name a few hundred actor groups).
                cells = gdf[column].fillna("").astype(str)
                naming = [cell for cell in cells.unique() if wanted.intersection(split_actors(cell))]
                hit |= cells.isin(naming)
            mask &= hit
        else:
            mask &= gdf[columns[0]].isin(wanted)
    if filters.precisions:
        mask &= gdf["geo_precision"].isin(filters.precisions).fillna(False).astype(bool)
    if filters.fatalities_min is not None:
        # "at least N killed" keeps events whose reported range reaches N.
        most = gdf["fatalities_max"].fillna(gdf["fatalities"])
        mask &= (most >= filters.fatalities_min).fillna(False).astype(bool)
    if filters.fatalities_max is not None:
        least = gdf["fatalities_min"].fillna(gdf["fatalities"]).fillna(0)
        mask &= (least <= filters.fatalities_max).fillna(False).astype(bool)
    if filters.text:
        if search is None or not search.folded.index.equals(gdf.index):
            search = SearchIndex.of(gdf)
        mask &= search.matches(filters.text)
    if filters.needs_review:
        mask &= gdf["geo_status"].isin(NEEDS_REVIEW)
    if mask.all():
        # Not a copy of every row (1,000,000 events: ~0.5 GB and ~0.3 s on each rerun that keeps them all): the
        # same data, as a table of its own (copy-on-write: changing it never changes ``gdf``).
        return gdf.copy(deep=False)
    return gdf[mask]
