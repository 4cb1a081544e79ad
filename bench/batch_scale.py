"""Batch scaling: the single-process library calls beside `python -m geo batch` on one and two workers.

    .venv/bin/python bench/batch_scale.py [--mentions 1000000] [--reports 20000] [--skip-single]

A report (always exits 0). Every figure is measured in this run, on this machine:

a) the inputs, generated with a fixed seed: ``--mentions`` place mentions drawn Zipf-like (rank r weighted
   1/r^1.1, as names in a news archive are) from a pool of the labelled mentions (tests/data/mentions.csv)
   and the gazetteer's names of towns in Syria, Iraq and their neighbours, some as "near X" or "X, Country";
   and ``--reports`` strike reports from templates (a dateline, strikers, a place, a toll);
b) one plain process: ``geocode_column`` (what ``geocode --csv`` calls) over the mentions, and
   ``extract_events`` (what ``extract`` calls) over every report;
c) ``batch geocode`` and ``batch extract`` on a LocalCluster of 1 worker process, then of 2, timed whole
   (cluster start, staging, both passes, partitions, spatial shuffle and write), with the geocode phases;
d) the scaling efficiency (2-worker throughput / twice the 1-worker one), and on paper what N workers
   (machines x cores) would give: the phases run by the driver alone (reading, staging, counting the distinct
   mentions, the context) and the scheduler's per-task cost do not shrink with N (Amdahl); the distinct-mention
   passes and the partitions do, until each worker has one partition.

The machine is shared (2 cores, other engineers' tests running): the load average is printed beside the figures.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 14
ZIPF_EXPONENT = 1.1
NEIGHBOURS = ("SY", "IQ", "TR", "JO", "LB", "IR", "SA", "KW")
COUNTRY_NAMES = {"SY": "Syria", "IQ": "Iraq", "TR": "Turkey", "JO": "Jordan", "LB": "Lebanon", "IR": "Iran",
                 "SA": "Saudi Arabia", "KW": "Kuwait"}
STRIKERS = ["US forces", "The US military", "Israeli aircraft", "Turkish drones", "Russian warplanes",
            "Coalition aircraft"]
TARGETS = ["Kata'ib Hezbollah", "Islamic State", "Kata'ib Sayyid al-Shuhada", "the PKK", "Hezbollah"]
REPORT_TEMPLATES = [
    "{city}, {month} {day}, 2021 — {striker} carried out airstrikes on {weekday} near {town}, {country}, "
    "targeting facilities used by {target}. At least {killed} fighters were killed, a monitor said.",
    "Published: {day} {month} 2021\n\n{striker} struck a weapons depot in {town} yesterday. "
    "The strike killed {killed} members of {target}, according to local sources.",
    "{city}, {month} {day}, 2021 — A drone strike hit a vehicle on the road between {town} and {other} on "
    "{weekday}. {striker} said it targeted {target}; no casualties were reported.",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October"]


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def town_names(limit: int = 20_000) -> list[tuple[str, str]]:
    from geo import config

    db = sqlite3.connect(f"file:{config.GAZETTEER_DB}?mode=ro", uri=True)
    marks = ",".join("?" * len(NEIGHBOURS))
    return db.execute(f"SELECT name, country FROM places WHERE kind = 'place' AND country IN ({marks}) "
                      "ORDER BY population DESC, id LIMIT ?", (*NEIGHBOURS, limit)).fetchall()


def make_mentions(count: int, rng) -> list[str]:
    """``count`` mentions, Zipf-like over a pool ordered labelled mentions first, then towns by population."""
    with (ROOT / "tests" / "data" / "mentions.csv").open(encoding="utf-8") as fh:
        pool = [row["mention"] for row in csv.DictReader(fh)]
    for i, (name, country) in enumerate(town_names()):
        pool.append((f"near {name}", f"{name}, {COUNTRY_NAMES[country]}", name)[i % 3])
    weights = 1.0 / (rng.permutation(len(pool)) + 1.0) ** ZIPF_EXPONENT  # popularity not tied to the pool's order
    picks = rng.choice(len(pool), size=count, p=weights / weights.sum())
    return [pool[i] for i in picks]


def make_reports(count: int, rng) -> list[tuple[str, str]]:
    towns = [name for name, country in town_names(2_000) if country in ("SY", "IQ")]
    reports = []
    for _ in range(count):
        town, other = towns[rng.integers(len(towns))], towns[rng.integers(len(towns))]
        month, day = MONTHS[rng.integers(len(MONTHS))], int(rng.integers(1, 28))
        text = REPORT_TEMPLATES[rng.integers(len(REPORT_TEMPLATES))].format(
            city="BAGHDAD", month=month, day=day, striker=STRIKERS[rng.integers(len(STRIKERS))],
            weekday=WEEKDAYS[rng.integers(7)], town=town, other=other,
            country=("Syria", "Iraq")[rng.integers(2)], target=TARGETS[rng.integers(len(TARGETS))],
            killed=int(rng.integers(1, 12)))
        reports.append((text, f"2021-{MONTHS.index(month) + 1:02d}-{day + 1:02d}"))
    return reports


def timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=20_000)
    parser.add_argument("--skip-single", action="store_true", help="skip the plain-process figures")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd

    from geo.batch.extract import batch_extract
    from geo.batch.geocode import batch_geocode
    from geo.geocoding.resolve import geocode_column
    from geo.reports.extract import ExtractError, extract_events

    rng = np.random.default_rng(SEED)
    work = Path(tempfile.mkdtemp(prefix="strikemap-batch-bench-"))
    mentions = pd.DataFrame({"mention": make_mentions(args.mentions, rng)})
    mentions["n"] = np.arange(len(mentions)).astype(str)
    mentions.to_parquet(work / "mentions.parquet", index=False)
    reports = pd.DataFrame(make_reports(args.reports, rng), columns=["text", "published"])
    reports.to_parquet(work / "reports.parquet", index=False)
    distinct = mentions["mention"].nunique()
    print(f"inputs: {len(mentions):,} mentions ({distinct:,} distinct, {distinct / len(mentions):.1%}), "
          f"{len(reports):,} reports; {os.cpu_count()} cores, load average {load()}", flush=True)

    rows = []  # (what, seconds, items)

    def measured(what: str, seconds: float, items: int) -> None:
        """Kept for the table, and printed at once: a run cut short (a busy shared machine) still tells."""
        rows.append((what, seconds, items))
        print(f"  {what}: {seconds:.1f} s, {items / seconds:,.0f}/s (load {load()})", flush=True)
    if not args.skip_single:
        seconds, _ = timed(lambda: geocode_column(pd.read_parquet(work / "mentions.parquet"), "mention"))
        measured("geocode: one plain process", seconds, len(mentions))

        def extract_all():
            import datetime as dt

            for text, date in reports.itertuples(index=False):
                try:
                    extract_events(text, report_date=dt.date.fromisoformat(date))
                except ExtractError:
                    pass
        seconds, _ = timed(extract_all)
        measured("extract: one plain process", seconds, len(reports))
        print(f"  plain process done (load {load()})")

    phases = {}
    for workers in (1, 2):
        out = work / f"geocode-{workers}"
        seconds, result = timed(lambda: batch_geocode(work / "mentions.parquet", "mention", out, workers=workers,
                                                       partition_rows=max(1_000, len(mentions) // 8)))
        measured(f"batch geocode: {workers} worker{'s' * (workers > 1)}", seconds, result["rows"])
        phases[workers] = result["seconds"]
        out = work / f"extract-{workers}"
        seconds, result = timed(lambda: batch_extract(work / "reports.parquet", out, workers=workers,
                                                       date_column="published",
                                                       partition_reports=max(50, len(reports) // 8)))
        measured(f"batch extract: {workers} worker{'s' * (workers > 1)}", seconds, len(reports))
        print(f"  {workers} worker(s) done (load {load()})")

    print(f"\n{'run':34} {'seconds':>8} {'items/s':>10}")
    for what, seconds, items in rows:
        print(f"{what:34} {seconds:8.1f} {items / seconds:10,.0f}")
    rate = {what: items / seconds for what, seconds, items in rows}
    for kind in ("geocode", "extract"):
        one, two = rate[f"batch {kind}: 1 worker"], rate[f"batch {kind}: 2 workers"]
        print(f"{kind}: scaling efficiency 1 -> 2 workers {two / (2 * one):.0%} (speed-up x{two / one:.2f})")

    print("\nbatch geocode phases (seconds): " + "; ".join(
        f"{w} worker{'s' * (w > 1)}: " + ", ".join(f"{k} {v:.1f}" for k, v in phases[w].items()) for w in (1, 2)))
    # On paper (Amdahl): the driver's phases and the cluster start stay; the workers' phases divide by N.
    one = phases[1]
    serial = one["start"] + one["read and stage"] + one["context"]
    parallel = one["first answers"] + one["answers and partitions"] + one["finish"]
    print(f"on paper, N workers (machines x cores): {serial:.1f} s that do not shrink (cluster start, reading and "
          f"staging, counting distinct mentions and the context, all on the driver) + {parallel:.1f} s / N")
    for n in (1, 2, 4, 8, 16, 32, 64):
        seconds = serial + parallel / n
        print(f"  N={n:3}: {seconds:7.1f} s, {len(mentions) / seconds:10,.0f} mentions/s, "
              f"speed-up x{(serial + parallel) / seconds:.1f}")
    print(f"  the limit is x{(serial + parallel) / serial:.1f} (the driver's share); past about "
          f"N={max(1, round(parallel / serial))} workers the driver's part dominates, and with more workers than "
          "partitions or distinct-mention batches the extra ones idle (raise the partition count with the archive)")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
