"""strikemap dashboard: the events on an offline map, filtered, charted in time, downloadable.

Thin on purpose: layout and widgets only; everything else is in ``geo/``.
Run with ``make run`` or ``STRIKEMAP_EVENTS=path streamlit run dashboard.py``.
Every filter lives in the URL (``geo.web.filters.Filters``), so a link reproduces the view:
``/?start=2021-06-01&end=2021-06-30&precision=2&actor=...&q=...``.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import config
from geo.web.assets import assets_ready, install_assets
from geo.store.datasets import (BUNDLED, UPLOAD_TYPES, Dataset, add_events, editable_copy, import_upload,
                                list_datasets, load_dataset, save_import)
from geo.errors import EditConflictError, StrikemapError
from geo.reports.extract import MAX_REPORT_CHARS, extract_events
from geo.io.formats import EXPORT_FORMATS, FORMATS, IMPORT_FORMATS
from geo.reports.review import ACCEPT, EDITABLE, accept_proposals, placement_changes, review_table
from geo.store.event_store import VERSION, default_author, open_store
from geo.io.events import date_span
# The table's columns, the edit form's fields (the place mention is geocoded again when it changes) and the
# precision picker's labels come from the one declared event schema.
from geo.io.schema import EDIT_FIELDS, GEO_PRECISION_LABELS as PRECISION_LABELS, TABLE_COLUMNS
from geo.io.export import export_bytes
from geo.io.read import problems_table
from geo.web.filters import MULTI, Filters, MapView, apply_filters, facet_values
from geo.web.mapping import (OFFLINE_BASEMAP, ONLINE_BASEMAPS, base_map, bounds_of, country_codes,
                         events_feature_group, layer_control, publish_events)

st.set_page_config(page_title="strikemap", page_icon="🗺️", layout="wide")

# Row selection needs the rows in the browser (Streamlit's lazy tables cannot select), so the table is capped.
TABLE_LIMIT = 2000
FACET_LABELS = {"actor": "Actor", "type": "Event type", "subtype": "Sub-type", "country": "Country",
                "admin1": "Province (admin1)"}
EXPORT_LABELS = {name: FORMATS[name].export_title for name in EXPORT_FORMATS}
# Basemap choices, by their URL value ("offline", the default, is left out of links).
BASEMAPS = {"offline": OFFLINE_BASEMAP} | {key: label for key, (label, _) in ONLINE_BASEMAPS.items()}


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


def data_stamp(dataset: Dataset):
    """What changes when the data set does: the file's modification time, or the store's revision."""
    if dataset.editable:
        return event_store()[0].revision()
    return dataset.path.stat().st_mtime if dataset.path.exists() else 0.0


def cached_events(key: str, stamp):
    """A data set's events (its file's bad rows set aside: see cached_load)."""
    return cached_load(key, stamp).events


@st.cache_data(show_spinner=False)
def cached_load(key: str, stamp):
    """A data set's events and set-aside rows, keyed on its key and stamp, so a changed file or store reloads it."""
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


@st.cache_data(show_spinner=False)
def cached_countries(key: str, stamp) -> tuple[str, ...]:
    """ISO codes of the countries in the data: their province boundaries go on the basemap."""
    return country_codes(cached_events(key, stamp))


@st.cache_data(show_spinner="Publishing the events for the map…")
def _published(key: str, stamp) -> str:
    return publish_events(cached_events(key, stamp))


def published_url(key: str, stamp) -> str:
    """The events written once as static files for the map (see geo.web.mapping.publish_events)."""
    url = _published(key, stamp)
    if not (config.STATIC_DIR / url.removeprefix(config.STATIC_URL + "/") / "core.json").exists():
        _published.clear()  # the files were removed (pruned, `make clean`): publish again
        url = _published(key, stamp)
    return url


# ------------------------------------------------------------------ state <-> URL

def _current_filters() -> Filters:
    state = st.session_state
    start, end = state["range_slider"]
    multi = {attribute: tuple(state.get(f"f_{name}", ())) for name, (attribute, _) in MULTI.items()}
    low, high = state.get("f_fatalities", (None, None))
    return Filters(start=start, end=end, precisions=tuple(sorted(state.get("f_precision", ()))),
                   fatalities_min=low or None, fatalities_max=high if high != state.get("fatalities_top") else None,
                   text=state.get("f_text", "").strip(), **multi)


def _sync_url() -> None:
    """Write the view into the URL, so the link in the address bar reproduces it."""
    if "range_slider" not in st.session_state or st.session_state.get("reinitialise"):
        return  # another data set is being opened: its first run writes the URL (see _initialise)
    query = _current_filters().to_query()
    if st.session_state.get("dataset", BUNDLED) != BUNDLED:
        query["data"] = st.session_state["dataset"]
    if st.session_state.get("show_shapes") is False:
        query["shapes"] = "0"
    if st.session_state.get("tiles", "offline") != "offline":
        query["tiles"] = st.session_state["tiles"]
    if st.session_state.get("view"):
        query.update(st.session_state["view"].to_query())
    st.query_params.from_dict(query)


def _basemap_chosen() -> None:
    # A new base layer rebuilds the map: reopen it where the analyst is looking, not where the link began.
    st.session_state["opening_view"] = st.session_state.get("view")
    _sync_url()


def _set_range(start: dt.date, end: dt.date) -> None:
    st.session_state["range_slider"] = (start, end)
    st.session_state["range_dates"] = (start, end)


def _slider_moved() -> None:
    _set_range(*st.session_state["range_slider"])
    _sync_url()


def _dates_typed() -> None:
    picked = st.session_state["range_dates"]
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        _set_range(*picked)
        _sync_url()


def _step(days: int) -> None:
    """Move the window by ``days`` keeping its width, within the timeline."""
    low, high = st.session_state["timeline_bounds"]
    start, end = st.session_state["range_slider"]
    shift = max(min(dt.timedelta(days=days), high - end), low - start)
    _set_range(start + shift, end + shift)
    _sync_url()


def _initialise(first: dt.date, last: dt.date, fatalities_top: int) -> None:
    """First run of a session: every widget starts from the URL."""
    wanted = Filters.from_query(st.query_params)
    for problem in wanted.problems:
        st.warning(f"Ignoring part of the link: {problem}.")
    start, end = wanted.start or first, wanted.end or last
    # A shared link's window is kept exactly, even where it reaches past the data.
    st.session_state["timeline_bounds"] = (min(first, start), max(last, end))
    _set_range(start, end)
    for name, (attribute, _) in MULTI.items():
        st.session_state[f"f_{name}"] = list(getattr(wanted, attribute))
    st.session_state["f_precision"] = list(wanted.precisions)
    st.session_state["fatalities_top"] = fatalities_top
    st.session_state["f_fatalities"] = (min(wanted.fatalities_min or 0, fatalities_top),
                                        min(wanted.fatalities_max if wanted.fatalities_max is not None
                                            else fatalities_top, fatalities_top))
    st.session_state["f_text"] = wanted.text
    st.session_state["table"] = {"selection": {"rows": [], "columns": []}}
    st.session_state["show_shapes"] = st.query_params.get("shapes") != "0"
    tiles = st.query_params.get("tiles", "offline")
    if tiles not in BASEMAPS:
        st.warning(f"Ignoring part of the link: tiles={tiles!r} is not one of {', '.join(BASEMAPS)}.")
    st.session_state["tiles"] = tiles if tiles in BASEMAPS else "offline"
    view, problems = MapView.from_query(st.query_params)
    for problem in problems:
        st.warning(f"Ignoring part of the link: {problem}.")
    # The map opens where the link says; later moves are written back to the link (see event_map).
    st.session_state["opening_view"] = st.session_state["view"] = view
    _sync_url()


# ------------------------------------------------------------------ data sets and imports

def show_refusal(headline: str, exc: Exception) -> None:
    """A refused action: what did not happen, then the library's message as plain text (it may quote data)."""
    st.error(headline)
    st.code(str(exc), language=None)


def _open_dataset(key: str) -> None:
    """Show another data set from its own beginning: its whole timeline, no filters. The widgets keep
    their keys (removing a widget's key mid-session makes Streamlit replay its callback); the next run
    sets them afresh before they are drawn (see _initialise)."""
    st.session_state["reinitialise"] = True
    for name in ("view", "opening_view", "last_click"):
        st.session_state.pop(name, None)
    st.query_params.from_dict({"data": key} if key != BUNDLED else {})


def _dataset_chosen() -> None:
    st.session_state["dataset"] = st.session_state[_select_key()]
    _open_dataset(st.session_state["dataset"])


def _select_key() -> str:
    # The select's key changes whenever the page opens a data set itself (an import, added proposals, a
    # copy): a select keyed once would send its old choice back on a later rerun and reopen that one.
    return f"dataset-select-{st.session_state.get('dataset_switches', 0)}"


def data_sidebar() -> Dataset:
    """Choose the data set (kept in the link as ?data=), or import a file as a new one."""
    store, store_problem = event_store()
    datasets = list_datasets(store)
    if "pending_dataset" in st.session_state:  # set by an import, before the select exists
        st.session_state["dataset"] = st.session_state.pop("pending_dataset")
        st.session_state["dataset_switches"] = st.session_state.get("dataset_switches", 0) + 1
    if "dataset" not in st.session_state:
        wanted = st.query_params.get("data", BUNDLED)
        if wanted not in datasets:
            st.warning(f"Ignoring part of the link: data={wanted!r} is not a data set here.")
            wanted = BUNDLED
        st.session_state["dataset"] = wanted
    elif st.session_state["dataset"] not in datasets:
        st.session_state["dataset"] = BUNDLED  # its file was removed
    with st.sidebar:
        st.header("Data")
        st.selectbox("Data set", list(datasets), index=list(datasets).index(st.session_state["dataset"]),
                     key=_select_key(), on_change=_dataset_chosen,
                     format_func=lambda key: datasets[key].label)
        st.text_input("Your name (recorded with every change)", key="author", placeholder=default_author())
        if store_problem:
            st.warning("The event store is not available, so imports, reviewed events and edits cannot be "
                       "saved; the bundled data set still works.")
            st.code(store_problem, language=None)
            return datasets[st.session_state["dataset"]]
        st.caption(f"Event store: {store.url}")
        with st.expander("Import a file"), st.form("import", border=False):
            fmt = st.selectbox("Format", IMPORT_FORMATS, format_func=lambda f: FORMATS[f].label)
            upload = st.file_uploader("File", type=UPLOAD_TYPES)
            only = st.text_input("Only these sub-event types (ACLED; comma-separated)",
                                 placeholder="Air/drone strike")
            skip = st.checkbox("Skip bad rows (each listed) instead of refusing the file")
            if st.form_submit_button("Import"):
                if upload is None:
                    st.warning("Choose a file to import first.")
                else:
                    _import(upload, fmt, [t.strip() for t in only.split(",") if t.strip()], skip)
        if "import_report" in st.session_state:
            st.success("Imported and opened:")
            st.text("\n".join(st.session_state.pop("import_report")))
    return datasets[st.session_state["dataset"]]


def _author() -> str:
    return st.session_state.get("author", "").strip() or default_author()


def _import(upload, fmt: str, sub_event_types: list[str], skip_bad_rows: bool) -> None:
    data = upload.getvalue()
    try:
        with st.spinner("Importing (rows without coordinates are geocoded)…"):
            events, summary = import_upload(data, upload.name, fmt, sub_event_types=sub_event_types,
                                            on_bad_rows="skip" if skip_bad_rows else "error")
            if events.empty:
                raise StrikemapError(f"{upload.name!r}: no events left to import")
            saved = save_import(event_store()[0], events, upload.name, fmt, author=_author())
    except StrikemapError as exc:
        show_refusal("Import refused; nothing was saved and the open data set is unchanged.", exc)
        return
    st.session_state["import_report"] = summary.lines()
    st.session_state["pending_dataset"] = saved.key
    _open_dataset(saved.key)
    st.rerun()


def propose_from_report(dataset: Dataset, events) -> None:
    """Paste a report, review the events it proposes, add the ticked ones to the open data set (in the
    event store; the bundled data set gets an editable working copy first)."""
    with st.expander("Propose events from a report", expanded="proposals" in st.session_state):
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
                    st.session_state["proposals"] = proposals
        proposals = st.session_state.get("proposals")
        if proposals is None:
            return
        st.caption(f"{len(proposals)} proposed event(s). Untick what is wrong, correct what needs it; an edited "
                   "place mention is geocoded again when added. Nothing joins the data until you add it.")
        table = review_table(proposals)
        reviewed = st.data_editor(table, key="review", hide_index=True, width="stretch",
                                  disabled=[c for c in table.columns if c not in (ACCEPT, *EDITABLE)],
                                  column_config={ACCEPT: st.column_config.CheckboxColumn("add", default=True)})
        add, drop, _ = st.columns([2, 1, 3])
        if add.button("Add ticked events to the data set", type="primary", disabled=event_store()[0] is None):
            try:
                accepted = accept_proposals(reviewed, proposals, origin="the reviewed proposals")
                saved = add_events(event_store()[0], dataset, events, accepted, author=_author())
            except StrikemapError as exc:
                show_refusal("Nothing was added.", exc)
                return
            st.session_state.pop("proposals")
            st.session_state["import_report"] = [f"{len(accepted)} reviewed event(s) added: {saved.label}"]
            st.session_state["pending_dataset"] = saved.key
            _open_dataset(saved.key)
            st.rerun()
        if drop.button("Discard proposals"):
            st.session_state.pop("proposals")
            st.rerun()


def edit_event(dataset: Dataset, events, event_id: str) -> None:
    """Correct the selected event, see its history, undo a change. Only store data sets are editable."""
    store = event_store()[0]
    with st.expander(f"Edit {event_id} and see its history", expanded="edit_report" in st.session_state):
        if "edit_report" in st.session_state:
            st.success(st.session_state.pop("edit_report"))
        if not dataset.editable:
            st.caption("The bundled data set is read-only: the curated file is never rewritten. An editable copy "
                       "in the event store keeps every correction with who made it, when and why.")
            if store is not None and st.button("Make an editable copy"):
                copy = editable_copy(store, dataset, events, author=_author())
                st.session_state["pending_dataset"] = copy.key
                _open_dataset(copy.key)
                st.rerun()
            return
        row = events[events["event_id_cnty"] == event_id].iloc[0]
        version = int(row[VERSION])
        # The version this form was filled from is the one a save expects: if anyone saved since, the save
        # is refused (EditConflictError), never applied over their change. A new form generation (after a
        # save, an undo or a refusal) starts again from the current values.
        loaded = st.session_state.setdefault(f"edit-loaded-{event_id}", version)
        generation = st.session_state.setdefault(f"edit-generation-{event_id}", 0)
        with st.form(f"edit-{event_id}-{generation}", border=False):
            values = {}
            for column, label in EDIT_FIELDS.items():
                current = "" if pd.isna(row[column]) else str(row[column])
                widget = st.text_area if column == "notes" else st.text_input
                values[column] = widget(label, current, key=f"edit-{column}-{event_id}-{generation}")
            comment = st.text_input("Why (kept in the history)", placeholder="e.g. SOHR's later count",
                                    key=f"edit-comment-{event_id}-{generation}")
            if st.form_submit_button("Save", type="primary"):
                _save_edit(store, dataset, row, values, loaded, comment)
        history = store.history(event_id, dataset.store_name)
        st.caption(f"History of {event_id} (version {version})")
        st.dataframe(history.astype(str), hide_index=True, width="stretch")
        undo_col, button_col = st.columns([3, 1], vertical_alignment="bottom")
        change = undo_col.selectbox("Undo a change", list(history["change_id"])[::-1], key=f"undo-{event_id}")
        if button_col.button("Undo", key=f"undo-button-{event_id}"):
            try:
                store.undo(int(change), comment=f"undone from the dashboard ({event_id})", author=_author())
            except StrikemapError as exc:
                show_refusal("Not undone.", exc)
                return
            _edit_done(event_id, f"Change {change} undone.")


def _edit_done(event_id: str, report: str) -> None:
    st.session_state["edit_report"] = report
    _restart_form(event_id)
    st.rerun()


def _restart_form(event_id: str) -> None:
    st.session_state.pop(f"edit-loaded-{event_id}", None)
    st.session_state[f"edit-generation-{event_id}"] = st.session_state.get(f"edit-generation-{event_id}", 0) + 1


def _save_edit(store, dataset: Dataset, row, values: dict, expected_version: int, comment: str) -> None:
    event_id = row["event_id_cnty"]
    changes = {c: v for c, v in values.items() if v != ("" if pd.isna(row[c]) else str(row[c]))}
    if not changes:
        st.info("Nothing changed.")
        return
    try:
        if "location_mention" in changes:
            changes.update(placement_changes(changes["location_mention"]))
        store.update(event_id, changes, expected_version=expected_version, author=_author(),
                     comment=comment.strip() or "edited in the dashboard", dataset=dataset.store_name)
    except EditConflictError as exc:  # says who changed it since, and when
        st.error("Not saved: someone else changed this event since you opened it. Your edit is below; the "
                 "form will show their version next time.")
        st.code(str(exc), language=None)
        st.text("Your edit: " + "; ".join(f"{c} = {values[c]!r}" for c in values if c in changes))
        _restart_form(event_id)
        return
    except StrikemapError as exc:
        show_refusal("Not saved; the event is as it was.", exc)
        return
    _edit_done(event_id, f"Saved {event_id} ({', '.join(sorted(changes))}).")


# ------------------------------------------------------------------ chart and map

def weekly_chart(undated, filters: Filters) -> None:
    """Events per week passing every filter but the dates, with the chosen window in red."""
    weekly = (pd.to_datetime(undated["event_date"]).dt.to_period("W").dt.start_time.value_counts()
              .rename_axis("week").reset_index(name="events"))
    weekly["in window"] = (weekly["week"].dt.date <= filters.end) & (
        weekly["week"].dt.date + dt.timedelta(days=6) >= filters.start)
    chart = alt.Chart(weekly).mark_bar().encode(
        x=alt.X("week:T", title=None), y=alt.Y("events:Q", title="events / week"),
        color=alt.Color("in window:N", scale=alt.Scale(domain=[True, False], range=["#b2182b", "#c9c9c9"]),
                        legend=None),
        tooltip=[alt.Tooltip("week:T", title="week of"), "events:Q"],
    ).properties(height=110)
    st.altair_chart(chart, width="stretch")


@st.fragment
def event_map(events, shown, table_rows, focus_id) -> None:
    """The map. A fragment: panning reruns only this function (to keep the view in the link), while
    a click on an event reruns the page so its table row is selected."""
    events_key = (dataset.key, stamp)
    tiles = st.session_state["tiles"]
    fmap = base_map(bounds_of(events), online_tiles=None if tiles == "offline" else tiles,
                    admin1_countries=cached_countries(*events_key),
                    view=st.session_state["opening_view"],  # fixed per session: a new view would remount
                    dataset_url=published_url(*events_key))
    layer = events_feature_group(events, shown, published_url(*events_key), st.session_state["show_shapes"],
                                 focus_id)
    answer = st_folium(fmap, feature_group_to_add=layer, layer_control=layer_control(),
                       returned_objects=["last_object_clicked_tooltip", "center", "zoom"], key="map",
                       height=560, use_container_width=True)
    view = MapView.from_map(answer)
    if view and view != st.session_state.get("view"):
        st.session_state["view"] = view
        _sync_url()
    # A click on the map selects the event's row in the table (the event's id comes back as its tooltip).
    clicked_id = ((answer or {}).get("last_object_clicked_tooltip") or "").strip()
    if clicked_id and clicked_id != st.session_state.get("last_click"):
        st.session_state["last_click"] = clicked_id
        matches = table_rows.index[table_rows["event_id_cnty"] == clicked_id]
        if len(matches) and matches[0] < TABLE_LIMIT:
            st.session_state["table"] = {"selection": {"rows": [int(matches[0])], "columns": []}}
            st.rerun(scope="app")


# ------------------------------------------------------------------ page

ensure_assets()
st.title("strikemap")
st.caption("Air-strike reports as mapped events")
dataset = data_sidebar()
st.text(f"Data set: {dataset.label}")  # st.text: an uploaded file's name is shown as characters, not Markdown
try:
    stamp = data_stamp(dataset)
    loaded = cached_load(dataset.key, stamp)
except StrikemapError as exc:
    st.error("Could not load the events file.")
    st.code(str(exc), language=None)  # shown as plain text: cell values are not Markdown
    st.stop()
events = loaded.events
if loaded.set_aside:
    with st.expander(f"{loaded.rows_set_aside:,} rows set aside (not shown: fix them in the file)"):
        # Plain text and a data table: the values are the file's, never Markdown or HTML.
        st.text(f"{loaded.rows_set_aside:,} rows of {dataset.label} have a bad cell and are not on the map.")
        st.dataframe(problems_table(loaded.set_aside), hide_index=True, width="stretch")

span = date_span(events)
if span is None:
    st.info("The events file holds no events yet.")
    st.stop()
# The timeline runs over whole months, so "all of February" is always a reachable window.
first = span[0].replace(day=1)
last = (span[1].replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
fatalities_top = int(max(events["fatalities_max"].fillna(events["fatalities"]).fillna(0).max(), 1))
if "range_slider" not in st.session_state or st.session_state.pop("reinitialise", False):
    _initialise(first, last, fatalities_top)
first, last = st.session_state["timeline_bounds"]

with st.sidebar:
    st.header("Filters")
    facets = cached_facets(dataset.key, stamp)
    for name, label in FACET_LABELS.items():
        options = sorted(set(facets[name]) | set(st.session_state.get(f"f_{name}", [])))
        st.multiselect(label, options, key=f"f_{name}", on_change=_sync_url, placeholder="all")
    st.multiselect("Geo precision", [1, 2, 3], key="f_precision", on_change=_sync_url,
                   format_func=PRECISION_LABELS.get, placeholder="all")
    st.slider("Fatalities (reported range overlaps)", 0, fatalities_top, key="f_fatalities", on_change=_sync_url)
    st.text_input("Search notes and places", key="f_text", on_change=_sync_url,
                  placeholder="e.g. storage, Al-Qaim")
    st.toggle("Show uncertainty shapes", key="show_shapes", on_change=_sync_url,
              help="Circles of the uncertainty radius and region outlines; off shows points only.")
    st.selectbox("Basemap", list(BASEMAPS), key="tiles", on_change=_basemap_chosen, format_func=BASEMAPS.get,
                 help="The base the map (and the link) opens with; the map's layer control switches too. "
                      "Online tiles need internet; the offline Natural Earth basemap stays underneath "
                      "and the map says so when tiles cannot load.")

filters = _current_filters()
shown = apply_filters(events, filters)
# The chart shows every filter but the dates, so the window can be seen against the whole record.
undated = apply_filters(events, filters.replace(start=None, end=None))

slider_col, dates_col = st.columns([3, 1])
with slider_col:
    st.slider("Timeline", min_value=first, max_value=last, key="range_slider", on_change=_slider_moved,
              format="YYYY-MM-DD")
with dates_col:
    st.date_input("Date range", min_value=first, max_value=last, key="range_dates", on_change=_dates_typed)
back, forward, _ = st.columns([1, 1, 6])
back.button("◀ week", on_click=_step, args=(-7,), width="stretch")
forward.button("week ▶", on_click=_step, args=(7,), width="stretch")

# The chart sits here but is drawn after the map: Streamlit sends elements in the order the script makes
# them, and the map's iframe should start loading before the browser is busy with the chart's code.
chart_box = st.container()

unplaced = shown[shown.geometry.isna()]
st.markdown(f"**Showing {len(shown)} of {len(events)} events** · {filters.start.isoformat()} to "
            f"{filters.end.isoformat()}")
if len(unplaced):
    # Mentions come from reports: listed with st.text, which shows them as plain characters, never Markdown.
    st.warning(f"{len(unplaced)} shown event(s) could not be placed and are not on the map:")
    st.text("\n".join(f"{r.event_id_cnty}: {r.location_mention!r} ({r.geocoder})" for r in unplaced.itertuples()))

table_rows = shown[[c for c in TABLE_COLUMNS if c in shown.columns]].reset_index(drop=True)
selected = st.session_state.get("table", {}).get("selection", {}).get("rows", [])
focus_id = table_rows.iloc[selected[0]]["event_id_cnty"] if selected and selected[0] < len(table_rows) else None

event_map(events, shown, table_rows, focus_id)
if len(undated):
    with chart_box:
        weekly_chart(undated, filters)

format_col, button_col, _ = st.columns([2, 2, 3], vertical_alignment="bottom")
export_format = format_col.selectbox("Format", list(EXPORT_LABELS), format_func=EXPORT_LABELS.get,
                                     key="export_format", help="Every format keeps the place mentions as written "
                                     "and how each was resolved; dates are ISO strings.")
suffix, mime = FORMATS[export_format].suffix, FORMATS[export_format].mime
# Two steps: "Prepare" makes the file of exactly this view, then an ordinary download button hands it over.
# (A download button that makes its file on click loses it under load: Streamlit drops such a file once two
# script runs of any session have ended, often before the browser fetches it; see bench/load_sessions.py.)
export_view = (dataset.key, stamp, filters, export_format)
short_format = EXPORT_LABELS[export_format].split(" (")[0]
if st.session_state.get("export_view") == export_view:
    button_col.download_button(f"Download shown events ({short_format})", data=st.session_state["export_file"],
                               file_name=f"strikemap_{filters.start.isoformat()}_{filters.end.isoformat()}{suffix}",
                               mime=mime, type="primary", on_click="ignore")
elif button_col.button(f"Prepare download ({len(shown):,} events, {short_format})"):
    with st.spinner("Writing the file…"):
        st.session_state["export_file"] = export_bytes(shown, export_format)[0]
    st.session_state["export_view"] = export_view
    st.rerun()
if len(table_rows) > TABLE_LIMIT:
    st.caption(f"The table lists the first {TABLE_LIMIT:,} of {len(table_rows):,} shown events; narrow the filters "
               "to see the rest, or download them all.")
st.dataframe(table_rows.head(TABLE_LIMIT), hide_index=True, width="stretch", key="table", on_select="rerun",
             selection_mode="single-row")
rows = st.session_state.get("table", {}).get("selection", {}).get("rows", [])
if rows and rows[0] < len(table_rows):
    chosen = table_rows.iloc[rows[0]]
    st.text(f"Selected: {chosen['event_id_cnty']} · {chosen['event_date']} · {chosen['location_mention']}")
    edit_event(dataset, events, chosen["event_id_cnty"])

propose_from_report(dataset, events)
