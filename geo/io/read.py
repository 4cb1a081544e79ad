"""The one way an events file is read: the bundled file, ``STRIKEMAP_EVENTS``, uploads and ``python -m geo import``.

``read_events(path, fmt=None, ...)`` -> (GeoDataFrame in EPSG:4326, ImportSummary). Every file gets the
same checks, in this order, each a one-line refusal naming the file (``EventDataError``):

1. the file: there, not empty, not over the size limit, and by its first bytes the kind of file its
   format is (a PNG named .csv, UTF-16 text, a GeoPackage named as GeoJSON ...);
2. the table: readable (encoding, quoting, a truncated GeoJSON), with rows, and with the columns the
   format needs;
3. each row (``geo.io.events.check_events``): a bad cell is a ``RowProblem`` (file, row, column, value,
   reason). ``on_bad_rows="error"`` refuses the file and lists them; ``"skip"`` sets those rows aside,
   keeps the others and lists the set-aside rows in the summary. Nothing is dropped silently.

Without ``fmt`` the format comes from the suffix (``geo.io.formats``), and a CSV's from its columns
(ACLED, UCDP GED or ours). A folder is a GeoParquet data set (as ``python -m geo batch`` writes one: its
hidden and ``_``-prefixed files are not data, and an unfinished batch is refused), and so is a ZIP of one
(``.zip``, or any ZIP named as GeoParquet: a dashboard upload), unpacked to a scratch folder under the same size
limit, its members' names never used as paths. Every column of the file is kept, ours first.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import os
import re
import sys
from pathlib import Path

import pandas as pd

from ..errors import EventDataError
from .formats import (FORMATS, GEODATA_FORMATS, Format, formats_for_content, import_format, sniff_csv, suffix_format,
                      suffixes, what_is)

DEFAULT_MAX_MB = 500.0  # MiB; pandas holds a CSV in several times its size: more wants a filter or a split first
ON_BAD_ROWS = ("error", "skip")
# What to do about a file over the limit, said after the refusal (the dashboard's upload says its own).
LIMIT_ADVICE = ("raise it with --max-mb (or STRIKEMAP_MAX_IMPORT_MB) if this machine has several times that in "
                "memory, or split or filter the file first")
MIB = 1024 * 1024  # one size unit everywhere, as Streamlit's upload limit counts


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused while a table is read: making one shapely geometry (and many
    other objects) per event otherwise sets off full collections, each walking every object of the process
    (8 of them, ~0.7 s, in a 1,000,000-event read of the parsed-file cache; more in a server, whose heap is
    bigger). A table holds no reference cycles to collect. Left as found: a collector someone else paused stays
    paused."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@collector_paused()  # 1,000,000 rows: ~1 s of collections
def read_events(path: Path | str, fmt: str | None = None, *, name: str | None = None, on_bad_rows: str = "error",
                sub_event_types: tuple[str, ...] | list[str] = (), encoding: str = "utf-8",
                max_mb: float | None = None, limit_advice: str = LIMIT_ADVICE, progress=False):
    """(events GeoDataFrame in our schema, ImportSummary) for one file.

    ``fmt``: one of ``geo.io.formats.IMPORT_FORMATS``; default from the suffix and, for a CSV, its columns.
    ``name``: the file as a person knows it, in every message (default the path). ``on_bad_rows``: "error"
    refuses a file with any bad row; "skip" sets bad rows aside and lists them in ``summary.set_aside``.
    ``sub_event_types`` keeps only rows of those sub-event types ("Air/drone strike"; any case).
    ``encoding``: a CSV's text encoding (UTF-8 with or without BOM by default). ``max_mb``: the size limit in
    MiB (default $STRIKEMAP_MAX_IMPORT_MB or 500). ``progress``: True for tqdm bars on stderr, or a function
    ``(done, total)`` called as rows are geocoded (the dashboard's st.progress).
    """
    from .importers import ImportSummary, finish, place

    path = Path(path)
    name = str(path) if name is None else name
    if on_bad_rows not in ON_BAD_ROWS:
        raise EventDataError(f"on_bad_rows must be one of {', '.join(ON_BAD_ROWS)}, not {on_bad_rows!r}")
    text_encoding = _python_encoding(encoding)
    limit = _max_mb(max_mb)
    kind, description = _check_file(path, name, limit, limit_advice)
    chosen = import_format(fmt) if fmt else _format_from_suffix(path, name)
    if kind == "zip" and chosen.packed:
        raw = _read_packed(path, chosen, name, limit, limit_advice)
    elif chosen.name in GEODATA_FORMATS:
        _check_kind(chosen, kind, description, encoding, name, path, named=bool(fmt))
        raw = _read_geodata(path, chosen, name)
    else:
        _check_kind(chosen, kind, description, encoding, name, path, named=bool(fmt))
        raw = read_csv_table(path, name=name, encoding=text_encoding, shown_as=encoding, progress=progress)
        chosen = chosen if fmt else sniff_csv(raw.columns)
        _require_columns(raw, chosen, name)
    summary = ImportSummary(path, chosen.name, file=name, rows_read=len(raw))
    if chosen.name == "ucdp" and sub_event_types:
        raise EventDataError("UCDP GED has no sub-event types; import it without --sub-event-type", file=name)
    mapped = chosen.read_function()(raw, name)
    from .events import check_events

    table = _keep_sub_event_types(mapped.table, sub_event_types, name, summary)
    # The file's text as read is not needed once checked: let it go before placing (at 1,000,000 rows it is
    # ~800 MB, and the server's peak memory is what placing adds on top of what is still held).
    rows, mapped.table, raw = table.index, None, None
    checked, problems = check_events(table, name, unit=mapped.unit, column_names=mapped.column_names)
    del table
    # A row whose shape was refused has no place left; saying so again ("nothing says where") is noise.
    refused_shape = {p.index for p in mapped.problems if p.column == "geometry"}
    problems = [p for p in problems if not (p.index in refused_shape and p.column == mapped.column_names.get(
        "location_mention", "location_mention"))]
    problems = sorted([p for p in mapped.problems if p.index in rows] + problems, key=lambda p: p.index)
    set_aside = sorted({p.index for p in problems})
    if problems and (on_bad_rows == "error" or len(set_aside) == len(rows)):
        advice = ("--on-bad-rows skip imports the other rows" if len(set_aside) < len(rows)
                  else "no row is good: nothing to set the bad ones aside from")
        raise EventDataError(file=name, path=path, problems=problems, advice=advice)
    summary.set_aside = problems
    accepted = checked.drop(index=set_aside) if set_aside else checked  # no copy of a whole clean file
    del checked
    return finish(place(accepted, mapped, progress, summary), summary, mapped.unit)


def problems_table(problems) -> pd.DataFrame:
    """Bad rows (``RowProblem``s) as a table a person reads: row, column, value, reason."""
    return pd.DataFrame([{"row": p.label, "column": p.column, "value": "" if p.value is None else str(p.value),
                          "reason": p.reason} for p in problems], columns=["row", "column", "value", "reason"])


# ------------------------------------------------------------------ the file


def _python_encoding(encoding: str) -> str:
    try:
        found = codecs.lookup(encoding).name
    except LookupError:
        raise EventDataError(f"unknown text encoding {encoding!r} (try utf-8, cp1252, latin-1, utf-16)") from None
    return "utf-8-sig" if found == "utf-8" else found  # a byte-order mark (Excel's "CSV UTF-8") is fine


def _max_mb(max_mb: float | None) -> float:
    if max_mb is not None:
        return float(max_mb)
    setting = os.environ.get("STRIKEMAP_MAX_IMPORT_MB")
    try:
        return float(setting) if setting else DEFAULT_MAX_MB
    except ValueError:
        raise EventDataError(f"STRIKEMAP_MAX_IMPORT_MB={setting!r} is not a number of megabytes") from None


def _parts(path: Path) -> list[Path]:
    """The files that hold the data: the file, or a GeoParquet data set folder's .parquet files (not those
    under a hidden or ``_``-prefixed name, which pyarrow leaves out too: a batch's work files)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*.parquet") if p.is_file() and not _hidden(p.relative_to(path).parts))
    return [path]


def _hidden(parts) -> bool:
    return any(part.startswith((".", "_")) for part in parts)


def _unfinished_batch(folder: Path) -> str | None:
    """Why a folder that holds a ``python -m geo batch`` run cannot be read yet, or None."""
    import json

    from ..batch.dataset import MANIFEST

    manifest = folder / MANIFEST
    if not manifest.exists():
        return None
    try:
        finished = json.loads(manifest.read_text(encoding="utf-8")).get("finished")
    except (OSError, ValueError, AttributeError):
        return f"its batch manifest {MANIFEST} is not readable"
    if finished:
        return None
    return f"an unfinished batch ({MANIFEST}): give its `python -m geo batch` command again to finish it"


def _check_file(path: Path, name: str, max_mb: float, limit_advice: str) -> tuple[str, str]:
    """Refuse, before reading, what cannot be read: missing, empty, too big. (kind, description) of the rest."""
    if not path.exists():
        raise EventDataError("no such events file", file=name, path=path)
    parts = _parts(path)
    unfinished = _unfinished_batch(path) if path.is_dir() else None
    if unfinished:
        raise EventDataError(unfinished, file=name, path=path)
    if path.is_dir() and not parts:
        raise EventDataError("a folder without .parquet files (a GeoParquet data set is a folder of them)",
                             file=name, path=path)
    size = sum(p.stat().st_size for p in parts)
    if size == 0:
        raise EventDataError("the file is empty (0 bytes)", file=name, path=path)
    if size > max_mb * MIB:
        raise EventDataError(f"{size / MIB:,.3g} MB is more than the import limit of {max_mb:,g} MB; {limit_advice}",
                             file=name, path=path)
    with parts[0].open("rb") as fh:
        return what_is(fh.read(8192))


def _format_from_suffix(path: Path, name: str) -> Format:
    if path.is_dir():
        return FORMATS["parquet"]
    found = suffix_format(path, "import")
    if found is None:
        raise EventDataError(f"unknown events format {path.suffix.lower()!r} (use {', '.join(suffixes('import'))}, "
                             "or a folder of GeoParquet files)", file=name, path=path)
    return found


def _check_kind(chosen: Format, kind: str, description: str, encoding: str, name: str, path: Path,
                named: bool) -> None:
    """The file's first bytes must be what its format's are (text in another encoding, when it is named)."""
    if kind in ("utf-16", "utf-32") and chosen.content == "text":
        if codecs.lookup(encoding).name.startswith(kind):
            return
        raise EventDataError(f"this is {description}, not {encoding}: pass --encoding {kind} "
                             "(or save the file as UTF-8)", file=name, path=path)
    if kind == chosen.content:
        return
    readers = formats_for_content(kind)
    hint = ""
    if readers:
        hint = (f"; to read it, name its format: python -m geo import {'|'.join(readers)} FILE ..." if named
                else f"; give it the suffix {FORMATS[readers[-1]].suffix}")
    if kind in ("utf-16", "utf-32"):
        hint = "; save it as UTF-8"
    raise EventDataError(f"this is {description}; expected {chosen.label}{hint}", file=name, path=path)


# ------------------------------------------------------------------ the table


def csv_separator(path: Path, encoding: str = "utf-8-sig") -> str:
    """"," or ";" (ACLED exports use both), from the header line; pandas' C parser then reads fast."""
    with path.open(encoding=encoding, errors="replace") as fh:
        header = fh.readline()
    return ";" if header.count(";") > header.count(",") else ","


def read_csv_table(path: Path | str, *, name: str | None = None, encoding: str = "utf-8-sig",
                   shown_as: str = "utf-8", progress=False) -> pd.DataFrame:
    """Every cell as text ("" when blank), separator from the header line; a bytes progress bar when
    ``progress`` is True. Refused by name when it is not a readable table with rows."""
    from tqdm import tqdm

    from .importers import PROGRESS_DELAY_S

    path = Path(path)
    name = str(path) if name is None else name
    separator = csv_separator(path, encoding)
    options = dict(sep=separator, dtype=str, keep_default_na=False, encoding=encoding)
    try:
        if progress is True:
            with path.open("rb") as raw, tqdm.wrapattr(raw, "read", total=path.stat().st_size, unit="B",
                                                     desc=f"reading {path.name}", unit_scale=True, file=sys.stderr,
                                                     delay=PROGRESS_DELAY_S) as fh:
                table = pd.read_csv(fh, **options)
        else:  # Arrow's reader first (several times faster, on every core); pandas' C parser for what it refuses
            table = _read_csv_arrow(path, separator, encoding)
            if table is None:  # from the path: pandas reads a file it opens itself faster than a Python object
                table = pd.read_csv(path, **options)
    except UnicodeDecodeError:
        raise EventDataError(_undecodable(path, encoding, separator, shown_as), file=name, path=path) from None
    except pd.errors.EmptyDataError:  # not a ParserError: an empty file, or blank lines only
        raise EventDataError("no table in the file (only blank lines?)", file=name, path=path) from None
    except (pd.errors.ParserError, ValueError, csv.Error) as exc:
        raise EventDataError(f"not a readable CSV file ({_one_line(exc, path)})", file=name, path=path) from exc
    if not isinstance(table.index, pd.RangeIndex):
        # More fields than the header in the first row: pandas silently turns the leading cells into the index
        # (and row numbers into tuples), so the row would be read shifted.
        fields = len(table.columns) + table.index.nlevels
        raise EventDataError(f"row 2 has {fields} fields but the header names {len(table.columns)} columns "
                             f"(a cell with an unquoted {separator!r}?)", file=name, path=path)
    if table.empty:
        raise EventDataError("a header line but no rows", file=name, path=path)
    return table


def _read_csv_arrow(path: Path, separator: str, encoding: str) -> pd.DataFrame | None:
    """The table as ``pd.read_csv(path, sep=separator, dtype=str, keep_default_na=False)`` reads it, read by
    pyarrow's CSV reader; None for a file where the two could differ or Arrow refuses it (not UTF-8, a row with
    more or fewer fields than the header, repeated or blank column names): pandas then reads it, and its
    message names the problem. 1,000,000 rows (417 MB): ~4x faster than pandas' parser on this machine."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    if encoding.replace("_", "-").lower() not in ("utf-8", "utf-8-sig", "utf8"):
        return None
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh, delimiter=separator), None)
    except (UnicodeDecodeError, csv.Error):
        return None
    if not header or len(set(header)) != len(header) or any(not name.strip() for name in header):
        return None  # pandas names those columns itself ("a.1", "Unnamed: 3")
    try:
        table = pcsv.read_csv(path, parse_options=pcsv.ParseOptions(delimiter=separator, newlines_in_values=True),
                              convert_options=pcsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string())))
    except (pa.ArrowException, OSError):
        return None
    if table.column_names != header:
        return None
    return table.to_pandas()


def _undecodable(path: Path, encoding: str, separator: str, shown_as: str) -> str:
    """Where the first bytes that are not ``encoding`` text are: row (as our messages count) and column."""
    def readable(text: str) -> str:
        # The undecodable bytes as U+FFFD, in the column name too: a lone surrogate cannot be shown or printed.
        return text.encode(encoding, "surrogateescape").decode(encoding, "replace")

    with path.open(encoding=encoding, errors="surrogateescape", newline="") as fh:
        header = None
        for number, record in enumerate(csv.reader(fh, delimiter=separator), start=1):
            header = header or record
            for position, cell in enumerate(record):
                # surrogateescape turns each undecodable byte into one lone surrogate U+DC80..U+DCFF.
                bad = [ch for ch in cell if "\udc80" <= ch <= "\udcff"]
                if bad:
                    column = readable(header[position]) if position < len(header) else f"field {position + 1}"
                    raw = bytes(ord(ch) - 0xDC00 for ch in bad[:4])
                    return (f"row {number}, column {column}: byte(s) {raw!r} in {readable(cell)[:40]!r} are not "
                            f"{shown_as} text; pass --encoding with the file's encoding (a file from Excel or "
                            "Windows is often cp1252), or save it as UTF-8")
    return f"not {shown_as} text; pass --encoding with the file's encoding, or save it as UTF-8"


def _one_line(exc: Exception, path: Path) -> str:
    """A library's message on one line, without the path on disk (ours names the file as a person knows it)."""
    text = str(exc).replace(str(path), "the file")
    return re.sub(r"\s+", " ", text).strip()[:300]


def _read_packed(path: Path, chosen: Format, name: str, limit_mb: float, limit_advice: str):
    """A ZIP of ``chosen``'s files (a zipped GeoParquet data set folder), read as that folder."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="strikemap-unzip-") as scratch:
        folder = Path(scratch)
        _unpack(path, folder, chosen, name, limit_mb, limit_advice)
        kind, description = _check_file(folder, name, limit_mb, limit_advice)
        _check_kind(chosen, kind, description, "utf-8", name, path, named=True)
        return _read_geodata(folder, chosen, name)


def _unpack(path: Path, folder: Path, chosen: Format, name: str, limit_mb: float, limit_advice: str) -> None:
    """The archive's ``chosen`` files (not hidden ones, nor ``_``-prefixed: ``__MACOSX/``, a batch's work files)
    into ``folder`` as part-00000..., in the order of their names, never more than ``limit_mb`` unpacked."""
    import struct
    import zipfile
    import zlib
    from pathlib import PurePosixPath

    budget = limit_mb * MIB
    try:
        with zipfile.ZipFile(path) as archive:
            members = sorted((m for m in archive.infolist() if not m.is_dir()
                              and PurePosixPath(m.filename).suffix.lower() in chosen.suffixes
                              and not _hidden(PurePosixPath(m.filename).parts)), key=lambda m: m.filename)
            if not members:
                raise EventDataError(f"a ZIP archive without {' or '.join(chosen.suffixes)} files (a zipped "
                                     f"{chosen.label} data set holds them)", file=name, path=path)
            for number, member in enumerate(members):
                with archive.open(member) as source, (folder / f"part-{number:05d}{chosen.suffix}").open("wb") as out:
                    while chunk := source.read(MIB):
                        budget -= len(chunk)
                        if budget < 0:
                            raise EventDataError(f"unpacked, more than the import limit of {limit_mb:,g} MB; "
                                                 f"{limit_advice}", file=name, path=path)
                        out.write(chunk)
    except EventDataError:
        raise
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, OSError, NotImplementedError, RuntimeError,
            ValueError) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: a compression method zipfile lacks; struct.error
        # and OSError: headers that lie about sizes and offsets.
        raise EventDataError(f"not a readable ZIP archive ({_one_line(exc, path)})", file=name, path=path) from None


def _read_geodata(path: Path, chosen: Format, name: str):
    import geopandas as gpd
    import pyogrio

    try:
        if chosen.name == "parquet":
            table = gpd.read_parquet(path)
        else:
            if chosen.name == "geojson":
                # One layer. GDAL reads date-like strings as dates; DATE_AS_STRING keeps them as the file writes
                # them. (Listing a GeoJSON's layers parses the whole file: seconds for 100,000 features.)
                options = {"DATE_AS_STRING": "YES"}
            else:
                layers = [layer for layer, _ in pyogrio.list_layers(path)]
                options = {"layer": "events" if "events" in layers else layers[0], "datetime_as_string": True}
            table = gpd.read_file(path, engine="pyogrio", **options)
    except Exception as exc:  # pyogrio's DataSourceError family, pyarrow's ArrowInvalid, missing geo metadata
        raise EventDataError(f"not readable as {chosen.label} ({_one_line(exc, path)})", file=name, path=path) from exc
    if table.empty:
        raise EventDataError("no features in the file", file=name, path=path)
    return table.reset_index(drop=True)


def _require_columns(raw: pd.DataFrame, chosen: Format, name: str) -> None:
    columns = set(raw.columns)
    missing = [c for c in chosen.required if c not in columns]
    if not columns & set(chosen.place_columns):
        missing.append(" or ".join(chosen.place_columns))
    if not missing:
        return
    found = ", ".join(map(str, raw.columns))
    found = found if len(found) <= 200 else found[:200] + " ..."
    others = [f for f in ("acled", "ucdp", "csv") if f != chosen.name and len(columns & FORMATS[f].telltale) >= 2]
    hint = f"; it looks like {FORMATS[others[0]].label}: python -m geo import {others[0]} ..." if others else ""
    raise EventDataError(f"expected {chosen.label}, but missing column(s) {', '.join(missing)}; found {found}{hint}",
                         file=name)


def _keep_sub_event_types(table: pd.DataFrame, wanted, name: str, summary) -> pd.DataFrame:
    """Only the rows of the wanted sub-event types; the index (the file's row numbers) is kept."""
    wanted = [w.strip() for w in wanted if w.strip()]
    if not wanted:
        return table
    if "sub_event_type" not in table:
        raise EventDataError("no sub_event_type column to filter on", file=name)
    present = table["sub_event_type"].fillna("").astype(str).str.strip()
    keep = present.str.casefold().isin([w.casefold() for w in wanted])
    found = sorted(set(present) - {""})
    unmatched = [w for w in wanted if w.casefold() not in {f.casefold() for f in found}]
    if not keep.any():
        raise EventDataError(f"no row has sub_event_type {' or '.join(map(repr, wanted))}; "
                             f"the file has {', '.join(map(repr, found)) or 'none'}", file=name)
    if unmatched:
        summary.notes.append(f"no row has sub_event_type {', '.join(map(repr, unmatched))}")
    summary.left_out = int((~keep).sum())
    return table[keep]
