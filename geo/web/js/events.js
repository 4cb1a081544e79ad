/* strikemap event layer (served from /app/static/strikemap/events.js).
 *
 * The whole events table is published once as static files (geo.mapping.publish_events):
 *   core.json.gz     ids, precision, radius_km, lat, lon, and the outline of every non-point event (gzip; its
 *                    name comes in the options as o.core: geo.web.mapping.CORE_FILE)
 *   details/details-N.json   the popup text of rows N*chunk .. (N+1)*chunk-1, fetched when a popup opens
 *                    (one key per popup field; the fields, their labels and order come in the options).
 *                    Written after the map's first draw (geo.web.mapping.publish_details): until a draw's
 *                    options say they are there (o.details, their folder's name), a popup says they are being
 *                    prepared and waits, and nothing is fetched that is not there yet.
 * Each Streamlit rerun passes only a bit mask of the rows to show, so a filter change redraws from
 * data the page already holds. Large selections draw on one canvas; small ones as SVG paths.
 * Everything from the data reaches the page through textContent: it is never parsed as HTML.
 */
(function () {
  "use strict";
  var datasets = {}, chunks = {}, detailsFolders = {}, broughtIntoView = null;

  /* A row newly chosen in the table: scroll the page so the whole map is on screen (the table sits below it),
   * clear of Streamlit's top bar. Once per choice, so a later rerun never yanks the page back to the map. */
  function bringIntoView(id) {
    var frame = window.frameElement;
    if (!frame || broughtIntoView === id) return;
    broughtIntoView = id;
    frame.style.scrollMarginTop = "4.5rem";
    frame.scrollIntoView({block: "nearest", behavior: "instant"});
  }

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

  function core(url, file) {
    return remembered(datasets, url, url + "/" + file);
  }

  /* The folder of a data set's popup fields, once a draw has said it is written: a promise kept until then. */
  function detailsFolder(url) {
    if (!detailsFolders[url]) {
      var waiting = {};
      waiting.promise = new Promise(function (resolve) { waiting.resolve = resolve; });
      detailsFolders[url] = waiting;
    }
    return detailsFolders[url];
  }

  function detailsWritten(url) {
    return detailsFolders[url] !== undefined && detailsFolders[url].written;
  }

  function details(url, index, size) {
    var n = Math.floor(index / size), key = url + "#" + n;
    return detailsFolder(url).promise.then(function (folder) {
      return remembered(chunks, key, url + "/" + folder + "/details-" + n + ".json");
    }).then(function (rows) {
      return rows[index - n * size];
    });
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

  /* An event's popup content: "Loading…", filled when its details arrive (then ``resized()``). */
  function popupBox(index, o, resized) {
    var box = text("div", detailsWritten(o.url) ? "Loading\u2026" : "Details are being prepared\u2026",
                   "strikemap-popup");
    details(o.url, index, o.chunk).then(function (p) {
      fill(box, p, o);
      if (resized) resized();
    }).catch(function (err) { box.textContent = "Details could not be loaded."; console.warn(err); });
    return box;
  }

  /* One line naming an event in a list of several: its date and the place as written. */
  function summary(index, o) {
    return details(o.url, index, o.chunk).then(function (p) {
      return [p.event_date, p.location_mention || p.location].filter(function (v) { return v; }).join(" \u00b7 ");
    });
  }

  /* What interact.js (clicks, lists, clusters, density) needs of the drawn layer. */
  function interact(group, data, rows, o) {
    if (!window.StrikemapInteract) return;
    window.StrikemapInteract.attach(group, data, rows, o, {
      popupBox: function (i, resized) { return popupBox(i, o, resized); },
      summary: function (i) { return summary(i, o); },
      text: text, escapeHtml: escapeHtml});
    if (o.focus) bringIntoView(o.focus);
    window.StrikemapInteract.focus(o.focus);
  }

  function isShown(mask) {
    var bytes = atob(mask);
    return function (i) { return (bytes.charCodeAt(i >> 3) >> (7 - (i & 7))) & 1; };
  }

  /* Many events: one canvas, drawn point by point, no Leaflet object per event. Clicks are interact.js's
   * (it finds every event under the click); at low zoom dense cells are drawn as clusters with counts. */
  var PointsCanvas = L.Layer.extend({
    initialize: function (data, rows, o) {
      this._data = data; this._rows = rows; this._o = o;
    },
    onAdd: function (map) {
      this._canvas = L.DomUtil.create("canvas", "strikemap-canvas leaflet-zoom-hide");
      this._canvas.style.position = "absolute";
      map.getPanes().overlayPane.appendChild(this._canvas);
      map.on("moveend zoomend resize", this._redraw, this);
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend zoomend resize", this._redraw, this);
    },
    _redraw: function () {
      var map = this._map, size = map.getSize(), data = this._data, o = this._o, rows = this._rows;
      L.DomUtil.setPosition(this._canvas, map.containerPointToLayerPoint([0, 0]));
      this._canvas.width = size.x; this._canvas.height = size.y;
      var ctx = this._canvas.getContext("2d");
      if (!this._world) this._project();
      // Container pixel = world pixel at zoom 0 * 2^zoom - pixel origin + map pane offset (Leaflet's own
      // latLngToContainerPoint, without an object per event).
      var scale = Math.pow(2, map.getZoom()), origin = map.getPixelOrigin(), pane = map._getMapPanePos();
      var dx = pane.x - origin.x, dy = pane.y - origin.y, margin = 50;
      var metresPerPixel = 40075016.686 * Math.abs(Math.cos(map.getCenter().lat * Math.PI / 180)) / (scale * 256);
      // The events in view: (x, y, row) triples in one typed array, no object or array per event.
      var world = this._world, points = new Float64Array(3 * rows.length), count = 0;
      for (var k = 0; k < rows.length; k++) {
        var x = world[2 * k] * scale + dx, y = world[2 * k + 1] * scale + dy;
        if (!(x >= -margin && y >= -margin && x <= size.x + margin && y <= size.y + margin)) continue;  // NaN too
        points[count++] = x; points[count++] = y; points[count++] = rows[k];
      }
      points = points.subarray(0, count);
      var grouped = window.StrikemapInteract ? window.StrikemapInteract.clusters(this, map, points) : {points: points, clusters: []};
      points = grouped.points;
      // One path per colour: dots (and uncertainty circles) of a precision are filled in one call.
      var dots = {}, circles = {};
      for (var n = 0; n < points.length; n += 3) {
        var i = points[n + 2];
        x = points[n]; y = points[n + 1];
        var colour = (o.styles[data.precision[i]] || {color: "#555"}).color, radius = data.radius[i];
        if (o.shapes && data.precision[i] !== 1 && radius) {
          var r = radius * 1000 / metresPerPixel;
          (circles[colour] = circles[colour] || new Path2D()).moveTo(x + r, y);
          circles[colour].arc(x, y, r, 0, 2 * Math.PI);
        }
        (dots[colour] = dots[colour] || new Path2D()).moveTo(x + 3.5, y);
        dots[colour].arc(x, y, 3.5, 0, 2 * Math.PI);
      }
      ctx.globalAlpha = 0.08;
      Object.keys(circles).forEach(function (c) { ctx.fillStyle = c; ctx.fill(circles[c]); });
      ctx.globalAlpha = 1;
      Object.keys(dots).forEach(function (c) { ctx.fillStyle = c; ctx.fill(dots[c]); });
      if (grouped.clusters.length) window.StrikemapInteract.drawClusters(ctx, grouped.clusters);
      this._points = points;  // what was drawn one by one (x, y, row, ...), for tests and benchmarks
    },
    _project: function () {  // each shown event's position in world pixels at zoom 0 (NaN: none), once
      var rows = this._rows, world = new Float64Array(2 * rows.length), data = this._data, map = this._map;
      for (var k = 0; k < rows.length; k++) {
        var i = rows[k];
        if (data.lat[i] === null || data.lon[i] === null) { world[2 * k] = world[2 * k + 1] = NaN; continue; }
        var p = map.project([data.lat[i], data.lon[i]], 0);
        world[2 * k] = p.x; world[2 * k + 1] = p.y;
      }
      this._world = world;
    }
  });

  function draw(group, o) {
    if (o.details) {  // the popup fields are written: popups waiting for them fetch them now
      var folder = detailsFolder(o.url);
      folder.written = true;
      folder.resolve(o.details);
    }
    core(o.url, o.core).then(function (data) {
      performance.mark("strikemap-data");
      var shown = isShown(o.mask), layers = [], rows = [];
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
        // The id as a tooltip, shown on hover. (Clicks are interact.js's: it finds every event under one.)
        (layer.eachLayer ? layer.getLayers() : [layer]).forEach(function (part) {
          part.bindTooltip(escapeHtml(data.ids[i]), {sticky: true});
        });
        layers.push(layer);
        rows.push(i);
      }
      // Into a plain layer group inside the Folium group: a click on a path must not reach streamlit-folium's
      // listener on the Folium group directly (interact.js reports the event the analyst opens).
      group.addLayer(L.layerGroup(layers));
      // For tests and benchmarks: how many events are on the map now.
      document.body.dataset.strikemapDrawn = String(layers.length);
      performance.mark("strikemap-drawn");
      interact(group, data, rows, o);
    }).catch(function (err) { console.error("strikemap: events not drawn", err); });
  }

  function drawMany(group, data, shown, o) {
    var isOutline = new Uint8Array(data.ids.length), rows = [], outlines = [];
    Object.keys(data.outlines).forEach(function (i) { isOutline[i] = 1; });  // keys: row numbers
    for (var i = 0; i < data.ids.length; i++) {
      if (!shown(i)) continue;
      if (isOutline[i]) outlines.push(i); else rows.push(i);
    }
    var shapes = outlines.map(function (i) {  // region shapes stay vector outlines
      var colour = (o.styles[data.precision[i]] || {color: "#555"}).color;
      return L.geoJSON(data.outlines[String(i)], {style: {color: colour, weight: 1, fillOpacity: o.shapes ? 0.08 : 0}});
    });
    group.addLayer(L.layerGroup([new PointsCanvas(data, rows, o)].concat(shapes)));
    document.body.dataset.strikemapDrawn = String(rows.length + outlines.length);
    performance.mark("strikemap-drawn");
    interact(group, data, rows.concat(outlines), o);
  }

  window.StrikemapEvents = {draw: draw};
})();
