"""strikemap's exceptions: one root, each subclass also the matching built-in.

Modelled on geopy's ``exc.py``: callers can catch ``StrikemapError`` for
anything of ours, or the built-in (``ValueError``, ``FileNotFoundError``) they
already expect.
"""


class StrikemapError(Exception):
    """Root of every error strikemap raises on purpose."""


class EventDataError(StrikemapError, ValueError):
    """An events file is malformed: the message names the file, row and column."""


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
