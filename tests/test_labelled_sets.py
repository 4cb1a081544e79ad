"""The theatre labelled sets (tests/data/theatres/) are well-formed: the shape of the data, never accuracy.

The accuracy on them is what bench/geocode_accuracy.py and bench/extract_accuracy.py print; thresholds
come with the geocoder and extractor work of issue 11. Both benches' loaders are the validators used here,
so a file a bench cannot read fails here first, with the line or event named.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import extract_accuracy as extract_bench  # noqa: E402
import geocode_accuracy as geo_bench  # noqa: E402

THEATRES = ROOT / "tests" / "data" / "theatres"
MENTIONS = THEATRES / "mentions.csv"
REPORTS = THEATRES / "reports"
MIN_MENTIONS, MIN_THEATRES, MIN_REPORTS = 300, 5, 12
THEATRE_COUNTRIES = {"Yemen": {"YE"}, "Somalia": {"SO"}, "Afghanistan": {"AF"}, "Pakistan": {"PK"}, "Libya": {"LY"},
                     "Ukraine": {"UA"}, "Lebanon": {"LB"}, "Gaza": {"PS"}, "Sahel": {"ML", "BF", "NE"}}


@pytest.fixture(scope="module")
def mentions():
    return geo_bench.load_mentions(MENTIONS)


@pytest.fixture(scope="module")
def cases():
    return extract_bench.load_cases(REPORTS)


def test_mentions_have_the_theatre_columns_and_enough_rows(mentions):
    header = MENTIONS.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == geo_bench.COLUMNS + geo_bench.THEATRE_COLUMNS
    assert len(mentions) >= MIN_MENTIONS, f"only {len(mentions)} mentions"
    theatres = Counter(m.theatre for m in mentions)
    outside = [t for t in theatres if t not in ("", "Iraq", "Syria")]
    assert len(outside) >= MIN_THEATRES, f"theatres other than Iraq/Syria: {outside}"
    assert not theatres[""], f"{theatres['']} rows have no theatre"
    kinds = Counter(m.kind for m in mentions)
    assert all(kinds[k] for k in geo_bench.KINDS), f"kinds: {dict(kinds)}"
    repeated = [text for text, n in Counter(m.mention for m in mentions).items() if n > 1]
    assert not repeated, f"mentions listed twice: {repeated}"
    assert all(m.family for m in mentions), "a row has no family"


def test_every_located_mention_is_on_earth_and_cites_its_source(mentions):
    bad = [f"line {m.line} {m.mention!r}" for m in mentions if m.kind in ("point", "near") and not (
        -90 <= m.lat <= 90 and -180 <= m.lon <= 180 and re.search(r"GeoNames \d+", m.note)
        and re.fullmatch(r"[A-Z]{2}", m.country) and 0 < m.tolerance_km <= geo_bench.FAR_KM)]
    assert not bad, "rows without a cited GeoNames truth on Earth:\n" + "\n".join(bad)


def _km_outside(country: str, lat: float, lon: float) -> float:
    """How far a point lies outside a country's Natural Earth outline (0 inside)."""
    import shapely
    from shapely.ops import nearest_points

    shape = geo_bench.country_shape(country)
    point = shapely.Point(lon, lat)
    if shape.covers(point):
        return 0.0
    edge = nearest_points(shape, point)[0]
    return geo_bench.km_between(edge.y, edge.x, lat, lon)


def test_every_truth_point_lies_in_its_theatre(mentions, cases):
    """Catches swapped coordinates, a wrong geonameid or a wrong theatre (2 km slack: simplified coastlines)."""
    bad = [f"line {m.line} {m.mention!r} ({m.country}, {m.theatre})" for m in mentions
           if m.kind in ("point", "near") and (m.country not in THEATRE_COUNTRIES[m.theatre]
                                               or _km_outside(m.country, m.lat, m.lon) > geo_bench.EDGE_KM)]
    for case in cases:
        for event in case.events:
            if event.lat is not None and min(_km_outside(c, event.lat, event.lon)
                                             for c in THEATRE_COUNTRIES[case.theatre]) > geo_bench.EDGE_KM:
                bad.append(f"{case.name}: {event.place_mention!r} outside {case.theatre}")
    assert not bad, "truth points outside their theatre:\n" + "\n".join(bad)


def test_every_region_spec_names_a_known_area(mentions):
    bad = []
    for m in mentions:
        if m.kind == "region":
            target = geo_bench.spec_target(geo_bench.parse_spec(m.region))
            if target is None or target.is_empty:
                bad.append(f"line {m.line} {m.region!r}")
    assert not bad, "region specs naming no area in the offline data:\n" + "\n".join(bad)


def test_a_malformed_tolerance_is_refused_with_its_line(tmp_path):
    rows = MENTIONS.read_text(encoding="utf-8").splitlines()
    broken = tmp_path / "mentions.csv"
    broken.write_text("\n".join([rows[0], rows[1].rsplit(",", 1)[0] + ",far"]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"mentions.csv:2: tolerance_km 'far'"):
        geo_bench.load_mentions(broken)


def test_every_report_has_its_expected_events(cases):
    texts = sorted(p.stem for p in REPORTS.glob("*.txt"))
    expected = sorted(p.name.removesuffix(".expected.json") for p in REPORTS.glob("*.expected.json"))
    assert texts == expected, "every report needs <name>.expected.json and every expected file its report"
    assert len(cases) >= MIN_REPORTS, f"only {len(cases)} reports"
    assert len({c.theatre for c in cases}) >= MIN_THEATRES, f"theatres: {sorted({c.theatre for c in cases})}"
    several = [c.name for c in cases if len(c.events) >= 2]
    assert len(several) >= MIN_REPORTS - 2, f"reports with several strikes: {several}"
    for case in cases:
        assert all(e.date <= case.report_date for e in case.events), f"{case.name}: a strike after its report"
        assert all(e.lat is not None or e.region for e in case.events), case.name


def test_a_report_without_its_expected_file_or_with_a_bad_one_is_refused(tmp_path):
    source = REPORTS / "somalia_jilib_road.txt"
    lonely = tmp_path / source.name
    shutil.copy(source, lonely)
    with pytest.raises(ValueError, match="no somalia_jilib_road.expected.json"):
        extract_bench.load_case(lonely)
    spec = json.loads(source.with_name("somalia_jilib_road.expected.json").read_text(encoding="utf-8"))
    spec["events"][0]["lat"] = 123.0
    lonely.with_name("somalia_jilib_road.expected.json").write_text(json.dumps(spec), encoding="utf-8")
    with pytest.raises(ValueError, match="event 1: lat/lon 123.0,42.78535 is not on Earth"):
        extract_bench.load_case(lonely)
