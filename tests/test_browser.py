"""The dashboard in a real browser: `streamlit run` driven by Debian's chromium through Playwright.

What AppTest cannot see is checked here: that Leaflet really draws the events
inside the streamlit-folium iframe with no network but the app itself, that the
URL's date window filters what is drawn, that the download button hands over a
valid RFC 7946 file, that popups show report text as text, never as HTML.

Every request that does not go to the app's own server is aborted and recorded;
page errors and console errors (from the page and from the map's iframe, which
reach the same listeners) fail the test.

One server on the bundled data and one browser are shared by the module; each
test gets a fresh browser context. Servers on modified events files are started
by their own fixtures.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("STRIKEMAP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SERVER_START_TIMEOUT_S = 60
MAP_TIMEOUT_MS = 30_000
# Tall enough that the whole map iframe is on screen (see test_popup_opens_on_first_click_in_a_short_window).
TALL_VIEWPORT = {"width": 1280, "height": 1300}
HOSTILE_NOTES = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
HOSTILE_ACTOR = '</script><img src=y onerror="window.__xss=3"><script>window.__xss=4</script>'
MARKDOWN_MENTION = "[Narnia](http://evil.example/) **bold**"

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
PlaywrightError = playwright_api.Error


# ------------------------------------------------------------------ servers

from appserver import streamlit_server  # noqa: E402


@pytest.fixture(scope="module")
def server():
    """The dashboard on the bundled data/events.csv."""
    with streamlit_server() as base:
        yield base


def bundled_events() -> pd.DataFrame:
    return pd.read_csv(ROOT / "data" / "events.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """Bundled events, with script-shaped text in SM-SYR-2021-0001 and one unplaceable Markdown mention."""
    frame = bundled_events()
    first = frame.index[frame["event_id_cnty"] == "SM-SYR-2021-0001"][0]
    frame.loc[first, "notes"] = HOSTILE_NOTES
    frame.loc[first, "actor1"] = HOSTILE_ACTOR
    extra = frame.loc[[first]].copy()
    extra["event_id_cnty"], extra["event_date"] = "SM-XSS-2021-0005", "2021-06-27"
    extra["location_mention"], extra["notes"], extra["actor1"] = MARKDOWN_MENTION, "", "someone"
    path = tmp_path_factory.mktemp("hostile") / "events.csv"
    pd.concat([frame, extra], ignore_index=True).to_csv(path, index=False)
    with streamlit_server(path) as base:
        yield base


@pytest.fixture(scope="module")
def narnia_server(tmp_path_factory):
    """Bundled events, with SM-SYR-2021-0003 placed in Narnia (not in any gazetteer)."""
    frame = bundled_events()
    frame.loc[frame["event_id_cnty"] == "SM-SYR-2021-0003", "location_mention"] = "Narnia"
    path = tmp_path_factory.mktemp("narnia") / "events.csv"
    frame.to_csv(path, index=False)
    with streamlit_server(path) as base:
        yield base


# ------------------------------------------------------------------ browser

@pytest.fixture(scope="module")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: install it (`make chromium`) or set STRIKEMAP_CHROMIUM")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Session:
    """One browser context on one server, with the network fenced off and every error recorded."""

    base: str
    context: object
    page: object
    aborted: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def open(self, path: str = "/"):
        self.page.goto(self.base + path, wait_until="domcontentloaded")
        return self.page

    def map_frame(self, selector: str = "path.strikemap-event", timeout_s: float = MAP_TIMEOUT_MS / 1000):
        """The frame in which ``selector`` matches something (the streamlit-folium iframe)."""
        return frame_with(self.page, selector, timeout_s)

    def showing(self, shown: int, total: int):
        expect(self.page.get_by_text(f"Showing {shown} of {total} events")).to_be_visible(timeout=MAP_TIMEOUT_MS)

    def whole_page(self):
        whole_page(self.page)

    def assert_clean(self, allowed_abort=None, allowed_console=None):
        """No page errors; no console errors; nothing but the app's own server contacted."""
        aborted = [u for u in self.aborted if not (allowed_abort and allowed_abort(u))]
        console = [m for m in self.console_errors if not (allowed_console and allowed_console(m))]
        assert not self.page_errors, f"JavaScript errors: {self.page_errors}"
        assert not console, f"console errors: {console}"
        assert not aborted, f"requests outside the app were attempted (and aborted): {aborted}"


def frame_with(page, selector: str, timeout_s: float = MAP_TIMEOUT_MS / 1000):
    """The frame of ``page`` in which ``selector`` matches something (the streamlit-folium iframe)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for frame in page.frames:
            try:
                if frame.locator(selector).count() > 0:
                    return frame
            except PlaywrightError:
                continue
        time.sleep(0.1)
    raise AssertionError(f"no frame with {selector!r} after {timeout_s} s; frames: {[f.url for f in page.frames]}")


@contextmanager
def browser_session(browser, base: str, viewport=TALL_VIEWPORT):
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    try:
        page = context.new_page()
        session = Session(base, context, page)
        port = base.rsplit(":", 1)[1]
        allowed = (f"http://127.0.0.1:{port}/", f"http://localhost:{port}/", "data:", "blob:", "about:")

        def route(route):
            url = route.request.url
            if url.startswith(allowed):
                session.requested.append(url)
                route.continue_()
            else:
                session.aborted.append(url)
                route.abort()

        context.route("**/*", route)
        page.on("pageerror", lambda exc: session.page_errors.append(str(exc)))
        page.on("console", lambda msg: session.console_errors.append(f"{msg.text} ({msg.location.get('url')})")
                if msg.type == "error" else None)
        page.set_default_timeout(MAP_TIMEOUT_MS)
        yield session
    finally:
        context.close()


@pytest.fixture()
def session(chromium, server):
    with browser_session(chromium, server) as s:
        yield s


def wait_until_settled(frame, min_height: int = 400, timeout_s: float = MAP_TIMEOUT_MS / 1000):
    """Paths appear before streamlit-folium has sized its iframe and Leaflet has finished fitting the
    view; a click in that instant lands outside the frame. Wait for the frame's full height and no
    running zoom animation."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        box = frame.frame_element().bounding_box()
        animating = frame.evaluate("() => !!document.querySelector('.leaflet-zoom-anim')")
        if box and box["height"] >= min_height and not animating:
            return
        time.sleep(0.1)
    raise AssertionError(f"map frame did not settle in {timeout_s} s")


def wait_until_still(locator, timeout_s: float = MAP_TIMEOUT_MS / 1000) -> dict:
    """The element's bounding box once two looks 0.1 s apart agree (after a resize the page lays itself out
    again, however long that takes on a loaded machine; a fixed pause would guess)."""
    deadline = time.monotonic() + timeout_s
    box = locator.bounding_box()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        again = locator.bounding_box()
        if again == box and box is not None:
            return box
        box = again
    raise AssertionError(f"{locator} still moving after {timeout_s} s")


def whole_page(page) -> None:
    """Wait until the rest of the page is drawn (after the map's first report: PageState.first_draw), as a
    person sees it before pressing anything: a press during that rerun can be superseded by it."""
    expect(page.get_by_role("button", name=re.compile("Prepare download"))).to_be_visible(timeout=MAP_TIMEOUT_MS)


def select_row(page, n: int, event_id: str) -> None:
    """Click the row marker of the events table's row ``n`` (0 first; Glide data grid: a 35 px header, then 35 px
    rows). A click that lands while the page is still being laid out (the map's first moves rerun it) selects
    nothing: then it is made again."""
    frame_with(page, "path.strikemap-event")
    selected = page.get_by_text(f"Selected: {event_id}")
    for _ in range(3):
        grid = page.locator('[data-testid="stMain"] [data-testid="stDataFrame"]').first
        grid.scroll_into_view_if_needed()
        box = wait_until_still(grid)
        page.mouse.click(box["x"] + 12, box["y"] + 35 + 35 * n + 17)
        try:
            expect(selected).to_be_visible(timeout=10_000)
            return
        except AssertionError:
            continue
    expect(selected).to_be_visible(timeout=MAP_TIMEOUT_MS)


def open_popup(frame, locator):
    """Click a drawn event (paths overlap, so force the click) and return the popup's content.

    A missed click is retried; test_popup_opens_on_first_click_in_a_short_window holds the first
    click to account.
    """
    wait_until_settled(frame)
    content = frame.locator(".leaflet-popup-content")
    selected = frame.page.locator('[data-testid="stText"]').filter(has_text="Selected: ")
    for _ in range(3):
        try:
            locator.click(force=True)
            expect(content).to_have_count(1, timeout=3_000)
            # The click selects the event's row: a rerun that redraws the layer and opens its popup again (for a
            # moment both popups exist). Read the popup once that rerun has landed.
            expect(selected).to_have_count(1, timeout=MAP_TIMEOUT_MS)
            wait_until_settled(frame)
            expect(content).to_have_count(1, timeout=MAP_TIMEOUT_MS)
            # Details arrive by fetch after opening (slow on a loaded machine, so a generous wait).
            expect(content).to_contain_text("Place as written", timeout=15_000)
            return content
        except (AssertionError, PlaywrightError):
            wait_until_settled(frame)
    expect(content).to_have_count(1, timeout=1_000)
    return content


def assert_url_keeps_dates(page):
    expect(page).to_have_url(re.compile(r"[?&]start=\d{4}-\d\d-\d\d"), timeout=MAP_TIMEOUT_MS)
    expect(page).to_have_url(re.compile(r"[?&]end=\d{4}-\d\d-\d\d"), timeout=MAP_TIMEOUT_MS)


# ------------------------------------------------------------------ tests: bundled data

def test_all_events_drawn_offline_on_the_natural_earth_basemap(session):
    page = session.open("/")
    frame = session.map_frame()
    session.showing(4, 4)
    events = frame.locator("path.strikemap-event")
    expect(events).to_have_count(4)
    # The precision-2 centre dots are separate paths and must not be counted as events.
    assert frame.locator("path.strikemap-center").count() == 4
    # The offline basemap: countries with their labels, from /app/static.
    labels = frame.locator(".strikemap-country-label")
    expect(labels.filter(has_text=re.compile(r"^Syria$"))).to_have_count(1)
    expect(labels.filter(has_text=re.compile(r"^Iraq$"))).to_have_count(1)
    assert labels.count() > 100
    # Every event lies inside the visible map (the view is fitted to the events). Measured in
    # one script inside the map's frame, and waited for: the fit may still be animating, and
    # the page around the frame may still be moving, when the paths first appear.
    frame.wait_for_function(
        """() => {
            const box = document.querySelector('.leaflet-container').getBoundingClientRect();
            const events = [...document.querySelectorAll('path.strikemap-event')];
            return events.length === 4 && events.every(e => {
                const r = e.getBoundingClientRect();
                const x = r.left + r.width / 2, y = r.top + r.height / 2;
                return box.left <= x && x <= box.right && box.top <= y && y <= box.bottom;
            });
        }""", timeout=MAP_TIMEOUT_MS)
    assert_url_keeps_dates(page)
    static = [u for u in session.requested if "/app/static/" in u]
    for asset in ("vendor/leaflet/leaflet.js", "vendor/leaflet/leaflet.css", "basemap/countries.geojson"):
        assert any(u.split("?")[0].endswith("/app/static/" + asset) for u in static), (asset, static)
    session.assert_clean()


@pytest.mark.parametrize(("query", "shown"), [
    ("/?start=2021-06-01&end=2021-06-30", 3),
    ("/?start=2021-02-01&end=2021-02-28", 1),
    ("/?start=2021-06-27&end=2021-06-27", 3),
    ("/?start=2021-02-26&end=2021-06-26", 0),
])
def test_url_dates_filter_what_is_drawn(session, query, shown):
    page = session.open(query)
    session.showing(shown, 4)
    frame = session.map_frame(".leaflet-container")
    # Wait for the basemap, so the map script has run, before counting (0 must mean "drawn none").
    expect(frame.locator(".strikemap-country-label").first).to_be_attached()
    expect(frame.locator("path.strikemap-event")).to_have_count(shown)
    assert_url_keeps_dates(page)
    start, end = re.search(r"start=([\d-]+)&end=([\d-]+)", query).groups()
    assert f"start={start}" in page.url and f"end={end}" in page.url, page.url
    session.assert_clean()


@pytest.mark.parametrize(("query", "warning"), [
    ("/?start=June&end=2021-06-30", "Ignoring part of the link: start="),
    ("/?start=2021-06-30&end=2021-02-01", "is after end"),
])
def test_bad_url_dates_fall_back_to_every_event_with_a_warning(session, query, warning):
    page = session.open(query)
    expect(page.get_by_text(warning)).to_be_visible(timeout=MAP_TIMEOUT_MS)
    session.showing(4, 4)
    expect(session.map_frame().locator("path.strikemap-event")).to_have_count(4)
    assert_url_keeps_dates(page)
    assert "start=June" not in page.url
    session.assert_clean()


def test_download_is_the_shown_events_as_rfc7946_geojson(session, tmp_path):
    import geopandas as gpd

    page = session.open("/?start=2021-06-01&end=2021-06-30")
    session.showing(3, 4)
    expect(session.map_frame().locator("path.strikemap-event")).to_have_count(3)
    page.get_by_role("button", name=re.compile(r"Prepare download \(3 events, GeoJSON\)")).click()
    button = page.get_by_role("button", name="Download shown events (GeoJSON)")
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert download.suggested_filename.endswith(".geojson")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    data = json.loads(saved.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert "crs" not in data
    features = data["features"]
    assert len(features) == 3
    assert sorted(f["properties"]["event_id_cnty"] for f in features) == [
        "SM-IRQ-2021-0001", "SM-SYR-2021-0002", "SM-SYR-2021-0003"]
    for feature in features:
        assert feature["type"] == "Feature"
        assert feature["properties"]["event_date"].startswith("2021-06-")
        geometry = feature["geometry"]
        assert geometry["type"] == "Point"
        lon, lat = geometry["coordinates"]
        assert 40.9 <= lon <= 41.0 and 34.3 <= lat <= 34.5, (lon, lat)  # [lon, lat], not [lat, lon]
    frame = gpd.read_file(saved)
    assert len(frame) == 3
    assert frame.crs is not None and frame.crs.to_epsg() == 4326
    # The same rows as a GeoPackage, for QGIS.
    page.locator('[data-testid="stMainBlockContainer"] [data-testid="stSelectbox"]').filter(has_text="Format").click()
    page.get_by_role("option", name="GeoPackage").click()
    page.get_by_role("button", name=re.compile(r"Prepare download \(3 events, GeoPackage\)")).click()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download shown events (GeoPackage)").click()
    saved = tmp_path / info.value.suggested_filename
    assert saved.suffix == ".gpkg"
    info.value.save_as(saved)
    package = gpd.read_file(saved)
    assert sorted(package["event_id_cnty"]) == ["SM-IRQ-2021-0001", "SM-SYR-2021-0002", "SM-SYR-2021-0003"]
    assert package.crs.to_epsg() == 4326
    assert "one location in Iraq, near Al-Qaim" in set(package["location_mention"])  # the mention as written
    session.assert_clean()


def test_popup_shows_the_place_as_written(session):
    session.open("/?start=2021-02-01&end=2021-02-28")
    session.showing(1, 4)
    frame = session.map_frame()
    events = frame.locator("path.strikemap-event")
    expect(events).to_have_count(1)
    content = open_popup(frame, events.first)
    text = content.text_content()
    assert "SM-SYR-2021-0001" in text
    assert "Place as written: a border control point near Abu Kamal" in text
    assert "Precision: 2 (near a town or a small area), ±15 km" in text
    session.assert_clean()


def test_a_popup_opened_as_the_map_first_draws_fills_once_its_details_are_written(session):
    """The popup fields are written after the map's first draw (geo.web.mapping.publish_details): a popup opened
    straight away waits for them ("being prepared") and fills once the next run says they are there; nothing
    is asked for before it is written (no failed request: assert_clean)."""
    from geo import config
    from geo.web.mapping import DETAILS_DIR, PUBLISHED_DIR

    for written in (config.STATIC_DIR / PUBLISHED_DIR).glob(f"*/{DETAILS_DIR}"):
        shutil.rmtree(written)  # as on a server that has never shown this data set: written by the first run
    session.open("/?start=2021-02-01&end=2021-02-28")
    frame = session.map_frame()
    content = open_popup(frame, frame.locator("path.strikemap-event").first)
    assert "SM-SYR-2021-0001" in content.text_content()
    assert any((config.STATIC_DIR / PUBLISHED_DIR).glob(f"*/{DETAILS_DIR}/details-0.json"))
    session.assert_clean()


def test_popup_opens_on_first_click_in_a_short_window(chromium, server):
    with browser_session(chromium, server, viewport={"width": 1280, "height": 1300}) as s:
        page = s.open("/?start=2021-02-01&end=2021-02-28")
        frame = s.map_frame()
        wait_until_settled(frame)
        event = frame.locator("path.strikemap-event").first
        container = frame.locator(".leaflet-container").bounding_box()
        box = event.bounding_box()
        # A laptop-sized window: the event is on screen, the bottom of the map is not.
        height = int(box["y"] + box["height"] + 40)
        assert height < container["y"] + container["height"], "the event must sit above the map's bottom edge"
        page.set_viewport_size({"width": 1280, "height": height})
        wait_until_settled(frame)
        box = wait_until_still(event)
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        # One click, no retry: a missed click never opens it, so a generous wait only spares a loaded machine.
        expect(frame.locator(".leaflet-popup-content")).to_have_count(1, timeout=MAP_TIMEOUT_MS)


def test_online_tiles_fail_offline_and_the_basemap_stays(session):
    page = session.open("/?tiles=osm")  # the basemap choice is part of the link
    frame = session.map_frame(".strikemap-notice", timeout_s=20)
    notice = frame.locator(".strikemap-notice")
    expect(notice).to_have_text("Online tiles are unreachable: showing the offline basemap.")
    expect(frame.locator("path.strikemap-event")).to_have_count(4)
    expect(frame.locator(".strikemap-country-label").filter(has_text=re.compile(r"^Syria$"))).to_have_count(1)
    # Province boundaries and names of the data's countries, from the offline files.
    expect(frame.locator(".strikemap-admin1-label").filter(has_text="Deir ez-Zor")).to_have_count(1)
    assert "tiles=osm" in page.url
    tiles = [u for u in session.aborted if "tile.openstreetmap.org" in u]
    assert tiles, session.aborted
    session.assert_clean(
        allowed_abort=lambda url: url.startswith("https://tile.openstreetmap.org/"),
        allowed_console=lambda msg: "Failed to load resource" in msg and "tile.openstreetmap.org" in msg,
    )


# ------------------------------------------------------------------ tests: modified events files

def test_hostile_report_text_is_shown_as_text(chromium, hostile_server):
    with browser_session(chromium, hostile_server) as s:
        page = s.open("/?start=2021-02-01&end=2021-02-28")
        s.showing(1, 5)
        frame = s.map_frame()
        events = frame.locator("path.strikemap-event")
        expect(events).to_have_count(1)
        content = open_popup(frame, events.first)
        text = content.text_content()
        assert "Place as written: a border control point near Abu Kamal" in text
        assert "<img src=x" in text and "<script>window.__xss=2</script>" in text
        assert "</script><img src=y" in text
        assert content.locator("img").count() == 0
        assert content.locator("script").count() == 0
        page.wait_for_timeout(500)  # an onerror handler would have fired by now
        assert page.evaluate("typeof window.__xss") == "undefined"
        assert frame.evaluate("typeof window.__xss") == "undefined"
        s.assert_clean()


def test_unplaced_mention_is_shown_as_text_not_markdown(chromium, hostile_server):
    with browser_session(chromium, hostile_server) as s:
        page = s.open("/?start=2021-06-01&end=2021-06-30")
        s.showing(4, 5)
        warning = page.locator('[data-testid="stAlert"]').filter(has_text="could not be placed")
        expect(warning).to_have_count(1)
        listing = page.locator('[data-testid="stText"]').filter(has_text="SM-XSS-2021-0005")
        expect(listing).to_have_count(1)
        assert page.locator("a[href*='evil.example']").count() == 0
        assert MARKDOWN_MENTION in listing.text_content()


def test_unplaceable_event_is_listed_and_the_others_drawn(chromium, narnia_server):
    with browser_session(chromium, narnia_server) as s:
        page = s.open("/")
        s.showing(4, 4)
        frame = s.map_frame()
        expect(frame.locator("path.strikemap-event")).to_have_count(3)
        warning = page.locator('[data-testid="stAlert"]').filter(has_text="could not be placed")
        expect(warning).to_have_count(1)
        assert "Not on the map: 1 shown event could not be placed" in warning.text_content()
        listing = page.locator('[data-testid="stText"]').filter(has_text="SM-SYR-2021-0003")
        expect(listing).to_have_count(1)
        assert "Narnia" in listing.text_content()
        # Outside its date the unplaced event is not mentioned.
        page = s.open("/?start=2021-02-01&end=2021-02-28")
        s.showing(1, 4)
        expect(s.map_frame().locator("path.strikemap-event")).to_have_count(1)
        expect(page.get_by_text("could not be placed")).to_have_count(0)
        s.assert_clean()


# ------------------------------------------------------------------ the analyst's workbench (issue 4)

def test_shared_link_with_filters_reproduces_the_view(session):
    link = "/?start=2021-06-01&end=2021-06-30&country=Syria&precision=2&q=Bukamal"
    page = session.open(link)
    # The Syrian June rows at the town, in either spelling: "near Al-Bukamal" and "near Albu Kamal".
    session.showing(2, 4)
    frame = session.map_frame()
    expect(frame.locator("path.strikemap-event")).to_have_count(2)
    for part in ("country=Syria", "precision=2", "q=Bukamal", "start=2021-06-01", "end=2021-06-30"):
        assert part in page.url, (part, page.url)
    # The address bar, opened again in a new tab, shows the same events.
    again = session.context.new_page()
    again.goto(page.url, wait_until="domcontentloaded")
    expect(again.get_by_text("Showing 2 of 4 events")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    session.assert_clean()


def map_view(frame) -> tuple[float, float, int]:
    return tuple(frame.evaluate("() => { var c = window.map.getCenter(); "
                                "return [c.lat, c.lng, window.map.getZoom()]; }"))


def assert_view(seen, wanted, pixels: float = 3):
    """Same zoom, and the same centre to within a few screen pixels (Leaflet sizes the map after
    opening it, which can move the centre by a pixel)."""
    lat, lon, zoom = seen
    assert zoom == wanted[2], (seen, wanted)
    tolerance = pixels * 360 / (256 * 2 ** zoom)  # degrees per pixel at this zoom, at the equator
    assert abs(lat - wanted[0]) <= tolerance and abs(lon - wanted[1]) <= tolerance, (seen, wanted)


def test_shared_link_reproduces_the_map_view_and_panning_updates_the_link(session):
    page = session.open("/?start=2021-06-01&end=2021-06-30&lat=34.4400&lon=40.9400&zoom=10")
    session.showing(3, 4)
    frame = session.map_frame()
    wait_until_settled(frame)
    assert_view(map_view(frame), (34.44, 40.94, 10))
    # The analyst pans and zooms in: the link follows, filters kept.
    frame.evaluate("() => window.map.setView([34.3900, 40.9900], 12, {animate: false})")
    expect(page).to_have_url(re.compile(r"lat=[\d.]+&lon=[\d.]+&zoom=12"), timeout=MAP_TIMEOUT_MS)
    # The centre as Leaflet reports it: snapped to whole pixels of the map's size, so within a pixel of it.
    linked = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(page.url).query))
    assert_view((float(linked["lat"]), float(linked["lon"]), int(linked["zoom"])), (34.39, 40.99, 12))
    assert "start=2021-06-01" in page.url and "end=2021-06-30" in page.url
    # A filter change afterwards keeps the view in the link and does not move the map.
    page.get_by_role("button", name="◀ week").click()
    expect(page).to_have_url(re.compile(r"start=2021-05-25"), timeout=MAP_TIMEOUT_MS)
    assert "zoom=12" in page.url
    assert map_view(session.map_frame(".leaflet-container"))[2] == 12
    # The link, opened in a new tab, shows the same place at the same zoom.
    session.showing(0, 4)  # the window moved off the June strikes
    again = browser_tab(session, page.url)
    expect(again.get_by_text("Showing 0 of 4 events")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    other = frame_with(again, ".leaflet-container")
    wait_until_settled(other)
    assert_view(map_view(other), (34.39, 40.99, 12))
    session.assert_clean()


def browser_tab(session, url: str):
    tab = session.context.new_page()
    tab.goto(url, wait_until="domcontentloaded")
    return tab


def test_layer_control_switches_overlays_and_bases(session):
    session.open("/")
    session.showing(4, 4)
    frame = session.map_frame()
    wait_until_settled(frame)
    expect(frame.locator(".strikemap-admin1-label").filter(has_text="Deir ez-Zor")).to_have_count(1)
    frame.locator(".leaflet-control-layers").hover()
    control = frame.locator(".leaflet-control-layers-expanded")
    expect(control).to_be_visible()
    for name in ("Offline (Natural Earth)", "OpenStreetMap (online)", "Provinces (admin-1, Natural Earth)",
                 "Events"):
        expect(control.get_by_text(name, exact=True)).to_have_count(1)
    # Provinces off, then on again.
    control.get_by_text("Provinces (admin-1, Natural Earth)", exact=True).click()
    expect(frame.locator(".strikemap-admin1-label")).to_have_count(0)
    control.get_by_text("Provinces (admin-1, Natural Earth)", exact=True).click()
    expect(frame.locator(".strikemap-admin1-label").filter(has_text="Deir ez-Zor")).to_have_count(1)
    # Events off hides them; the satellite base, unreachable here, falls back to the offline base with a notice.
    control.get_by_text("Events", exact=True).click()
    expect(frame.locator("path.strikemap-event")).to_have_count(0)
    control.get_by_text("Satellite, Esri World Imagery (online)", exact=True).click()
    expect(frame.locator(".strikemap-notice")).to_have_text("Online tiles are unreachable: showing the offline basemap.")
    offline = control.locator("label").filter(has_text="Offline (Natural Earth)").locator("input")
    expect(offline).to_be_checked()
    session.assert_clean(
        allowed_abort=lambda url: url.startswith("https://server.arcgisonline.com/"),
        allowed_console=lambda msg: "Failed to load resource" in msg and "arcgisonline" in msg,
    )


def test_selecting_a_table_row_opens_its_popup(session):
    page = session.open("/?start=2021-06-01&end=2021-06-30")
    session.showing(3, 4)
    frame = session.map_frame()
    wait_until_settled(frame)
    select_row(page, 2, "SM-IRQ-2021-0001")
    frame = session.map_frame()
    content = frame.locator(".leaflet-popup-content")
    expect(content).to_have_count(1, timeout=MAP_TIMEOUT_MS)
    expect(content).to_contain_text("SM-IRQ-2021-0001")
    session.assert_clean()


def test_clicking_an_event_selects_its_row(session):
    page = session.open("/?start=2021-02-01&end=2021-02-28")
    session.showing(1, 4)
    frame = session.map_frame()
    open_popup(frame, frame.locator("path.strikemap-event").first)
    expect(page.get_by_text("Selected: SM-SYR-2021-0001")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    session.assert_clean()


@pytest.fixture(scope="module")
def many_server(tmp_path_factory):
    """4,000 synthetic events: more than SVG_LIMIT, so the map draws them on one canvas."""
    sys.path.insert(0, str(ROOT / "bench"))
    from synthetic_events import make_events

    path = tmp_path_factory.mktemp("many") / "events.csv"
    make_events(4000, seed=11).to_csv(path, index=False)
    with streamlit_server(path) as base:
        yield base


def test_many_events_draw_on_one_canvas_and_still_open_popups(chromium, many_server):
    from geo.web.mapping import SVG_LIMIT

    assert 4000 > SVG_LIMIT
    with browser_session(chromium, many_server) as s:
        page = s.open("/")
        s.showing(4000, 4000)
        frame = s.map_frame(".strikemap-canvas")
        expect(frame.locator("body[data-strikemap-drawn='4000']")).to_have_count(1, timeout=MAP_TIMEOUT_MS)
        assert frame.locator("path.strikemap-event").count() == 0  # no SVG object per event
        wait_until_settled(frame)
        # Click where the canvas layer drew an event one by one (x, y, row, x, y, row ...), away from the
        # clusters (bubbles with counts) drawn at this zoom, and really painted there.
        x, y, alpha = frame.evaluate("""() => {
            for (const id in map_div._layers) {
                const layer = map_div._layers[id], points = layer._points || [], size = map_div.getSize();
                for (let k = 0; k < points.length; k += 3) {
                    const [x, y] = [points[k], points[k + 1]];
                    if (x < 20 || y < 20 || x > size.x - 20 || y > size.y - 20) continue;
                    if ((layer._clusters || []).some((b) => Math.hypot(b.x - x, b.y - y) < b.r + 4)) continue;
                    const ctx = layer._canvas.getContext("2d");
                    return [x, y, ctx.getImageData(Math.round(x), Math.round(y), 1, 1).data[3]];
                }
            }
        }""")
        assert alpha > 200, alpha
        box = frame.locator(".leaflet-container").bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        content = frame.locator(".leaflet-popup-content")
        expect(content).to_have_count(1, timeout=MAP_TIMEOUT_MS)
        listed = content.locator("button.strikemap-pick")  # several events under the click: a list of them
        if listed.count():
            listed.first.click()
        # The event's own popup (a closed list fades out for 200 ms: Leaflet's popup fade animation).
        expect(frame.locator(".strikemap-event-popup .leaflet-popup-content")).to_contain_text(
            "Place as written", timeout=MAP_TIMEOUT_MS)
        # A narrower window redraws from the data the page already holds.
        page = s.open("/?start=2021-01-01&end=2021-03-31")
        expect(page.get_by_text("Showing")).to_be_visible(timeout=MAP_TIMEOUT_MS)
        s.assert_clean()


# ------------------------------------------------------------------ imports (issue 5)

@pytest.fixture(scope="module")
def import_server(tmp_path_factory):
    """The bundled data, with an event store of the test's own."""
    store = tmp_path_factory.mktemp("store") / "store.sqlite"
    old = os.environ.get("STRIKEMAP_DB")
    os.environ["STRIKEMAP_DB"] = str(store)
    try:
        with streamlit_server() as base:
            yield base, store
    finally:
        if old is None:
            os.environ.pop("STRIKEMAP_DB", None)
        else:
            os.environ["STRIKEMAP_DB"] = old


def upload(page, path: Path, fmt_label: str, only: str = ""):
    page.get_by_text("Import a file").click()
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Format").click()
    page.get_by_role("option", name=fmt_label).click()
    sidebar.locator('input[type="file"]').set_input_files(str(path))
    expect(sidebar.get_by_text(path.name)).to_be_visible(timeout=MAP_TIMEOUT_MS)  # uploaded before the form is sent
    if only:
        sidebar.get_by_label("Only these sub-event types (ACLED; comma-separated)").fill(only)
    sidebar.get_by_role("button", name="Import").click()


def test_an_uploaded_acled_export_opens_as_a_new_data_set(chromium, import_server):
    from geo.store.event_store import open_store

    base, store_path = import_server
    with browser_session(chromium, base) as s:
        page = s.open("/")
        s.showing(4, 4)
        upload(page, ROOT / "tests" / "data" / "acled_sample.csv", "ACLED export (CSV)", only="Air/drone strike")
        expect(page.get_by_text(re.compile(r"Imported and opened as 'acled_sample\.csv \(\d{4}-\d\d-\d\d \d\d:\d\d\)':")))\
            .to_be_visible(timeout=60_000)
        report = page.locator('[data-testid="stSidebar"] [data-testid="stText"]').filter(has_text="rows read").first.text_content()
        assert "'acled_sample.csv' (acled): 13 rows read, 3 left out" in report and "10 placed" in report, report
        s.showing(10, 10)
        expect(page).to_have_url(re.compile(r"data=store%3A|data=store:"))
        # The map of the new data set, from its link. (In the importing page itself the map's iframe is
        # sometimes not re-created after the switch: a known bug, see the session note.)
        fresh = browser_tab(s, page.url)
        expect(frame_with(fresh, "body[data-strikemap-drawn='10']").locator("body")).to_have_count(1)
        with open_store(store_path) as store:
            assert list(store.datasets().values()) == [10]  # one data set, all ten strikes, in one import
            assert "acled_sample.csv" in store.changes()["comment"].iloc[0]
        # The link opens the imported set in a new tab too.
        again = browser_tab(s, page.url)
        expect(again.get_by_text("Showing 10 of 10 events")).to_be_visible(timeout=MAP_TIMEOUT_MS)
        s.assert_clean()


def test_a_bad_upload_is_refused_and_nothing_is_saved(chromium, import_server, tmp_path):
    from geo.store.event_store import open_store

    base, store_path = import_server
    with open_store(store_path) as store:
        before = store.revision()
    wrong = tmp_path / "events.csv"
    wrong.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with browser_session(chromium, base) as s:
        page = s.open("/")
        s.showing(4, 4)
        upload(page, wrong, "ACLED export (CSV)")
        expect(page.get_by_text("Import refused; nothing was saved")).to_be_visible(timeout=60_000)
        message = page.locator('[data-testid="stMain"] [data-testid="stCode"]').text_content()  # room for all of it
        assert "'events.csv'" in message and "PNG" in message, message
        s.showing(4, 4)  # the open data set is unchanged
        assert "data=" not in page.url
    with open_store(store_path) as store:
        assert store.revision() == before  # nothing reached the store
