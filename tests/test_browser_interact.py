"""Every event in reach, and time that plays, in a real browser with every request outside the app blocked
(issue 12, points 2 and 4).

Three of the four bundled events share one point at Abu Kamal, under the 15 km circle of the Al-Qaim
event: a click there lists them all, each opening its own popup and selecting its row. A double click
zooms and selects nothing; a click does not move the map. Playback advances the window and the link.

Same set-up as tests/test_browser.py (its server, browser and fenced sessions are reused).
"""

from __future__ import annotations

import re
import time

import pytest

from test_browser import (MAP_TIMEOUT_MS, browser_session, chromium, expect, frame_with, many_server,  # noqa: F401
                          server, session, wait_until_settled)

pytestmark = pytest.mark.browser

STACKED = ("SM-SYR-2021-0001", "SM-SYR-2021-0002", "SM-SYR-2021-0003")  # one point at Abu Kamal
AL_QAIM = "SM-IRQ-2021-0001"  # its 15 km circle covers Abu Kamal

# The screen position (in the page) of each distinct event centre, with how many events are drawn there.
CENTRES = """() => {
    const seen = {};
    for (const path of document.querySelectorAll("path.strikemap-center")) {
        const b = path.getBoundingClientRect();
        const key = Math.round(b.x + b.width / 2) + ":" + Math.round(b.y + b.height / 2);
        seen[key] = (seen[key] || 0) + 1;
    }
    return Object.entries(seen).map(([key, n]) => key.split(":").map(Number).concat([n]));
}"""


def stacked_point(frame) -> tuple[float, float]:
    """Where the three stacked events are drawn, in page coordinates (the iframe's offset added)."""
    centres = frame.evaluate(CENTRES)
    x, y, n = max(centres, key=lambda c: c[2])
    assert n == 3, centres
    box = frame.frame_element().bounding_box()
    return box["x"] + x, box["y"] + y


def map_view(frame):
    return frame.evaluate("() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }")


def selected(page):
    return page.locator('[data-testid="stText"]').filter(has_text="Selected: ")


def test_each_stacked_event_at_abu_kamal_opens_from_the_map(session):
    # Abu Kamal low in the map, so the popups fit above it without panning the map.
    page = session.open("/?lat=34.5500&lon=40.9400&zoom=10")
    session.showing(4, 4)
    frame = session.map_frame("path.strikemap-center")
    expect(frame.locator("path.strikemap-event")).to_have_count(4)
    wait_until_settled(frame)
    opened = set()
    for event_id in STACKED:
        x, y = stacked_point(frame)
        view = map_view(frame)
        page.mouse.click(x, y)
        listing = frame.locator(".strikemap-pick-list")
        expect(listing).to_contain_text("4 events here", timeout=MAP_TIMEOUT_MS)
        entries = listing.locator("button.strikemap-pick")
        expect(entries).to_have_count(4)
        # The three at the point first, then the event whose circle covers it; each with its date and place.
        ids = [entries.nth(k).locator(".strikemap-pick-id").text_content() for k in range(4)]
        assert sorted(ids[:3]) == sorted(STACKED) and ids[3] == AL_QAIM, ids
        expect(entries.nth(3)).to_contain_text("its area covers this point")
        expect(listing).to_contain_text("2021-02-25", timeout=MAP_TIMEOUT_MS)
        entries.nth(ids.index(event_id)).click()
        # Its own popup, and its row selected (a rerun that draws the layer again without moving the map).
        expect(selected(page)).to_contain_text(f"Selected: {event_id}", timeout=MAP_TIMEOUT_MS)
        content = frame.locator(".leaflet-popup-content")
        expect(content).to_have_count(1, timeout=MAP_TIMEOUT_MS)
        expect(content).to_contain_text(f"Event id: {event_id}", timeout=MAP_TIMEOUT_MS)
        expect(content).to_contain_text("Place as written", timeout=MAP_TIMEOUT_MS)
        wait_until_settled(frame)
        lat, lon, zoom = map_view(frame)
        assert zoom == view[2] and abs(lat - view[0]) < 0.01 and abs(lon - view[1]) < 0.01, (view, (lat, lon, zoom))
        opened.add(event_id)
        frame.locator(".leaflet-popup-close-button").click()
    assert opened == set(STACKED)
    session.assert_clean()


def test_a_single_event_opens_straight_away(session):
    page = session.open("/?start=2021-02-01&end=2021-02-28&lat=34.4200&lon=40.9400&zoom=10")
    session.showing(1, 4)
    frame = session.map_frame("path.strikemap-center")
    session.whole_page()  # clicked as a person would: once the whole page is there
    wait_until_settled(frame)
    box = frame.locator("path.strikemap-center").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    # The popup the click opened; the selection's rerun may open it again while the first one fades out (Leaflet's
    # 200 ms fade), so for a moment two popups can be in the page: the one with the event's id is the check.
    expect(frame.locator(".leaflet-popup-content").filter(has_text="SM-SYR-2021-0001").first).to_be_visible(
        timeout=MAP_TIMEOUT_MS)
    assert frame.locator(".strikemap-pick-list").count() == 0
    expect(selected(page)).to_contain_text("Selected: SM-SYR-2021-0001", timeout=MAP_TIMEOUT_MS)
    session.assert_clean()


def test_double_click_zooms_and_selects_nothing(session):
    page = session.open("/?lat=34.4200&lon=40.9400&zoom=9")
    session.showing(4, 4)
    frame = session.map_frame("path.strikemap-center")
    wait_until_settled(frame)
    x, y = stacked_point(frame)
    page.mouse.dblclick(x, y)
    expect(page).to_have_url(re.compile(r"zoom=10"), timeout=MAP_TIMEOUT_MS)
    wait_until_settled(frame)
    assert map_view(frame)[2] == 10
    time.sleep(1.0)  # longer than the double-click wait (350 ms): a click held back would have opened by now
    assert frame.locator(".leaflet-popup").count() == 0
    assert selected(page).count() == 0
    session.assert_clean()


def test_density_layer_counts_the_shown_events_in_hexagons(session):
    session.open("/?start=2021-06-01&end=2021-06-30&lat=34.4200&lon=40.9400&zoom=8")
    session.showing(3, 4)
    frame = session.map_frame("path.strikemap-center")
    wait_until_settled(frame)
    # The layer's checkbox clicked as Leaflet listens for it: a hovered control collapses when the pointer moves.
    toggle = frame.locator(".leaflet-control-layers label", has_text="Event density (hexagons)").locator("input")
    toggle.dispatch_event("click")
    canvas = frame.locator("canvas.strikemap-density")
    expect(canvas).to_have_count(1)
    # The three June events (two at Abu Kamal, one at Al-Qaim, ~8 km apart) are counted in one or two hexagons.
    expect(canvas).to_have_attribute("data-events", "3")
    assert canvas.get_attribute("data-hexagons") in ("1", "2")
    # The hexagon is painted where the events are, and nowhere far from them.
    painted = """([dx, dy]) => {
        const c = document.querySelector("canvas.strikemap-density"), b = c.getBoundingClientRect();
        const e = document.querySelector("path.strikemap-center").getBoundingClientRect();
        const x = e.x + e.width / 2 + dx - b.left, y = e.y + e.height / 2 + dy - b.top;
        return c.getContext("2d").getImageData(Math.round(x), Math.round(y), 1, 1).data[3]; }"""
    # Painted on the next animation frame after the count is set: wait for it, not a fixed time.
    frame.wait_for_function(f"({painted})([0, 0]) > 0", timeout=MAP_TIMEOUT_MS)
    assert frame.evaluate(painted, [150, 150]) == 0
    # A filter change (a rerun) keeps the layer on and recounts: a week earlier shows no event.
    session.page.get_by_role("button", name="◀ week").click()
    session.showing(0, 4)
    expect(canvas).to_have_attribute("data-events", "0")
    toggle.dispatch_event("click")
    expect(canvas).to_have_count(0)
    session.assert_clean()


def test_many_events_cluster_at_low_zoom_and_a_cluster_click_zooms_in(chromium, many_server):
    with browser_session(chromium, many_server) as s:
        page = s.open("/?lat=30.0000&lon=45.0000&zoom=4")
        s.showing(4000, 4000)
        frame = s.map_frame(".strikemap-canvas")
        expect(frame.locator("body[data-strikemap-drawn='4000']")).to_have_count(1, timeout=MAP_TIMEOUT_MS)
        wait_until_settled(frame)
        bubble = frame.evaluate("""() => {
            for (const id in map._layers) {
                const layer = map._layers[id];
                if (layer._clusters && layer._clusters.length) {
                    const b = layer._clusters.reduce((a, c) => c.n > a.n ? c : a);
                    return [b.x, b.y, b.n, layer._clusters.reduce((t, c) => t + c.n, 0)];
                }
            }
            return null;
        }""")
        assert bubble is not None, "no clusters drawn at zoom 4"
        x, y, n, clustered = bubble
        assert n >= 4 and clustered > 1000, bubble
        box = frame.locator(".leaflet-container").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        expect(page).to_have_url(re.compile(r"zoom=([5-9]|1\d)"), timeout=MAP_TIMEOUT_MS)
        assert frame.locator(".leaflet-popup").count() == 0
        s.assert_clean()


# Every address the page's link takes, in order (Streamlit writes it with history.pushState / replaceState):
# a step shown for a moment is seen however briefly it lasts, and however slowly the machine runs.
RECORD_URLS = """(() => {
    if (window.__urls) return;
    window.__urls = [location.href];
    for (const name of ["pushState", "replaceState"]) {
        const original = history[name].bind(history);
        history[name] = (...args) => { original(...args); window.__urls.push(location.href); };
    }
})()"""


def windows_seen(page) -> list[tuple[str, str]]:
    """The date windows the link has shown, in order, each once."""
    seen = []
    for url in page.evaluate("() => window.__urls"):
        found = re.search(r"start=([\d-]+)&end=([\d-]+)", url)
        if found and (not seen or seen[-1] != found.groups()):
            seen.append(found.groups())
    return seen


def days_between(a: str, b: str) -> int:
    import datetime as dt
    return (dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days


def test_playback_advances_the_window_and_the_link(session):
    page = session.open("/?start=2021-02-01&end=2021-02-07&play_speed=0.5")
    session.showing(0, 4)
    frame = session.map_frame(".leaflet-container")
    session.whole_page()  # pressed as a person would: once the whole page is there
    page.evaluate(RECORD_URLS)
    page.get_by_role("button", name="▶ Play").click()
    expect(page.get_by_role("button", name="⏸ Pause")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    # A week a step, half a second a step (or as fast as the page runs again): the window and the link move on.
    try:
        page.wait_for_function("() => window.__urls.some(u => u.includes('start=2021-02-22&end=2021-02-28'))",
                               timeout=MAP_TIMEOUT_MS)
    except Exception:
        raise AssertionError(f"playback stalled: links {page.evaluate('() => window.__urls')}, "
                             f"page says {page.locator('body').inner_text()[:1500]!r}")
    assert "play=1" in page.url and "play_speed=0.5" in page.url
    page.get_by_role("button", name="⏸ Pause").click()
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    expect(page).not_to_have_url(re.compile(r"play=1"), timeout=MAP_TIMEOUT_MS)
    # Every step was in the link, one week each, the window a week wide: no step skipped or taken twice.
    seen = windows_seen(page)
    assert seen[0] == ("2021-02-01", "2021-02-07") and ("2021-02-08", "2021-02-14") in seen, seen
    assert all(days_between(a[0], b[0]) == 7 and days_between(*b) == 6 for a, b in zip(seen, seen[1:])), seen
    start, end = re.search(r"start=([\d-]+)&end=([\d-]+)", page.url).groups()
    assert start >= "2021-02-22", page.url
    # Paused: the page, the map and the link agree on one window, and stay there.
    shown = 1 if start <= "2021-02-25" <= end else 0
    expect(page.get_by_text(f"Showing {shown} of 4 events · {start} to {end}")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    expect(frame.locator("path.strikemap-event")).to_have_count(shown, timeout=MAP_TIMEOUT_MS)
    time.sleep(2.0)  # four steps' time: nothing moves
    assert f"start={start}&end={end}" in page.url, (start, end, page.url)
    session.assert_clean()


def test_a_link_that_plays_cumulatively_by_day_plays_when_opened(session):
    session.page.add_init_script(RECORD_URLS)
    page = session.open("/?start=2021-06-25&end=2021-06-25&play=1&play_by=day&play_mode=cumulative&play_speed=0.5")
    # The window grows a day a step from the link's start, to the timeline's end, then playback stops there.
    expect(page.get_by_text("Showing 3 of 4 events")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    page.wait_for_function("() => window.__urls.some(u => u.includes('start=2021-06-25&end=2021-06-27'))",
                           timeout=MAP_TIMEOUT_MS)
    seen = windows_seen(page)
    assert seen[0] == ("2021-06-25", "2021-06-25"), seen
    assert all(a[0] == b[0] == "2021-06-25" and days_between(a[1], b[1]) == 1 for a, b in zip(seen, seen[1:])), seen
    expect(page.get_by_role("button", name="▶ Play")).to_be_visible(timeout=MAP_TIMEOUT_MS)  # stopped at the end
    expect(page).not_to_have_url(re.compile(r"play=1"), timeout=MAP_TIMEOUT_MS)
    session.assert_clean()
