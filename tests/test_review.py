"""Reviewing proposed events: only ticked rows join, edits win, an edited place is geocoded again,
bad edits are refused with the row named, and the open data set's file is never rewritten."""

import datetime as dt

import pytest

from conftest import ROOT
from geo.store.datasets import BUNDLED, add_events, list_datasets
from geo.errors import EventDataError
from geo.io.events import load_events
from geo.reports.extract import extract_events
from geo.reports.review import ACCEPT, CHECK, CHECK_MARK, accept_proposals, review_table
from geo.store.event_store import open_store

ARTICLE = ROOT / "data" / "articles" / "000_561c48b6145f2520.txt"


@pytest.fixture(scope="module")
def proposals():
    return extract_events(ARTICLE.read_text(encoding="utf-8"), dt.date(2021, 6, 28))


def test_every_proposal_starts_ticked_with_its_evidence(proposals):
    table = review_table(proposals)
    assert table[ACCEPT].all() and len(table) == len(proposals) == 4
    assert {"date_text", "source_sentence", "geocoder"} <= set(table.columns)


def test_places_to_check_are_marked_first_and_the_mark_is_never_saved(proposals):
    doubtful = proposals.copy()
    doubtful["geo_status"] = ["resolved", "ambiguous", "unresolved", "resolved"]
    table = review_table(doubtful)
    assert list(table.columns[:2]) == [CHECK, ACCEPT]
    assert list(table[CHECK]) == ["", CHECK_MARK, CHECK_MARK, ""]
    assert (review_table(proposals)[CHECK] == "").all()  # every place of this report was found without doubt
    accepted = accept_proposals(table, doubtful)
    assert CHECK not in accepted.columns and len(accepted) == 4


def test_only_ticked_rows_join_with_their_edits(proposals):
    table = review_table(proposals)
    table.loc[table.index[1], ACCEPT] = False
    table.loc[table.index[0], "fatalities_min"] = 0
    table.loc[table.index[0], "fatalities_max"] = 3
    events = accept_proposals(table, proposals)
    assert list(events["event_id_cnty"]) == [proposals["event_id_cnty"].iloc[i] for i in (0, 2, 3)]
    assert (events["fatalities_min"].iloc[0], events["fatalities_max"].iloc[0]) == (0, 3)
    # Untouched places keep the extractor's shape: the border zone stays a polygon, not a point.
    assert events.geometry.iloc[0].geom_type == "Polygon"
    assert events.geometry.iloc[0].equals_exact(proposals.geometry.iloc[0], 1e-6)


def test_an_edited_place_mention_is_geocoded_again(proposals):
    table = review_table(proposals)
    table.loc[table.index[2], "location_mention"] = "Al Qa'im"
    events = accept_proposals(table, proposals)
    row = events[events["location_mention"] == "Al Qa'im"].iloc[0]
    assert row.geometry.geom_type == "Point" and row["country"] == "Iraq"
    assert abs(row.geometry.y - 34.39) < 0.05 and abs(row.geometry.x - 40.99) < 0.05


@pytest.mark.parametrize("column, value, says", [
    ("event_date", "June 31", "is not a date"),
    ("location_mention", "Narnia", "could not be placed"),
])
def test_bad_edits_are_refused_naming_the_row(proposals, column, value, says):
    table = review_table(proposals)
    table.loc[table.index[0], column] = value
    with pytest.raises(EventDataError, match=says) as caught:
        accept_proposals(table, proposals)
    assert proposals["event_id_cnty"].iloc[0] in str(caught.value)


def test_nothing_ticked_is_refused(proposals):
    table = review_table(proposals)
    table[ACCEPT] = False
    with pytest.raises(EventDataError, match="no proposal is ticked"):
        accept_proposals(table, proposals)


def test_accepted_events_join_a_working_copy_and_leave_the_bundled_file_alone(proposals, tmp_path):
    store = open_store(tmp_path / "store.sqlite")
    bundled = list_datasets(store)[BUNDLED]
    before = bundled.path.read_bytes()
    events = load_events(bundled.path)
    saved = add_events(store, bundled, events, accept_proposals(review_table(proposals), proposals))
    assert bundled.path.read_bytes() == before
    assert saved.editable and saved.key.startswith("store:")
    again = store.events(saved.store_name)
    assert len(again) == len(events) + 4
    kinds = list(store.changes(dataset=saved.store_name)["kind"])
    assert kinds == ["add", "import"]  # newest first: the copy, then the reviewed events, each recorded
    # The same proposals cannot be added twice.
    with pytest.raises(EventDataError, match="added before"):
        add_events(store, saved, again, accept_proposals(review_table(proposals), proposals))
    # Added to a store data set, they join it: no new data set.
    more = extract_events("US aircraft struck a weapons depot near Al-Bukamal on Monday.", dt.date(2021, 7, 6))
    joined = add_events(store, saved, again, accept_proposals(review_table(more), more))
    assert joined.key == saved.key and len(store.events(saved.store_name)) == len(again) + len(more)
