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
