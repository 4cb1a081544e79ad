"""Which data sets the dashboard can open, and how imports, reviewed proposals and edits reach them.

Two kinds:

* ``bundled``: the events file (``data/events.csv``, or ``$STRIKEMAP_EVENTS``), read-only. The
  curated CSV is never rewritten by the dashboard.
* ``store:<name>``: a data set in the event store (``geo.store.event_store``: SQLite by default, PostGIS with
  ``$STRIKEMAP_DB``), editable, with the history of every change.

An upload is read (``geo.io.read.read_events``, as every events file) from a scratch copy; only a complete, valid import joins
the store, as a new data set in one transaction, so a failed import leaves nothing behind. The
uploaded file's name is shown and kept in the change's comment but never used as a path. Reviewed
proposals join the open store data set; added to the bundled data set, they start an editable
working copy of it in the store. An analyst's correction of one event (``edit_event``) is saved
with its history; a corrected place mention is geocoded again. A data set is chosen by its key,
looked up in ``list_datasets()``, so a key from a link only ever names something that exists.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import EventDataError
from ..io.formats import FORMATS, IMPORT_FORMATS, import_format

BUNDLED = "bundled"
STORE_PREFIX = "store:"
# What an upload may be, by format: the suffix its scratch copy gets (the reader checks content too).
UPLOAD_SUFFIX = {name: FORMATS[name].suffix for name in IMPORT_FORMATS}
# The file picker's accepted suffixes, without the dot (Streamlit's file_uploader type=).
UPLOAD_TYPES = sorted({suffix.lstrip(".") for name in IMPORT_FORMATS for suffix in FORMATS[name].import_suffixes})
DEFAULT_UPLOAD_MB = 200  # MiB, as Streamlit's own upload limit (server.maxUploadSize in .streamlit/config.toml)
UPLOAD_LIMIT_ADVICE = "import larger files with `python -m geo import`"


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


@dataclass(frozen=True)
class Loaded:
    """A data set's events (a store's carry a ``version`` column for edits) and the rows of its file that
    were set aside (``RowProblem``s: row, column, value, reason), which the page lists."""

    events: object
    set_aside: tuple = ()

    @property
    def rows_set_aside(self) -> int:
        """How many rows were set aside (a row can have several bad cells)."""
        return len({problem.index for problem in self.set_aside})


def load_dataset(dataset: Dataset, store=None, progress=None) -> Loaded:
    """The data set's events; the bundled file's bad rows are set aside and listed, not the file refused.
    A file read before comes from its parsed, validated form (``geo.io.cache``), also after a restart."""
    if dataset.store_name is not None:
        return Loaded(store.events(dataset.store_name))
    from ..io.cache import read_events_cached

    events, summary = read_events_cached(dataset.path, on_bad_rows="skip", progress=progress)
    return Loaded(events, tuple(summary.set_aside))


def import_upload(data: bytes, original_name: str, fmt: str, max_mb: float = DEFAULT_UPLOAD_MB, **options):
    """(events, summary) of an uploaded file's bytes, read from a scratch copy that is then deleted.

    Messages name the file as ``repr(original_name)`` (it is the analyst's text: quoted, never a path); the
    size limit is the reader's, in MiB as Streamlit counts."""
    from ..io.read import read_events

    chosen = import_format(fmt)
    with tempfile.TemporaryDirectory(prefix="strikemap-upload-") as folder:
        scratch = Path(folder) / f"upload{chosen.suffix}"
        scratch.write_bytes(data)
        events, summary = read_events(scratch, fmt, name=repr(original_name), max_mb=max_mb,
                                      limit_advice=UPLOAD_LIMIT_ADVICE, **options)
    return events, dataclasses.replace(summary, path=original_name)  # the scratch copy is gone


def _new_name(kind: str, hint: str) -> str:
    """A data set name: when, what, and a readable hint (letters, digits and a few marks only)."""
    readable = re.sub(r"[^\w.() -]+", "_", hint)[:60].strip(" _") or kind
    return f"{dt.datetime.now():%Y-%m-%d %H:%M:%S} {kind}: {readable}"


def save_import(store, events, original_name: str, fmt: str, author: str | None = None,
                name: str | None = None) -> Dataset:
    """An imported file as a new store data set (``name``, else one made of the time and the file's name), in one
    transaction: all rows or none. A file that left no events (every row skipped, or none of the wanted sub-event
    types) is refused: an empty data set helps nobody."""
    if events.empty:
        raise EventDataError(f"{original_name!r}: no events left to import")
    name = name or _new_name(fmt, original_name)
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
