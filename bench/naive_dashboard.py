"""The naive dashboard: the Streamlit page a developer would write first to put the events on a map.

The like-for-like baseline of bench/map_scale.py: a Streamlit page, drawn through streamlit-folium, as
dashboard.py is, so both pay Streamlit's page boot. Not part of the app. The naive way:

* the events CSV (STRIKEMAP_EVENTS) read with pandas, cached with st.cache_data;
* a date-range slider over event_date; every change reruns the script and rebuilds the whole map;
* a geo.web.mapping.OfflineMap (Leaflet and jQuery from /app/static; folium's default is a CDN, and the
  page would stay blank offline) with one folium.Marker per event with coordinates, popup = the place
  as written; folium's default OpenStreetMap tiles are kept (they do not load offline);
* the map handed whole to st_folium, nothing returned to Python.

Streamlit serves /app/static from the folder of the script it runs, and reads .streamlit/config.toml
(which turns static serving on) from the working directory. So run it from the repository root, through
tests/appserver.py, which runs a script outside the root beside a link to ./static:

    from appserver import streamlit_server
    with streamlit_server(events_csv, app="bench/naive_dashboard.py") as base_url: ...
"""

from __future__ import annotations

import sys
from pathlib import Path

import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for geo/
from geo import config  # noqa: E402
from geo.web.mapping import OfflineMap  # noqa: E402

DATE_SLIDER_KEY = "dates"  # bench/map_scale.py moves the slider by this key


@st.cache_data
def load_events(path: str) -> pd.DataFrame:
    events = pd.read_csv(path)
    events["event_date"] = pd.to_datetime(events["event_date"]).dt.date
    return events


events = load_events(str(config.events_path()))
st.title("strikemap (naive)")

first, last = events["event_date"].min(), events["event_date"].max()
start, end = st.slider("Dates", min_value=first, max_value=last, value=(first, last), format="YYYY-MM-DD",
                       key=DATE_SLIDER_KEY)
placed = events.dropna(subset=["latitude", "longitude"])
shown = placed[(placed["event_date"] >= start) & (placed["event_date"] <= end)]
st.write(f"{len(shown)} events on the map")

fmap = OfflineMap(location=[placed["latitude"].mean(), placed["longitude"].mean()], zoom_start=6)
for event in shown.itertuples():
    folium.Marker([event.latitude, event.longitude], popup=event.location_mention).add_to(fmap)
st_folium(fmap, returned_objects=[], height=560, use_container_width=True)
