"""strikemap dashboard: the events on an offline map, filtered, charted in time, downloadable.

Thin on purpose: layout and widgets only; everything else is in ``geo/``. What the page keeps between
reruns is one ``geo.web.page_state.PageState``; every callback is one move of it, after which the link
follows. Run with ``make run`` or ``STRIKEMAP_EVENTS=path streamlit run dashboard.py``.
Every filter lives in the URL (``geo.web.filters.Filters``), so a link reproduces the view:
``/?start=2021-06-01&end=2021-06-30&precision=2&actor=...&q=...``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time

import altair as alt
import streamlit as st
from streamlit_folium import st_folium

from geo import config
from geo.web.assets import assets_ready, install_assets
from geo.store.datasets import (BUNDLED, UPLOAD_TYPES, Dataset, add_events, as_form_text, change_label,
                                changed_fields, data_stamp, edit_event, editable_copy, history_table, import_upload,
                                list_datasets, load_dataset, rename_dataset, save_import, store_change_label, without_store_columns)
from geo.errors import EditConflictError, StrikemapError
from geo.reports.extract import MAX_REPORT_CHARS, extract_events
from geo.io.formats import EXPORT_FORMATS, FORMATS, IMPORT_FORMATS
from geo.reports.review import ACCEPT, CHECK, EDITABLE, accept_proposals, review_table
from geo.store.event_store import VERSION, open_store
from geo.io.events import date_span
# The table's columns, the edit form's fields (the place mention is geocoded again when it changes) and the
# precision picker's labels come from the one declared event schema.
from geo.io.schema import EDIT_FIELDS, GEO_PRECISION_LABELS as PRECISION_LABELS, TABLE_COLUMNS, count_of
from geo.io.export import export_bytes
from geo.io.read import problems_table
from geo.web.filters import MULTI, MapView, SearchIndex, apply_filters, facet_values
from geo.web.identity import SIGN_IN, Access, Drafts, identify, login_provider
from geo.web.mapping import (OFFLINE_BASEMAP, ONLINE_BASEMAPS, base_map, bounds_of, country_codes,
                             details_ready, events_feature_group, layer_control, mark_in_use, publish_details,
                             publish_events)
from geo.web.page_state import (OFFLINE_TILES, TABLE_LIMIT, PageState, Playback, fatalities_top,
                                timeline_bounds, weekly_counts)

FACET_LABELS = {"actor": "Actor", "type": "Event type", "subtype": "Sub-type", "country": "Country",
                "admin1": "Province (admin1)"}
EXPORT_LABELS = {name: FORMATS[name].export_title for name in EXPORT_FORMATS}
BASEMAP_LABELS = {OFFLINE_TILES: OFFLINE_BASEMAP} | {key: label for key, (label, _) in ONLINE_BASEMAPS.items()}
MAP_HEIGHT = 560
CHART_HEIGHT = 104  # px: the weekly chart's box, kept while the chart is still to come (the map never moves)
# The rest of the page comes once the map reports that it is drawn, or after this long without a report.
REST_FALLBACK_S = 6.0
SIDEBAR_WIDTH = 340  # px: wide enough for a data set's name and date in the picker
# Streamlit leaves 6rem above the first element; the map should start in the first screen (issue 12).
PAGE_CSS = """<style>
[data-testid="stMainBlockContainer"] {padding-top: 2.25rem; padding-bottom: 3rem;}
[data-testid="stMainBlockContainer"] h3 {padding: 0;}
</style>"""


@st.cache_resource(show_spinner="Preparing offline map assets…")
def ensure_assets() -> bool:
    if not assets_ready():
        install_assets()
    return True


def event_store():
    """The event store (geo.store.event_store, at $STRIKEMAP_DB or data/store.sqlite): (store, None), or (None, why not)."""
    return _open_store(config.store_url())


@st.cache_resource(show_spinner=False)
def _open_store(url: str):
    try:
        return open_store(url), None
    except StrikemapError as exc:
        return None, str(exc)


def page_access() -> Access:
    """Who is using the page (geo.web.identity: sign-in, trusted header or single-user) and their role in the store."""
    return Access.of(identify(dict(st.user), dict(st.context.headers)), event_store()[0])


@st.cache_resource(show_spinner=False)
def drafts() -> Drafts:
    """Edits typed when a sign-in had expired, waiting for the same person to sign in again (one per server)."""
    return Drafts()


def cached_events(key: str, stamp):
    """A data set's events (its file's bad rows set aside: see cached_load)."""
    return cached_load(key, stamp).events


@st.cache_resource(show_spinner=False, max_entries=4)
def cached_load(key: str, stamp):
    """A data set's events and set-aside rows, keyed on its key and stamp, so a changed file or store reloads it.
    One table shared by every session and rerun, never copied (st.cache_data would pickle 100,000 rows on
    each call: ~0.9 s each); the page only reads it (filters, the map and exports make new tables)."""
    store = event_store()[0]
    bar = st.progress(0.0, text="Geocoding events…")

    def advance(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            bar.progress(done / total, text=f"Geocoding events… {done} of {total}")

    try:
        return load_dataset(list_datasets(store)[key], store, progress=advance)
    finally:
        bar.empty()


@st.cache_data(show_spinner=False)
def cached_facets(key: str, stamp) -> dict[str, list[str]]:
    return facet_values(cached_events(key, stamp))


@st.cache_resource(show_spinner=False, max_entries=4)
def cached_search(key: str, stamp) -> SearchIndex:
    """The data set's search index (folded text, place spelling keys): built once per version, read-only."""
    return SearchIndex.of(cached_events(key, stamp))


@st.cache_data(show_spinner=False)
def cached_countries(key: str, stamp) -> tuple[str, ...]:
    """ISO codes of the countries in the data: their province boundaries go on the basemap."""
    return country_codes(cached_events(key, stamp))


@st.cache_data(show_spinner=False)
def cached_span(key: str, stamp) -> tuple[dt.date, dt.date] | None:
    """The data set's first and last dates (None: no dated event)."""
    return date_span(cached_events(key, stamp))


@st.cache_data(show_spinner=False)
def cached_bounds(key: str, stamp) -> list[list[float]] | None:
    """The data set's events' bounds, which the map fits when the link gives no view."""
    return bounds_of(cached_events(key, stamp))


@st.cache_data(show_spinner="Publishing the events for the map…")
def _published(key: str, stamp) -> str:
    loaded = cached_load(key, stamp)
    return publish_events(loaded.events, content_key=loaded.content_key)


def published_url(key: str, stamp) -> str:
    """The events written once as static files for the map (see geo.web.mapping.publish_events), their lease
    renewed as the map draws them (other servers sharing static/ never prune them while in use)."""
    url = _published(key, stamp)
    if not mark_in_use(url):
        _published.clear()  # the files were removed (pruned after a long idle spell, `make clean`): publish again
        url = _published(key, stamp)
    return url


def publish_popups(events_key: tuple, first_draw: bool) -> None:
    """The popup fields of the data set (``publish_details``). 1,000,000 events' take ~7 s and the map's first
    draw needs none of them, so the first run writes them after the map (the map, told they are not there yet,
    says "being prepared", and the run its report starts draws it again knowing they are); any later run that
    finds them missing (another data set opened) writes them before the map, so it never waits for a rerun."""
    url = published_url(*events_key)
    if not details_ready(url):
        # Said only below the map: a spinner above it would take the map's place in its container and remount it.
        with st.spinner("Preparing the events' popups…") if first_draw else contextlib.nullcontext():
            publish_details(cached_events(*events_key), url)


# ------------------------------------------------------------------ page state and the link

def page_state() -> PageState:
    return PageState(st.session_state)


def sync_url(page: PageState) -> None:
    """Write the view into the URL, so the link in the address bar reproduces it."""
    st.query_params.from_dict(page.to_query())


def changed(move=None, *args) -> None:
    """A widget's callback: one move of the page state (none for a filter: its widget holds it), then the link."""
    page = page_state()
    if move is not None:
        move(page, *args)
    sync_url(page)


def warn_about_link(problems: list[str]) -> None:
    for problem in problems:
        st.warning(f"Ignoring part of the link: {problem}.")


# ------------------------------------------------------------------ data sets and imports

def show_refusal(headline: str, exc: Exception) -> None:
    """A refused action: what did not happen, then the library's message in full as plain text (it may quote
    data), where the action's button is."""
    st.error(headline)
    st.code(str(exc), language=None, wrap_lines=True)


def show_notice(page: PageState) -> None:
    """What a sidebar action left to say (a refused import, a deleted data set), once, in the main area,
    where there is room for the whole message."""
    if page.notice is None:
        return
    kind, headline, detail = page.notice
    del page.notice
    (st.error if kind == "error" else st.success)(headline)
    if detail:
        st.code(detail, language=None, wrap_lines=True)


def open_from_page(page: PageState, key: str) -> None:
    """The page opens a data set itself (an import, added proposals, a copy): show it from a fresh run."""
    page.open_dataset(key)
    sync_url(page)
    st.rerun()


def say_why(sentence: str) -> None:
    """Why a control is missing, where it would be: plain text (it names an identity, which is not Markdown)."""
    st.text(sentence)


def account(access: Access) -> None:
    """Who the page acts as (recorded with every change), signing in and out, and what is kept for after."""
    identity = access.identity
    st.text(access.label())  # plain text: an identity from a provider or a header is not Markdown
    if identity.mode == SIGN_IN and not identity.signed_in:
        st.button("Sign in again" if identity.expired else "Sign in", type="primary", on_click=st.login,
                  args=(login_provider(),))
    elif identity.mode == SIGN_IN:
        st.button("Sign out", on_click=st.logout)


def roles_panel(page: PageState, access: Access, dataset: Dataset) -> None:
    """Admins: who holds which role, grants and revocations; deleting and renaming the open data set."""
    store = event_store()[0]
    if store is None:
        return
    with st.sidebar:
        if page.admin_report is not None:
            st.success(page.admin_report)
            del page.admin_report
        if not access.can("grant"):
            say_why("Roles and data set administration: " + access.why_not("grant"))
            return
        with st.expander("Roles (admin)"):
            st.dataframe(store.members().astype(str), hide_index=True, width="stretch")
            with st.form("grant", border=False):
                member = st.text_input("Identity (the e-mail the sign-in gives)")
                role = st.selectbox("Role", ["viewer", "editor", "admin", "none (revoke)"])
                if st.form_submit_button("Grant") and member.strip():
                    try:
                        if role.startswith("none"):
                            store.revoke(member, by=access.author)
                        else:
                            store.grant(member, role, by=access.author)
                    except StrikemapError as exc:
                        show_refusal("Not changed.", exc)
                    else:
                        st.success(f"{member.strip()}: {role}")
        if not dataset.editable:
            return
        with st.expander("Delete or rename this data set (admin)"):
            new_name = st.text_input("New name", value=dataset.label)
            sure = st.checkbox("Delete it: every event goes (the history keeps them; undoing the change brings "
                               "them back)")
            rename, drop = st.columns(2)
            try:
                if rename.button("Rename"):
                    renamed = rename_dataset(store, dataset, new_name, author=access.author)
                    page.admin_report = f"Renamed to {renamed.label} (undo it under Recent changes)."
                    page.dataset_renamed()
                    st.rerun()
                if drop.button("Delete data set", disabled=not sure):
                    change = store.drop_dataset(dataset.store_name, author=access.author)
                    page.admin_report = (f"Deleted {dataset.label} (change {change.change_id}: "
                                         f"`python -m geo store undo {change.change_id}` brings it back).")
                    open_from_page(page, BUNDLED)
            except StrikemapError as exc:
                show_refusal("Not changed.", exc)


def data_sidebar(page: PageState, access: Access) -> Dataset:
    """Choose the data set (kept in the link as ?data=), or import a file as a new one (not before the map's
    first draw: ``PageState.first_draw``)."""
    store, store_problem = event_store()
    datasets = list_datasets(store)
    page.link_problems += tuple(page.settle_dataset(st.query_params, datasets))  # shown in main()
    with st.sidebar:
        st.header("Data")
        if page.first_draw:  # the map first (PageState.first_draw): the choice comes with the rest of the page
            account(access)
            return datasets[page.dataset]
        st.selectbox("Data set", list(datasets), index=list(datasets).index(page.dataset),
                     key=page.dataset_select_key, on_change=changed, args=(PageState.dataset_chosen,),
                     format_func=lambda key: datasets[key].choice)
        account(access)
        if store_problem:
            st.warning("The event store is not available, so imports, reviewed events and edits cannot be "
                       "saved; the bundled data set still works.")
            st.code(store_problem, language=None)
            return datasets[page.dataset]
        st.caption(f"Event store: {store.url}")
        if access.can("import"):
            import_form(page, access)
        else:
            say_why("Importing files: " + access.why_not("import"))
        if access.can("undo"):
            recent_changes(page, access, store)
        if page.import_report is not None:
            headline, lines = page.import_report
            st.success(headline)
            st.text("\n".join(lines))
            del page.import_report
    return datasets[page.dataset]


def recent_changes(page: PageState, access: Access, store) -> None:
    """The store's latest changes, labelled, the latest chosen; undo one (a rename, a deleted data set, an edit)."""
    changes = store.changes(limit=15)
    if changes.empty:
        return
    with st.expander("Recent changes"):
        labels = {int(c.change_id): store_change_label(c) for c in changes.itertuples()}
        latest = next(iter(labels))
        chosen = st.selectbox("Undo a change", list(labels), format_func=labels.get, key=f"store-undo-{latest}")
        if st.button("Undo", key=f"store-undo-button-{latest}"):
            try:
                store.undo(int(chosen), comment=f"undone from the dashboard (change {chosen})",
                           author=access.author)
            except StrikemapError as exc:
                show_refusal(f"Change {chosen} not undone.", exc)
                return
            page.notice = ("success", f"Change {chosen} undone.", "")
            page.dataset_renamed()  # an undone rename shows the old name again
            st.rerun()


def import_form(page: PageState, access: Access) -> None:
    with st.expander("Import a file"), st.form("import", border=False):
        fmt = st.selectbox("Format", IMPORT_FORMATS, format_func=lambda f: FORMATS[f].label)
        upload = st.file_uploader("File", type=UPLOAD_TYPES)
        given_name = st.text_input("Name (optional; else the file's)", max_chars=60)
        only = st.text_input("Only these sub-event types (ACLED; comma-separated)", placeholder="Air/drone strike")
        skip = st.checkbox("Skip bad rows (each listed) instead of refusing the file")
        if st.form_submit_button("Import"):
            if upload is None:
                st.warning("Choose a file to import first.")
            else:
                import_file(page, access, upload, fmt, [t.strip() for t in only.split(",") if t.strip()], skip,
                            given_name)


def import_file(page: PageState, access: Access, upload, fmt: str, sub_event_types: list[str],
                skip_bad_rows: bool, given_name: str = "") -> None:
    try:
        with st.spinner("Importing (rows without coordinates are geocoded)…"):
            events, summary = import_upload(upload.getvalue(), upload.name, fmt, sub_event_types=sub_event_types,
                                            on_bad_rows="skip" if skip_bad_rows else "error")
            saved = save_import(event_store()[0], events, upload.name, fmt, author=access.author, name=given_name)
    except StrikemapError as exc:
        # In the main area, in full: the sidebar is too narrow for a message that names file, row and column.
        page.notice = ("error", "Import refused; nothing was saved and the open data set is unchanged.", str(exc))
        st.rerun()
    page.import_report = (f"Imported and opened as {saved.label!r}:", summary.lines())
    open_from_page(page, saved.key)


def propose_from_report(page: PageState, access: Access, dataset: Dataset, events) -> None:
    """Paste a report, review the events it proposes, add the ticked ones to the open data set (in the
    event store; the bundled data set gets an editable working copy first)."""
    if not access.can("add"):
        say_why("Proposing events from a report: " + access.why_not("add"))
        return
    with st.expander("Propose events from a report", expanded=page.proposals is not None):
        with st.form("report", border=False):
            text = st.text_area("Report text (or HTML)", height=180, max_chars=MAX_REPORT_CHARS,
                                placeholder="Paste a news report or statement about strikes…")
            report_date = st.date_input("Report date ('on Sunday', 'yesterday' count from it)", value=None,
                                        min_value=dt.date(1900, 1, 1), max_value=dt.date.today(),
                                        help="Leave empty to use the date in the report's own dateline.")
            if st.form_submit_button("Propose events") and text.strip():
                try:
                    with st.spinner("Reading the report…"):
                        proposals = extract_events(text, report_date, source="pasted report")
                except StrikemapError as exc:
                    st.error(str(exc))
                    proposals = None
                if proposals is not None and proposals.empty:
                    st.info("No strike found in this report.")
                elif proposals is not None:
                    page.proposals = proposals
        proposals = page.proposals
        if proposals is None:
            return
        st.caption(f"{count_of(len(proposals), 'proposed event')}. Untick what is wrong, correct what needs it; an edited "
                   "place mention is geocoded again when added. Nothing joins the data until you add it.")
        table = review_table(proposals)
        reviewed = st.data_editor(table, key=PageState.review.key, hide_index=True, width="stretch", placeholder="",
                                  disabled=[c for c in table.columns if c not in (ACCEPT, *EDITABLE)],
                                  column_config={
                                      ACCEPT: st.column_config.CheckboxColumn("add", default=True),
                                      CHECK: st.column_config.TextColumn(
                                          "check", help="⚠: the geocoder was unsure of this place (ambiguous) "
                                                   "or found none (unresolved); see geo_status")})
        add, drop, _ = st.columns([2, 1, 3])
        if add.button("Add ticked events to the data set", type="primary", disabled=event_store()[0] is None):
            try:
                accepted = accept_proposals(reviewed, proposals, origin="the reviewed proposals")
                saved = add_events(event_store()[0], dataset, events, accepted, author=access.author)
            except StrikemapError as exc:
                show_refusal("Nothing was added.", exc)
                return
            del page.proposals
            where = (f"a new editable copy of {dataset.label}, {saved.label!r}" if not dataset.editable
                     else repr(saved.label))
            page.notice = ("success", f"Added {count_of(len(accepted), 'reviewed event')} to {where}.", "")
            open_from_page(page, saved.key)
        if drop.button("Discard proposals"):
            del page.proposals
            st.rerun()


def edit_panel(page: PageState, access: Access, dataset: Dataset, events, event_id: str) -> None:
    """Correct the selected event, see its history, undo a change. Only store data sets are editable, and only
    by an editor; anyone sees the history."""
    store = event_store()[0]
    kept = drafts().get(access.author, dataset.key, event_id) if access.author else None
    # Always open, so its identity never changes between runs: an expander whose ``expanded`` flips collapses, and
    # would hide the message under the button just pressed.
    with st.expander(f"Edit {event_id} and see its history", expanded=True):
        # The report of the last save or undo has a place of its own in every run, so what follows keeps its
        # place: the undo box drawn after an undo replaces the one before it, never lands beside it.
        report = st.empty()
        if page.edit_report is not None:
            report.success(page.edit_report)
            del page.edit_report
        if not dataset.editable:
            st.caption("The bundled data set is read-only: the curated file is never rewritten. An editable copy "
                       "in the event store keeps every correction with who made it, when and why.")
            if not access.can("import"):
                say_why("Making an editable copy: " + access.why_not("import"))
            elif st.button("Make an editable copy"):
                open_from_page(page, editable_copy(store, dataset, events, author=access.author).key)
            return
        row = events[events["event_id_cnty"] == event_id].iloc[0]
        version = int(row[VERSION])
        # The version this form was filled from is the one a save expects: if anyone saved since, the save
        # is refused (EditConflictError), never applied over their change. A new form generation (after a
        # save, an undo or a refusal) starts again from the current values.
        form = page.edit_form(event_id, version)
        # An expired sign-in keeps the form, so nothing typed is lost: a save then keeps the edit for after the
        # new sign-in (geo.web.identity.Drafts) instead of writing it.
        if access.keeps_form("edit"):
            draft = kept
            if draft is not None and access.can("edit"):
                st.info("Your edit from before you signed in again is back in the form: check it and save.")
            if access.identity.expired:
                st.warning(access.why_not("edit"))
            with st.form(form.key("form"), border=False):
                values = {}
                for column, label in EDIT_FIELDS.items():
                    widget = st.text_area if column == "notes" else st.text_input
                    start = draft[0].get(column, as_form_text(row[column])) if draft else as_form_text(row[column])
                    values[column] = widget(label, start, key=form.key(column))
                comment = st.text_input("Why (kept in the history)", draft[1] if draft else "",
                                        placeholder="e.g. SOHR's later count", key=form.key("comment"))
                if st.form_submit_button("Save", type="primary"):
                    save_edit(page, access, store, dataset, row, values, form.loaded_version, comment)
            if access.identity.expired:  # (a button cannot live in the form)
                st.button("Sign in again to save", type="primary", on_click=st.login, args=(login_provider(),),
                          key="sign-in-to-save")
        else:
            say_why("Editing: " + access.why_not("edit"))
        history = store.history(event_id, dataset.store_name)
        st.caption(f"History of {event_id} (version {version}), newest first")
        readable = history_table(history)
        last = readable.iloc[0]  # who: the identity that made it, never a typed name (shown as plain text)
        st.text(f"Last change: {history.iloc[-1]['kind']} by {last['who']}, {last['when']}")
        st.dataframe(readable, hide_index=True, width="stretch", placeholder="")
        if not access.can("undo"):
            return
        # Newest first, the latest chosen: after a save, Undo takes back that save.
        labels = {int(step.change_id): change_label(step, event_id) for step in history.iloc[::-1].itertuples()}
        latest = next(iter(labels))
        undo_col, button_col = st.columns([5, 1], vertical_alignment="bottom")
        change = undo_col.selectbox("Undo a change", list(labels), format_func=labels.get,
                                    key=form.undo_key("change", latest))
        if button_col.button("Undo", key=form.undo_key("button", latest)):
            try:
                store.undo(int(change), comment=f"undone from the dashboard ({event_id})", author=access.author)
            except StrikemapError as exc:
                show_refusal(f"Change {change} not undone.", exc)
                return
            page.edit_done(event_id, f"Change {change} undone.")
            st.rerun()


def save_edit(page: PageState, access: Access, store, dataset: Dataset, row, values: dict, expected_version: int,
              comment: str) -> None:
    event_id = row["event_id_cnty"]
    changes = changed_fields(row, values)
    if not changes:
        st.info("Nothing changed.")
        return
    if access.identity.expired:  # kept for after the new sign-in, not written
        drafts().keep(access.author, dataset.key, event_id, values, comment)
        st.warning("Not saved yet: your sign-in has expired. Your edit is kept: sign in again, select "
                   f"{event_id} and it is back in the form.")
        return
    try:
        edit_event(store, dataset, event_id, changes, expected_version, author=access.author,
                   comment=comment.strip() or "edited in the dashboard")
    except EditConflictError as exc:  # says who changed it since, and when
        st.error("Not saved: someone else changed this event since you opened it. Your edit is below; the "
                 "form will show their version next time.")
        st.code(str(exc), language=None, wrap_lines=True)
        st.text("Your edit: " + "; ".join(f"{c} = {v!r}" for c, v in changes.items()))
        page.restart_edit_form(event_id)
        return
    except StrikemapError as exc:
        show_refusal("Not saved; the event is as it was.", exc)
        return
    drafts().drop(access.author, dataset.key, event_id)
    page.edit_done(event_id, f"Saved {event_id} ({', '.join(sorted(changes))}).")
    st.rerun()


# ------------------------------------------------------------------ filters, timeline, chart and map

def filter_sidebar(page: PageState, facets: dict[str, list[str]]) -> None:
    with st.sidebar:
        st.header("Filters")
        for name, label in FACET_LABELS.items():
            attribute = MULTI[name][0]
            options = sorted(set(facets[name]) | set(getattr(page, attribute)))  # a link's choice stays listed
            st.multiselect(label, options, key=getattr(PageState, attribute).key, on_change=changed,
                           placeholder="all")
        st.multiselect("Geo precision", [1, 2, 3], key=PageState.precisions.key, on_change=changed,
                       format_func=PRECISION_LABELS.get, placeholder="all")
        st.slider("Fatalities (reported range overlaps)", 0, page.fatalities_top, key=PageState.fatalities.key,
                  on_change=changed)
        st.text_input("Search places, actors and notes", key=PageState.text.key, on_change=changed,
                      placeholder="e.g. Abu Kamal, KH, storage",
                      help="Place names match in any spelling the geocoder knows (Abu Kamal = Al-Bukamal = "
                           "Albu Kamal); case and accents never matter.")
        st.toggle("Needs review only (ambiguous or unplaced places)", key=PageState.needs_review.key,
                  on_change=changed,
                  help="Events whose place the geocoder was unsure of (geo_status ambiguous) or could not find "
                       "(unresolved). Events whose file gave coordinates are never listed here.")
        st.toggle("Show uncertainty shapes", key=PageState.show_shapes.key, on_change=changed,
                  help="Circles of the uncertainty radius and region outlines; off shows points only.")
        st.selectbox("Basemap", list(BASEMAP_LABELS), key=PageState.tiles.key, on_change=changed,
                     args=(PageState.basemap_chosen,), format_func=BASEMAP_LABELS.get,
                     help="The base the map (and the link) opens with; the map's layer control switches too. "
                          "Online tiles need internet; the offline Natural Earth basemap stays underneath "
                          "and the map says so when tiles cannot load.")


def timeline_controls(page: PageState):
    """The slider and dates, the week steps and the playback controls; returns the place of the playback's
    status line (filled by ``playback_timer`` once the rest of the page is drawn)."""
    first, last = page.timeline
    slider_col, dates_col = st.columns([3, 1], vertical_alignment="bottom")
    page.timeline_widgets()
    with slider_col:
        st.slider("Timeline", min_value=first, max_value=last, key=page.slider_key, on_change=changed,
                  args=(PageState.window_slid, page.slider_key), format="YYYY-MM-DD", label_visibility="collapsed")
    with dates_col:
        if not page.first_draw:  # the map first (PageState.first_draw): the dates and playback's choices after it
            st.date_input("Date range", min_value=first, max_value=last, key=page.dates_key,
                          on_change=changed, args=(PageState.window_typed, page.dates_key), label_visibility="collapsed")
    back, forward, play, by, mode, speed, status = st.columns([1, 1, 1, 0.9, 1.3, 0.9, 2.5],
                                                             vertical_alignment="bottom")
    back.button("◀ week", on_click=changed, args=(PageState.step, -7), width="stretch",
                disabled=not page.can_step(-7),
                help="Move the window a week earlier" if page.can_step(-7)
                else f"The window already starts at the data's first month ({first.isoformat()})")
    forward.button("week ▶", on_click=changed, args=(PageState.step, 7), width="stretch",
                   disabled=not page.can_step(7),
                   help="Move the window a week later" if page.can_step(7)
                   else f"The window already ends at the data's last month ({last.isoformat()})")
    playback_controls(page, play, by, mode, speed)
    return status.empty()


def playback_controls(page: PageState, play, by, mode, speed) -> None:
    """Play and pause through time (geo.web.page_state.Playback: by Streamlit reruns, one a step)."""
    play.button("⏸ Pause" if page.playing else "▶ Play", on_click=changed, args=(PageState.play_pressed,),
                width="stretch", help="Step the window through time; the link keeps the playback.")
    if page.first_draw:
        return
    # Labels collapsed (the values say what they are: "week", "moving", "1 s"), so the map stays in the first screen.
    by.selectbox("Step by", list(Playback.STEPS), key=PageState.play_by.key, on_change=changed,
                 label_visibility="collapsed")
    mode.selectbox("Window", list(Playback.MODES), key=PageState.play_mode.key, on_change=changed,
                   format_func=Playback.MODES.get, label_visibility="collapsed")
    speed.selectbox("Speed", Playback.SPEEDS, key=PageState.play_speed.key, on_change=changed,
                    format_func=lambda s: f"{s:g} s a step", label_visibility="collapsed")


def rest_fallback() -> None:
    """Before the map's first draw: draws the rest of the page if the map has not reported in REST_FALLBACK_S."""
    if page_state().map_reported(None, time.monotonic(), REST_FALLBACK_S):
        st.rerun(scope="app")


def playback_timer(page: PageState, status) -> None:
    """While playing, a fragment that runs every step's time. Started last, once the page is drawn: a beat
    that came while the page still ran would interrupt that run (and remount the map)."""
    if page.playing:
        sync_url(page)  # a run another beat or the map asked for may have come with an older link
        with status.container():
            st.fragment(playback_beat, run_every=page.play_speed)()


def playback_beat() -> None:
    """Runs every step's time while playing: the window steps and the whole page runs again."""
    page = page_state()
    start, end = page.window
    st.caption(f"Playing: {start.isoformat()} to {end.isoformat()}")
    if page.play_tick(time.monotonic()):
        sync_url(page)
        st.rerun(scope="app")


def weekly_chart(undated, window: tuple[dt.date, dt.date]) -> None:
    """Events per week passing every filter but the dates, with the chosen window in red."""
    # The axis's name is the chart's title, level (a vertical one was clipped in a chart this short); whole
    # counts get whole ticks.
    chart = alt.Chart(weekly_counts(undated, window)).mark_bar().encode(
        x=alt.X("week:T", title=None),
        y=alt.Y("events:Q", title=None, axis=alt.Axis(tickMinStep=1, format="d", tickCount=3)),
        color=alt.Color("in window:N", scale=alt.Scale(domain=[True, False], range=["#b2182b", "#c9c9c9"]),
                        legend=None),
        tooltip=[alt.Tooltip("week:T", title="week of"), "events:Q"],
    ).properties(height=40, title=alt.TitleParams("events / week", anchor="start", fontSize=12,
                                                  fontWeight="normal", color="#555", offset=2),
                 # The height is the bars' own; axis labels and title come on top of it (not out of it).
                 autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    st.altair_chart(chart, width="stretch")


@st.fragment
def event_map(events_key: tuple, events, shown, table_ids, focus_id) -> None:
    """The map. A fragment: panning reruns only this function (to keep the view in the link), while
    a click on an event reruns the page so its table row is selected."""
    page = page_state()
    fmap = base_map(cached_bounds(*events_key), online_tiles=None if page.tiles == OFFLINE_TILES else page.tiles,
                    admin1_countries=cached_countries(*events_key),
                    view=page.opening_view,  # fixed per session: a new view would remount
                    dataset_url=published_url(*events_key))
    layer = events_feature_group(events, shown, published_url(*events_key), page.show_shapes, focus_id)
    # render=False: st_folium renders the map itself anyway; its extra render of the whole page first is
    # unused (the same script, header and html; a third of its time).
    answer = st_folium(fmap, feature_group_to_add=layer, layer_control=layer_control(),
                       returned_objects=["last_object_clicked_tooltip", "center", "zoom"], key=PageState.map.key,
                       height=MAP_HEIGHT, use_container_width=True, render=False)
    view = MapView.from_map(answer)
    if page.map_moved(view):
        sync_url(page)
    if page.map_reported(view):  # the map is drawn: now the rest of the page (see PageState.first_draw)
        st.rerun(scope="app")
    # A click on the map selects the event's row in the table (the event's id comes back as its tooltip).
    if page.map_clicked(((answer or {}).get("last_object_clicked_tooltip") or "").strip(), table_ids):
        st.rerun(scope="app")


def export_buttons(page: PageState, shown, shows: tuple) -> None:
    """Download exactly the shown events. ``shows`` names the view: data set, its version, filters."""
    format_col, button_col, _ = st.columns([2, 3, 2], vertical_alignment="bottom")
    export_format = format_col.selectbox("Format", list(EXPORT_LABELS), format_func=EXPORT_LABELS.get,
                                         key=PageState.export_format.key, help="Every format keeps the place "
                                         "mentions as written and how each was resolved; dates are ISO strings.")
    suffix, mime = FORMATS[export_format].suffix, FORMATS[export_format].mime
    # Two steps: "Prepare" makes the file of exactly this view, then an ordinary download button hands it over.
    # (A download button that makes its file on click loses it under load: Streamlit drops such a file once two
    # script runs of any session have ended, often before the browser fetches it; see bench/load_sessions.py.)
    shows = (*shows, export_format)
    short_format = EXPORT_LABELS[export_format].split(" (")[0]
    prepared = page.export_ready(shows)
    if prepared is not None:
        start, end = page.window
        button_col.download_button(f"Download shown events ({short_format})", data=prepared,
                                   file_name=f"strikemap_{start.isoformat()}_{end.isoformat()}{suffix}",
                                   mime=mime, type="primary", on_click="ignore")
    elif button_col.button(f"Prepare download ({count_of(len(shown), 'event')}, {short_format})"):
        with st.spinner("Writing the file…"):
            page.keep_export(shows, export_bytes(without_store_columns(shown), export_format)[0])
        st.rerun()


# ------------------------------------------------------------------ page

def load_or_stop(dataset: Dataset):
    """(events, stamp, first and last dates) of the data set; a file that cannot be read, or holds no events,
    ends the page here."""
    try:
        stamp = data_stamp(dataset, event_store()[0])
        loaded = cached_load(dataset.key, stamp)
    except StrikemapError as exc:
        st.error("Could not load the events file.")
        st.code(str(exc), language=None, wrap_lines=True)  # shown as plain text: cell values are not Markdown
        st.stop()
    events = loaded.events
    if loaded.set_aside:
        with st.expander(f"{count_of(loaded.rows_set_aside, 'row')} set aside (not shown: fix them in the file)"):
            # Plain text and a data table: the values are the file's, never Markdown or HTML.
            st.text(f"{count_of(loaded.rows_set_aside, 'row')} of {dataset.label}: a bad cell, so not on the map.")
            st.dataframe(problems_table(loaded.set_aside), hide_index=True, width="stretch")
    span = cached_span(dataset.key, stamp)
    if span is None:
        st.info("The events file holds no events yet.")
        st.stop()
    return events, stamp, span


def list_unplaced(shown) -> None:
    missing = shown.geometry.isna().to_numpy()
    if missing.any():  # (a selection of no rows still builds a whole frame: ~10 ms a run at 100,000 events)
        unplaced = shown[missing]
        # Mentions come from reports: listed with st.text, which shows them as plain characters, never Markdown.
        st.warning(f"Not on the map: {count_of(len(unplaced), 'shown event')} could not be placed:")
        st.text("\n".join(f"{r.event_id_cnty}: {r.location_mention!r} ({r.geocoder})" for r in unplaced.itertuples()))


def resume_drafts(page: PageState, access: Access) -> None:
    """After a new sign-in: the edits kept when the last one expired, each a button that opens it."""
    if not access.can("edit"):
        return
    datasets = list_datasets(event_store()[0])
    for dataset_key, event_id in drafts().pending(access.author):
        if dataset_key in datasets:
            st.info(f"You have an unsaved edit of {event_id} in {datasets[dataset_key].label}, kept when your "
                    "sign-in expired.")
            st.button(f"Open {event_id} to finish the edit", key=f"resume-{dataset_key}-{event_id}",
                      on_click=changed, args=(PageState.resume_edit, dataset_key, event_id))


def events_table(page: PageState, access: Access, dataset: Dataset, events, table_rows, shown_count: int) -> None:
    """``table_rows``: the first ``TABLE_LIMIT`` of the ``shown_count`` shown events."""
    if shown_count > TABLE_LIMIT:
        st.caption(f"The table lists the first {TABLE_LIMIT:,} of {shown_count:,} shown events; narrow the "
                   "filters to see the rest, or download them all.")
    st.dataframe(table_rows, hide_index=True, width="stretch", key=PageState.table.key,
                 on_select="rerun", selection_mode="single-row", placeholder="")
    row = page.selected_row(len(table_rows))
    if row is not None:
        chosen = table_rows.iloc[row]
        st.text(f"Selected: {chosen['event_id_cnty']} · {chosen['event_date']} · {chosen['location_mention']}")
        edit_panel(page, access, dataset, events, chosen["event_id_cnty"])


def main() -> None:
    st.set_page_config(page_title="strikemap", page_icon="🗺️", layout="wide", initial_sidebar_state=SIDEBAR_WIDTH)
    st.html(PAGE_CSS)
    ensure_assets()
    # One header line: the title, the open data set, how many events are shown (filled in below). The map
    # then starts in the first screen, with the timeline just above it.
    title_col, dataset_col, showing_col = st.columns([2, 4, 5], vertical_alignment="bottom")
    title_col.subheader("strikemap", anchor=False)
    page = page_state()
    if page.opened_at is None:
        page.opened_at = time.monotonic()
    # Any run that starts after the map has reported (its own rerun can be lost among a press's) or after the
    # fallback's time draws the whole page, whatever started it.
    page.map_reported(MapView.from_map(page.map), time.monotonic(), REST_FALLBACK_S)
    # Until the map has drawn, only what it needs and what sits above it is sent (PageState.first_draw): every
    # other element makes the browser fetch and run its code before the map's. The places of the page above
    # the map are made first, in order, so that the map keeps its place (a new one would remount it) whatever
    # a run adds: notices, and the rest of the page once the map has drawn.
    rest = not page.first_draw
    top = st.container()  # notices, then the timeline
    # The chart is drawn after the map (the map's iframe should start loading before the browser is busy with
    # the chart's code); its place has the chart's height from the start, so the map never moves.
    chart_box = st.container(height=CHART_HEIGHT, border=False)
    map_box = st.container()
    access = page_access()
    dataset = data_sidebar(page, access)
    if rest:
        roles_panel(page, access, dataset)
    # st.text: an uploaded file's name is shown as characters, not Markdown
    dataset_col.text(f"Data set: {dataset.label}")
    with top:
        resume_drafts(page, access)
        show_notice(page)
        events, stamp, span = load_or_stop(dataset)
        if page.needs_opening:
            page.link_problems += tuple(page.open_from_link(st.query_params, timeline_bounds(span),
                                                            fatalities_top(events)))
            sync_url(page)
        warn_about_link(page.link_problems)  # until the whole page is drawn
        if rest:
            del page.link_problems
    if rest:
        filter_sidebar(page, cached_facets(dataset.key, stamp))

    filters = page.filters()
    search = cached_search(dataset.key, stamp) if filters.text else None
    shown = apply_filters(events, filters, search)
    # The chart shows every filter but the dates, so the window can be seen against the whole record.
    undated = apply_filters(events, filters.replace(start=None, end=None), search)
    with top:
        playback_status = timeline_controls(page)
    showing_col.markdown(f"**Showing {len(shown)} of {len(events)} events** · {filters.start.isoformat()} to "
                         f"{filters.end.isoformat()}")

    # The rows the table lists (a copy of every shown row's columns would be ~0.1 s a run at 1,000,000 events)
    table_rows = shown.head(TABLE_LIMIT)[[c for c in TABLE_COLUMNS if c in shown.columns]].reset_index(drop=True)
    page.select_pending(table_rows["event_id_cnty"])  # a Series: read only when an edit waits
    selected = page.selected_row(len(table_rows))
    focus_id = None if selected is None else table_rows.iloc[selected]["event_id_cnty"]
    if rest:
        publish_popups((dataset.key, stamp), first_draw=False)
    with map_box:
        event_map((dataset.key, stamp), events, shown, table_rows["event_id_cnty"], focus_id)
    list_unplaced(shown)
    if not rest:
        st.fragment(rest_fallback, run_every=REST_FALLBACK_S)()
        publish_popups((dataset.key, stamp), first_draw=True)
        playback_timer(page, playback_status)
        return
    with chart_box:
        if len(undated):
            weekly_chart(undated, page.window)
        else:
            st.caption("No events pass the other filters at any date.")
    export_buttons(page, shown, (dataset.key, stamp, filters))
    events_table(page, access, dataset, events, table_rows, len(shown))
    propose_from_report(page, access, dataset, events)
    playback_timer(page, playback_status)


main()
