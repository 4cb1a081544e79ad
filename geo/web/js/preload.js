/* strikemap preload (served from /app/static/strikemap/preload.js?url=...&url=...).
 *
 * streamlit-folium loads the map's scripts one after another, and the map asks for its data only
 * once they have all run. This script is loaded first and starts fetching the data files named in
 * its own address at once, so they download while Leaflet and the plugins load; and preloads those scripts
 * and styles (also named in its address), so they download side by side instead of one after another. The map's code
 * takes the answers from StrikemapPreload.json(url), which falls back to an ordinary fetch.
 * StrikemapPreload.afterDraw(scripts, styles, fallbackMs) loads what can wait until the events are drawn.
 */
(function () {
  "use strict";
  var pending = {};

  function json(url) {
    if (!pending[url]) {
      pending[url] = fetch(url).then(function (response) {
        if (!response.ok) throw new Error("strikemap: " + url + " answered HTTP " + response.status);
        if (!/\.gz$/.test(url)) return response.json();
        // Stored compressed and served as application/gzip (so the server never compresses it again): unpacked
        // here, as it streams in.
        if (!window.DecompressionStream) throw new Error("strikemap: this browser cannot unpack " + url + " (no DecompressionStream)");
        return new Response(response.body.pipeThrough(new DecompressionStream("gzip"))).json();
      }).catch(function (err) { delete pending[url]; throw err; });  // asked again next time
    }
    return pending[url];
  }

  var script = document.currentScript, query = new URLSearchParams((script && script.src.split("?")[1]) || "");
  // Only the app's own static files: the address is ours, but never fetch elsewhere on its word.
  var ours = function (url) { return /^\/app\/static\//.test(url); };
  // The map's scripts and styles (js=, css=), fetched now, side by side: streamlit-folium then asks for them one
  // after another and gets each from the page's memory cache.
  [["js", "script"], ["css", "style"]].forEach(function (kind) {
    query.getAll(kind[0]).filter(ours).forEach(function (url) {
      var hint = document.createElement("link");
      hint.rel = "preload";
      hint.as = kind[1];
      hint.href = url;
      document.head.appendChild(hint);
    });
  });
  // Then the data files, in the order given (the events first): asked after the scripts, which are small and
  // which the map waits for, as the browser opens only six connections to the server at a time.
  query.getAll("url").filter(ours).forEach(function (url) {
    json(url).catch(function () {});  // errors resurface in json(url)
  });
  // Controls the first look can do without (fullscreen, measure) load after the events' first draw (the
  // "strikemap-drawn" mark of events.js), or after fallbackMs if that never comes; one after another, in the
  // order asked, so they always stand in the same order on the map.
  var drawn = null, queue = null;

  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.keys(attributes).forEach(function (name) { element[name] = attributes[name]; });
      element.onload = resolve;
      element.onerror = function () { reject(new Error("strikemap: " + (attributes.src || attributes.href) + " not loaded")); };
      document.head.appendChild(element);
    });
  }

  function afterDraw(scripts, styles, fallbackMs) {
    if (!drawn) {
      drawn = new Promise(function (resolve) {
        if (window.PerformanceObserver) {
          new PerformanceObserver(function (list) {
            if (list.getEntriesByName("strikemap-drawn").length) resolve();
          }).observe({type: "mark", buffered: true});
        }
        setTimeout(resolve, fallbackMs);
      });
      queue = drawn;
    }
    var ours = function (url) { return /^\/app\/static\//.test(url); };
    queue = queue.then(function () {
      return Promise.all(styles.filter(ours).map(function (href) { return load("link", {rel: "stylesheet", href: href}); }));
    }).then(function () {
      return scripts.filter(ours).reduce(function (done, src) {
        return done.then(function () { return load("script", {src: src}); });
      }, Promise.resolve());
    });
    var mine = queue;
    queue = queue.catch(function () {});  // one that failed never stops the next
    return mine;
  }

  window.StrikemapPreload = {json: json, afterDraw: afterDraw};
})();
