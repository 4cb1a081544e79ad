"""strikemap under load: one dashboard server, many concurrent sessions in headless Chromium.

    .venv/bin/python bench/load_sessions.py                          # 20 sessions, 10,000 synthetic events
    .venv/bin/python bench/load_sessions.py --sessions 3 --size 1000  # a quick run (about 30 s)
    .venv/bin/python bench/load_sessions.py --events data/events.csv --sessions 5   # another events file
    .venv/bin/python bench/load_sessions.py --nice-browser           # Chromium at nice 19: the server first
    .venv/bin/python bench/load_sessions.py --app /tmp/patched_dashboard.py   # a patched copy, same checkout

Options: --sessions N (20), --size N (10000), --events FILE, --timeout S per step (180), --ramp S (spread
the sessions' starts; 0, all at once), --app SCRIPT, --nice-browser, --verbose (every step as it is done).
The full default run takes 6 to 9 minutes on a 2-core machine, where the browser and the server share the
CPUs: there the page loads are bound by Chromium's CPU time, not by the server (see the report's CPU lines).

Not a pytest test. One server (`streamlit run dashboard.py` through tests/appserver.py) on a realistic
data set: by default the cached synthetic ACLED-like file data/build/bench/events_<size>_seed7.csv
(bench/synthetic_events.py, made if missing). One headless Chromium (Debian's, $STRIKEMAP_CHROMIUM),
one browser context per session, all sessions driven at once from one asyncio loop (Playwright's
async API, asyncio.gather-like; a sync Playwright cannot share one browser between threads). Every
request that does not go to the app is aborted (offline) and counted as an error, as are page
errors and console errors.

Each session does, with its own filters and windows (so no two sessions ask for the same view):

1. open     page.goto a link with filters (?start=..&end=..&country=..[&precision=..]) -> the
            "Showing N of M events · start to end" text with the expected N and dates, and the map's
            iframe reporting N events drawn (body[data-strikemap-drawn]).
2. week     click "week ▶" (even sessions) or "◀ week" (odd) -> the window moved 7 days, shown and drawn.
3. link     page.goto another filtered link (another window, country, precisions) -> shown and drawn.
4. filter   type a place name into "Search places, actors and notes" + Enter -> shown and drawn.
5. export   click "Prepare download (...)" then "Download shown events (GeoJSON)" -> the file saved. Then (not timed) it must be valid
            GeoJSON (geojson_validator, RFC 7946 structure and geometries), its feature count equal to the
            "Showing N" the page displays, and its event ids exactly the expected ones.

Expected counts and ids are computed here independently of the server: geo.io.events.load_events on the
same file, geo.web.filters.apply_filters on Filters.from_query of the same link. Before an in-page action
(week, filter, export) the session waits until Streamlit reports the script idle
(stApp[data-test-script-state=notRunning]) and clears the iframe's drawn flag (not timed): a user acts
on a settled page. Response time = action -> the expected result visible (text and drawn map; the
saved file for export), with where it went (websocket opened, first and last message from the server).
Before the sessions start, one page load of the whole record warms the server's caches (not counted).

The server's memory is sampled every 0.2 s from /proc (RSS of the streamlit process and its children;
no psutil), as are its threads and CPU time, the browser's (Playwright driver + Chromium, summed RSS,
shared pages counted in every process) and the machine's CPU use, to tell what limits the run.

Every wait has a timeout (--timeout per step, 180 s; the whole run is bounded too); the server and the
browser are always stopped. Exit status 1 if any session failed a step or saw an error, else 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(BENCH))

CHROMIUM = os.environ.get("STRIKEMAP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1280, "height": 1000}
SEED = 7
SAMPLE_S = 0.2
STEP_KINDS = ("open", "week", "link", "filter", "export")
DOWNLOAD_LABEL = "Download shown events (GeoJSON)"
PREPARE_LABEL = re.compile(r"^Prepare download \(")  # the dashboard makes the file first, then offers it
PRECISION_SETS = [(), ("1",), ("1", "2"), ("2", "3")]

# In the page: the "Showing N of M events · start to end" line, if it is the wanted one (or, probing, any).
SHOWING_JS = """(want) => {
    let seen = null;
    for (const el of document.querySelectorAll('[data-testid="stMarkdownContainer"]')) {
        const text = (el.innerText || '').trim();
        if (!text.startsWith('Showing ')) continue;
        seen = text;
        if (!want.probe && text.startsWith(want.head) && text.includes(want.tail)) return {text: text};
    }
    return want.probe ? {text: seen} : null;
}"""
# In the map's iframe: the events drawn, once the layer has drawn ``expected`` of them (or, probing, now).
DRAWN_JS = """(want) => {
    const body = document.body;
    const flag = body && body.dataset ? body.dataset.strikemapDrawn : undefined;
    const drawn = flag === undefined || flag === '' ? null : Number(flag);
    if (want.probe) return {drawn: drawn};
    return drawn !== null && drawn === want.expected ? {drawn: drawn} : null;
}"""
FORGET_JS = "() => { if (document.body && document.body.dataset) delete document.body.dataset.strikemapDrawn; }"
# Streamlit's own marker on the app root: running, notRunning, rerunRequested ...
SCRIPT_STATE_JS = """(want) => {
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute('data-test-script-state') : null;
    if (want.probe) return {state: state};
    return state === 'notRunning' ? {state: state} : null;
}"""


def say(text: str = "") -> None:
    print(text, flush=True)


# ================================================================== /proc sampling (no psutil)

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
TICKS = os.sysconf("SC_CLK_TCK")


def proc_table() -> dict[int, tuple[int, int, float, int]]:
    """pid -> (ppid, RSS bytes, CPU seconds user+system, threads), for every process we may read."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        rest = data[data.rindex(b")") + 2:].split()  # the command name may hold spaces and brackets
        # rest[k] is field k + 3 of proc(5): ppid 4, utime 14, stime 15, num_threads 20, rss 24 (pages)
        table[int(entry.name)] = (int(rest[1]), int(rest[21]) * PAGE_BYTES,
                                  (int(rest[11]) + int(rest[12])) / TICKS, int(rest[17]))
    return table


def descendants(table: dict, root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for pid, (ppid, *_rest) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid in found or pid not in table:
            continue
        found.add(pid)
        todo.extend(children.get(pid, []))
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot (/proc/stat)."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def server_pid() -> int | None:
    """Our child serving the dashboard (tests/appserver.py starts it with Popen from this process)."""
    table = proc_table()
    for pid, (ppid, *_rest) in table.items():
        if ppid != os.getpid():
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"--server.port" in cmdline:  # `python -m geo.web.serve dashboard.py --server.port N`
            return pid
    return None


@dataclass
class Phase:
    name: str
    started: float
    ended: float | None = None
    server_peak_rss: int = 0
    server_peak_at: float = 0.0
    server_peak_threads: int = 0
    browser_peak_rss: int = 0
    server_cpu: dict = field(default_factory=dict)   # pid -> [first, last] CPU seconds seen in the phase
    browser_cpu: dict = field(default_factory=dict)
    driver_cpu: dict = field(default_factory=dict)   # this script: Playwright's async client, checks
    other_cpu: dict = field(default_factory=dict)    # every other process on the machine (not this run's)
    machine: tuple | None = None                     # (busy, total) at start
    machine_end: tuple | None = None
    samples: int = 0
    server_series: list = field(default_factory=list)  # (perf_counter, the server's CPU seconds so far)

    def cpu_seconds(self, which: str) -> float:
        seen = {"server": self.server_cpu, "browser": self.browser_cpu, "driver": self.driver_cpu,
                "other": self.other_cpu}[which]
        return sum(last - first for first, last in seen.values())

    def server_busiest(self, window: float = 10.0) -> float | None:
        """The server's highest CPU use over any ``window`` seconds of the phase, in cores."""
        series, best, j = self.server_series, None, 0
        for i in range(len(series)):
            while j < len(series) and series[j][0] - series[i][0] < window:
                j += 1
            if j == len(series):
                break
            use = (series[j][1] - series[i][1]) / (series[j][0] - series[i][0])
            best = use if best is None else max(best, use)
        return best

    def wall(self) -> float:
        return (self.ended or time.perf_counter()) - self.started

    def machine_busy(self) -> float | None:
        if not self.machine or not self.machine_end:
            return None
        busy, total = (e - s for e, s in zip(self.machine_end, self.machine))
        return busy / total if total else None


class Sampler(threading.Thread):
    """Every ``interval`` s: RSS, CPU and threads of the server's process tree and of the browser's (every
    other descendant of this process), into the current phase."""

    def __init__(self, server: int, interval: float = SAMPLE_S):
        super().__init__(daemon=True, name="sampler")
        self.server, self.interval = server, interval
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.phases: list[Phase] = []
        self.error: str | None = None
        self.known: set[int] = set()  # pids seen in an earlier sample: a pid new since then counts from 0 s CPU

    def begin(self, name: str) -> Phase:
        with self.lock:
            if self.phases and self.phases[-1].ended is None:
                self._end_locked()
            phase = Phase(name, time.perf_counter(), machine=machine_cpu())
            self.phases.append(phase)
        self._sample()
        return phase

    def end(self) -> None:
        self._sample()
        with self.lock:
            self._end_locked()

    def _end_locked(self) -> None:
        phase = self.phases[-1]
        if phase.ended is None:
            phase.ended, phase.machine_end = time.perf_counter(), machine_cpu()

    def run(self) -> None:
        while not self.stop_event.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        try:
            table = proc_table()
        except Exception as exc:  # report, never kill the run
            self.error = f"{type(exc).__name__}: {exc}"
            return
        server = descendants(table, self.server)
        browser = descendants(table, os.getpid()) - server - {os.getpid()}
        other = set(table) - server - browser - {os.getpid()}
        with self.lock:
            if not self.phases or self.phases[-1].ended is not None:
                return
            phase = self.phases[-1]
            phase.samples += 1
            rss = sum(table[p][1] for p in server)
            if rss > phase.server_peak_rss:
                phase.server_peak_rss, phase.server_peak_at = rss, time.perf_counter() - phase.started
            phase.server_peak_threads = max(phase.server_peak_threads, sum(table[p][3] for p in server))
            phase.browser_peak_rss = max(phase.browser_peak_rss, sum(table[p][1] for p in browser))
            phase.server_series.append((time.perf_counter(), sum(table[p][2] for p in server)))
            for group, seen in ((server, phase.server_cpu), (browser, phase.browser_cpu),
                                ({os.getpid()}, phase.driver_cpu), (other, phase.other_cpu)):
                for pid in group:
                    cpu = table[pid][2]
                    if pid in seen:
                        seen[pid][1] = cpu
                    else:  # a process started since the last sample has used all its CPU time in this phase
                        seen[pid] = [cpu if pid in self.known or phase.samples == 1 else 0.0, cpu]
            self.known.update(table)

    def stop(self) -> None:
        self.stop_event.set()
        self.join(timeout=5)


# ================================================================== what each session does

@dataclass
class Expect:
    """What the page must show after a step: computed here with geo.web.filters, not asked from the server."""
    filters: object
    shown: int
    drawn: int
    total: int
    ids: frozenset

    @property
    def head(self) -> str:
        return f"Showing {self.shown} of {self.total} events"

    @property
    def tail(self) -> str:
        return f"{self.filters.start.isoformat()} to {self.filters.end.isoformat()}"


@dataclass
class Plan:
    session: int
    open_query: dict
    open: Expect
    week_button: str
    week: Expect
    link_query: dict
    link: Expect
    text: str
    filter: Expect


def expect_for(events, filters) -> Expect:
    from geo.web.filters import apply_filters

    shown = apply_filters(events, filters)
    return Expect(filters, len(shown), int(shown.geometry.notna().sum()), len(events),
                  frozenset(shown["event_id_cnty"].astype(str)))


def warm_up_view(events) -> tuple[dict, Expect]:
    """The warm-up's link: the whole record (asked by no session)."""
    from geo.io.events import date_span
    from geo.web.filters import Filters

    first, last = date_span(events)
    query = {"start": first.isoformat(), "end": last.isoformat()}
    return query, expect_for(events, Filters.from_query(query))


def make_plans(events, sessions: int) -> list[Plan]:
    """Different windows and filters per session, spread over the data's whole time span."""
    import datetime as dt

    from geo.io.events import date_span
    from geo.web.filters import Filters, apply_filters

    first, last = date_span(events)
    countries = [c for c, _ in Counter(events["country"].dropna().astype(str)).most_common() if c]
    span_days = (last - first).days
    plans = []
    for i in range(sessions):
        # open: 8 weeks, starting at evenly spread days, one country (alternating)
        room = max(span_days - 56 - 14, 1)
        start = first + dt.timedelta(days=7 + (i * room) // max(sessions, 1))
        end = start + dt.timedelta(days=55)
        open_query = {"start": start.isoformat(), "end": end.isoformat()}
        if countries:
            open_query["country"] = countries[i % len(countries)]
        if i % 3 == 2:
            open_query["precision"] = ["1", "2"]
        opened = Filters.from_query(open_query)
        step = 7 if i % 2 == 0 else -7
        weeked = opened.replace(start=opened.start + dt.timedelta(days=step), end=opened.end + dt.timedelta(days=step))
        # link: 13 weeks elsewhere in the record, another country (or none) and precisions
        other = (i * 7 + 3) % max(sessions, 1)
        room = max(span_days - 91 - 14, 1)
        start2 = first + dt.timedelta(days=10 + (other * room) // max(sessions, 1))
        link_query = {"start": start2.isoformat(), "end": (start2 + dt.timedelta(days=90)).isoformat()}
        if countries and i % 3:
            link_query["country"] = countries[(i + 1) % len(countries)]
        if PRECISION_SETS[i % 4]:
            link_query["precision"] = list(PRECISION_SETS[i % 4])
        linked = Filters.from_query(link_query)
        if linked.start < first or linked.end > last or weeked.start < first or weeked.end > last:
            raise ValueError(f"session {i}: a window reaches past the data ({first}..{last})")
        # filter: a common place of the linked view (so the search keeps some, not all, of it)
        shown = apply_filters(events, linked)
        places = Counter(shown["location"].dropna().astype(str)).most_common()
        text = places[min(i % 3, len(places) - 1)][0] if places else "strike"
        plans.append(Plan(i, open_query, expect_for(events, opened), "week ▶" if step > 0 else "◀ week",
                          expect_for(events, weeked), link_query, expect_for(events, linked), text,
                          expect_for(events, linked.replace(text=text))))
    return plans


# ================================================================== one session in the browser

class StepFailed(Exception):
    pass


@dataclass
class SessionResult:
    session: int
    steps_done: int = 0
    step: str = "start"
    times: list = field(default_factory=list)       # (kind, seconds, detail)
    errors: list = field(default_factory=list)      # (step, message)
    aborted: list = field(default_factory=list)
    websockets: int = 0
    socket_opened: list = field(default_factory=list)  # when each Streamlit websocket opened (perf_counter)
    frames: list = field(default_factory=list)         # when each websocket frame from the server arrived
    milestones: list = field(default_factory=list)     # (kind, {milestone: seconds after the action})
    idle_waits: list = field(default_factory=list)  # seconds waited for the script to go idle before acting

    def error(self, message: str, step: str | None = None) -> None:
        self.errors.append((step or self.step, message))


def map_frame(page):
    for frame in page.frames[1:]:
        if "streamlit_folium" in frame.url:
            return frame
    return None


async def probe(target, js: str, timeout_s: float = 5.0):
    """What ``js`` answers in its probing form now, bounded (frame.evaluate has no timeout)."""
    try:
        handle = await target.wait_for_function(js, arg={"probe": True}, timeout=timeout_s * 1000)
        return await handle.json_value()
    except Exception as exc:
        return f"no answer ({type(exc).__name__})"


async def wait_showing(page, want: Expect, deadline: float) -> None:
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    try:
        await page.wait_for_function(SHOWING_JS, arg={"head": want.head, "tail": want.tail, "probe": False},
                                     timeout=max(deadline - time.perf_counter(), 0.001) * 1000, polling=50)
    except PlaywrightTimeout:
        seen = await probe(page, SHOWING_JS)
        raise StepFailed(f"'{want.head} · {want.tail}' not shown in time; the page shows {seen}") from None


async def wait_drawn(page, want: Expect, deadline: float) -> None:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            frame = map_frame(page)
            seen = await probe(frame, DRAWN_JS) if frame else "no map iframe"
            raise StepFailed(f"map not drawn with {want.drawn} events in time; the iframe shows {seen}")
        frame = map_frame(page)
        if frame is None:
            await asyncio.sleep(0.05)
            continue
        try:
            await frame.wait_for_function(DRAWN_JS, arg={"expected": want.drawn, "probe": False},
                                          timeout=max(remaining, 0.001) * 1000, polling=50)
            return
        except PlaywrightTimeout:
            continue  # the loop reports it
        except PlaywrightError:  # the iframe was replaced or detached mid-wait: look again
            await asyncio.sleep(0.05)


async def wait_result(page, want: Expect, deadline: float) -> None:
    await wait_showing(page, want, deadline)
    await wait_drawn(page, want, deadline)


async def settle(page, rec: SessionResult, deadline: float, forget: bool) -> None:
    """Before an in-page action (not timed): the script idle, and the drawn flag cleared if a redraw is due."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    started = time.perf_counter()
    try:
        await page.wait_for_function(SCRIPT_STATE_JS, arg={"probe": False},
                                     timeout=max(deadline - time.perf_counter(), 0.001) * 1000, polling=50)
    except PlaywrightTimeout:
        raise StepFailed(f"the page never went idle before acting ({await probe(page, SCRIPT_STATE_JS)})") from None
    rec.idle_waits.append(time.perf_counter() - started)
    if forget:
        frame = map_frame(page)
        if frame is None:
            raise StepFailed("no map iframe before acting")
        await asyncio.wait_for(frame.evaluate(FORGET_JS), timeout=10)


async def probe_text(locator, timeout_s: float = 5.0) -> str:
    try:
        return (await locator.inner_text(timeout=timeout_s * 1000)).strip()
    except Exception as exc:
        return f"(unreadable: {type(exc).__name__})"


def check_geojson(path: Path, shown_on_page: int, want: Expect) -> None:
    import geojson_validator

    geojson_validator.configure_logging(enabled=False)
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("type") != "FeatureCollection":
        raise StepFailed(f"the download is not a FeatureCollection (type {data.get('type')!r})")
    problems = geojson_validator.validate_structure(data, check_crs=True)
    if problems:
        raise StepFailed(f"the download is not valid GeoJSON: {str(problems)[:300]}")
    checked = geojson_validator.validate_geometries(data)
    if checked.get("invalid"):
        raise StepFailed(f"the download has invalid geometries: {str(checked['invalid'])[:300]}")
    features = data["features"]
    if len(features) != shown_on_page:
        raise StepFailed(f"the download has {len(features)} features, the page shows {shown_on_page}")
    ids = frozenset(str(f["properties"]["event_id_cnty"]) for f in features)
    if ids != want.ids:
        raise StepFailed(f"the download's events differ from the expected ones: {len(ids - want.ids)} extra, "
                         f"{len(want.ids - ids)} missing")


def playwright_message(exc: Exception) -> str:
    """The first line of a Playwright error and the last line of its call log (why it kept retrying)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip().strip("=")]
    first = lines[0][:300] if lines else ""
    last = lines[-1][:200] if len(lines) > 1 else ""
    return f"{type(exc).__name__}: {first}" + (f" (last: {last})" if last and last != first else "")


def link(base: str, query: dict) -> str:
    return f"{base}/?{urllib.parse.urlencode(query, doseq=True)}"


async def fence(context, base: str, rec: SessionResult) -> None:
    """Abort every request not to the app. A regular expression with a negative look-ahead, matched in the
    browser's driver: the app's own requests are not routed through Python at all."""
    port = base.rsplit(":", 1)[-1]
    allowed = "|".join(re.escape(p) for p in (f"http://127.0.0.1:{port}/", f"http://localhost:{port}/",
                                               "data:", "blob:", "about:"))

    async def route(route):
        rec.aborted.append((rec.step, route.request.url))
        await route.abort()

    await context.route(re.compile(f"^(?!(?:{allowed}))"), route)


async def run_session(browser, base: str, plan: Plan, opts, rec: SessionResult, downloads: Path,
                      start_delay: float) -> None:
    from playwright.async_api import Error as PlaywrightError

    if start_delay:
        await asyncio.sleep(start_delay)
    limit = opts.timeout
    context = None
    try:
        context = await asyncio.wait_for(browser.new_context(viewport=VIEWPORT, accept_downloads=True), limit)
        await fence(context, base, rec)
        page = await context.new_page()
        page.set_default_timeout(limit * 1000)
        page.on("pageerror", lambda exc: rec.error(f"page error: {str(exc)[:300]}"))
        page.on("console", lambda msg: rec.error(f"console error: {msg.text[:300]} ({msg.location.get('url')})")
                if msg.type == "error" else None)

        def socket(ws):
            rec.websockets += 1
            rec.socket_opened.append(time.perf_counter())
            ws.on("framereceived", lambda _payload: rec.frames.append(time.perf_counter()))

        page.on("websocket", socket)

        async def step(kind: str, act, prepare=None) -> bool:
            rec.step = kind
            try:
                if prepare is not None:
                    await asyncio.wait_for(prepare(time.perf_counter() + limit), limit + 15)
                started = time.perf_counter()
                detail = await asyncio.wait_for(act(started + limit), limit + 15)
                seconds = time.perf_counter() - started
            except StepFailed as exc:
                rec.error(str(exc), kind)
                return False
            except TimeoutError:  # asyncio.wait_for's
                rec.error(f"no answer in {limit + 15:.0f} s (hard step limit)", kind)
                return False
            except PlaywrightError as exc:
                rec.error(playwright_message(exc), kind)
                return False
            rec.times.append((kind, seconds, detail))
            ended = started + seconds
            frames = [t - started for t in rec.frames if started <= t <= ended]
            opened = [t - started for t in rec.socket_opened if started <= t <= ended]
            if opened:  # a page load: only the new page's messages (the old page's may still be arriving)
                frames = [t for t in frames if t >= opened[0]]
            rec.milestones.append((kind, {"socket": opened[0] if opened else None,
                                          "first frame": frames[0] if frames else None,
                                          "last frame": frames[-1] if frames else None}))
            rec.steps_done += 1
            if opts.verbose:
                say(f"  s{plan.session:02d} {kind:<6} {seconds:6.2f} s  {detail or ''}")
            return True

        async def do_open(deadline):
            await page.goto(link(base, plan.open_query), wait_until="commit", timeout=limit * 1000)
            await wait_result(page, plan.open, deadline)
            return f"{plan.open.shown} shown"

        async def prepare_week(deadline):
            await settle(page, rec, deadline, forget=plan.week.ids != plan.open.ids)

        async def do_week(deadline):
            await page.get_by_role("button", name=plan.week_button).click()
            await wait_result(page, plan.week, deadline)
            return f"{plan.week_button}: {plan.week.shown} shown"

        async def do_link(deadline):
            await page.goto(link(base, plan.link_query), wait_until="commit", timeout=limit * 1000)
            await wait_result(page, plan.link, deadline)
            return f"{plan.link.shown} shown"

        async def prepare_filter(deadline):
            await settle(page, rec, deadline, forget=plan.filter.ids != plan.link.ids)

        async def do_filter(deadline):
            box = page.get_by_role("textbox", name="Search places, actors and notes")
            await box.fill(plan.text)
            await box.press("Enter")
            await wait_result(page, plan.filter, deadline)
            return f"q={plan.text!r}: {plan.filter.shown} shown"

        shown_on_page: list[int] = []

        async def prepare_export(deadline):
            await settle(page, rec, deadline, forget=False)
            seen = await probe(page, SHOWING_JS)
            match = re.match(r"Showing (\d+) of", (seen or {}).get("text") or "") if isinstance(seen, dict) else None
            if not match:
                raise StepFailed(f"no 'Showing N of M' line before the export ({seen})")
            shown_on_page.append(int(match.group(1)))

        saved = downloads / f"session_{plan.session:02d}.geojson"

        async def do_export(deadline):
            # The download, or the error the button shows instead (a deferred download that failed on the
            # server shows it under the button for 5 s and starts no download): whichever comes first.
            error_box = page.locator('[data-testid="stDownloadButtonError"]').first
            got = asyncio.ensure_future(page.wait_for_event("download", timeout=limit * 1000))
            refused = asyncio.ensure_future(error_box.wait_for(state="visible", timeout=limit * 1000))
            try:
                prepare = page.get_by_role("button", name=PREPARE_LABEL)
                if await prepare.count():
                    await prepare.click()
                button = page.get_by_role("button", name=DOWNLOAD_LABEL)
                await button.wait_for(state="visible", timeout=max(deadline - time.perf_counter(), 0.001) * 1000)
                await button.click()
                await asyncio.wait({got, refused}, timeout=max(deadline - time.perf_counter(), 0.001),
                                   return_when=asyncio.FIRST_COMPLETED)
                if not got.done() and refused.done() and refused.exception() is None:
                    text = await probe_text(error_box)
                    raise StepFailed(f"no download; the button says {text!r}")
                if not got.done():
                    await asyncio.wait({got}, timeout=max(deadline - time.perf_counter(), 0.001))
                if not got.done():
                    raise StepFailed("no download started in time")
                download = got.result()
            finally:
                for task in (got, refused):
                    task.cancel()
                await asyncio.gather(got, refused, return_exceptions=True)
            if not download.suggested_filename.endswith(".geojson"):
                raise StepFailed(f"the download is named {download.suggested_filename!r}, not *.geojson")
            failure = await download.failure()
            if failure:
                raise StepFailed(f"the download failed in the browser ({failure}): {download.url[len(base):]}")
            await download.save_as(saved)
            return f"{saved.stat().st_size / 1e3:.0f} kB"

        ok = (await step("open", do_open)
              and await step("week", do_week, prepare_week)
              and await step("link", do_link)
              and await step("filter", do_filter, prepare_filter)
              and await step("export", do_export, prepare_export))
        if ok:
            rec.step = "export (file check)"
            try:
                await asyncio.to_thread(check_geojson, saved, shown_on_page[0], plan.filter)
            except StepFailed as exc:
                rec.error(str(exc))
            except Exception as exc:
                rec.error(f"the download could not be read: {type(exc).__name__}: {exc}")
        rec.step = "end"
    except asyncio.CancelledError:
        rec.error("cancelled: the whole run's deadline passed")
        raise
    except Exception as exc:  # anything else is an error of this session, never of the others
        rec.error(f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}")
    finally:
        try:
            if context is not None:
                await asyncio.wait_for(context.close(), 30)
        except Exception as exc:
            rec.error(f"closing the context: {type(exc).__name__}", "close")


# ================================================================== the run

async def drive(base: str, plans: list[Plan], warm_view: tuple[dict, Expect], opts, sampler: Sampler,
                downloads: Path) -> dict:
    from playwright.async_api import async_playwright

    out: dict = {"records": [SessionResult(p.session) for p in plans]}
    async with async_playwright() as pw:
        browser = await asyncio.wait_for(
            pw.chromium.launch(executable_path=browser_executable(opts, downloads), args=CHROMIUM_ARGS, headless=True,
                               timeout=60_000), 90)
        try:
            # Warm-up (not counted): one page, so the server has loaded and published the events once.
            sampler.begin("warm-up")
            warm = SessionResult(-1)
            started = time.perf_counter()
            context = None
            try:
                context = await asyncio.wait_for(browser.new_context(viewport=VIEWPORT), opts.timeout)
                await fence(context, base, warm)
                page = await context.new_page()
                page.set_default_timeout(opts.timeout * 1000)
                query, want = warm_view
                await page.goto(link(base, query), wait_until="commit", timeout=opts.timeout * 1000)
                await asyncio.wait_for(wait_result(page, want, started + opts.timeout), opts.timeout + 15)
                out["warm"] = time.perf_counter() - started
                out["warm_shown"] = want.shown
            except Exception as exc:
                out["warm_error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0][:300] if str(exc) else ''}"
            finally:
                if context is not None:
                    await asyncio.wait_for(context.close(), 30)
            sampler.end()
            if "warm_error" in out:
                return out

            sampler.begin("sessions")
            started = time.perf_counter()
            spread = opts.ramp / max(len(plans) - 1, 1) if opts.ramp else 0.0
            tasks = [asyncio.create_task(run_session(browser, base, plan, opts, rec, downloads, i * spread))
                     for i, (plan, rec) in enumerate(zip(plans, out["records"]))]
            overall = opts.ramp + len(STEP_KINDS) * (2 * opts.timeout + 30) + 60
            _done, pending = await asyncio.wait(tasks, timeout=overall)
            for task in pending:
                task.cancel()
            if pending:
                out["overall_timeout"] = overall
                await asyncio.wait(pending, timeout=60)
            out["sessions_wall"] = time.perf_counter() - started
            sampler.end()
        finally:
            try:
                await asyncio.wait_for(browser.close(), 60)
            except Exception as exc:
                out["browser_close_error"] = f"{type(exc).__name__}: {exc}"
                kill_browser_processes(sampler.server)
    return out


def browser_executable(opts, folder: Path) -> str:
    """Chromium, or with --nice-browser a wrapper that runs it at nice 19 (every process it starts inherits
    that), so the server gets the CPU first and what is left of the response times is the browser's."""
    if not opts.nice_browser:
        return CHROMIUM
    wrapper = folder / "chromium-nice"
    wrapper.write_text(f'#!/bin/sh\nexec nice -n 19 "{CHROMIUM}" "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


def kill_browser_processes(server: int) -> None:
    """Last resort when the browser does not close: SIGKILL, by pid, the processes this script started
    (every descendant but the server, which tests/appserver.py stops)."""
    table = proc_table()
    ours = descendants(table, os.getpid()) - descendants(table, server) - {os.getpid()}
    for pid in ours:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


# ================================================================== report

def quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile (p95 of 20 values is the 19th smallest)."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def fmt_s(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.2f} s"


def fmt_mb(value: int) -> str:
    return f"{value / 2**20:.0f} MiB"


def report(out: dict, plans: list[Plan], opts, sampler: Sampler, path: Path, total_events: int,
           server_start: float) -> bool:
    records: list[SessionResult] = out["records"]
    say("")
    say("==================== report ====================")
    say(f"machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable by this process), "
        f"{memory_total() / 2**30:.1f} GiB memory")
    say(f"data: {path} ({total_events:,} events); server started in {server_start:.1f} s; "
        f"warm-up page load (the whole record, {out.get('warm_shown', '?')} events) {fmt_s(out.get('warm'))}")
    if out.get("warm_error"):
        say(f"WARM-UP FAILED: {out['warm_error']}")
    failed = [r for r in records if r.errors or r.steps_done < len(STEP_KINDS)]
    steps_done = sum(r.steps_done for r in records)
    say(f"sessions: {len(records)} concurrent in one Chromium (one context each"
        f"{'; Chromium at nice 19' if opts.nice_browser else ''}), "
        f"{'all started at once' if not opts.ramp else f'started over {opts.ramp:.0f} s'}; "
        f"wall time {fmt_s(out.get('sessions_wall'))}")
    say(f"steps done: {steps_done} of {len(records) * len(STEP_KINDS)}; sessions completed without error: "
        f"{len(records) - len(failed)} of {len(records)}")
    errors = [(r.session, step, message) for r in records for step, message in r.errors]
    aborted = [(r.session, step, url) for r in records for step, url in r.aborted]
    say(f"errors: {len(errors) + len(aborted)}" + ("" if errors or aborted else " (none)"))
    for session, step, message in errors:
        say(f"  session {session:2d}, step {step}: {message}")
    for session, step, url in aborted:
        say(f"  session {session:2d}, step {step}: request outside the app aborted: {url[:200]}")
    if out.get("overall_timeout"):
        say(f"  the whole run's deadline ({out['overall_timeout']:.0f} s) passed: unfinished sessions cancelled")
    if out.get("browser_close_error"):
        say(f"  the browser did not close ({out['browser_close_error']}): its processes were killed")

    say("")
    say("response time per step (action -> expected result visible; export: -> file saved), "
        "over the sessions that did the step:")
    say(f"  {'step':<8} {'n':>3} {'median':>9} {'p95':>9} {'max':>9}  slowest")
    for kind in STEP_KINDS:
        times = [(seconds, r.session, detail) for r in records for k, seconds, detail in r.times if k == kind]
        if not times:
            say(f"  {kind:<8} {0:>3} {'-':>9} {'-':>9} {'-':>9}")
            continue
        values = [t[0] for t in times]
        slowest = max(times)
        say(f"  {kind:<8} {len(values):>3} {fmt_s(statistics.median(values)):>9} {fmt_s(quantile(values, 0.95)):>9} "
            f"{fmt_s(max(values)):>9}  session {slowest[1]} ({slowest[2]})")
    every = [(seconds, r.session, kind) for r in records for kind, seconds, _ in r.times]
    if every:
        worst = max(every)
        say(f"  slowest response of all: {fmt_s(worst[0])} (session {worst[1]}, {worst[2]})")
    idle = [w for r in records for w in r.idle_waits]
    if idle:
        say(f"  (not timed: waits for the script to go idle before week/filter/export, median {fmt_s(statistics.median(idle))}, "
            f"max {fmt_s(max(idle))})")
    say("  where the time goes, medians in s after the action (Playwright's clock: events reach it late "
        "when the machine is busy):")
    say(f"    {'step':<8} {'socket open':>11} {'1st frame':>10} {'last frame':>11} {'visible':>8}   "
        "(frames: websocket messages from the server up to the visible result)")
    for kind in STEP_KINDS:
        rows = [m for r in records for k, m in r.milestones if k == kind]
        visible = [seconds for r in records for k, seconds, _ in r.times if k == kind]
        if not rows:
            continue

        def med(name, rows=rows):
            values = [m[name] for m in rows if m[name] is not None]
            return f"{statistics.median(values):.2f}" if values else "-"

        say(f"    {kind:<8} {med('socket'):>11} {med('first frame'):>10} {med('last frame'):>11} "
            f"{statistics.median(visible):>8.2f}")
    shown = [(p.open.shown, p.week.shown, p.link.shown, p.filter.shown) for p in plans]
    say(f"  events shown per session (open, week, link, filter): median "
        f"{', '.join(str(int(statistics.median(col))) for col in zip(*shown))}; "
        f"max {', '.join(str(max(col)) for col in zip(*shown))}")

    say("")
    say("server and browser (sampled from /proc every 0.2 s):")
    for phase in (sampler.phases if sampler else []):
        wall = phase.wall()
        busy = phase.machine_busy()
        say(f"  {phase.name}: {wall:.1f} s, {phase.samples} samples"
            + (" (one page load alone: what a page costs the browser and the server)" if phase.name == "warm-up" else ""))
        say(f"    server (streamlit + children): peak RSS {fmt_mb(phase.server_peak_rss)} "
            f"(at {phase.server_peak_at:.1f} s), peak threads {phase.server_peak_threads}, "
            f"CPU {phase.cpu_seconds('server'):.1f} s = {phase.cpu_seconds('server') / wall:.2f} cores on average"
            + (f", {busiest:.2f} in its busiest 10 s" if (busiest := phase.server_busiest()) is not None else ""))
        say(f"    browser (Playwright driver + Chromium, RSS summed over processes): peak {fmt_mb(phase.browser_peak_rss)}, "
            f"CPU {phase.cpu_seconds('browser'):.1f} s = {phase.cpu_seconds('browser') / wall:.2f} cores on average")
        driver = phase.cpu_seconds("driver")
        say(f"    this script (Playwright's async client, checks): CPU {driver:.1f} s = {driver / wall:.2f} cores")
        other = phase.cpu_seconds("other")
        say(f"    other processes on the machine (not this run's): CPU {other:.1f} s = {other / wall:.2f} cores")
        if busy is not None:
            rest = (busy * os.cpu_count() * wall - phase.cpu_seconds("server") - phase.cpu_seconds("browser")
                    - driver - other)
            say(f"    machine: CPUs busy {busy * 100:.0f} % of {os.cpu_count()} over the phase "
                f"({busy * os.cpu_count():.2f} cores; {rest:.1f} s CPU not seen above: the kernel, processes "
                f"that came and went between samples)")
    if sampler and sampler.error:
        say(f"  sampler error: {sampler.error}")
    say(f"  Streamlit websockets opened: {sum(r.websockets for r in records)} (2 page loads a session); "
        f"sessions with a reconnect: {sum(1 for r in records if r.websockets > 2)}")
    peak = max((p.server_peak_rss for p in (sampler.phases if sampler else [])), default=0)
    say("")
    say(f"summary: {len(records)} sessions, {steps_done} steps, {len(errors) + len(aborted)} errors, "
        f"slowest response {fmt_s(worst[0]) if every else '-'}, server peak RSS {fmt_mb(peak)}, "
        f"{os.cpu_count()} CPUs")
    return not failed and not aborted and not out.get("warm_error")


def memory_total() -> int:
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20, help="concurrent sessions (default 20)")
    parser.add_argument("--size", type=int, default=10_000,
                        help="synthetic events (data/build/bench/events_<size>_seed7.csv; default 10000)")
    parser.add_argument("--events", type=Path, help="an events file instead of the synthetic one")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per step (default 180)")
    parser.add_argument("--ramp", type=float, default=0.0,
                        help="spread the sessions' starts over this many seconds (default 0: all at once)")
    parser.add_argument("--app", default="dashboard.py",
                        help="the Streamlit script to serve (default dashboard.py; e.g. a patched copy to compare)")
    parser.add_argument("--nice-browser", action="store_true",
                        help="run Chromium at nice 19, so the server is not starved of CPU by the browser on the "
                             "same machine (a diagnostic: the server's own share of the response times)")
    parser.add_argument("--verbose", action="store_true", help="print every step as it is done")
    opts = parser.parse_args(argv)
    if opts.sessions < 1:
        parser.error("--sessions must be at least 1")
    if not Path(CHROMIUM).exists():
        say(f"chromium not found at {CHROMIUM}: install it (`make chromium`) or set STRIKEMAP_CHROMIUM")
        return 2

    import appserver

    from geo.io.events import load_events

    if opts.events:
        path = opts.events.resolve()
    else:
        # the cached synthetic file, regenerated when the generator changed
        from map_scale import events_file

        path = events_file(opts.size, SEED)
    events = load_events(path)
    plans = make_plans(events, opts.sessions)
    say(f"bench/load_sessions.py: {opts.sessions} sessions of {opts.app} on {path.name} ({len(events):,} events), "
        f"--timeout {opts.timeout:.0f} s per step")

    started = time.perf_counter()
    sampler = None
    out: dict = {"records": []}
    server_start = 0.0
    downloads = Path(tempfile.mkdtemp(prefix="strikemap-load-"))
    try:
        with appserver.streamlit_server(path, app=opts.app) as base:
            server_start = time.perf_counter() - started
            pid = server_pid()
            if pid is None:
                say("could not find the streamlit process among this script's children")
                return 2
            sampler = Sampler(pid)
            sampler.start()
            say(f"server: {base} (pid {pid}), up in {server_start:.1f} s; warming up, then "
                f"{opts.sessions} sessions ...")
            try:
                out = asyncio.run(drive(base, plans, warm_up_view(events), opts, sampler, downloads))
            except Exception as exc:
                out.setdefault("records", [])
                out["warm_error"] = f"{type(exc).__name__}: {exc}"
                traceback.print_exc()
            finally:
                sampler.stop()
    finally:
        shutil.rmtree(downloads, ignore_errors=True)
    if not out.get("records"):
        out["records"] = [SessionResult(p.session, errors=[("start", "never ran")]) for p in plans]
    ok = report(out, plans, opts, sampler, path, len(events), server_start)
    say("bench/load_sessions.py: done" + ("" if ok else " (FAILED: see the errors above)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
