"""The offline basemap's context in a real browser: town names and the Euphrates at the zoom of the
strikes near Abu Kamal, with every request outside the app blocked (issue 12, point 1).

Same set-up as tests/test_browser.py (its server, browser and fenced sessions are reused).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from test_browser import PlaywrightError, browser_session, chromium, expect, server, wait_until_settled  # noqa: F401 (fixtures)

from geo.geocoding.gazetteer import load_gazetteer
from geo.geocoding.names import fold
from geo.web import basemap_context as context

pytestmark = pytest.mark.browser

# Where the screenshot goes (a temporary folder unless told), to be looked at by a person.
SCREENSHOTS = os.environ.get("STRIKEMAP_SCREENSHOTS")


def town(mention: str, country: str):
    return next(p for p in load_gazetteer().lookup(mention, kinds=("place",)) if p.country == country)


# The distance (px) from a point of the screen to the nearest drawn river, sampled along each SVG path.
NEAREST_RIVER_PX = """([lat, lon]) => {
    const map = window.map, box = map.getContainer().getBoundingClientRect();
    const at = map.latLngToContainerPoint([lat, lon]);
    const x = box.left + at.x, y = box.top + at.y;
    let best = Infinity;
    for (const path of document.querySelectorAll(".leaflet-context-water-pane path.strikemap-water-river")) {
        const length = path.getTotalLength(), toScreen = path.getScreenCTM();
        for (let s = 0; s <= length; s += 2) {
            const p = new DOMPoint(path.getPointAtLength(s).x, path.getPointAtLength(s).y).matrixTransform(toScreen);
            best = Math.min(best, Math.hypot(p.x - x, p.y - y));
        }
    }
    return best;
}"""


def assert_river_near(frame, place, pixels: float) -> None:
    """A drawn river passes within ``pixels`` of ``place`` (waiting for its cells to arrive)."""
    try:
        frame.wait_for_function(f"([lat, lon, px]) => ({NEAREST_RIVER_PX})([lat, lon]) < px",
                                arg=[place.lat, place.lon, pixels], timeout=15_000)
    except PlaywrightError:
        nearest = frame.evaluate(NEAREST_RIVER_PX, [place.lat, place.lon])
        raise AssertionError(f"nearest river {nearest:.1f} px from {place.name}, wanted < {pixels}") from None


def outline_opacity(frame) -> str:
    """The stroke opacity of the countries layer's (simplified) outlines."""
    return frame.evaluate("() => getComputedStyle(document.querySelector('path.strikemap-country-outline'))"
                          ".strokeOpacity")


def test_basemap_names_the_towns_and_draws_the_euphrates_at_zoom_10(chromium, server, tmp_path):
    abu_kamal, al_qaim = town("Abu Kamal", "SY"), town("Al-Qaim", "IQ")
    with browser_session(chromium, server, viewport={"width": 1400, "height": 1000}) as session:
        session.open("/?lat=34.45&lon=40.95&zoom=10")
        frame = session.map_frame(".strikemap-place-label")
        wait_until_settled(frame)
        labels = frame.locator(".strikemap-place-label")
        # The towns on both sides of the border, by their GeoNames names ("Ālbū Kamāl", "Al Qā’im").
        for place in (abu_kamal, al_qaim):
            expect(labels.filter(has_text=place.name)).to_have_count(1)
        assert {fold(place.name) for place in (abu_kamal, al_qaim)} == {"albu kamal", "al qaim"}
        # The Euphrates passes by Abu Kamal: a river path within a few pixels of the town's dot.
        assert_river_near(frame, abu_kamal, 6)
        # The 1:10m border between them, in place of the countries' simplified outline (1.7 km off here).
        expect(frame.locator("path.strikemap-borders-border").first).to_be_attached()
        assert outline_opacity(frame) == "0"
        # Labels never take a click: what is under a label is the map (or an event), not the label.
        under = frame.evaluate("""() => {
            const r = [...document.querySelectorAll('.strikemap-place-label span')]
                .find(s => s.textContent.length > 3).getBoundingClientRect();
            const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
            return hit.closest('.strikemap-place-labels') ? 'label' : hit.className.baseVal ?? hit.className;
        }""")
        assert under != "label"
        shot = Path(SCREENSHOTS or tmp_path) / "basemap-abu-kamal-zoom10.png"
        frame.frame_element().screenshot(path=str(shot))
        # Only the cells of this view were fetched, not the world's 27 MB of context files...
        context = [u for u in session.requested if "/basemap/context/" in u]
        assert 3 <= len(context) <= 16, context
        # ... and only once the events were drawn: the context never delays them.
        drawn, first_context = frame.evaluate("""() => [
            performance.getEntriesByName("strikemap-drawn")[0].startTime,
            Math.min(...performance.getEntriesByType("resource")
                .filter(r => r.name.includes("/basemap/context/")).map(r => r.startTime))]""")
        assert drawn <= first_context, (drawn, first_context)

        # Zoomed out to 5, the towns are gone and capitals stay; the Euphrates is still there (major rivers).
        frame.evaluate("() => window.map.setView([34.45, 40.95], 5, {animate: false})")
        expect(labels.filter(has_text="Baghdad")).to_have_count(1)
        expect(labels.filter(has_text=abu_kamal.name)).to_have_count(0)
        expect(labels.filter(has_text=al_qaim.name)).to_have_count(0)
        assert_river_near(frame, abu_kamal, 3)
        assert outline_opacity(frame) == "1"
        session.assert_clean()


HOSTILE_NAME = '<img src=x onerror="window.__xss=1">Abu <b>Kamal</b>'


def test_place_names_are_shown_as_text_never_html(chromium, server):
    """A place name is data: a cell answering with markup in a name shows it as written, runs nothing."""
    abu_kamal = town("Abu Kamal", "SY")
    band = context.PLACE_BANDS[-2]  # the towns: named from zoom 8
    cell = band.file_of(*band.cell_of(abu_kamal.lat, abu_kamal.lon))
    hostile = json.dumps([[HOSTILE_NAME, abu_kamal.lat + 0.05, abu_kamal.lon, 8, 99_999_999]])
    with browser_session(chromium, server) as session:
        session.page.route(f"**/basemap/context/{cell}",
                           lambda route: route.fulfill(body=hostile, content_type="application/json"))
        session.open("/?lat=34.45&lon=40.95&zoom=10")
        frame = session.map_frame(".strikemap-place-label")
        expect(frame.locator(".strikemap-place-label", has_text=HOSTILE_NAME)).to_have_count(1)
        assert frame.locator(".strikemap-place-labels img, .strikemap-place-labels b").count() == 0
        assert frame.evaluate("() => window.__xss") is None
        session.assert_clean()
