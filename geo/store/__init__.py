"""The event store: data sets, every change with who/when/why, undo, and refused conflicts.

Owns the store itself on SQLite or PostGIS (``event_store``) and the data sets the
dashboard can open: the bundled file, imports and working copies, and an analyst's
correction of one event (``datasets``); and who may write to it: roles kept in the store,
checked by every write (``roles``).
"""
