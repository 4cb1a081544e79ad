"""geo.web.filters.apply_filters: the one filter the dashboard, the CLI's export and a link share."""

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.web.filters import Filters, SearchIndex, apply_filters, facet_values


@pytest.fixture()
def events():
    """Five events chosen so that each filter keeps a different subset."""
    rows = [
        # id, date, actor1, actor2, type, subtype, country, admin1, precision, fatalities, min, max, notes,
        # mention, location
        ("A", "2021-02-25", "US Forces", "Kata'ib Hezbollah (KH); KSS", "Explosions", "Air/drone strike", "Syria",
         "Deir ez-Zor", 1, None, 1, 22, "weapons storage hit", "Abu Kamal", "Al Bukamal"),
        ("B", "2021-06-27", "US Forces", "KSS", "Explosions", "Air/drone strike", "Iraq", "Al Anbar", 2, 4, None,
         None, "", "near Al-Qaim", "Al Qa'im"),
        ("C", "2021-06-30", "Israeli Air Force", None, "Explosions", "Shelling", "Syria", "Damascus", 3, 0, 0, 0,
         None, "the Damascus countryside", None),
        ("D", "2021-07-01", "Israeli Air Force", "Hezbollah", "Battles", "Air/drone strike", "Lebanon", None, None,
         None, None, None, "Depot", "south Lebanon", "Nabatieh"),
        ("E", "2021-06-01", "Unknown", "", "Explosions", "Air/drone strike", "Syria", "Deir ez-Zor", 1, None, None,
         None, "no casualty figure", "Mayadin", "Al Mayadin"),
    ]
    columns = ["event_id_cnty", "event_date", "actor1", "actor2", "event_type", "sub_event_type", "country",
               "admin1", "geo_precision", "fatalities", "fatalities_min", "fatalities_max", "notes",
               "location_mention", "location"]
    frame = pd.DataFrame(rows, columns=columns)
    for column in ("geo_precision", "fatalities", "fatalities_min", "fatalities_max"):
        frame[column] = frame[column].astype("Int64")
    # A: coordinates given in the file (no status); B, D: a place to check; C, E: placed without doubt.
    frame["geo_status"] = ["", "ambiguous", "resolved", "unresolved", "resolved"]
    return gpd.GeoDataFrame(frame, geometry=[shapely.Point(40, 34)] * len(frame), crs="EPSG:4326")


def ids(shown) -> list[str]:
    return list(shown["event_id_cnty"])


def test_no_filter_keeps_every_row_in_order(events):
    assert ids(apply_filters(events, Filters())) == ["A", "B", "C", "D", "E"]


def test_keeping_every_row_copies_nothing_and_never_changes_the_data(events):
    """With nothing filtered out, the shown table holds the loaded data itself (a million events are not copied on
    each rerun), and changing it never changes the data set every session shares."""
    import numpy as np

    shown = apply_filters(events, Filters())
    assert shown is not events and shown.equals(events) and shown.crs == events.crs
    assert np.shares_memory(shown["fatalities_max"].array._data, events["fatalities_max"].array._data)
    notes, fatalities = events["notes"].tolist(), events["fatalities_max"].tolist()
    shown.loc[shown.index[0], "notes"] = "changed"
    shown["fatalities_max"] = pd.array([0] * len(shown), dtype="Int64")
    shown.loc[shown.index[1], "geometry"] = shapely.Point(0, 0)
    assert events["notes"].tolist() == notes and events["fatalities_max"].tolist() == fatalities
    assert events.geometry.iloc[1] == shapely.Point(40, 34)


def test_dates_are_inclusive_at_both_ends(events):
    june = Filters(start=dt.date(2021, 6, 1), end=dt.date(2021, 6, 30))
    assert ids(apply_filters(events, june)) == ["B", "C", "E"]
    assert ids(apply_filters(events, Filters(start=dt.date(2021, 6, 27), end=dt.date(2021, 6, 27)))) == ["B"]
    assert ids(apply_filters(events, Filters(start=dt.date(2021, 6, 30)))) == ["C", "D"]
    assert ids(apply_filters(events, Filters(end=dt.date(2021, 2, 25)))) == ["A"]
    assert ids(apply_filters(events, Filters(start=dt.date(2021, 3, 1), end=dt.date(2021, 5, 31)))) == []


def test_an_actor_matches_either_side_and_each_group_of_a_list(events):
    assert ids(apply_filters(events, Filters(actors=("KSS",)))) == ["A", "B"]  # A lists it second, in actor2
    assert ids(apply_filters(events, Filters(actors=("Hezbollah",)))) == ["D"]  # not "Kata'ib Hezbollah (KH)"
    assert ids(apply_filters(events, Filters(actors=("Hezbollah", "Unknown")))) == ["D", "E"]


@pytest.mark.parametrize("facet, wanted, expected", [
    ("event_types", ("Battles",), ["D"]),
    ("sub_event_types", ("Shelling",), ["C"]),
    ("countries", ("Syria",), ["A", "C", "E"]),
    ("countries", ("Iraq", "Lebanon"), ["B", "D"]),
    ("admin1s", ("Deir ez-Zor",), ["A", "E"]),
])
def test_each_facet_keeps_its_values(events, facet, wanted, expected):
    assert ids(apply_filters(events, Filters(**{facet: wanted}))) == expected


def test_facets_combine_with_and(events):
    assert ids(apply_filters(events, Filters(countries=("Syria",), actors=("US Forces",)))) == ["A"]


def test_facet_choices_come_from_the_data(events):
    choices = facet_values(events)
    assert choices["actor"] == ["Hezbollah", "Israeli Air Force", "KSS", "Kata'ib Hezbollah (KH)", "US Forces",
                                "Unknown"]
    assert choices["admin1"] == ["Al Anbar", "Damascus", "Deir ez-Zor"]


def test_precision_leaves_out_events_without_one(events):
    assert ids(apply_filters(events, Filters(precisions=(1,)))) == ["A", "E"]
    assert ids(apply_filters(events, Filters(precisions=(2, 3)))) == ["B", "C"]


def test_fatalities_keep_events_whose_reported_range_overlaps(events):
    # A reported 1 to 22; B a single figure, 4; C none killed; D and E no figure at all.
    assert ids(apply_filters(events, Filters(fatalities_min=5))) == ["A"]
    assert ids(apply_filters(events, Filters(fatalities_min=4))) == ["A", "B"]
    assert ids(apply_filters(events, Filters(fatalities_max=3))) == ["A", "C", "D", "E"]  # no figure: at least 0
    assert ids(apply_filters(events, Filters(fatalities_min=2, fatalities_max=3))) == ["A"]
    assert ids(apply_filters(events, Filters(fatalities_min=0, fatalities_max=0))) == ["C"]


def test_text_search_reads_notes_mentions_places_and_actors_ignoring_case(events):
    assert ids(apply_filters(events, Filters(text="STORAGE"))) == ["A"]
    assert ids(apply_filters(events, Filters(text="al-qaim"))) == ["B"]  # the mention as written
    assert ids(apply_filters(events, Filters(text="nabatieh"))) == ["D"]  # the resolved place
    assert ids(apply_filters(events, Filters(text="depot"))) == ["D"]
    assert ids(apply_filters(events, Filters(text="(KH"))) == ["A"]  # plain text, not a pattern; in actor2
    assert ids(apply_filters(events, Filters(text="israeli air"))) == ["C", "D"]  # actor1
    assert ids(apply_filters(events, Filters(text="Mayādīn"))) == ["E"]  # accents never matter


@pytest.mark.parametrize("spelling", ["Abu Kamal", "Al-Bukamal", "Albu Kamal", "Boukamal", "ālbū kamāl"])
def test_a_place_is_found_in_any_spelling_the_geocoder_knows(events, spelling):
    # A's mention is "Abu Kamal", its resolved place "Al Bukamal": each spelling finds it, and nothing else.
    assert ids(apply_filters(events, Filters(text=spelling))) == ["A"]
    assert ids(apply_filters(events, Filters(text="Al Qaim"))) == ["B"]  # "near Al-Qaim", "Al Qa'im"
    assert ids(apply_filters(events, Filters(text="Qa'im"))) == ["B"]


def test_a_search_index_built_once_gives_the_same_answers(events):
    index = SearchIndex.of(events)
    for text in ("Abu Kamal", "storage", "(KH", "Hezbollah", "nowhere at all"):
        assert ids(apply_filters(events, Filters(text=text), index)) == ids(apply_filters(events, Filters(text=text)))
    # An index of other rows is not used by mistake: the filter builds its own.
    assert ids(apply_filters(events.iloc[1:], Filters(text="KSS"), index)) == ["B"]


def test_needs_review_keeps_only_doubtful_places_not_given_coordinates(events):
    assert ids(apply_filters(events, Filters(needs_review=True))) == ["B", "D"]
    both = Filters(needs_review=True, countries=("Iraq",))
    assert ids(apply_filters(events, both)) == ["B"]


def test_needs_review_round_trips_through_the_link():
    wanted = Filters(needs_review=True, text="depot")
    assert wanted.to_query() == {"q": "depot", "review": "1"}
    assert Filters.from_query(wanted.to_query()) == wanted
    assert "review" not in Filters().to_query()
    assert Filters.from_query({"review": "0"}) == Filters()


def test_a_bad_review_value_is_reported_and_ignored():
    read = Filters.from_query({"review": "true", "q": "depot"})
    assert read == Filters(text="depot")
    assert read.problems == ("review='true' is not 1 (needs review only) or 0",)
