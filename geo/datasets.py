"""Which data sets the dashboard can open: the bundled events file and the files imported into it.

An upload is imported (``geo.importers``) from a scratch copy, and only a complete, valid import is
kept, as a GeoPackage in ``data/imports/`` (written atomically, so a failed or interrupted import
leaves nothing behind). The uploaded file's name is shown to the analyst but never used as a path:
kept files are named by time, format and a hash of their content. A data set is chosen by its key
(``bundled`` or ``imports/<file name>``), looked up in ``list_datasets()``, so a key from a link can
never reach outside ``data/imports/``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import config
from .errors import EventDataError
from .export import atomic_write, write_events

BUNDLED = "bundled"
# What an upload may be, by format: the suffix its scratch copy gets (the importers check content too).
UPLOAD_SUFFIX = {"acled": ".csv", "ucdp": ".csv", "csv": ".csv", "geojson": ".geojson", "gpkg": ".gpkg",
                 "parquet": ".parquet"}
DEFAULT_UPLOAD_MB = 200  # MiB, as Streamlit's own upload limit (server.maxUploadSize in .streamlit/config.toml)


@dataclass(frozen=True)
class Dataset:
    key: str
    path: Path
    label: str  # for people: "Bundled events" or "<uploaded name> (ACLED, 12 events, 2026-11-25 17:30)"


def imports_dir() -> Path:
    return Path(os.environ.get("STRIKEMAP_IMPORTS_DIR") or config.DATA_DIR / "imports")


def list_datasets() -> dict[str, Dataset]:
    """The bundled events file, then imported data sets, newest first."""
    found = {BUNDLED: Dataset(BUNDLED, config.events_path(), f"Bundled events ({config.events_path().name})")}
    folder = imports_dir()
    if folder.is_dir():
        for path in sorted(folder.glob("*.gpkg"), reverse=True):
            if path.name.startswith("."):
                continue  # a temporary file of a write in progress
            found[f"imports/{path.name}"] = Dataset(f"imports/{path.name}", path, _label(path))
    return found


def _label(path: Path) -> str:
    try:
        about = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        return f"{about['original_name']} ({about['format']}, {about['events']} events, {about['imported']})"
    except (OSError, ValueError, KeyError):
        return path.name


def import_upload(data: bytes, original_name: str, fmt: str, max_mb: float = DEFAULT_UPLOAD_MB, **options):
    """(events, summary) of an uploaded file's bytes, imported from a scratch copy that is then deleted."""
    from .importers import import_with_summary

    if fmt not in UPLOAD_SUFFIX:
        raise EventDataError(f"unknown import format {fmt!r}; choose one of {', '.join(UPLOAD_SUFFIX)}")
    if len(data) > max_mb * 1024 * 1024:
        raise EventDataError(f"{original_name!r} is {len(data) / 1024 / 1024:.0f} MB; the limit for an upload "
                             f"is {max_mb:.0f} MB (import larger files with `python -m geo import`)")
    with tempfile.TemporaryDirectory(prefix="strikemap-upload-") as folder:
        scratch = Path(folder) / f"upload{UPLOAD_SUFFIX[fmt]}"
        scratch.write_bytes(data)
        try:
            # The size was checked above, in MiB as Streamlit counts; the importer's own limit counts decimal MB,
            # and refused (with CLI advice) uploads between 200,000,000 bytes and 200 MiB that had passed.
            events, summary = import_with_summary(fmt, scratch, max_mb=math.inf, **options)
            summary.path = original_name  # reported by the name the analyst knows
            return events, summary
        except EventDataError as exc:
            # Messages name the scratch file; the analyst knows the file by the name they uploaded.
            raise EventDataError(str(exc).replace(str(scratch), repr(original_name))) from None


def save_import(events, data: bytes, original_name: str, fmt: str) -> Dataset:
    """Keep an imported data set in ``imports_dir()`` and return it. Atomic: all or nothing."""
    return save_dataset(events, original_name, fmt, hashlib.sha256(data).hexdigest())


def add_events(dataset: Dataset, events, added) -> Dataset:
    """A new data set: ``events`` (the open one's) and the ``added`` rows (reviewed proposals). The open
    data set's file is left as it was, so the curated file is never rewritten behind its author's back."""
    import geopandas as gpd
    import pandas as pd

    clash = sorted(set(added["event_id_cnty"]) & set(events["event_id_cnty"]))
    if clash:
        raise EventDataError(f"already in {dataset.label}: {', '.join(clash[:5])}; these proposals were added before")
    combined = gpd.GeoDataFrame(pd.concat([events, added], ignore_index=True), crs="EPSG:4326")
    digest = hashlib.sha256(pd.util.hash_pandas_object(combined.drop(columns="geometry").astype(str)).values.tobytes())
    base = dataset.label.split(" + ")[0]
    return save_dataset(combined, f"{base} + {len(added)} reviewed", "reviewed", digest.hexdigest())


def save_dataset(events, label: str, kind: str, content_hash: str) -> Dataset:
    folder = imports_dir()
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    name = f"{stamp}-{kind}-{content_hash[:10]}.gpkg"
    path = write_events(events, folder / name, "gpkg")
    # A lone surrogate (a broken file name) cannot be written as UTF-8, nor shown: "?" instead.
    about = {"original_name": label.encode("utf-8", "replace").decode("utf-8")[:200], "format": kind,
             "events": len(events),
             "imported": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}
    atomic_write(path.with_suffix(".json"),
                 lambda tmp: tmp.write_text(json.dumps(about, ensure_ascii=False), encoding="utf-8"))
    return list_datasets()[f"imports/{name}"]
