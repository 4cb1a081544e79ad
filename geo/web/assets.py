"""Offline assets for the map: Leaflet, jQuery and plugins copied from their PyPI
packages into ``static/``, and a Natural Earth basemap written as GeoJSON there.

Streamlit serves ``static/`` at ``/app/static/`` (``enableStaticServing``), so the
map needs no CDN and no tile server. ``install_assets()`` is idempotent and cheap
when everything is already in place; ``python -m geo setup`` calls it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from .. import config
from .basemap_context import MANIFEST_FILE, build_context

BASEMAP_FILE = "basemap/countries.geojson"
# (xstatic package, files to copy, folder under static/vendor)
VENDORED = [
    ("xstatic.pkg.leaflet", ["leaflet.js", "leaflet.css", "images"], "leaflet"),
    ("xstatic.pkg.jquery", ["jquery.min.js"], "jquery"),
]


# (folder under node_modules, files to copy, folder under static/vendor): Leaflet plugins Folium loads from CDNs.
NPM_VENDORED = [
    ("leaflet.fullscreen", ["Control.FullScreen.js", "Control.FullScreen.css", "icon-fullscreen.svg"], "fullscreen"),
    ("leaflet-measure/dist", ["leaflet-measure.js", "leaflet-measure.css", "images"], "measure"),
    # Not used by the app: the FastMarkerCluster baseline of bench/scale_browser.py (bench/cluster_page.py) draws offline.
    ("leaflet.markercluster/dist", ["leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"],
     "markercluster"),
]


def static_url(relative: str) -> str:
    return f"{config.STATIC_URL}/{relative}"


def _copy_vendor(static_dir: Path) -> list[str]:
    import importlib

    copied = []
    sources = [(Path(importlib.import_module(module).BASE_DIR), files, folder) for module, files, folder in VENDORED]
    sources += [(config.NODE_MODULES / package, files, folder) for package, files, folder in NPM_VENDORED]
    for source, files, folder in sources:
        target = static_dir / "vendor" / folder
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            src, dst = source / name, target / name
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True)
            elif not dst.exists() or dst.stat().st_size != src.stat().st_size:
                shutil.copyfile(src, dst)
            copied.append(str(dst.relative_to(static_dir)))
    return copied


def build_basemap(out: Path, world_atlas: Path = config.WORLD_ATLAS_DIR) -> Path:
    """Natural Earth 1:50m countries as a small GeoJSON (simplified to ~2 km, 2 decimals)."""
    import numpy as np
    import pyogrio
    import shapely

    from ..io.export import atomic_write

    frame = pyogrio.read_dataframe(world_atlas / "countries-50m.json", layer="countries")
    features = []
    for row in frame.itertuples():
        if row.geometry is None or row.geometry.is_empty:
            continue
        # ~2 km: a backdrop at country-to-province zoom; the border zones themselves use 1:10m data.
        shape = shapely.simplify(row.geometry, 0.02, preserve_topology=True)
        shape = shapely.transform(shape, lambda xy: np.round(xy, 2))
        label = row.geometry.representative_point()
        features.append({
            "type": "Feature",
            "properties": {"name": row.name, "label": [round(label.y, 3), round(label.x, 3)]},
            "geometry": json.loads(shapely.to_geojson(shape)),
        })
    text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
    atomic_write(out, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return out


OWN_JS = Path(__file__).with_name("js")


ADMIN1_DIR = "basemap/admin1"


def build_admin1_files(out_dir: Path, admin1_geojson: Path = config.ADMIN1_GEOJSON) -> int:
    """Natural Earth province boundaries, one small GeoJSON per country (lines ~1 km, a label point each).

    The map fetches only the files of the countries in the data, so the whole world's 4,600 provinces
    (6 MB) never travel.
    """
    import numpy as np
    import pyogrio
    import shapely

    from ..io.export import atomic_write

    frame = pyogrio.read_dataframe(admin1_geojson, columns=["name", "name_en", "iso_a2"])
    frame = frame[frame["iso_a2"].str.len() == 2]
    out_dir.mkdir(parents=True, exist_ok=True)
    for iso2, provinces in frame.groupby("iso_a2"):
        features = []
        for row in provinces.itertuples():
            outline = shapely.simplify(row.geometry.boundary, 0.01, preserve_topology=False)
            outline = shapely.transform(outline, lambda xy: np.round(xy, 3))
            label = row.geometry.representative_point()
            features.append({"type": "Feature",
                             "properties": {"name": row.name_en or row.name, "label": [round(label.y, 3), round(label.x, 3)]},
                             "geometry": json.loads(shapely.to_geojson(outline))})
        text = json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
        atomic_write(out_dir / f"{iso2}.geojson", lambda tmp, text=text: tmp.write_text(text, encoding="utf-8"))
    return frame["iso_a2"].nunique()


def install_assets(static_dir: Path = config.STATIC_DIR, force: bool = False) -> dict:
    """Make sure every file the offline map loads is under ``static_dir``."""
    copied = _copy_vendor(static_dir)
    shutil.copytree(OWN_JS, static_dir / "strikemap", dirs_exist_ok=True)  # our own map code
    basemap = static_dir / BASEMAP_FILE
    if force or not basemap.exists():
        build_basemap(basemap)
    if force or not (static_dir / ADMIN1_DIR / "SY.geojson").exists():
        build_admin1_files(static_dir / ADMIN1_DIR)
    context = None
    if force or not (static_dir / MANIFEST_FILE).exists():
        context = build_context(static_dir)  # place names, rivers and lakes (~30 s)
    return {"vendor": copied, "basemap": str(basemap), "context": context}


def assets_ready(static_dir: Path = config.STATIC_DIR) -> bool:
    needed = [BASEMAP_FILE, f"{ADMIN1_DIR}/SY.geojson", MANIFEST_FILE, "vendor/leaflet/leaflet.js",
              "vendor/fullscreen/Control.FullScreen.js", "vendor/measure/leaflet-measure.js"]
    own = [(static_dir / "strikemap" / f.name, f) for f in OWN_JS.iterdir()]
    return (all((static_dir / name).exists() for name in needed)
            and all(copy.exists() and copy.read_bytes() == source.read_bytes() for copy, source in own))
