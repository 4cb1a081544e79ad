"""Several dashboards, one store (issue 14): two `streamlit run` servers on one PostGIS database (a throwaway
server, tests/pgserver.py), each driven by its own Chromium context with the network fenced off.

An edit saved in one appears in the other on its next rerun (in the popup, drawn from newly published map
files); a save from a form filled before a colleague's save is refused, the refusal shown and nothing
overwritten; the two servers' published map files (one checkout, one static/ folder) stay whole for both. And a
batch's output, zipped, is uploaded in one dashboard and opens from the other's link.
"""

from __future__ import annotations

import re
import urllib.parse

import pytest

from conftest import ROOT
from geo.web.mapping import CORE_FILE
from test_batch_open import batch_output, zipped  # noqa: F401
from test_browser import (MAP_TIMEOUT_MS, PlaywrightError, browser_session, chromium, expect,  # noqa: F401
                          frame_with, select_row, upload)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

from appserver import streamlit_server  # noqa: E402

EVENT = "SM-SYR-2021-0002"  # the second row of the bundled events, as the store keeps them
ROW = 1
ALICE_NOTES = "Struck again at dawn, says a second source (alice's correction)"
WAIT_MS = 60_000  # a save geocodes and writes, the other page reruns and redraws: generous on a shared machine


@pytest.fixture(scope="module")
def shared_store(postgis_server):
    """(database URL, data set key): an editable copy of the bundled events in a fresh PostGIS database."""
    from geo.io.events import load_events
    from geo.store.datasets import BUNDLED, editable_copy, list_datasets
    from geo.store.event_store import open_store

    url = postgis_server.new_database()
    with open_store(url) as store:
        bundled = list_datasets(store)[BUNDLED]
        copy = editable_copy(store, bundled, load_events(bundled.path), author="setup")
    return url, copy.key


@pytest.fixture(scope="module")
def two_servers(shared_store):
    url, _ = shared_store
    # Single-user mode on each (no sign-in configured): the first server's page acts as alice, the second's as bob.
    with streamlit_server(env={"STRIKEMAP_DB": url, "STRIKEMAP_AUTHOR": "alice"}) as first, \
            streamlit_server(env={"STRIKEMAP_DB": url, "STRIKEMAP_AUTHOR": "bob"}) as second:
        assert first != second
        yield first, second


def stored_event(url: str, key: str):
    from geo.store.event_store import open_store

    with open_store(url) as store:
        events = store.events(key.removeprefix("store:"))
        return events.set_index("event_id_cnty").loc[EVENT], store.history(EVENT, key.removeprefix("store:"))


def open_selected(session, key: str):
    """The data set's link, the event's row selected (its popup opens)."""
    page = session.open("/?" + urllib.parse.urlencode({"data": key}))
    session.showing(4, 4)
    select_row(page, ROW, EVENT)
    return page


def popup_saying(session, text):
    """The selected event's popup once it says ``text`` (a str or a pattern): the popup the map opens for the
    selected row after a rerun (the one of the run before may linger beside it a moment)."""
    frame = session.map_frame()
    content = frame.locator(".leaflet-popup-content").filter(has_text=text)
    expect(content.first).to_be_visible(timeout=WAIT_MS)
    expect(content.first).to_contain_text(EVENT)
    return content.first


def rerun(page) -> None:
    """Any interaction reruns the page: here the uncertainty-shapes toggle (what follows waits for its effect)."""
    page.get_by_text("Show uncertainty shapes").click()


def edit_form(page):
    """The event's edit form, its expander opened if it is closed."""
    expander = page.locator('[data-testid="stExpander"]').filter(has_text=f"Edit {EVENT} and see its history")
    notes = expander.get_by_label("Notes")
    expect(notes).to_have_count(1, timeout=WAIT_MS)  # during a rerun the old form lingers a moment beside the new
    if not notes.is_visible():
        expander.get_by_text(f"Edit {EVENT} and see its history").click()
    expect(notes).to_be_visible(timeout=WAIT_MS)
    return expander


def test_two_dashboards_on_one_postgis_share_edits_and_refuse_a_conflict(chromium, two_servers, shared_store):
    url, key = shared_store
    first_base, second_base = two_servers
    original, _ = stored_event(url, key)
    with browser_session(chromium, first_base) as alice, browser_session(chromium, second_base) as bob:
        alice_page = open_selected(alice, key)
        bob_page = open_selected(bob, key)  # bob's form is filled from version 1 too
        popup_saying(bob, original["notes"][:40])

        # Alice corrects the notes on the first server.
        form = edit_form(alice_page)
        form.get_by_label("Notes").fill(ALICE_NOTES)
        form.get_by_label("Why (kept in the history)").fill("a second source")
        form.get_by_role("button", name="Save").click()
        expect(alice_page.get_by_text(f"Saved {EVENT} (notes).")).to_be_visible(timeout=WAIT_MS)
        saved, history = stored_event(url, key)
        assert (saved["notes"], saved["version"]) == (ALICE_NOTES, 2)

        # Bob's next rerun on the second server shows it: the popup is drawn from the newly published data set.
        rerun(bob_page)
        popup_saying(bob, "alice's correction")

        # Bob saves from the form he opened before alice's save: refused, saying who and when; nothing overwritten.
        form = edit_form(bob_page)
        form.get_by_label("Fatalities, highest reported").fill("12")
        form.get_by_role("button", name="Save").click()
        expect(bob_page.get_by_text("Not saved: someone else changed this event since you opened it.")) \
            .to_be_visible(timeout=WAIT_MS)
        refusal = bob_page.locator('[data-testid="stCode"]').filter(has_text="was changed by alice")
        expect(refusal).to_contain_text(f"{EVENT} was changed by alice", timeout=WAIT_MS)
        # His edit is shown back (all the form held: it keeps what he saw and typed, alice's notes not among it).
        yours = bob_page.locator('[data-testid="stText"]').filter(has_text="Your edit: ")
        expect(yours).to_contain_text("fatalities_max = '12'")
        refused, history = stored_event(url, key)
        assert (refused["notes"], refused["version"]) == (ALICE_NOTES, 2)
        assert list(history["author"]) == ["setup", "alice"]

        # Reloaded from the current version, bob's edit goes through, and alice's next rerun shows it.
        rerun(bob_page)
        expect(bob_page.get_by_text("Not saved: someone else changed")).to_have_count(0, timeout=WAIT_MS)  # it ran
        form = edit_form(bob_page)
        expect(form.get_by_label("Notes")).to_have_value(ALICE_NOTES, timeout=WAIT_MS)  # a form of version 2
        form.get_by_label("Fatalities, highest reported").fill("12")
        form.get_by_role("button", name="Save").click()
        expect(bob_page.get_by_text(f"Saved {EVENT} (fatalities_max).")).to_be_visible(timeout=WAIT_MS)
        rerun(alice_page)
        expect(popup_saying(alice, re.compile(r"Fatalities: \S*12"))).to_contain_text("alice's correction")
        final, history = stored_event(url, key)
        assert (final["notes"], final["fatalities_max"], final["version"]) == (ALICE_NOTES, 12, 3)
        assert list(history["author"]) == ["setup", "alice", "bob"]

        # Both servers publish into the one static/ folder of this checkout: every data set a page drew is whole.
        for session in (alice, bob):
            paths = [urllib.parse.urlparse(u).path for u in session.requested]
            drawn = {p.split("/")[5] for p in paths if p.startswith("/app/static/cache/events/")}
            assert len(drawn) >= 2  # before and after the edits
            for name in drawn:
                assert (ROOT / "static" / "cache" / "events" / name / CORE_FILE).exists(), name
        alice.assert_clean()
        bob.assert_clean()


def test_a_zipped_batch_output_uploads_in_one_dashboard_and_opens_in_the_other(chromium, two_servers, batch_output,
                                                                              tmp_path):
    first_base, second_base = two_servers
    out, _ = batch_output
    archive = tmp_path / "acled batch.zip"
    archive.write_bytes(zipped(out))
    with browser_session(chromium, first_base) as first, browser_session(chromium, second_base) as second:
        page = first.open("/")
        first.showing(4, 4)
        upload(page, archive, "GeoParquet")
        expect(page.get_by_text(re.compile(r"Imported and opened as .*:"))).to_be_visible(timeout=WAIT_MS)
        report = page.locator('[data-testid="stSidebar"] [data-testid="stText"]').filter(has_text="rows read") \
            .first.text_content()
        assert "'acled batch.zip' (parquet): 13 rows read" in report, report
        first.showing(13, 13)
        expect(page).to_have_url(re.compile(r"data=store%3A|data=store:"), timeout=WAIT_MS)
        other = second.open(page.url.removeprefix(first_base))  # the link, on the other server
        second.showing(13, 13)
        expect(frame_with(other, "body[data-strikemap-drawn='13']").locator("body")).to_have_count(1)
        first.assert_clean()
        second.assert_clean()
