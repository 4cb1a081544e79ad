"""strikemap search benchmark: the dashboard's free-text search (geo.web.filters.SearchIndex) against the naive way.

Run with ``.venv/bin/python bench/search_speed.py [N]`` (not a pytest test; N synthetic events, default 100,000,
from bench/synthetic_events.py). Every figure is measured in this run:

* ours: the index built once per data set version (folded text in Arrow, spelling keys of place names), then
  each query: a substring test over the folded text plus a look-up of the query's spelling keys;
* naive: what the page did before, per query: notes and place names joined, case-folded, substring test.
  (It finds no spelling variants: "Abu Kamal" misses "Al-Bukamal"; the counts show it.)

Prints seconds and the ratio naive / ours per query, with the machine's load (other work shares it).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from synthetic_events import make_events  # noqa: E402

from geo.web.filters import Filters, SearchIndex, apply_filters  # noqa: E402

QUERIES = ["Abu Kamal", "Al-Bukamal", "storage", "Kata'ib Hezbollah", "nowhere at all"]
RUNS = 5


def naive(events, text: str):
    haystack = (events["notes"].fillna("") + " " + events["location_mention"].fillna("") + " "
                + events["location"].fillna("")).str.casefold()
    return events[haystack.str.contains(text.casefold(), regex=False)]


def timed(function, *args) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    events = make_events(count, seed=11)
    start = time.perf_counter()
    index = SearchIndex.of(events)
    print(f"{count:,} events; index built once per data set version: {time.perf_counter() - start:.2f} s")
    for query in QUERIES:
        ours, found = timed(lambda q: apply_filters(events, Filters(text=q), index), query)
        theirs, naive_found = timed(naive, events, query)
        print(f"{query!r}: ours {ours:.3f} s ({len(found):,} found), naive {theirs:.3f} s ({len(naive_found):,} found), "
              f"naive/ours {theirs / ours:.1f}x")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
