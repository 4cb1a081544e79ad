"""geo.web.page_state: the dashboard's state and its moves, without Streamlit (a dict is the session)."""

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest

from geo.web.filters import Filters, MapView
from geo.web.page_state import (TABLE_LIMIT, EditForm, Kept, PageState, Playback, fatalities_top, timeline_bounds,
                                weekly_counts)

D = dt.date
FEB_TO_JUNE = (D(2021, 2, 1), D(2021, 6, 30))
DATASETS = ["bundled", "store:mine"]


def opened(query=None, timeline=FEB_TO_JUNE, top=22) -> tuple[PageState, list[str]]:
    """A page opened from ``query`` (a link's parameters), as the first run of a session."""
    page = PageState({})
    problems = page.settle_dataset(query or {}, DATASETS)
    assert page.needs_opening
    problems += page.open_from_link(query or {}, timeline, top)
    assert not page.needs_opening
    return page, problems


def test_every_piece_of_state_is_kept_under_its_own_name():
    session = {}
    page = PageState(session)
    page.tiles, page.view = "osm", MapView(34.45, 40.92, 9)
    assert session == {"tiles": "osm", "view": MapView(34.45, 40.92, 9)}
    assert PageState.tiles.key == "tiles"  # the key a widget takes
    del page.view
    assert page.view is None and "view" not in session
    declared = [name for name, value in vars(PageState).items() if isinstance(value, Kept)]
    assert len(declared) == len(set(declared)) >= 25


def test_a_bare_link_opens_the_whole_timeline_with_no_filter():
    page, problems = opened()
    assert problems == [] and page.dataset == "bundled"
    assert page.window == page.typed_window == FEB_TO_JUNE and page.timeline == FEB_TO_JUNE
    assert page.filters() == Filters(start=D(2021, 2, 1), end=D(2021, 6, 30))
    assert page.fatalities == (0, 22) and page.tiles == "offline" and page.show_shapes is True
    assert page.to_query() == {"start": "2021-02-01", "end": "2021-06-30"}


def test_a_link_round_trips_through_the_page():
    link = {"start": "2021-06-01", "end": "2021-06-30", "actor": ["KSS", "Kata'ib Hezbollah (KH)"],
            "country": "Syria", "precision": ["1", "2"], "fat_min": "2", "fat_max": "10", "q": "storage",
            "review": "1", "data": "store:mine", "shapes": "0", "tiles": "satellite", "lat": "34.4523", "lon": "40.9185",
            "zoom": "11"}
    page, problems = opened(link)
    assert problems == []
    assert page.filters() == Filters(start=D(2021, 6, 1), end=D(2021, 6, 30),
                                     actors=("KSS", "Kata'ib Hezbollah (KH)"), countries=("Syria",),
                                     precisions=(1, 2), fatalities_min=2, fatalities_max=10, text="storage",
                                     needs_review=True)
    assert page.opening_view == page.view == MapView(34.4523, 40.9185, 11)
    expected = {**link, "country": ["Syria"]}  # multi-valued parameters come back as lists
    assert page.to_query() == expected


def test_a_damaged_link_opens_with_each_problem_named():
    page, problems = opened({"start": "June", "precision": "7", "tiles": "google", "lat": "91", "lon": "0",
                             "zoom": "5", "data": "../etc/passwd", "review": "yes"})
    assert problems == ["data='../etc/passwd' is not a data set here", "precision='7' is not 1, 2 or 3",
                        "review='yes' is not 1 (needs review only) or 0",
                        "start='June' is not a YYYY-MM-DD date", "tiles='google' is not one of offline, osm, satellite",
                        "lat=91.0, lon=0.0 is not on Earth (lat -90..90, lon -180..180)"]
    assert page.dataset == "bundled" and page.window == FEB_TO_JUNE and page.tiles == "offline"
    assert page.view is None and page.to_query() == {"start": "2021-02-01", "end": "2021-06-30"}


def test_a_link_window_past_the_data_widens_the_timeline():
    page, _ = opened({"start": "2020-12-24", "end": "2021-03-03"})
    assert page.timeline == (D(2020, 12, 24), D(2021, 6, 30)) and page.window == (D(2020, 12, 24), D(2021, 3, 3))


def test_fatalities_from_a_link_stay_within_the_slider_and_its_top_means_no_limit():
    page, _ = opened({"fat_min": "50", "fat_max": "99"}, top=22)
    assert page.fatalities == (22, 22)
    assert (page.filters().fatalities_min, page.filters().fatalities_max) == (22, None)
    page.fatalities = (0, 5)
    assert (page.filters().fatalities_min, page.filters().fatalities_max) == (None, 5)
    assert "fat_min" not in page.to_query() and page.to_query()["fat_max"] == "5"


def test_a_week_step_keeps_the_width_and_stops_at_the_timeline_ends():
    page, _ = opened({"start": "2021-06-21", "end": "2021-06-27"})
    page.step(-7)
    assert page.window == page.typed_window == (D(2021, 6, 14), D(2021, 6, 20))
    page.step(7)
    page.step(7)
    assert page.window == (D(2021, 6, 24), D(2021, 6, 30))  # only three days were left
    page.set_window(D(2021, 2, 3), D(2021, 2, 10))
    page.step(-7)
    assert page.window == (D(2021, 2, 1), D(2021, 2, 8))


def test_the_slider_and_the_date_input_follow_each_other():
    page, _ = opened()
    page.timeline_widgets()
    page.session[page.slider_key] = (D(2021, 2, 1), D(2021, 2, 28))  # as the slider widget writes it
    page.window_slid()
    assert page.window == page.typed_window == (D(2021, 2, 1), D(2021, 2, 28))
    page.timeline_widgets()  # the next run draws both anew, showing the new window
    assert page.session[page.slider_key] == page.session[page.dates_key] == (D(2021, 2, 1), D(2021, 2, 28))
    page.session[page.dates_key] = (D(2021, 6, 27),)  # half typed: the slider waits
    page.window_typed()
    assert page.window == (D(2021, 2, 1), D(2021, 2, 28))
    page.session[page.dates_key] = (D(2021, 6, 27), D(2021, 6, 27))
    page.window_typed()
    assert page.window == (D(2021, 6, 27), D(2021, 6, 27)) and page.to_query()["start"] == "2021-06-27"


def test_opening_a_data_set_starts_it_afresh_and_its_link_is_its_key():
    page, _ = opened({"country": "Syria", "lat": "34", "lon": "40", "zoom": "6"})
    page.last_click = "SM-SYR-2021-0001"
    select_key = page.dataset_select_key
    page.open_dataset("store:mine")
    assert page.needs_opening and page.to_query() == {"data": "store:mine"}
    assert page.view is None and page.opening_view is None and page.last_click is None
    assert page.dataset_select_key != select_key  # opened by the page: the select is drawn anew
    assert page.open_from_link(page.to_query(), (D(2022, 1, 1), D(2022, 1, 31)), 3) == []
    assert page.filters() == Filters(start=D(2022, 1, 1), end=D(2022, 1, 31))
    assert page.to_query() == {"start": "2022-01-01", "end": "2022-01-31", "data": "store:mine"}


def test_choosing_a_data_set_in_its_select_keeps_the_select():
    page, _ = opened()
    page.session[page.dataset_select_key] = "store:mine"  # as the select widget writes it
    page.dataset_chosen()
    assert page.dataset == "store:mine" and page.needs_opening and page.dataset_select_key == "dataset-select-0"


def test_a_removed_data_set_falls_back_to_the_bundled_one():
    page, _ = opened({"data": "store:mine"})
    assert page.settle_dataset({}, ["bundled"]) == [] and page.dataset == "bundled"


def test_the_window_outlives_its_widgets():
    page, _ = opened({"start": "2021-06-01", "end": "2021-06-07"})
    page.timeline_widgets()
    del page.session[page.slider_key], page.session[page.dates_key]  # a run stopped before drawing them
    assert not page.needs_opening and page.window == (D(2021, 6, 1), D(2021, 6, 7))


def test_the_map_view_is_written_back_once_it_changes():
    page, _ = opened()
    assert page.map_moved(None) is False
    assert page.map_moved(MapView(34.0, 40.0, 7)) is True and page.to_query()["zoom"] == "7"
    assert page.map_moved(MapView(34.0, 40.0, 7)) is False
    page.basemap_chosen()
    assert page.opening_view == MapView(34.0, 40.0, 7)  # a new basemap reopens the map where it looks


def test_a_clicked_event_selects_its_row_once():
    page, _ = opened()
    ids = pd.Series(["A", "B", "C"])
    assert page.selected_row(3) is None
    assert page.map_clicked("B", ids) is True and page.selected_row(3) == 1
    page.table = {"selection": {"rows": [2], "columns": []}}  # then the analyst picks another row
    assert page.map_clicked("B", ids) is False and page.selected_row(3) == 2  # the same click, replayed
    assert page.map_clicked("Z", ids) is False and page.selected_row(3) == 2  # not in the table
    assert page.selected_row(2) is None  # the filters now show fewer rows


def test_a_click_on_an_event_past_the_table_limit_selects_nothing():
    page, _ = opened()
    ids = [f"E{n}" for n in range(TABLE_LIMIT + 10)]
    assert page.map_clicked(f"E{TABLE_LIMIT + 1}", ids) is False and page.selected_row(len(ids)) is None
    assert page.map_clicked(f"E{TABLE_LIMIT - 1}", ids) is True and page.selected_row(len(ids)) == TABLE_LIMIT - 1


def test_an_edit_form_expects_the_version_it_was_filled_from_until_it_restarts():
    page = PageState({})
    form = page.edit_form("A", version=3)
    assert form == EditForm("A", 3, 0) and form.key("notes") == "edit-notes-A-0"
    assert page.edit_form("A", version=4).loaded_version == 3  # someone saved since: a save will be refused
    page.edit_done("A", "Saved A (notes).")
    assert page.edit_report == "Saved A (notes)."
    again = page.edit_form("A", version=4)
    assert again == EditForm("A", 4, 1) and again.key("notes") != form.key("notes")
    # The undo choice outlives a form generation, and starts again at the latest change after each change.
    assert again.undo_key("button", 7) == form.undo_key("button", 7) != form.undo_key("button", 8)
    assert page.edit_form("B", version=1) == EditForm("B", 1, 0)


def test_a_prepared_download_serves_only_the_view_it_was_made_for():
    page = PageState({})
    june = ("bundled", 1.0, Filters(start=D(2021, 6, 1)), "geojson")
    page.keep_export(june, b"{}")
    assert page.export_ready(june) == b"{}"
    assert page.export_ready(("bundled", 1.0, Filters(start=D(2021, 6, 2)), "geojson")) is None
    assert page.export_ready(("bundled", 2.0, Filters(start=D(2021, 6, 1)), "geojson")) is None  # data changed
    assert page.export_ready((*june[:3], "csv")) is None


@pytest.mark.parametrize("span, bounds", [
    ((D(2021, 2, 25), D(2021, 6, 27)), (D(2021, 2, 1), D(2021, 6, 30))),
    ((D(2024, 2, 29), D(2024, 2, 29)), (D(2024, 2, 1), D(2024, 2, 29))),
    ((D(2023, 1, 31), D(2023, 12, 1)), (D(2023, 1, 1), D(2023, 12, 31))),
])
def test_the_timeline_runs_over_whole_months(span, bounds):
    assert timeline_bounds(span) == bounds


def test_the_fatalities_slider_reaches_the_highest_toll_reported():
    frame = pd.DataFrame({"fatalities": pd.array([3, None, None], dtype="Int64"),
                          "fatalities_max": pd.array([None, 22, None], dtype="Int64")})
    assert fatalities_top(frame) == 22
    assert fatalities_top(frame.assign(fatalities_max=pd.NA, fatalities=pd.NA)) == 1  # no toll: still a range


def test_weekly_counts_mark_the_weeks_that_overlap_the_window():
    events = gpd.GeoDataFrame({"event_date": ["2021-06-20", "2021-06-21", "2021-06-27", "2021-07-05"]})
    weekly = weekly_counts(events, (D(2021, 6, 27), D(2021, 6, 28))).set_index("week")
    assert weekly["events"].to_dict() == {pd.Timestamp("2021-06-14"): 1, pd.Timestamp("2021-06-21"): 2,
                                          pd.Timestamp("2021-07-05"): 1}
    assert weekly["in window"].to_dict() == {pd.Timestamp("2021-06-14"): False, pd.Timestamp("2021-06-21"): True,
                                             pd.Timestamp("2021-07-05"): False}


def test_an_edit_kept_over_a_new_sign_in_reopens_its_data_set_and_selects_its_event():
    page = PageState({"dataset": "bundled", "timeline": (1, 2), "window": (1, 2)})
    page.resume_edit("store:copy", "SM-SYR-2021-0002")
    assert page.dataset == "store:copy" and page.needs_opening
    page.select_pending(["SM-SYR-2021-0001", "SM-SYR-2021-0002"])
    assert page.selected_row(2) == 1
    page.table = {"selection": {"rows": [], "columns": []}}
    page.select_pending(["SM-SYR-2021-0001", "SM-SYR-2021-0002"])  # once only
    assert page.selected_row(2) is None


# ------------------------------------------------------------------ playback (issue 12, point 4)

def test_playback_round_trips_through_the_link_and_a_bad_value_is_named():
    page, problems = opened({"start": "2021-06-01", "end": "2021-06-07", "play": "1", "play_by": "day",
                             "play_mode": "cumulative", "play_speed": "0.5"})
    assert problems == []
    assert page.playback == Playback(playing=True, by="day", mode="cumulative", speed=0.5)
    assert page.to_query() == {"start": "2021-06-01", "end": "2021-06-07", "play": "1", "play_by": "day",
                               "play_mode": "cumulative", "play_speed": "0.5"}
    page, problems = opened({"play_by": "month", "play_mode": "loop", "play_speed": "fast", "play": "yes"})
    assert len(problems) == 4 and any("play_by='month'" in p for p in problems), problems
    assert page.playback == Playback()
    assert page.to_query() == {"start": "2021-02-01", "end": "2021-06-30"}  # defaults stay out of the link


def test_a_moving_window_steps_by_its_step_at_its_speed_and_stops_at_the_end():
    page, _ = opened({"start": "2021-06-01", "end": "2021-06-14"})
    page.play_pressed()
    assert page.playing and page.window == (D(2021, 6, 1), D(2021, 6, 14))
    assert page.play_tick(100.0) is False  # the first beat sets when the first step is due
    assert page.play_tick(100.2) is False  # a rerun for another reason, before then: nothing
    assert page.play_tick(101.0) is True
    assert page.window == page.typed_window == (D(2021, 6, 8), D(2021, 6, 21))  # a week on, width kept
    assert page.to_query()["start"] == "2021-06-08" and page.to_query()["play"] == "1"
    assert page.play_tick(102.0) is True
    assert page.window == (D(2021, 6, 15), D(2021, 6, 28))
    assert page.play_tick(103.0) is True  # the last step stops at the timeline's end, and pauses
    assert page.window == (D(2021, 6, 17), D(2021, 6, 30)) and not page.playing
    assert "play" not in page.to_query()
    assert page.play_tick(104.0) is False
    page.play_pressed()  # at the end, Play starts again from the beginning, same width
    assert page.playing and page.window == (D(2021, 2, 1), D(2021, 2, 14))


def test_a_cumulative_playback_by_day_keeps_its_start_and_grows():
    page, _ = opened({"play_by": "day", "play_mode": "cumulative", "play_speed": "2"})
    page.play_pressed()  # the whole timeline was shown: it starts again from the first day
    assert page.window == (D(2021, 2, 1), D(2021, 2, 1))
    page.play_tick(0.0)
    assert page.play_tick(1.0) is False  # 2 s a step
    assert page.play_tick(2.0) is True and page.window == (D(2021, 2, 1), D(2021, 2, 2))
    page.play_pressed()  # pause
    assert not page.playing and page.play_tick(10.0) is False and page.window == (D(2021, 2, 1), D(2021, 2, 2))


def test_a_moving_window_over_the_whole_timeline_starts_one_step_wide():
    page, _ = opened()
    page.play_pressed()
    assert page.window == (D(2021, 2, 1), D(2021, 2, 7))


def test_a_slider_value_from_before_the_last_step_does_not_set_playback_back():
    page, _ = opened({"start": "2021-06-01", "end": "2021-06-07", "play": "1"})
    page.timeline_widgets()
    drawn = page.slider_key
    page.play_tick(0.0)
    assert page.play_tick(1.0) and page.window == (D(2021, 6, 8), D(2021, 6, 14))
    # The step is drawn under new keys: the browser's slider, which had not yet drawn it, can only send its old
    # value under the old key, which no longer moves anything.
    assert page.slider_key != drawn and page.dates_key != drawn
    page.timeline_widgets()
    assert page.session[page.slider_key] == (D(2021, 6, 8), D(2021, 6, 14))
    page.session[page.slider_key] = (D(2021, 6, 2), D(2021, 6, 3))  # the analyst's own choice while playing
    page.window_slid()
    assert page.play_tick(10.0) and page.playing and page.window == (D(2021, 6, 9), D(2021, 6, 10))  # is kept, and played on from
    # A slider or date input drawn before the last step, moved now, sends its value under its old key: the
    # callback is told that key and drops the value (the new widgets are not even drawn yet: no error either).
    played = page.window
    assert page.play_tick(20.0)
    stepped = page.window
    assert stepped != played and page.slider_key not in page.session and page.dates_key not in page.session
    page.session[drawn] = (D(2021, 2, 1), D(2021, 2, 2))
    page.window_slid(drawn)
    page.window_typed(drawn.replace("slider", "dates"))
    assert page.window == stepped


def test_the_rest_of_the_page_comes_once_the_map_reports_or_after_the_fallback():
    page = PageState({})
    assert page.first_draw
    assert not page.map_reported(None)  # the run's own call of st_folium: nothing reported yet
    page.opened_at = 100.0
    assert not page.map_reported(None, now=103.0, fallback_s=6.0)  # no report, and not yet the fallback's time
    assert page.first_draw
    assert page.map_reported(MapView(34.4, 40.9, 8))  # the map's first report: rerun with the rest
    assert not page.first_draw
    assert not page.map_reported(MapView(34.5, 40.9, 9))  # once per session
    late = PageState({"opened_at": 100.0})
    assert late.map_reported(None, now=106.5, fallback_s=6.0) and not late.first_draw  # no report came: the rest anyway
