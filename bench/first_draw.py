"""Where the time goes between navigation and the first drawn event, on warm servers: the bundled data's
dashboard beside the floor (bench/bare_map_page.py: a bare Streamlit page with a three-marker Folium map).

Run with ``.venv/bin/python bench/first_draw.py [runs] [--events N]`` (not a pytest test; 5 runs by default;
``--events 100000``: the dashboard on N synthetic events, ``bench/synthetic_events.py``, written once under
data/build/bench/, its drawn signal the map's ``data-strikemap-drawn``, as SVG paths or canvas). Both servers
are warmed first, then loaded in turn, each time in a fresh headless Chromium context with every name but
127.0.0.1 unresolvable. For each page it prints the median of each milestone, in seconds from ``page.goto``:

* ``script``: the first message of the script run on the page's websocket, and the last one before the map
  draws (the server's share);
* ``chunks``: how many of Streamlit's lazily loaded JavaScript chunks the page fetched before the map's iframe
  existed, their bytes, and when the last of them arrived (each element type brings its own; the browser
  fetches six at a time from one server, and runs them on the thread the same-origin map iframe shares);
* ``iframe``: the map's iframe created; ``scripts``: its scripts all loaded (streamlit-folium loads them one
  after another); ``drawn``: the first drawn event (``path.strikemap-event``, or the bare page's three
  markers).

Then the difference of the medians. Say the machine's load (``uptime``, printed) beside any figure.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import appserver  # noqa: E402  (tests/appserver.py: starts `streamlit run` on a free port)

CHROMIUM = os.environ.get("STRIKEMAP_CHROMIUM") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"]
PAGES = {"dashboard": ("dashboard.py", "path.strikemap-event", 1),
         "bare": ("bench/bare_map_page.py", ".leaflet-marker-icon", 3)}
TIMELINE = """() => ({origin: performance.timeOrigin,
    resources: performance.getEntriesByType("resource").map(e => ({name: e.name, start: e.startTime,
        end: e.responseEnd, bytes: e.transferSize, kind: e.initiatorType}))})"""


def synthetic(n: int) -> Path:
    """bench/synthetic_events.py's N events as a CSV under data/build/bench/ (written once, the same every time)."""
    path = ROOT / "data" / "build" / "bench" / f"first-draw-{n}.csv"
    if not path.exists():
        sys.path.insert(0, str(ROOT / "bench"))
        from synthetic_events import make_events, write_events

        path.parent.mkdir(parents=True, exist_ok=True)
        write_events(make_events(n), str(path))
    return path


def one_load(browser, url: str, selector: str, count: int, timeout_s: float = 60) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        page = context.new_page()
        frames = []  # (seconds, bytes) received on the page's websocket
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(
            (time.time(), len(payload or b"")))))
        started = time.time()
        page.goto(url, wait_until="commit")
        drawn = None
        while time.time() - started < timeout_s and drawn is None:
            for frame in page.frames:
                try:
                    if frame.locator(selector).count() >= count:
                        drawn = time.time() - started
                        break
                except Exception:  # a frame detached mid-poll
                    continue
            time.sleep(0.01)
        if drawn is None:
            raise RuntimeError(f"{count} x {selector} not drawn in {timeout_s:.0f} s at {url}")
        main, inner = page.main_frame.evaluate(TIMELINE), None
        for frame in page.frames:
            if "/component/streamlit_folium" in frame.url:
                inner = frame.evaluate(TIMELINE)
        return milestones(started, drawn, frames, main, inner)
    finally:
        context.close()


def milestones(started: float, drawn: float, frames: list, main: dict, inner: dict | None) -> dict:
    def at(timeline: dict, ms: float) -> float:
        return timeline["origin"] / 1000 + ms / 1000 - started

    map_message = max(frames, key=lambda f: f[1])  # the map's HTML: the largest message of the run
    iframe = next((at(main, r["start"]) for r in main["resources"] if r["kind"] == "iframe"), float("nan"))
    chunks = [r for r in main["resources"] if "/static/js/" in r["name"] and at(main, r["start"]) < iframe
              and at(main, r["start"]) > 0.3]  # after the page's own bundle: chunks its elements asked for
    scripts = [at(inner, r["end"]) for r in inner["resources"]
               if r["kind"] == "script" and at(inner, r["end"]) <= drawn] if inner else []  # not those after it
    return {"first message": frames[0][0] - started if frames else float("nan"),
            "map message": map_message[0] - started,
            "chunks": len(chunks), "chunk kB": sum(r["bytes"] for r in chunks) / 1000,
            "last chunk": max((at(main, r["end"]) for r in chunks), default=float("nan")),
            "iframe": iframe, "scripts": max(scripts, default=float("nan")), "drawn": drawn}


def main() -> int:
    from playwright.sync_api import sync_playwright

    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", type=int, nargs="?", default=5)
    parser.add_argument("--events", type=int, default=None, help="N synthetic events instead of the bundled data")
    opts = parser.parse_args()
    runs, events_file = opts.runs, synthetic(opts.events) if opts.events else None
    if events_file:
        PAGES["dashboard"] = ("dashboard.py", "body[data-strikemap-drawn]", 1)
    print(f"first draw, where the time goes ({runs} runs each, in turn; events: {events_file or 'bundled'}); "
          f"load {os.getloadavg()}", flush=True)
    with appserver.streamlit_server(events_file, app=PAGES["dashboard"][0]) as ours, \
            appserver.streamlit_server(app=PAGES["bare"][0]) as bare, sync_playwright() as pw:
        bases = {"dashboard": ours, "bare": bare}
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            for name, (_, selector, count) in PAGES.items():  # warm: caches filled, files published
                one_load(browser, bases[name] + "/", selector, count, timeout_s=600)
            seen = {name: [] for name in PAGES}
            for _ in range(runs):
                for name, (_, selector, count) in PAGES.items():
                    seen[name].append(one_load(browser, bases[name] + "/", selector, count))
        finally:
            browser.close()
    medians = {name: {key: statistics.median(run[key] for run in seen[name]) for key in seen[name][0]}
               for name in PAGES}
    keys = list(medians["dashboard"])
    print(f"{'median':<14}" + "".join(f"{name:>12}" for name in PAGES) + f"{'difference':>12}")
    for key in keys:
        ours, floor = medians["dashboard"][key], medians["bare"][key]
        unit = "" if key in ("chunks", "chunk kB") else " s"
        print(f"{key:<14}" + f"{ours:>10.2f}{unit:2}" + f"{floor:>10.2f}{unit:2}" + f"{ours - floor:>+10.2f}{unit:2}")
    print(f"load after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
