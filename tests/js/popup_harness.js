/* Runs geo/web/js/events.js in node with Leaflet and the DOM stubbed, draws one event, opens its popup
 * and prints the popup's lines as JSON (a link as "[text](href)"). Used by tests/test_schema.py.
 *   node popup_harness.js EVENTS_JS FIELDS_JSON DETAILS_JSON
 */
"use strict";
const fs = require("fs");
const vm = require("vm");
const [eventsJs, fieldsJson, detailsJson] = process.argv.slice(2);
const core = {ids: ["E"], precision: [1], radius: [null], lat: [34.4], lon: [40.9], outlines: {}};
let openPopup = null;

function element(tag) {
  return {tag, style: {}, dataset: {}, children: [], textContent: "", className: "",
          appendChild(child) { this.children.push(child); return child; }};
}
function layer() {
  return {bindPopup(build) { openPopup = build; return this; }, bindTooltip() { return this; },
          isPopupOpen() { return false; }, openPopup() {}};
}
const sandbox = {
  L: {svg: () => ({}), circleMarker: layer, circle: layer, geoJSON: layer, Layer: {extend: () => function () {}}},
  console, Promise, Math, String, Object, JSON, Float64Array,
  atob: (text) => Buffer.from(text, "base64").toString("binary"),
  performance: {mark() {}},
  document: {body: {dataset: {}}, createElement: element, createTextNode: (text) => ({textContent: text})},
  window: {StrikemapPreload: {json: (url) => Promise.resolve(url.endsWith("core.json") ? core : [JSON.parse(detailsJson)])}},
};
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(eventsJs, "utf8"), sandbox);
const options = {url: "/x", mask: Buffer.from([0x80]).toString("base64"), count: 1, shapes: true, focus: null,
                 chunk: 1000, svgLimit: 3000, fields: JSON.parse(fieldsJson), styles: {"1": {color: "#000", label: "t"}}};
sandbox.window.StrikemapEvents.draw({addLayer() {}, _map: null}, options);
setTimeout(() => {
  const box = openPopup();
  setTimeout(() => {
    const lines = box.children.map((row) => row.children.map(
      (part) => part.tag === "a" ? `[${part.textContent}](${part.href})` : part.textContent).join(""));
    process.stdout.write(JSON.stringify(lines));
  }, 0);
}, 0);
