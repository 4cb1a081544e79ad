"""Every event file format, declared once: what the CLI, the dashboard and ``STRIKEMAP_EVENTS`` offer comes from here.

Modelled on GeoPandas' ``io/file.py``: a table of formats, a suffix -> format lookup, an explicit format
that wins over the suffix, and "unknown format ..." naming the bad value. A format says what it is
called (``name``, the CLI's word), how a person knows it (``label``, and ``export_label`` where the
export picker says more), its suffixes (the first is what we write), its MIME type, what its first bytes
look like (``content``, one of ``SIGNATURES``' kinds), which function of ``geo.io.importers`` maps it to our
schema (``geo.io.read.read_events`` reads every format through it) and
which of ``geo.io.export`` writes it, and its precision codes where the source has its own.

Nothing here imports pandas, so ``python -m geo --help`` stays quick; readers and writers are named and
looked up when a file is read or written.

| name         | import | export | suffixes                   | reader          |
|--------------|--------|--------|----------------------------|-----------------|
| `acled`      | yes    | –      | .csv .txt (sniffed)        | ACLED's columns -> ours, precision codes below |
| `ucdp`       | yes    | –      | .csv .txt (sniffed)        | UCDP GED's columns -> ours, precision codes below |
| `csv`        | yes    | yes    | .csv .txt                  | our CSV; the shape as WKT in `geometry_wkt` |
| `csv-latlon` | –      | yes    | (.csv)                     | written without `geometry_wkt`; read back as `csv` |
| `geojson`    | yes    | yes    | .geojson .json             | RFC 7946 |
| `gpkg`       | yes    | yes    | .gpkg                      | GeoPackage, layer `events` |
| `parquet`    | yes    | yes    | .parquet, a folder, a .zip | GeoParquet: a file, a folder, the folder zipped |

A ``.csv`` named without a format is ACLED's, UCDP's or ours by its columns (``sniff_csv``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import EventDataError, ExportError
from ..geocoding.resolution import NEAR_RADIUS_KM


@dataclass(frozen=True)
class Precision:
    """What one source precision code becomes in our schema (see ``geo.io.importers``' docstring)."""

    geo_precision: int
    radius_km: float | None  # None: the town's own size (1), or the area's reach when it has an outline
    outline: str | None  # "admin1", "country" or "description": the area whose polygon is the geometry


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    suffixes: tuple[str, ...]
    mime: str
    content: str  # the kind of file its first bytes show (SIGNATURES; "text" and "json" when none matches)
    reader: str | None = None  # a function of geo.io.importers: (raw table, file name) -> the table in our schema
    writer: str | None = None  # a function of geo.io.export: (events, path) -> None
    export_label: str | None = None
    by_suffix: bool = True  # a file with one of its suffixes is this format unless told otherwise
    # Suffixes of an archive of files of this format (imported only): a ZIP of a GeoParquet data set folder.
    packed: tuple[str, ...] = ()
    # A CSV format's columns: those that must be there, those of which one must say where, those that give it away.
    required: tuple[str, ...] = ()
    place_columns: tuple[str, ...] = ()
    telltale: frozenset[str] = frozenset()
    # The source's own codes: geo_precision (ACLED), where_prec (UCDP) -> Precision; date_prec -> time_precision.
    geo_precision: dict[str, Precision] = field(default_factory=dict)
    time_precision: dict[str, int] = field(default_factory=dict)

    @property
    def importable(self) -> bool:
        return self.reader is not None

    @property
    def exportable(self) -> bool:
        return self.writer is not None

    @property
    def export_title(self) -> str:
        """How the export picker and ``export --help`` name it."""
        return self.export_label or self.label

    @property
    def import_suffixes(self) -> tuple[str, ...]:
        """Every suffix a file to import as this format may have (its archives' too)."""
        return self.suffixes + self.packed

    @property
    def suffix(self) -> str:
        """The suffix we give a file of this format."""
        return self.suffixes[0]

    def read_function(self):
        return getattr(importlib.import_module("geo.io.importers"), self.reader)

    def write_function(self):
        return getattr(importlib.import_module("geo.io.export"), self.writer)


FORMATS: dict[str, Format] = {f.name: f for f in [
    Format("acled", "ACLED export (CSV)", (".csv", ".txt"), "text/csv", "text", reader="map_acled", by_suffix=False,
           required=("event_id_cnty", "event_date"), place_columns=("latitude", "location", "admin1", "country"),
           telltale=frozenset({"event_id_cnty", "sub_event_type", "actor1", "inter1"}),
           geo_precision={"1": Precision(1, None, None),
                          "2": Precision(2, NEAR_RADIUS_KM, None),  # our "near X" radius
                          "3": Precision(3, None, "admin1")},
           time_precision={"1": 1, "2": 2, "3": 3}),
    Format("ucdp", "UCDP GED (CSV)", (".csv", ".txt"), "text/csv", "text", reader="map_ucdp", by_suffix=False,
           required=("id", "date_start"),
           place_columns=("latitude", "where_coordinates", "where_description", "adm_1", "country"),
           telltale=frozenset({"where_prec", "date_prec", "side_a", "dyad_name"}),
           geo_precision={"1": Precision(1, None, None),
                          "2": Precision(2, 25.0, None),
                          "3": Precision(3, 50.0, None),  # a typical district's reach; no admin-2 outlines offline
                          "4": Precision(3, None, "admin1"),
                          "5": Precision(3, None, "description"),
                          "6": Precision(3, None, "country"),
                          "7": Precision(3, None, None)},
           time_precision={"1": 1, "2": 2, "3": 2, "4": 3, "5": 3}),
    Format("csv", "strikemap CSV", (".csv", ".txt"), "text/csv", "text", reader="map_ours", writer="write_csv",
           required=("event_id_cnty", "event_date"), place_columns=("latitude", "location_mention", "geometry_wkt"),
           telltale=frozenset({"location_mention", "geocoder", "radius_km", "geometry_wkt"}),
           export_label="CSV (geometry as WKT)"),
    Format("csv-latlon", "strikemap CSV (latitude/longitude)", (".csv",), "text/csv", "text",
           writer="write_csv_latlon", export_label="CSV (latitude/longitude)", by_suffix=False),
    Format("geojson", "GeoJSON", (".geojson", ".json"), "application/geo+json", "json", reader="map_geodata",
           writer="write_geojson", export_label="GeoJSON (RFC 7946)"),
    Format("gpkg", "GeoPackage", (".gpkg",), "application/geopackage+sqlite3", "sqlite", reader="map_geodata",
           writer="write_gpkg"),
    Format("parquet", "GeoParquet", (".parquet",), "application/vnd.apache.parquet", "parquet",
           reader="map_geodata", writer="write_parquet", packed=(".zip",)),
]}
IMPORT_FORMATS = [f.name for f in FORMATS.values() if f.importable]
# GeoJSON first: what web maps and most GIS tools open, so the export picker's default.
EXPORT_FORMATS = sorted((f.name for f in FORMATS.values() if f.exportable), key=lambda name: name != "geojson")
# Formats read by GDAL or pyarrow into a GeoDataFrame (the rest are text tables read by pandas).
GEODATA_FORMATS = ("geojson", "gpkg", "parquet")


def import_format(name: str) -> Format:
    if name not in IMPORT_FORMATS:
        raise EventDataError(f"unknown import format {name!r}; choose one of {', '.join(IMPORT_FORMATS)}")
    return FORMATS[name]


def export_format(name: str) -> Format:
    if name not in EXPORT_FORMATS:
        raise ExportError(f"unknown format {name!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    return FORMATS[name]


def suffix_format(path: Path | str, purpose: str) -> Format | None:
    """The format a suffix names (``purpose`` "import" or "export"), or None. ``.csv`` is ours: a reader
    then tells ACLED's and UCDP's apart by their columns."""
    suffix = Path(path).suffix.lower()
    for f in FORMATS.values():
        known = f.import_suffixes if purpose == "import" else f.suffixes
        if f.by_suffix and suffix in known and (f.importable if purpose == "import" else f.exportable):
            return f
    return None


def suffixes(purpose: str) -> list[str]:
    """Every suffix a file to import (or export) may have, in table order."""
    names = IMPORT_FORMATS if purpose == "import" else EXPORT_FORMATS
    listed = (FORMATS[name].import_suffixes if purpose == "import" else FORMATS[name].suffixes for name in names)
    return list(dict.fromkeys(s for suffixes_of_one in listed for s in suffixes_of_one))


def export_format_for(path: Path | str, fmt: str | None = None) -> Format:
    """The explicit format if given, else the one the suffix names; "unknown format ..." otherwise."""
    if fmt:
        return export_format(fmt)
    found = suffix_format(path, "export")
    if found is None:
        suffix = Path(path).suffix.lower()
        raise ExportError(f"cannot tell the format of {str(path)!r} from its suffix {suffix!r}; "
                          f"pass --format {'|'.join(EXPORT_FORMATS)}")
    return found


# Leading bytes of the kinds of file people hand over (by mistake, or in another format than they named).
# (signature, kind, description); a format's ``content`` is one of these kinds, or "json"/"text".
SIGNATURES = [
    (b"\x89PNG\r\n\x1a\n", "png", "a PNG image"),
    (b"\xff\xd8\xff", "jpeg", "a JPEG image"),
    (b"GIF8", "gif", "a GIF image"),
    (b"%PDF", "pdf", "a PDF document"),
    (b"PK\x03\x04", "zip", "a ZIP archive (an Excel workbook, or a zipped download: unzip it and save as CSV; "
                           "a zipped GeoParquet data set: import it as GeoParquet)"),
    (b"PK\x05\x06", "zip", "an empty ZIP archive"),
    (b"\x1f\x8b", "gzip", "a gzip-compressed file (decompress it first)"),
    (b"SQLite format 3\x00", "sqlite", "an SQLite database (a GeoPackage?)"),
    (b"PAR1", "parquet", "a Parquet file"),
    (b"\xff\xfe\x00\x00", "utf-32", "UTF-32 text"),
    (b"\x00\x00\xfe\xff", "utf-32", "UTF-32 text"),
    (b"\xff\xfe", "utf-16", "UTF-16 text"),
    (b"\xfe\xff", "utf-16", "UTF-16 text"),
]


def what_is(head: bytes) -> tuple[str, str]:
    """(kind, description) of a file from its first bytes."""
    for signature, kind, description in SIGNATURES:
        if head.startswith(signature):
            return kind, description
    if b"\x00" in head:
        return "binary", "a binary file"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"[")):
        return "json", "JSON (GeoJSON?)"
    return "text", "a text file"


def formats_for_content(kind: str) -> list[str]:
    """The import formats whose files look like ``kind`` (for "name its format: ..." hints)."""
    return [name for name in IMPORT_FORMATS if FORMATS[name].content == kind]


def sniff_csv(columns) -> Format:
    """Which CSV format a header is: UCDP GED by its own columns, ours by the columns only we write, else
    ACLED's when it has ACLED's (ours share ACLED's names, so ours is asked first), else ours (whose
    missing-column message then says what is missing)."""
    columns = set(columns)
    for name in ("ucdp", "csv"):
        needed = 2 if name == "ucdp" else 1
        if len(columns & FORMATS[name].telltale) >= needed:
            return FORMATS[name]
    acled = FORMATS["acled"]
    if set(acled.required) <= columns and columns & set(acled.place_columns):
        return acled
    return FORMATS["csv"]
