"""Extraction accuracy on the labelled theatre reports, beside a first-sentence-only baseline.

    .venv/bin/python bench/extract_accuracy.py [--reports tests/data/theatres/reports] [--words 2000]

A report, not a test: it always exits 0. For every ``<name>.txt`` of the folder and its
``<name>.expected.json`` (the format is in tests/data/README.md) it runs

* "whole report": ``geo.reports.extract.extract_events(text, report_date)`` on the report as written;
* "first sentence": the baseline of issue 11: the same extractor given only, for each expected
  strike, the first sentence of the report that speaks of it (``first_sentence`` in the expected
  file), one paragraph each, with the same report date: what a reader who stops at the first
  mention of each strike would get.

Each expected event is paired with at most one proposed row of its report: the pair agreeing on
both date and place first, then on place, then on date, nearest first; a proposal agreeing on
neither is never paired. Every figure is a share of the expected events (an unpaired event is
wrong on every field), except the actor lines (of the events whose side the text names) and the
counts of extra rows:

* found: paired, on the right date, with the place within tolerance (``tolerance_km`` of the
  truth point, or the ``between:`` spec checked as ``bench/geocode_accuracy.py`` checks it);
* precision not better than the text allows: the row's ``geo_precision`` >= ``best_precision``
  (1 town, 2 near/district/offset/road, 3 region); "exactly" when equal;
* actors: one of the listed names starts a word of the row's ``actor1`` / ``actor2`` (any case);
* fatalities: ``fatalities_min`` and ``fatalities_max`` both equal to the truth (no figure and 0
  are the same: no death reported);
* rows made from the headline or dateline: rows paired with no expected event whose first source
  sentence is the headline or the dateline (must be 0).

It also times ``extract_events`` on a report of about ``--words`` words (the reports' bodies
joined under one dateline), after a one-line extraction has loaded the imports and the gazetteer
(``speed`` says what each figure includes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
for path in (ROOT, ROOT / "bench"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

import geocode_accuracy as geo_bench  # noqa: E402  (the place checks, shared so the two benches agree)

DEFAULT_REPORTS = ROOT / "tests" / "data" / "theatres" / "reports"
EVENT_KEYS = ("date", "time_precision", "place_mention", "truth", "best_precision", "actor1", "actor2",
              "fatalities_min", "fatalities_max", "first_sentence")
REPORT_KEYS = ("report", "report_date", "theatre", "dateline", "headline", "tests", "events")
PRECISIONS = (1, 2, 3)


# ------------------------------------------------------------------ the labelled reports

@dataclass(frozen=True)
class Expected:
    date: dt.date
    time_precision: int
    place_mention: str
    lat: float | None  # truth point, or None when ``region`` is given
    lon: float | None
    tolerance_km: float
    region: str  # a between: spec (tests/data/README.md), or ""
    best_precision: int
    actor1: tuple[str, ...] | None  # None: the text names no one on that side
    actor2: tuple[str, ...] | None
    fatalities: tuple[int, int] | None  # None: the text gives no figure
    first_sentence: str


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    report_date: dt.date
    theatre: str
    dateline: str
    headline: str
    events: tuple[Expected, ...]


def load_case(text_path: Path) -> Case:
    """One report and its expected events; ValueError naming the file and the problem if malformed."""
    expected_path = text_path.with_name(text_path.stem + ".expected.json")
    if not expected_path.exists():
        raise ValueError(f"{text_path.name}: no {expected_path.name} beside it")
    text = text_path.read_text(encoding="utf-8")
    try:
        spec = json.loads(expected_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{expected_path.name}: not JSON: {exc}") from None

    def need(cond: bool, what: str) -> None:
        if not cond:
            raise ValueError(f"{expected_path.name}: {what}")

    need(isinstance(spec, dict) and all(k in spec for k in REPORT_KEYS), f"needs the keys {REPORT_KEYS}")
    need(spec["report"] == text_path.name, f"'report' is {spec['report']!r}, not {text_path.name!r}")
    for key in ("dateline", "headline"):
        need(spec[key] in text, f"its {key} {spec[key]!r} is not in the report")
    need(isinstance(spec["events"], list) and spec["events"], "'events' must be a non-empty list")
    events = []
    for number, event in enumerate(spec["events"], start=1):
        where = f"event {number}"
        need(isinstance(event, dict) and all(k in event for k in EVENT_KEYS), f"{where} needs the keys {EVENT_KEYS}")
        need(event["first_sentence"] in text, f"{where}: first_sentence is not in the report")
        need(event["place_mention"] in text, f"{where}: place_mention {event['place_mention']!r} is not in the report")
        need(event["best_precision"] in PRECISIONS and event["time_precision"] in PRECISIONS,
             f"{where}: precisions are 1, 2 or 3")
        region = event.get("region") or ""
        if region:
            geo_bench.parse_spec(region)  # raises ValueError if malformed
            lat = lon = None
        else:
            need(isinstance(event.get("lat"), (int, float)) and isinstance(event.get("lon"), (int, float)),
                 f"{where}: needs lat/lon or a region spec")
            lat, lon = float(event["lat"]), float(event["lon"])
            need(-90 <= lat <= 90 and -180 <= lon <= 180, f"{where}: lat/lon {lat},{lon} is not on Earth")
        tolerance = float(event.get("tolerance_km") or geo_bench.HIT_KM)
        need(0 < tolerance <= geo_bench.FAR_KM, f"{where}: tolerance_km outside (0, {geo_bench.FAR_KM:g}]")
        actors = []
        for side in ("actor1", "actor2"):
            names = event[side]
            need(names is None or (isinstance(names, list) and names and all(isinstance(n, str) and n for n in names)),
                 f"{where}: {side} must be null or a non-empty list of names")
            actors.append(tuple(names) if names else None)
        low, high = event["fatalities_min"], event["fatalities_max"]
        need((low is None) == (high is None), f"{where}: fatalities_min and fatalities_max are both null or both set")
        need(low is None or (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high),
             f"{where}: fatalities must be whole numbers, min <= max")
        try:
            date = dt.date.fromisoformat(event["date"])
        except (TypeError, ValueError):
            raise ValueError(f"{expected_path.name}: {where}: date {event['date']!r} is not YYYY-MM-DD") from None
        events.append(Expected(date, event["time_precision"], event["place_mention"], lat, lon, tolerance, region,
                               event["best_precision"], actors[0], actors[1],
                               None if low is None else (low, high), event["first_sentence"]))
    try:
        report_date = dt.date.fromisoformat(spec["report_date"])
    except (TypeError, ValueError):
        raise ValueError(f"{expected_path.name}: report_date {spec['report_date']!r} is not YYYY-MM-DD") from None
    return Case(text_path.stem, text, report_date, spec["theatre"], spec["dateline"], spec["headline"], tuple(events))


def load_cases(folder: Path | str = DEFAULT_REPORTS) -> list[Case]:
    return [load_case(path) for path in sorted(Path(folder).glob("*.txt"))]


# ------------------------------------------------------------------ proposals and judging

@dataclass
class Proposal:
    date: dt.date | None
    time_precision: int | None
    answer: geo_bench.Answer  # the row's place, as the geocoder bench judges places
    actor1: str
    actor2: str
    fatalities: tuple[int, int] | None
    sentences: list[str]


def proposals(frame) -> list[Proposal]:
    out = []
    for row in frame.itertuples(index=False):
        if _missing(row.latitude):  # an unplaced row
            answer = geo_bench.Answer(False, reason=row.geocoder)
        else:
            answer = geo_bench.Answer(True, float(row.latitude), float(row.longitude),
                                      None if _missing(row.geo_precision) else int(row.geo_precision),
                                      None if _missing(row.radius_km) else float(row.radius_km), row.geometry,
                                      row.location, row.country, "extract")
        low, high = row.fatalities_min, row.fatalities_max
        fatalities = None if _missing(low) else (int(low), int(high if not _missing(high) else low))
        out.append(Proposal(dt.date.fromisoformat(row.event_date) if row.event_date else None,
                            None if _missing(row.time_precision) else int(row.time_precision), answer,
                            row.actor1 or "", row.actor2 or "", fatalities,
                            [s for s in (row.source_sentence or "").split(" | ") if s]))
    return out


def _missing(value) -> bool:
    """None, NaN or pandas' NA: a cell the extractor left empty."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


def place_ok(event: Expected, answer: geo_bench.Answer) -> bool:
    if not answer.resolved:
        return False
    if event.region:
        return geo_bench.check_region(event.region, answer)[0]
    return geo_bench.km_between(event.lat, event.lon, answer.lat, answer.lon) <= event.tolerance_km


def actor_ok(names: tuple[str, ...], proposed: str) -> bool:
    return any(re.search(r"(?<!\w)" + re.escape(name), proposed, re.IGNORECASE) for name in names)


def _deaths(fatalities: tuple[int, int] | None) -> tuple[int, int]:
    return fatalities or (0, 0)


@dataclass
class Judged:
    case: Case
    proposals: list[Proposal]
    pairs: dict[int, int]  # expected index -> proposal index
    seconds: float
    error: str = ""


def pair(case: Case, found: list[Proposal]) -> dict[int, int]:
    scored = []
    for i, event in enumerate(case.events):
        for j, proposal in enumerate(found):
            same_date = proposal.date == event.date
            same_place = place_ok(event, proposal.answer)
            if not (same_date or same_place):
                continue
            km = (geo_bench.km_between(event.lat, event.lon, proposal.answer.lat, proposal.answer.lon)
                  if event.lat is not None and proposal.answer.resolved else float("inf"))
            scored.append((-(same_date and same_place), -same_place, -same_date, km, i, j))
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for *_, i, j in sorted(scored):
        if i not in pairs and j not in taken:
            pairs[i] = j
            taken.add(j)
    return pairs


def run_case(case: Case, text: str) -> Judged:
    from geo.reports.extract import extract_events

    started = time.perf_counter()
    try:
        found = proposals(extract_events(text, case.report_date, source=case.name))
    except Exception as exc:  # a bench: one report failing must not hide the others
        return Judged(case, [], {}, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
    return Judged(case, found, pair(case, found), time.perf_counter() - started)


def baseline_text(case: Case) -> str:
    """Only the first sentence that speaks of each expected strike, each its own paragraph, in report order."""
    firsts = sorted(dict.fromkeys(e.first_sentence for e in case.events), key=case.text.index)
    return "\n\n".join(firsts)


@dataclass
class Tally:
    events: int = 0
    found: int = 0
    date: int = 0
    time_precision: int = 0
    place: int = 0
    precision_allowed: int = 0
    precision_exact: int = 0
    fatalities: int = 0
    actor1: list[int] = field(default_factory=lambda: [0, 0])  # [right, of]
    actor2: list[int] = field(default_factory=lambda: [0, 0])
    proposed: int = 0
    extra: int = 0
    from_header: int = 0
    overclaimed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def header_lines(case: Case) -> tuple[str, str]:
    return case.headline.strip(), case.dateline.strip()


def made_from_header(case: Case, proposal: Proposal) -> bool:
    """The row starts from the headline or the dateline: its first source sentence (sentences are kept in
    text order) is one of them. Called only for rows paired with no expected event."""
    first = proposal.sentences[0].strip() if proposal.sentences else ""
    return bool(first) and any(first in line or line in first for line in header_lines(case))


def tally(results: list[Judged]) -> Tally:
    t = Tally()
    for result in results:
        case = result.case
        if result.error:
            t.errors.append(f"{case.name}: {result.error}")
        t.events += len(case.events)
        t.proposed += len(result.proposals)
        for i, event in enumerate(case.events):
            j = result.pairs.get(i)
            p = result.proposals[j] if j is not None else None
            for side, names in (("actor1", event.actor1), ("actor2", event.actor2)):
                if names:
                    getattr(t, side)[1] += 1
                    getattr(t, side)[0] += bool(p and actor_ok(names, getattr(p, side)))
            if p is None:
                continue
            same_date, same_place = p.date == event.date, place_ok(event, p.answer)
            t.date += same_date
            t.time_precision += p.time_precision == event.time_precision
            t.place += same_place
            t.found += same_date and same_place
            precision = p.answer.precision
            t.precision_allowed += precision is not None and precision >= event.best_precision
            t.precision_exact += precision == event.best_precision
            if precision is not None and precision < event.best_precision:
                t.overclaimed.append(f"{case.name}: {event.place_mention!r} at precision {precision} "
                                     f"(the text allows {event.best_precision})")
            t.fatalities += _deaths(p.fatalities) == _deaths(event.fatalities)
        headline, dateline = header_lines(case)
        paired = set(result.pairs.values())
        for j, p in enumerate(result.proposals):
            if j in paired:
                continue
            t.extra += 1
            t.from_header += made_from_header(case, p)
    return t


# ------------------------------------------------------------------ output

def _share(part: int, whole: int) -> str:
    return f"{part}/{whole} {100 * part / whole:5.1f}%" if whole else "n/a"


def report(cases: list[Case], whole: list[Judged], first: list[Judged]) -> None:
    say = print
    a, b = tally(whole), tally(first)
    width = 22
    say(f"reports: {len(cases)} ({', '.join(sorted({c.theatre for c in cases}))}); expected events: {a.events}")
    say("")
    say(f"{'':60}{'whole report':>{width}}{'first sentence':>{width}}")

    def line(label, x, y):
        say(f"{label:60}{x:>{width}}{y:>{width}}")

    line("events found (right date, place within tolerance)", _share(a.found, a.events), _share(b.found, b.events))
    line("  right date", _share(a.date, a.events), _share(b.date, b.events))
    line("  right time precision (day, week, month)", _share(a.time_precision, a.events),
         _share(b.time_precision, b.events))
    line("  place within tolerance", _share(a.place, a.events), _share(b.place, b.events))
    line("precision not better than the text allows", _share(a.precision_allowed, a.events),
         _share(b.precision_allowed, b.events))
    line("  precision exactly what the text allows", _share(a.precision_exact, a.events),
         _share(b.precision_exact, b.events))
    line("actor1 (of the events naming one)", _share(*a.actor1), _share(*b.actor1))
    line("actor2 (of the events naming one)", _share(*a.actor2), _share(*b.actor2))
    line("fatalities min and max right", _share(a.fatalities, a.events), _share(b.fatalities, b.events))
    line("rows proposed", str(a.proposed), str(b.proposed))
    line("rows matching no expected event", str(a.extra), str(b.extra))
    line("  of them made from a headline or dateline (must be 0)", str(a.from_header), str(b.from_header))
    for label, t in (("whole report", a), ("first sentence", b)):
        if t.overclaimed:
            say(f"\n{label}: precision better than the text allows: {len(t.overclaimed)}")
            for entry in t.overclaimed:
                say(f"  {entry}")
        if t.errors:
            say(f"\n{label}: reports that failed to extract: {len(t.errors)}")
            for entry in t.errors:
                say(f"  {entry}")

    say("")
    say("every expected event, whole report (D date, P place, p precision allowed, 1/2 actors, F fatalities; "
        "- wrong, . not scored):")
    for result in whole:
        case = result.case
        say(f"  {case.name} [{case.theatre}] {len(result.proposals)} rows for {len(case.events)} events "
            f"({result.seconds:.2f} s)")
        for i, event in enumerate(case.events):
            j = result.pairs.get(i)
            p = result.proposals[j] if j is not None else None
            if p is None:
                say(f"    MISSED {event.date} {event.place_mention!r}")
                continue
            marks = "".join([
                "D" if p.date == event.date else "-",
                "P" if place_ok(event, p.answer) else "-",
                "p" if p.answer.precision is not None and p.answer.precision >= event.best_precision else "-",
                "." if not event.actor1 else "1" if actor_ok(event.actor1, p.actor1) else "-",
                "." if not event.actor2 else "2" if actor_ok(event.actor2, p.actor2) else "-",
                "F" if _deaths(p.fatalities) == _deaths(event.fatalities) else "-",
            ])
            where = (f"{p.answer.name} p{p.answer.precision} r={p.answer.radius_km}" if p.answer.resolved
                     else "unplaced")
            say(f"    {marks} {event.date} {event.place_mention!r}: got {p.date} {where}, "
                f"actors {p.actor1 or '?'} / {p.actor2 or '?'}, fatalities {p.fatalities} "
                f"(expected {event.fatalities})")
        paired = set(result.pairs.values())
        for j, p in enumerate(result.proposals):
            if j not in paired:
                where = f"{p.answer.name} p{p.answer.precision}" if p.answer.resolved else "unplaced"
                say(f"    EXTRA  {p.date} {where} from {p.sentences[0][:90]!r}")


def speed(cases: list[Case], words: int) -> None:
    """Time extract_events on ~``words`` words: the reports' bodies (header lines dropped) under one dateline.

    Three figures: the process's first extraction (a one-line report: imports and the gazetteer load),
    then the long report once (its names not yet in the geocoder's caches: a new report in a running
    app), then the median of three repeats of it (caches warm)."""
    from geo.reports.extract import extract_events

    bodies, count = [], 0
    while count < words:
        for case in cases:
            headline, dateline = header_lines(case)
            body = "\n".join(line for line in case.text.splitlines() if line.strip() not in (headline, dateline))
            bodies.append(body.strip())
            count += len(body.split())
            if count >= words:
                break
    text = "Published: 9 October 2024\n\n" + "\n\n".join(bodies)
    started = time.perf_counter()
    extract_events("Published: 1 May 2020\n\nA drone struck a car on Monday.")
    startup = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    rows = len(extract_events(text))
    fresh, fresh_cpu = time.perf_counter() - started, time.process_time() - cpu
    repeats = []
    for _ in range(3):
        started = time.perf_counter()
        extract_events(text)
        repeats.append(time.perf_counter() - started)
    # CPU seconds beside the wall clock: on a shared machine the wall clock also counts other processes' turns.
    print(f"speed: first extraction in this process (one line: imports, gazetteer load) {startup:.2f} s; "
          f"a {len(text.split()):,}-word report ({rows} rows) {fresh:.2f} s (CPU {fresh_cpu:.2f} s); "
          f"the same again, median of 3, {statistics.median(repeats):.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", default=str(DEFAULT_REPORTS), help="folder of reports (default: %(default)s)")
    parser.add_argument("--words", type=int, default=2000, help="size of the timed report (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        cases = load_cases(args.reports)
        if not cases:
            print(f"extract_accuracy: no reports (*.txt) in {args.reports}")
            return 0
        print(f"strikemap extraction accuracy on {args.reports} (code {geo_bench.code_version()})")
        speed(cases, args.words)  # first, so its start-up figure is the process's first extraction
        whole = [run_case(case, case.text) for case in cases]
        first = [run_case(case, baseline_text(case)) for case in cases]
        report(cases, whole, first)
    except Exception as exc:  # a report: say what broke, never fail the caller
        import traceback

        traceback.print_exc()
        print(f"extract_accuracy: could not finish: {type(exc).__name__}: {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
