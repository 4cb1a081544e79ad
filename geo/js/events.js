/* strikemap event layer (served from /app/static/strikemap/events.js).
 *
 * The whole events table is published once as static files (geo.mapping.publish_events):
 *   core.json        ids, precision, radius_km, lat, lon, and the outline of every non-point event
 *   details-N.json   the popup text of rows N*chunk .. (N+1)*chunk-1, fetched when a popup opens
 * Each Streamlit rerun passes only a bit mask of the rows to show, so a filter change redraws from
 * data the page already holds. Large selections draw on one canvas; small ones as SVG paths.
 * Everything from the data reaches the page through textContent: it is never parsed as HTML.
 */
(function () {
  "use strict";
  var datasets = {}, chunks = {};

  function fetchJson(url) {
    return fetch(url).then(function (response) {
      if (!response.ok) throw new Error("strikemap: " + url + " answered HTTP " + response.status);
      return response.json();
    });
  }

  function core(url) {
    return datasets[url] || (datasets[url] = fetchJson(url + "/core.json"));
  }

  function details(url, index, size) {
    var n = Math.floor(index / size), key = url + "#" + n;
    if (!chunks[key]) chunks[key] = fetchJson(url + "/details-" + n + ".json");
    return chunks[key].then(function (rows) { return rows[index - n * size]; });
  }

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  function fatalities(p) {
    if (p.fatalities_min === null && p.fatalities_max === null) return p.fatalities;
    var low = p.fatalities_min, high = p.fatalities_max;
    if (low === high) return String(low);
    return (low === null ? "?" : low) + "\u2013" + (high === null ? "?" : high);
  }

  function fill(box, p, o) {
    box.textContent = "";
    box.appendChild(text("div", p.event_id_cnty || "", "strikemap-popup-id"));
    o.fields.forEach(function (field) {
      var value = field[0] === "fatalities" ? fatalities(p) : p[field[0]];
      if (field[0] === "event_date" && value && o.timePrecision[p.time_precision]) {
        value += " (" + o.timePrecision[p.time_precision] + ")";
      }
      if (value === null || value === undefined || value === "") return;
      var row = document.createElement("div");
      row.appendChild(text("b", field[1] + ": "));
      row.appendChild(document.createTextNode(String(value)));
      box.appendChild(row);
    });
    if (p.fatalities_sources) box.appendChild(text("div", "Fatality sources: " + p.fatalities_sources));
    var style = o.styles[p.geo_precision] || {label: "unknown"};
    var how = "Precision " + p.geo_precision + " (" + style.label + ")";
    if (p.radius_km) how += ", \u00b1" + p.radius_km + " km";
    box.appendChild(text("div", how + "; geocoder: " + p.geocoder, "strikemap-popup-how"));
    if (/^https?:\/\//i.test(p.source_url || "")) {
      var link = text("a", p.source_url);
      link.href = p.source_url; link.target = "_blank"; link.rel = "noopener noreferrer";
      box.appendChild(link);
    } else if (p.source_url) {
      box.appendChild(text("div", "Source file: " + p.source_url));
    }
  }

  function bindPopup(layer, index, o) {
    var box = null;  // built on first opening, then reused (Popup.update() calls this function again)
    layer.bindPopup(function () {
      if (box) return box;
      box = text("div", "Loading\u2026", "strikemap-popup");
      details(o.url, index, o.chunk).then(function (p) {
        fill(box, p, o);
        if (layer.isPopupOpen()) layer.getPopup().update();  // resize to the filled content
      }).catch(function (err) { box.textContent = "Details could not be loaded."; console.warn(err); });
      return box;
    }, {maxWidth: 340, maxHeight: 300});
  }

  function isShown(mask) {
    var bytes = atob(mask);
    return function (i) { return (bytes.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1; };
  }

  function draw(group, o) {
    core(o.url).then(function (data) {
      var shown = isShown(o.mask), layers = [], byId = {};
      var renderer = o.count > o.svgLimit ? L.canvas({padding: 0.5}) : L.svg();
      for (var i = 0; i < data.ids.length; i++) {
        if (!shown(i)) continue;
        var precision = data.precision[i], radius = data.radius[i];
        var colour = (o.styles[precision] || {color: "#555"}).color, latlng = [data.lat[i], data.lon[i]];
        var outline = data.outlines[String(i)], layer;
        if (outline) {
          layer = L.geoJSON(outline, {style: {renderer: renderer, color: colour, weight: 1.5, fillColor: colour,
            fillOpacity: o.shapes ? 0.12 : 0, dashArray: "4 3", className: "strikemap-event"}});
        } else if (precision === 1 || !radius || !o.shapes) {
          layer = L.circleMarker(latlng, {renderer: renderer, radius: 5, color: "#fff", weight: 1.5,
            fillColor: colour, fillOpacity: 1, className: "strikemap-event"});
        } else {
          layer = L.featureGroup([
            L.circle(latlng, {renderer: renderer, radius: radius * 1000, color: colour, weight: 1.5,
              fillColor: colour, fillOpacity: 0.15, className: "strikemap-event"}),
            L.circleMarker(latlng, {renderer: renderer, radius: 4, color: "#fff", weight: 1.5,
              fillColor: colour, fillOpacity: 1, className: "strikemap-center"})]);
        }
        bindPopup(layer, i, o);
        layers.push(layer);
        byId[data.ids[i]] = layer;
      }
      // Straight into the Folium feature group: its clicks reach streamlit-folium's listener,
      // which tells the page which event was clicked.
      layers.forEach(function (layer) { group.addLayer(layer); });
      // For tests and benchmarks: how many events are on the map now.
      document.body.dataset.strikemapDrawn = String(layers.length);
      var focus = o.focus && byId[o.focus], map = group._map;
      if (focus && map) {
        // The row chosen in the table: centre on it and open its popup.
        var target = focus.getBounds ? focus.getBounds().getCenter() : focus.getLatLng();
        map.setView(target, Math.max(map.getZoom(), 8));
        focus.openPopup(target);
      }
    }).catch(function (err) { console.error("strikemap: events not drawn", err); });
  }

  window.StrikemapEvents = {draw: draw};
})();
