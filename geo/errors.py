"""strikemap's exceptions: one root, each subclass also the matching built-in.

Modelled on geopy's ``exc.py``: callers can catch ``StrikemapError`` for
anything of ours, or the built-in (``ValueError``, ``FileNotFoundError``) they
already expect.
"""

from __future__ import annotations

from dataclasses import dataclass


class StrikemapError(Exception):
    """Root of every error strikemap raises on purpose."""


# A refusal lists this many bad rows one a line, then says how many more there are.
MAX_ERRORS_SHOWN = 10


@dataclass(frozen=True)
class RowProblem:
    """One bad cell of an events file, as fields: callers show them their own way (a CLI line, a table).

    ``file`` is the name shown to a person (an upload's own name, not the scratch copy's path); ``row``
    numbers the row as the file does (a CSV's header is line 1, so its first data row is 2; features count
    from 1), ``index`` is its 0-based position among the data rows; ``column`` is the file's own column
    name; ``reason`` is the sentence a person reads ("event_date '30/02/2021' is not a date ...").
    """

    file: str
    index: int
    unit: str  # "row" (a CSV line) or "feature" (GeoJSON, GeoPackage, GeoParquet)
    column: str
    value: object
    reason: str
    event_id: str = ""

    @property
    def row(self) -> int:
        return self.index + (2 if self.unit == "row" else 1)

    @property
    def label(self) -> str:
        """"row 4 (SYR1)": the row as the file numbers it, and its event id when it has one."""
        return f"{self.unit} {self.row}" + (f" ({self.event_id})" if self.event_id else "")

    @property
    def message(self) -> str:
        return f"{self.label}: {self.reason}"


class EventDataError(StrikemapError, ValueError):
    """An events file (or an edit) is malformed: the message is built from the fields.

    ``file`` is the name a person knows the file by, ``path`` where it is on disk (a scratch copy for an
    upload), ``reason`` what is wrong with the whole file, ``problems`` the bad rows (``RowProblem``), and
    ``advice`` what to do about them.
    """

    def __init__(self, reason: str = "", *, file: str | None = None, path=None,
                 problems: tuple[RowProblem, ...] | list[RowProblem] = (), advice: str = ""):
        self.reason, self.file, self.path = reason, file, path
        self.problems, self.advice = tuple(problems), advice
        super().__init__(self._message())

    def _message(self) -> str:
        where = f"{self.file}: " if self.file else ""
        advice = f" ({self.advice})" if self.advice else ""
        if not self.problems:
            return f"{where}{self.reason}{advice}"
        if len(self.problems) == 1:
            return f"{where}{self.problems[0].message}{advice}"
        shown = "\n  ".join(p.message for p in self.problems[:MAX_ERRORS_SHOWN])
        more = len(self.problems) - MAX_ERRORS_SHOWN
        return (f"{where}{len(self.problems)} problem(s){advice}:\n  {shown}"
                + (f"\n  ... and {more} more" if more > 0 else ""))

    def __reduce__(self):  # keyword fields: pickle (Streamlit's cache, multiprocessing) rebuilds them all
        return _rebuild_event_data_error, (self.reason, self.file, self.path, self.problems, self.advice)


def _rebuild_event_data_error(reason, file, path, problems, advice) -> EventDataError:
    return EventDataError(reason, file=file, path=path, problems=problems, advice=advice)


class GazetteerMissingError(StrikemapError, FileNotFoundError):
    """The offline gazetteer has not been built yet."""


class ExportError(StrikemapError, ValueError):
    """An export was asked for in a form we cannot write."""


class StoreError(StrikemapError):
    """The event store cannot do what was asked: it cannot be opened, or a change or event is unknown."""


class EventNotFoundError(StoreError, LookupError):
    """No event with that id in that data set (and none was ever deleted there)."""


class EditConflictError(StoreError):
    """Someone else changed or deleted the event (or undid a later change) since the caller read it.

    Nothing was written. The message says who, when and which version; the attributes let a page
    show it its own way."""

    def __init__(self, message: str, event_id: str, current_version: int | None = None,
                 expected_version: int | None = None, author: str = "", at=None):
        super().__init__(message)
        self.event_id = event_id
        self.current_version = current_version  # None: the event was deleted
        self.expected_version = expected_version
        self.author = author
        self.at = at


class PermissionDeniedError(StoreError, PermissionError):
    """The identity acting may not do this in a shared event store (``geo.store.roles``). Nothing was written.

    ``identity`` is who asked (None: nobody signed in), ``role`` the role they hold, ``action`` what they tried
    (a kind of change, or a role action), ``needed`` the role it takes."""

    def __init__(self, identity: str | None, role: str, action: str, needed: str):
        from .store.roles import refusal

        self.identity, self.role, self.action, self.needed = identity, role, action, needed
        super().__init__(refusal(identity, role, action) + " Nothing was changed.")

    def __reduce__(self):
        return type(self), (self.identity, self.role, self.action, self.needed)
