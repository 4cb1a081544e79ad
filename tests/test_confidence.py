"""Confidence that means something (issue 11): score, status and rivals; administrative words route to
the right kind of unit."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from geo.geocoding.admin_words import admin_unit, unit_names
from geo.geocoding.candidates import km_between
from geo.geocoding.resolve import resolve_mention

DAMAR_YE = (14.5427, 44.4051)


def test_an_unrivalled_exact_name_is_resolved_with_full_score():
    found = resolve_mention("Al-Bukamal")
    assert found.status == "resolved" and found.score == 1.0 and found.warning is None


def test_a_loose_spelling_with_no_context_is_never_a_confident_point():
    # "Thamar" folds onto Dhamar (Yemen) and the German village Themar: read alone, it is a guess.
    found = resolve_mention("Thamar")
    assert found.resolved and found.status == "ambiguous" and found.score < 0.85
    assert found.warning  # the reason, in words
    assert {r["country"] for r in found.rivals} & {"YE", "DE"}


def test_context_turns_the_guess_into_an_answer():
    found = resolve_mention("Thamar", focus=("YE",))
    assert found.country == "YE" and found.status == "resolved"
    assert km_between(found.lat, found.lon, *DAMAR_YE) < 25


def test_a_loose_match_outside_the_context_is_ambiguous():
    # The focus says Iraq; a loose match that only exists far from it is flagged, with its reason.
    found = resolve_mention("Themarr", focus=("IQ",))
    assert not found.resolved or found.status == "ambiguous"


def test_an_exact_name_with_a_rival_of_similar_standing_is_ambiguous_and_names_it():
    found = resolve_mention("Hangu")  # a district of Tianjin, and the Pakistani town
    assert found.status == "ambiguous"
    assert any(r["country"] == "PK" and r["km"] > 1000 for r in found.rivals)
    assert resolve_mention("Hangu, Pakistan").status == "resolved"


def test_a_town_whose_own_name_the_words_are_article_and_all_is_a_real_rival_of_a_far_bigger_city():
    # "al-Susah" is Syria's As Sūsah (al- before s is said as-), written alike; Tunisia's Sousse (220,000) has
    # "Susah" only among its other names. Sousse may still be the likelier reading alone, but never a sure one.
    found = resolve_mention("al-Susah")
    assert found.status == "ambiguous" and any(r["country"] == "SY" for r in found.rivals), found
    assert resolve_mention("al-Susah, Syria").country == "SY"
    # "El" is not "al" assimilated: Morocco's Ras El Aïn is not written as Syria's Ras al-Ain is.
    assert resolve_mention("Ras al-Ain").country == "SY"


def test_a_corridor_is_no_surer_than_its_ends():
    ends = resolve_mention("Sloviansk")
    corridor = resolve_mention("on the road between Kramatorsk and Sloviansk")
    assert corridor.score <= ends.score
    if ends.status != "resolved":
        assert corridor.status == ends.status and corridor.warning


def test_the_json_record_keeps_its_keys_and_gains_the_confidence_ones():
    record = resolve_mention("Thamar").to_dict()
    for key in ("query", "name", "country", "lat", "lon", "precision", "radius_km", "geometry", "source",
                "score", "status", "rivals"):
        assert key in record
    assert all(set(r) == {"name", "country", "km"} for r in record["rivals"])
    json.dumps(record)
    unresolved = resolve_mention("Narnia").to_dict()
    assert unresolved["status"] == "unresolved" and unresolved["score"] == 0.0


def test_min_confidence_turns_a_weak_answer_into_an_unresolved_one_with_the_reason():
    weak = resolve_mention("Thamar").with_min_confidence(0.9)
    assert not weak.resolved and weak.status == "unresolved" and "below 0.9" in weak.reason
    strong = resolve_mention("Al-Bukamal")
    assert strong.with_min_confidence(0.9) is strong


def _geo(*args):
    return subprocess.run([sys.executable, "-m", "geo", *args], capture_output=True, text=True, timeout=120)


def test_cli_min_confidence():
    done = _geo("geocode", "--min-confidence", "0.85", "Thamar", "Al-Bukamal")
    assert done.returncode == 1
    thamar, bukamal = done.stdout.splitlines()
    assert "unresolved" in thamar and "below 0.85" in thamar
    assert "precision 1" in bukamal
    done = _geo("geocode", "--json", "Al-Bukamal")
    assert done.returncode == 0 and json.loads(done.stdout)["status"] == "resolved"
    bad = _geo("geocode", "--min-confidence", "high", "Mosul")
    assert bad.returncode == 2 and "between 0 and 1" in bad.stderr and "Traceback" not in bad.stderr


def test_the_batch_form_writes_confidence_columns(tmp_path):
    table = tmp_path / "places.csv"
    pd.DataFrame({"place": ["Al-Bukamal", "Narnia"]}).to_csv(table, index=False)
    out = tmp_path / "placed.csv"
    _geo("geocode", "--csv", str(table), "--column", "place", "-o", str(out))
    placed = pd.read_csv(out)
    assert placed["geocode_status"].tolist() == ["resolved", "unresolved"]
    assert placed["geocode_confidence"].tolist() == [1.0, 0.0]


# ------------------------------------------------------------------ administrative words

@pytest.mark.parametrize("words, unit", [
    ("Donetsk oblast", ("Donetsk", 1)),
    ("wilayat Helmand", ("Helmand", 1)),
    ("Muhafazat Dhamar", ("Dhamar", 1)),
    ("the province of Kunar", ("Kunar", 1)),
    ("Kurram agency", ("Kurram", 2)),
    ("North Waziristan tribal district", ("North Waziristan", 2)),
    ("Bakhmutskyi raion", ("Bakhmutskyi", 2)),
    ("Mosul", None),
    ("Islamic State", None),
])
def test_admin_words_say_the_level(words, unit):
    assert admin_unit(words) == unit


def test_slavic_adjectives_lead_to_their_seat():
    assert "Bakhmut" in unit_names("Bakhmutskyi")
    assert "Pokrovsk" in unit_names("Pokrovskyi")
    assert "Donetsk" in unit_names("Donetska")
    assert unit_names("Kharkiv") == ["Kharkiv"]


@pytest.mark.parametrize("mention, country", [
    ("Donetsk oblast", "UA"), ("Kharkiv region", "UA"), ("Donetska oblast", "UA"), ("wilayat Helmand", "AF"),
    ("Mopti region", "ML"), ("Sirte district", "LY"), ("South Lebanon governorate", "LB"),
])
def test_a_first_level_word_is_the_province_not_the_city(mention, country):
    found = resolve_mention(mention)
    assert found.precision == 3 and found.source.endswith("admin1") and found.country == country
    assert found.geometry["type"] in ("Polygon", "MultiPolygon")


def test_a_district_word_is_its_seat_with_the_district_reach():
    found = resolve_mention("Bakhmutskyi raion")
    # the raion itself (GeoNames' admin-2 unit), placed at its seat Bakhmut, never claimed to be the town
    assert found.country == "UA" and found.name == "Bakhmut Raion" and found.source.endswith("admin2")
    assert km_between(found.lat, found.lon, 48.59559, 38.00054) < 2
    assert found.precision == 2 and found.radius_km >= 30


def test_a_district_word_takes_a_province_only_by_its_own_name():
    assert resolve_mention("Kufra district").source.endswith("admin1")  # Libya's districts are provinces
    # "Achin" is Aceh's old name, and the Afghan district seat's own: the district is the Afghan one.
    found = resolve_mention("Achin district")
    assert found.country == "AF" and found.precision == 2


def test_a_gazetteer_built_by_older_code_is_not_current(tmp_path):
    import sqlite3

    from geo.geocoding.gazetteer import SCHEMA_VERSION, is_current

    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION - 1),))
    assert not is_current(old)  # `python -m geo setup` rebuilds it
    assert not is_current(tmp_path / "missing.sqlite")
    assert is_current()  # the one these tests run on
