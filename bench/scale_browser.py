"""Issue 13's scale bench in one run: the floor, Folium's FastMarkerCluster and strikemap at 10,000, 100,000 and
1,000,000 events, first drawn in headless Chromium, warm and cold, with the issue's ratios and differences.

    .venv/bin/python bench/scale_browser.py                                   # 10k, 100k, 1M; 3 warm runs
    .venv/bin/python bench/scale_browser.py --sizes 10000 --runs 1            # a quick run
    .venv/bin/python bench/scale_browser.py --sizes 1000000 --timeout 300     # one size, a longer timeout

Not a pytest test (minutes per size; the 1,000,000 events need several GB of memory). For each size N, the
synthetic events of bench/map_scale.py (``events_file``: bench/synthetic_events.py, cached in
data/build/bench/events_<N>_seed7.csv) are served by three Streamlit servers (tests/appserver.py), each page a
Streamlit page drawn through streamlit-folium:

* floor: bench/bare_map_page.py, a bare page with a three-marker Folium map (no events): what any Streamlit +
  Folium page pays. Drawn: its three marker icons.
* FastMarkerCluster: bench/cluster_page.py, every event in Folium's FastMarkerCluster (Leaflet.markercluster
  served from /app/static). Drawn: a ``.marker-cluster`` or ``path.leaflet-interactive`` in the map's iframe.
* strikemap: dashboard.py with STRIKEMAP_EVENTS = the file. Drawn: the map's ``data-strikemap-drawn``
  (``OURS_DRAWN`` of bench/map_scale.py). Its server gets a fresh STRIKEMAP_CACHE_DIR (parsed events) and a
  temporary copy of ./static without ``cache/`` (published map data, geo.web.mapping.publish_events): the
  checkout's dashboard.py is run by a two-line wrapper in a temporary folder that points geo.config.STATIC_DIR
  at that copy, so "never seen" is true even when earlier runs published the same data set in ./static,
  and nothing is written into ./static.

Every load is a fresh browser context (a new visitor), in one Chromium with every host name but 127.0.0.1
unresolvable (bench/first_draw.py's ARGS), timed from ``page.goto`` to the drawn signal (map_scale's
``wait_drawn``). Measured:

1. cold: the first page after each server starts (FastMarkerCluster's reads the CSV; ours, "never seen",
   parses, validates, caches and publishes the file). Ours also "seen": its server stopped and started again
   on the same STRIKEMAP_CACHE_DIR and static copy (the parsed file kept across a restart), one load.
2. warm: one warm-up load of each page, then ``--runs`` loads of each page in turn; the median.
3. filter change (ours): map_scale's in-page change, ``--runs`` times: the window 2021-01-01..2021-06-30
   drawn and the page finished (Streamlit's running status gone for 1 s; the button visible and stable), then
   ``week ▶`` clicked (a rerun, no reload): from the click until the map's drawn count is that of the window a
   week later.
4. memory: each server's peak RSS (psutil, the process and its children, sampled every 0.25 s over its
   life) and the browser tab's: the peak of Chromium's renderer processes during the page's loads, summed as
   PSS (shared pages split between the processes: the tab's own share; the goal is judged on it) and as RSS
   (shared pages counted in each: an upper bound), and V8's JSHeapUsedSize (CDP ``Performance.getMetrics``)
   2 s after the last warm load drew. A page's renderers are the page's, its map iframe's and Chromium's
   spare one (about 145 MB PSS, 410 MB RSS for the floor).

Each measurement has a timeout (``--timeout``, 180 s) and prints "timeout" instead of hanging; after a
timeout the page's later loads of that size are skipped (FastMarkerCluster at 1,000,000 may well time out:
that is a result). ``uptime`` is printed before and after each size: the machine is shared, so compare the
ratios of one run. Ends with "bench/scale_browser.py: done".
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "tests"))
import appserver  # noqa: E402  (tests/appserver.py: `streamlit run` on a free loopback port)
from first_draw import ARGS, CHROMIUM  # noqa: E402  (Chromium fenced to 127.0.0.1 by its resolver)
from map_scale import (FORGET_JS, NARROW, OURS_DRAWN, Signal, events_file, map_frame,  # noqa: E402
                       wait_drawn, window_count)

VIEWPORT = {"width": 1280, "height": 1000}
FLOOR_DRAWN = Signal(
    """() => { const n = document.querySelectorAll('.leaflet-marker-icon').length;
               return n >= 3 ? {signal: '.leaflet-marker-icon', count: n} : null; }""",
    "() => ({markers: document.querySelectorAll('.leaflet-marker-icon').length})")
CLUSTER_DRAWN = Signal(
    """() => { const c = document.querySelectorAll('.marker-cluster').length,
                     p = document.querySelectorAll('path.leaflet-interactive').length;
               return c + p > 0 ? {signal: c ? '.marker-cluster' : 'path.leaflet-interactive', count: c + p} : null; }""",
    """() => ({clusters: document.querySelectorAll('.marker-cluster').length,
               paths: document.querySelectorAll('path.leaflet-interactive').length})""")
PAGES = {"floor": FLOOR_DRAWN, "FastMarkerCluster": CLUSTER_DRAWN, "strikemap": OURS_DRAWN}
# The goals (issue 13), as (size or None for every size) -> limit.
GOAL_OVER_FLOOR = {10_000: 1.0, 100_000: 1.0, 1_000_000: 4.0}  # ours warm - floor warm, seconds
GOAL_FMC_RATIO = {100_000: 2.5}                                 # FastMarkerCluster warm / ours warm, at least
GOAL_COLD_NEVER, GOAL_COLD_SEEN = {1_000_000: 30.0}, {1_000_000: 8.0}
GOAL_FILTER = {1_000_000: 1.5}
GOAL_SERVER_MB, GOAL_TAB_MB = {1_000_000: 2048}, {1_000_000: 1536}
# Runs the checkout's dashboard.py with geo.config.STATIC_DIR = this folder's static/ (see the docstring).
WRAPPER = '''"""bench/scale_browser.py: the checkout's dashboard.py, its published map data in this folder's static/."""
import sys
from pathlib import Path

sys.path.insert(0, {root!r})
from geo import config  # noqa: E402

config.STATIC_DIR = Path(__file__).resolve().parent / "static"
if not hasattr(config, "_bench_dashboard_code"):  # compiled once, as Streamlit keeps a main script's bytecode
    config._bench_dashboard_code = compile(Path({dashboard!r}).read_text(encoding="utf-8"), {dashboard!r}, "exec")
exec(config._bench_dashboard_code, {{"__name__": "__main__", "__file__": {dashboard!r}}})
'''


def say(text: str = "") -> None:
    print(text, flush=True)


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


# ------------------------------------------------------------------ memory

class Memory(threading.Thread):
    """Samples every ``interval`` s: the RSS of each registered server (its process and children), and the
    summed RSS of Chromium's renderer processes, charged to the page being loaded (``tab``). Keeps peaks."""

    def __init__(self, interval: float = 0.25):
        super().__init__(daemon=True)
        import psutil

        self.psutil, self.me, self.interval = psutil, psutil.Process(), interval
        self.servers: dict[str, object] = {}
        self.tab: str | None = None
        self.peak: dict[str, int] = {}
        self.done = threading.Event()

    def watch_server(self, name: str, base: str) -> None:
        port = base.rsplit(":", 1)[-1]
        for proc in self.me.children(recursive=True):
            with contextlib.suppress(self.psutil.Error):
                cmd = proc.cmdline()
                if "--server.port" in cmd and cmd[cmd.index("--server.port") + 1] == port:
                    self.servers[name] = proc
                    return

    def forget_server(self, name: str) -> None:
        self.servers.pop(name, None)

    def _tree(self, proc) -> int:
        total = 0
        with contextlib.suppress(self.psutil.Error):
            for p in [proc, *proc.children(recursive=True)]:
                with contextlib.suppress(self.psutil.Error):
                    total += p.memory_info().rss
        return total

    def _renderers(self) -> tuple[int, int]:
        """(RSS, PSS) summed over Chromium's renderers: RSS counts the pages they share in each, PSS splits them."""
        rss = pss = 0
        for proc in self.me.children(recursive=True):
            with contextlib.suppress(self.psutil.Error):
                if "--type=renderer" in proc.cmdline():
                    full = proc.memory_full_info()
                    rss, pss = rss + full.rss, pss + getattr(full, "pss", full.rss)
        return rss, pss

    def _keep(self, key: str, value: int) -> None:
        self.peak[key] = max(self.peak.get(key, 0), value)

    def run(self) -> None:
        while not self.done.wait(self.interval):
            for name, proc in list(self.servers.items()):
                self._keep("server " + name, self._tree(proc))
            tab = self.tab
            if tab is not None:
                rss, pss = self._renderers()
                self._keep("tab rss " + tab, rss)
                self._keep("tab pss " + tab, pss)


# ------------------------------------------------------------------ servers

def static_copy(target: Path) -> None:
    """./static without cache/ (published data sets): big files hard-linked (only ever replaced by a rename),
    small ones (our JavaScript, vendored code) copied."""
    def link_or_copy(src, dst):
        if os.path.getsize(src) > 1_000_000:
            try:
                return os.link(src, dst)
            except OSError:
                pass
        return shutil.copy2(src, dst)

    shutil.copytree(ROOT / "static", target, copy_function=link_or_copy,
                    ignore=lambda folder, names: ["cache"] if Path(folder) == ROOT / "static" else [])


@contextlib.contextmanager
def ours_server(folder: Path, events: Path, cache: Path):
    """dashboard.py through the wrapper in ``folder`` (beside its static copy), STRIKEMAP_CACHE_DIR=cache."""
    # STRIKEMAP_PRELOAD: the dashboard's modules imported before the server is up, as `make run` does
    with appserver._serve(folder / "dashboard.py", events, {"STRIKEMAP_CACHE_DIR": str(cache),
                                                            "STRIKEMAP_PRELOAD": str(ROOT / "dashboard.py")}) as base:
        yield base


# ------------------------------------------------------------------ loads

def _load(browser, url: str, signal: Signal, timeout: float, memory: Memory, tab: str, heap: bool = False) -> dict:
    """One fresh context: goto -> drawn (seconds), or {"timeout": True, ...}; with ``heap``, V8's used heap
    (CDP) 2 s after the draw."""
    context = browser.new_context(viewport=VIEWPORT)
    memory.tab = tab
    try:
        page = context.new_page()
        cdp = None
        if heap:
            cdp = context.new_cdp_session(page)
            cdp.send("Performance.enable")
        started = time.perf_counter()
        try:
            page.goto(url, wait_until="commit", timeout=timeout * 1000)
        except Exception as exc:  # noqa: BLE001  (a goto timeout: the server did not answer)
            return {"timeout": True, "last": f"goto: {type(exc).__name__}"}
        result = wait_drawn(page, started, timeout, signal=signal)
        if cdp is not None and not result.get("timeout"):
            page.wait_for_timeout(2000)
            metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
            result["js_heap"] = metrics.get("JSHeapUsedSize")
        return result
    finally:
        memory.tab = None
        context.close()


def _week_step(browser, base: str, timeout: float, expected: int, memory: Memory) -> dict:
    """bench/map_scale.py's in-page change (without its request fence: the resolver fences this browser):
    the narrow window drawn, then ``week ▶`` -> the drawn count of the window a week later."""
    context = browser.new_context(viewport=VIEWPORT)
    memory.tab = "strikemap"
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(f"{base}/?start={NARROW[0]}&end={NARROW[1]}", wait_until="commit", timeout=timeout * 1000)
        first = wait_drawn(page, started, timeout)
        if first.get("timeout"):
            return {"timeout": True, "stage": "narrow window never drawn"}
        button = page.get_by_role("button", name="week ▶")
        frame = map_frame(page)
        if button.count() == 0 or frame is None:
            return {"unavailable": 'no "week ▶" button or no map'}
        settle(page)
        button.first.click(trial=True, timeout=timeout * 1000)  # visible, stable, enabled: the clock starts at the click
        frame.evaluate(FORGET_JS)
        started = time.perf_counter()
        button.first.click(timeout=timeout * 1000)
        result = wait_drawn(page, started, timeout, expected, fresh=True)
        result["before"] = first.get("count")
        return result
    finally:
        memory.tab = None
        context.close()


def guarded(measurement):
    """A measurement whose unexpected failure (a Playwright error, a crashed tab) is a result, not the end of
    the run: {"error": ...}, counted as a timeout (the page's later loads are skipped)."""
    def run(*args, **kwargs) -> dict:
        try:
            return measurement(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001
            return {"timeout": True, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}",
                    "last": f"{type(exc).__name__}"}
    return run


load, week_step = guarded(_load), guarded(_week_step)


def settle(page, quiet_s: float = 1.0, limit_s: float = 30.0) -> None:
    """Wait until Streamlit's "running" status has been gone for ``quiet_s`` (the rest of the page is sent after
    the map draws), at most ``limit_s``: a user clicks on a finished page."""
    deadline, quiet_since = time.perf_counter() + limit_s, None
    while time.perf_counter() < deadline:
        if page.locator('[data-testid="stStatusWidget"]').count():
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.perf_counter()
        elif time.perf_counter() - quiet_since >= quiet_s:
            return
        page.wait_for_timeout(100)


def seconds(run: dict | None):
    if run is None:
        return None
    if run.get("error"):
        return f"error ({run['error']})"
    return "timeout" if run.get("timeout") else run.get("seconds")


def median(runs: list[dict]):
    values = [seconds(r) for r in runs]
    if not values:
        return None
    failed = next((v for v in values if not isinstance(v, (int, float))), False)
    if failed is not False:
        return failed or "timeout"
    return statistics.median(values)


def fmt(value, unit: str = " s") -> str:
    if value is None:
        return "not measured"
    return f"{value:.2f}{unit}" if isinstance(value, (int, float)) else str(value)


def mb(value) -> str:
    return f"{value / 2**20:,.0f} MB" if value else "not measured"


def goal(n: int, goals: dict, value, at_most: bool = True, unit: str = " s") -> str:
    if n not in goals:
        return ""
    limit = goals[n]
    if not isinstance(value, (int, float)):
        return f"  (goal {'<=' if at_most else '>='} {limit:g}{unit}: not decided)"
    ok = value <= limit if at_most else value >= limit
    return f"  (goal {'<=' if at_most else '>='} {limit:g}{unit}: {'PASS' if ok else 'FAIL'})"


# ------------------------------------------------------------------ one size

def measure(n: int, opts, browser, memory: Memory) -> dict:
    say("")
    say(f"==================== N = {n:,} events ====================")
    say(f"before: {uptime()}")
    events = events_file(n, opts.seed)
    shifted = tuple((dt.date.fromisoformat(d) + dt.timedelta(days=7)).isoformat() for d in NARROW)
    shifted_expected = window_count(events, *shifted)
    limit = opts.timeout
    cold: dict[str, dict] = {}
    warm: dict[str, list[dict]] = {name: [] for name in PAGES}
    skipped: set[str] = set()
    out: dict = {"cold": cold, "warm": warm}
    work = Path(tempfile.mkdtemp(prefix=f"strikemap-scale-{n}-"))
    try:
        (work / "cache").mkdir()
        static_copy(work / "static")
        (work / "dashboard.py").write_text(WRAPPER.format(root=str(ROOT), dashboard=str(ROOT / "dashboard.py")),
                                           encoding="utf-8")
        with contextlib.ExitStack() as servers:
            bases = {}

            def start(name: str, server) -> str:
                clock = time.perf_counter()
                base = servers.enter_context(server)
                memory.watch_server(name, base)
                say(f"  {name}: server up in {time.perf_counter() - clock:.1f} s")
                return base

            def first_load(name: str, key: str, base: str) -> None:
                run = load(browser, base + "/", PAGES[name], limit, memory, name)
                cold[key] = run
                say(f"  {key}: first page drawn in {fmt(seconds(run))}"
                    + (f" (state at the timeout: {run.get('last')})" if run.get("timeout") else ""))
                if run.get("timeout"):
                    skipped.add(name)

            bases["floor"] = start("floor", appserver.streamlit_server(app="bench/bare_map_page.py"))
            first_load("floor", "floor", bases["floor"])
            bases["FastMarkerCluster"] = start("FastMarkerCluster", appserver.streamlit_server(
                events, app="bench/cluster_page.py"))
            first_load("FastMarkerCluster", "FastMarkerCluster", bases["FastMarkerCluster"])
            with ours_server(work, events, work / "cache") as base:  # never seen
                memory.watch_server("strikemap (never seen)", base)
                first_load("strikemap", "strikemap never seen", base)
                memory.forget_server("strikemap (never seen)")
            skipped.discard("strikemap")
            bases["strikemap"] = start("strikemap", ours_server(work, events, work / "cache"))  # seen
            first_load("strikemap", "strikemap seen", bases["strikemap"])

            say(f"  warm: one warm-up load each, then {opts.runs} in turn ...")
            for name in PAGES:
                if name not in skipped:
                    run = load(browser, bases[name] + "/", PAGES[name], limit, memory, name)
                    if run.get("timeout"):
                        warm[name].append(run)
                        skipped.add(name)
            for index in range(opts.runs):
                for name in PAGES:
                    if name in skipped:
                        continue
                    run = load(browser, bases[name] + "/", PAGES[name], limit, memory, name,
                               heap=(index == opts.runs - 1))
                    warm[name].append(run)
                    if run.get("timeout"):
                        skipped.add(name)
            out["filter"] = []
            if "strikemap" not in skipped:
                for _ in range(opts.runs):
                    change = week_step(browser, bases["strikemap"], limit, shifted_expected, memory)
                    out["filter"].append(change)
                    if change.get("timeout") or change.get("unavailable"):
                        break
            for name in list(memory.servers):
                memory.forget_server(name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out["peak"] = dict(memory.peak)
    memory.peak.clear()
    out["shifted_expected"] = shifted_expected
    report(n, out, opts)
    say(f"after: {uptime()}")
    return out


def report(n: int, out: dict, opts) -> None:
    cold, warm, peak = out["cold"], out["warm"], out["peak"]
    med = {name: median(runs) if runs else ("timeout (cold)" if any(
        r.get("timeout") for key, r in cold.items() if key.startswith(name)) else None)
        for name, runs in warm.items()}
    heap = {name: next((r.get("js_heap") for r in reversed(runs) if r.get("js_heap")), None)
            for name, runs in warm.items()}
    say("")
    say(f"  N = {n:,}: first drawn map, seconds from page.goto (warm: median of {opts.runs}; cold: the first page "
        "after the server started)")
    say(f"  {'page':<20}{'warm':>12}{'cold':>14}{'cold, seen':>12}   {'warm runs'}")
    for name in PAGES:
        first = cold.get("strikemap never seen" if name == "strikemap" else name)
        seen = fmt(seconds(cold.get("strikemap seen"))) if name == "strikemap" else ""
        runs = ", ".join(fmt(seconds(r), "") for r in warm[name]) or "skipped (its cold load timed out)"
        say(f"  {name:<20}{fmt(med[name]):>12} {fmt(seconds(first)):>13} {seen:>11}   {runs}")
    ours, floor, fmc = med["strikemap"], med["floor"], med["FastMarkerCluster"]
    numbers = all(isinstance(v, (int, float)) for v in (ours, floor))
    say(f"  ours warm - floor warm: {fmt(ours - floor) if numbers else 'not decided'}"
        + goal(n, GOAL_OVER_FLOOR, ours - floor if numbers else None))
    if isinstance(ours, (int, float)) and isinstance(fmc, (int, float)):
        say(f"  FastMarkerCluster warm / ours warm: {fmc / ours:.2f}x" + goal(n, GOAL_FMC_RATIO, fmc / ours, False, "x"))
    else:
        say(f"  FastMarkerCluster warm / ours warm: FastMarkerCluster {fmt(fmc)}, ours {fmt(ours)}"
            + (" (FastMarkerCluster did not draw: ours wins)" if str(fmc).startswith("timeout") and isinstance(ours, float) else "")
            + goal(n, GOAL_FMC_RATIO, None, False, "x"))
    never, seen = seconds(cold.get("strikemap never seen")), seconds(cold.get("strikemap seen"))
    fmc_cold = seconds(cold.get("FastMarkerCluster"))
    if isinstance(never, (int, float)) and isinstance(fmc_cold, (int, float)):
        verdict = f"  (goal at 100k: no slower: {'PASS' if never <= fmc_cold else 'FAIL'})" if n == 100_000 else ""
        say(f"  ours cold (never seen) - FastMarkerCluster cold: {never - fmc_cold:+.2f} s "
            f"({never / fmc_cold:.2f}x){verdict}")
    else:
        say(f"  ours cold (never seen) vs FastMarkerCluster cold: ours {fmt(never)}, FastMarkerCluster {fmt(fmc_cold)}")
    say(f"  ours cold, never seen: {fmt(never)}" + goal(n, GOAL_COLD_NEVER, never)
        + f"; seen (restart, parsed file cached): {fmt(seen)}" + goal(n, GOAL_COLD_SEEN, seen))
    changes = out.get("filter", [])
    unavailable = next((c["unavailable"] for c in changes if c.get("unavailable")), None)
    filt = unavailable or median([c for c in changes if not c.get("unavailable")])
    say(f"  filter change (in page 'week ▶', drawn count -> {out['shifted_expected']:,}): {fmt(filt)}"
        + (f" (runs: {', '.join(fmt(seconds(c), '') for c in changes)})" if changes and not unavailable else "")
        + goal(n, GOAL_FILTER, filt))
    ours_server = max(peak.get("server strikemap", 0), peak.get("server strikemap (never seen)", 0))
    say(f"  server peak RSS: floor {mb(peak.get('server floor'))}, FastMarkerCluster "
        f"{mb(peak.get('server FastMarkerCluster'))}, strikemap {mb(ours_server)} (never seen "
        f"{mb(peak.get('server strikemap (never seen)'))}, restarted {mb(peak.get('server strikemap'))})"
        + goal(n, GOAL_SERVER_MB, ours_server / 2**20 if ours_server else None, unit=" MB"))
    say("  browser tab (Chromium's renderers during the page's loads): peak PSS (RSS) / JS heap used after the last "
        "warm load: " + "; ".join(f"{name} {mb(peak.get('tab pss ' + name))} ({mb(peak.get('tab rss ' + name))}) / "
                                  f"{mb(heap[name])}" for name in PAGES)
        + goal(n, GOAL_TAB_MB, peak.get("tab pss strikemap", 0) / 2**20 or None, unit=" MB PSS"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated event counts")
    parser.add_argument("--runs", type=int, default=3, help="warm loads of each page (and filter changes)")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per measurement")
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in opts.sizes.split(",") if s.strip()]
    from playwright.sync_api import sync_playwright

    for needed in ("vendor/markercluster/leaflet.markercluster.js", "vendor/leaflet/leaflet.js"):
        if not (ROOT / "static" / needed).exists():
            say(f"static/{needed} is missing: run `make setup` (npm ci, then python -m geo setup)")
            return 1
    say(f"strikemap scale bench in the browser (issue 13); {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; "
        f"CPUs {os.cpu_count()}; sizes {sizes}; {opts.runs} warm runs; timeout {opts.timeout:.0f} s")
    memory = Memory()
    memory.start()
    failed = False
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            say(f"chromium {browser.version}")
            try:
                for n in sizes:
                    try:
                        measure(n, opts, browser, memory)
                    except Exception as exc:  # noqa: BLE001  (report it, go on with the next size)
                        failed = True
                        say(f"N = {n:,}: could not be measured: {type(exc).__name__}: {exc}")
            finally:
                browser.close()
    finally:
        memory.done.set()
    say(f"bench/scale_browser.py: done; {uptime()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
