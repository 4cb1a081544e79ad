"""What the web page needs that is not layout.

Owns the Folium map and its layers, the published map data and its JavaScript
(``mapping``, ``js/``), the offline assets served by Streamlit (``assets``), the
filters and map view that live in the page's URL (``filters``), and everything the page
keeps between reruns with the moves that change it (``page_state``), and who is using
it and what their role lets them do (``identity``); and starting the server with the page's modules
already imported (``serve``).
"""
