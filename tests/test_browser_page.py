"""The page as a new user meets it, in a real browser (issue 12): the map in the first screen, a chosen row's
map and popup in view, undo that takes back the last save, search by any spelling, data sets renamed,
deleted and brought back, and the small things (the tile notice goes, week steps say why they stop).

Same set-up as tests/test_browser.py (whose helpers these are): `streamlit run` on a free port, Debian's
chromium through Playwright, every request outside the app aborted and recorded.
"""

from __future__ import annotations

import os
import re

import pytest

from test_browser import (MAP_TIMEOUT_MS, PlaywrightError, browser_session, chromium, expect,  # noqa: F401
                          frame_with, select_row, server, wait_until_settled, wait_until_still)
from appserver import streamlit_server

pytestmark = pytest.mark.browser

# Streamlit's own top bar, over the page: what lies under it is not seen.
TOP_BAR_PX = 60


def map_frame_element(page):
    """The map's iframe element, once the events are drawn in it."""
    frame = frame_with(page, "path.strikemap-event")
    wait_until_settled(frame)
    return frame, page.locator('iframe[title="streamlit_folium.st_folium"]')


@pytest.mark.parametrize("size", [{"width": 1400, "height": 1000}, {"width": 1280, "height": 720}])
def test_the_map_starts_in_the_first_screen_with_the_timeline_just_above(chromium, server, size):
    with browser_session(chromium, server, viewport=size) as s:
        page = s.open("/")
        s.showing(4, 4)
        _, element = map_frame_element(page)
        box = wait_until_still(element)
        assert box["y"] <= 0.45 * size["height"], f"the map starts at y={box['y']:.0f} of {size['height']}"
        # The timeline (slider, dates, weekly chart) sits right above the map, not a screen away.
        chart = page.locator('[data-testid="stVegaLiteChart"]').bounding_box()
        slider = page.locator('[data-testid="stMain"] [data-testid="stSlider"]').bounding_box()
        assert slider["y"] < chart["y"] < box["y"] and box["y"] - (chart["y"] + chart["height"]) < 60
        s.assert_clean()


def test_a_row_chosen_below_the_map_brings_the_map_and_its_whole_popup_into_view(chromium, server):
    size = {"width": 1280, "height": 720}
    with browser_session(chromium, server, viewport=size) as s:
        page = s.open("/?start=2021-06-01&end=2021-06-30")
        s.showing(3, 4)
        frame, element = map_frame_element(page)
        grid = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        assert element.bounding_box()["y"] < 0, "the table is below the map: choosing a row starts off the map"
        select_row(page, 2, "SM-IRQ-2021-0001")  # the third row
        popup_frame = frame_with(page, ".leaflet-popup-content")
        popup = popup_frame.locator(".leaflet-popup-content")
        expect(popup).to_contain_text("SM-IRQ-2021-0001", timeout=MAP_TIMEOUT_MS)
        expect(popup).to_contain_text("Place as written", timeout=MAP_TIMEOUT_MS)
        shown = wait_until_still(element)
        assert TOP_BAR_PX - 5 <= shown["y"] and shown["y"] + shown["height"] <= size["height"], shown
        # The popup is whole: inside the map's frame, and the frame's part of it on screen.
        inner = wait_until_still(popup_frame.locator(".leaflet-popup"))
        assert inner["y"] >= 0 and inner["y"] + inner["height"] <= shown["height"], inner
        s.assert_clean()


@pytest.mark.parametrize("spelling", ["Abu Kamal", "albu kamal", "Al-Bukamal"])
def test_search_finds_a_town_in_every_spelling(chromium, server, spelling):
    with browser_session(chromium, server) as s:
        page = s.open("/")
        s.showing(4, 4)
        box = page.get_by_role("textbox", name="Search places, actors and notes")
        box.fill(spelling)
        box.press("Enter")
        s.showing(3, 4)  # "near Abu Kamal", "near Al-Bukamal", "near Albu Kamal": the three at the town
        expect(frame_with(page, "body[data-strikemap-drawn='3']").locator("body")).to_have_count(1)
        expect(page).to_have_url(re.compile(r"[?&]q=" + re.escape(spelling.split()[0])))
        s.assert_clean()


def test_the_tile_notice_goes_when_the_offline_base_is_picked_again(chromium, server):
    with browser_session(chromium, server) as s:
        s.open("/?tiles=osm")
        frame = frame_with(s.page, ".strikemap-notice", 20)
        expect(frame.locator(".strikemap-notice")).to_have_text(
            "Online tiles are unreachable: showing the offline basemap.")
        frame.locator(".leaflet-control-layers").hover()
        frame.locator(".leaflet-control-layers-expanded").get_by_text("Offline (Natural Earth)", exact=True).click()
        expect(frame.locator(".strikemap-notice")).to_have_count(0)
        expect(frame.locator("path.strikemap-event")).to_have_count(4)
        s.assert_clean(
            allowed_abort=lambda url: url.startswith("https://tile.openstreetmap.org/"),
            allowed_console=lambda msg: "Failed to load resource" in msg and "tile.openstreetmap.org" in msg)


def test_week_steps_stop_at_the_data_and_say_why(chromium, server):
    with browser_session(chromium, server) as s:
        page = s.open("/?start=2021-06-24&end=2021-06-30")
        s.showing(3, 4)
        forward = page.get_by_role("button", name="week ▶")
        # The window ends at the timeline's end: a step would do nothing, so it cannot be pressed, and says why.
        expect(forward).to_be_disabled(timeout=MAP_TIMEOUT_MS)
        forward.hover(force=True)
        expect(page.get_by_text("The window already ends at the data's last month (2021-06-30)")).to_be_visible()
        back = page.get_by_role("button", name="◀ week")
        expect(back).to_be_enabled()
        back.click()
        expect(page).to_have_url(re.compile(r"start=2021-06-17&end=2021-06-23"), timeout=MAP_TIMEOUT_MS)
        expect(forward).to_be_enabled(timeout=MAP_TIMEOUT_MS)
        s.assert_clean()


# ------------------------------------------------------------------ the event store

@pytest.fixture(scope="module")
def store_server(tmp_path_factory):
    """The bundled data, with an event store of the module's own holding an editable copy of it."""
    from geo.io.events import load_events
    from geo.store.datasets import BUNDLED, editable_copy, list_datasets
    from geo.store.event_store import open_store

    path = tmp_path_factory.mktemp("store") / "store.sqlite"
    with open_store(path) as store:
        bundled = list_datasets(store)[BUNDLED]
        copy = editable_copy(store, bundled, load_events(bundled.path), author="setup")
    old = os.environ.get("STRIKEMAP_DB")
    os.environ["STRIKEMAP_DB"] = str(path)
    try:
        with streamlit_server() as base:
            yield base, path, copy
    finally:
        if old is None:
            os.environ.pop("STRIKEMAP_DB", None)
        else:
            os.environ["STRIKEMAP_DB"] = old


def choose(page, select, starting: str) -> None:
    """Pick the option of a select box that starts with ``starting``; the list is re-made when the map's fragment
    reruns while it is open, so a pick that found its option gone is made again."""
    wanted = re.compile("^" + re.escape(starting))
    for _ in range(5):
        try:
            select.locator("input").click(timeout=5_000)
            page.get_by_role("option").filter(has_text=wanted).click(timeout=5_000)
            expect(select.locator("input")).to_have_value(wanted, timeout=5_000)
            return
        except (AssertionError, PlaywrightError):
            page.keyboard.press("Escape")
    expect(select.locator("input")).to_have_value(wanted)


def test_undo_after_a_save_undoes_that_save(chromium, store_server):
    from urllib.parse import quote

    from geo.store.event_store import open_store

    base, path, copy = store_server
    with browser_session(chromium, base) as s:
        page = s.open(f"/?data={quote(copy.key)}")
        s.showing(4, 4)
        select_row(page, 1, "SM-SYR-2021-0002")
        panel = page.locator('[data-testid="stExpander"]').filter(has_text="Edit SM-SYR-2021-0002")
        panel.get_by_label("Fatalities, highest reported").fill("9")
        panel.get_by_label("Why (kept in the history)").fill("SOHR's later count")
        panel.get_by_role("button", name="Save").click()
        expect(panel.get_by_text("Saved SM-SYR-2021-0002 (fatalities_max).")).to_be_visible(timeout=MAP_TIMEOUT_MS)
        with open_store(path) as store:
            saved = int(store.history("SM-SYR-2021-0002", copy.store_name)["change_id"].iloc[-1])
        # The choice offered first is that save, labelled: number, time to the second, who, what, which event.
        choice = panel.locator('[data-testid="stSelectbox"]').filter(has_text="Undo a change")
        expect(choice.locator("input")).to_have_value(re.compile(
            rf"#{saved} · \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC · \S+ · edit: fatalities_max: \(empty\) → 9 · "
            r"SM-SYR-2021-0002"))
        panel.get_by_role("button", name="Undo").click()
        expect(panel.get_by_text(f"Change {saved} undone.")).to_be_visible(timeout=MAP_TIMEOUT_MS)
        with open_store(path) as store:
            history = store.history("SM-SYR-2021-0002", copy.store_name)
            assert list(history["kind"]) == ["import", "edit", "undo"] and history["undoes"].iloc[-1] == saved
        # The history reads as before → after by field, newest first.
        expect(panel.locator('[data-testid="stDataFrame"]')).to_be_visible()
        # Undoing the same change again is refused, and the refusal is shown where the button is, the panel open.
        # The undo is now the latest change, chosen first (the rerun has landed once it shows).
        expect(choice.locator("input")).to_have_value(re.compile(rf"^#{saved + 1} · .* · undo of change {saved}"))
        choose(page, choice, f"#{saved} ·")
        panel.get_by_role("button", name="Undo").click()
        expect(panel.get_by_text(f"Change {saved} not undone.")).to_be_visible(timeout=MAP_TIMEOUT_MS)
        expect(panel.locator('[data-testid="stCode"]')).to_contain_text(f"change {saved} was already undone")
        s.assert_clean()


def test_a_refused_import_is_shown_in_full_in_the_main_area(chromium, store_server, tmp_path):
    from test_browser import upload

    base, _, _ = store_server
    wrong = tmp_path / "export.csv"
    wrong.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with browser_session(chromium, base) as s:
        page = s.open("/")
        s.showing(4, 4)
        upload(page, wrong, "ACLED export (CSV)")
        main = page.locator('[data-testid="stMain"]')
        expect(main.get_by_text("Import refused; nothing was saved")).to_be_visible(timeout=60_000)
        message = main.locator('[data-testid="stCode"]')
        expect(message).to_contain_text(wrong.name)
        expect(message).to_contain_text("PNG")
        # Wrapped, not cut: the whole message fits the box's width.
        assert message.evaluate("el => { const pre = el.querySelector('pre') || el; "
                                "return pre.scrollWidth <= pre.clientWidth + 1; }")
        s.assert_clean()
