"""strikemap map at scale: our dashboard against the naive way, 1,000 to 100,000 events.

    .venv/bin/python bench/map_scale.py                              # sizes 1000,10000,100000, 3 runs
    .venv/bin/python bench/map_scale.py --sizes 1000,10000 --runs 2  # a quick run
    .venv/bin/python bench/map_scale.py --app-root /tmp/other-checkout   # benchmark another checkout

Not a pytest test. For each size N, synthetic events (bench/synthetic_events.py, cached in
data/build/bench/events_<N>_seed<S>.csv) are measured in this run, ours beside two naive ways:

* the naive dashboard (bench/naive_dashboard.py): a minimal Streamlit page, the CSV read with pandas
  (st.cache_data), a date-range slider that rebuilds the map, a geo.web.mapping.OfflineMap with one
  folium.Marker per event handed whole to st_folium. Like for like: a Streamlit page drawn through
  streamlit-folium, as ours is, so both pay Streamlit's page boot. The issue's target (ours >= 5x
  faster than the naive way at 10,000 events, first drawn map) is judged against it.
* the bare naive page: a standalone folium.Map HTML page with one folium.Marker per event, served by
  http.server. No Streamlit page boot, so not like for like; its ratio is printed beside, not judged.

1. Server-side build time.
   ours: dashboard.py run headless with Streamlit's AppTest (no server, no browser) in a worker
   process, on a warm cache (after one cold run that loads the file). Every function of
   geo.web.mapping the dashboard calls is wrapped with a timer (nested calls counted once), and
   streamlit_folium.st_folium is wrapped too, with its component function replaced by one that
   records the arguments: "map build" = the dashboard's geo.web.mapping calls + st_folium's own work
   (map render, _get_map_string, feature-group string), i.e. everything between the filtered table
   and the bytes handed to Streamlit. Whole-script time is reported beside it.
   naive dashboard: bench/naive_dashboard.py through AppTest in a worker process, warm likewise
   (st_folium recorded the same way): "map build" = from OfflineMap() to st_folium's return (the
   markers, the map render, the component arguments). Its narrow-window rerun (the slider moved) is
   shown too.
   bare naive page: folium.Map() + one folium.Marker([lat, lon], popup=location_mention) per event +
   get_root().render(), in a worker process.
2. Bytes. ours: st_folium's component arguments (script + feature_group + header + html, UTF-8)
   plus the data files the map fetches from the app (responses under /app/static/ ending in .json
   or .geojson, counted in the browser with page.on("response")). Also shown: Leaflet and other
   vendored code, Streamlit's own bundle and the streamlit-folium component bundle (not counted),
   the WebSocket bytes received (the component arguments, the table, the chart ... as Streamlit
   sends them), and gzip-transferred sizes. naive dashboard: st_folium's component arguments (its
   WebSocket bytes are shown too). bare naive page: the rendered HTML.
3. Time to first drawn map in headless Chromium, fresh context each run, network fenced to the
   app. ours: `streamlit run dashboard.py` with STRIKEMAP_EVENTS (tests/appserver.py), warmed once;
   page.goto("/") -> map drawn, where drawn means, in the map's iframe, EITHER
   document.body.dataset.strikemapDrawn is set (the layer's contract: the number of events drawn)
   OR at least one path.strikemap-event exists (SVG layers); the signal that fired is reported.
   naive dashboard: `streamlit run bench/naive_dashboard.py` from the repository root with
   STRIKEMAP_EVENTS (tests/appserver.py, app=...), warmed once, fenced the same way (its OpenStreetMap
   tiles are aborted); goto("/") -> N .leaflet-marker-icon in the map's iframe. When a run times out,
   the markers drawn by then are recorded, and the later runs are skipped.
   bare naive page: the HTML served by http.server on 127.0.0.1, Leaflet/jQuery CDN URLs answered
   from static/vendor, every other CDN request aborted; goto -> N .leaflet-marker-icon.
4. Date-range change (ours only). (a) URL: load /?start=2019-01-01&end=2023-12-31, wait until
   drawn, then page.goto("/?start=2021-01-01&end=2021-06-30") in the same page (a full reload) ->
   drawn count equals the number of CSV rows in that window. (b) in page, when the dashboard has a
   "week ▶" button: load the narrow window, click it (a Streamlit rerun, no reload) -> drawn count
   equals the rows of the window shifted by 7 days; clicked right after the map's first draw (our page
   draws the rest after it), and again once the whole page is drawn (its "Prepare download" button).

The naive dashboard is always this checkout's bench/naive_dashboard.py (and geo/, tests/appserver.py),
also with --app-root: it is the fixed baseline, the app root only chooses which dashboard is "ours".

Every measurement has a timeout (--timeout, 120 s) and records "timeout" instead of hanging.
Servers, browsers and workers are always stopped. Ends with "bench/map_scale.py: done".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import hashlib
import importlib
import inspect
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request
from pathlib import Path
from typing import NamedTuple

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
CACHE = ROOT / "data" / "build" / "bench"
CHROMIUM = os.environ.get("STRIKEMAP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 1000}
FULL = ("2019-01-01", "2023-12-31")
NARROW = ("2021-01-01", "2021-06-30")
TARGET_FIRST_MAP_S = 5.0     # 100,000 events: first drawn map
TARGET_DATE_CHANGE_S = 1.5   # date-range change redrawn
TARGET_SPEEDUP = 5.0         # >= 5x faster than naive at 10,000
RESULT_PREFIX = "MAP_SCALE_RESULT "
NAIVE_DASHBOARD = "bench/naive_dashboard.py"  # relative to ROOT
# JavaScript run in the map's iframe: the drawn signal, or null. ``expected`` null = any count.
DRAWN_JS = """(want) => {
    const body = document.body;
    if (!body) return null;
    const flag = body.dataset ? body.dataset.strikemapDrawn : undefined;
    const selector = want.fresh ? 'path.strikemap-event:not([data-bench-old])' : 'path.strikemap-event';
    const paths = document.querySelectorAll(selector).length;
    const old = want.fresh ? document.querySelectorAll('path.strikemap-event[data-bench-old]').length : 0;
    if (flag !== undefined && flag !== '' && (want.expected === null || Number(flag) === want.expected))
        return {signal: 'dataset.strikemapDrawn', count: Number(flag), paths: paths};
    if (paths > 0 && old === 0 && (want.expected === null || paths === want.expected))
        return {signal: 'path.strikemap-event', count: paths, paths: paths};
    return null;
}"""
# A page is quiet (its run has ended and been drawn) after this long with no response or WebSocket message.
QUIET_S, QUIET_MAX_S = 1.0, 60.0
# Before an in-page change: forget the drawn signal, mark the paths drawn so far as old.
FORGET_JS = """() => {
    if (document.body && document.body.dataset) delete document.body.dataset.strikemapDrawn;
    document.querySelectorAll('path.strikemap-event').forEach(p => p.setAttribute('data-bench-old', '1'));
}"""
STATE_JS = """() => ({flag: document.body && document.body.dataset ? (document.body.dataset.strikemapDrawn ?? null) : null,
                    paths: document.querySelectorAll('path.strikemap-event').length})"""
# The naive dashboard draws one Leaflet marker icon per event: drawn = ``expected`` of them (any, if null).
MARKERS_JS = """(want) => {
    const markers = document.querySelectorAll('.leaflet-marker-icon').length;
    if (markers > 0 && (want.expected === null || markers >= want.expected))
        return {signal: '.leaflet-marker-icon', count: markers};
    return null;
}"""
MARKERS_STATE_JS = "() => ({markers: document.querySelectorAll('.leaflet-marker-icon').length})"


class Signal(NamedTuple):
    """What "drawn" means in the map's iframe: ``drawn`` answers the drawn signal or null, ``state`` what
    the iframe shows now (read at a timeout)."""
    drawn: str
    state: str


OURS_DRAWN = Signal(DRAWN_JS, STATE_JS)
MARKERS_DRAWN = Signal(MARKERS_JS, MARKERS_STATE_JS)


def say(text: str = "") -> None:
    print(text, flush=True)


class MeasureTimeout(Exception):
    pass


# ================================================================== workers (run in subprocesses)

@contextlib.contextmanager
def alarm(seconds: float):
    """Raise MeasureTimeout in the main thread after ``seconds`` (pure-Python work only is interruptible)."""
    def fire(signum, frame):
        raise MeasureTimeout(f"timeout after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def worker_naive(events: str, runs: int, timeout: float, html_out: str) -> None:
    """folium.Map() + one Marker per event + get_root().render(), ``runs`` times."""
    import folium
    import pandas as pd

    frame = pd.read_csv(events, dtype=str, keep_default_na=False)
    rows = [(float(a), float(b), m) for a, b, m in zip(frame["latitude"], frame["longitude"],
                                                     frame["location_mention"]) if a and b]
    result = {"markers": len(rows), "runs": [], "html_bytes": None}
    for run in range(runs):
        try:
            with alarm(timeout):
                started = time.perf_counter()
                fmap = folium.Map()
                for lat, lon, mention in rows:
                    folium.Marker([lat, lon], popup=str(mention)).add_to(fmap)
                html = fmap.get_root().render()
                result["runs"].append(time.perf_counter() - started)
        except MeasureTimeout:
            result["runs"].append("timeout")
            break
        if result["html_bytes"] is None:
            data = html.encode("utf-8")
            result["html_bytes"] = len(data)
            Path(html_out).write_bytes(data)
        del fmap, html
    _emit(result)


class CallTimer:
    """Wraps functions so each call is recorded as (name, seconds, nesting level, ended at)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, float, int, float]] = []
        self._depth = threading.local()

    def wrap(self, name: str, fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            level = getattr(self._depth, "value", 0)
            self._depth.value = level + 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth.value = level
                ended = time.perf_counter()
                self.calls.append((name, ended - started, level, ended))
        return inner


def record_st_folium(timer: CallTimer) -> dict:
    """Time streamlit_folium.st_folium with ``timer`` and replace its component function by one that
    records the arguments (returned: the dict they are written into, on every call)."""
    import streamlit_folium

    captured: dict = {}
    original = streamlit_folium.st_folium

    def component(**arguments):
        captured.clear()
        captured.update(arguments)
        return arguments.get("default")

    def st_folium(*args, **kwargs):
        real = streamlit_folium._component_func
        streamlit_folium._component_func = component
        try:
            return original(*args, **kwargs)
        finally:
            streamlit_folium._component_func = real

    streamlit_folium.st_folium = timer.wrap("streamlit_folium.st_folium", st_folium)
    return captured


def apptest_run(app, timer: CallTimer, captured: dict, action=None, setup=None) -> dict:
    """Time ``action`` (default app.run: one script run of an AppTest), after ``setup`` (not timed), with
    the calls ``timer`` saw and the st_folium arguments it recorded. "map" = the top-level timed calls."""
    try:
        if setup is not None:
            setup()
        timer.calls.clear()
        captured.clear()
        started = time.perf_counter()
        (action or app.run)()
    except RuntimeError as exc:
        if "timed out" in str(exc):
            return {"timeout": True, "error": str(exc)}
        raise
    total = time.perf_counter() - started
    errors = [str(e.value)[:300] for e in app.exception]
    top = [(n, s) for n, s, level, _ in timer.calls if level == 0]
    per_call: dict[str, float] = {}
    for n, s, _, _ in timer.calls:
        per_call[n] = per_call.get(n, 0.0) + s
    args = {k: len((captured.get(k) or "").encode("utf-8")) for k in ("script", "feature_group", "header", "html")}
    return {"elements": _element_sizes(app), "total": total, "map": sum(s for _, s in top), "top_calls": top,
            "per_call": per_call, "args": args, "args_bytes": sum(args.values()) if captured else None,
            "st_folium_called": bool(captured), "errors": errors}


def worker_ours(app_root: str, events: str, runs: int, timeout: float, cold_timeout: float) -> None:
    """dashboard.py through AppTest with geo.web.mapping and st_folium timed; see the module docstring."""
    root = Path(app_root)
    os.chdir(root)
    sys.path.insert(0, str(root))
    os.environ["STRIKEMAP_EVENTS"] = events
    from streamlit.testing.v1 import AppTest

    mapping = importlib.import_module("geo.web.mapping")
    if not Path(mapping.__file__).resolve().is_relative_to(root.resolve()):
        raise RuntimeError(f"geo.web.mapping imported from {mapping.__file__}, not from {root}")
    timer = CallTimer()
    for name, obj in list(vars(mapping).items()):
        if inspect.isfunction(obj) and obj.__module__ == mapping.__name__:
            setattr(mapping, name, timer.wrap(f"geo.web.mapping.{name}", obj))
    captured = record_st_folium(timer)

    def one(window: tuple[str, str], limit: float) -> dict:
        app = AppTest.from_file(str(root / "dashboard.py"), default_timeout=limit)
        app.query_params["start"], app.query_params["end"] = window
        run = apptest_run(app, timer, captured)
        if not run.get("timeout"):
            run["showing"] = [m.value for m in app.markdown if str(m.value).startswith("**Showing")][:1]
        return run

    result: dict = {"cold": None, "full": [], "narrow": []}
    try:
        result["cold"] = one(FULL, cold_timeout)
        if result["cold"].get("timeout"):
            _emit(result)
            return
        for key, window in (("full", FULL), ("narrow", NARROW)):
            for _ in range(runs):
                run = one(window, timeout)
                result[key].append(run)
                if run.get("timeout"):
                    _emit(result)
                    return
    except Exception as exc:  # report it: the parent prints it beside the other figures
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()[-2000:]
    _emit(result)


def worker_naive_dashboard(events: str, runs: int, timeout: float, cold_timeout: float) -> None:
    """bench/naive_dashboard.py through AppTest, as worker_ours runs ours: "map" = OfflineMap() -> st_folium
    returned. The narrow window is a rerun after moving the date slider, as a user would."""
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    os.environ["STRIKEMAP_EVENTS"] = events
    from streamlit.testing.v1 import AppTest

    mapping = importlib.import_module("geo.web.mapping")
    timer = CallTimer()
    captured = record_st_folium(timer)
    map_created: list[float] = []  # when each OfflineMap was made: the last one is the timed run's

    class TimedOfflineMap(mapping.OfflineMap):  # the script imports it from geo.web.mapping on every run
        def __init__(self, *args, **kwargs):
            map_created.append(time.perf_counter())
            super().__init__(*args, **kwargs)

    mapping.OfflineMap = TimedOfflineMap
    narrow_dates = tuple(dt.date.fromisoformat(d) for d in NARROW)

    def one(limit: float, narrow: bool = False) -> dict:
        app = AppTest.from_file(str(ROOT / NAIVE_DASHBOARD), default_timeout=limit)
        if narrow:  # the full window first (not timed), then the slider moved: the rerun is timed
            run = apptest_run(app, timer, captured, setup=app.run,
                              action=lambda: app.slider(key="dates").set_value(narrow_dates).run())
        else:
            run = apptest_run(app, timer, captured)
        if run.get("timeout"):
            return run
        folium_done = [ended for name, _, _, ended in timer.calls if name == "streamlit_folium.st_folium"]
        run["map"] = folium_done[-1] - map_created[-1] if map_created and folium_done else None
        run["markers"] = (captured.get("script") or "").count("L.marker(") if captured else None
        return run

    result: dict = {"cold": None, "full": [], "narrow": []}
    try:
        result["cold"] = one(cold_timeout)
        if result["cold"].get("timeout"):
            _emit(result)
            return
        for key in ("full", "narrow"):
            for _ in range(runs):
                run = one(timeout, narrow=(key == "narrow"))
                result[key].append(run)
                if run.get("timeout"):
                    _emit(result)
                    return
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()[-2000:]
    _emit(result)


def _element_sizes(app) -> list[tuple[str, int]]:
    """The largest page elements of an AppTest run, by the size of the protobuf Streamlit sends."""
    sizes = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ByteSize"):
            sizes.append((str(getattr(node, "type", type(node).__name__)), proto.ByteSize()))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    try:
        walk(app._tree)  # private, but the only way to see every element's message
    except Exception:
        return []
    return sorted(sizes, key=lambda kv: -kv[1])[:5]


def run_worker(args: list[str], limit: float) -> dict:
    """Run this file as a worker; its RESULT line as a dict, or {"error": ...}."""
    try:
        done = subprocess.run([PYTHON, str(Path(__file__).resolve()), "--worker", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=limit, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"worker timeout after {limit:.0f} s", "worker_timeout": True}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX):])
    return {"error": f"worker exited {done.returncode}: {done.stderr.strip()[-800:]}"}


# ================================================================== events files

def events_file(n: int, seed: int) -> Path:
    """data/build/bench/events_<n>_seed<seed>.csv, regenerated when the generator changed."""
    sys.path.insert(0, str(BENCH))
    import synthetic_events

    path = CACHE / f"events_{n}_seed{seed}.csv"
    stamp = path.with_suffix(".stamp.json")
    generator = hashlib.sha256((BENCH / "synthetic_events.py").read_bytes()).hexdigest()
    wanted = {"n": n, "seed": seed, "generator": generator}
    if path.exists() and stamp.exists():
        with contextlib.suppress(ValueError, OSError):
            if json.loads(stamp.read_text()) == wanted:
                say(f"events: reusing {path.relative_to(ROOT)} ({path.stat().st_size / 1e6:.1f} MB)")
                return path
    started = time.perf_counter()
    frame = synthetic_events.make_events(n, seed=seed)
    synthetic_events.write_events(frame, path)
    stamp.write_text(json.dumps(wanted))
    say(f"events: generated {path.relative_to(ROOT)}: {n} rows, {path.stat().st_size / 1e6:.1f} MB "
        f"in {time.perf_counter() - started:.1f} s")
    return path


def window_count(path: Path, start: str, end: str) -> int:
    """Rows of the CSV with coordinates and start <= event_date <= end (what the map should draw)."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["event_date", "latitude", "longitude"])
    placed = (frame["latitude"] != "") & (frame["longitude"] != "")
    return int(((frame["event_date"] >= start) & (frame["event_date"] <= end) & placed).sum())


# ================================================================== browser

def fence(context, base: str, aborted: list[str], fulfil=None) -> None:
    """Abort every request that is not to the app (or answered by ``fulfil``).

    The route pattern is a regular expression with a negative look-ahead, which Playwright matches
    inside the browser driver: requests to the app are not intercepted at all, so the fence adds no
    round trip through Python to the hundreds of requests a Streamlit page makes.
    """
    port = base.rsplit(":", 1)[-1]
    allowed = "|".join(re.escape(p) for p in (f"http://127.0.0.1:{port}/", f"http://localhost:{port}/",
                                               "data:", "blob:", "about:"))

    def route(route):
        url = route.request.url
        if fulfil is not None and fulfil(route, url):
            return
        aborted.append(url)
        route.abort()

    context.route(re.compile(f"^(?!(?:{allowed}))"), route)


def map_frame(page):
    frames = page.frames[1:]
    for frame in frames:
        if "streamlit_folium" in frame.url:
            return frame
    return frames[0] if frames else None


def wait_drawn(page, started: float, timeout: float, expected: int | None = None, fresh: bool = False,
               signal: Signal = OURS_DRAWN, state_wait: float = 5.0) -> dict:
    """Wait until the map iframe signals a drawn map (with ``expected`` events, if given). At a timeout,
    what the iframe shows is read, waiting at most ``state_wait`` s for an answer."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = started + timeout
    frame_at = None  # when the map's iframe first existed: what comes before is the Streamlit page itself

    def timed_out() -> dict:
        last = last_state(page, state_wait, signal.state)
        return {"timeout": True, "last": last, "iframe_at": frame_at, "checked_at": time.perf_counter() - started}

    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return timed_out()
        frame = map_frame(page)
        if frame is None:
            page.wait_for_timeout(25)
            continue
        if frame_at is None:
            frame_at = time.perf_counter() - started
        try:
            handle = frame.wait_for_function(signal.drawn, arg={"expected": expected, "fresh": fresh},
                                             timeout=max(remaining * 1000, 1), polling=25)
            value = handle.json_value()
            return {"seconds": time.perf_counter() - started, "iframe_at": frame_at, **value}
        except PlaywrightTimeout:
            return timed_out()
        except PlaywrightError:  # the iframe was replaced or detached mid-wait: look again
            page.wait_for_timeout(25)


def last_state(page, timeout_s: float = 5.0, js: str = STATE_JS) -> dict | str | None:
    """What the map iframe shows now (``js``). Bounded: frame.evaluate has no timeout and can wait forever
    for a frame whose document never comes, so this asks through wait_for_function, which has one."""
    frame = map_frame(page)
    if frame is None:
        return None
    try:
        return frame.wait_for_function(js, timeout=timeout_s * 1000).json_value()
    except Exception as exc:
        return f"no answer from the map iframe ({type(exc).__name__})"


class Traffic:
    """Responses from the app and WebSocket bytes, for one page."""

    def __init__(self, page):
        self.responses = []
        self.ws_received = 0
        self.ws_sent = 0
        self.last_event = time.perf_counter()
        page.on("response", self._response)
        page.on("websocket", self._socket)

    def wait_quiet(self, page, quiet_s: float, max_s: float) -> bool:
        """Wait until nothing has come for ``quiet_s`` (at most ``max_s``); whether it went quiet."""
        deadline = time.perf_counter() + max_s
        while time.perf_counter() - self.last_event < quiet_s:
            if time.perf_counter() > deadline:
                return False
            page.wait_for_timeout(50)
        return True

    def _response(self, response) -> None:
        self.responses.append(response)
        self.last_event = time.perf_counter()

    def _socket(self, ws) -> None:
        def received(payload):
            self.ws_received += len(payload)
            self.last_event = time.perf_counter()

        def sent(payload):
            self.ws_sent += len(payload)

        ws.on("framereceived", received)
        ws.on("framesent", sent)

    def summary(self, base: str) -> dict:
        groups: dict[str, dict] = {}
        files = []
        for response in self.responses:
            url = response.url
            if not url.startswith(base):
                continue
            path = url[len(base):].split("?")[0]
            try:
                body = len(response.body())
            except Exception:
                body = None
            try:
                wire = response.request.sizes().get("responseBodySize")
            except Exception:
                wire = None
            if body is None:
                body = wire or int(response.headers.get("content-length", 0) or 0)
            if path.startswith("/app/static/"):
                group = "map data files" if path.endswith((".json", ".geojson")) else "map code (app static)"
            elif path.startswith("/component/"):
                group = "st_folium component bundle"
            elif path.startswith("/media/"):
                group = "media"
            else:
                group = "Streamlit bundle"
            entry = groups.setdefault(group, {"files": 0, "bytes": 0, "wire": 0})
            entry["files"] += 1
            entry["bytes"] += body
            entry["wire"] += wire if wire is not None and wire >= 0 else body
            files.append((group, path, body, wire))
        return {"groups": groups, "files": files, "ws_received": self.ws_received, "ws_sent": self.ws_sent}


def page_load(browser, base: str, url: str, timeout: float, expected: int | None = None,
              traffic: bool = False, signal: Signal = OURS_DRAWN, state_wait: float = 5.0) -> dict:
    """A Streamlit page (ours or the naive dashboard) loaded in a fresh context: goto -> map drawn."""
    context = browser.new_context(viewport=VIEWPORT)
    aborted: list[str] = []
    errors: list[str] = []
    try:
        fence(context, base, aborted)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
        seen = Traffic(page) if traffic else None
        started = time.perf_counter()
        page.goto(url, wait_until="commit", timeout=timeout * 1000)
        result = wait_drawn(page, started, timeout, expected, signal=signal, state_wait=state_wait)
        if seen is not None and not result.get("timeout"):
            # The rest of the page (table, chart) may still be arriving: wait until nothing has come for
            # 2 s (at most 60 s), so the byte counts cover the whole page, and note when that was.
            seen.wait_quiet(page, 2.0, 60.0)
            result["settled_at"] = seen.last_event - started
            result["traffic"] = seen.summary(base)
        result.update(aborted=aborted, errors=errors)
        return result
    finally:
        context.close()


def ours_url_change(browser, base: str, timeout: float, expected: int) -> dict:
    """Full window drawn, then page.goto to the narrow window: goto -> drawn count == expected."""
    context = browser.new_context(viewport=VIEWPORT)
    aborted: list[str] = []
    try:
        fence(context, base, aborted)
        page = context.new_page()
        started = time.perf_counter()
        page.goto(f"{base}/?start={FULL[0]}&end={FULL[1]}", wait_until="commit", timeout=timeout * 1000)
        first = wait_drawn(page, started, timeout)
        if first.get("timeout"):
            return {"timeout": True, "stage": "full window never drawn", "last": first.get("last")}
        started = time.perf_counter()
        page.goto(f"{base}/?start={NARROW[0]}&end={NARROW[1]}", wait_until="commit", timeout=timeout * 1000)
        result = wait_drawn(page, started, timeout, expected)
        result["aborted"] = aborted
        return result
    finally:
        context.close()


def ours_in_page_change(browser, base: str, timeout: float, expected: int, settled: bool = False) -> dict:
    """Narrow window drawn, then click "week ▶" (a rerun, no reload) -> drawn count == expected.

    ``settled``: the click waits until the rest of the page is drawn too (the export button is shown; our
    page draws the map first and the rest after the map's first report) and the page has gone quiet (no
    response or WebSocket message for ``QUIET_S``: the run that drew it has ended), as a person looking at
    the page presses. Without it the click comes right after the map's first draw, while the rest of the
    page is being run and drawn: that figure adds the rest of the page load to the redraw."""
    context = browser.new_context(viewport=VIEWPORT)
    try:
        fence(context, base, [])
        page = context.new_page()
        seen = Traffic(page) if settled else None
        started = time.perf_counter()
        page.goto(f"{base}/?start={NARROW[0]}&end={NARROW[1]}", wait_until="commit", timeout=timeout * 1000)
        first = wait_drawn(page, started, timeout)
        if first.get("timeout"):
            return {"timeout": True, "stage": "narrow window never drawn", "last": first.get("last")}
        button = page.get_by_role("button", name="week ▶")
        if button.count() == 0:
            return {"unavailable": 'no "week ▶" button on the page'}
        if settled:
            from playwright.sync_api import TimeoutError as PlaywrightTimeout

            try:
                page.get_by_role("button", name=re.compile("Prepare download")).wait_for(timeout=timeout * 1000)
            except PlaywrightTimeout:
                return {"unavailable": 'no "Prepare download" button: the rest of the page never came'}
            if not seen.wait_quiet(page, QUIET_S, QUIET_MAX_S):
                return {"unavailable": f"the page never went quiet for {QUIET_S:g} s"}
        frame = map_frame(page)
        if frame is None:
            return {"unavailable": "no map iframe"}
        frame.evaluate(FORGET_JS)
        started = time.perf_counter()
        button.first.click(timeout=timeout * 1000)
        result = wait_drawn(page, started, timeout, expected, fresh=True)
        result["before"] = first.get("count")
        return result
    finally:
        context.close()


def naive_page_load(browser, base: str, markers: int, timeout: float) -> dict:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = browser.new_context(viewport=VIEWPORT)
    aborted: list[str] = []
    errors: list[str] = []
    try:
        fence(context, base, aborted, local_copies)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)[:200]))
        started = time.perf_counter()
        try:
            page.goto(base + "/naive.html", wait_until="commit", timeout=timeout * 1000)
            page.wait_for_function("n => document.querySelectorAll('.leaflet-marker-icon').length >= n",
                                   arg=markers, timeout=max((started + timeout - time.perf_counter()) * 1000, 1),
                                   polling=100)
            result = {"seconds": time.perf_counter() - started}
        except PlaywrightTimeout:
            drawn = None
            with contextlib.suppress(Exception):  # answers only once the page's main thread is free again
                drawn = page.wait_for_function(
                    "() => ({n: document.querySelectorAll('.leaflet-marker-icon').length})",
                    timeout=timeout * 1000).json_value()["n"]
            result = {"timeout": True, "drawn": drawn, "checked_at": time.perf_counter() - started}
        result.update(aborted=len(aborted), errors=errors)
        return result
    finally:
        context.close()


# Leaflet's and jQuery's CDN URLs answered from static/vendor, and a quiet file server: bench/startup.py's.
from startup import local_copies, static_http_server  # noqa: E402


# ================================================================== one size

def median_or(values, what="timeout"):
    numbers = [v for v in values if isinstance(v, (int, float))]
    if not numbers:
        return what if values else None
    return statistics.median(numbers)


def fmt_s(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:.2f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


def fmt_b(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    for unit, size in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value} B"


def ratio(naive, ours) -> str:
    if isinstance(naive, (int, float)) and isinstance(ours, (int, float)) and ours > 0:
        return f"{naive / ours:.1f}x"
    if isinstance(naive, str) and (naive == "timeout" or naive.startswith("not drawn")) and isinstance(ours, (int, float)):
        return "naive did not finish"
    return "-"


def measure_size(n: int, opts, browser, appserver, naive_appserver) -> dict:
    say("")
    say(f"==================== N = {n:,} events ====================")
    path = events_file(n, opts.seed)
    full_expected = window_count(path, *FULL)
    narrow_expected = window_count(path, *NARROW)
    shifted = tuple((dt.date.fromisoformat(d) + dt.timedelta(days=7)).isoformat() for d in NARROW)
    shifted_expected = window_count(path, *shifted)
    say(f"events with coordinates: all {full_expected}; {NARROW[0]}..{NARROW[1]}: {narrow_expected}; "
        f"{shifted[0]}..{shifted[1]}: {shifted_expected}")
    out: dict = {"n": n, "file_bytes": path.stat().st_size}
    limit = opts.timeout

    # ---- 1. server side: ours and the naive dashboard (AppTest), the bare naive page (folium), each in its
    # own worker process
    say("server side: ours (dashboard.py through AppTest) ...")
    ours = run_worker(["ours", "--app-root", str(opts.app_root), "--events", str(path), "--runs", str(opts.runs),
                       "--timeout", str(limit), "--cold-timeout", str(opts.warm_timeout)],
                      limit=opts.warm_timeout + 2 * opts.runs * (limit + 15) + 60)
    out["ours_server"] = ours
    tmp = Path(tempfile.mkdtemp(prefix="strikemap-map-scale-"))
    try:
        if opts.skip_naive:
            naive = naive_dashboard = {"error": "skipped (--skip-naive)"}
        else:
            say(f"server side: naive dashboard ({NAIVE_DASHBOARD} through AppTest) ...")
            naive_dashboard = run_worker(["naive-dashboard", "--events", str(path), "--runs", str(opts.runs),
                                          "--timeout", str(limit), "--cold-timeout", str(opts.warm_timeout)],
                                         limit=opts.warm_timeout + 3 * opts.runs * (limit + 15) + 60)
            say("server side: bare naive page (folium.Map + one Marker per event) ...")
            naive = run_worker(["naive", "--events", str(path), "--runs", str(opts.runs), "--timeout", str(limit),
                                "--html-out", str(tmp / "naive.html")], limit=opts.runs * (limit + 15) + 120)
        out["naive_dashboard_server"] = naive_dashboard
        out["naive_server"] = naive

        # ---- 3/4. browser
        if browser is not None:
            say("browser: ours (streamlit run dashboard.py) ...")
            out["browser"] = browser_ours(browser, appserver, path, opts, narrow_expected, shifted_expected)
            if opts.skip_naive:
                out["naive_dashboard_browser"] = {"skipped": "skipped (--skip-naive)"}
            else:
                say(f"browser: naive dashboard (streamlit run {NAIVE_DASHBOARD}) ...")
                out["naive_dashboard_browser"] = browser_naive_dashboard(browser, naive_appserver, path, opts,
                                                                         full_expected)
            if naive.get("html_bytes") and (tmp / "naive.html").exists():
                say("browser: bare naive page ...")
                with static_http_server(tmp) as naive_base:
                    out["naive_browser"] = [naive_page_load(browser, naive_base, naive["markers"], limit)
                                            for _ in range(opts.runs)]
            else:
                out["naive_browser"] = [{"skipped": "no naive HTML (build " + str(naive.get("error") or "timed out") + ")"}]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report_size(out, opts, full_expected, narrow_expected, shifted_expected)
    return out


def browser_ours(browser, appserver, path: Path, opts, narrow_expected: int, shifted_expected: int) -> dict:
    limit = opts.timeout
    result: dict = {"first": [], "url_change": [], "in_page": [], "in_page_settled": []}
    started = time.perf_counter()
    try:
        with appserver.streamlit_server(path) as base:
            result["server_start"] = time.perf_counter() - started

            def server_gone(stage: str) -> bool:
                if healthy(base):
                    return False
                result["error"] = f"the Streamlit server stopped answering /_stcore/health ({stage})"
                return True

            warm = page_load(browser, base, base + "/", opts.warm_timeout)
            result["warm"] = warm
            if warm.get("timeout"):
                result["error"] = f"warm-up load not drawn in {opts.warm_timeout:.0f} s (state: {warm.get('last')})"
                server_gone("after the warm-up")
                return result
            for run in range(opts.runs):
                if server_gone("before a first-draw run"):
                    return result
                result["first"].append(page_load(browser, base, base + "/", limit, traffic=(run == 0)))
            for _ in range(opts.runs):
                if server_gone("before a URL-change run"):
                    return result
                change = ours_url_change(browser, base, limit, narrow_expected)
                result["url_change"].append(change)
                if change.get("timeout"):
                    break
            for _ in range(opts.runs):
                if server_gone("before an in-page change run"):
                    return result
                changes = [ours_in_page_change(browser, base, limit, shifted_expected, settled)
                           for settled in (False, True)]
                result["in_page"].append(changes[0])
                result["in_page_settled"].append(changes[1])
                if any(c.get("timeout") or c.get("unavailable") for c in changes):
                    break
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()[-1500:]
    return result


def browser_naive_dashboard(browser, appserver, path: Path, opts, markers: int) -> dict:
    """The naive dashboard served by Streamlit: warmed once (its CSV cache), then fresh page loads until
    ``markers`` marker icons are drawn. After a timeout the later runs are skipped (they would time out
    too), and the markers drawn by then are read, waiting up to --timeout for the busy page to answer."""
    limit = opts.timeout
    result: dict = {"first": []}
    started = time.perf_counter()
    try:
        with appserver.streamlit_server(path, app=NAIVE_DASHBOARD) as base:
            result["server_start"] = time.perf_counter() - started
            result["warm"] = page_load(browser, base, base + "/", limit, markers, signal=MARKERS_DRAWN)
            for run in range(opts.runs):
                if not healthy(base):
                    result["error"] = "the Streamlit server stopped answering /_stcore/health"
                    break
                load = page_load(browser, base, base + "/", limit, markers, traffic=(run == 0),
                                 signal=MARKERS_DRAWN, state_wait=limit)
                result["first"].append(load)
                if load.get("timeout"):
                    break
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()[-1500:]
    return result


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=10) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


# ================================================================== report

def _times(runs: list[dict], key: str = "seconds"):
    return [r[key] if key in r else ("timeout" if r.get("timeout") else None) for r in runs]


def first_drawn(runs: list[dict], timeout: float):
    """Median time to the first drawn map of a naive way's runs, or why there is none."""
    if not runs:
        return None
    if "skipped" in runs[0]:
        return "not measured"
    if all(r.get("timeout") for r in runs):
        return f"not drawn in {timeout:.0f} s"
    return median_or(_times(runs))


def report_size(out: dict, opts, full_expected: int, narrow_expected: int, shifted_expected: int) -> None:
    n = out["n"]
    ours, naive = out.get("ours_server", {}), out.get("naive_server", {})
    browser, naive_browser = out.get("browser") or {}, out.get("naive_browser") or []
    dash, dash_browser = out.get("naive_dashboard_server") or {}, out.get("naive_dashboard_browser") or {}

    # server side
    full_runs = ours.get("full", [])
    ours_build = median_or([r.get("map", "timeout") for r in full_runs]) if full_runs else None
    ours_script = median_or([r.get("total", "timeout") for r in full_runs]) if full_runs else None
    narrow_runs = ours.get("narrow", [])
    ours_narrow = median_or([r.get("map", "timeout") for r in narrow_runs]) if narrow_runs else None
    ours_narrow_script = median_or([r.get("total", "timeout") for r in narrow_runs]) if narrow_runs else None
    naive_build = median_or(naive.get("runs", [])) if naive.get("runs") else None
    cold = ours.get("cold") or {}
    args_bytes = next((r.get("args_bytes") for r in full_runs if r.get("args_bytes")), None)
    args = next((r.get("args") for r in full_runs if r.get("args_bytes")), None)

    # bytes from the browser
    first_runs = browser.get("first", [])
    traffic = next((r["traffic"] for r in first_runs if r.get("traffic")), None)
    groups = traffic["groups"] if traffic else {}
    data_bytes = groups.get("map data files", {}).get("bytes", 0) if traffic else None
    ours_bytes = (args_bytes or 0) + data_bytes if (args_bytes is not None and data_bytes is not None) else None
    basemap_bytes = sum(f[2] for f in traffic["files"] if f[0] == "map data files" and "/basemap/" in f[1]) \
        if traffic else 0
    ours_event_bytes = ours_bytes - basemap_bytes if ours_bytes is not None else None
    naive_bytes = naive.get("html_bytes") or ("timeout" if "timeout" in naive.get("runs", []) else None)

    first = median_or(_times(first_runs)) if first_runs else (browser.get("error") and "not measured")
    naive_first = first_drawn(naive_browser, opts.timeout)

    # the naive dashboard
    dash_full = dash.get("full", [])
    dash_build = median_or([r.get("map", "timeout") for r in dash_full]) if dash_full else None
    dash_script = median_or([r.get("total", "timeout") for r in dash_full]) if dash_full else None
    dash_full_args = next((r for r in dash_full if r.get("args_bytes")), {})
    dash_bytes = dash_full_args.get("args_bytes") or ("timeout" if any(r.get("timeout") for r in dash_full) else None)
    dash_runs = dash_browser.get("first", [])
    dash_first = first_drawn(dash_runs, opts.timeout) or (
        "not measured" if dash_browser.get("skipped") or dash_browser.get("error") else None)
    url_change = median_or(_times(browser.get("url_change", []))) if browser.get("url_change") else None

    def in_page_median(key: str):
        runs = browser.get(key, [])
        return (runs[0]["unavailable"] if runs and "unavailable" in runs[0]
                else median_or(_times(runs)) if runs else None)

    in_page, in_page_settled = in_page_median("in_page"), in_page_median("in_page_settled")
    in_page_runs = browser.get("in_page", []) + browser.get("in_page_settled", [])
    signals = sorted({r.get("signal") for r in first_runs + browser.get("url_change", []) + in_page_runs
                      if r.get("signal")})

    say("")
    say(f"---- results, N = {n:,} ({fmt_b(out['file_bytes'])} CSV; medians of {opts.runs} runs) ----")
    # (label, format, ours, naive dashboard, bare naive page); "n/a": not measured for that one
    rows = [
        ("server build: map", fmt_s, ours_build, dash_build, naive_build),
        ("server: whole script rerun (warm cache)", fmt_s, ours_script, dash_script, "n/a"),
        ("bytes: map payload", fmt_b, ours_bytes, dash_bytes, naive_bytes),
        ("bytes: same without our basemap (the naive maps have none)", fmt_b, ours_event_bytes, dash_bytes,
         naive_bytes),
        ("first drawn map in Chromium (goto -> drawn)", fmt_s, first, dash_first, naive_first),
        (f"date change by URL reload -> {narrow_expected} drawn", fmt_s, url_change, "n/a", "n/a"),
        (f"date change in page ('week ▶' rerun) -> {shifted_expected} drawn", fmt_s, in_page, "n/a", "n/a"),
        ("  the same, pressed once the whole page is drawn and quiet", fmt_s, in_page_settled, "n/a", "n/a"),
    ]
    width = max(len(r[0]) for r in rows)
    say(f"{'measure'.ljust(width)}  {'ours':>12}  {'naive dashboard':>20}  {'bare naive page':>20}  "
        f"{'ours vs naive dashboard':>23}  ours vs bare naive page")
    for label, fmt, ours_value, dash_value, page_value in rows:
        say(f"{label.ljust(width)}  {fmt(ours_value):>12}  {fmt(dash_value):>20}  {fmt(page_value):>20}  "
            f"{ratio(dash_value, ours_value):>23}  {ratio(page_value, ours_value)}")
    say("  (ratios: naive / ours, above 1x ours is faster or smaller. The naive dashboard is like for like, a "
        "Streamlit page through st_folium as ours; the bare page skips Streamlit's page boot.)")
    say("  server build: ours = geo.web.mapping calls + st_folium; naive dashboard = OfflineMap() to st_folium "
        "returned; bare page = Map + Markers + render")
    say("  bytes: ours = st_folium args + map data files; naive dashboard = st_folium args; bare page = the HTML")

    script_errors = sorted({e for r in [cold, *full_runs, *narrow_runs] if r for e in r.get("errors", [])})
    if script_errors:
        say(f"WARNING: dashboard.py raised during the measured runs, so the page measured is not the full page: "
            f"{script_errors[0][:200]}")
    say("details:")
    if ours.get("error"):
        say(f"  ours server side: ERROR {ours['error']}")
        if ours.get("traceback"):
            say("    " + ours["traceback"].strip().splitlines()[-1])
    if cold:
        if cold.get("timeout"):
            say(f"  ours cold first script run (loads and validates the CSV): timeout ({opts.warm_timeout:.0f} s)")
        else:
            say(f"  ours cold first script run (load_events + caches + map): {fmt_s(cold.get('total'))}; "
                f"map calls {fmt_s(cold.get('map'))}; errors: {cold.get('errors') or 'none'}")
            slow = sorted(cold.get("per_call", {}).items(), key=lambda kv: -kv[1])[:4]
            say("    cold geo.web.mapping/st_folium time by function: " + ", ".join(f"{k} {fmt_s(v)}" for k, v in slow))
    if full_runs and "map" in full_runs[0]:
        r = full_runs[0]
        say(f"  ours warm rerun, full window: whole script {fmt_s(ours_script)}, map build {fmt_s(ours_build)} "
            f"({', '.join(f'{k} {fmt_s(v)}' for k, v in sorted(r['per_call'].items(), key=lambda kv: -kv[1])[:5])})")
        if r.get("elements"):
            say("    largest page elements sent per rerun (protobuf; st_folium's own args not included here): "
                + ", ".join(f"{k} {fmt_b(v)}" for k, v in r["elements"][:3]))
        if r.get("errors"):
            say(f"    script errors: {r['errors']}")
        if not r.get("st_folium_called"):
            say("    st_folium was not called: component argument sizes unknown")
    if narrow_runs and "map" in narrow_runs[0]:
        say(f"  ours warm rerun, {NARROW[0]}..{NARROW[1]}: whole script {fmt_s(ours_narrow_script)}, "
            f"map build {fmt_s(ours_narrow)}; component args {fmt_b(narrow_runs[0].get('args_bytes'))}")
    if args:
        say("  st_folium component args (full window): " + ", ".join(f"{k} {fmt_b(v)}" for k, v in args.items()))
    report_naive_dashboard(dash, dash_browser, full_expected, opts)
    if naive.get("runs"):
        say(f"  bare naive page build runs: {', '.join(fmt_s(v) for v in naive['runs'])}; markers "
            f"{naive.get('markers')}; HTML {fmt_b(naive.get('html_bytes'))}")
    if naive.get("error"):
        say(f"  bare naive page build: ERROR {naive['error']}")
    if traffic:
        for name in ("map data files", "map code (app static)", "st_folium component bundle", "Streamlit bundle", "media"):
            if name in groups:
                g = groups[name]
                say(f"  browser, {name}: {g['files']} responses, {fmt_b(g['bytes'])} ({fmt_b(g['wire'])} on the wire)")
        data_files = [f for f in traffic["files"] if f[0] == "map data files"]
        for _, file_path, body, wire in sorted(data_files, key=lambda f: -f[2])[:4]:
            say(f"    {file_path}: {fmt_b(body)}")
        settled = next((r.get("settled_at") for r in first_runs if r.get("traffic")), None)
        say(f"  browser, WebSocket bytes received during the load (all of Streamlit's messages): "
            f"{fmt_b(traffic['ws_received'])}; last response or message of the page at {fmt_s(settled)} after goto")
    if browser.get("error"):
        say(f"  browser ours: ERROR {browser['error']}")
    if "server_start" in browser:
        warm = browser.get("warm", {})
        say(f"  browser ours: server up in {fmt_s(browser['server_start'])}; warm-up (cold) page load drawn in "
            f"{fmt_s(warm.get('seconds', 'timeout'))}")
    if first_runs:
        say(f"  first drawn map runs: {', '.join(fmt_s(v) for v in _times(first_runs))} (map iframe attached at "
            f"{', '.join(fmt_s(r.get('iframe_at')) for r in first_runs)}); signal(s): "
            f"{', '.join(signals) or '-'}; counts: {[r.get('count') for r in first_runs]}")
        timed_out = [r for r in first_runs if r.get("timeout")]
        if timed_out:
            say(f"    state at timeout: {timed_out[0].get('last')}")
        errs = [e for r in first_runs for e in r.get("errors", [])]
        aborted = [u for r in first_runs for u in r.get("aborted", [])]
        say(f"  page errors: {len(errs)}{' e.g. ' + errs[0] if errs else ''}; requests outside the app aborted: "
            f"{len(aborted)}")
    for name, key in (("URL change", "url_change"), ("in-page change", "in_page"),
                      ("in-page change, page settled", "in_page_settled")):
        runs = browser.get(key, [])
        if runs and not runs[0].get("unavailable"):
            say(f"  {name} runs: {', '.join(fmt_s(v) for v in _times(runs))}"
                + (f"; state at timeout: {runs[-1].get('last')} ({runs[-1].get('stage', '')})"
                   if runs[-1].get("timeout") else ""))
    if naive_browser and "skipped" not in naive_browser[0]:
        say(f"  bare naive page first draw runs: {', '.join(fmt_s(v) for v in _times(naive_browser))}; "
            f"CDN requests aborted per load: {naive_browser[0].get('aborted')}"
            + (f"; markers present when next checked, {fmt_s(naive_browser[-1].get('checked_at'))} after goto "
               f"(the page's main thread was busy until then): {naive_browser[-1].get('drawn')}"
               if naive_browser[-1].get("timeout") else ""))
    elif naive_browser:
        say(f"  bare naive page browser: {naive_browser[0]['skipped']}")

    out["summary"] = {"ours_build": ours_build, "naive_build": naive_build, "ours_bytes": ours_bytes,
                      "naive_bytes": naive_bytes, "first": first, "naive_first": naive_first,
                      "url_change": url_change, "in_page": in_page, "in_page_settled": in_page_settled,
                      "ours_event_bytes": ours_event_bytes,
                      "dash_build": dash_build, "dash_script": dash_script, "dash_bytes": dash_bytes,
                      "dash_first": dash_first}


def report_naive_dashboard(dash: dict, browser: dict, markers: int, opts) -> None:
    """The detail lines of the naive dashboard (bench/naive_dashboard.py)."""
    if dash.get("error"):
        say(f"  naive dashboard server side: ERROR {dash['error']}")
        if dash.get("traceback"):
            say("    " + dash["traceback"].strip().splitlines()[-1])
    cold = dash.get("cold") or {}
    if cold.get("timeout"):
        say(f"  naive dashboard cold first script run (reads the CSV): timeout ({opts.warm_timeout:.0f} s)")
    elif cold:
        say(f"  naive dashboard cold first script run (reads the CSV): {fmt_s(cold.get('total'))}; "
            f"errors: {cold.get('errors') or 'none'}")
    for key, window in (("full", "full window"), ("narrow", f"slider moved to {NARROW[0]}..{NARROW[1]}")):
        runs = dash.get(key, [])
        if not runs:
            continue
        if runs[-1].get("timeout"):
            say(f"  naive dashboard warm rerun, {window}: timeout ({opts.timeout:.0f} s)")
            continue
        script_s, map_s = (median_or([r.get(k) for r in runs]) for k in ("total", "map"))
        st_folium_s = median_or([r["per_call"].get("streamlit_folium.st_folium") for r in runs if "per_call" in r])
        say(f"  naive dashboard warm rerun, {window}: whole script {fmt_s(script_s)}, map build {fmt_s(map_s)} "
            f"(st_folium {fmt_s(st_folium_s)}); markers in st_folium's script {runs[0].get('markers')}; "
            f"component args {fmt_b(runs[0].get('args_bytes'))}; errors: {runs[0].get('errors') or 'none'}")
    args = next((r.get("args") for r in dash.get("full", []) if r.get("args_bytes")), None)
    if args:
        say("  naive dashboard st_folium component args (full window): "
            + ", ".join(f"{k} {fmt_b(v)}" for k, v in args.items()))
    if browser.get("skipped"):
        say(f"  naive dashboard browser: {browser['skipped']}")
        return
    if browser.get("error"):
        say(f"  naive dashboard browser: ERROR {browser['error']}")
    if "server_start" in browser:
        warm = browser.get("warm", {})
        say(f"  naive dashboard browser: server up in {fmt_s(browser['server_start'])}; warm-up (cold) page load "
            f"drawn in {fmt_s(warm.get('seconds', 'timeout'))}")
    runs = browser.get("first", [])
    if not runs:
        return
    say(f"  naive dashboard first drawn map runs ({markers} markers): {', '.join(fmt_s(v) for v in _times(runs))} "
        f"(map iframe attached at {', '.join(fmt_s(r.get('iframe_at')) for r in runs)}); counts: "
        f"{[r.get('count') for r in runs]}")
    timed_out = next((r for r in runs if r.get("timeout")), None)
    if timed_out:
        last, read_at = timed_out.get("last"), fmt_s(timed_out.get("checked_at"))
        if isinstance(last, dict):
            drawn = (f"{last['markers']} of {markers} markers drawn (read {read_at} after goto: the map's iframe "
                     "answers only once its main thread is free)")
        else:
            drawn = f"0 of {markers} markers drawn, the map's iframe was not attached yet" if last is None else last
        say(f"    timed out after {opts.timeout:.0f} s: {drawn}" + ("; later runs skipped" if len(runs) < opts.runs else ""))
    errs = [e for r in runs for e in r.get("errors", [])]
    aborted = [u for r in runs for u in r.get("aborted", [])]
    say(f"    page errors: {len(errs)}{' e.g. ' + errs[0] if errs else ''}; requests outside the app aborted "
        f"(its OpenStreetMap tiles): {len(aborted)}")
    traffic = next((r["traffic"] for r in runs if r.get("traffic")), None)
    if traffic:
        say(f"    WebSocket bytes received during the load: {fmt_b(traffic['ws_received'])}")


def verdict(value, target: float) -> str:
    if isinstance(value, (int, float)):
        return "PASS" if value < target else "FAIL"
    return f"FAIL ({value})" if value else "not measured"


def report_targets(results: dict[int, dict]) -> None:
    say("")
    say("==================== targets (from the issue) ====================")
    big = results.get(100_000, {}).get("summary")
    if big:
        say(f"100,000 events, first drawn map < {TARGET_FIRST_MAP_S:.0f} s: {fmt_s(big['first'])} -> "
            f"{verdict(big['first'], TARGET_FIRST_MAP_S)}")
    else:
        say(f"100,000 events, first drawn map < {TARGET_FIRST_MAP_S:.0f} s: not measured (add 100000 to --sizes)")
    for n, out in sorted(results.items()):
        s = out.get("summary") or {}
        # Pressed on the drawn, quiet page is the redraw itself; pressed right after the map's first draw adds
        # the rest of the page's load, and a URL change a whole page load (the floor alone is ~1.8 s).
        say(f"{n:,} events, date-range change redrawn < {TARGET_DATE_CHANGE_S} s: in page, pressed on the drawn "
            f"page {fmt_s(s.get('in_page_settled'))} -> {verdict(s.get('in_page_settled'), TARGET_DATE_CHANGE_S)}; "
            f"pressed right after the map's first draw {fmt_s(s.get('in_page'))} -> "
            f"{verdict(s.get('in_page'), TARGET_DATE_CHANGE_S)}; by URL reload (a page load) "
            f"{fmt_s(s.get('url_change'))} -> {verdict(s.get('url_change'), TARGET_DATE_CHANGE_S)}")
    ten = results.get(10_000, {}).get("summary")
    if ten:
        say(f"10,000 events, >= {TARGET_SPEEDUP:.0f}x faster than the naive way: judged against the naive "
            f"dashboard ({NAIVE_DASHBOARD}), like for like (both Streamlit pages through st_folium); the bare "
            "naive page skips Streamlit's page boot, so its ratio is shown, not judged")
        for label, ours_key, dash_key, page_key in (("first drawn map", "first", "dash_first", "naive_first"),
                                                    ("server build", "ours_build", "dash_build", "naive_build")):
            a = ten.get(ours_key)
            say(f"10,000 events, {label}, ours vs naive dashboard: {speedup(a, ten.get(dash_key))}")
            say(f"10,000 events, {label}, ours vs bare naive page (not judged): "
                f"{speedup(a, ten.get(page_key), judged=False)}")
    else:
        say(f"10,000 events, >= {TARGET_SPEEDUP:.0f}x faster than naive: not measured (add 10000 to --sizes)")


def speedup(ours, naive, judged: bool = True) -> str:
    """``naive / ours`` against TARGET_SPEEDUP (a verdict only when ``judged``)."""
    if isinstance(ours, (int, float)) and isinstance(naive, (int, float)):
        times = naive / ours
        verdict_text = f" -> {'PASS' if times >= TARGET_SPEEDUP else 'FAIL'}" if judged else ""
        return f"{times:.1f}x (ours {fmt_s(ours)}, naive {fmt_s(naive)}){verdict_text}"
    if isinstance(ours, (int, float)) and naive and naive != "not measured":
        return f"naive {naive}, ours {fmt_s(ours)}" + (" -> PASS (naive did not finish)" if judged else "")
    return f"ours {fmt_s(ours)}, naive {fmt_s(naive)}" + (" -> not decided" if judged else "")


# ================================================================== main

def load_appserver(root: Path):
    """tests/appserver.py of the measured checkout, loaded from its file: ``import appserver`` could find
    another checkout's copy first (bench/startup.py puts this checkout's tests/ on sys.path), and that
    one would start its own checkout's dashboard."""
    import importlib.util

    path = root / "tests" / "appserver.py"
    spec = importlib.util.spec_from_file_location(f"appserver_{hashlib.sha1(str(root).encode()).hexdigest()[:8]}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if Path(module.ROOT).resolve() != root.resolve():
        raise RuntimeError(f"{path} would start the dashboard in {module.ROOT}, not {root}")
    return module


def describe_checkout(root: Path) -> str:
    """Which code is measured: the commit and how many files differ from it (read-only git calls)."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
        if head.returncode != 0:
            marker = root / "SNAPSHOT_COMMIT"  # written by whoever exported a commit with `git archive`
            return f"snapshot of commit {marker.read_text().strip()}" if marker.exists() else "not a git checkout"
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10, check=False)
        changed = [line[3:] for line in status.stdout.splitlines() if line.strip()]
        return f"commit {head.stdout.strip()}" + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="strikemap map at scale: ours vs the naive dashboard and a bare "
                                                 "naive Folium page")
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated event counts")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per measurement")
    parser.add_argument("--warm-timeout", type=float, default=300.0,
                        help="seconds for the cold first load (the events file is read and validated)")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="the checkout whose dashboard is measured")
    parser.add_argument("--no-browser", action="store_true", help="server-side figures only")
    parser.add_argument("--skip-naive", action="store_true", help="measure ours only (neither naive way)")
    # worker mode (internal)
    parser.add_argument("--worker", choices=["ours", "naive", "naive-dashboard"], help=argparse.SUPPRESS)
    parser.add_argument("--events", help=argparse.SUPPRESS)
    parser.add_argument("--html-out", help=argparse.SUPPRESS)
    parser.add_argument("--cold-timeout", type=float, default=300.0, help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)

    if opts.worker == "naive":
        worker_naive(opts.events, opts.runs, opts.timeout, opts.html_out)
        return 0
    if opts.worker == "ours":
        worker_ours(str(opts.app_root), opts.events, opts.runs, opts.timeout, opts.cold_timeout)
        return 0
    if opts.worker == "naive-dashboard":
        worker_naive_dashboard(opts.events, opts.runs, opts.timeout, opts.cold_timeout)
        return 0

    sizes = [int(s.replace("_", "")) for s in opts.sizes.split(",") if s.strip()]
    opts.app_root = opts.app_root.resolve()
    say("strikemap map-scale benchmark")
    say(f"python {sys.version.split()[0]}; CPUs {os.cpu_count()}; app: {opts.app_root}; sizes {sizes}; "
        f"runs {opts.runs}; timeout {opts.timeout:.0f} s per measurement")
    say(f"app checkout: {describe_checkout(opts.app_root)}")
    appserver = load_appserver(opts.app_root)
    # The naive dashboard is this checkout's, whichever checkout is measured as ours.
    naive_appserver = appserver if opts.app_root == ROOT else load_appserver(ROOT)
    results: dict[int, dict] = {}
    failed = False
    playwright = browser = None
    try:
        if not opts.no_browser:
            from playwright.sync_api import sync_playwright

            if not Path(CHROMIUM).exists():
                raise RuntimeError(f"chromium not found at {CHROMIUM}")
            playwright = sync_playwright().start()
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            say(f"chromium {browser.version}")
        for n in sizes:
            try:
                results[n] = measure_size(n, opts, browser, appserver, naive_appserver)
            except Exception as exc:
                failed = True
                say(f"N = {n}: could not be measured: {type(exc).__name__}: {exc}")
                traceback.print_exc()
        report_targets(results)
    finally:
        if browser is not None:
            with contextlib.suppress(Exception):
                browser.close()
        if playwright is not None:
            with contextlib.suppress(Exception):
                playwright.stop()
    say("bench/map_scale.py: done")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
