"""Acceptance thresholds of the geocoder on the labelled set tests/data/mentions.csv.

The checks themselves live in bench/geocode_accuracy.py (``judge`` / ``check_region``), so the
benchmark report and these assertions can never disagree. The thresholds:

* >= 95 % of point and near mentions resolved within 25 km of the truth;
* every region phrase resolved to a geometry that matches its spec;
* no negative resolved.

The shape of the set itself (>= 200 rows, every spelling family, valid region specs) must
always pass; the thresholds may fail while the geocoder is being improved, and then the
message lists every failing mention, one per line.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import geocode_accuracy as acc  # noqa: E402

POINT_NEAR_WITHIN_25KM = 0.95
MIN_ROWS = 200


@pytest.fixture(scope="module")
def mentions():
    return acc.load_mentions(acc.DEFAULT_CSV)


@pytest.fixture(scope="module")
def judged(mentions):
    """(mention, answer, verdict) for every row, the set read as one archive (``resolve_mentions``),
    as ``geocode --csv`` and the dashboard read a file."""
    result = acc.run(mentions, acc.ours_archive, "strikemap", batch=True)
    return list(zip(mentions, result.answers, result.verdicts))


def _listing(rows) -> str:
    return "\n".join(f"  line {m.line} [{m.kind}/{m.family}] {m.mention!r}: expected {m.expected()}; "
                     f"got {a.describe()}; {v.detail}" for m, a, v in rows)


def test_set_has_enough_rows_and_every_family(mentions):
    assert len(mentions) >= MIN_ROWS, f"only {len(mentions)} labelled mentions"
    families = Counter(m.family for m in mentions)
    missing = [f for f in acc.FAMILIES if not families[f]]
    assert not missing, f"families with no mention: {missing}"
    kinds = Counter(m.kind for m in mentions)
    assert all(kinds[k] for k in acc.KINDS), f"kinds: {dict(kinds)}"
    duplicated = [text for text, n in Counter(m.mention for m in mentions).items() if n > 1]
    assert not duplicated, f"mentions listed twice: {duplicated}"


def test_every_region_spec_names_a_known_area(mentions):
    bad = []
    for m in mentions:
        if m.kind != "region":
            continue
        try:
            target = acc.spec_target(acc.parse_spec(m.region))
        except ValueError as exc:
            bad.append(f"line {m.line} {m.region!r}: {exc}")
            continue
        if target is None or target.is_empty:
            bad.append(f"line {m.line} {m.region!r}: no such area in the offline data")
    assert not bad, "\n".join(bad)


def test_point_and_near_mentions_within_25km(judged):
    rows = [(m, a, v) for m, a, v in judged if m.kind in ("point", "near")]
    failing = [(m, a, v) for m, a, v in rows if not v.ok]
    share = 1 - len(failing) / len(rows)
    if share < POINT_NEAR_WITHIN_25KM:
        pytest.fail(f"{share:.1%} of {len(rows)} point/near mentions within {acc.HIT_KM:g} km "
                    f"(need {POINT_NEAR_WITHIN_25KM:.0%}); {len(failing)} failing:\n{_listing(failing)}", pytrace=False)


def test_every_region_phrase_inside_its_region(judged):
    failing = [(m, a, v) for m, a, v in judged if m.kind == "region" and not v.ok]
    if failing:
        pytest.fail(f"{len(failing)} region phrases not matching their spec:\n{_listing(failing)}", pytrace=False)


def test_no_negative_resolved(judged):
    failing = [(m, a, v) for m, a, v in judged if m.kind == "negative" and not v.ok]
    if failing:
        pytest.fail(f"{len(failing)} negatives resolved:\n{_listing(failing)}", pytrace=False)
