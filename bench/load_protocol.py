"""How many sessions one strikemap server holds, measured without a browser: clients that speak Streamlit's
own WebSocket protocol (protobuf BackMsg / ForwardMsg over /_stcore/stream), so no page is rendered and
the browser's CPU is not in the figure.

    .venv/bin/python bench/load_protocol.py                       # 10,000 events; 1-5, 10, 25, 50 sessions
    .venv/bin/python bench/load_protocol.py --events 100000 --levels 1,10,50

Not a pytest test. One `streamlit run dashboard.py` (tests/appserver.py) on the synthetic events of
bench/synthetic_events.py (data/build/bench/, as bench/map_scale.py). At each concurrency level, that many
sessions at once, each a WebSocket client doing what a person's browser asks of the server:

1. link: open the page from a link (a new session; a rerun with the link's query string: a date window
   and a country), until the script run ends, then the map's report that it has drawn (the st_folium
   component's value, as the browser's map sends it), until the whole page has run;
2. filter: type a word into "Search places, actors and notes" (the widget's value sent, as the browser does);
3. week: press `week ▶` (a trigger);
4. export: on the page of the filtered view's link (a second page of the session's person: this client
   sends only the widget values it changed, and after a typed filter the prepared file is then not offered;
   a browser sends every widget's value), press "Prepare download", then fetch the prepared GeoJSON from
   the server's media URL and check it: valid JSON, as many features as the page's "Showing N".

The latency of a step is from the message sent to the end of the script run it causes (the last
ForwardMsg ``script_finished`` with success, reruns included). Errors: an exception on the page, a run that
ends otherwise, a timeout, a wrong export. Printed: per level and step median / p95 / max, errors, server
peak RSS and CPU (from /proc), and sessions per core: the largest level whose p95 over every step is under
1 s, divided by the machine's cores. The machine is shared: its load is printed beside each level.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
STEPS = ("link", "filter", "week", "export")
LINK = "start=2021-01-01&end=2021-06-30&country=Syria"
SEARCH_WORD = "drone"


def load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


class PageError(Exception):
    pass


class Session:
    """One browser tab's worth of protocol: a WebSocket, the widgets the page showed, the last run's text."""

    def __init__(self, base: str, timeout: float):
        self.base = base
        self.ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.timeout = timeout
        self.widgets: dict[str, object] = {}  # label -> element proto (button, text_input, download_button)
        self.texts: list[str] = []
        self.exceptions: list[str] = []
        self.query = ""
        self.values: dict[str, object] = {}  # widget id -> WidgetState: what this client typed, sent each time
        self.map_id: str | None = None  # the st_folium component's widget id

    async def __aenter__(self):
        import websockets

        # No keep-alive pings: on a loaded machine a pong can come late, and the step's own timeout judges.
        self.ws = await websockets.connect(self.ws_url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=self.timeout, ping_interval=None, ping_timeout=None,
                                           close_timeout=10)
        return self

    async def __aexit__(self, *exc):
        await self.ws.close()

    async def run(self, widget_states=None) -> None:
        """Send a rerun (with these widget states) and read until a script run ends with success."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = self.query
        if widget_states is not None:
            msg.rerun_script.widget_states.CopyFrom(widget_states)
        await self.ws.send(msg.SerializeToString())
        self.texts, self.exceptions = [], []
        deadline = time.monotonic() + self.timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no end of the script run")
            data = await asyncio.wait_for(self.ws.recv(), remaining)
            forward = ForwardMsg()
            forward.ParseFromString(data)
            kind = forward.WhichOneof("type")
            if kind == "delta":
                self._delta(forward.delta)
            elif kind == "page_info_changed":
                self.query = forward.page_info_changed.query_string
            elif kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(forward.script_finished)
                if status == "FINISHED_EARLY_FOR_RERUN":
                    continue  # st.rerun(): the next run follows
                if status not in ("FINISHED_SUCCESSFULLY", "FINISHED_FRAGMENT_RUN_SUCCESSFULLY"):
                    raise PageError(status)
                if status == "FINISHED_SUCCESSFULLY":
                    if self.exceptions:
                        raise PageError("exception on the page: " + self.exceptions[0])
                    return

    def _delta(self, delta) -> None:
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind in ("button", "text_input", "download_button"):
            self.widgets[getattr(element, kind).label] = getattr(element, kind)
        elif kind == "component_instance":
            self.map_id = element.component_instance.id
        elif kind == "markdown":
            self.texts.append(element.markdown.body)
        elif kind == "exception":
            self.exceptions.append(f"{element.exception.type}: {element.exception.message[:200]}")

    def widget(self, pattern: str):
        for label, proto in self.widgets.items():
            if re.fullmatch(pattern, label):
                return proto
        raise PageError(f"no widget labelled {pattern!r} on the page")

    async def trigger(self, pattern: str) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        states = WidgetStates()
        for kept in self.values.values():  # as a browser does: every value the page holds, with the press
            states.widgets.add().CopyFrom(kept)
        state = states.widgets.add()
        state.id = self.widget(pattern).id
        state.trigger_value = True
        await self.run(states)

    async def type_text(self, pattern: str, text: str) -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        states = WidgetStates()
        state = states.widgets.add()
        state.id = self.widget(pattern).id
        state.string_value = text
        self.values[state.id] = state
        for kept in self.values.values():
            if kept is not state:
                states.widgets.add().CopyFrom(kept)
        await self.run(states)

    async def map_drawn(self) -> None:
        """What the browser's map sends once drawn: its view, as the st_folium component's value. A page's first
        run sends the map first and the rest once the map has reported (``PageState.first_draw``)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        if self.map_id is None:
            raise PageError("no map on the page")
        states = WidgetStates()
        state = states.widgets.add()
        state.id = self.map_id
        state.json_value = json.dumps({"center": {"lat": 34.5, "lng": 41.0}, "zoom": 6,
                                       "last_object_clicked_tooltip": None})
        self.values[state.id] = state
        await self.run(states)

    def showing(self) -> int:
        for text in self.texts:
            found = re.search(r"Showing ([\d,]+) of", text)
            if found:
                return int(found.group(1).replace(",", ""))
        raise PageError('no "Showing N of M" on the page')


async def one_session(base: str, timeout: float, times: dict, errors: list) -> None:
    step = "link"
    try:
        session = Session(base, timeout)
        session.query = LINK
        async with session:
            clock = time.perf_counter()
            await session.run()
            await session.map_drawn()  # the rest of the page comes once the map has drawn
            times["link"].append(time.perf_counter() - clock)
            step = "filter"
            clock = time.perf_counter()
            await session.type_text("Search places, actors and notes", SEARCH_WORD)
            times["filter"].append(time.perf_counter() - clock)
            step = "week"
            clock = time.perf_counter()
            await session.trigger("week ▶")
            times["week"].append(time.perf_counter() - clock)
        # The export, from the link of the filtered view (see the module docstring on why a second page).
        step = "export"
        exporter = Session(base, timeout)
        exporter.query = f"{LINK}&q={SEARCH_WORD}"
        async with exporter:
            await exporter.run()
            await exporter.map_drawn()
            shown = exporter.showing()
            clock = time.perf_counter()
            await exporter.trigger(r"Prepare download .*")
            url = exporter.widget(r"Download shown events .*").url
            body = await asyncio.to_thread(lambda: urllib.request.urlopen(base + url, timeout=timeout).read())
            times["export"].append(time.perf_counter() - clock)
            features = json.loads(body)["features"]
            if len(features) != shown:
                raise PageError(f"export holds {len(features)} features, the page shows {shown}")
    except Exception as exc:  # every failure is counted, by step
        errors.append(f"{step}: {type(exc).__name__}: {str(exc)[:160]}")


def proc_stats(pid: int) -> tuple[float, float]:
    """(peak RSS in MB, CPU seconds) of a process, from /proc."""
    peak = 0.0
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) / 1024
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return peak, (int(fields[11]) + int(fields[12])) / ticks


def quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return f"median {statistics.median(ordered):.2f} s, p95 {p95:.2f} s, max {ordered[-1]:.2f} s"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else float("inf")


async def level(base: str, sessions: int, timeout: float) -> tuple[dict, list]:
    times = {step: [] for step in STEPS}
    errors: list[str] = []
    await asyncio.gather(*(one_session(base, timeout, times, errors) for _ in range(sessions)))
    return times, errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10000, help="synthetic events in the file")
    parser.add_argument("--levels", default="1,2,3,4,5,10,25,50", help="concurrent sessions, comma-separated")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per step")
    parser.add_argument("--seed", type=int, default=7)
    opts = parser.parse_args(argv)
    sys.path.insert(0, str(BENCH))
    sys.path.insert(0, str(ROOT / "tests"))
    import appserver
    from map_scale import events_file

    path = events_file(opts.events, opts.seed)
    print(f"strikemap protocol load bench: {opts.events:,} events; CPUs {os.cpu_count()}; {load()}; "
          f"{time.strftime('%H:%M UTC', time.gmtime())}", flush=True)
    env = dict(os.environ, PYTHONUNBUFFERED="1", STRIKEMAP_EVENTS=str(path))
    proc, base = appserver._start(ROOT / "dashboard.py", env, appserver.free_port())  # its pid: memory and CPU
    if proc.returncode is not None:
        print(f"streamlit exited with code {proc.returncode}")
        return 1
    best = 0
    total_errors = 0
    try:
        clock = time.perf_counter()
        warm_times, warm_errors = asyncio.run(level(base, 1, opts.timeout * 4))  # reads the file once
        print(f"warm-up session: {time.perf_counter() - clock:.1f} s, errors {warm_errors or 0}", flush=True)
        for sessions in [int(x) for x in opts.levels.split(",") if x.strip()]:
            _, cpu_before = proc_stats(proc.pid)
            clock = time.perf_counter()
            times, errors = asyncio.run(level(base, sessions, opts.timeout))
            wall = time.perf_counter() - clock
            peak, cpu_after = proc_stats(proc.pid)
            every = [t for step in STEPS for t in times[step]]
            total_errors += len(errors)
            print(f"\n{sessions} sessions at once: {wall:.1f} s, {sum(map(len, times.values()))} of "
                  f"{sessions * len(STEPS)} steps done, errors {len(errors)}; server peak RSS {peak:.0f} MB, "
                  f"CPU {(cpu_after - cpu_before) / wall:.2f} cores on average  [{load()}]", flush=True)
            for step in STEPS:
                print(f"  {step:7s} {quantiles(times[step])}", flush=True)
            print(f"  all     {quantiles(every)}", flush=True)
            for error in errors[:5]:
                print(f"  error: {error}", flush=True)
            if not errors and p95(every) < 1.0:
                best = max(best, sessions)
    finally:
        appserver._stop(proc)
    cores = os.cpu_count() or 1
    print(f"\nsessions per core at p95 < 1 s (every step, no errors): {best / cores:g} "
          f"({best} sessions on {cores} cores); errors in all: {total_errors}  [{load()}]")
    print("bench/load_protocol.py: done")
    return 1 if total_errors else 0


if __name__ == "__main__":
    sys.exit(main())
