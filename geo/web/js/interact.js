/* strikemap map interactions (served from /app/static/strikemap/interact.js), apart from the data
 * loading and drawing of events.js, which hands over what it drew with StrikemapInteract.attach().
 *
 * Every event in reach:
 *   - one click handler for the whole map (SVG paths and the canvas alike): it waits out a double
 *     click (which only zooms, never selects), then finds every shown event under the click: dots
 *     within a few pixels, and events whose uncertainty circle or region contains the point. One
 *     event opens its popup; several open a list ("3 events here"), each entry opening its own.
 *     Opening an event from the map tells the Folium group (streamlit-folium reads the clicked
 *     layer's tooltip) so the page selects its row; the redraw that follows does not move the map.
 *   - clusters with counts on the canvas layer at low zoom (clusters(): grid cells of a dense view);
 *     a click on one zooms into it.
 *   - a density layer, hexagon counts of the shown events, switched on and off in the layer control
 *     ("Event density (hexagons)"); it stays on across reruns.
 * Text from the data reaches the page through textContent only.
 */
(function () {
  "use strict";
  var CLICK_DELAY_MS = 350;     // a second click within this is a double click: zoom, select nothing
  var PICK_PX = 8;              // a dot this close to the click is under it
  var LIST_MAX = 30;            // entries listed; more: "zoom in"
  var CLUSTER_CELL_PX = 48, CLUSTER_MIN = 4, CLUSTER_BELOW_ZOOM = 9;
  var HEX_PX = 18;              // hexagon radius of the density layer, in screen pixels
  var DENSITY_NAME = "Event density (hexagons)";

  var state = null;             // what events.js drew last: {map, group, data, rows, o, api}
  var pending = null;           // the timer of a click that may still become a double click
  var shownFocus = null;        // the event the map last showed: a rerun selecting it again does not move it
  var clusterLayer = null;      // the canvas layer whose clusters a click may hit
  var density = {layer: null, on: false};

  // Made by events.js, which hands them over with what it drew: one way to build text and escape it.
  function text(tag, value, cls) { return state.api.text(tag, value, cls); }
  function escapeHtml(value) { return state.api.escapeHtml(value); }

  function styles() {
    if (document.getElementById("strikemap-interact-style")) return;
    var style = document.createElement("style");
    style.id = "strikemap-interact-style";
    style.textContent = [
      ".strikemap-pick-list {font: 12px/1.4 sans-serif; max-height: 260px; overflow-y: auto;}",
      ".strikemap-pick-list > b {display: block; margin-bottom: 4px;}",
      ".strikemap-pick {display: block; width: 100%; text-align: left; margin: 2px 0; padding: 3px 5px;",
      "  border: 1px solid #ccc; border-radius: 3px; background: #fafafa; cursor: pointer; font: inherit;}",
      ".strikemap-pick:hover {background: #eef3f8; border-color: #8aa;}",
      ".strikemap-pick .strikemap-pick-id {font-weight: bold; margin-right: 4px;}",
      ".strikemap-pick .strikemap-pick-area {color: #777;}"].join("\n");
    document.head.appendChild(style);
  }

  // ------------------------------------------------------------------ what is under a click

  function latlngOf(i) {
    var data = state.data;
    if (data.lat[i] !== null && data.lon[i] !== null) return L.latLng(data.lat[i], data.lon[i]);
    var outline = data.outlines[String(i)];
    return outline ? L.geoJSON(outline).getBounds().getCenter() : null;
  }

  function inRing(ring, x, y) {  // even-odd ray casting, x lon, y lat
    var inside = false;
    for (var a = 0, b = ring.length - 1; a < ring.length; b = a++) {
      var xa = ring[a][0], ya = ring[a][1], xb = ring[b][0], yb = ring[b][1];
      if ((ya > y) !== (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) inside = !inside;
    }
    return inside;
  }

  function inShape(geometry, latlng) {
    if (!geometry) return false;
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates]
      : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    if (geometry.type === "GeometryCollection") {
      return geometry.geometries.some(function (g) { return inShape(g, latlng); });
    }
    return polygons.some(function (rings) {
      var crossings = 0;  // inside the outer ring and outside its holes
      rings.forEach(function (ring) { if (inRing(ring, latlng.lng, latlng.lat)) crossings++; });
      return crossings % 2 === 1;
    });
  }

  /* Every shown event under the container point: [{i, area}], dots nearest first, then the events whose
   * uncertainty circle (when shapes are shown) or region contains the point. */
  function hitsAt(point, latlng) {
    var map = state.map, data = state.data, o = state.o, near = [], under = [];
    // A cheap test first, in degrees (generous: 1.5 times the reach, at the click's latitude), so a click
    // over a million events projects only the few near it.
    var stretch = 1.5 / Math.max(0.01, Math.cos(latlng.lat * Math.PI / 180));
    var pixelDegrees = PICK_PX * 360 / (256 * Math.pow(2, map.getZoom())) * stretch;
    state.rows.forEach(function (i) {
      var outline = data.outlines[String(i)];
      if (outline) {
        if (inShape(outline, latlng)) under.push({i: i, d: 0, area: true});
        return;
      }
      if (data.lat[i] === null || data.lon[i] === null) return;
      var reach = o.shapes && data.precision[i] !== 1 && data.radius[i] ? Math.max(pixelDegrees, data.radius[i] / 111 * stretch)
        : pixelDegrees;
      if (Math.abs(data.lat[i] - latlng.lat) > reach || Math.abs(data.lon[i] - latlng.lng) > reach) return;
      var at = L.latLng(data.lat[i], data.lon[i]), d = map.latLngToContainerPoint(at).distanceTo(point);
      if (d <= PICK_PX) near.push({i: i, d: d, area: false});
      else if (o.shapes && data.precision[i] !== 1 && data.radius[i] && map.distance(at, latlng) <= data.radius[i] * 1000) {
        under.push({i: i, d: d, area: true});
      }
    });
    var byDistance = function (a, b) { return a.d - b.d || a.i - b.i; };
    return near.sort(byDistance).concat(under.sort(byDistance));
  }

  // ------------------------------------------------------------------ opening events

  /* Tell the Folium group (so streamlit-folium, and then the page) which event was opened. */
  function report(i) {
    var id = escapeHtml(state.data.ids[i]), latlng = latlngOf(i);
    state.group.fire("click", {latlng: latlng,
      sourceTarget: {_tooltip: {_content: id}, getTooltip: function () { return {getContent: function () { return id; }}; }}});
  }

  /* One popup at a time: a list, an event, or one a redraw left open (Leaflet closes only map._popup). */
  function closePopups() {
    state.map.eachLayer(function (layer) { if (layer instanceof L.Popup) state.map.removeLayer(layer); });
  }

  /* The event's popup; ``fromMap``: the analyst opened it on the map, so the page selects its row. */
  function open(i, fromMap) {
    var latlng = latlngOf(i);
    if (!latlng) return;
    closePopups();
    var popup = L.popup({maxWidth: 340, maxHeight: 300, autoPan: !!fromMap, className: "strikemap-event-popup"});
    var box = state.api.popupBox(i, function () { if (popup.isOpen && popup.isOpen()) popup.update(); });
    popup.setLatLng(latlng).setContent(box).openOn(state.map);
    if (fromMap) {
      shownFocus = state.data.ids[i];
      report(i);
    }
  }

  /* "N events here": one button per event, each opening its own popup. */
  function list(hits, latlng) {
    styles();
    var box = text("div", "", "strikemap-pick-list"), data = state.data;
    box.appendChild(text("b", hits.length + " events here"));
    hits.slice(0, LIST_MAX).forEach(function (hit) {
      var button = text("button", "", "strikemap-pick");
      button.type = "button";
      button.appendChild(text("span", data.ids[hit.i], "strikemap-pick-id"));
      var more = button.appendChild(text("span", hit.area ? "(its area covers this point)" : "", "strikemap-pick-area"));
      state.api.summary(hit.i).then(function (line) {
        if (line) more.textContent = line + (hit.area ? " (its area covers this point)" : "");
      }).catch(function () {});
      L.DomEvent.on(button, "click", function (e) { L.DomEvent.stop(e); open(hit.i, true); });
      box.appendChild(button);
    });
    if (hits.length > LIST_MAX) box.appendChild(text("div", "and " + (hits.length - LIST_MAX) + " more: zoom in"));
    L.DomEvent.disableScrollPropagation(box);
    closePopups();
    L.popup({maxWidth: 360, autoPan: true, className: "strikemap-list-popup"})
      .setLatLng(latlng).setContent(box).openOn(state.map);
  }

  function pick(point, latlng) {
    if (!state) return;
    var cluster = clusterAt(point);
    if (cluster) {
      var map = state.map;
      var data = state.data, latlngs = cluster.rows.map(function (i) { return [data.lat[i], data.lon[i]]; });
      map.fitBounds(L.latLngBounds(latlngs), {maxZoom: Math.min(map.getZoom() + 3, map.getMaxZoom() || 18)});
      return;
    }
    var hits = hitsAt(point, latlng);
    if (hits.length === 1) open(hits[0].i, true);
    else if (hits.length > 1) list(hits, latlng);
  }

  function bind(map) {
    map.on("click", function (e) {
      if (pending) {  // the second click of a double click: Leaflet zooms; nothing is selected
        clearTimeout(pending);
        pending = null;
        return;
      }
      var point = e.containerPoint, latlng = e.latlng;
      pending = setTimeout(function () { pending = null; pick(point, latlng); }, CLICK_DELAY_MS);
    });
    map.on("dblclick", function () { if (pending) { clearTimeout(pending); pending = null; } });
    map.on("zoomstart", function () { if (pending) { clearTimeout(pending); pending = null; } });
    map._strikemapInteract = true;
  }

  // ------------------------------------------------------------------ clusters (the canvas layer)

  /* Group the canvas layer's visible points (a typed array of x, y, row triples) by grid cell at low zoom:
   * cells of at least CLUSTER_MIN events become one bubble with its count. Returns {points, clusters}: the
   * points still drawn one by one (the same kind of array), and the bubbles {x, y, n, r (its radius), rows}. */
  function clusters(layer, map, points) {
    clusterLayer = layer;
    if (map.getZoom() >= CLUSTER_BELOW_ZOOM) { layer._clusters = []; return {points: points, clusters: []}; }
    // Cells numbered by a Map (no key string per point); each point's cell kept, then counted and summed.
    var count = points.length / 3, cellOf = new Int32Array(count), numbers = new Map(), sizes = [], sumX = [], sumY = [];
    for (var k = 0; k < count; k++) {
      var key = Math.floor(points[3 * k] / CLUSTER_CELL_PX) * 65536 + Math.floor(points[3 * k + 1] / CLUSTER_CELL_PX);
      var cell = numbers.get(key);
      if (cell === undefined) { cell = sizes.length; numbers.set(key, cell); sizes.push(0); sumX.push(0); sumY.push(0); }
      cellOf[k] = cell; sizes[cell]++; sumX[cell] += points[3 * k]; sumY[cell] += points[3 * k + 1];
    }
    var single = new Float64Array(points.length), kept = 0, bubbleOf = [], bubbles = [];
    for (k = 0; k < count; k++) {
      cell = cellOf[k];
      if (sizes[cell] < CLUSTER_MIN) {
        single[kept++] = points[3 * k]; single[kept++] = points[3 * k + 1]; single[kept++] = points[3 * k + 2];
        continue;
      }
      if (bubbleOf[cell] === undefined) {
        var n = sizes[cell];
        bubbleOf[cell] = bubbles.length;
        bubbles.push({x: sumX[cell] / n, y: sumY[cell] / n, n: n, r: bubbleRadius(n), rows: []});
      }
      bubbles[bubbleOf[cell]].rows.push(points[3 * k + 2]);
    }
    layer._clusters = bubbles;
    return {points: single.subarray(0, kept), clusters: bubbles};
  }

  function bubbleRadius(n) { return 10 + Math.min(14, 3 * Math.log(n) / Math.LN2 - 4); }

  function drawClusters(ctx, bubbles) {
    ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.font = "bold 11px sans-serif";
    bubbles.forEach(function (b) {
      ctx.beginPath(); ctx.arc(b.x, b.y, b.r, 0, 2 * Math.PI);
      ctx.fillStyle = "rgba(178, 24, 43, 0.75)"; ctx.fill();
      ctx.lineWidth = 2; ctx.strokeStyle = "#fff"; ctx.stroke();
      ctx.fillStyle = "#fff";
      ctx.fillText(b.n >= 10000 ? Math.round(b.n / 1000) + "k" : String(b.n), b.x, b.y);
    });
  }

  function clusterAt(point) {
    if (!clusterLayer || !clusterLayer._map || !clusterLayer._clusters) return null;
    var best = null;
    clusterLayer._clusters.forEach(function (b) {
      var dx = b.x - point.x, dy = b.y - point.y;
      if (dx * dx + dy * dy <= b.r * b.r) best = b;
    });
    return best;
  }

  // ------------------------------------------------------------------ density: hexagon counts

  var DensityLayer = L.Layer.extend({
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "strikemap-density leaflet-zoom-hide");
      this._canvas.style.position = "absolute";
      this._canvas.style.pointerEvents = "none";
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize", this.redraw, this);
      density.on = true;
      this.redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize", this.redraw, this);
      density.on = false;
    },
    redraw: function () {
      var map = this._map;
      if (!map || !state) return;
      var size = map.getSize(), canvas = this._canvas, data = state.data;
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
      canvas.width = size.x; canvas.height = size.y;
      var ctx = canvas.getContext("2d"), bins = {}, most = 0, total = 0, w = Math.sqrt(3) * HEX_PX, h = 1.5 * HEX_PX;
      // The grid is fixed to the world (pixels at this zoom), so panning moves the hexagons, never re-bins them.
      var zoom = map.getZoom(), shift = map.containerPointToLayerPoint([0, 0]).add(map.getPixelOrigin());
      var view = map.getBounds().pad(0.1), south = view.getSouth(), north = view.getNorth();
      var west = view.getWest(), east = view.getEast();
      state.rows.forEach(function (i) {
        if (data.lat[i] === null || data.lon[i] === null) return;
        if (data.lat[i] < south || data.lat[i] > north || data.lon[i] < west || data.lon[i] > east) return;
        var p = map.project([data.lat[i], data.lon[i]], zoom), x = p.x - shift.x, y = p.y - shift.y;
        if (x < -HEX_PX || y < -HEX_PX || x > size.x + HEX_PX || y > size.y + HEX_PX) return;
        // Pointy-top hexagons: axial coordinates, rounded in cube coordinates.
        var q = (p.x * Math.sqrt(3) / 3 - p.y / 3) / HEX_PX, r = (2 / 3 * p.y) / HEX_PX, s = -q - r;
        var rq = Math.round(q), rr = Math.round(r), rs = Math.round(s);
        var dq = Math.abs(rq - q), dr = Math.abs(rr - r), ds = Math.abs(rs - s);
        if (dq > dr && dq > ds) rq = -rr - rs; else if (dr > ds) rr = -rq - rs;
        var key = rq + ":" + rr;
        most = Math.max(most, bins[key] = (bins[key] || 0) + 1);
        total++;
      });
      ctx.textAlign = "center"; ctx.textBaseline = "middle"; ctx.font = "10px sans-serif";
      Object.keys(bins).forEach(function (key) {
        var parts = key.split(":"), q = +parts[0], r = +parts[1], n = bins[key];
        var cx = w * (q + r / 2) - shift.x, cy = h * r - shift.y, t = Math.sqrt(n / most);
        ctx.beginPath();
        for (var c = 0; c < 6; c++) {
          var angle = Math.PI / 180 * (60 * c - 30);
          ctx[c ? "lineTo" : "moveTo"](cx + (HEX_PX - 0.5) * Math.cos(angle), cy + (HEX_PX - 0.5) * Math.sin(angle));
        }
        ctx.closePath();
        // light yellow to dark red by the square root of the count
        ctx.fillStyle = "rgba(" + Math.round(255 - 90 * t) + "," + Math.round(237 - 200 * t) + "," + Math.round(160 - 130 * t) + ",0.78)";
        ctx.fill();
        ctx.fillStyle = t > 0.5 ? "#fff" : "#333";
        ctx.fillText(n >= 1000 ? (n / 1000).toFixed(n >= 10000 ? 0 : 1) + "k" : String(n), cx, cy);
      });
      canvas.dataset.hexagons = String(Object.keys(bins).length);  // for tests: hexagons drawn, events counted
      canvas.dataset.events = String(total);
    }
  });

  function updateDensity() {
    var map = state.map;
    if (!density.layer) density.layer = new DensityLayer();
    var control = window.layer_control;  // streamlit-folium's layer control, rebuilt with each rerun
    if (control && control !== density.control && control.addOverlay) {
      control.addOverlay(density.layer, DENSITY_NAME);
      density.control = control;
    }
    if (density.on && !map.hasLayer(density.layer)) density.layer.addTo(map);
    else if (density.on) density.layer.redraw();
  }

  // ------------------------------------------------------------------ what events.js calls

  /* After each draw: the map, the Folium group (streamlit-folium listens to its clicks), the published
   * data, the shown rows, the layer's options, and {popupBox(i, resized), summary(i)}. */
  function attach(group, data, rows, o, api) {
    var map = group._map;
    if (!map) return;
    if (!map._strikemapInteract) bind(map);
    state = {map: map, group: group, data: data, rows: rows, o: o, api: api};
    updateDensity();
  }

  /* The row chosen in the table: centre on it (unless the map already shows it: it was picked there, or
   * a rerun selects it again) and open its popup. */
  function focus(id) {
    if (!state || id === null || id === undefined) return;
    var i = state.data.ids.indexOf(id);
    if (i < 0 || state.rows.indexOf(i) < 0) return;
    var latlng = latlngOf(i);
    if (!latlng) return;
    if (id !== shownFocus) state.map.setView(latlng, Math.max(state.map.getZoom(), 8));
    shownFocus = id;
    open(i, false);
  }

  window.StrikemapInteract = {attach: attach, focus: focus, open: open, report: report, hitsAt: function (x, y) {
    var point = L.point(x, y);
    return hitsAt(point, state.map.containerPointToLatLng(point)).map(function (h) { return state.data.ids[h.i]; });
  }, clusters: clusters, drawClusters: drawClusters};
})();
