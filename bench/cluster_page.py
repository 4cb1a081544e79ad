"""The FastMarkerCluster baseline of bench/scale_browser.py: the best plain Folium way to put N events on a map.

A Streamlit page drawn through streamlit-folium, as dashboard.py is, so both pay Streamlit's page boot. Not
part of the app. It holds:

* the events file (STRIKEMAP_EVENTS, a CSV) read with pandas, cached with st.cache_data (coordinates only);
* a geo.web.mapping.OfflineMap (Leaflet and jQuery from /app/static: folium's default is a CDN, and the page
  would stay blank offline), no tiles;
* Folium's FastMarkerCluster of every event with coordinates, its Leaflet.markercluster JavaScript and CSS
  served from /app/static/vendor/markercluster (npm ``leaflet.markercluster``, copied there by
  geo.web.assets; the plugin's default is a CDN), each event a circleMarker (no CDN marker icons);
* the map handed whole to st_folium, nothing returned to Python.

Drawn: at least one ``.marker-cluster`` (a cluster's icon) or ``path.leaflet-interactive`` (a lone event) in
the map's iframe. Run from the repository root through tests/appserver.py (it serves ./static):

    from appserver import streamlit_server
    with streamlit_server(events_csv, app="bench/cluster_page.py") as base_url: ...
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import streamlit as st
from folium.plugins import FastMarkerCluster
from streamlit_folium import st_folium

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for geo/
from geo import config  # noqa: E402
from geo.web.assets import static_url  # noqa: E402
from geo.web.mapping import OfflineMap  # noqa: E402

CIRCLE = "function (row) { return L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 4}); }"


class OfflineFastMarkerCluster(FastMarkerCluster):
    """FastMarkerCluster with Leaflet.markercluster from the app itself (as OfflineMap does for Leaflet)."""

    default_js = [("markerclusterjs", static_url("vendor/markercluster/leaflet.markercluster.js"))]
    default_css = [("markerclustercss", static_url("vendor/markercluster/MarkerCluster.css")),
                   ("markerclusterdefaultcss", static_url("vendor/markercluster/MarkerCluster.Default.css"))]


@st.cache_data
def points(path: str) -> list[list[float]]:
    return pd.read_csv(path, usecols=["latitude", "longitude"]).dropna().to_numpy().tolist()


st.set_page_config(page_title="FastMarkerCluster", layout="wide")
rows = points(str(config.events_path()))
st.title(f"FastMarkerCluster, {len(rows):,} events")
fmap = OfflineMap(location=[34.5, 41.0], zoom_start=6, tiles=None, maxZoom=18)  # Leaflet.markercluster needs one
OfflineFastMarkerCluster(rows, callback=CIRCLE).add_to(fmap)
st_folium(fmap, returned_objects=[], height=560, use_container_width=True)
