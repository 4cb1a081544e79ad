"""Importers: other tools' event files into our schema, every column kept.

Each ``map_*`` function brings one format's columns into ``geo.io.events``' schema: our
columns first, then every other column of the file, unchanged; ``place`` then gives each
row its geometry and ``ImportSummary`` says what happened to each row. Formats:

| fmt       | file                                                                  |
|-----------|-----------------------------------------------------------------------|
| `acled`   | an ACLED CSV export (`,` or `;`), its column names as they are        |
| `ucdp`    | a UCDP GED CSV (`id`, `relid`, ..., `where_prec`, `date_prec`, `best`) |
| `csv`     | our CSV (what `geo.io.export` writes; `geometry_wkt` gives back regions)  |
| `geojson`, `gpkg`, `parquet` | GeoJSON, GeoPackage, GeoParquet in our schema      |

Precision codes become ours (geo_precision 1 named place, 2 near a place / small
area, 3 region; time_precision 1 day, 2 week, 3 month). "Outline": when the
gazetteer knows the area the code names, the event's geometry is that area's
polygon (the given point stays in latitude/longitude, and ``radius_km`` is how far
the area reaches from it), as our geocoder draws a region; otherwise the point.

| source code                  | means                                   | geo_precision | radius_km | outline |
|------------------------------|-----------------------------------------|---|-------|--------------|
| ACLED geo_precision 1        | the named town                          | 1 | –     | –            |
| ACLED geo_precision 2        | near the town, a small part of a region | 2 | 15    | –            |
| ACLED geo_precision 3        | a larger region (its capital's point)   | 3 | area  | admin1       |
| UCDP where_prec 1            | exact location                          | 1 | –     | –            |
| UCDP where_prec 2            | within about 25 km of a known point     | 2 | 25    | –            |
| UCDP where_prec 3            | second-order administrative division    | 3 | 50    | – (no admin-2 outlines offline) |
| UCDP where_prec 4            | first-order administrative division     | 3 | area  | adm_1        |
| UCDP where_prec 5            | a linear feature or an area larger than admin-1 | 3 | area | where_description's area, else the country |
| UCDP where_prec 6            | the country only                        | 3 | area  | country      |
| UCDP where_prec 7            | international waters or airspace        | 3 | –     | –            |

| source code                  | means                                   | time_precision |
|------------------------------|-----------------------------------------|---|
| ACLED time_precision 1, 2, 3 | day, week, month (as ours)              | 1, 2, 3 |
| UCDP date_prec 1             | the exact day                           | 1 |
| UCDP date_prec 2, 3          | within 2-6 days; the week               | 2 |
| UCDP date_prec 4, 5          | within 8-30 days or the month; coarser  | 3 (the coarsest we have; `date_end` is kept) |

UCDP maps ``date_start`` to event_date, ``best``/``low``/``high`` to
fatalities/fatalities_min/fatalities_max, ``side_a``/``side_b`` to actor1/actor2,
``adm_1`` to admin1, ``where_coordinates`` to location and ``where_description``
to location_mention, ``type_of_violence`` to event_type, ``source_original`` to
source, ``source_headline`` to notes; the id becomes ``UCDP-<id>``.

Rows without coordinates are geocoded (``geo.io.events.place_events``) from their
place fields: ACLED's "location, admin1, country" (kept as location_mention),
UCDP's where_coordinates (else where_description) with the country. The source's
precision code is then a floor: a UCDP "within 25 km" row never becomes a
precision-1 point because the geocoder found the town.

Precision codes and column facts are declared with each format in ``geo.io.formats``; files are read
(and checked) by ``geo.io.read.read_events``, which calls a format's ``map_*`` function below to bring
its columns into ours, then ``place`` and ``finish``.
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import MAX_ERRORS_SHOWN, RowProblem
from .events import GEOMETRY_WKT, geodata_events, geodata_table, place_events, row_label
from .formats import FORMATS, IMPORT_FORMATS, Precision  # noqa: F401  IMPORT_FORMATS: tests import it from here
from .schema import count_of

# Progress bars appear only for work that lasts longer than this: large files, not the samples.
PROGRESS_DELAY_S = 1.0
UCDP_VIOLENCE = {"1": "State-based conflict", "2": "Non-state conflict", "3": "One-sided violence"}


@dataclass
class ImportSummary:
    """What an import did with each row of the file."""

    path: Path | str  # where the file was read from
    fmt: str
    file: str = ""  # the name a person knows it by (an upload's own name)
    rows_read: int = 0
    left_out: int = 0  # by the sub-event-type filter
    given: int = 0  # placed by their own coordinates (or shape)
    outlined: int = 0  # of those, drawn as the outline of the area their precision code names
    geocoded: int = 0
    unplaced: list[str] = field(default_factory=list)  # kept without geometry, with the reason
    set_aside: list[RowProblem] = field(default_factory=list)  # bad rows, not imported (on_bad_rows="skip")
    notes: list[str] = field(default_factory=list)

    @property
    def placed(self) -> int:
        return self.given + self.geocoded

    def lines(self) -> list[str]:
        """The summary the CLI prints on stderr."""
        kept = self.rows_read - self.left_out - len({p.index for p in self.set_aside})
        head = (f"{self.file or self.path} ({self.fmt}): {count_of(self.rows_read, 'row')} read"
                + (f", {self.left_out} left out by --sub-event-type" if self.left_out else "")
                + f", {kept} imported: {self.placed} placed ({self.given} by their own coordinates or shape"
                + (f", {self.outlined} of them drawn as their area's outline" if self.outlined else "")
                + f"; {self.geocoded} geocoded), {len(self.unplaced)} unplaced, "
                + f"{len({p.index for p in self.set_aside})} set aside")
        details = [f"set aside {p.message}" for p in self.set_aside] + [f"unplaced {u}" for u in self.unplaced]
        shown = details[:MAX_ERRORS_SHOWN]
        more = [f"... and {len(details) - MAX_ERRORS_SHOWN} more"] if len(details) > MAX_ERRORS_SHOWN else []
        return [head] + [f"note: {n}" for n in self.notes] + shown + more


@dataclass
class _Mapped:
    """A source table in our schema, before checking: our columns, then the file's others."""

    table: pd.DataFrame
    column_names: dict[str, str] = field(default_factory=dict)  # ours -> the file's, for messages
    problems: list[RowProblem] = field(default_factory=list)  # codes outside the source's tables
    queries: pd.Series | None = None  # the text to geocode, for rows without coordinates
    outlines: pd.Series | None = None  # Precision.outline per row with coordinates
    unit: str = "row"  # how the file's rows are named: "row" (CSV lines) or "feature"
    geodata: bool = False  # the table brings its own geometries (GeoJSON, GeoPackage, GeoParquet)


def import_events(fmt: str, path: Path | str, **options):
    """``read_events(path, fmt, ...)``'s events, in the ``import`` command's argument order."""
    return import_with_summary(fmt, path, **options)[0]


def import_with_summary(fmt: str, path: Path | str, **options):
    """``read_events(path, fmt, ...)``: (events, ImportSummary), in the ``import`` command's argument order."""
    from .read import read_events

    return read_events(path, fmt, **options)


# ------------------------------------------------------------------ sources -> our schema


def _as_text(series: pd.Series) -> pd.Series:
    """Cells as text, missing ones empty (a column read as numbers included)."""
    return series.astype(object).where(series.notna(), "").astype(str)


def _blank(series: pd.Series) -> pd.Series:
    """Cells that are missing or only spaces. A number column is blank where it is missing, a text column
    is stripped as it is: only other columns are made into text first (1,000,000 floats as text: ~1.5 s)."""
    if pd.api.types.is_numeric_dtype(series.dtype):
        return series.isna()
    if pd.api.types.is_string_dtype(series.dtype) and not pd.api.types.is_object_dtype(series.dtype):
        return (series.fillna("").str.strip() == "").astype(bool)
    return _as_text(series).str.strip() == ""


def _column(raw: pd.DataFrame, name: str) -> pd.Series:
    return _as_text(raw[name]) if name in raw else pd.Series("", index=raw.index, dtype=object)


def _given(raw: pd.DataFrame) -> pd.Series:
    """Rows with both coordinates."""
    blank = lambda name: _blank(raw[name]) if name in raw else pd.Series(True, index=raw.index)
    return ~blank("latitude") & ~blank("longitude")


def _code_problems(codes: pd.Series, known: dict, column: str, frame: pd.DataFrame, name: str) -> list[RowProblem]:
    """Rows whose precision code is not in the source's table."""
    bad = ~_blank(codes) & ~codes.str.strip().isin(known)
    return [RowProblem(name, i, "row", column, codes[i], f"{column} {codes[i]!r} is not one of {', '.join(known)}",
                       _event_id(frame, i)) for i in codes.index[bad]]


def _event_id(frame: pd.DataFrame, index) -> str:
    value = frame.at[index, "event_id_cnty"] if "event_id_cnty" in frame else None
    return "" if value is None or pd.isna(value) else str(value).strip()


def map_acled(raw: pd.DataFrame, name: str) -> _Mapped:
    """ACLED's columns are ours already: add the radius, the geocoder stage and, for rows without
    coordinates, the mention the geocoder reads."""
    table = raw.copy()
    given = _given(raw)
    code = _column(raw, "geo_precision").str.strip()
    precision = code.map(FORMATS["acled"].geo_precision)
    table["radius_km"] = precision.map(lambda p: p.radius_km if isinstance(p, Precision) else None)
    table["geocoder"] = ("given coordinates (ACLED geo_precision " + code + ")").where(given, "")
    # "Abu Kamal, Deir ez Zor, Syria": the geocoder reads the trailing names as the place's province and country.
    mention = pd.Series("", index=raw.index, dtype=object)
    for column in ("location", "admin1", "country"):
        part = _column(raw, column).str.strip()
        mention = mention.where(part == "", mention.where(mention == "", mention + ", ") + part)
    table["location_mention"] = mention.where(~given, "")
    outlines = precision.map(lambda p: p.outline if isinstance(p, Precision) else None).where(given)
    return _Mapped(table, {"location_mention": "location/admin1/country"}, outlines=outlines)


def map_ucdp(raw: pd.DataFrame, name: str) -> _Mapped:
    """UCDP GED's columns into ours (the mapping in the module docstring); its own columns follow."""
    col = functools.partial(_column, raw)
    given = _given(raw)
    where_prec, date_prec = col("where_prec").str.strip(), col("date_prec").str.strip()
    ucdp = FORMATS["ucdp"]
    precision = where_prec.map(ucdp.geo_precision)
    ids = col("id").str.strip()
    table = pd.DataFrame(index=raw.index)
    table["event_id_cnty"] = ("UCDP-" + ids).where(ids != "", "")
    table["event_date"] = col("date_start")
    table["time_precision"] = date_prec.map(ucdp.time_precision)
    violence = col("type_of_violence").str.strip()
    table["event_type"] = violence.map(UCDP_VIOLENCE).fillna(violence)
    table["actor1"], table["actor2"] = col("side_a"), col("side_b")
    table["country"], table["admin1"], table["location"] = col("country"), col("adm_1"), col("where_coordinates")
    table["latitude"], table["longitude"] = col("latitude"), col("longitude")
    table["geo_precision"] = precision.map(lambda p: p.geo_precision if isinstance(p, Precision) else None)
    table["source"] = col("source_original").where(~_blank(col("source_original")), col("source_office"))
    table["notes"] = col("source_headline")
    table["fatalities"], table["fatalities_min"], table["fatalities_max"] = col("best"), col("low"), col("high")
    description = col("where_description")
    table["location_mention"] = description.where(~_blank(description), col("where_coordinates"))
    table["radius_km"] = precision.map(lambda p: p.radius_km if isinstance(p, Precision) else None)
    table["geocoder"] = ("given coordinates (UCDP where_prec " + where_prec + ")").where(given, "")
    for column in raw.columns:
        if column not in table:
            table[column] = raw[column]
    place = col("where_coordinates").where(~_blank(col("where_coordinates")), description)
    queries = place.where(_blank(col("country")), place + ", " + col("country"))
    names = {"event_id_cnty": "id", "event_date": "date_start", "time_precision": "date_prec",
             "geo_precision": "where_prec", "fatalities": "best", "fatalities_min": "low", "fatalities_max": "high",
             "location_mention": "where_description (or where_coordinates)", "admin1": "adm_1"}
    problems = (_code_problems(where_prec, ucdp.geo_precision, "where_prec", table, name)
                + _code_problems(date_prec, ucdp.time_precision, "date_prec", table, name))
    outlines = precision.map(lambda p: p.outline if isinstance(p, Precision) else None).where(given)
    return _Mapped(table, names, problems, queries=queries, outlines=outlines)


def map_ours(raw: pd.DataFrame, name: str) -> _Mapped:
    """Our CSV: undo the quote our export puts before cells a spreadsheet would run as formulas."""
    from .export import FORMULA_GUARDED

    table = raw.copy()
    for column in table.columns:
        # Only cells that start with a quote can be guarded: a fast test first, the regex on those alone
        # (a regex over every cell of a 100,000-row file took seconds).
        quoted = table[column].str.startswith("'", na=False)
        if not quoted.any():
            continue
        # Exactly the cells geo.io.export guards, with their quote: "'=1" -> "=1", "' -1" -> " -1", "''=1" -> "'=1".
        candidates = table.loc[quoted, column]
        guarded = candidates.index[candidates.str.match("'" + FORMULA_GUARDED.pattern)]
        table.loc[guarded, column] = table.loc[guarded, column].str[1:]
    return _Mapped(table)


def map_geodata(raw, name: str) -> _Mapped:
    """A GeoJSON/GeoPackage/GeoParquet table in our schema: its geometries kept (regions stay polygons)."""
    table, problems = geodata_table(raw, name)
    return _Mapped(table, problems=problems, unit="feature", geodata=True)


# ------------------------------------------------------------------ placing


def place(accepted: pd.DataFrame, mapped: _Mapped, progress, summary: ImportSummary):
    """Coordinates kept, area codes drawn as their outline, the rest geocoded with the source's code as a floor.
    A geodata table keeps its own geometries. ``progress``: True for tqdm bars, or a ``(done, total)`` function."""
    from tqdm import tqdm

    if mapped.geodata:
        events = geodata_events(accepted, keep_columns=True)
        summary.given = int(events.geometry.notna().sum())
        return events
    given = _given(accepted)
    if GEOMETRY_WKT in accepted:
        given |= ~_blank(accepted[GEOMETRY_WKT])
    with tqdm(desc="geocoding", unit="row", file=sys.stderr, delay=PROGRESS_DELAY_S,
              disable=progress is not True) as bar:
        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(1)
            if callable(progress):
                progress(done, total)

        queries = mapped.queries.loc[accepted.index] if mapped.queries is not None else None
        events = place_events(accepted, progress=advance, queries=queries, keep_columns=True)
    geocoded = ~given & events.geometry.notna()
    _keep_coarser_precision(events, accepted, geocoded)
    summary.given, summary.geocoded = int(given.sum()), int(geocoded.sum())
    if mapped.outlines is not None:
        events = _draw_outlines(events, mapped.outlines.loc[accepted.index].where(given), summary, progress)
    return events


def _keep_coarser_precision(events, accepted: pd.DataFrame, geocoded: pd.Series) -> None:
    """A geocoded row keeps the source's coarser precision code and the larger radius."""
    source = accepted["geo_precision"]
    coarser = geocoded & source.notna() & (source > events["geo_precision"].fillna(0)).fillna(False)
    radius = pd.to_numeric(accepted["radius_km"], errors="coerce")
    for index in events.index[coarser]:
        radii = [r for r in (events.at[index, "radius_km"], radius[index]) if not pd.isna(r)]
        events.at[index, "geo_precision"] = source[index]
        events.at[index, "radius_km"] = max(radii) if radii else None
        events.at[index, "geocoder"] += f"; precision {source[index]} kept from the file"


def _draw_outlines(events, outlines: pd.Series, summary: ImportSummary, progress):
    """Rows whose code names an area (a province, the country) get that area's polygon as geometry."""
    import geopandas as gpd
    import shapely
    from tqdm import tqdm

    from ..geocoding.regions import radius_km_around

    wanted = outlines.dropna()
    if wanted.empty:
        return events
    shapes = events.geometry.copy()
    areas: dict[tuple, tuple] = {}  # (kind, admin1, country, mention) -> (Resolution, outline, its hull) or None
    notes: dict[int, str] = {}  # what to add to each row's geocoder
    radii: dict[int, float] = {}
    rows = events.loc[wanted.index, ["admin1", "country", "location_mention", "longitude", "latitude"]]
    for (index, kind), row in tqdm(zip(wanted.items(), rows.itertuples(index=False)), total=len(wanted),
                                   desc="outlines", unit="row", file=sys.stderr, delay=PROGRESS_DELAY_S,
                                   disable=progress is not True):
        # Only the names the kind of area needs, so that one province is looked up once.
        key = (kind, row.admin1 if kind == "admin1" else "", row.country,
               row.location_mention if kind == "description" else "")
        if key not in areas:
            found = _area(*key)
            outline = found.shape() if found is not None else None
            if outline is not None:
                shapely.prepare(outline)
            areas[key] = (found, outline, outline.convex_hull) if outline is not None else None
        # The area must hold the given point (within ~25 km): otherwise the names and the point disagree.
        if areas[key] is None or not shapely.dwithin(areas[key][1], shapely.Point(row.longitude, row.latitude), 0.25):
            notes[index] = "; no outline: the area is not in the gazetteer or misses the point"
            continue
        found, outline, hull = areas[key]
        shapes[index] = outline
        radii[index] = radius_km_around(hull, row.longitude, row.latitude)
        notes[index] = f"; outline: {found.name} ({found.source})"
    # Set column-wise at the end: one cell at a time is slow on pandas' Arrow-backed text columns.
    events["geocoder"] = events["geocoder"] + pd.Series(notes, dtype=object).reindex(events.index, fill_value="")
    events.loc[list(radii), "radius_km"] = list(radii.values())
    summary.outlined = len(radii)
    return events.set_geometry(gpd.GeoSeries(shapes, index=events.index, crs="EPSG:4326"))


def _area(kind: str, admin1: str, country: str, description: str):
    """The Resolution of the area a precision code names, or None."""
    from ..geocoding.gazetteer import load_gazetteer
    from ..geocoding.resolve import resolve_mention, resolve_name
    from ..geocoding.resolution import PRECISION_REGION, Context

    code = load_gazetteer().country_code(country) if country else None
    if kind == "admin1":
        return resolve_name(admin1, Context(code), kinds=("admin1",)) if admin1 else None
    if kind == "description" and description:
        found = resolve_mention(description, country=code)
        if found.resolved and found.precision == PRECISION_REGION:
            return found
    return resolve_name(country, Context(), kinds=("country",)) if code else None


def finish(events, summary: ImportSummary, unit: str):
    """List the unplaced rows (as the file numbers them), then renumber the table from 0."""
    for index in events.index[events.geometry.isna()]:
        summary.unplaced.append(f"{row_label(events, index, unit)}: {events.at[index, 'location_mention']!r} "
                                f"{events.at[index, 'geocoder']}")
    return events.reset_index(drop=True), summary
