"""Roles in the event store (geo.store.roles), on SQLite and PostGIS: an open store lets its single user do
everything; once shared, whoever holds no role is a viewer and the library refuses every write a role does not
allow, whatever a page shows; grants are an admin's, kept in a log, and never leave the store without an admin.
Also the command line acting as the user the environment names, and the identity the page acts as
(geo.web.identity)."""

from __future__ import annotations

import pandas as pd
import pytest

from geo.cli import main
from geo.errors import PermissionDeniedError, StoreError
from geo.io.events import load_events
from geo.store.datasets import BUNDLED, edit_event, editable_copy, list_datasets
from geo.store.event_store import open_store, seed
from geo.web.identity import HEADER, SIGN_IN, SINGLE_USER, Access, Drafts, Identity, identify, login_provider

from conftest import ROOT

EDITED = "SM-SYR-2021-0002"


@pytest.fixture
def shared(store_url):
    """A seeded store shared by alice (admin) and carol (editor); bob has no role."""
    with open_store(store_url) as store:
        seed(store, ROOT / "data" / "events.csv", author="seed")
        store.grant("alice@example.com", "admin", by="alice@example.com")
        store.grant("carol@example.com", "editor", by="alice@example.com")
        yield store


def fatalities(store) -> int | None:
    events = store.events()
    value = events.loc[events["event_id_cnty"] == EDITED, "fatalities"].iloc[0]
    return None if pd.isna(value) else int(value)


def test_an_open_store_lets_its_user_do_everything_until_the_first_grant(store_url):
    with open_store(store_url) as store:
        seed(store, ROOT / "data" / "events.csv", author="me")
        assert not store.shared and store.role_of("me") == "admin" and store.role_of(None) == "viewer"
        store.update(EDITED, {"fatalities": 9}, 1, "open store", author="anyone")
        with pytest.raises(StoreError, match="the first role granted must be admin"):
            store.grant("bob@example.com", "editor", by="me")
        assert not store.shared
        store.grant("Me@Example.com ", "admin", by="me@example.com")
        assert store.shared and store.role_of("ME@example.com") == "admin" and store.role_of("anyone") == "viewer"


def test_a_viewer_cannot_write_through_a_crafted_library_call(shared):
    before, revision = fatalities(shared), shared.revision()
    with pytest.raises(PermissionDeniedError, match="bob@example.com is a viewer .* may not edit events: that needs "
                                                    "the editor role") as refused:
        shared.update(EDITED, {"fatalities": 99}, 1, "crafted", author="bob@example.com")
    assert isinstance(refused.value, PermissionError) and refused.value.needed == "editor"
    copy = list_datasets(shared)[BUNDLED]
    for attempt in (lambda: shared.undo(1, "crafted", author="bob@example.com"),
                    lambda: shared.delete(EDITED, 1, "crafted", author="bob@example.com"),
                    lambda: shared.add(load_events(copy.path), "crafted", author="bob@example.com", dataset="x"),
                    lambda: editable_copy(shared, copy, load_events(copy.path), author="bob@example.com"),
                    lambda: shared.drop_dataset(BUNDLED, author="carol@example.com"),
                    lambda: shared.rename(BUNDLED, "mine", author="carol@example.com"),
                    lambda: shared.grant("bob@example.com", "editor", by="carol@example.com")):
        with pytest.raises(PermissionDeniedError):
            attempt()
    assert fatalities(shared) == before and shared.revision() == revision and shared.role_of("bob@example.com") == "viewer"
    assert list(shared.history(EDITED)["author"]) == ["seed"]


def test_an_admin_grants_bob_editor_and_then_he_can_edit(shared):
    copy = editable_copy(shared, list_datasets(shared)[BUNDLED], load_events(ROOT / "data" / "events.csv"),
                         author="carol@example.com")
    with pytest.raises(PermissionDeniedError):
        edit_event(shared, copy, EDITED, {"fatalities": "7"}, 1, author="bob@example.com", comment="try")
    shared.grant("bob@example.com", "editor", by="alice@example.com")
    edit_event(shared, copy, EDITED, {"fatalities": "7"}, 1, author="bob@example.com", comment="SOHR")
    assert list(shared.history(EDITED, copy.store_name)["author"]) == ["carol@example.com", "bob@example.com"]
    log = shared.role_log()
    assert (log.iloc[0]["member"], log.iloc[0]["role"], log.iloc[0]["by"]) == ("bob@example.com", "editor",
                                                                               "alice@example.com")
    shared.revoke("bob@example.com", by="alice@example.com")
    assert shared.role_of("bob@example.com") == "viewer" and pd.isna(shared.role_log().iloc[0]["role"])


def test_the_last_admin_cannot_be_removed_and_roles_are_checked(shared):
    with pytest.raises(StoreError, match="last admin"):
        shared.grant("alice@example.com", "editor", by="alice@example.com")
    with pytest.raises(StoreError, match="last admin"):
        shared.revoke("alice@example.com", by="alice@example.com")
    with pytest.raises(StoreError, match="unknown role 'owner'"):
        shared.grant("bob@example.com", "owner", by="alice@example.com")
    assert list(shared.members()["member"]) == ["alice@example.com", "carol@example.com"]


def test_an_admin_renames_and_deletes_a_data_set_and_undo_brings_it_back(shared):
    renamed = shared.rename(BUNDLED, "curated", author="alice@example.com")
    assert shared.names() == {BUNDLED: "curated"}  # shown by the new name; its key and links stay
    drop = shared.drop_dataset(BUNDLED, author="alice@example.com")
    assert shared.datasets() == {}
    shared.undo(drop.change_id, "deleted by mistake", author="carol@example.com")
    assert shared.datasets() == {BUNDLED: 4} and shared.names() == {BUNDLED: "curated"}
    shared.undo(renamed.change_id, "the old name was right", author="carol@example.com")
    assert shared.names() == {BUNDLED: BUNDLED}


def test_the_command_line_acts_as_the_user_the_environment_names(store_url, monkeypatch, capsys):
    monkeypatch.setenv("STRIKEMAP_AUTHOR", "alice@example.com")
    assert main(["store", "seed", "--db", store_url]) == 0
    assert main(["store", "grant", "alice@example.com", "admin", "--db", store_url]) == 0
    monkeypatch.setenv("STRIKEMAP_AUTHOR", "bob@example.com")
    capsys.readouterr()
    assert main(["store", "undo", "1", "--db", store_url]) == 2
    assert "bob@example.com is a viewer in this event store and may not undo changes" in capsys.readouterr().err
    assert main(["store", "import", "csv", str(ROOT / "data" / "events.csv"), "--db", store_url]) == 2
    assert "may not import files" in capsys.readouterr().err
    assert main(["store", "grant", "bob@example.com", "editor", "--db", store_url]) == 2
    monkeypatch.setenv("STRIKEMAP_AUTHOR", "alice@example.com")
    assert main(["store", "grant", "bob@example.com", "editor", "--db", store_url]) == 0
    monkeypatch.setenv("STRIKEMAP_AUTHOR", "bob@example.com")
    assert main(["store", "roles", "--db", store_url]) == 0
    out = capsys.readouterr()
    assert "bob@example.com  editor  (granted by alice@example.com" in out.out and "you are bob@example.com: editor" in out.err
    assert main(["store", "undo", "1", "-m", "wrong file", "--db", store_url]) == 0
    assert main(["store", "log", "--db", store_url, "--limit", "1"]) == 0
    assert "  bob@example.com  undo of change 1  bundled: 4 events  'wrong file'" in capsys.readouterr().out
    assert main(["store", "import", "csv", str(ROOT / "data" / "events.csv"), "--dataset", "bobs", "--db", store_url]) == 0
    assert "imported 4 events into data set 'bobs'" in capsys.readouterr().err
    with open_store(store_url) as store:
        assert store.datasets()["bobs"] == 4 and store.changes(limit=1)["author"].iloc[0] == "bob@example.com"


def test_who_the_page_acts_as():
    assert identify({}, {}, {"STRIKEMAP_AUTHOR": "rana"}) == Identity("rana", SINGLE_USER)
    # [auth] configured: Streamlit adds is_logged_in.
    assert identify({"is_logged_in": False}, {}, {}).name is None
    signed = identify({"is_logged_in": True, "email": "Alice@Example.com", "sub": "x", "exp": 2000}, {}, {}, now=1000)
    assert (signed.name, signed.mode, signed.signed_in) == ("alice@example.com", SIGN_IN, True)
    expired = identify({"is_logged_in": True, "email": "alice@example.com", "exp": 2000}, {}, {}, now=2000)
    assert expired.expired and not expired.signed_in and expired.name == "alice@example.com"
    unverified = identify({"is_logged_in": True, "email": "boss@example.com", "email_verified": False, "sub": "u-7"},
                          {}, {})
    assert unverified.name == "u-7"
    # A trusted header, only when configured; any case of the header's name.
    proxied = identify({}, {"x-forwarded-email": "Bob@Example.com"}, {"STRIKEMAP_TRUSTED_HEADER": "X-Forwarded-Email"})
    assert (proxied.name, proxied.mode) == ("bob@example.com", HEADER)
    assert identify({}, {"X-Forwarded-Email": "bob@example.com"}, {"STRIKEMAP_AUTHOR": "rana"}).name == "rana"
    assert login_provider({}) is None and login_provider({"STRIKEMAP_AUTH_PROVIDER": " keycloak "}) == "keycloak"
    nobody = identify({}, {}, {"STRIKEMAP_TRUSTED_HEADER": "X-Forwarded-Email"})
    assert "did not say who you are (no X-Forwarded-Email header)" in Access(nobody, "admin").why_not("edit")


def test_what_the_page_shows_and_why(shared):
    alice = Access.of(identify({"is_logged_in": True, "email": "alice@example.com"}, {}, {}), shared)
    bob = Access.of(identify({"is_logged_in": True, "email": "bob@example.com"}, {}, {}), shared)
    anonymous = Access.of(identify({"is_logged_in": False}, {}, {}), shared)
    assert alice.can("grant") and alice.can("edit") and alice.author == "alice@example.com"
    assert not bob.can("edit") and bob.why_not("edit").startswith("bob@example.com is a viewer")
    assert not anonymous.can("edit") and anonymous.why_not("import") == "Sign in to import files: it needs the editor role."
    expired = Access.of(identify({"is_logged_in": True, "email": "alice@example.com", "exp": 1}, {}, {}), shared)
    assert not expired.can("edit") and "has expired: sign in again" in expired.why_not("edit")
    assert Access.of(identify({}, {}, {"STRIKEMAP_AUTHOR": "x"}), None).why_not("edit").startswith("The event store is not")


def test_an_edit_kept_over_a_new_sign_in_is_for_its_author_only():
    drafts = Drafts()
    drafts.keep("alice@example.com", "store:copy", EDITED, {"notes": "typed"}, "why")
    assert drafts.pending("alice@example.com") == [("store:copy", EDITED)] and drafts.pending("bob@example.com") == []
    assert drafts.get("alice@example.com", "store:copy", EDITED) == ({"notes": "typed"}, "why")
    assert drafts.get("bob@example.com", "store:copy", EDITED) is None
    drafts.drop("alice@example.com", "store:copy", EDITED)
    assert drafts.pending("alice@example.com") == []


def page_store(monkeypatch, tmp_path, editors=()):
    """The page's own store (single-user mode, no trusted header) holding an editable copy of the bundled
    events; alice is its admin, ``editors`` its editors. Returns the copy."""
    monkeypatch.delenv("STRIKEMAP_EVENTS", raising=False)
    monkeypatch.delenv("STRIKEMAP_TRUSTED_HEADER", raising=False)
    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "store.sqlite"))
    with open_store(tmp_path / "store.sqlite") as store:
        copy = editable_copy(store, list_datasets(store)[BUNDLED], load_events(ROOT / "data" / "events.csv"),
                             author="alice@example.com")
        store.grant("alice@example.com", "admin", by="alice@example.com")
        for editor in editors:
            store.grant(editor, "editor", by="alice@example.com")
    return copy


def test_the_page_shows_a_viewer_no_editing_control_and_says_why(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    from geo.web.page_state import PageState

    copy = page_store(monkeypatch, tmp_path)

    def page_as(author: str) -> AppTest:
        monkeypatch.setenv("STRIKEMAP_AUTHOR", author)  # single-user mode: the page acts as the environment's user
        app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        app.session_state[PageState.map_drawn.key] = True  # the whole page, as after the map's first draw
        app.query_params["data"] = copy.key
        app.run()
        rows = list(app.dataframe[0].value["event_id_cnty"])
        app.session_state[PageState.table.key] = {"selection": {"rows": [rows.index(EDITED)], "columns": []}}
        app.run()
        assert not app.exception, app.exception
        return app

    bob = page_as("bob@example.com")
    captions = " ".join(c.value for c in bob.text)
    assert "Single-user mode (no sign-in configured): changes are recorded as bob@example.com" in captions
    assert "Editing: bob@example.com is a viewer in this event store and may not edit events" in captions
    assert "Importing files: bob@example.com is a viewer" in captions
    labels = {b.label for b in bob.button}
    assert not labels & {"Save", "Undo", "Import", "Grant"} and not any("Import a file" in e.label for e in bob.expander)
    assert any(f"History of {EDITED}" in c.value for c in bob.caption)  # reading stays open to all

    alice = page_as("alice@example.com")
    assert {"Save", "Undo"} <= {b.label for b in alice.button}
    assert any(e.label == "Roles (admin)" for e in alice.expander)
    next(t for t in alice.text_input if t.label == "Identity (the e-mail the sign-in gives)").input("bob@example.com")
    next(s for s in alice.selectbox if s.label == "Role").set_value("editor")
    next(b for b in alice.button if b.label == "Grant").click().run()
    assert not alice.exception, alice.exception
    assert open_store(tmp_path / "store.sqlite").role_of("bob@example.com") == "editor"
    assert "Save" in {b.label for b in page_as("bob@example.com").button}


def test_a_viewers_database_role_can_read_the_store_and_never_write_it(postgis_server):
    """The README's grants, as written there: a PostgreSQL role that can only read, so even a modified client
    that claims an editor's identity cannot write."""
    import re

    import sqlalchemy as sa

    owner_url = postgis_server.new_database()
    with open_store(owner_url) as store:
        seed(store, ROOT / "data" / "events.csv", author="alice@example.com")
        store.grant("alice@example.com", "admin", by="alice@example.com")
        readme = (ROOT / "README.md").read_text()
        with store.engine.begin() as conn:
            for block in ("viewers", "editors"):
                grants = re.search(rf"```sql\n(-- {block}.*?)```", readme, re.S).group(1)
                for statement in filter(str.strip, grants.replace("strikemap_db", conn.engine.url.database).split(";")):
                    conn.exec_driver_sql(statement)
    viewer_url = owner_url.replace("postgresql://strikemap@", "postgresql://strikemap_viewer@")
    with open_store(viewer_url) as viewer:
        assert len(viewer.events()) == 4 and list(viewer.history(EDITED)["author"]) == ["alice@example.com"]
        with pytest.raises(StoreError, match="'strikemap_viewer' may only read this event store, so nothing was "
                                             "changed .*permission denied"):
            viewer.update(EDITED, {"fatalities": 99}, 1, "crafted", author="alice@example.com")
        with viewer.engine.connect() as conn, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
            conn.exec_driver_sql("UPDATE roles SET role = 'admin'")
    with open_store(owner_url.replace("postgresql://strikemap@", "postgresql://strikemap_editor@")) as editor:
        editor.update(EDITED, {"fatalities": 9}, 1, "SOHR", author="alice@example.com")
        with pytest.raises(StoreError, match="'strikemap_editor' may not change roles .*permission denied for table roles"):
            editor.grant("bob@example.com", "editor", by="alice@example.com")
    with open_store(owner_url) as store:
        assert fatalities(store) == 9 and store.revision()[0] == 2
        assert list(store.history(EDITED)["author"]) == ["alice@example.com"] * 2


def test_an_admin_renames_and_deletes_a_data_set_from_the_page(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest

    copy = page_store(monkeypatch, tmp_path, editors=["carol@example.com"])

    def page_as(author: str) -> AppTest:
        from geo.web.page_state import PageState

        monkeypatch.setenv("STRIKEMAP_AUTHOR", author)
        app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
        app.session_state[PageState.map_drawn.key] = True  # the whole page, as after the map's first draw
        app.query_params["data"] = copy.key
        app.run()
        assert not app.exception, app.exception
        return app

    carol = page_as("carol@example.com")
    assert not any("Delete or rename" in e.label for e in carol.expander)
    assert any("carol@example.com is an editor in this event store and may not grant roles" in t.value for t in carol.text)
    alice = page_as("alice@example.com")
    next(t for t in alice.text_input if t.label == "New name").input("curated")
    next(b for b in alice.button if b.label == "Rename").click().run()
    assert not alice.exception, alice.exception
    with open_store(tmp_path / "store.sqlite") as store:  # shown by the new name; its key and links stay
        assert store.names() == {copy.store_name: "curated"}
        assert store.changes(limit=1)["kind"].iloc[0] == "rename dataset"
    assert alice.query_params["data"] in (copy.key, [copy.key])
    assert any("Renamed to curated" in m.value for m in alice.success)
    assert next(b for b in alice.button if b.label == "Delete data set").disabled  # until confirmed
    next(c for c in alice.checkbox if c.label.startswith("Delete it")).check().run()
    next(b for b in alice.button if b.label == "Delete data set").click().run()
    assert not alice.exception, alice.exception
    with open_store(tmp_path / "store.sqlite") as store:
        assert store.datasets() == {} and store.changes(limit=1)["author"].iloc[0] == "alice@example.com"
    assert any("Deleted curated (change " in m.value for m in alice.success)
