"""strikemap's server at scale: cold start (a file never seen, then one seen before), warm reruns, exports.

    .venv/bin/python bench/cold_start.py                         # 10,000, 100,000 and 1,000,000 events
    .venv/bin/python bench/cold_start.py --sizes 100000          # one size

Not a pytest test; server time only (no browser: bench/map_scale.py draws in Chromium). For each size N,
synthetic events (bench/synthetic_events.py, the CSV bench/map_scale.py uses, data/build/bench/), each step
in a fresh Python process, so "cold" is a server that has just started (imports included):

1. first: dashboard.py's first script run (Streamlit's AppTest) with an empty parsed-events cache and no
   published map data: the file is read, validated, cached as GeoParquet and published for the map.
2. seen: a new process, the same file: its first script run, from the cache (geo.io.cache).
3. warm: in that process, the page again (a second visitor: st.cache_resource holds the events) and a
   `week ▶` step.
4. the naive way, measured beside, in its own process: a Streamlit page with Folium's FastMarkerCluster
   of every event through st_folium (pandas reads the CSV; AppTest, as ours), cold and warm, the way
   issue 13 compares cold starts against; and read_events without the cache (what every start cost before).
5. export of every event (ours: geo.io.export.export_bytes) as GeoJSON and GeoParquet, beside GeoJSON
   written feature by feature (GeoPandas' to_geo_dict + json.dumps, the way it was written before).

Each figure is printed with the machine's load (`uptime`): the machine is shared, so compare the ratios
of one run. Peak memory (RSS) of each process is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = sys.executable
RESULT = "COLD_START_RESULT "


def load() -> str:
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def say(text: str) -> None:
    print(text, flush=True)


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------ workers (one process each)

def worker_dashboard(events: str, warm: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    os.environ["STRIKEMAP_EVENTS"] = events
    started = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=1800)
    imported = time.perf_counter() - started
    app.run()
    result = {"first_run": time.perf_counter() - started, "imports": imported,
              "errors": [str(e.value)[:200] for e in app.exception],
              "showing": next((m.value for m in app.markdown if "Showing" in m.value), None)}
    if warm:
        again = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)  # a second visitor
        # ... opening a link to the first month of the data, so that "week ▶" can move the window
        import datetime as dt
        import re

        first = re.search(r"(\d{4}-\d\d-\d\d) to", result["showing"] or "")
        if first:
            start = dt.date.fromisoformat(first.group(1))
            again.query_params["start"] = start.isoformat()
            again.query_params["end"] = (start + dt.timedelta(days=30)).isoformat()
        clock = time.perf_counter()
        again.run()
        result["warm_run"] = time.perf_counter() - clock
        step = [b for b in again.button if b.label == "week ▶" and not b.disabled]
        if step:
            clock = time.perf_counter()
            step[0].click().run()
            result["week_step"] = time.perf_counter() - clock
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def fastmarkercluster_page():
    """The naive page, run by AppTest as a script: the CSV read with pandas (st.cache_data), Folium's
    FastMarkerCluster of every event (circle markers: no CDN icons), handed to st_folium."""
    import os

    import folium
    import pandas as pd
    import streamlit as st
    from folium.plugins import FastMarkerCluster
    from streamlit_folium import st_folium

    @st.cache_data
    def points(path):
        return pd.read_csv(path, usecols=["latitude", "longitude"]).dropna().to_numpy().tolist()

    fmap = folium.Map(location=[34.5, 41.0], zoom_start=6, tiles=None, max_zoom=18, maxZoom=18)
    callback = "function (row) { return L.circleMarker(new L.LatLng(row[0], row[1]), {radius: 4}); }"
    FastMarkerCluster(points(os.environ["STRIKEMAP_EVENTS"]), callback=callback).add_to(fmap)
    st_folium(fmap, returned_objects=[], height=560)


def worker_fastmarkercluster(events: str) -> dict:
    """FastMarkerCluster's server cold start, like for like: a Streamlit page through AppTest, as ours."""
    os.environ["STRIKEMAP_EVENTS"] = events
    started = time.perf_counter()
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_function(fastmarkercluster_page, default_timeout=1800)
    app.run()
    first = time.perf_counter() - started
    again = AppTest.from_function(fastmarkercluster_page, default_timeout=600)
    clock = time.perf_counter()
    again.run()
    return {"seconds": first, "warm": time.perf_counter() - clock, "errors": [str(e.value)[:200] for e in app.exception],
            "peak_rss_mb": peak_rss_mb()}


def worker_read(events: str) -> dict:
    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    from geo.io.read import read_events

    events_read, _ = read_events(events, on_bad_rows="skip")
    return {"seconds": time.perf_counter() - started, "rows": len(events_read), "peak_rss_mb": peak_rss_mb()}


def worker_export(events: str) -> dict:
    sys.path.insert(0, str(ROOT))
    from geo.io import export
    from geo.io.cache import read_events_cached

    table, _ = read_events_cached(events, on_bad_rows="skip")
    out = {"rows": len(table)}
    for fmt in ("geojson", "parquet"):
        clock, cpu = time.perf_counter(), time.process_time()
        data = export.export_bytes(table, fmt)[0]
        out[fmt] = {"seconds": time.perf_counter() - clock, "cpu": time.process_time() - cpu, "bytes": len(data)}
    clock, cpu = time.perf_counter(), time.process_time()
    naive = json.dumps(export._feature_collection(export._dates_as_text(export.to_wgs84(table))),
                       ensure_ascii=False, allow_nan=False, default=export._plain)
    out["geojson_feature_by_feature"] = {"seconds": time.perf_counter() - clock, "cpu": time.process_time() - cpu,
                                         "bytes": len(naive.encode("utf-8"))}
    return out


WORKERS = {"dashboard": lambda a: worker_dashboard(a.events, warm=False),
           "dashboard-warm": lambda a: worker_dashboard(a.events, warm=True),
           "fmc": lambda a: worker_fastmarkercluster(a.events), "read": lambda a: worker_read(a.events),
           "export": lambda a: worker_export(a.events)}


def run_worker(kind: str, events: Path, env: dict, timeout: float) -> dict:
    clock = time.perf_counter()
    try:
        done = subprocess.run([PYTHON, __file__, "--worker", kind, "--events", str(events)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout, "load": load()}
    for line in done.stdout.splitlines():
        if line.startswith(RESULT):
            result = json.loads(line[len(RESULT):])
            result["process_seconds"] = time.perf_counter() - clock
            result["load"] = load()
            return result
    return {"failed": (done.stderr or done.stdout)[-600:], "load": load()}


# ------------------------------------------------------------------ report

def s(value) -> str:
    return f"{value:.2f} s" if isinstance(value, (int, float)) else str(value)


def measure(n: int, opts) -> None:
    sys.path.insert(0, str(BENCH))
    from map_scale import events_file

    events = events_file(n, opts.seed)
    say(f"\n== N = {n:,} ({events.stat().st_size / 1e6:.0f} MB CSV) ==")
    cache = Path(tempfile.mkdtemp(prefix="strikemap-bench-cache-"))
    env = dict(os.environ, STRIKEMAP_CACHE_DIR=str(cache))
    published = ROOT / "static" / "cache" / "events"
    try:
        shutil.rmtree(published, ignore_errors=True)  # derived files: the first run publishes them again
        first = run_worker("dashboard", events, env, opts.timeout)
        say(f"first start (never seen): first page {s(first.get('first_run'))} "
            f"(imports {s(first.get('imports'))}), peak RSS {first.get('peak_rss_mb', 0):.0f} MB  [{first['load']}]"
            + (f"  errors {first['errors']}" if first.get("errors") else "") + (
                f"  FAILED {first}" if "first_run" not in first else ""))
        seen = run_worker("dashboard-warm", events, env, opts.timeout)
        say(f"start, file seen before: first page {s(seen.get('first_run'))} (imports {s(seen.get('imports'))}); "
            f"warm page {s(seen.get('warm_run'))}; week step {s(seen.get('week_step'))}; "
            f"peak RSS {seen.get('peak_rss_mb', 0):.0f} MB  [{seen['load']}]  {seen.get('showing') or ''}"
            + (f"  FAILED {seen}" if "first_run" not in seen else ""))
        naive_read = run_worker("read", events, env, opts.timeout)
        say(f"naive: read_events without the cache {s(naive_read.get('seconds'))}  [{naive_read['load']}]")
        fmc = run_worker("fmc", events, env, opts.timeout)
        say(f"naive: FastMarkerCluster page (Streamlit + st_folium) server cold start {s(fmc.get('seconds'))}, "
            f"warm page {s(fmc.get('warm'))}, peak RSS {fmc.get('peak_rss_mb', 0):.0f} MB  [{fmc['load']}]"
            + (f"  errors {fmc['errors']}" if fmc.get("errors") else "") + (f"  {fmc}" if "seconds" not in fmc else ""))
        if isinstance(first.get("first_run"), float) and isinstance(seen.get("first_run"), float):
            say(f"ratios: seen/first {first['first_run'] / seen['first_run']:.1f}x faster; "
                f"ours seen - FastMarkerCluster cold {seen['first_run'] - fmc.get('seconds', float('nan')):+.2f} s")
        if n <= opts.export_max:
            ex = run_worker("export", events, env, opts.timeout)
            if "geojson" in ex:
                g, p, naive = ex["geojson"], ex["parquet"], ex["geojson_feature_by_feature"]
                say(f"export of {ex['rows']:,} events: GeoJSON {s(g['seconds'])} (cpu {s(g['cpu'])}, "
                    f"{g['bytes'] / 1e6:.0f} MB), GeoParquet {s(p['seconds'])} (cpu {s(p['cpu'])}); GeoJSON feature by "
                    f"feature {s(naive['seconds'])} (cpu {s(naive['cpu'])}): {naive['cpu'] / g['cpu']:.1f}x  [{ex['load']}]")
            else:
                say(f"export: {ex}")
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="strikemap server cold start, warm reruns and exports at scale")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per step")
    parser.add_argument("--export-max", type=int, default=100000, help="largest size whose export is timed")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--events", help=argparse.SUPPRESS)
    opts = parser.parse_args(argv)
    if opts.worker:
        print(RESULT + json.dumps(WORKERS[opts.worker](opts)), flush=True)
        return 0
    say(f"strikemap cold start bench; CPUs {os.cpu_count()}; {load()}; {time.strftime('%H:%M UTC', time.gmtime())}")
    for n in [int(x) for x in opts.sizes.split(",") if x.strip()]:
        measure(n, opts)
    say(f"\nbench/cold_start.py: done; {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
