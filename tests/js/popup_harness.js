/* Runs geo/web/js/events.js (and interact.js beside it) in node with Leaflet and the DOM stubbed, draws
 * one event, opens its popup as a click on the map does, and prints the popup's lines as JSON (a link as "[text](href)"). Used by tests/test_schema.py.
 *   node popup_harness.js EVENTS_JS FIELDS_JSON DETAILS_JSON [late]
 * "late": the first draw says the popup fields are not written yet (geo.web.mapping.publish_details); the popup
 * is opened, then the map is drawn again saying they are. Prints {before: the popup's text and the files fetched
 * while not written, lines: the popup's lines after}.
 */
"use strict";
const fs = require("fs");
const vm = require("vm");
const [eventsJs, fieldsJson, detailsJson, late] = process.argv.slice(2);
const fetched = [];
const core = {ids: ["E"], precision: [1], radius: [null], lat: [34.4], lon: [40.9], outlines: {}};
let popupContent = null;

function element(tag) {
  return {tag, style: {}, dataset: {}, children: [], textContent: "", className: "",
          appendChild(child) { this.children.push(child); return child; }};
}
function layer() {
  return {bindTooltip() { return this; }};
}
const sandbox = {
  L: {svg: () => ({}), circleMarker: layer, circle: layer, geoJSON: layer, Layer: {extend: () => function () {}},
      layerGroup: (layers) => ({layers}), latLng: (lat, lon) => ({lat, lon}),
      popup() {
        const p = {setLatLng: () => p, setContent(box) { popupContent = box; return p; }, openOn: () => p,
                   update() {}, isOpen: () => true};
        return p;
      }},
  console, Promise, Math, String, Object, JSON, Float64Array,
  atob: (text) => Buffer.from(text, "base64").toString("binary"),
  performance: {mark() {}},
  document: {body: {dataset: {}}, createElement: element, createTextNode: (text) => ({textContent: text})},
  window: {StrikemapPreload: {json: (url) => {
    fetched.push(url);
    return Promise.resolve(url.endsWith("/core.json.gz") ? core : [JSON.parse(detailsJson)]);
  }}},
};
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(require("path").join(require("path").dirname(eventsJs), "interact.js"), "utf8"), sandbox);
vm.runInContext(fs.readFileSync(eventsJs, "utf8"), sandbox);
const options = {url: "/x", core: "core.json.gz", details: late ? null : "details", mask: Buffer.from([0x80]).toString("base64"), count: 1, shapes: true, focus: null,
                 chunk: 1000, svgLimit: 3000, fields: JSON.parse(fieldsJson), styles: {"1": {color: "#000", label: "t"}}};
const map = {on() {}, hasLayer: () => false, setView() {}, getZoom: () => 5, eachLayer() {}, removeLayer() {}};
const group = {addLayer() {}, fire() {}, _map: map};
const wait = () => new Promise((resolve) => setTimeout(resolve, 0));
const linesOf = (box) => box.children.map((row) => row.children.map(
  (part) => part.tag === "a" ? `[${part.textContent}](${part.href})` : part.textContent).join(""));
(async () => {
  sandbox.window.StrikemapEvents.draw(group, options);
  await wait();
  sandbox.window.StrikemapInteract.open(0, true);
  const box = popupContent;
  await wait();
  if (!late) return process.stdout.write(JSON.stringify(linesOf(box)));
  const before = {text: box.textContent, fetched: fetched.slice()};
  sandbox.window.StrikemapEvents.draw(group, {...options, details: "details"});  // the next run: written
  await wait();
  await wait();
  process.stdout.write(JSON.stringify({before, lines: linesOf(box), fetched}));
})();
