"""Folium layers for strikemap: an offline map, the Natural Earth basemap, and the events.

Shaped like Folium's plugins: each element declares its assets as data
(``default_js``/``default_css``, here local URLs under ``/app/static``) and
carries one small template. Nothing is loaded from a CDN.

* ``OfflineMap``: ``folium.Map`` whose Leaflet and jQuery come from ``static/``.
* ``OfflineBasemap``: fetches the countries GeoJSON built by ``geo.web.assets`` and
  draws it under everything, with the sea as the map background.
* ``BasemapContext``: place names by zoom, rivers and lakes (``geo.web.basemap_context``), fetched by
  ``strikemap/context.js`` for the visible cells only, after the events are drawn.
* ``EventLayer``: all events as one ``L.geoJSON`` layer. Style shows precision: a
  dot for a named town (1), a circle of ``radius_km`` for "near X" (2), the
  polygon for a region (3). Popups are built with DOM text nodes, so text from
  reports is never parsed as HTML. A click lists every event under it, a double click only
  zooms, dense views cluster, and a density overlay counts events in hexagons
  (``strikemap/interact.js``).
"""

from __future__ import annotations

import functools
import json
import re

import folium
import pandas as pd
from branca.element import MacroElement
from folium import plugins
from folium.elements import JSCSSMixin
from folium.template import Template as FoliumTemplate
from jinja2 import Template

from ..io.schema import GEO_PRECISION, ID_COLUMN, POPUP_FIELDS, TIME_PRECISION
from .assets import ADMIN1_DIR, BASEMAP_FILE, static_url
from .basemap_context import CONTEXT_DIR

PRELOAD_JS = static_url("strikemap/preload.js")
LEAFLET_JS = [("strikemap_preload", PRELOAD_JS),
              ("leaflet", static_url("vendor/leaflet/leaflet.js")),
              ("jquery", static_url("vendor/jquery/jquery.min.js"))]
LEAFLET_CSS = [("leaflet_css", static_url("vendor/leaflet/leaflet.css"))]
# How each geo_precision code (geo.io.schema.GEO_PRECISION) is drawn: colour, and what its shape shows.
_DRAWN = {1: ("#b2182b", "red", ""), 2: ("#ef8a62", "orange", " (circle: uncertainty radius)"),
          3: ("#2166ac", "blue", " (shape: the whole area)")}
PRECISION_STYLE = {code: {"color": color, "badge": badge, "label": GEO_PRECISION[code] + shape}
                   for code, (color, badge, shape) in _DRAWN.items()}
OFFLINE_BASEMAP = "Offline (Natural Earth)"
CONTEXT_OVERLAY = "Place names, rivers and lakes (offline)"
# Online base layers, opt-in: URL value -> (label, xyzservices provider name).
ONLINE_BASEMAPS = {
    "osm": ("OpenStreetMap (online)", "OpenStreetMap.Mapnik"),
    "satellite": ("Satellite, Esri World Imagery (online)", "Esri.WorldImagery"),
}
# Published data sets live under static/<PUBLISHED_DIR>/<fingerprint>/ (see publish_events).
PUBLISHED_DIR = "cache/events"
DETAILS_CHUNK = 1000
DETAILS_BATCH = 100 * DETAILS_CHUNK  # rows made into popup text at a time (a whole number of chunks)
# The popup fields, in their own subfolder of a published data set, written after the map's first draw
# (publish_details): the map draws from CORE_FILE alone, and 1,000,000 events' details take ~7 s to write.
DETAILS_DIR = "details"
PUBLISHED_LAYOUT = 3  # the files' layout: part of the fingerprint, so another version never reuses them
# What the map draws from, stored gzip-compressed once: Streamlit's static route gzips every other answer anew
# at level 9 on each request (0.16 s at 100,000 events, ~1.6 s at 1,000,000), but never an application/gzip
# file; the page unpacks it with the browser's own DecompressionStream (geo/web/js/preload.js).
CORE_FILE = "core.json.gz"
# A published data set drawn (by any server sharing the folder) within this many seconds is never pruned.
PUBLISHED_LEASE_S = 3600
PUBLISHED_KEEP = 5  # beyond those in use, the most recently used data sets kept
# A draw renews the lease when it is older than this: a stat per draw, a write at most this often.
PUBLISHED_RENEW_S = 300
_USED = ".used"  # in each published folder: its modification time is when a map last drew the data set
_LOCK = ".lock"  # in PUBLISHED_DIR: shared while a data set is taken into use, exclusive while pruning
# Up to this many shown events are drawn as SVG paths (crisp, styleable); more share one canvas.
SVG_LIMIT = 3000


def safe_json(data) -> str:
    """JSON that can sit inside a <script> element: no "</script>", "<!--" or line separators survive.

    Nor do Jinja's delimiters: branca compiles each rendered macro again as a template (``Element``), so
    an event id like "{% raw %}" would break the map and "{{ ... }}" would run as Jinja when the whole
    figure is rendered. In compact JSON "{{", "{%" and "{#" only occur inside strings, where ``\\u007b``
    is the same "{".
    """
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return re.sub(r"\{(?=[{%#])", r"\\u007b", text)


class OfflineMap(folium.Map):
    """A Folium map that loads Leaflet and jQuery from the app itself."""

    default_js = LEAFLET_JS
    default_css = LEAFLET_CSS


class OfflineBasemap(MacroElement):
    """Natural Earth countries, and the provinces of ``admin1_countries``, fetched from /app/static and
    drawn in their own pane below all layers. Province names show from zoom 6 on. The provinces go
    into ``admin1_layer`` (a layer the layer control lists), the countries stay always on."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, admin1 = {{ this.admin1_layer.get_name() }};
            map.getContainer().style.background = "#dde8ef";
            map.createPane("basemap");
            map.getPane("basemap").style.zIndex = 150;
            map.createPane("basemap-labels");
            map.getPane("basemap-labels").style.zIndex = 300;  // above the basemap and tiles, below events
            map.getPane("basemap-labels").style.pointerEvents = "none";
            // Labels are div markers, not tooltips: a tooltip measures itself (a forced layout) each time it
            // is placed, hundreds of times on load and on every zoom; a marker is only moved.
            function labels(data, cls, layer) {
                data.features.forEach(function (f) {
                    var text = document.createElement("span");
                    text.textContent = f.properties.name;
                    L.marker(f.properties.label, {pane: "basemap-labels", interactive: false, keyboard: false,
                        icon: L.divIcon({className: cls, html: text, iconSize: null})}).addTo(layer);
                });
            }
            var get = window.StrikemapPreload.json;  // strikemap/preload.js
            // Drawn after the next frame: events whose data is already in are drawn (in their promise's
            // callback, before any later task) and shown first; the countries come a frame later.
            function later(data) {
                return new Promise(function (resolve) {
                    requestAnimationFrame(function () { setTimeout(resolve, 0, data); });
                });
            }
            get({{ this.url_json }}).then(later).then(function (data) {
                L.geoJSON(data, {pane: "basemap", interactive: false, style: {color: "#8c8c8c", weight: 0.8,
                    fillColor: "#f4f1ea", fillOpacity: 1, className: "strikemap-country-outline"}}).addTo(map);
                labels(data, "strikemap-country-label", map);
                {{ this.admin1_json }}.forEach(function (url) {
                    get(url).then(function (provinces) {
                        L.geoJSON(provinces, {pane: "basemap", interactive: false,
                            style: {color: "#a8a8a8", weight: 0.6, dashArray: "3 3", fill: false}}).addTo(admin1);
                        labels(provinces, "strikemap-admin1-label", admin1);
                    }).catch(function (err) { console.warn("strikemap: provinces not loaded", err); });
                });
            }).catch(function (err) { console.warn("strikemap: offline basemap not loaded", err); });
            function zoomClass() {
                L.DomUtil[map.getZoom() >= 6 ? "addClass" : "removeClass"](map.getContainer(), "strikemap-zoomed");
            }
            map.on("zoomend", zoomClass);
            zoomClass();
        })();
        {% endmacro %}
        {% macro header(this, kwargs) %}
        <style>
        .strikemap-country-label, .strikemap-admin1-label {color: #6b6b6b; font: 11px sans-serif; width: 0; height: 0;}
        .strikemap-country-label > span, .strikemap-admin1-label > span {position: absolute; white-space: nowrap;
            transform: translate(-50%, -50%);}  /* centred on the label point */
        .strikemap-admin1-label {color: #9a9a9a; font-size: 10px; display: none;}
        .strikemap-zoomed .strikemap-admin1-label {display: block;}
        /* Event popups: st_folium only keeps the base map's header, so their style lives here. */
        .leaflet-interactive:focus {outline: none;}  /* no box around a clicked circle */
        .strikemap-popup {font: 12px/1.4 sans-serif;}
        .strikemap-popup > div {margin: 1px 0;}
        </style>
        {% endmacro %}
    """)

    def __init__(self, admin1_layer, url: str = static_url(BASEMAP_FILE), admin1_countries: tuple[str, ...] = ()):
        super().__init__()
        self._name = "OfflineBasemap"
        self.admin1_layer = admin1_layer
        self.url_json = safe_json(url)
        self.admin1_json = safe_json(admin1_urls(admin1_countries))


def admin1_urls(countries: tuple[str, ...]) -> list[str]:
    return [static_url(f"{ADMIN1_DIR}/{iso2}.geojson") for iso2 in countries]


class BasemapContext(MacroElement):
    """Place names, rivers and lakes on the offline basemap, drawn into ``layer`` (an overlay the layer
    control lists) by ``strikemap/context.js``: it waits for the events' first draw (or ``fallback_ms``),
    then fetches only the cells of the view, again after each move.

    Its script is added here, not declared in ``default_js``: streamlit-folium loads declared scripts one
    after another before the map is drawn, and this one has no business delaying the events."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var script = document.createElement("script");
            script.src = {{ this.script_json }};
            script.onload = function () {
                StrikemapContext.start({{ this._parent.get_name() }}, {{ this.layer.get_name() }}, {{ this.options_json }});
            };
            document.head.appendChild(script);
        })();
        {% endmacro %}
        {% macro header(this, kwargs) %}
        <style>
        .strikemap-place-label {position: absolute; width: 0; height: 0;}
        .strikemap-place-label::before {content: ""; position: absolute; left: -2.5px; top: -2.5px; width: 3px;
            height: 3px; border: 1px solid #555; border-radius: 50%; background: #fff;}  /* the place itself */
        .strikemap-place-label > span {position: absolute; left: 5px; top: -7px; line-height: 14px; white-space: nowrap;
            color: #333; font: 10px sans-serif; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff;}
        .strikemap-place-city > span {font-size: 11px;}
        .strikemap-place-major > span {font-size: 12px; font-weight: bold; color: #222;}
        /* From zoom 8 the 1:10m borders of the context replace the countries' simplified outlines. */
        .strikemap-detailed-borders path.strikemap-country-outline {stroke-opacity: 0;}
        </style>
        {% endmacro %}
    """)

    def __init__(self, layer, base_url: str = static_url(CONTEXT_DIR), fallback_ms: int = 10_000):
        super().__init__()
        self._name = "BasemapContext"
        self.layer = layer
        self.script_json = safe_json(static_url("strikemap/context.js"))
        self.options_json = safe_json({"base": base_url, "fallbackMs": fallback_ms})


class FocusWithoutScroll(MacroElement):
    """Leaflet focuses the map on mousedown so arrow keys pan it; inside Streamlit's iframe that focus
    scrolls the page, and the click meant to open a popup lands beside it. Focus without scrolling."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var keyboard = {{ this._parent.get_name() }}.keyboard;
            if (!keyboard) return;
            keyboard.disable();  // handlers are bound when enabled: swap the method, then rebind
            keyboard._onMouseDown = function () {
                if (!this._focused) this._map._container.focus({preventScroll: true});
            };
            keyboard.enable();
        })();
        {% endmacro %}
    """)


class AfterDraw:
    """A Folium plugin whose scripts and styles load after the events' first draw (``StrikemapPreload.afterDraw``
    of strikemap/preload.js), not before the map as declared assets do: streamlit-folium loads those one after
    another before it draws anything. ``later_js``/``later_css``: their local URLs; ``_later(script)``: the
    plugin's template, its script run once they are loaded."""

    later_js: tuple[str, ...] = ()
    later_css: tuple[str, ...] = ()
    default_js: list = []
    default_css: list = []
    fallback_ms = 10_000  # if the events are never drawn (their data failed), load them this much later anyway

    def _later(self, script: str) -> FoliumTemplate:
        return _after_draw_template(self.later_js, self.later_css, int(self.fallback_ms), script)


@functools.lru_cache(maxsize=None)
def _after_draw_template(later_js: tuple[str, ...], later_css: tuple[str, ...], fallback_ms: int,
                         script: str) -> FoliumTemplate:
    """AfterDraw's template, compiled once (as a Folium class's own), not for every map on every rerun."""
    return FoliumTemplate(
        "{% macro script(this, kwargs) %}\n"
        f"window.StrikemapPreload.afterDraw({safe_json(list(later_js))}, {safe_json(list(later_css))}, "
        f"{fallback_ms}).then(function () {{\n{script}\n}})"
        ".catch(function (err) { console.warn(err); });\n"
        "{% endmacro %}")


class OfflineFullscreen(AfterDraw, plugins.Fullscreen):
    later_js = (static_url("vendor/fullscreen/Control.FullScreen.js"),)
    later_css = (static_url("vendor/fullscreen/Control.FullScreen.css"),)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._template = self._later("L.control.fullscreen({{ this.options|tojavascript }})"
                                     ".addTo({{ this._parent.get_name() }});")


class OfflineMeasure(AfterDraw, plugins.MeasureControl):
    later_js = (static_url("vendor/measure/leaflet-measure.js"),)
    later_css = (static_url("vendor/measure/leaflet-measure.css"),)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # The control; and, as Folium does, no autopan of the capture marker (leaflet-measure under Leaflet >= 1.8).
        self._template = self._later("""
            L.Control.Measure.include({_setCaptureMarkerIcon: function () {
                this._captureMarker.options.autoPanOnFocus = false;
                this._captureMarker.setIcon(L.divIcon({iconSize: this._map.getSize().multiplyBy(2)}));
            }});
            {{ this._parent.get_name() }}.addControl(new L.Control.Measure({{ this.options|tojavascript }}));""")


class Legend(MacroElement):
    """What the styles mean, drawn on the map (from our own constants, never from data)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var box = L.DomUtil.create("div", "strikemap-legend");
                box.style.cssText = "background:#fff;padding:6px 8px;border-radius:4px;font:12px sans-serif;"
                    + "box-shadow:0 1px 4px rgba(0,0,0,.3);line-height:1.5";
                var styles = {{ this.styles_json }};
                Object.keys(styles).forEach(function (code) {
                    var row = document.createElement("div"), swatch = document.createElement("span");
                    swatch.style.cssText = "display:inline-block;width:10px;height:10px;border-radius:50%;"
                        + "margin-right:6px;background:" + styles[code].color;
                    row.appendChild(swatch);
                    row.appendChild(document.createTextNode("precision " + code + ": " + styles[code].label));
                    box.appendChild(row);
                });
                return box;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "Legend"
        self.styles_json = safe_json({str(k): v for k, v in PRECISION_STYLE.items()})


class TileErrorNotice(MacroElement):
    """When online tiles cannot be reached, say so on the map and go back to the offline base, instead
    of leaving grey squares. One failed tile among loaded ones is a hiccup, not an outage. The notice goes
    once the analyst picks a base layer again (the offline one, or another online one to try)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var layer = {{ this.layer.get_name() }}, offline = {{ this.fallback.get_name() }};
            var map = {{ this._parent.get_name() }}, loaded = false, box = null, falling = false;
            layer.on("tileload", function () { loaded = true; });
            function dismiss() { if (box && !falling) { box.remove(); box = null; } }
            map.on("baselayerchange", dismiss);
            // Picking the offline base again (its radio is already on after the fallback, so no change fires).
            L.DomEvent.on(map.getContainer(), "click", function (e) {
                if (e.target.closest && e.target.closest(".leaflet-control-layers-base")) dismiss();
            });
            layer.on("tileerror", function () {
                if (loaded || !map.hasLayer(layer)) return;
                falling = true;
                map.removeLayer(layer);
                map.addLayer(offline);  // the layer control follows: its radio moves back to the offline base
                falling = false;
                if (box) return;
                box = L.control({position: "bottomleft"});
                box.onAdd = function () {
                    var div = L.DomUtil.create("div", "strikemap-notice");
                    div.textContent = "Online tiles are unreachable: showing the offline basemap.";
                    div.title = "Click to dismiss";
                    L.DomEvent.on(div, "click", function (e) { L.DomEvent.stop(e); dismiss(); });
                    div.style.cssText = "background:#fff8e1;padding:4px 8px;border:1px solid #e0c060;font:12px sans-serif";
                    return div;
                };
                box.addTo(map);
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, layer, fallback):
        super().__init__()
        self.layer = layer
        self.fallback = fallback


class EventLayer(JSCSSMixin, MacroElement):
    """The shown events of a published data set (``publish_events``), drawn by ``strikemap/events.js``.

    Only a bit mask of the shown rows travels with each rerun; the data set itself is fetched once.
    """

    # interact.js: what a click, a double click, clusters and the density layer do (see its header).
    default_js = [("strikemap_interact", static_url("strikemap/interact.js")),
                  ("strikemap_events", static_url("strikemap/events.js"))]
    _template = Template("""
        {% macro script(this, kwargs) %}
        StrikemapEvents.draw({{ this._parent.get_name() }}, {{ this.options_json }});
        {% endmacro %}
    """)

    def __init__(self, dataset_url: str, mask: str, count: int, shapes: bool = True, focus_id: str | None = None,
                 details_ready: bool = True):
        super().__init__()
        self._name = "EventLayer"
        self.count = count
        self.options_json = safe_json({
            "url": dataset_url, "mask": mask, "count": count, "shapes": bool(shapes), "focus": focus_id,
            "core": CORE_FILE, "details": DETAILS_DIR if details_ready else None, "chunk": DETAILS_CHUNK, "svgLimit": SVG_LIMIT, "fields": POPUP_FIELDS,
            "styles": {str(k): v for k, v in PRECISION_STYLE.items()},
        })


def _dataset_key(gdf, content_key: str | None = None) -> str:
    """A fingerprint of the table's content (and of the files' layout): a changed file publishes a new data set,
    and equal content from any server or checkout is the same data set. A ``content_key`` given by the caller
    stands for the content (see ``publish_events``); the row count and column names are mixed in as well, so a
    table the key does not name is at least unlikely to pass for the one it does."""
    import hashlib

    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    import shapely

    digest = hashlib.sha256()
    digest.update(repr((PUBLISHED_LAYOUT, DETAILS_CHUNK, POPUP_FIELDS)).encode())
    if content_key is not None:
        digest.update(repr(("named", content_key, len(gdf), list(gdf.columns))).encode("utf-8", "surrogatepass"))
        return digest.hexdigest()[:20]
    digest.update(pd.util.hash_pandas_object(gdf.index).values.tobytes())
    for column in gdf.columns.drop(gdf.geometry.name):
        values = gdf[column]
        digest.update(f"{column}|{values.dtype}|".encode("utf-8", "surrogatepass"))
        try:  # each column's Arrow buffers as they are (1,000,000 rows: well under a second)
            held = pa.array(values, from_pandas=True)
        except (pa.ArrowException, TypeError, ValueError):  # lists or objects from a GeoJSON: as their text
            digest.update(pd.util.hash_pandas_object(values.astype(str), index=False).values.tobytes())
            continue
        # The content, not how it is held: a table just parsed and the same table read back from the parsed-file
        # cache differ in their buffers (one chunk or one per row group; an all-valid bitmap or none; whatever
        # bytes sit under a null), and must be one data set. So: one chunk, which rows are null, then the other
        # values packed.
        chunk = held.combine_chunks() if isinstance(held, pa.ChunkedArray) else held
        digest.update(f"{chunk.type}|{len(chunk)}|{chunk.null_count}|".encode("utf-8"))
        if chunk.null_count or chunk.offset:
            valid = pc.is_valid(chunk)
            digest.update(valid.buffers()[1])
            chunk = chunk.filter(valid)
        for buffer in chunk.buffers()[1:]:  # not the validity bitmap: said above
            digest.update(b"-" if buffer is None else buffer)
    digest.update(b"".join(w or b"" for w in shapely.to_wkb(gdf.geometry.values)))
    return digest.hexdigest()[:20]


def publish_events(gdf, static_dir=None, content_key: str | None = None) -> str:
    """Write every event once as static files the map draws from; returns their URL folder.

    ``CORE_FILE`` holds ids, precision, radius, point, and outlines of non-point shapes; the popup fields
    come later, from ``publish_details``. Written into a temporary folder renamed into place, so a reader never
    sees half a data set.

    Several servers (several dashboards on one store, or checkouts sharing one ``static/``) share the folder
    safely: a data set's folder is named by its content's fingerprint, so equal content is one folder and
    different content never lands in another's; a file in place is never rewritten; and old data sets are
    pruned only when no server has drawn them for ``PUBLISHED_LEASE_S`` (a draw renews the lease when it is
    older than ``PUBLISHED_RENEW_S``: ``mark_in_use``), under a lock that keeps a prune and a server taking a
    data set into use apart.

    ``content_key``, when the caller has one, names ``gdf``'s content instead of its fingerprint (~1 s at
    1,000,000 events): a file's cache key (``geo.store.datasets.Loaded.content_key``), the same on every server
    for the same file read by the same code. Give it only with the very table it names, never a filtered or
    edited one.
    """
    import os
    import shutil
    import tempfile

    from .. import config

    static_dir = static_dir or config.STATIC_DIR
    key = _dataset_key(gdf, content_key)
    root = static_dir / PUBLISHED_DIR
    target = root / key
    url = static_url(f"{PUBLISHED_DIR}/{key}")
    root.mkdir(parents=True, exist_ok=True)
    if _take_into_use(root, key):
        return url
    staging = tempfile.mkdtemp(dir=root, prefix=f".{key}-")
    try:
        _write_core(gdf, staging)
        with _lock(root, exclusive=False):
            try:
                os.rename(staging, target)
            except OSError:  # another server published the same data set first: the same files
                if not (target / CORE_FILE).exists():  # or a broken leftover (a crash mid-removal): replace it
                    _replace_broken(root, target, staging)
            _stamp(target)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)
    _prune(root, keep=key)
    return url


def publish_details(gdf, url: str, static_dir=None) -> bool:
    """Write the popup fields of the data set published at ``url`` (``publish_events(gdf)``' answer) into its
    ``DETAILS_DIR``: ``details-N.json``, ``DETAILS_CHUNK`` rows a file. Called once the map has drawn (they are
    needed only when a popup opens); until then the map says "being prepared" and fetches nothing.

    A temporary folder renamed into place, so a reader never sees half of them; a server that finds them
    written (by itself or another server) writes nothing. Answers whether they are in place now (False: the
    data set itself is gone, pruned or removed: it is published again on the next draw)."""
    import os
    import shutil
    import tempfile

    folder = _published_folder(url, static_dir)
    if folder is None or not (folder / CORE_FILE).exists():
        return False
    if (folder / DETAILS_DIR).is_dir():
        return True
    staging = tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}-{DETAILS_DIR}-")
    try:
        _write_details(gdf.reset_index(drop=True), staging)
        os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the files from a server run by another user
        with _lock(folder.parent, exclusive=False):  # no prune in between: the folder is there or gone
            if (folder / CORE_FILE).exists():
                try:
                    os.rename(staging, folder / DETAILS_DIR)
                except OSError:  # another server wrote the same files first
                    pass
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)
    return (folder / DETAILS_DIR).is_dir()


def details_ready(url: str, static_dir=None) -> bool:
    """Whether the popup fields of the data set at ``url`` are written (``publish_details``)."""
    folder = _published_folder(url, static_dir)
    return folder is not None and (folder / DETAILS_DIR).is_dir()


def _published_folder(url: str, static_dir=None):
    """The folder of a published data set's ``url``, or None for an address that is not one."""
    from .. import config

    relative = url.removeprefix(config.STATIC_URL + "/")
    if not relative.startswith(PUBLISHED_DIR + "/") or "/" in relative.removeprefix(PUBLISHED_DIR + "/"):
        return None
    return (static_dir or config.STATIC_DIR) / relative


def mark_in_use(url: str, static_dir=None) -> bool:
    """Renew the lease of the published data set at ``url`` (``publish_events``' answer) as the map draws it;
    False if its files are gone (pruned after a long idle spell, or ``make clean``): publish it again."""
    folder = _published_folder(url, static_dir)
    if folder is None or not folder.parent.is_dir():
        return False
    return _take_into_use(folder.parent, folder.name)


def _take_into_use(root, key: str) -> bool:
    """Whether the data set ``key`` is published whole; if so its lease is renewed, under the shared lock so
    that no prune can remove it in between."""
    import time

    with _lock(root, exclusive=False):
        if not (root / key / CORE_FILE).exists():
            return False
        if time.time() - _last_used(root / key) > PUBLISHED_RENEW_S:
            _stamp(root / key)
        return True


def _replace_broken(root, target, staging) -> None:
    import os
    import uuid

    try:
        os.rename(target, root / f".trash-{target.name}-{uuid.uuid4().hex[:8]}")  # removed by the next prune
        os.rename(staging, target)
    except OSError:  # another server replaced it at the same moment, with the same files
        pass


def _stamp(folder) -> None:
    (folder / _USED).touch()


def _last_used(folder) -> float:
    try:
        return (folder / _USED).stat().st_mtime
    except OSError:
        return folder.stat().st_mtime


class _lock:
    """``flock`` on PUBLISHED_DIR/.lock: shared by servers taking data sets into use, exclusive for a prune.
    Every process on this machine sees it, whichever checkout it runs from."""

    def __init__(self, root, exclusive: bool):
        self.path, self.exclusive = root / _LOCK, exclusive

    def __enter__(self):
        import fcntl

        self.file = open(self.path, "a")
        fcntl.flock(self.file, fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH)
        return self

    def __exit__(self, *exc):
        self.file.close()  # releases the lock


def _json_bytes(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str).encode("utf-8")


def _write_bytes(text: bytes, path, compressed: bool = False) -> None:
    if compressed:
        import gzip

        # Level 1: 1,000,000 events' map data is 11.5 MB in 0.28 s (level 6: 9.6 MB in 1.73 s), and the first draw
        # waits for the writing while the file only crosses a loopback or a LAN. mtime 0: the same bytes each time.
        text = gzip.compress(text, compresslevel=1, mtime=0)
    with open(path, "wb") as fh:
        fh.write(text)


def read_core(folder) -> dict:
    """A published data set's ``CORE_FILE`` (in ``folder``) as the map reads it: ids, precision, radius, lat,
    lon, outlines."""
    import gzip
    from pathlib import Path

    return json.loads(gzip.decompress((Path(folder) / CORE_FILE).read_bytes()))


def read_details(folder, chunk: int = 0) -> list[dict]:
    """A published data set's popup fields (in ``folder``), ``chunk``'s rows, as the map reads them."""
    from pathlib import Path

    return json.loads((Path(folder) / DETAILS_DIR / f"details-{chunk}.json").read_bytes())


def _write_core(gdf, folder: str) -> None:
    """``CORE_FILE`` of ``publish_events``: each column written as JSON by Arrow (``json_array``: the text
    Python's writer gives; 1,000,000 events: 1.3 s, was 1.8 s), Python's for a column that way does not cover."""
    import os

    import shapely

    from ..io.export import json_array

    frame = gdf.reset_index(drop=True)

    def column(name: str) -> bytes:
        written = json_array(frame[name])
        if written is not None:
            return written
        values = frame[name].astype(object)
        return _json_bytes(values.where(values.notna(), None).tolist())

    geometry = frame.geometry
    not_point = geometry.notna() & (geometry.geom_type != "Point")
    outlines = {str(i): json.loads(shapely.to_geojson(shapely.orient_polygons(geometry[i])))
                for i in frame.index[not_point]}
    members = [(key, column(name)) for key, name in (("ids", ID_COLUMN), ("precision", "geo_precision"),
                                                     ("radius", "radius_km"), ("lat", "latitude"),
                                                     ("lon", "longitude"))]
    members.append(("outlines", _json_bytes(outlines)))
    text = b"{" + b",".join(_json_bytes(key) + b":" + value for key, value in members) + b"}"
    _write_bytes(text, os.path.join(folder, CORE_FILE), compressed=True)


def _write_details(frame, folder: str) -> None:
    """details-N.json: the popup fields (``popup_table``), ``DETAILS_CHUNK`` rows a file, written column-wise
    in Arrow (``geo.io.export.json_objects``: the same JSON, ~10x faster), or record by record for a table
    that way does not cover. ``DETAILS_BATCH`` rows at a time, so the server's memory holds one batch's text,
    not a million rows' (~0.5 GB more at its peak)."""
    import os

    from ..io.export import join_texts, json_objects

    for start in range(0, max(len(frame), 1), DETAILS_BATCH):
        batch = frame.iloc[start:start + DETAILS_BATCH]
        objects = json_objects(popup_table(batch, typed=True))
        for n in range(0, max(len(batch), 1), DETAILS_CHUNK):
            path = os.path.join(folder, f"details-{(start + n) // DETAILS_CHUNK}.json")
            if objects is None:
                _write_bytes(_json_bytes(popup_table(batch.iloc[n:n + DETAILS_CHUNK]).to_dict("records")), path)
                continue
            chunk = objects.slice(n, DETAILS_CHUNK)
            with open(path, "wb") as fh:
                # Arrow's UTF-8 bytes as they are: no Python string made and encoded again
                fh.write(join_texts(chunk, ",", as_bytes=True, around=(b"[", b"]")))


def popup_table(frame, typed: bool = False):
    """What each event's popup shows: one column per field of ``POPUP_FIELDS`` (geo.io.schema), None for a
    missing value (events.js leaves out empty fields). Most fields are shown as they are; three with what
    qualifies them: the date with its precision ("2021-02-25 (day)"), fatalities as the reported range
    ("5\u20139"), the geo precision with its meaning and radius ("2 (near a town or a small area), \u00b115 km").
    ``frame`` is in our schema, typed (``geo.io.schema.cast_columns``). ``typed``: the columns keep their
    types (text, whole numbers, floats, missing as NA) instead of Python objects, for a column-wise writer."""
    shown = pd.DataFrame({name: frame[name] for name, _, _ in POPUP_FIELDS}, index=frame.index)
    if not typed:
        shown = shown.astype(object)
    qualified = {"event_date": _date_shown, "fatalities": _fatalities_shown, "geo_precision": _precision_shown}
    for name, show in qualified.items():
        if name in shown:
            shown[name] = show(frame).astype("string" if typed else object)
    return shown if typed else shown.where(shown.notna(), None)


def _date_shown(frame):
    """"2021-02-25 (day)": the date with its precision's name, when both are known (column-wise)."""
    dates = frame["event_date"]
    names = frame["time_precision"].astype(object).map(TIME_PRECISION)
    known = dates.notna() & (dates.astype(object) != "") & names.notna()
    shown = dates.astype(object).copy()
    shown[known] = (dates[known].astype(str) + " (" + names[known].astype(str) + ")").astype(object)
    return shown


def _fatalities_shown(frame):
    low, high = frame["fatalities_min"], frame["fatalities_max"]
    low_text, high_text = low.astype("string"), high.astype("string")
    reported_range = low_text.fillna("?") + "\u2013" + high_text.fillna("?")
    return (reported_range.mask((low == high).fillna(False), low_text)
            .mask(low.isna() & high.isna(), frame["fatalities"].astype("string")))


def _precision_shown(frame):
    """"2 (near a town or a small area), ±15 km": the code, its meaning and the radius (each distinct pair
    written once: a million events have a few thousand)."""
    def shown(code, km):
        if pd.isna(code):
            return None
        return f"{code} ({GEO_PRECISION.get(code, 'unknown')})" + (f", \u00b1{km:g} km" if km > 0 else "")

    pairs = pd.DataFrame({"code": frame["geo_precision"], "km": frame["radius_km"]}, index=frame.index)
    distinct = pairs.drop_duplicates()
    texts = pd.Series([shown(code, km) for code, km in zip(distinct["code"], distinct["km"])],
                      index=pd.MultiIndex.from_frame(distinct), dtype=object)
    looked_up = texts.reindex(pd.MultiIndex.from_frame(pairs)).to_numpy()
    return pd.Series(looked_up, index=frame.index, dtype=object)


def _prune(root, keep: str, newest: int = PUBLISHED_KEEP, lease_s: float = PUBLISHED_LEASE_S) -> None:
    """Remove the published data sets no server has drawn for ``lease_s`` seconds, beyond the ``newest`` most
    recently used (and ``keep``); they only fill the disk. Also what a killed publish left (staging folders)."""
    import shutil
    import time
    import uuid

    now = time.time()
    doomed = []
    with _lock(root, exclusive=True):
        folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                         key=_last_used, reverse=True)
        for old in folders[newest:]:
            if old.name != keep and now - _last_used(old) > lease_s:
                trash = root / f".trash-{old.name}-{uuid.uuid4().hex[:8]}"
                old.rename(trash)  # gone at once for every server; removed below, outside the lock
                doomed.append(trash)
        # Hidden folders: data sets being removed (a prune killed midway leaves them), and staging folders of
        # publishes under way, or killed (old).
        doomed += [p for p in root.iterdir() if p.is_dir() and p.name.startswith(".") and p not in doomed
                   and (p.name.startswith(".trash-") or now - p.stat().st_mtime > lease_s)]
    for folder in doomed:
        shutil.rmtree(folder, ignore_errors=True)


def shown_mask(all_events, rows) -> str:
    """Base64 bit mask over ``all_events``' rows (in order): 1 where the row's label is in ``rows`` (an index)."""
    import base64

    import numpy as np

    if rows.equals(all_events.index):  # every row (the usual first look): no search
        bits = np.ones(len(rows), dtype=bool)
    else:
        bits = np.isin(all_events.index.to_numpy(), rows.to_numpy())
    return base64.b64encode(np.packbits(bits).tobytes()).decode("ascii")


def country_codes(gdf, most: int = 12) -> tuple[str, ...]:
    """ISO codes of the (up to ``most``) countries with the most events, from ACLED-style names."""
    from ..geocoding.gazetteer import load_gazetteer

    gazetteer = load_gazetteer()
    # Each distinct cell split once ("Iraq/Syria" counts for both), weighted by how many events name it.
    cells = gdf["country"].fillna("").value_counts()
    names = pd.Series([str(cell).split("/") for cell in cells.index], index=cells.to_numpy(), dtype=object).explode()
    counts = (pd.Series(names.index.to_numpy(), index=names.to_numpy()).groupby(level=0, sort=False).sum()
              .sort_values(ascending=False, kind="stable"))
    codes = [gazetteer.country_code(name) for name in counts.index if name]
    return tuple(dict.fromkeys(c for c in codes if c))[:most]


def bounds_of(gdf) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the drawable events, or None."""
    west, south, east, north = gdf.geometry.total_bounds  # missing shapes left out (NaN: none at all)
    if pd.isna(west):
        return None
    return [[float(south), float(west)], [float(north), float(east)]]


@functools.lru_cache(maxsize=None)
def tile_provider(name: str):
    """The xyzservices provider ``name`` (its URL and attribution). Looked up once: a lookup walks every
    provider (~3 ms), and Folium, given a URL instead, walks them all again looking for one of that name."""
    import xyzservices.providers as xyz

    return xyz.query_name(name)


def base_map(bounds: list[list[float]] | None, online_tiles: str | None = None,
             admin1_countries: tuple[str, ...] = (), view=None, dataset_url: str | None = None) -> OfflineMap:
    """The map that stays the same while filters change: basemap, base layers, controls, the view.

    ``online_tiles`` (a key of ``ONLINE_BASEMAPS``) is the base layer shown first; the others are one
    click away in the layer control, which is the only thing that ever fetches a tile. ``view`` (a
    ``geo.web.filters.MapView``) opens the map there; otherwise it fits ``bounds``. The basemap files and
    ``dataset_url``'s ``CORE_FILE`` are fetched while the map's scripts load (strikemap/preload.js).
    """
    from urllib.parse import urlencode

    location, zoom = ([view.lat, view.lon], view.zoom) if view else ([34.5, 41.0], 6)
    fmap = OfflineMap(location=location, zoom_start=zoom, tiles=None, maxZoom=18, max_zoom=18,
                      prefer_canvas=False, control_scale=True)
    # The events' data first: the basemap is drawn after them when both are in (see OfflineBasemap).
    data_files = ([f"{dataset_url}/{CORE_FILE}"] if dataset_url else []) + [static_url(BASEMAP_FILE)]
    data_files += admin1_urls(admin1_countries)
    # The first script the map loads, so the downloads start before Leaflet's, and the scripts and styles
    # streamlit-folium loads one after another download side by side (see geo/web/js/preload.js).
    later = ([("url", u) for u in data_files] + [("js", u) for _, u in LEAFLET_JS[1:] + EventLayer.default_js]
             + [("css", u) for _, u in LEAFLET_CSS])
    fmap.default_js = [("strikemap_preload", f"{PRELOAD_JS}?{urlencode(later)}"), *LEAFLET_JS[1:]]
    # The offline base is drawn by OfflineBasemap in its own pane; this empty layer is its radio button.
    offline = folium.FeatureGroup(name=OFFLINE_BASEMAP, overlay=False, show=online_tiles is None).add_to(fmap)
    provinces = folium.FeatureGroup(name="Provinces (admin-1, Natural Earth)", overlay=True).add_to(fmap)
    OfflineBasemap(provinces, admin1_countries=admin1_countries).add_to(fmap)
    context = folium.FeatureGroup(name=CONTEXT_OVERLAY, overlay=True).add_to(fmap)
    BasemapContext(context).add_to(fmap)
    for key, (label, provider_name) in ONLINE_BASEMAPS.items():
        tiles = folium.TileLayer(tiles=tile_provider(provider_name), name=label, max_zoom=18, overlay=False,
                                 show=key == online_tiles)
        tiles.add_to(fmap)
        TileErrorNotice(tiles, offline).add_to(fmap)
    FocusWithoutScroll().add_to(fmap)
    OfflineFullscreen(position="topleft").add_to(fmap)
    OfflineMeasure(position="topleft", primary_length_unit="kilometers", secondary_length_unit="miles",
                   primary_area_unit="sqkilometers").add_to(fmap)
    Legend().add_to(fmap)
    if bounds and not view:
        (south, west), (north, east) = bounds
        pad = 1.5  # degrees: show the surroundings (borders, neighbouring towns) around the events
        fmap.fit_bounds([[south - pad, west - pad], [north + pad, east + pad]], max_zoom=8)
    return fmap


def layer_control() -> folium.LayerControl:
    """Base layers (offline, OpenStreetMap, satellite) and overlays (provinces, events). Passed to
    st_folium as ``layer_control`` so it is rebuilt with the events layer on every rerun."""
    return folium.LayerControl(position="topright", collapsed=True)


def events_feature_group(all_events, shown, dataset_url: str, shapes: bool = True,
                         focus_id: str | None = None) -> folium.FeatureGroup:
    """What changes with the filters, passed to st_folium as ``feature_group_to_add``: which rows of
    the published data set (``publish_events(all_events)``) to draw, and whether their popup fields are
    written yet (``publish_details``)."""
    group = folium.FeatureGroup(name="Events")
    # Labels only: the rows themselves would be a copy of the table (1,000,000 events: ~0.5 GB on each rerun).
    drawable = shown.index[(shown.geometry.notna() & ~shown.geometry.is_empty).to_numpy()]
    EventLayer(dataset_url, shown_mask(all_events, drawable), len(drawable), shapes, focus_id,
               details_ready(dataset_url)).add_to(group)
    return group
