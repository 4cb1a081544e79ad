"""strikemap dashboard: the events on an offline map, filtered in time, downloadable.

Thin on purpose: layout and widgets only; everything else is in ``geo/``.
Run with ``make run`` or ``STRIKEMAP_EVENTS=path streamlit run dashboard.py``.
URL query parameters ``start`` and ``end`` (YYYY-MM-DD) set the date filter and follow it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from geo import config
from geo.assets import assets_ready, install_assets
from geo.errors import StrikemapError
from geo.events import date_span, filter_events, load_events
from geo.export import to_geojson
from geo.mapping import PRECISION_STYLE, base_map, bounds_of, events_feature_group

st.set_page_config(page_title="strikemap", page_icon="🗺️", layout="wide")

TABLE_COLUMNS = ["event_id_cnty", "event_date", "location_mention", "location", "country", "admin1",
                 "geo_precision", "radius_km", "actor1", "actor2", "fatalities_min", "fatalities_max",
                 "source", "geocoder"]


@st.cache_resource(show_spinner="Preparing offline map assets…")
def ensure_assets() -> bool:
    if not assets_ready():
        install_assets()
    return True


@st.cache_data(show_spinner=False)
def cached_events(path: str, modified: float):
    """Events keyed on path and modification time, so editing the file reloads it."""
    bar = st.progress(0.0, text="Geocoding events…")

    def advance(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            bar.progress(done / total, text=f"Geocoding events… {done} of {total}")

    try:
        return load_events(path, progress=advance)
    finally:
        bar.empty()


def literal(text: object) -> str:
    """Text from data shown inside Markdown as itself: every ASCII punctuation mark backslash-escaped,
    so "[x](http://…)", "**", ":red[…]" or "$…$" in a report stay characters."""
    return "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in str(text))


_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _query_date(name: str, default: dt.date) -> dt.date:
    raw = st.query_params.get(name)
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        st.warning(f"Ignoring URL parameter {name}={literal(repr(raw))}: not a YYYY-MM-DD date.")
        return default


def _set_range(start: dt.date, end: dt.date) -> None:
    st.session_state["range_slider"] = (start, end)
    st.session_state["range_dates"] = (start, end)
    st.query_params["start"], st.query_params["end"] = start.isoformat(), end.isoformat()


def _slider_moved() -> None:
    _set_range(*st.session_state["range_slider"])


def _dates_typed() -> None:
    picked = st.session_state["range_dates"]
    if isinstance(picked, (tuple, list)) and len(picked) == 2:
        _set_range(*picked)


ensure_assets()
events_file = config.events_path()
st.title("strikemap")
st.caption(f"Air-strike reports as mapped events · data: `{events_file}`")
try:
    events = cached_events(str(events_file), Path(events_file).stat().st_mtime if Path(events_file).exists() else 0.0)
except StrikemapError as exc:
    st.error(f"Could not load the events file.\n\n{literal(exc)}")
    st.stop()

span = date_span(events)
if span is None:
    st.info("The events file holds no events yet.")
    st.stop()
# The timeline runs over whole months, so "all of February" is always a reachable window.
first = span[0].replace(day=1)
last = (span[1].replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
if "range_slider" not in st.session_state:
    start = _query_date("start", first)
    end = _query_date("end", last)
    if start > end:
        st.warning("The URL's start date is after its end date: showing the full range.")
        start, end = first, last
    # A shared link's window is kept exactly, even where it reaches past the data.
    first, last = min(first, start), max(last, end)
    st.session_state["timeline_bounds"] = (first, last)
    _set_range(start, end)
first, last = st.session_state["timeline_bounds"]

slider_col, dates_col = st.columns([3, 1])
with slider_col:
    st.slider("Timeline", min_value=first, max_value=last,
              key="range_slider", on_change=_slider_moved, format="YYYY-MM-DD")
with dates_col:
    st.date_input("Date range", min_value=first, max_value=last, key="range_dates", on_change=_dates_typed)

start, end = st.session_state["range_slider"]
shown = filter_events(events, start, end)
unplaced = shown[shown.geometry.isna()]

st.markdown(f"**Showing {len(shown)} of {len(events)} events** · {start.isoformat()} to {end.isoformat()}")
if len(unplaced):
    # Mentions come from reports: listed with st.text, which shows them as plain characters, never Markdown.
    st.warning(f"{len(unplaced)} shown event(s) could not be placed and are not on the map:")
    st.text("\n".join(f"{r.event_id_cnty}: {r.location_mention!r} ({r.geocoder})" for r in unplaced.itertuples()))

online = st.toggle("Online basemap tiles (OpenStreetMap; needs internet)", value=False,
                   help="Off by default: the offline Natural Earth basemap always stays underneath.")
fmap = base_map(bounds_of(events), online_tiles="OpenStreetMap.Mapnik" if online else None)
st_folium(fmap, feature_group_to_add=events_feature_group(shown), returned_objects=[],
          key="map", height=560, use_container_width=True)
st.caption(" · ".join(f":{style['badge']}[●] precision {code}: {style['label']}"
                      for code, style in PRECISION_STYLE.items()))

st.download_button("Download shown events (GeoJSON)", data=to_geojson(shown),
                   file_name=f"strikemap_{start.isoformat()}_{end.isoformat()}.geojson",
                   mime="application/geo+json", type="primary")
st.dataframe(shown[[c for c in TABLE_COLUMNS if c in shown.columns]], hide_index=True, width="stretch")
