"""The bare baseline of bench/startup.py section d): a Streamlit page holding a three-marker Folium map.

Nothing but what any Streamlit + Folium page pays: Streamlit's page boot, streamlit-folium's iframe, Leaflet
(from /app/static, as folium's CDN default never loads offline) and three markers at the bundled strikes'
towns. Not part of the app. Run from the repository root through tests/appserver.py (it serves ./static):

    from appserver import streamlit_server
    with streamlit_server(app="bench/bare_map_page.py") as base_url: ...
"""

from __future__ import annotations

import sys
from pathlib import Path

import folium
import streamlit as st
from streamlit_folium import st_folium

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for geo/
from geo.web.mapping import OfflineMap  # noqa: E402

MARKERS = [(34.4527, 40.9186, "Abu Kamal"), (34.3700, 41.0900, "Al-Qaim"), (34.4600, 40.9300, "near Abu Kamal")]

st.set_page_config(page_title="bare", layout="wide")
st.title("bare map")
fmap = OfflineMap(location=[34.4, 41.0], zoom_start=8, tiles=None)
for lat, lon, name in MARKERS:
    folium.Marker([lat, lon], popup=name).add_to(fmap)
st_folium(fmap, returned_objects=[], height=560, use_container_width=True)
