"""Proposals a person has checked, turned into events.

``geo.reports.extract`` proposes rows; the analyst reviews them in a table (the dashboard's
``st.data_editor``), ticks the ones to keep and corrects what is wrong. ``accept_proposals``
applies that review: only ticked rows, with the analyst's edits; a row whose place mention was
edited is geocoded again from the new words (its old shape would no longer match them), the
others keep the shape the extractor gave them (a region stays a region). Every row is then
validated like a row of an events file, so a mistyped date is refused with its row named.
"""

from __future__ import annotations

import pandas as pd

from ..errors import EventDataError
from ..io.events import GEOMETRY_WKT, SCHEMA, check_events, place_events
from ..io.schema import EDITABLE, GEOCODED, ID_COLUMN, NEEDS_REVIEW, TABLE_COLUMNS
from .extract import AUDIT_COLUMNS

ACCEPT = "accept"
# A read-only marker before the tick box: st.data_editor cannot colour rows, so a proposal whose place the
# geocoder was unsure of (NEEDS_REVIEW) says so in its first cell. Never saved: accept_proposals reads the
# proposals themselves, only ACCEPT and the EDITABLE columns from the reviewed table.
CHECK = "check"
CHECK_MARK = "⚠ check"
# The analyst corrects geo.io.schema's EDITABLE columns; the geocoder's own columns follow from the mention.
# Shown beside them, read-only: the dashboard table's other columns, and the words each field was read from.
SHOWN = [c for c in TABLE_COLUMNS if c not in EDITABLE and c != ID_COLUMN] + AUDIT_COLUMNS


def review_table(proposals) -> pd.DataFrame:
    """The table the analyst edits: a marker on places to check, a tick box (on for every proposal), the
    editable columns, the evidence."""
    status = proposals["geo_status"] if "geo_status" in proposals.columns else pd.Series("", index=proposals.index)
    marks = status.isin(NEEDS_REVIEW).map({True: CHECK_MARK, False: ""})
    table = pd.DataFrame({CHECK: marks, ACCEPT: True}, index=proposals.index)
    columns = [c for c in [ID_COLUMN, *EDITABLE, *SHOWN] if c in proposals.columns]
    return pd.concat([table, pd.DataFrame(proposals[columns])], axis=1)


def accept_proposals(reviewed: pd.DataFrame, proposals, origin: str = "review"):
    """The ticked rows of ``reviewed`` (``review_table`` after editing) as events (a GeoDataFrame)."""
    chosen = reviewed.index[reviewed[ACCEPT].fillna(False).astype(bool)]
    if not len(chosen):
        raise EventDataError(f"{origin}: no proposal is ticked to be added")
    table = pd.DataFrame(proposals.loc[chosen]).drop(columns=proposals.geometry.name)
    for column in EDITABLE:
        if column in reviewed.columns:
            table[column] = reviewed.loc[chosen, column]
    table = table.astype(object).where(table.notna(), "")
    moved = reviewed.loc[chosen, "location_mention"].fillna("") != proposals.loc[chosen, "location_mention"].fillna("")
    # Unchanged places keep their shape (as WKT, which place_events reads back); edited ones are geocoded.
    table[GEOMETRY_WKT] = [("" if moved[i] or shape is None else shape.wkt)
                           for i, shape in zip(chosen, proposals.loc[chosen].geometry)]
    for column in [*GEOCODED, "region_mention"]:  # what the old mention gave, the wider area it named included
        table.loc[moved[moved].index, column] = ""
    table = table.reset_index(drop=True)
    checked, problems = check_events(table, origin, unit="row")
    if problems:
        raise EventDataError(file=origin, problems=problems)
    events = place_events(checked, keep_columns=True)
    unplaced = events[events.geometry.isna()]
    if len(unplaced):
        raise EventDataError(f"{origin}: " + "; ".join(
            f"{r.event_id_cnty}: {r.location_mention!r} could not be placed ({r.geocoder})" for r in unplaced.itertuples()))
    return events[[c for c in events.columns if c in SCHEMA or c not in (ACCEPT, CHECK)]]

