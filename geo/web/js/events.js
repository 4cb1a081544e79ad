/* strikemap event layer (served from /app/static/strikemap/events.js).
 *
 * The whole events table is published once as static files (geo.mapping.publish_events):
 *   core.json        ids, precision, radius_km, lat, lon, and the outline of every non-point event
 *   details-N.json   the popup text of rows N*chunk .. (N+1)*chunk-1, fetched when a popup opens
 *                    (one key per popup field; the fields, their labels and order come in the options)
 * Each Streamlit rerun passes only a bit mask of the rows to show, so a filter change redraws from
 * data the page already holds. Large selections draw on one canvas; small ones as SVG paths.
 * Everything from the data reaches the page through textContent: it is never parsed as HTML.
 */
(function () {
  "use strict";
  var datasets = {}, chunks = {};

  function fetchJson(url) {  // through preload.js, which may have started the download already
    return window.StrikemapPreload.json(url);
  }

  /* A failed download is forgotten, so the next draw or popup asks again (a data set pruned while the page
   * sat idle is published again by the server's next rerun, under the same address). */
  function remembered(cache, key, url) {
    if (!cache[key]) {
      cache[key] = fetchJson(url).catch(function (err) { delete cache[key]; throw err; });
    }
    return cache[key];
  }

  function core(url) {
    return remembered(datasets, url, url + "/core.json");
  }

  function details(url, index, size) {
    var n = Math.floor(index / size), key = url + "#" + n;
    return remembered(chunks, key, url + "/details-" + n + ".json").then(function (rows) { return rows[index - n * size]; });
  }

  function text(tag, value, cls) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (cls) el.className = cls;
    return el;
  }

  /* Leaflet sets a string tooltip with innerHTML, and streamlit-folium reads a clicked layer's tooltip
   * back with innerHTML: an event id is data, so both get it as escaped HTML (shown and read back as
   * the same text), never as markup. */
  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  /* The popup: one line per field of o.fields, [column, label, type] in the order geo/io/schema.py declares
   * them (handed over by geo.web.mapping), with the text geo.web.mapping.popup_table published for it.
   * Empty fields are left out; a "url" field that is a web address is a link. */
  function fill(box, p, o) {
    box.textContent = "";
    o.fields.forEach(function (field) {
      var value = p[field[0]];
      if (value === null || value === undefined || value === "") return;
      var row = document.createElement("div");
      row.appendChild(text("b", field[1] + ": "));
      if (field[2] === "url" && /^https?:\/\//i.test(String(value))) {
        var link = text("a", String(value));
        link.href = String(value); link.target = "_blank"; link.rel = "noopener noreferrer";
        row.appendChild(link);
      } else {
        row.appendChild(document.createTextNode(String(value)));
      }
      box.appendChild(row);
    });
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

  /* Many events: one canvas, drawn point by point, no Leaflet object per event. A click picks the
   * nearest shown event within a few pixels, opens its popup, and tells the Folium group (so
   * streamlit-folium reports it) which event was clicked. */
  var PointsCanvas = L.Layer.extend({
    initialize: function (data, rows, o, group) {
      this._data = data; this._rows = rows; this._o = o; this._group = group;
    },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "strikemap-canvas leaflet-zoom-hide");
      this._canvas.style.position = "absolute";
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize", this._redraw, this);
      map.on("click", this._click, this);
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize", this._redraw, this);
      map.off("click", this._click, this);
    },
    _redraw: function () {
      var map = this._map, size = map.getSize(), data = this._data, o = this._o;
      L.DomUtil.setPosition(this._canvas, map.containerPointToLayerPoint([0, 0]));
      this._canvas.width = size.x; this._canvas.height = size.y;
      var ctx = this._canvas.getContext("2d");
      if (!this._world) this._project();
      // Container pixel = world pixel at zoom 0 * 2^zoom - pixel origin + map pane offset (Leaflet's own
      // latLngToContainerPoint, without an object per event).
      var scale = Math.pow(2, map.getZoom()), origin = map.getPixelOrigin(), pane = map._getMapPanePos();
      var dx = pane.x - origin.x, dy = pane.y - origin.y, margin = 50;
      var metresPerPixel = 40075016.686 * Math.abs(Math.cos(map.getCenter().lat * Math.PI / 180)) / (scale * 256);
      // One path per colour: dots (and uncertainty circles) of a precision are filled in one call.
      var dots = {}, circles = {}, points = [], world = this._world;
      for (var k = 0; k < this._rows.length; k++) {
        var i = this._rows[k];
        if (world[2 * k] !== world[2 * k]) continue;  // NaN: no coordinates
        var x = world[2 * k] * scale + dx, y = world[2 * k + 1] * scale + dy;
        if (x < -margin || y < -margin || x > size.x + margin || y > size.y + margin) continue;
        var colour = (o.styles[data.precision[i]] || {color: "#555"}).color, radius = data.radius[i];
        if (o.shapes && data.precision[i] !== 1 && radius) {
          var r = radius * 1000 / metresPerPixel;
          (circles[colour] = circles[colour] || new Path2D()).moveTo(x + r, y);
          circles[colour].arc(x, y, r, 0, 2 * Math.PI);
        }
        (dots[colour] = dots[colour] || new Path2D()).moveTo(x + 3.5, y);
        dots[colour].arc(x, y, 3.5, 0, 2 * Math.PI);
        points.push(x, y, i);
      }
      ctx.globalAlpha = 0.08;
      Object.keys(circles).forEach(function (c) { ctx.fillStyle = c; ctx.fill(circles[c]); });
      ctx.globalAlpha = 1;
      Object.keys(dots).forEach(function (c) { ctx.fillStyle = c; ctx.fill(dots[c]); });
      this._points = points;
    },
    _project: function () {  // each shown event's position in world pixels at zoom 0, once
      var world = new Float64Array(2 * this._rows.length), data = this._data, map = this._map;
      for (var k = 0; k < this._rows.length; k++) {
        var i = this._rows[k];
        if (data.lat[i] === null || data.lon[i] === null) { world[2 * k] = world[2 * k + 1] = NaN; continue; }
        var p = map.project([data.lat[i], data.lon[i]], 0);
        world[2 * k] = p.x; world[2 * k + 1] = p.y;
      }
      this._world = world;
    },
    _click: function (e) {
      var best = null, bestD = 64, points = this._points || [];  // within 8 px; points: x, y, row, ...
      for (var k = 0; k < points.length; k += 3) {
        var dx = points[k] - e.containerPoint.x, dy = points[k + 1] - e.containerPoint.y;
        if (dx * dx + dy * dy < bestD) { bestD = dx * dx + dy * dy; best = points[k + 2]; }
      }
      if (best !== null) this.open(best);
    },
    open: function (i) {
      var latlng = [this._data.lat[i], this._data.lon[i]], o = this._o, popup = L.popup({maxWidth: 340, maxHeight: 300});
      var box = text("div", "Loading\u2026", "strikemap-popup");
      popup.setLatLng(latlng).setContent(box).openOn(this._map);
      details(o.url, i, o.chunk).then(function (p) { fill(box, p, o); popup.update(); });
      // Tell streamlit-folium which event was clicked, the way it reads a clicked layer's tooltip.
      var id = escapeHtml(this._data.ids[i]);
      this._group.fire("click", {latlng: L.latLng(latlng),
        sourceTarget: {_tooltip: {_content: id}, getTooltip: function () { return {getContent: function () { return id; }}; }}});
    }
  });

  function draw(group, o) {
    core(o.url).then(function (data) {
      performance.mark("strikemap-data");
      var shown = isShown(o.mask), layers = [], byId = {};
      if (o.count > o.svgLimit) return drawMany(group, data, shown, o);
      var renderer = L.svg();
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
        // The id as a tooltip: shown on hover, and how streamlit-folium tells the page which event was clicked.
        // (On every part: streamlit-folium reads the tooltip of the path that was clicked.)
        (layer.eachLayer ? layer.getLayers() : [layer]).forEach(function (part) {
          part.bindTooltip(escapeHtml(data.ids[i]), {sticky: true});
        });
        layers.push(layer);
        byId[data.ids[i]] = layer;
      }
      // Straight into the Folium feature group: its clicks reach streamlit-folium's listener,
      // which tells the page which event was clicked.
      layers.forEach(function (layer) { group.addLayer(layer); });
      // For tests and benchmarks: how many events are on the map now.
      document.body.dataset.strikemapDrawn = String(layers.length);
      performance.mark("strikemap-drawn");
      var focus = o.focus && byId[o.focus], map = group._map;
      if (focus && map) {
        // The row chosen in the table: centre on it and open its popup.
        var target = focus.getBounds ? focus.getBounds().getCenter() : focus.getLatLng();
        map.setView(target, Math.max(map.getZoom(), 8));
        focus.openPopup(target);
      }
    }).catch(function (err) { console.error("strikemap: events not drawn", err); });
  }

  function drawMany(group, data, shown, o) {
    var rows = [], outlines = [];
    for (var i = 0; i < data.ids.length; i++) {
      if (!shown(i)) continue;
      if (data.outlines[String(i)]) outlines.push(i); else rows.push(i);
    }
    var layer = new PointsCanvas(data, rows, o, group);
    group.addLayer(layer);
    outlines.forEach(function (i) {  // region shapes stay vector outlines
      var colour = (o.styles[data.precision[i]] || {color: "#555"}).color;
      var shape = L.geoJSON(data.outlines[String(i)], {style: {color: colour, weight: 1, fillOpacity: o.shapes ? 0.08 : 0}});
      bindPopup(shape, i, o);
      group.addLayer(shape);
    });
    document.body.dataset.strikemapDrawn = String(rows.length + outlines.length);
    performance.mark("strikemap-drawn");
    var index = o.focus ? data.ids.indexOf(o.focus) : -1;
    if (index >= 0 && shown(index) && group._map) {
      group._map.setView([data.lat[index], data.lon[index]], Math.max(group._map.getZoom(), 8));
      layer.open(index);
    }
  }

  window.StrikemapEvents = {draw: draw};
})();
