"""Which data sets the dashboard can open, and how imports, reviewed proposals and edits reach them.

Two kinds:

* ``bundled``: the events file (``data/events.csv``, or ``$STRIKEMAP_EVENTS``), read-only. The
  curated CSV is never rewritten by the dashboard.
* ``store:<name>``: a data set in the event store (``geo.store.event_store``: SQLite by default, PostGIS with
  ``$STRIKEMAP_DB``), editable, with the history of every change.

An upload is imported (``geo.io.importers``) from a scratch copy; only a complete, valid import joins
the store, as a new data set in one transaction, so a failed import leaves nothing behind. The
uploaded file's name is shown and kept in the change's comment but never used as a path. Reviewed
proposals join the open store data set; added to the bundled data set, they start an editable
working copy of it in the store. An analyst's correction of one event (``edit_event``) is saved
with its history; a corrected place mention is geocoded again. A data set is chosen by its key,
looked up in ``list_datasets()``, so a key from a link only ever names something that exists.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import EventDataError

BUNDLED = "bundled"
STORE_PREFIX = "store:"
# What an upload may be, by format: the suffix its scratch copy gets (the importers check content too).
UPLOAD_SUFFIX = {"acled": ".csv", "ucdp": ".csv", "csv": ".csv", "geojson": ".geojson", "gpkg": ".gpkg",
                 "parquet": ".parquet"}
DEFAULT_UPLOAD_MB = 200  # MiB, as Streamlit's own upload limit (server.maxUploadSize in .streamlit/config.toml)


@dataclass(frozen=True)
class Dataset:
    key: str
    label: str
    path: Path | None = None  # the bundled events file
    store_name: str | None = None  # a data set of the event store

    @property
    def editable(self) -> bool:
        return self.store_name is not None


def list_datasets(store=None) -> dict[str, Dataset]:
    """The bundled events file, then the store's data sets (when a store is open)."""
    path = config.events_path()
    found = {BUNDLED: Dataset(BUNDLED, f"Bundled events ({path.name}, read-only)", path=path)}
    for name, count in (store.datasets() if store is not None else {}).items():
        found[STORE_PREFIX + name] = Dataset(STORE_PREFIX + name, f"{name} ({count} events, editable)",
                                             store_name=name)
    return found


def data_stamp(dataset: Dataset, store=None):
    """What changes when the data set does: the store's revision, or the file's modification time (0 if it is gone)."""
    if dataset.editable:
        return store.revision()
    return dataset.path.stat().st_mtime if dataset.path.exists() else 0.0


def load_dataset(dataset: Dataset, store=None, progress=None):
    """The data set's events as a GeoDataFrame (a store's carry a ``version`` column for edits)."""
    if dataset.store_name is not None:
        return store.events(dataset.store_name)
    from ..io.events import load_events

    return load_events(dataset.path, progress=progress)


def import_upload(data: bytes, original_name: str, fmt: str, max_mb: float = DEFAULT_UPLOAD_MB, **options):
    """(events, summary) of an uploaded file's bytes, imported from a scratch copy that is then deleted."""
    from ..io.importers import import_with_summary

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


def _new_name(kind: str, hint: str) -> str:
    """A data set name: when, what, and a readable hint (letters, digits and a few marks only)."""
    readable = re.sub(r"[^\w.() -]+", "_", hint)[:60].strip(" _") or kind
    return f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} {kind}: {readable}"


def save_import(store, events, original_name: str, fmt: str, author: str | None = None) -> Dataset:
    """An imported file as a new store data set, in one transaction: all rows or none. A file that left no
    events (every row skipped, or none of the wanted sub-event types) is refused: an empty data set helps nobody."""
    if events.empty:
        raise EventDataError(f"{original_name!r}: no events left to import")
    name = _new_name(fmt, original_name)
    store.import_events(events, comment=f"imported {original_name!r} ({fmt}, {len(events)} events)",
                        author=author, dataset=name)
    return list_datasets(store)[STORE_PREFIX + name]


def editable_copy(store, dataset: Dataset, events, author: str | None = None) -> Dataset:
    """The bundled data set copied into the store, where it can be edited (the file stays as it is)."""
    name = _new_name("working copy", dataset.path.name if dataset.path else dataset.label)
    store.import_events(_without_version(events), comment=f"working copy of {dataset.label}", author=author,
                        dataset=name)
    return list_datasets(store)[STORE_PREFIX + name]


def add_events(store, dataset: Dataset, events, added, author: str | None = None) -> Dataset:
    """Reviewed proposals joined to the open data set: added to it when it is in the store, else to a new
    working copy of it (the bundled file is never rewritten). Returns the data set that holds them."""
    clash = sorted(set(added["event_id_cnty"]) & set(events["event_id_cnty"]))
    if clash:
        raise EventDataError(f"already in {dataset.label}: {', '.join(clash[:5])}; these proposals were added before")
    if not dataset.editable:
        dataset = editable_copy(store, dataset, events, author)
    store.add(_without_version(added), comment=f"{len(added)} reviewed proposal(s) added", author=author,
              dataset=dataset.store_name)
    return list_datasets(store)[dataset.key]


def as_form_text(value) -> str:
    """A cell as an edit form shows it: missing values as an empty box."""
    return "" if value is None or pd.isna(value) else str(value)


def changed_fields(event, form: dict[str, str]) -> dict[str, str]:
    """The fields of an edit form (column -> text) that differ from the event as the form showed it."""
    return {column: text for column, text in form.items() if text != as_form_text(event[column])}


def edit_event(store, dataset: Dataset, event_id: str, changes: dict, expected_version: int, author: str | None,
               comment: str):
    """Save an analyst's correction of one event of a store data set, if it is still at ``expected_version``.

    ``changes`` holds only what the analyst changed (``changed_fields``). A changed place mention is geocoded
    again and the event takes the new place, its resolution and its shape: keeping the old shape under new words
    would put the event where its mention no longer says. A mention the geocoder cannot place is refused and
    nothing is saved. Returns the recorded change (None if nothing differs); raises ``EditConflictError`` if
    someone saved the event since that version, ``EventDataError`` for a value the schema refuses.
    """
    if not dataset.editable:
        raise EventDataError(f"{dataset.label} is read-only: make an editable copy in the event store to correct it")
    if "location_mention" in changes:
        changes = {**changes, **_placement(changes["location_mention"])}
    return store.update(event_id, changes, expected_version=expected_version, author=author, comment=comment,
                        dataset=dataset.store_name)


def _placement(mention: str) -> dict:
    """The columns that move an event to a new place mention: the mention, what it resolves to, its shape."""
    from ..geocoding.resolve import resolve_mention
    from ..io.events import resolution_columns

    found = resolve_mention(mention)
    if not found.resolved:
        raise EventDataError(f"{mention!r} could not be placed ({found.reason}); nothing was saved")
    return {**resolution_columns(found), "location_mention": mention, "geometry": found.shape()}


def _without_version(events):
    from .event_store import VERSION

    return events.drop(columns=[VERSION], errors="ignore")
