"""Sign-in and roles in a real browser (issue 15): Streamlit's own OpenID Connect sign-in against a real
provider (the PyPI package ``oidc-provider-mock``) started on 127.0.0.1 by the test, Chromium with every
request but the app's and the provider's aborted.

The store is shared: admin@example.com is its admin, alice@example.com an editor, bob@example.com holds no
role (a viewer). Each person signs in in a browser context of their own, as they would on their own machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from appserver import free_port, streamlit_server
from test_browser import (MAP_TIMEOUT_MS, TALL_VIEWPORT, chromium, select_row,  # noqa: F401 (chromium: a fixture)
                          whole_page)

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

ROOT = Path(__file__).resolve().parents[1]
EDITED = "SM-SYR-2021-0002"  # the second row of the data set's table
PROVIDER_START_TIMEOUT_S = 60


@pytest.fixture(scope="module")
def provider():
    """A real OpenID Connect provider on 127.0.0.1: anyone may sign in as any subject (its e-mail claim too)."""
    with start_provider() as base:
        yield base


@contextmanager
def start_provider(*options: str, port: int | None = None):
    port = port or free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port), *options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + PROVIDER_START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(f"{base}/.well-known/openid-configuration", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"oidc-provider-mock did not answer on {base} (exit code {proc.poll()})")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory):
    """(path, data set key): an editable copy of the bundled events in a store admin@example.com shares."""
    return make_shared_store(tmp_path_factory)


def make_shared_store(tmp_path_factory):
    from geo.io.events import load_events
    from geo.store.datasets import BUNDLED, editable_copy, list_datasets
    from geo.store.event_store import open_store

    path = tmp_path_factory.mktemp("store") / "store.sqlite"
    with open_store(path) as store:
        copy = editable_copy(store, list_datasets(store)[BUNDLED], load_events(ROOT / "data" / "events.csv"),
                             author="admin@example.com")
        store.grant("admin@example.com", "admin", by="admin@example.com")
        store.grant("alice@example.com", "editor", by="admin@example.com")
    return path, copy.key


@pytest.fixture(scope="module")
def server(provider, shared_store, tmp_path_factory):
    """The dashboard with [auth] in $HOME/.streamlit/secrets.toml pointing at the provider."""
    with start_server(provider, shared_store[0], tmp_path_factory) as base:
        yield base


@contextmanager
def start_server(provider: str, store_path, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    (home / ".streamlit").mkdir()

    def write_secrets(base: str) -> None:
        (home / ".streamlit" / "secrets.toml").write_text(
            "[auth]\n"
            f'redirect_uri = "{base}/oauth2callback"\n'
            'cookie_secret = "a-test-secret-that-is-long-enough-0123456789"\n'
            'client_id = "strikemap"\n'
            'client_secret = "strikemap-secret"\n'
            f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n')

    env = {"HOME": home, "STRIKEMAP_DB": store_path, "STRIKEMAP_AUTHOR": None, "STRIKEMAP_TRUSTED_HEADER": None}
    with streamlit_server(env=env, before_start=write_secrets) as base:
        yield base


@contextmanager
def person(chromium, server, provider, headers: dict | None = None):
    """A browser context of one's own (cookies and all), reaching only the app and the provider; the app itself
    must ask for nothing else."""
    context = chromium.new_context(viewport=TALL_VIEWPORT, extra_http_headers=headers)
    aborted, errors = [], []
    allowed = (server + "/", provider + "/", "data:", "blob:", "about:")

    def route(route):
        if route.request.url.startswith(allowed):
            route.continue_()
        else:
            # The provider's own pages ask a CDN for their style sheet: blocked too, but theirs, not the app's.
            if not route.request.headers.get("referer", "").startswith(provider + "/"):
                aborted.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_default_timeout(MAP_TIMEOUT_MS)
        yield page
        assert not errors, f"JavaScript errors: {errors}"
        assert not aborted, f"requests outside the app and the provider were attempted (and aborted): {aborted}"
    finally:
        context.close()


def sidebar(page):
    return page.locator('[data-testid="stSidebar"]')


def sign_in(page, server: str, who: str, role_line: str):
    page.goto(server + "/", wait_until="domcontentloaded")
    sidebar(page).get_by_role("button", name="Sign in").click()
    authorize(page, who)
    expect(sidebar(page).get_by_text(f"{who} (signed in), {role_line} of this event store.")).to_be_visible(
        timeout=MAP_TIMEOUT_MS)


def authorize(page, who: str) -> None:
    page.locator('input[name="sub"]').fill(who)  # the provider's own form
    page.get_by_role("button", name="Authorize").click()


def open_event(page, server: str, dataset_key: str):
    """Open the data set and select EDITED's row."""
    page.goto(f"{server}/?data={dataset_key}", wait_until="domcontentloaded")
    expect(page.get_by_text("Showing 4 of 4 events")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    select_row(page, 1, EDITED)
    history = page.get_by_text(f"History of {EDITED}")
    try:  # the panel opens with the selection; a click on its title would close it
        expect(history).to_be_visible(timeout=10_000)
    except AssertionError:
        page.get_by_text(f"Edit {EDITED} and see its history").click()
        expect(history).to_be_visible(timeout=MAP_TIMEOUT_MS)


def save_notes(page, notes: str, why: str):
    page.get_by_label("Notes", exact=True).fill(notes)
    page.get_by_label("Why (kept in the history)").fill(why)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"Saved {EDITED} (notes).")).to_be_visible(timeout=MAP_TIMEOUT_MS)


def history_authors(store_path, dataset_key: str) -> list[str]:
    from geo.store.event_store import open_store

    with open_store(store_path) as store:
        return list(store.history(EDITED, dataset_key.removeprefix("store:"))["author"])


def test_an_anonymous_visitor_sees_a_sign_in_control_and_no_editing_control(chromium, server, provider, shared_store):
    with person(chromium, server, provider) as page:
        open_event(page, server, shared_store[1])
        expect(sidebar(page).get_by_role("button", name="Sign in")).to_be_visible()
        expect(sidebar(page).get_by_text("Not signed in: you can explore, filter and download.")).to_be_visible()
        expect(page.get_by_text("Editing: Sign in to edit events: it needs the editor role.")).to_be_visible()
        expect(sidebar(page).get_by_text("Importing files: Sign in to import files")).to_be_visible()
        for control in ("Save", "Undo", "Make an editable copy", "Import"):
            expect(page.get_by_role("button", name=control, exact=True)).to_have_count(0)
        expect(page.get_by_text("Import a file")).to_have_count(0)
        expect(page.get_by_text("Propose events from a report")).to_have_count(0)
        expect(page.get_by_text("Last change: import by admin@example.com")).to_be_visible()


def test_alice_signs_in_edits_and_the_history_shows_her(chromium, server, provider, shared_store):
    store_path, key = shared_store
    with person(chromium, server, provider) as page:
        sign_in(page, server, "alice@example.com", "editor")
        open_event(page, server, key)
        expect(page.get_by_label("Your name (recorded with every change)")).to_have_count(0)  # no name to type
        save_notes(page, "Storage site hit, per CENTCOM.", "CENTCOM statement")
        expect(page.get_by_text("Last change: edit by alice@example.com")).to_be_visible(timeout=MAP_TIMEOUT_MS)
        assert history_authors(store_path, key)[-1] == "alice@example.com"
        # Sign-out: the page forgets her and offers sign-in again.
        sidebar(page).get_by_role("button", name="Sign out").click()
        page.get_by_role("button", name="End session").click()  # the provider's own confirmation
        expect(sidebar(page).get_by_role("button", name="Sign in")).to_be_visible(timeout=MAP_TIMEOUT_MS)


def test_bob_a_viewer_cannot_edit_until_an_admin_grants_him_editor(chromium, server, provider, shared_store):
    from geo.errors import PermissionDeniedError
    from geo.store.event_store import open_store

    store_path, key = shared_store
    with person(chromium, server, provider) as bob:
        sign_in(bob, server, "bob@example.com", "viewer")
        open_event(bob, server, key)
        expect(bob.get_by_text("Editing: bob@example.com is a viewer in this event store and may not edit "
                               "events")).to_be_visible()
        expect(bob.get_by_role("button", name="Save", exact=True)).to_have_count(0)
        # Nor through a crafted call to the library: the store itself refuses, and nothing is written.
        with open_store(store_path) as store:
            before = store.revision()
            version = int(store.events(key.removeprefix("store:")).set_index("event_id_cnty").loc[EDITED, "version"])
            with pytest.raises(PermissionDeniedError, match="bob@example.com is a viewer"):
                store.update(EDITED, {"notes": "bob was here"}, version, "crafted", author="bob@example.com",
                             dataset=key.removeprefix("store:"))
            assert store.revision() == before

    with person(chromium, server, provider) as admin:
        sign_in(admin, server, "admin@example.com", "admin")
        sidebar(admin).get_by_text("Roles (admin)").click()
        sidebar(admin).get_by_label("Identity (the e-mail the sign-in gives)").fill("bob@example.com")
        sidebar(admin).locator('[data-testid="stSelectbox"]').filter(has_text="Role").click()
        admin.get_by_role("option", name="editor", exact=True).click()
        sidebar(admin).get_by_role("button", name="Grant").click()
        expect(sidebar(admin).get_by_text("bob@example.com: editor")).to_be_visible(timeout=MAP_TIMEOUT_MS)

    with person(chromium, server, provider) as bob:
        sign_in(bob, server, "bob@example.com", "editor")
        open_event(bob, server, key)
        save_notes(bob, "Storage site hit; two fighters killed (SOHR).", "SOHR")
        expect(bob.get_by_text("Last change: edit by bob@example.com")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    assert history_authors(store_path, key)[-1] == "bob@example.com"


SHORT_SIGN_IN_S = 20  # the first sign-in's ID token; the provider is then restarted with its usual hour


def test_an_expired_sign_in_asks_to_sign_in_again_and_the_edit_being_typed_comes_back(chromium, tmp_path_factory):
    store_path, key = make_shared_store(tmp_path_factory)
    port = free_port()
    with ExitStack() as providers:
        provider = providers.enter_context(start_provider("--token-max-age", str(SHORT_SIGN_IN_S), port=port))
        with start_server(provider, store_path, tmp_path_factory) as server, \
                person(chromium, server, provider) as page:
            page.goto(server + "/", wait_until="domcontentloaded")
            sidebar(page).get_by_role("button", name="Sign in").click()
            authorize(page, "alice@example.com")
            signed_in_at = time.time()  # the token was issued before this
            # Signed in (or, on a slow machine, already expired: the rest holds either way).
            expect(sidebar(page).get_by_text(re.compile(r"^alice@example\.com[ :]"))).to_be_visible(
                timeout=MAP_TIMEOUT_MS)
            open_event(page, server, key)
            page.get_by_label("Notes", exact=True).fill("Typed while the sign-in ran out.")
            page.get_by_label("Why (kept in the history)").fill("late")
            while time.time() < signed_in_at + SHORT_SIGN_IN_S + 1:  # until the ID token's exp has passed
                time.sleep(0.5)
            page.get_by_role("button", name="Save", exact=True).click()
            expect(page.get_by_text("Not saved yet: your sign-in has expired. Your edit is kept")).to_be_visible(
                timeout=MAP_TIMEOUT_MS)
            expect(sidebar(page).get_by_text("alice@example.com: sign-in expired.")).to_be_visible()
            assert history_authors(store_path, key) == ["admin@example.com"]  # nothing was written
            # The next sign-in lasts the provider's usual hour, so the rest never races the clock.
            providers.close()
            providers.enter_context(start_provider(port=port))
            page.get_by_role("button", name="Sign in again to save").click()
            authorize(page, "alice@example.com")
            whole_page(page)
            page.get_by_role("button", name=f"Open {EDITED} to finish the edit").click()
            expect(page.get_by_text("Your edit from before you signed in again is back in the form")).to_be_visible(
                timeout=MAP_TIMEOUT_MS)
            expect(page.get_by_label("Notes", exact=True)).to_have_value("Typed while the sign-in ran out.")
            page.get_by_role("button", name="Save", exact=True).click()
            expect(page.get_by_text(f"Saved {EDITED} (notes).")).to_be_visible(timeout=MAP_TIMEOUT_MS)
    assert history_authors(store_path, key) == ["admin@example.com", "alice@example.com"]


def test_behind_a_proxy_the_trusted_header_names_who_is_editing(chromium, tmp_path_factory):
    """STRIKEMAP_TRUSTED_HEADER: the identity an authenticating proxy puts in a header (no [auth] configured)."""
    store_path, key = make_shared_store(tmp_path_factory)
    env = {"HOME": tmp_path_factory.mktemp("home"), "STRIKEMAP_DB": store_path, "STRIKEMAP_AUTHOR": None,
           "STRIKEMAP_TRUSTED_HEADER": "X-Forwarded-Email"}
    with streamlit_server(env=env) as server:
        with person(chromium, server, server, headers={"X-Forwarded-Email": "alice@example.com"}) as page:
            open_event(page, server, key)
            expect(sidebar(page).get_by_text("alice@example.com (named by the proxy (X-Forwarded-Email)), editor of "
                                             "this event store.")).to_be_visible()
            expect(sidebar(page).get_by_role("button", name="Sign in")).to_have_count(0)
            save_notes(page, "Named by the proxy.", "proxy")
        assert history_authors(store_path, key)[-1] == "alice@example.com"
        with person(chromium, server, server) as page:  # the proxy said nothing: nobody may write
            open_event(page, server, key)
            expect(page.get_by_text("Editing: The proxy in front of this page did not say who you are (no "
                                    "X-Forwarded-Email header), so you cannot edit events.")).to_be_visible()
            expect(page.get_by_role("button", name="Save", exact=True)).to_have_count(0)
