"""The parsed, validated form of an events file, kept as GeoParquet so a file seen before opens fast.

``read_events_cached(path, ...)`` answers exactly what ``geo.io.read.read_events(path, ...)`` answers
(events and ``ImportSummary``, set-aside rows included), and keeps that answer in the cache folder
(``$STRIKEMAP_CACHE_DIR``, default ``data/build/cache/events``) as one GeoParquet file whose metadata holds
the summary. The file's name is a key made of:

* the SHA-256 of the file's bytes (of every part, for a GeoParquet folder): a changed file is read again,
  however its modification time moved, and a copied or renamed one is found again (the digest of a file
  not written since it was last hashed is remembered: ``file_digest``);
* the read options (format, bad rows set aside or refused, sub-event types, encoding, size limit);
* the code that reads: ``CACHE_VERSION``, the declared schema, and the source of ``geo/io``'s reading
  modules and of ``geo/geocoding`` (a reader or geocoder change re-reads), and the gazetteer file's size and time (rows
  placed by their mention are geocoded against it).

``read_events_keyed`` answers that key too: it names the table's content, so the map's published files are
found again by it (``geo.store.datasets.Loaded.content_key``) instead of by fingerprinting every row (~1 s at
1,000,000 events).

A cache entry is written to a temporary name then renamed, so a reader never sees half of one; one that
cannot be read (damaged, another pyarrow) is read from the events file again and replaced. Only the newest
``KEEP`` entries stay. A file that is refused is never cached: it is refused again, with the same message.
At 1,000,000 events (a 417 MB CSV) a cached read took a sixth of the first one in the same run (15 s
against 94 s on a machine loaded 7-10 times over its 2 cores; the first read alone is ~23 s unloaded).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from .. import config

CACHE_VERSION = 1  # raise when the cached form changes
KEEP = 8  # newest cache entries kept
DIGESTS_FILE = "digests.json"  # file digests remembered beside the files' identity (file_digest)
KEEP_DIGESTS = 64
RACY_S = 2  # a file changed this recently when hashed is hashed again next time (file_digest)
METADATA_KEY = "strikemap_import_summary"
# The modules of geo/io whose code decides what a file reads as (not the writers): with geo/geocoding, the key.
READING_MODULES = ("cache", "events", "formats", "importers", "read", "schema")
_SUMMARY_SCALARS = ("fmt", "file", "rows_read", "left_out", "given", "outlined", "geocoded")


def cache_dir() -> Path:
    """Where cached events are kept: ``$STRIKEMAP_CACHE_DIR``, else ``data/build/cache/events``."""
    return Path(os.environ.get("STRIKEMAP_CACHE_DIR") or config.BUILD_DIR / "cache" / "events")


class CachedRead(NamedTuple):
    """What ``read_events_keyed`` answers: ``read_events``' events and summary, and the cache key they were
    found under (or stored under: the same for a first read and every read after it)."""

    events: object
    summary: object
    key: str


def read_events_cached(path: Path | str, fmt: str | None = None, **options):
    """``geo.io.read.read_events(path, fmt, **options)``, from the cache when this file was read before.

    ``progress`` (geocoding progress) is only called when the file is really read."""
    events, summary, _ = read_events_keyed(path, fmt, **options)
    return events, summary


def read_events_keyed(path: Path | str, fmt: str | None = None, **options) -> CachedRead:
    """``read_events_cached``, with the cache key: a name for the events' content (the file's bytes, the read
    options, the reading code) that its users can reuse instead of fingerprinting the table again (the map's
    published files: ``geo.store.datasets.Loaded.content_key``). It names the table exactly as answered."""
    from .read import _check_file, _max_mb, read_events, LIMIT_ADVICE

    path = Path(path)
    name = options.get("name")
    # The file's own checks first (there, not empty, not too big): a refusal is the reader's, word for word.
    _check_file(path, str(path) if name is None else name, _max_mb(options.get("max_mb")),
                options.get("limit_advice", LIMIT_ADVICE))
    key = cache_key(path, fmt, options)
    entry = cache_dir() / f"{key}.parquet"
    found = _load(entry, path)
    if found is not None:
        return CachedRead(*found, key)
    events, summary = read_events(path, fmt, **options)
    _store(entry, events, summary)
    return CachedRead(events, summary, key)


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, or of a GeoParquet folder's parts (their relative names and bytes).

    Remembered (``DIGESTS_FILE`` in the cache folder) beside each part's identity and change times, as git's
    index does: a file whose inode, size, modification and status-change times are all as they were has not
    been written since (any write moves its status-change time, which no tool can set back), so it is not read
    again (1,000,000 events: 0.3-0.4 s of a seen start). A file changed less than ``RACY_S`` before it was hashed
    is never remembered: a write in the same clock tick could leave its times as they were."""
    from .read import _parts

    parts = _parts(path)
    stamp = [[str(part.relative_to(path)) if path.is_dir() else "", *_identity(part)] for part in parts]
    remembered = _digests()
    key = str(path.resolve())
    if remembered.get(key, {}).get("stamp") == stamp:
        return remembered[key]["digest"]
    digest = hashlib.sha256()
    for part in parts:
        if path.is_dir():
            digest.update(str(part.relative_to(path)).encode("utf-8") + b"\0")
        with part.open("rb") as fh:
            digest.update(hashlib.file_digest(fh, "sha256").digest())
    if all(time.time_ns() - max(mtime, ctime) > RACY_S * 1e9 for *_, mtime, ctime in stamp):
        _remember_digest(key, stamp, digest.hexdigest())
    return digest.hexdigest()


def _identity(part: Path) -> list[int]:
    held = part.stat()
    return [held.st_dev, held.st_ino, held.st_size, held.st_mtime_ns, held.st_ctime_ns]


def _digests() -> dict:
    try:
        held = json.loads((cache_dir() / DIGESTS_FILE).read_text(encoding="utf-8"))
        return held if isinstance(held, dict) else {}
    except (OSError, ValueError):
        return {}


def _remember_digest(key: str, stamp: list, digest: str) -> None:
    """Add a file's digest to ``DIGESTS_FILE`` (``atomic_write``: a temporary name, then renamed; the newest
    ``KEEP_DIGESTS``); one that cannot be written costs speed only."""
    from .export import atomic_write

    remembered = {k: v for k, v in _digests().items() if k != key}
    remembered[key] = {"stamp": stamp, "digest": digest}
    kept = dict(list(remembered.items())[-KEEP_DIGESTS:])
    try:
        atomic_write(cache_dir() / DIGESTS_FILE, lambda tmp: tmp.write_text(json.dumps(kept), encoding="utf-8"))
    except OSError:
        pass


def code_version() -> str:
    """What the cached form depends on besides the file: this module's version, the schema, the reading and
    geocoding code, the gazetteer."""
    from .schema import SCHEMA

    digest = hashlib.sha256(f"{CACHE_VERSION}|{SCHEMA!r}".encode("utf-8"))
    package = Path(__file__).resolve().parent.parent
    sources = [package / "io" / f"{name}.py" for name in READING_MODULES]
    sources += sorted(p for p in (package / "geocoding").glob("*") if p.suffix in (".py", ".csv"))
    for source in sources:
        digest.update(source.name.encode("utf-8") + b"\0" + source.read_bytes())
    gazetteer = config.GAZETTEER_DB
    if gazetteer.exists():
        stat = gazetteer.stat()
        digest.update(f"gazetteer {stat.st_size} {stat.st_mtime_ns}".encode("ascii"))
    return digest.hexdigest()


def cache_key(path: Path, fmt: str | None, options: dict) -> str:
    """The cache entry's name: the file's content, how it is read, and by which code."""
    wanted = {k: v for k, v in sorted(options.items()) if k not in ("progress", "name")}
    wanted["fmt"] = fmt
    wanted["suffix"] = "" if path.is_dir() else path.suffix.lower()  # the suffix chooses the format
    described = json.dumps(wanted, sort_keys=True, default=repr)
    digest = hashlib.sha256(f"{file_digest(path)}|{described}|{code_version()}".encode("utf-8"))
    return digest.hexdigest()[:32]


def _load(entry: Path, path: Path):
    """(events, summary) from a cache entry, or None when there is none or it cannot be read."""
    import geopandas as gpd
    import pyarrow as pa

    from .read import collector_paused

    if not entry.exists():
        return None
    try:
        with collector_paused():
            events = gpd.read_parquet(entry)
        # Arrow's pool keeps the pages the Parquet decoding used, for tables to come (~150 MB at 1,000,000
        # events); a server reads a table this size once, so they go back to the system.
        pa.default_memory_pool().release_unused()
        summary = _summary_from_json(json.loads(events.attrs.pop(METADATA_KEY)), path)
    except Exception:  # damaged, written by another pyarrow, half-deleted: read the file again
        return None
    try:
        os.utime(entry)  # recently used: pruned last
    except OSError:
        pass
    return events, summary


def _store(entry: Path, events, summary) -> None:
    """Write the cache entry (a temporary name, then renamed) and prune old ones; a cache that cannot be
    written (read-only disk, full disk) costs speed only."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=f".{entry.stem}-", suffix=".tmp")
        os.close(fd)
        # The summary rides in the table's attrs, which pandas keeps in the Parquet file's metadata: one file.
        events.attrs[METADATA_KEY] = json.dumps(_summary_to_json(summary), default=_plain)
        try:
            events.to_parquet(tmp, index=None)  # a RangeIndex as metadata, any other as a column
            os.chmod(tmp, 0o644)
            os.replace(tmp, entry)
        finally:
            events.attrs.pop(METADATA_KEY, None)
            if os.path.exists(tmp):
                os.remove(tmp)
        _prune(entry.parent)
    except (OSError, ValueError, TypeError):  # a cache that cannot be written costs speed only
        pass


def _plain(value):
    """json.dumps hook for numpy scalars (row indexes)."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _prune(folder: Path, keep: int = KEEP) -> None:
    entries = sorted(folder.glob("*.parquet"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        try:
            old.unlink()
        except OSError:
            pass


def _value_to_json(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return {"v": value}
    if isinstance(value, tuple):
        return {"tuple": [_value_to_json(v) for v in value]}
    return {"text": str(value)}


def _value_from_json(held):
    if "tuple" in held:
        return tuple(_value_from_json(v) for v in held["tuple"])
    return held["v"] if "v" in held else held["text"]


def _summary_to_json(summary) -> dict:
    held = {name: getattr(summary, name) for name in _SUMMARY_SCALARS}
    held["unplaced"] = list(summary.unplaced)
    held["notes"] = list(summary.notes)
    held["set_aside"] = [{**{f.name: getattr(p, f.name) for f in dataclasses.fields(p) if f.name != "value"},
                          "value": _value_to_json(p.value)} for p in summary.set_aside]
    return held


def _summary_from_json(held: dict, path: Path):
    from ..errors import RowProblem
    from .importers import ImportSummary

    problems = [RowProblem(**{**p, "value": _value_from_json(p["value"])}) for p in held["set_aside"]]
    return ImportSummary(path, **{name: held[name] for name in _SUMMARY_SCALARS}, unplaced=list(held["unplaced"]),
                         notes=list(held["notes"]), set_aside=problems)
