/* strikemap basemap context (served from /app/static/strikemap/context.js): place names by zoom,
 * rivers and lakes, from the files geo/web/basemap_context.py builds under /app/static/basemap/context/.
 *
 *   manifest.json            {bands: [{name, kind, minzoom, maxzoom, cell, columns, cells}]}: each band is
 *                            cut into cells of `cell` degrees; `cells` is a base64 bit mask (row-major from
 *                            180 W, 90 S) of the cells that have a file
 *   <band>/<col>_<row>.json  places: [[name, lat, lon, minzoom, population], ...] most important first;
 *                            water, borders: a GeoJSON FeatureCollection whose features have a `kind`
 *                            (see LINE_STYLE)
 *
 * Nothing is fetched before the events are first drawn (the "strikemap-drawn" mark of events.js), and
 * then only the cells of the bands the view needs, again after each move. Names are data: they reach
 * the page through textContent, never as HTML. Both panes sit below the events and take no clicks.
 */
(function () {
  "use strict";
  var WATER = "#5b9bd5";
  var LINE_STYLE = {
    river: {color: WATER, weight: 1.5},
    intermittent: {color: WATER, weight: 1, dashArray: "4 3"},
    canal: {color: WATER, weight: 1, dashArray: "1 3"},
    lake: {color: WATER, weight: 0.8, fillColor: "#bcd5ea", fillOpacity: 1},
    border: {color: "#8c8c8c", weight: 0.8},  // as the countries layer draws them (mapping.OfflineBasemap)
  };
  // Panes of the drawn bands: over the countries (150), under online tiles (200).
  var PANES = {water: ["context-water", 160], borders: ["context-borders", 170]};
  // While detailed borders are drawn, the countries layer's simplified outlines are hidden (CSS).
  var DETAILED = "strikemap-detailed-borders";
  // Label classes by the zoom a place is named from (capitals 3, cities of a million 5, ... towns 9).
  var LABEL_CLASSES = [[5, "strikemap-place-major", "bold 12px sans-serif"],
                       [7, "strikemap-place-city", "11px sans-serif"],
                       [99, "strikemap-place-town", "10px sans-serif"]];
  var MAX_LABELS = 400;
  var LABEL_HEIGHT = 14, DOT_GAP = 5;  // px: a label sits right of its place's dot
  var measure = document.createElement("canvas").getContext("2d"), widths = {};

  function textWidth(name, font) {
    var key = font + "|" + name;
    if (!(key in widths)) { measure.font = font; widths[key] = measure.measureText(name).width; }
    return widths[key];
  }

  function labelClass(minzoom) {
    for (var k = 0; k < LABEL_CLASSES.length; k++) if (minzoom <= LABEL_CLASSES[k][0]) return LABEL_CLASSES[k];
    return LABEL_CLASSES[LABEL_CLASSES.length - 1];
  }

  /* Cells of `band` that cover `bounds` and have a file: [[column, row], ...]. The same sum as
   * Band.cell_of in basemap_context.py. */
  function cellsFor(band, bounds) {
    var rows = Math.ceil(180 / band.cell), cells = [];
    function column(lon) { return Math.min(Math.max(Math.floor((lon + 180) / band.cell), 0), band.columns - 1); }
    function row(lat) { return Math.min(Math.max(Math.floor((lat + 90) / band.cell), 0), rows - 1); }
    var c0 = column(bounds.getWest()), c1 = column(bounds.getEast());
    var r0 = row(bounds.getSouth()), r1 = row(bounds.getNorth());
    if ((c1 - c0 + 1) * (r1 - r0 + 1) > 64) return cells;  // a view far wider than the band is meant for
    for (var c = c0; c <= c1; c++) {
      for (var r = r0; r <= r1; r++) {
        var n = r * band.columns + c;
        if ((band.present.charCodeAt(n >> 3) >> (7 - (n & 7))) & 1) cells.push([c, r]);
      }
    }
    return cells;
  }

  /* The place names: one layer that, after each move, places the labels of the loaded places named
   * at this zoom, most important first, skipping any that would overlap one already placed. */
  var PlaceLabels = L.Layer.extend({
    initialize: function () { this._places = []; },
    add: function (places) {
      this._places = this._places.concat(places);
      this._places.sort(function (a, b) { return a[3] - b[3] || b[4] - a[4]; });
      if (this._map) this.redraw();
    },
    onAdd: function (map) {
      this._box = L.DomUtil.create("div", "strikemap-place-labels leaflet-zoom-hide", map.getPane("context-labels"));
      map.on("moveend", this.redraw, this);
      this.redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._box);
      map.off("moveend", this.redraw, this);
    },
    redraw: function () {
      var map = this._map, zoom = map.getZoom(), size = map.getSize(), placed = [], fragment = document.createDocumentFragment();
      for (var k = 0; k < this._places.length && placed.length < MAX_LABELS; k++) {
        var p = this._places[k];
        if (p[3] > zoom) break;  // sorted by zoom: the rest are named only closer in
        var at = map.latLngToContainerPoint([p[1], p[2]]);
        if (at.x < 0 || at.y < 0 || at.x > size.x || at.y > size.y) continue;
        var style = labelClass(p[3]);
        var box = [at.x - 3, at.y - LABEL_HEIGHT / 2, at.x + DOT_GAP + textWidth(p[0], style[2]) + 2, at.y + LABEL_HEIGHT / 2];
        if (placed.some(function (o) { return box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3]; })) continue;
        placed.push(box);
        var label = document.createElement("div"), name = document.createElement("span");
        label.className = "strikemap-place-label " + style[1];
        name.textContent = p[0];
        label.appendChild(name);
        L.DomUtil.setPosition(label, map.latLngToLayerPoint([p[1], p[2]]));
        fragment.appendChild(label);
      }
      this._box.textContent = "";
      this._box.appendChild(fragment);
    }
  });

  function start(map, group, o) {
    var get = window.StrikemapPreload.json, bands = null, loaded = {}, layers = {};
    Object.keys(PANES).concat("labels").forEach(function (kind) {
      var pane = PANES[kind] || ["context-labels", 310];  // labels: over tiles and province names, under the events (400)
      map.createPane(pane[0]).style.zIndex = pane[1];
      map.getPane(pane[0]).style.pointerEvents = "none";
    });
    var labels = new PlaceLabels().addTo(group);

    function load(band, cell) {
      var file = band.name + "/" + cell[0] + "_" + cell[1] + ".json";
      if (loaded[file]) return;
      loaded[file] = get(o.base + "/" + file).then(function (data) {
        if (band.kind === "places") return labels.add(data);
        L.geoJSON(data, {pane: PANES[band.kind][0], interactive: false, style: function (f) {
          var cls = "strikemap-" + band.kind;  // e.g. "strikemap-water strikemap-water-river"
          return L.extend({className: cls + " " + cls + "-" + f.properties.kind}, LINE_STYLE[f.properties.kind]);
        }}).addTo(layers[band.name]);
      }).catch(function (err) { console.warn("strikemap: basemap context not loaded", file, err); });
    }

    function update() {
      var on = !!bands && map.hasLayer(group), zoom = map.getZoom(), view = map.getBounds().pad(0.2);
      var detailed = on && bands.some(function (b) { return b.kind === "borders" && b.minzoom <= zoom && zoom <= b.maxzoom; });
      L.DomUtil[detailed ? "addClass" : "removeClass"](map.getContainer(), DETAILED);
      if (!on) return;
      bands.forEach(function (band) {
        var shown = band.minzoom <= zoom && zoom <= band.maxzoom;
        if (band.kind !== "places") {
          var layer = layers[band.name] = layers[band.name] || L.layerGroup();
          if (shown && !group.hasLayer(layer)) group.addLayer(layer);
          if (!shown && group.hasLayer(layer)) group.removeLayer(layer);
        }
        if (shown) cellsFor(band, view).forEach(function (cell) { load(band, cell); });
      });
    }

    var started = false;
    function begin() {
      if (started) return;
      started = true;
      get(o.base + "/manifest.json").then(function (manifest) {
        bands = manifest.bands.map(function (band) { return L.extend({present: atob(band.cells)}, band); });
        update();
      }).catch(function (err) { console.warn("strikemap: basemap context not loaded", err); });
    }
    map.on("moveend", update);
    group.on("add remove", update);
    // After the events' first draw; if that never comes (their data failed), a little later anyway.
    if (window.PerformanceObserver) {
      new PerformanceObserver(function (list) {
        if (list.getEntriesByName("strikemap-drawn").length) begin();
      }).observe({type: "mark", buffered: true});
    }
    setTimeout(begin, o.fallbackMs);
  }

  window.StrikemapContext = {start: start};
})();
