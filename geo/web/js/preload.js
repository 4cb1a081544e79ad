/* strikemap preload (served from /app/static/strikemap/preload.js?url=...&url=...).
 *
 * streamlit-folium loads the map's scripts one after another, and the map asks for its data only
 * once they have all run. This script is loaded first and starts fetching the data files named in
 * its own address at once, so they download while Leaflet and the plugins load. The map's code
 * takes the answers from StrikemapPreload.json(url), which falls back to an ordinary fetch.
 */
(function () {
  "use strict";
  var pending = {};

  function json(url) {
    if (!pending[url]) {
      pending[url] = fetch(url).then(function (response) {
        if (!response.ok) throw new Error("strikemap: " + url + " answered HTTP " + response.status);
        return response.json();
      }).catch(function (err) { delete pending[url]; throw err; });  // asked again next time
    }
    return pending[url];
  }

  var script = document.currentScript, query = script && script.src.split("?")[1];
  new URLSearchParams(query || "").getAll("url").forEach(function (url) {
    // Only the app's own static files: the address is ours, but never fetch elsewhere on its word.
    if (/^\/app\/static\//.test(url)) json(url).catch(function () {});  // errors resurface in json(url)
  });
  window.StrikemapPreload = {json: json};
})();
