"""Importers: other tools' event files into our schema, every column kept.

``import_events(fmt, path)`` reads one file into a GeoDataFrame (EPSG:4326) in
``geo.io.events``' schema: our columns first, then every other column of the file,
unchanged. ``import_with_summary`` also says what happened to each row. Formats:

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

Bad input raises ``EventDataError`` naming the file, row and column; nothing is
returned half-read. ``on_bad_rows="skip"`` drops the bad rows instead and lists
them in the summary.
"""

from __future__ import annotations

import codecs
import functools
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import EventDataError
from .events import (GEOMETRY_WKT, MAX_ERRORS_SHOWN, RowProblem, check_events, csv_separator, geodata_events,
                     geodata_table, place_events, problems_message, refuse_extra_fields, row_label)
from ..geocoding.resolution import NEAR_RADIUS_KM

IMPORT_FORMATS = {
    "acled": "an ACLED CSV export",
    "ucdp": "a UCDP GED CSV",
    "csv": "a strikemap CSV",
    "geojson": "GeoJSON",
    "gpkg": "a GeoPackage",
    "parquet": "GeoParquet",
}
# What a file of each format is, by its first bytes (see _what_is).
_EXPECTED_KIND = {"acled": "text", "ucdp": "text", "csv": "text", "geojson": "json", "gpkg": "sqlite",
                  "parquet": "parquet"}
DEFAULT_MAX_MB = 500.0  # pandas holds a CSV in several times its size; more wants a filter or a split first
# Progress bars appear only for work that lasts longer than this: large files, not the samples.
PROGRESS_DELAY_S = 1.0
ON_BAD_ROWS = ("error", "skip")


@dataclass(frozen=True)
class Precision:
    """What one source precision code becomes in our schema (the table in the module docstring)."""

    geo_precision: int
    radius_km: float | None  # None: the town's own size (1), or the area's reach when it has an outline
    outline: str | None  # "admin1", "country" or "description": the area whose polygon is the geometry


ACLED_GEO_PRECISION = {
    "1": Precision(1, None, None),
    "2": Precision(2, NEAR_RADIUS_KM, None),  # our "near X" radius
    "3": Precision(3, None, "admin1"),
}
UCDP_WHERE_PREC = {
    "1": Precision(1, None, None),
    "2": Precision(2, 25.0, None),
    "3": Precision(3, 50.0, None),  # a typical district's reach; the gazetteer has no admin-2 outlines
    "4": Precision(3, None, "admin1"),
    "5": Precision(3, None, "description"),
    "6": Precision(3, None, "country"),
    "7": Precision(3, None, None),
}
UCDP_DATE_PREC = {"1": 1, "2": 2, "3": 2, "4": 3, "5": 3}
UCDP_VIOLENCE = {"1": "State-based conflict", "2": "Non-state conflict", "3": "One-sided violence"}

# Columns that must be there, and those of which at least one must say where (format -> names).
_REQUIRED = {"acled": ("event_id_cnty", "event_date"), "ucdp": ("id", "date_start"),
             "csv": ("event_id_cnty", "event_date")}
_PLACE_COLUMNS = {"acled": ("latitude", "location", "admin1", "country"),
                  "ucdp": ("latitude", "where_coordinates", "where_description", "adm_1", "country"),
                  "csv": ("latitude", "location_mention", GEOMETRY_WKT)}
# Columns that give a format away, to say "this looks like a UCDP file" when the wrong one was named.
_TELLTALE_COLUMNS = {"acled": {"event_id_cnty", "sub_event_type", "actor1", "inter1"},
                     "ucdp": {"where_prec", "date_prec", "side_a", "dyad_name"},
                     "csv": {"location_mention", "geocoder", "radius_km"}}


@dataclass
class ImportSummary:
    """What an import did with each row of the file."""

    path: Path
    fmt: str
    rows_read: int = 0
    left_out: int = 0  # by the sub-event-type filter
    given: int = 0  # placed by their own coordinates (or shape)
    outlined: int = 0  # of those, drawn as the outline of the area their precision code names
    geocoded: int = 0
    unplaced: list[str] = field(default_factory=list)  # kept without geometry, with the reason
    rejected: list[RowProblem] = field(default_factory=list)  # dropped (on_bad_rows="skip")
    notes: list[str] = field(default_factory=list)

    @property
    def placed(self) -> int:
        return self.given + self.geocoded

    def lines(self) -> list[str]:
        """The summary the CLI prints on stderr."""
        kept = self.rows_read - self.left_out - len(self.rejected)
        head = (f"{self.path} ({self.fmt}): {self.rows_read} rows read"
                + (f", {self.left_out} left out by --sub-event-type" if self.left_out else "")
                + f", {kept} imported: {self.placed} placed ({self.given} by their own coordinates or shape"
                + (f", {self.outlined} of them drawn as their area's outline" if self.outlined else "")
                + f"; {self.geocoded} geocoded), {len(self.unplaced)} unplaced, {len(self.rejected)} rejected")
        details = [f"rejected {p.message}" for p in self.rejected] + [f"unplaced {u}" for u in self.unplaced]
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


def import_events(fmt: str, path: Path | str, **options):
    """Read ``path`` (format ``fmt``, one of IMPORT_FORMATS) into a GeoDataFrame in our schema.

    Options as ``import_with_summary``.
    """
    return import_with_summary(fmt, path, **options)[0]


def import_with_summary(fmt: str, path: Path | str, *, sub_event_types: tuple[str, ...] | list[str] = (),
                        on_bad_rows: str = "error", encoding: str = "utf-8", max_mb: float | None = None,
                        progress: bool = False):
    """(events GeoDataFrame, ImportSummary) for one file.

    ``sub_event_types`` keeps only rows of those sub-event types ("Air/drone strike"; any case).
    ``on_bad_rows``: "error" refuses the file when any row is bad; "skip" drops bad rows and lists them.
    ``encoding``: the CSV's text encoding (UTF-8 with or without BOM by default). ``max_mb``: the size
    limit (default $STRIKEMAP_MAX_IMPORT_MB or 500). ``progress`` shows tqdm bars on stderr for long work.
    """
    if fmt not in IMPORT_FORMATS:
        raise EventDataError(f"unknown import format {fmt!r}; choose one of {', '.join(IMPORT_FORMATS)}")
    if on_bad_rows not in ON_BAD_ROWS:
        raise EventDataError(f"on_bad_rows must be one of {', '.join(ON_BAD_ROWS)}, not {on_bad_rows!r}")
    path = Path(path)
    origin = str(path)
    _check_file(path, fmt, _max_mb(max_mb), encoding)
    summary = ImportSummary(path, fmt)
    if fmt in ("geojson", "gpkg", "parquet"):
        table = _read_geodata(path, fmt)
        summary.rows_read = len(table)
        table = _keep_sub_event_types(table, sub_event_types, origin, summary)
        table, problems = geodata_table(table, origin)
        checked, more = check_events(table, origin, unit="feature")
        events = geodata_events(_accept(checked, problems + more, on_bad_rows, origin, summary), keep_columns=True)
        summary.given = int(events.geometry.notna().sum())
        return _finish(events, summary, "feature")
    raw = _read_csv(path, _python_encoding(encoding), progress, shown_as=encoding)
    summary.rows_read = len(raw)
    _require_columns(raw, fmt, origin)
    if fmt == "ucdp" and sub_event_types:
        raise EventDataError(f"{origin}: UCDP GED has no sub-event types; import it without --sub-event-type")
    mapped = {"acled": _from_acled, "ucdp": _from_ucdp, "csv": _from_ours}[fmt](raw)
    table = _keep_sub_event_types(mapped.table, sub_event_types, origin, summary)
    checked, more = check_events(table, origin, unit="row", column_names=mapped.column_names)
    problems = [p for p in mapped.problems if p.index in table.index]
    accepted = _accept(checked, problems + more, on_bad_rows, origin, summary)
    events = _place(accepted, mapped, progress, summary)
    return _finish(events, summary, "row")


# ------------------------------------------------------------------ reading and guarding files


def _python_encoding(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise EventDataError(f"unknown text encoding {encoding!r} (try utf-8, cp1252, latin-1, utf-16)") from None
    return "utf-8-sig" if name == "utf-8" else name  # a byte-order mark (Excel's "CSV UTF-8") is fine


def _max_mb(max_mb: float | None) -> float:
    if max_mb is not None:
        return float(max_mb)
    setting = os.environ.get("STRIKEMAP_MAX_IMPORT_MB")
    try:
        return float(setting) if setting else DEFAULT_MAX_MB
    except ValueError:
        raise EventDataError(f"STRIKEMAP_MAX_IMPORT_MB={setting!r} is not a number of megabytes") from None


# Leading bytes of the files people hand over by mistake (a table small enough to keep here).
_SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "png", "a PNG image"),
    (b"\xff\xd8\xff", "jpeg", "a JPEG image"),
    (b"GIF8", "gif", "a GIF image"),
    (b"%PDF", "pdf", "a PDF document"),
    (b"PK\x03\x04", "zip", "a ZIP archive (an Excel workbook, or a zipped download: unzip it and save as CSV)"),
    (b"\x1f\x8b", "gzip", "a gzip-compressed file (decompress it first)"),
    (b"SQLite format 3\x00", "sqlite", "an SQLite database (a GeoPackage?)"),
    (b"PAR1", "parquet", "a Parquet file"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32 text"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32 text"),
    (b"\xff\xfe", "utf-16", "UTF-16 text"),
    (b"\xfe\xff", "utf-16", "UTF-16 text"),
]
# The import format that reads each kind of file, for the hint.
_FORMAT_FOR_KIND = {"json": "geojson", "sqlite": "gpkg", "parquet": "parquet", "text": "acled|ucdp|csv"}


def _what_is(head: bytes) -> tuple[str, str]:
    """(kind, description) of a file from its first bytes."""
    for signature, kind, description in _SIGNATURES:
        if head.startswith(signature):
            return kind, description
    if b"\x00" in head:
        return "binary", "a binary file"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return "json", "JSON (GeoJSON?)"
    return "text", "a text file"


def _check_file(path: Path, fmt: str, max_mb: float, encoding: str) -> None:
    """Refuse, before reading, what cannot be this format: missing, empty, too big, another kind of file."""
    _python_encoding(encoding)  # an unknown encoding name fails first
    if not path.exists():
        raise EventDataError(f"{path}: no such file")
    if path.is_dir():
        raise EventDataError(f"{path}: a folder, not a file")
    size = path.stat().st_size
    if size == 0:
        raise EventDataError(f"{path}: the file is empty (0 bytes)")
    if size > max_mb * 1e6:
        raise EventDataError(f"{path}: {size / 1e6:,.3g} MB is more than the import limit of {max_mb:,g} MB; "
                             "raise it with --max-mb (or STRIKEMAP_MAX_IMPORT_MB) if this machine has several "
                             "times that in memory, or split or filter the file first")
    with path.open("rb") as fh:
        head = fh.read(8192)
    kind, description = _what_is(head)
    expected = _EXPECTED_KIND[fmt]
    if kind in ("utf-16", "utf-32") and expected == "text":
        if codecs.lookup(encoding).name.startswith(kind):
            return
        raise EventDataError(f"{path}: this is {description}, not {encoding}: pass --encoding {kind} "
                             "(or save the file as UTF-8)")
    if kind != expected:
        use = _FORMAT_FOR_KIND.get(kind)
        hint = f"; to read it, name its format: python -m geo import {use} FILE ..." if use else ""
        raise EventDataError(f"{path}: this is {description}, not {IMPORT_FORMATS[fmt]}{hint}")


def _read_csv(path: Path, encoding: str, progress: bool, shown_as: str) -> pd.DataFrame:
    """Every cell as text ("" when blank), separator from the header line, a bytes progress bar."""
    from tqdm import tqdm

    separator = csv_separator(path)
    try:
        with path.open("rb") as raw, tqdm.wrapattr(raw, "read", total=path.stat().st_size, desc=f"reading {path.name}",
                                                 unit="B", unit_scale=True, file=sys.stderr, delay=PROGRESS_DELAY_S,
                                                 disable=not progress) as fh:
            table = pd.read_csv(fh, sep=separator, dtype=str, keep_default_na=False, encoding=encoding)
    except UnicodeDecodeError:
        raise EventDataError(_undecodable(path, encoding, separator, shown_as)) from None
    except pd.errors.EmptyDataError:
        raise EventDataError(f"{path}: no table in the file (only blank lines?)") from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise EventDataError(f"{path}: not a readable CSV file ({exc})") from exc
    refuse_extra_fields(table, path, separator)
    if table.empty:
        raise EventDataError(f"{path}: a header line but no rows")
    return table


def _undecodable(path: Path, encoding: str, separator: str, shown_as: str) -> str:
    """Where the first bytes that are not ``encoding`` text are: row (as our messages count) and column."""
    import csv

    def readable(text: str) -> str:
        # The undecodable bytes as U+FFFD, in the column name too: a lone surrogate cannot be shown or printed.
        return text.encode(encoding, "surrogateescape").decode(encoding, "replace")

    with path.open(encoding=encoding, errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=separator)
        header = None
        for number, record in enumerate(reader, start=1):
            header = header or record
            for position, cell in enumerate(record):
                # surrogateescape turns each undecodable byte into one lone surrogate U+DC80..U+DCFF.
                bad = [ch for ch in cell if "\udc80" <= ch <= "\udcff"]
                if bad:
                    column = readable(header[position]) if position < len(header) else f"field {position + 1}"
                    raw = bytes(ord(ch) - 0xDC00 for ch in bad[:4])
                    shown = readable(cell)[:40]
                    return (f"{path}: row {number}, column {column}: byte(s) {raw!r} in {shown!r} are not "
                            f"{shown_as} text; pass --encoding with the file's encoding (a file from Excel or "
                            "Windows is often cp1252), or save it as UTF-8")
    return f"{path}: not {shown_as} text; pass --encoding with the file's encoding, or save it as UTF-8"


def _read_geodata(path: Path, fmt: str):
    import geopandas as gpd
    import pyogrio

    try:
        if fmt == "parquet":
            table = gpd.read_parquet(path)
        else:
            layers = [name for name, _ in pyogrio.list_layers(path)]
            layer = "events" if "events" in layers else layers[0]
            # GDAL reads date-like GeoJSON strings as dates; DATE_AS_STRING keeps them as the file writes them.
            options = {"DATE_AS_STRING": "YES"} if fmt == "geojson" else {"datetime_as_string": True}
            table = gpd.read_file(path, layer=layer, engine="pyogrio", **options)
    except Exception as exc:  # pyogrio's DataSourceError family, pyarrow's ArrowInvalid, missing geo metadata
        raise EventDataError(f"{path}: not readable as {IMPORT_FORMATS[fmt]} ({exc})") from exc
    if table.empty:
        raise EventDataError(f"{path}: no features in the file")
    return table


def _require_columns(raw: pd.DataFrame, fmt: str, origin: str) -> None:
    columns = set(raw.columns)
    missing = [c for c in _REQUIRED[fmt] if c not in columns]
    if not columns & set(_PLACE_COLUMNS[fmt]):
        missing.append(" or ".join(_PLACE_COLUMNS[fmt]))
    if not missing:
        return
    found = ", ".join(map(str, raw.columns))
    found = found if len(found) <= 200 else found[:200] + " ..."
    others = [f for f, telltale in _TELLTALE_COLUMNS.items() if f != fmt and len(columns & telltale) >= 2]
    hint = f"; it looks like {IMPORT_FORMATS[others[0]]}: python -m geo import {others[0]} ..." if others else ""
    raise EventDataError(f"{origin}: not {IMPORT_FORMATS[fmt]}: missing column(s) {', '.join(missing)}; "
                         f"found {found}{hint}")


def _keep_sub_event_types(table: pd.DataFrame, wanted, origin: str, summary: ImportSummary) -> pd.DataFrame:
    """Only the rows of the wanted sub-event types; the index (the file's row numbers) is kept."""
    wanted = [w.strip() for w in wanted if w.strip()]
    if not wanted:
        return table
    present = table["sub_event_type"].fillna("").astype(str).str.strip() if "sub_event_type" in table else None
    if present is None:
        raise EventDataError(f"{origin}: no sub_event_type column to filter on")
    keep = present.str.casefold().isin([w.casefold() for w in wanted])
    found = sorted(set(present) - {""})
    unmatched = [w for w in wanted if w.casefold() not in {f.casefold() for f in found}]
    if not keep.any():
        raise EventDataError(f"{origin}: no row has sub_event_type {' or '.join(map(repr, wanted))}; "
                             f"the file has {', '.join(map(repr, found)) or 'none'}")
    if unmatched:
        summary.notes.append(f"no row has sub_event_type {', '.join(map(repr, unmatched))}")
    summary.left_out = int((~keep).sum())
    return table[keep]


def _accept(frame: pd.DataFrame, problems: list[RowProblem], on_bad_rows: str, origin: str,
            summary: ImportSummary) -> pd.DataFrame:
    """The rows to import: all of them, or (on_bad_rows="skip") those without problems."""
    problems = sorted(problems, key=lambda p: p.index)
    if not problems:
        return frame
    if on_bad_rows == "error":
        raise EventDataError(problems_message(origin, problems, "--on-bad-rows skip imports the other rows"))
    summary.rejected = problems
    return frame.drop(index=sorted({p.index for p in problems}))


# ------------------------------------------------------------------ sources -> our schema


def _blank(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str).str.strip() == ""


def _column(raw: pd.DataFrame, name: str) -> pd.Series:
    return raw[name].fillna("").astype(str) if name in raw else pd.Series("", index=raw.index, dtype=object)


def _given(raw: pd.DataFrame) -> pd.Series:
    return ~_blank(_column(raw, "latitude")) & ~_blank(_column(raw, "longitude"))


def _code_problems(codes: pd.Series, known: dict, column: str, frame: pd.DataFrame) -> list[RowProblem]:
    """Rows whose precision code is not in the source's table."""
    bad = ~_blank(codes) & ~codes.str.strip().isin(known)
    return [RowProblem(i, column, f"{row_label(frame, i, 'row')}: {column} {codes[i]!r} is not one of "
                                  f"{', '.join(known)}") for i in codes.index[bad]]


def _from_acled(raw: pd.DataFrame) -> _Mapped:
    """ACLED's columns are ours already: add the radius, the geocoder stage and, for rows without
    coordinates, the mention the geocoder reads."""
    table = raw.copy()
    given = _given(raw)
    code = _column(raw, "geo_precision").str.strip()
    precision = code.map(ACLED_GEO_PRECISION)
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


def _from_ucdp(raw: pd.DataFrame) -> _Mapped:
    """UCDP GED's columns into ours (the mapping in the module docstring); its own columns follow."""
    col = functools.partial(_column, raw)
    given = _given(raw)
    where_prec, date_prec = col("where_prec").str.strip(), col("date_prec").str.strip()
    precision = where_prec.map(UCDP_WHERE_PREC)
    ids = col("id").str.strip()
    table = pd.DataFrame(index=raw.index)
    table["event_id_cnty"] = ("UCDP-" + ids).where(ids != "", "")
    table["event_date"] = col("date_start")
    table["time_precision"] = date_prec.map(UCDP_DATE_PREC)
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
    problems = (_code_problems(where_prec, UCDP_WHERE_PREC, "where_prec", table)
                + _code_problems(date_prec, UCDP_DATE_PREC, "date_prec", table))
    outlines = precision.map(lambda p: p.outline if isinstance(p, Precision) else None).where(given)
    return _Mapped(table, names, problems, queries=queries, outlines=outlines)


def _from_ours(raw: pd.DataFrame) -> _Mapped:
    """Our CSV: undo the quote our export puts before cells a spreadsheet would run as formulas."""
    from .export import FORMULA_GUARDED

    table = raw.copy()
    for column in table.columns:
        # Exactly the cells geo.io.export guards, with their quote: "'=1" -> "=1", "' -1" -> " -1", "''=1" -> "'=1".
        guarded = table[column].str.match("'" + FORMULA_GUARDED.pattern, na=False)
        if guarded.any():
            table.loc[guarded, column] = table.loc[guarded, column].str[1:]
    return _Mapped(table)


# ------------------------------------------------------------------ placing


def _place(accepted: pd.DataFrame, mapped: _Mapped, progress: bool, summary: ImportSummary):
    """Coordinates kept, area codes drawn as their outline, the rest geocoded with the source's code as a floor."""
    from tqdm import tqdm

    given = accepted["latitude"].notna() & accepted["longitude"].notna()  # checked: numbers, or NaN
    if GEOMETRY_WKT in accepted:
        given |= ~_blank(accepted[GEOMETRY_WKT])
    with tqdm(desc="geocoding", unit="row", file=sys.stderr, delay=PROGRESS_DELAY_S, disable=not progress) as bar:
        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(1)

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


def _draw_outlines(events, outlines: pd.Series, summary: ImportSummary, progress: bool):
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
                                   disable=not progress):
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


def _finish(events, summary: ImportSummary, unit: str):
    """List the unplaced rows (as the file numbers them), then renumber the table from 0."""
    for index in events.index[events.geometry.isna()]:
        summary.unplaced.append(f"{row_label(events, index, unit)}: {events.at[index, 'location_mention']!r} "
                                f"{events.at[index, 'geocoder']}")
    return events.reset_index(drop=True), summary
