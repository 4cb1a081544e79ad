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
from ..io.events import GEOMETRY_WKT, SCHEMA, check_events, place_events, problems_message

ACCEPT = "accept"
# What the analyst may correct in review; the geocoder's own columns follow from the mention.
EDITABLE = ["event_date", "time_precision", "sub_event_type", "actor1", "actor2", "location_mention",
            "fatalities_min", "fatalities_max", "notes"]
# Shown beside them, read-only, so the analyst can see what each row was read from.
SHOWN = ["location", "country", "geo_precision", "radius_km", "geocoder", "date_text", "date_rule",
         "casualties_text", "source_sentence"]


def review_table(proposals) -> pd.DataFrame:
    """The table the analyst edits: a tick box (on for every proposal), the editable columns, the evidence."""
    table = pd.DataFrame({ACCEPT: True}, index=proposals.index)
    columns = [c for c in ["event_id_cnty", *EDITABLE, *SHOWN] if c in proposals.columns]
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
    for column in ("latitude", "longitude", "location", "country", "admin1", "geo_precision", "radius_km",
                   "region_mention", "geocoder"):
        table.loc[moved[moved].index, column] = ""
    table = table.reset_index(drop=True)
    checked, problems = check_events(table, origin, unit="row")
    if problems:
        raise EventDataError(problems_message(origin, problems))
    events = place_events(checked, keep_columns=True)
    unplaced = events[events.geometry.isna()]
    if len(unplaced):
        raise EventDataError(f"{origin}: " + "; ".join(
            f"{r.event_id_cnty}: {r.location_mention!r} could not be placed ({r.geocoder})" for r in unplaced.itertuples()))
    return events[[c for c in events.columns if c in SCHEMA or c not in (ACCEPT,)]]

