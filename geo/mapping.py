"""Folium layers for strikemap: an offline map, the Natural Earth basemap, and the events.

Shaped like Folium's plugins: each element declares its assets as data
(``default_js``/``default_css``, here local URLs under ``/app/static``) and
carries one small template. Nothing is loaded from a CDN.

* ``OfflineMap``: ``folium.Map`` whose Leaflet and jQuery come from ``static/``.
* ``OfflineBasemap``: fetches the countries GeoJSON built by ``geo.assets`` and
  draws it under everything, with the sea as the map background.
* ``EventLayer``: all events as one ``L.geoJSON`` layer. Style shows precision: a
  dot for a named town (1), a circle of ``radius_km`` for "near X" (2), the
  polygon for a region (3). Popups are built with DOM text nodes, so text from
  reports is never parsed as HTML.
"""

from __future__ import annotations

import json

import folium
from branca.element import MacroElement
from folium import plugins
from jinja2 import Template

from .assets import BASEMAP_FILE, static_url
from .export import _feature_collection

LEAFLET_JS = [("leaflet", static_url("vendor/leaflet/leaflet.js")),
              ("jquery", static_url("vendor/jquery/jquery.min.js"))]
LEAFLET_CSS = [("leaflet_css", static_url("vendor/leaflet/leaflet.css"))]
PRECISION_STYLE = {
    1: {"color": "#b2182b", "badge": "red", "label": "named town or site"},
    2: {"color": "#ef8a62", "badge": "orange", "label": "near a town (circle: uncertainty radius)"},
    3: {"color": "#2166ac", "badge": "blue", "label": "region (shape: the whole area)"},
}
# Properties the popup shows, in order, with their labels.
POPUP_FIELDS = [
    ("location_mention", "Place as written"), ("location", "Resolved to"), ("event_date", "Date"),
    ("event_type", "Type"), ("actor1", "Actor 1"), ("actor2", "Actor 2"), ("fatalities", "Fatalities"),
    ("source", "Source"), ("notes", "Notes"),
]


def safe_json(data) -> str:
    """JSON that can sit inside a <script> element: no "</script>", "<!--" or line separators survive."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=str)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


class OfflineMap(folium.Map):
    """A Folium map that loads Leaflet and jQuery from the app itself."""

    default_js = LEAFLET_JS
    default_css = LEAFLET_CSS


class OfflineBasemap(MacroElement):
    """Natural Earth countries fetched from /app/static, drawn in their own pane below all layers."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            map.getContainer().style.background = "#dde8ef";
            map.createPane("basemap");
            map.getPane("basemap").style.zIndex = 150;
            fetch({{ this.url_json }})
                .then(function (response) { return response.json(); })
                .then(function (data) {
                    L.geoJSON(data, {
                        pane: "basemap", interactive: false,
                        style: {color: "#8c8c8c", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1}
                    }).addTo(map);
                    data.features.forEach(function (f) {
                        L.tooltip({permanent: true, direction: "center", className: "strikemap-country-label",
                                   pane: "basemap", interactive: false})
                            .setLatLng(f.properties.label).setContent(f.properties.name).addTo(map);
                    });
                })
                .catch(function (err) { console.warn("strikemap: offline basemap not loaded", err); });
        })();
        {% endmacro %}
        {% macro header(this, kwargs) %}
        <style>
        .strikemap-country-label {background: transparent; border: 0; box-shadow: none;
            color: #6b6b6b; font: 11px sans-serif; z-index: 300; }  /* above the pane's svg (z-index 200) */
        .strikemap-country-label::before {display: none;}
        /* Event popups: st_folium only keeps the base map's header, so their style lives here. */
        .strikemap-popup {font: 12px/1.4 sans-serif;}
        .strikemap-popup > div {margin: 1px 0;}
        .strikemap-popup-id {font-weight: bold; color: #555;}
        .strikemap-popup-how {color: #666; font-size: 11px; margin-top: 4px !important;}
        </style>
        {% endmacro %}
    """)

    def __init__(self, url: str = static_url(BASEMAP_FILE)):
        super().__init__()
        self._name = "OfflineBasemap"
        self.url_json = safe_json(url)


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


class OfflineFullscreen(plugins.Fullscreen):
    default_js = [("Control.Fullscreen.js", static_url("vendor/fullscreen/Control.FullScreen.js"))]
    default_css = [("Control.FullScreen.css", static_url("vendor/fullscreen/Control.FullScreen.css"))]


class OfflineMeasure(plugins.MeasureControl):
    default_js = [("leaflet_measure_js", static_url("vendor/measure/leaflet-measure.js"))]
    default_css = [("leaflet_measure_css", static_url("vendor/measure/leaflet-measure.css"))]


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
    """When online tiles fail to load, say so on the map instead of leaving grey squares."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var layer = {{ this.layer.get_name() }}, map = {{ this._parent.get_name() }}, shown = false;
            layer.on("tileerror", function () {
                if (shown) return; shown = true;
                var box = L.control({position: "bottomleft"});
                box.onAdd = function () {
                    var div = L.DomUtil.create("div", "strikemap-notice");
                    div.textContent = "Online tiles are unreachable: showing the offline basemap.";
                    div.style.cssText = "background:#fff8e1;padding:4px 8px;border:1px solid #e0c060;font:12px sans-serif";
                    return div;
                };
                box.addTo(map);
                map.removeLayer(layer);
            });
        })();
        {% endmacro %}
    """)

    def __init__(self, layer):
        super().__init__()
        self.layer = layer


class EventLayer(MacroElement):
    """Every event in one GeoJSON layer, styled by precision, with text-only popups."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function () {
            var styles = {{ this.styles_json }}, fields = {{ this.fields_json }};
            var showShapes = {{ this.shapes_json }}, focusId = {{ this.focus_json }};
            var byId = {};
            function text(tag, value, cls) {
                var el = document.createElement(tag);
                el.textContent = value;
                if (cls) el.className = cls;
                return el;
            }
            function fatalities(p) {
                if (p.fatalities_min === null && p.fatalities_max === null) return p.fatalities;
                var low = p.fatalities_min, high = p.fatalities_max;
                var range = (low === high) ? String(low) : (low === null ? "?" : low) + "\u2013" + (high === null ? "?" : high);
                return range;
            }
            function popup(layer) {
                var p = layer.feature.properties, box = document.createElement("div");
                box.className = "strikemap-popup";
                box.appendChild(text("div", p.event_id_cnty || "", "strikemap-popup-id"));
                fields.forEach(function (field) {
                    var value = field[0] === "fatalities" ? fatalities(p) : p[field[0]];
                    if (value === null || value === undefined || value === "") return;
                    var row = document.createElement("div");
                    row.appendChild(text("b", field[1] + ": "));
                    row.appendChild(document.createTextNode(String(value)));
                    box.appendChild(row);
                });
                if (p.fatalities_sources) box.appendChild(text("div", "Fatality sources: " + p.fatalities_sources));
                var precision = styles[p.geo_precision] || {label: "unknown"};
                var how = "Precision " + p.geo_precision + " (" + precision.label + ")";
                if (p.radius_km) how += ", \u00b1" + p.radius_km + " km";
                box.appendChild(text("div", how + "; geocoder: " + p.geocoder, "strikemap-popup-how"));
                if (/^https?:\\/\\//i.test(p.source_url || "")) {
                    var link = text("a", p.source_url);
                    link.href = p.source_url; link.target = "_blank"; link.rel = "noopener noreferrer";
                    box.appendChild(link);
                } else if (p.source_url) {
                    box.appendChild(text("div", "Source file: " + p.source_url));
                }
                return box;
            }
            function colour(p) { return (styles[p.geo_precision] || {color: "#555"}).color; }
            var layer = L.geoJSON({{ this.data_json }}, {
                pointToLayer: function (feature, latlng) {
                    var p = feature.properties, c = colour(p);
                    var alone = p.geo_precision === 1 || !p.radius_km || !showShapes;
                    var dot = L.circleMarker(latlng, {radius: 5, color: "#fff", weight: 1.5, fillColor: c, fillOpacity: 1,
                                                      className: alone ? "strikemap-event" : "strikemap-center"});
                    if (alone) return dot;
                    var circle = L.circle(latlng, {radius: p.radius_km * 1000, color: c, weight: 1.5,
                                                   fillColor: c, fillOpacity: 0.15, className: "strikemap-event"});
                    circle.feature = dot.feature = feature;  // popups open on the clicked part
                    return L.featureGroup([circle, dot]);
                },
                style: function (feature) {
                    // Points are styled in pointToLayer; this styles region shapes only.
                    if (feature.geometry.type === "Point") return {};
                    var c = colour(feature.properties);
                    return {color: c, weight: 1.5, fillColor: c, fillOpacity: showShapes ? 0.12 : 0,
                            dashArray: "4 3", className: "strikemap-event"};
                }
            });
            layer.eachLayer(function (l) {
                l.bindPopup(popup, {maxWidth: 340, maxHeight: 300});
                byId[l.feature.properties.event_id_cnty] = l;
            });
            layer.addTo({{ this._parent.get_name() }});
            // For tests and benchmarks: how many events this layer drew.
            document.body.dataset.strikemapDrawn = String(layer.getLayers().length);
            var focus = focusId && byId[focusId];
            if (focus) {
                // The row chosen in the table: centre on it and open its popup, once the group is on the map
                // (streamlit-folium adds it right after this script).
                setTimeout(function () {
                    var map = {{ this._parent.get_name() }}._map;
                    if (!map) return;
                    var target = focus.getBounds ? focus.getBounds().getCenter() : focus.getLatLng();
                    map.setView(target, Math.max(map.getZoom(), 8));
                    focus.openPopup(target);
                }, 0);
            }
        })();
        {% endmacro %}
    """)

    def __init__(self, gdf, shapes: bool = True, focus_id: str | None = None):
        super().__init__()
        self._name = "EventLayer"
        self.shapes_json = safe_json(bool(shapes))
        self.focus_json = safe_json(focus_id)
        drawable = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty]
        self.count = len(drawable)
        self.data_json = safe_json(_feature_collection(drawable))
        self.styles_json = safe_json({str(k): v for k, v in PRECISION_STYLE.items()})
        self.fields_json = safe_json(POPUP_FIELDS)


def bounds_of(gdf) -> list[list[float]] | None:
    """[[south, west], [north, east]] of the drawable events, or None."""
    shapes = gdf.geometry.dropna()
    if shapes.empty:
        return None
    west, south, east, north = shapes.total_bounds
    return [[float(south), float(west)], [float(north), float(east)]]


def base_map(bounds: list[list[float]] | None, online_tiles: str | None = None) -> OfflineMap:
    """The map that stays the same while filters change: basemap, optional online tiles, the view."""
    fmap = OfflineMap(location=[34.5, 41.0], zoom_start=6, tiles=None, maxZoom=18, max_zoom=18,
                      prefer_canvas=False, control_scale=True)
    OfflineBasemap().add_to(fmap)
    FocusWithoutScroll().add_to(fmap)
    OfflineFullscreen(position="topleft").add_to(fmap)
    OfflineMeasure(position="topleft", primary_length_unit="kilometers", secondary_length_unit="miles",
                   primary_area_unit="sqkilometers").add_to(fmap)
    Legend().add_to(fmap)
    if online_tiles:
        import xyzservices.providers as xyz

        provider = xyz.query_name(online_tiles)
        tiles = folium.TileLayer(tiles=provider.build_url(), attr=provider.html_attribution,
                                 name=provider.name, max_zoom=18, overlay=False)
        tiles.add_to(fmap)
        TileErrorNotice(tiles).add_to(fmap)
    if bounds:
        (south, west), (north, east) = bounds
        pad = 1.5  # degrees: show the surroundings (borders, neighbouring towns) around the events
        fmap.fit_bounds([[south - pad, west - pad], [north + pad, east + pad]], max_zoom=8)
    return fmap


def events_feature_group(gdf, shapes: bool = True, focus_id: str | None = None) -> folium.FeatureGroup:
    """What changes with the filters: passed to st_folium as ``feature_group_to_add``."""
    group = folium.FeatureGroup(name="Events")
    EventLayer(gdf, shapes=shapes, focus_id=focus_id).add_to(group)
    return group
