"""Writers for events: RFC 7946 GeoJSON, CSV, GeoPackage and GeoParquet, always written atomically.

The formats, their suffixes and which ``write_*`` function below writes each are declared in
``geo.io.formats`` (an explicit ``fmt`` wins over the suffix; an unknown one is named). Every file is
written to a temporary file in the target folder and then renamed over the target, so a crash never
leaves a half-written file.

| format       | suffix     | what it holds                                                            |
|--------------|------------|--------------------------------------------------------------------------|
| `geojson`    | `.geojson` | RFC 7946: lon, lat in WGS 84, no `crs` member, exterior rings counter-clockwise |
| `csv`        | `.csv`     | our columns, then the table's others; the shape as WKT in `geometry_wkt` (regions keep their polygon) |
| `csv-latlon` | (`.csv`)   | the same without `geometry_wkt`: points only, as ACLED's CSV; every cell fits a spreadsheet |
| `gpkg`       | `.gpkg`    | GeoPackage, layer `events`, EPSG:4326                                     |
| `parquet`    | `.parquet` | GeoParquet (WKB geometry, CRS in the metadata), through pyarrow           |

Dates are ISO strings in every format; the mention and resolution columns are always kept.
``export_bytes(gdf, fmt)`` gives the same file as bytes, for the dashboard's download button.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from .events import GEOMETRY_WKT, SCHEMA
from .formats import export_format, export_format_for
from .schema import to_wgs84

# Spreadsheets run cells that start with these as formulas (CSV injection), also after leading spaces or
# line breaks, which they skip; a leading tab or carriage return is refused outright. Cells that already start
# with the guard's quote before such a start are guarded too, so that `import csv` can take exactly one off.
FORMULA_GUARDED = re.compile(r"'*(?:[\t\r]|\s*[=+\-@])")


def _columns(gdf) -> list[str]:
    """Our schema's columns first, in schema order, then any others the table brought (nothing dropped)."""
    ours = [c for c in SCHEMA if c in gdf.columns]
    return ours + [c for c in gdf.columns if c not in ours and c != gdf.geometry.name]


def _dates_as_text(gdf):
    """Date-time columns as ISO strings: JSON has no date type, and text reads back the same everywhere."""
    stamped = gdf.select_dtypes(include=["datetime", "datetimetz"]).columns
    if len(stamped) == 0:
        return gdf
    gdf = gdf.copy()
    for column in stamped:
        text = gdf[column].map(lambda t: t.isoformat(), na_action="ignore")
        gdf[column] = text.astype(object).where(gdf[column].notna(), None)
    return gdf


def _feature_collection(gdf) -> dict:
    import shapely

    frame = gdf.copy()
    # RFC 7946 section 3.1.6: exterior rings counter-clockwise.
    frame.geometry = shapely.orient_polygons(frame.geometry.values)
    collection = frame[_columns(frame) + [frame.geometry.name]].to_geo_dict(na="null", drop_id=True)
    collection.pop("crs", None)  # RFC 7946: WGS 84 lon/lat is implied; a crs member is not allowed.
    return collection


def to_geojson(gdf) -> str:
    """The events as an RFC 7946 FeatureCollection string (lon, lat in WGS 84, no ``crs`` member)."""
    gdf = _dates_as_text(to_wgs84(gdf))
    fast = _fast_geojson(gdf)
    if fast is not None:
        return fast.decode("utf-8")
    return json.dumps(_feature_collection(gdf), ensure_ascii=False, allow_nan=False, default=_plain)


GEOJSON_BATCH = 25_000  # rows whose features are built at a time: the scratch stays small and warm


def _fast_geojson(gdf) -> bytes | None:
    """``to_geojson``'s text built column by column in Arrow (100,000 events in about half a second, against
    ~5 s feature by feature), or None for a table it does not cover (``json_members``), which the
    feature-by-feature way then writes, or refuses, as before. Shapes by GEOS' GeoJSON writer (exterior
    rings counter-clockwise), a missing or empty one as null. As UTF-8 bytes: what a file or a download holds.
    Built ``GEOJSON_BATCH`` rows at a time and copied once into the document: the server's memory holds the
    document and one batch's scratch, not three or four copies of a document that can be ~1 GB."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import shapely

    text = pa.large_string()
    columns = _columns(gdf)
    pieces = [b'{"type":"FeatureCollection","features":[']
    for start in range(0, max(len(gdf), 1), GEOJSON_BATCH):
        batch = gdf.iloc[start:start + GEOJSON_BATCH]
        parts = json_members(batch, columns)
        if parts is None:
            return None
        if not len(batch):
            break
        shapes = np.asarray(batch.geometry.values)
        written = shapely.to_geojson(shapely.orient_polygons(shapes))
        blank = shapely.is_missing(shapes) | shapely.is_empty(shapes)
        geometries = pc.if_else(pa.array(blank), pa.scalar("null", text),
                                pc.fill_null(pa.array(written, type=text, from_pandas=True), "null"))
        features = pc.binary_join_element_wise(pa.scalar('{"type":"Feature","properties":{', text), *parts,
                                               pa.scalar('},"geometry":', text), geometries, pa.scalar("}", text),
                                               pa.scalar("", text))
        pieces += [b","] * (start > 0) + [joined_bytes(features, ",")]
    return b"".join(pieces + [b"]}"])


def json_objects(frame, columns=None):
    """One JSON object text a row (``{"name":value,...}``), as an Arrow array, or None (``json_members``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parts = json_members(frame, list(frame.columns) if columns is None else columns)
    if parts is None:
        return None
    text = pa.large_string()
    if not parts:
        return pa.array(["{}"] * len(frame), type=text)
    return pc.binary_join_element_wise(pa.scalar("{", text), *parts, pa.scalar("}", text), pa.scalar("", text))


def join_texts(texts, separator: str, as_bytes: bool = False, around: tuple[bytes, bytes] = (b"", b"")) -> str | bytes:
    """An Arrow array of texts joined into one Python string, or its UTF-8 bytes (not decoded) between the two
    of ``around``: copied once from Arrow's memory."""
    if as_bytes:
        return b"".join((around[0], joined_bytes(texts, separator), around[1]))
    return _joined(texts, separator).as_py() if len(texts) else ""


def joined_bytes(texts, separator: str):
    """The UTF-8 bytes of an Arrow array of texts joined, in Arrow's memory (a buffer, not copied)."""
    held = _joined(texts, separator).as_buffer() if len(texts) else None
    return b"" if held is None else memoryview(held)


def _joined(texts, separator: str):
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    whole = pa.LargeListArray.from_arrays(pa.array([0, len(texts)], pa.int64()), texts.cast(text))
    return pc.binary_join(whole, pa.scalar(separator, text))[0]


def json_members(frame, columns):
    """The members of each row's JSON object (``"name":value,...``, without braces), the same text Python's
    ``json.dumps`` gives a record of Python values (``ensure_ascii=False``), built column by column: a list
    of Arrow scalars (``"name":``, with the comma before each but the first) and arrays (the values,
    ``json_values``) in turn, for one ``binary_join_element_wise`` to join (empty for no columns); or None for
    a table it does not cover (see ``json_values``; also a name that is not text)."""
    import pyarrow as pa

    parts = []  # '"name":' texts and value arrays, in turn: joined in one pass
    for column in columns:
        if not isinstance(column, str):
            return None
        found = json_values(frame[column])
        if found is None:
            return None
        parts += [pa.scalar(("," if parts else "") + json.dumps(column, ensure_ascii=False) + ":", pa.large_string()),
                  found]
    return parts


def json_array(values) -> bytes | None:
    """A column as the UTF-8 text of a JSON array, as ``json.dumps`` writes the list of its Python values
    (``separators=(",", ":")``); None where ``json_values`` is."""
    written = json_values(values)
    if written is None:
        return None
    return join_texts(written, ",", as_bytes=True, around=(b"[", b"]"))


def json_values(values):
    """Each value of a column as JSON text, an Arrow array: the text Python's ``json.dumps`` gives it
    (``ensure_ascii=False``); or None for a column it does not cover: lists or objects, text Arrow will not hold
    (a lone surrogate), an infinite number (JSON has none: the caller's value-by-value way refuses it,
    naming the problem).

    Text quoted (the few values with a quote, backslash or control character escaped by Python's JSON
    writer), whole numbers and true/false as such, numbers with a fraction as Python writes them (the
    shortest text that reads back the same float), a missing value as null."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    from pandas.api.types import infer_dtype, is_bool_dtype, is_float_dtype, is_integer_dtype, is_string_dtype

    text = pa.large_string()
    quote, nothing = pa.scalar('"', text), pa.scalar("", text)

    def arrow(values, kind=None):
        """The column as one Arrow array (a table read from Parquet holds its columns in chunks)."""
        held = pa.array(values, from_pandas=True, type=kind)
        return held.combine_chunks() if isinstance(held, pa.ChunkedArray) else held

    try:
        if is_float_dtype(values.dtype):
            numbers = values.to_numpy(dtype="float64", na_value=np.nan)
            if np.isinf(numbers).any():
                return None
            # Arrow writes the shortest text that reads back the same float, as Python does; a whole one
            # gets Python's ".0", so it reads back as a number with a fraction.
            written = pc.cast(arrow(numbers), text)
            whole = pc.invert(pc.match_substring_regex(written, "[.eEn]"))
            return pc.fill_null(pc.if_else(whole, pc.binary_join_element_wise(written, pa.scalar(".0", text),
                                                                             nothing), written), "null")
        if is_bool_dtype(values.dtype):
            flags = arrow(values, pa.bool_())
            return pc.fill_null(pc.if_else(flags, pa.scalar("true", text), pa.scalar("false", text)), "null")
        if is_integer_dtype(values.dtype):
            return pc.fill_null(pc.cast(arrow(values), text), "null")
        if is_string_dtype(values.dtype) and infer_dtype(values, skipna=True) in ("string", "empty"):
            strings = pc.cast(arrow(values, pa.string()), text)
            written = pc.binary_join_element_wise(quote, strings, quote, nothing)
            # Only the rows holding a character JSON escapes are written again: a quote or backslash escaped
            # in Arrow, the rare control character by Python's JSON writer (which then writes the whole text).
            quoted, control = _rows_holding(strings, "quote"), _rows_holding(strings, "control")
            if quoted.any():
                held = pc.filter(strings, quoted)
                held = pc.replace_substring(pc.replace_substring(held, "\\", "\\\\"), '"', '\\"')
                written = pc.replace_with_mask(written, pa.array(quoted),
                                               pc.binary_join_element_wise(quote, held, quote, nothing))
            if control.any():
                escaped = [json.dumps(v, ensure_ascii=False) for v in pc.filter(strings, control).to_pylist()]
                written = pc.replace_with_mask(written, pa.array(control), pa.array(escaped, type=text))
            return pc.fill_null(written, "null")
    except (pa.ArrowException, ValueError, TypeError, UnicodeError):
        return None
    return None


SCAN_BLOCK = 1 << 24  # bytes of text scanned at once by _rows_holding


def _rows_holding(strings, kind: str):
    """Which texts of an Arrow large_string array hold a quote or backslash (``kind`` "quote") or a control
    character ("control"), as a numpy bool per row: read off the UTF-8 bytes in one pass (no byte of a
    character beyond ASCII is below 0x80), several times faster than a regular expression per text."""
    import numpy as np
    import pyarrow.compute as pc

    n = len(strings)
    _, offsets_buffer, data_buffer = strings.buffers()
    if n == 0 or data_buffer is None:
        return np.zeros(n, dtype=bool)
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[strings.offset:strings.offset + n + 1]
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0]:offsets[-1]]
    rows = np.zeros(n, dtype=bool)
    for start in range(0, len(data), SCAN_BLOCK):  # in blocks: the comparisons' scratch stays small
        block = data[start:start + SCAN_BLOCK]
        hits = ((block == ord('"')) | (block == ord("\\"))) if kind == "quote" else (block < 0x20)
        rows[np.searchsorted(offsets, np.flatnonzero(hits) + offsets[0] + start, side="right") - 1] = True
    if strings.null_count:  # a missing text's slot may still hold bytes
        rows &= pc.is_valid(strings).to_numpy(zero_copy_only=False)
    return rows


def _plain(value):
    """json.dumps hook for numpy / pandas scalars."""
    if hasattr(value, "item"):
        return value.item()
    raise TypeError(f"cannot write {type(value).__name__} to GeoJSON")


def _neutralise_formula(value):
    if not isinstance(value, str):
        return value
    # A NUL is no text: spreadsheets and many CSV readers stop at it, and `import csv` takes a file holding one
    # for a binary file, so our own export would not read back. Shown as U+FFFD (as an undecodable byte).
    value = value.replace("\x00", "\ufffd")
    return "'" + value if FORMULA_GUARDED.match(value) else value


def to_csv(gdf, wkt: bool = True) -> str:
    """The table as CSV (our schema's columns first); with ``wkt``, shapes as WKT in ``geometry_wkt``."""
    gdf = _dates_as_text(to_wgs84(gdf))
    frame = gdf[_columns(gdf)].copy()
    if wkt:
        frame[GEOMETRY_WKT] = gdf.geometry.to_wkt(rounding_precision=5)
    text_columns = frame.select_dtypes(include=["object", "string"]).columns
    frame[text_columns] = frame[text_columns].map(_neutralise_formula)
    # CRLF (RFC 4180): the csv writer quotes cells holding any character of the line terminator, so with "\n"
    # alone a cell with a bare "\r" went out unquoted and split its row in two when read back.
    return frame.to_csv(index=False, lineterminator="\r\n")


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=f".tmp{path.suffix}")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def format_for(path: Path | str, fmt: str | None = None) -> str:
    """The name of the format to write ``path`` in: ``fmt`` when given, else its suffix's."""
    return export_format_for(path, fmt).name


def _binary_table(gdf):
    """Our columns first, then the others, dates as text, in EPSG:4326: what GeoPackage and GeoParquet hold."""
    gdf = _dates_as_text(to_wgs84(gdf))
    return gdf[_columns(gdf) + [gdf.geometry.name]]


def _write_text(text: str, path: Path) -> None:
    path.write_text(text, encoding="utf-8", newline="")  # line ends as written


def write_geojson(gdf, path: Path) -> None:
    fast = _fast_geojson(_dates_as_text(to_wgs84(gdf)))
    if fast is not None:
        path.write_bytes(fast)
    else:
        _write_text(to_geojson(gdf), path)


def write_csv(gdf, path: Path) -> None:
    _write_text(to_csv(gdf, wkt=True), path)


def write_csv_latlon(gdf, path: Path) -> None:
    _write_text(to_csv(gdf, wkt=False), path)


def write_gpkg(gdf, path: Path) -> None:
    path.unlink(missing_ok=True)  # GDAL will not write into an existing empty file
    # Points and polygons share the layer; "Unknown" is GeoPackage's GEOMETRY type.
    _binary_table(gdf).to_file(path, driver="GPKG", layer="events", engine="pyogrio", geometry_type="Unknown")


def write_parquet(gdf, path: Path) -> None:
    _binary_table(gdf).to_parquet(path, index=False)


def write_events(gdf, path: Path | str, fmt: str | None = None) -> Path:
    """Write events to ``path`` in ``fmt`` (or the format its suffix names), atomically."""
    path = Path(path)
    writer = export_format_for(path, fmt).write_function()
    atomic_write(path, lambda tmp: writer(gdf, tmp))
    return path


def export_bytes(gdf, fmt: str) -> tuple[bytes, str, str]:
    """The file ``write_events`` would write, as (bytes, MIME type, suffix): for a download button."""
    chosen = export_format(fmt)
    if chosen.name == "geojson":  # the bytes as built, without a round trip through a scratch file
        fast = _fast_geojson(_dates_as_text(to_wgs84(gdf)))
        if fast is not None:
            return fast, chosen.mime, chosen.suffix
    with tempfile.TemporaryDirectory(prefix="strikemap-export-") as folder:
        # GDAL writes GeoPackages to files only; a scratch folder keeps one code path for every format.
        path = write_events(gdf, Path(folder) / f"events{chosen.suffix}", chosen.name)
        return path.read_bytes(), chosen.mime, chosen.suffix
