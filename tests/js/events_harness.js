/* Runs geo/web/js/events.js (and interact.js beside it) in node with Leaflet and the DOM stubbed, and
 * prints what it hands to the places that parse HTML: the tooltip content of each SVG layer (Leaflet sets
 * a string tooltip with innerHTML) and the tooltip reported when an event is opened from the map
 * (streamlit-folium reads it with innerHTML). Used by tests/test_properties.py.
 *   node events_harness.js EVENTS_JS CORE_JSON MASK_BASE64
 */
"use strict";
const fs = require("fs");
const vm = require("vm");
const [eventsJs, coreJson, mask] = process.argv.slice(2);
const core = JSON.parse(coreJson);
const details = core.ids.map((id) => ({event_id_cnty: id, geo_precision: 1}));  // popup rows
const seen = {tooltips: [], clicks: []};

function element() {
  return {style: {}, dataset: {}, children: [], textContent: "", className: "",
          appendChild(child) { this.children.push(child); return child; }};
}
function layer() {
  return {bindPopup() { return this; }, bindTooltip(content) { seen.tooltips.push(content); return this; },
          openPopup() {}, getLatLng() { return core; }};
}
const L = {
  svg: () => ({}),
  layerGroup: (layers) => ({layers}),
  circleMarker: layer, circle: layer, geoJSON: layer,
  featureGroup(parts) { return {getLayers: () => parts, eachLayer() {}, bindPopup() { return this; }}; },
  Layer: {extend(proto) {
    function Layer(...args) { this.initialize(...args); }
    Layer.prototype = proto;
    return Layer;
  }},
  popup() { const p = {setLatLng: () => p, setContent: () => p, openOn: () => p, update() {}, isOpen: () => true}; return p; },
  latLng: (latlng) => latlng,
  Popup: function Popup() {},
};
const sandbox = {
  L, console, Promise, Math, String, Object, JSON, Float64Array,
  atob: (text) => Buffer.from(text, "base64").toString("binary"),
  performance: {mark() {}},
  document: {body: {dataset: {}}, createElement: element, createTextNode: (text) => ({textContent: text})},
  window: {StrikemapPreload: {json: (url) => Promise.resolve(url.endsWith("/core.json.gz") ? core : details)}},
};
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(require("path").join(require("path").dirname(eventsJs), "interact.js"), "utf8"), sandbox);
vm.runInContext(fs.readFileSync(eventsJs, "utf8"), sandbox);

const options = {url: "/app/static/cache/events/x", core: "core.json.gz", mask, count: core.ids.length, shapes: true, focus: null,
                 chunk: 1000, fields: [], styles: {"1": {color: "#000", label: "town"}}};
const map = {on() {}, hasLayer: () => false, setView() {}, getZoom: () => 5, eachLayer() {}, removeLayer() {}};
const svgGroup = {addLayer() {}, _map: null};
const canvasGroup = {addLayer() {}, _map: map,
                     fire(type, event) { seen.clicks.push(event.sourceTarget.getTooltip().getContent()); }};
(async () => {
  sandbox.window.StrikemapEvents.draw(svgGroup, {...options, svgLimit: 1e9});
  sandbox.window.StrikemapEvents.draw(canvasGroup, {...options, svgLimit: -1});
  await new Promise((resolve) => setTimeout(resolve, 50));
  core.ids.forEach((_, i) => sandbox.window.StrikemapInteract.open(i, true));  // as a click on the map does
  process.stdout.write(JSON.stringify(seen));
})();
