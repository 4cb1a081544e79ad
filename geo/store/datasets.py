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

A store data set is shown by a readable name: the file's (or the name given), then when it was made
("acled_sample.csv (2026-12-02 12:05)"). Renaming changes only that name (the key, and every link, stays);
renaming and deleting are changes like any other, kept in the history and undone the same way. How a
change reads to a person (``change_label``, ``history_table``: time to the second, who, what, on which
event, each field's before → after) is here too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from types import SimpleNamespace
from pathlib import Path

import pandas as pd

from .. import config
from ..errors import EventDataError
from ..io.formats import FORMATS, IMPORT_FORMATS, import_format
from ..io.schema import count_of

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
    label: str  # the name it is shown by
    path: Path | None = None  # the bundled events file
    store_name: str | None = None  # a data set of the event store
    count: int | None = None  # how many events a store data set holds

    @property
    def choice(self) -> str:
        """How the data set picker lists it: its name, then what it is."""
        if self.store_name is None:
            return self.label
        return f"{self.label} · {count_of(self.count or 0, 'event')}"

    @property
    def editable(self) -> bool:
        return self.store_name is not None


def list_datasets(store=None) -> dict[str, Dataset]:
    """The bundled events file, then the store's data sets (when a store is open)."""
    path = config.events_path()
    found = {BUNDLED: Dataset(BUNDLED, f"{path.name} (bundled, read-only)", path=path)}
    if store is None:
        return found
    names = store.names()
    for name, count in store.datasets().items():
        found[STORE_PREFIX + name] = Dataset(STORE_PREFIX + name, names.get(name, name), store_name=name, count=count)
    return found



def data_stamp(dataset: Dataset, store=None):
    """What changes when the data set does: the store's revision, or the file's modification time (0 if it is gone)."""
    if dataset.editable:
        return store.revision()
    return dataset.path.stat().st_mtime if dataset.path.exists() else 0.0


@dataclass(frozen=True)
class Loaded:
    """A data set's events (a store's carry a ``version`` column for edits) and the rows of its file that
    were set aside (``RowProblem``s: row, column, value, reason), which the page lists.

    ``content_key`` names ``events`` as loaded, for the map's published files (``publish_events(events,
    content_key=...)``): a file's cache key (``geo.io.cache``: its bytes, the read options, the reading code), so
    a restart finds the files published before without fingerprinting every row again (~1 s at 1,000,000
    events). It names this table only: a filtered or edited one is published without it. None for a store's
    data set, which ``publish_events`` fingerprints."""

    events: object
    set_aside: tuple = ()
    content_key: str | None = None

    @property
    def rows_set_aside(self) -> int:
        """How many rows were set aside (a row can have several bad cells)."""
        return len({problem.index for problem in self.set_aside})


def load_dataset(dataset: Dataset, store=None, progress=None) -> Loaded:
    """The data set's events; the bundled file's bad rows are set aside and listed, not the file refused.
    A file read before comes from its parsed, validated form (``geo.io.cache``), also after a restart."""
    if dataset.store_name is not None:
        return Loaded(store.events(dataset.store_name))
    from ..io.cache import read_events_keyed

    events, summary, key = read_events_keyed(dataset.path, on_bad_rows="skip", progress=progress)
    return Loaded(events, tuple(summary.set_aside), content_key=key)


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


def _new_name(store, hint: str, fallback: str) -> str:
    """A new data set's name: a readable hint (the file's name, or the one given: letters, digits and a few
    marks), then when it was made; never one the store has used, even for a deleted data set."""
    readable = re.sub(r"[^\w.,()' -]+", "_", " ".join(hint.split()))[:60].strip(" _") or fallback
    now = dt.datetime.now()
    candidates = [f"{readable} ({now:%Y-%m-%d %H:%M})", f"{readable} ({now:%Y-%m-%d %H:%M:%S})"]
    candidates += [f"{readable} ({now:%Y-%m-%d %H:%M:%S}, {n})" for n in range(2, 100)]
    return next(name for name in candidates if not store.has_dataset(name))


def save_import(store, events, original_name: str, fmt: str, author: str | None = None,
                name: str | None = None, exact: bool = False) -> Dataset:
    """An imported file as a new store data set, in one transaction: all rows or none. A file that left no
    events (every row skipped, or none of the wanted sub-event types) is refused: an empty data set helps nobody.
    The data set is named ``name`` if given, else after the file, with the time after it; ``exact`` keeps
    ``name`` as it is (the command line's ``--dataset``, a key other commands then name) or refuses a used one."""
    if events.empty:
        raise EventDataError(f"{original_name!r}: no events left to import")
    if exact and name:
        name = " ".join(name.split())
        if store.has_dataset(name):
            raise EventDataError(f"data set {name!r} already exists (or did): choose another --dataset")
    else:
        name = _new_name(store, (name or "").strip() or original_name, fmt)
    store.import_events(events, comment=f"imported {original_name!r} ({fmt}, {len(events)} events)",
                        author=author, dataset=name)
    return list_datasets(store)[STORE_PREFIX + name]


def editable_copy(store, dataset: Dataset, events, author: str | None = None) -> Dataset:
    """The bundled data set copied into the store, where it can be edited (the file stays as it is)."""
    name = _new_name(store, dataset.path.name if dataset.path else dataset.label, "copy")
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


def rename_dataset(store, dataset: Dataset, name: str, author: str | None = None) -> Dataset:
    """Show a store data set under a new name (recorded, undoable); its key and links stay."""
    if not dataset.editable:
        raise EventDataError(f"{dataset.label} is the bundled file: it keeps its file's name")
    store.rename(dataset.store_name, name, author=author)
    return list_datasets(store)[dataset.key]


def delete_dataset(store, dataset: Dataset, author: str | None = None):
    """Delete a store data set, recorded as one change that undo takes back (the returned ``Change``)."""
    if not dataset.editable:
        raise EventDataError(f"{dataset.label} is the bundled file: it cannot be deleted from here")
    return store.delete_dataset(dataset.store_name, comment=f"deleted data set {dataset.label!r}", author=author)


def without_store_columns(events):
    """The events as files should have them: without the store's own bookkeeping (``version``)."""
    return _without_version(events)


# ---- how a change reads to a person

def _shown(value) -> str:
    """One value of a history record, short: empty as "(empty)", long text cut."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value == "":
        return "(empty)"
    text = " ".join(str(value).split())
    return text if len(text) <= 60 else text[:57] + "…"


def field_changes(before, after) -> str:
    """An edit's fields as "fatalities: 4 → 9; notes: … → …" (the shape left out: its place moves with
    the mention); "" for a step that changed no field (an import, a deletion)."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ""
    shown = [f"{column}: {_shown(before.get(column))} → {_shown(after.get(column))}"
             for column in after if column != "geometry"]
    return "; ".join(shown)


def _what(step) -> str:
    """What one step of an event's history did, in words."""
    if step.kind == "undo":
        return f"undo of change {step.undoes}" + (f" ({field_changes(step.before, step.after)})"
                                                    if step.action == "update" else "")
    if step.action == "update":
        return f"{step.kind}: {field_changes(step.before, step.after) or 'shape'}"
    if step.action == "delete":
        return "delete (the event removed)" if step.events == 1 else \
            f"delete of the whole data set ({count_of(step.events, 'event')})"
    return f"{step.kind} ({count_of(step.events, 'event')})" if step.events else step.kind


def _when(at) -> str:
    return f"{pd.Timestamp(at).tz_convert('UTC'):%Y-%m-%d %H:%M:%S} UTC"


def change_label(step, event_id: str) -> str:
    """An undo choice: number, time to the second, author, what changed, on which event."""
    if isinstance(step, pd.Series):  # a row of Store.history, as well as one of its itertuples()
        step = SimpleNamespace(**step.to_dict())
    return f"#{step.change_id} · {_when(step.at)} · {step.author} · {_what(step)} · {event_id}"


def store_change_label(change) -> str:
    """A change of the whole store (``Store.changes``) as an undo choice: number, time, author, what, where."""
    what = change.comment or change.kind
    if change.kind in ("import", "add", "delete", "drop dataset") and change.events:
        what += f" ({count_of(change.events, 'event')})"
    return f"#{change.change_id} · {_when(change.at)} · {change.author} · {change.kind}: {what}"


def history_table(history) -> pd.DataFrame:
    """An event's history (``Store.history``) as a person reads it, newest first: change, when, who, what
    (each field's before → after), why."""
    rows = [{"change": int(step.change_id), "when": _when(step.at), "who": step.author, "what": _what(step),
             "why": step.comment} for step in history.itertuples()]
    return pd.DataFrame(rows, columns=["change", "when", "who", "what", "why"]).iloc[::-1].reset_index(drop=True)


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
