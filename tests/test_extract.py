"""python -m geo extract: reports to proposed events, each field with the words it came from."""

import datetime as dt
import json
import subprocess
import sys
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo.reports.actors import find_actors
from geo.cli import main
from geo.reports.counts import find_casualties, find_counts, parse_number
from geo.reports.dates import report_date_in_text, resolve_date
from geo.io.events import SCHEMA, load_events
from geo.reports.extract import AUDIT_COLUMNS, MAX_REPORT_CHARS, ExtractError, extract_events
from geo.geocoding.gazetteer import load_gazetteer
from geo.geocoding.resolve import resolve_mention
from geo.geocoding.regions import border_line, country_geometry

from conftest import AL_QAIM, ROOT, km_between, km_to_shape

ARTICLE = ROOT / "data" / "articles" / "000_561c48b6145f2520.txt"
REPORTS = ROOT / "tests" / "data" / "reports"
MONDAY = dt.date(2021, 6, 28)  # the article's date


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


# ------------------------------------------------------------------ dates


@pytest.mark.parametrize("phrase, report_date, expected, precision", [
    ("on Sunday", MONDAY, "2021-06-27", 1),
    ("Sunday’s strikes", MONDAY, "2021-06-27", 1),
    ("on Monday", MONDAY, "2021-06-28", 1),  # the report's own weekday is that day
    ("last Monday", MONDAY, "2021-06-21", 1),
    ("late on Saturday night", MONDAY, "2021-06-26", 1),
    ("yesterday", MONDAY, "2021-06-27", 1),
    ("last night", MONDAY, "2021-06-27", 1),
    ("today", MONDAY, "2021-06-28", 1),
    ("three days ago", MONDAY, "2021-06-25", 1),
    ("June 27", MONDAY, "2021-06-27", 1),
    ("27 June 2021", MONDAY, "2021-06-27", 1),
    ("Feb. 25", MONDAY, "2021-02-25", 1),
    ("Sunday, June 20", MONDAY, "2021-06-20", 1),  # the date, not the weekday
    ("Dec. 30", dt.date(2022, 1, 3), "2021-12-30", 1),  # a day that would be in the future is last year's
    ("In February", MONDAY, "2021-02-01", 3),
    ("in July", MONDAY, "2020-07-01", 3),
    ("February 2021", MONDAY, "2021-02-01", 3),
    ("last month", MONDAY, "2021-05-01", 3),
    ("last week", MONDAY, "2021-06-21", 2),
])
def test_dates_are_read_against_the_report_date(phrase, report_date, expected, precision):
    reading = resolve_date(phrase, report_date)
    assert (reading.date.isoformat(), reading.precision) == (expected, precision), reading.rule


@pytest.mark.parametrize("phrase", ["next Sunday", "31 February", "they may strike", "a march on the capital"])
def test_phrases_that_name_no_past_date_are_not_dates(phrase):
    assert resolve_date(phrase, MONDAY) is None


@pytest.mark.parametrize("header, expected", [
    (" date 2021-06-28 The US has carried out airstrikes", "2021-06-28"),
    ("Published: Thursday, 14 October 2021\n\nCoalition strike", "2021-10-14"),
    ("BAGHDAD, June 28, 2021 (Reuters) - US jets struck", "2021-06-28"),
    ("ERBIL, Iraq, Sept. 12, 2021 — A drone strike", "2021-09-12"),
    ("By Jane Roe | Updated 3 March 2022\n\nText", "2022-03-03"),
])
def test_report_date_from_its_header(header, expected):
    assert report_date_in_text(header).reading.date.isoformat() == expected


def test_a_date_inside_the_first_sentence_is_not_the_report_date():
    assert report_date_in_text("On 27 June 2021, US jets struck targets near Al-Qaim.") is None


# ------------------------------------------------------------------ numbers and actors


@pytest.mark.parametrize("words, number", [("four", 4), ("twenty-two", 22), ("22", 22), ("1,200", 1200),
                                           ("a dozen", 12), ("dozens", None), ("several", None)])
def test_parse_number(words, number):
    assert parse_number(words) == number


@pytest.mark.parametrize("sentence, tolls", [
    ("The strikes killed at least five fighters, later nine, the Observatory said.", [(5, 9)]),
    ("The PMF said four of their fighters were killed near Al-Qaim.", [(4, 4)]),
    ("One killed and two wounded.", [(1, 1)]),
    ("Syrian state media said a child was killed in Al-Bukamal.", [(1, 1)]),
    ("Local sources put the death toll at 22.", [(22, 22)]),
    ("killing between three and five militants", [(3, 5)]),
    ("No one was killed, officials said.", [(0, 0)]),
    ("Five people were wounded in the attack.", []),
    ("The strike killed two and wounded seven.", [(2, 2)]),
])
def test_casualties_with_ranges_and_without_wounded(sentence, tolls):
    assert [(c.low, c.high) for c in find_casualties(sentence)] == tolls


def test_places_counted_by_country():
    code = load_gazetteer().country_code
    counts = find_counts("the US strikes targeted facilities at two locations in Syria and one location in Iraq", code)
    assert counts.by_country == {"SY": 2, "IQ": 1} and counts.locations == 3
    counts = find_counts("the US military targeted three facilities, two in Syria and one in Iraq.", code)
    assert counts.by_country == {"SY": 2, "IQ": 1} and counts.locations == 3
    assert find_counts("Jets carried out three strikes near Deir ez-Zor.", code).strikes == 3
    assert find_counts("The strikes killed four in Iraq.", code).by_country == {}  # people, not places


def test_actors_by_abbreviation_and_spelling():
    names = [m.actor.name for m in find_actors("Kataib Hezbollah (KH) and KATA’IB SAYYID AL-SHUHADA; the PMF")]
    assert names == ["Kata'ib Hezbollah", "Kata'ib Hezbollah", "Kata'ib Sayyid al-Shuhada",
                     "Popular Mobilization Forces"]
    assert find_actors("let us know, Kh said") == []  # short abbreviations are case-sensitive
    assert [m.actor.name for m in find_actors("the US-led coalition and Israeli jets")] == [
        "Global Coalition against Daesh", "Military Forces of Israel"]


# ------------------------------------------------------------------ the bundled article (acceptance)


@pytest.fixture(scope="module")
def article_events():
    return extract_events(ARTICLE.read_text(encoding="utf-8"), MONDAY, source=str(ARTICLE))


def test_article_june_strikes_two_in_syria_one_in_iraq_in_the_border_region(article_events):
    june = article_events[article_events["event_date"] == "2021-06-27"]
    assert len(june) == 3
    assert sorted(june["country"]) == ["Iraq", "Syria", "Syria"]
    assert set(june["time_precision"]) == {1} and set(june["geo_precision"]) == {3}
    line = border_line("IQ", "SY")
    for row in june.itertuples():
        country = {"Syria": "SY", "Iraq": "IQ"}[row.country]
        inside = row.geometry.intersection(country_geometry(country)).area / row.geometry.area
        assert inside > 0.9, f"{row.location} is not on the {row.country} side"
        assert row.geometry.buffer(0.01).intersects(line) and km_to_shape(row.latitude, row.longitude, line) < 60
        assert "Iraq-Syria border region" in row.region_mention
        assert row.location_mention in ("two locations in Syria", "one location in Iraq")
        assert "United States" in row.actor1
        assert "(KH)" in row.actor2 and "(KSS)" in row.actor2
        assert row.date_text == "on Sunday" and "2021-06-28" in row.date_rule
        assert row.location_count == 3
    assert len(set(june["event_id_cnty"])) == 3


def test_article_february_strike_in_syria_near_the_iraqi_border_by_month(article_events):
    february = article_events[article_events["event_date"].str.startswith("2021-02")]
    assert len(february) == 1
    row = february.iloc[0]
    assert (row["event_date"], row["time_precision"]) == ("2021-02-01", 3)
    assert row["country"] == "Syria" and row["geo_precision"] == 3
    assert country_geometry("SY").contains(shapely.Point(row["longitude"], row["latitude"]))
    assert row["location_mention"] == "in Syria, near the Iraqi border" and row["date_text"] == "In February"
    assert row["notes"].startswith("In February, the U.S. launched airstrikes")


def test_article_rows_are_in_the_events_schema_with_audit_columns(article_events):
    assert list(article_events.columns[:len(SCHEMA)]) == SCHEMA
    assert set(AUDIT_COLUMNS) <= set(article_events.columns)
    assert set(article_events["event_type"]) == {"Explosions/Remote violence"}
    assert set(article_events["sub_event_type"]) == {"Air/drone strike"}
    assert all(article_events["event_id_cnty"].str.match(r"^proposed-[0-9a-f]{10}-\d+$"))
    assert set(article_events["source_url"]) == {str(ARTICLE)}
    # What is not in the article stays empty: no toll is invented.
    assert article_events["fatalities"].isna().all()
    # The reason clause ("drone attacks ... in Iraq") and the dateline are not events.
    assert len(article_events) == 4


def test_proposal_ids_are_stable_and_depend_on_the_report():
    text = ARTICLE.read_text(encoding="utf-8")
    first, again = extract_events(text, MONDAY), extract_events(text, MONDAY)
    assert list(first["event_id_cnty"]) == list(again["event_id_cnty"])
    other = extract_events(text, dt.date(2021, 6, 29))
    assert set(other["event_id_cnty"]).isdisjoint(first["event_id_cnty"])


def test_cli_acceptance_check():
    result = run_cli("extract", "data/articles/000_561c48b6145f2520.txt", "--date", "2021-06-28")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("4 proposed events")
    assert out.count("2021-06-27 (day)") == 3 and "2021-02-01 (month)" in out
    assert out.count("Syria side of the Iraq–Syria border region") == 3  # two June rows and February's
    assert out.count("Iraq side of the Iraq–Syria border region") == 1
    assert "Kata'ib Hezbollah (KH); Kata'ib Sayyid al-Shuhada (KSS)" in out
    assert "'on Sunday': the latest Sunday on or before the report's date 2021-06-28" in out


# ------------------------------------------------------------------ other reports


def test_deir_ez_zor_on_tuesday_with_a_toll_range():
    events = extract_events((REPORTS / "deir_ez_zor_tuesday.txt").read_text(encoding="utf-8"))  # date from header
    assert len(events) == 1  # the ambush "last month" near al-Busayrah is the strike's reason, not a strike
    row = events.iloc[0]
    assert (row["event_date"], row["time_precision"]) == ("2021-10-12", 1)
    assert km_between(row["latitude"], row["longitude"], 35.34, 40.14) < 20 and row["geo_precision"] == 2
    assert row["location_mention"] == "near Deir ez-Zor" and row["region_mention"] == "eastern Syria"
    assert row["actor1"] == "Global Coalition against Daesh (CJTF-OIR)" and row["actor2"] == "Islamic State (ISIS)"
    assert (row["fatalities"], row["fatalities_min"], row["fatalities_max"]) == (3, 3, 5)
    assert "at least three" in row["casualties_text"] and "five" in row["casualties_text"]


def test_erbil_drone_strike_yesterday_from_a_dateline():
    events = extract_events((REPORTS / "erbil_drone_yesterday.txt").read_text(encoding="utf-8"))
    assert len(events) == 1  # "Ankara rarely comments" is the Turkish government, not a place
    row = events.iloc[0]
    assert row["event_date"] == "2021-09-11" and row["date_text"] == "yesterday"
    assert row["country"] == "Iraq" and km_between(row["latitude"], row["longitude"], 36.19, 44.01) < 20
    assert row["actor1"] == "Military Forces of Turkey (TSK)" and row["actor2"] == "Kurdistan Workers' Party (PKK)"
    assert row["fatalities"] == 2
    assert not row["notes"].startswith(("ERBIL", "—"))  # the dateline is not part of the story


def test_a_place_the_gazetteer_does_not_know_is_proposed_unplaced(capsys):
    path = REPORTS / "unknown_place.txt"
    events = extract_events(path.read_text(encoding="utf-8"), dt.date(2021, 10, 11))
    assert len(events) == 1
    row = events.iloc[0]
    assert row.geometry is None and row["latitude"] != row["latitude"]  # NaN: no invented coordinates
    assert row["location_mention"] == "near Tell Barzakh" and "Tell Barzakh" in row["geocoder"]
    assert row["event_date"] == "2021-10-09" and row["actor1"] == "Military Forces of Israel (IDF)"
    assert row["fatalities"] == 0
    assert main(["extract", str(path), "--date", "2021-10-11"]) == 1
    assert "not placed" in capsys.readouterr().err


def test_toll_named_with_a_place_goes_to_that_row_only():
    text = ("US aircraft struck weapons depots at two locations in Syria and one location in Iraq near the "
            "Iraq-Syria border on Sunday. The PMF said four of its fighters were killed near Al-Qaim.")
    events = extract_events(text, MONDAY)
    assert sorted(events["country"]) == ["Iraq", "Syria", "Syria"]
    by_country = events.set_index("country")
    assert by_country.loc["Iraq", "fatalities"] == 4
    assert events[events["country"] == "Syria"]["fatalities"].isna().all()


def test_today_inside_a_quote_is_the_day_of_the_statement():
    text = ('The Pentagon said on Sunday: "US aircraft conducted airstrikes near Al-Qaim earlier this evening."')
    row = extract_events(text, MONDAY).iloc[0]
    assert row["event_date"] == "2021-06-27"
    assert km_between(row["latitude"], row["longitude"], *AL_QAIM) < 20


def test_later_days_count_from_the_last_day_named_and_rockets_are_not_air_strikes():
    text = ("Rockets struck Ain al-Asad air base in western Anbar on Wednesday. There were no casualties.\n\n"
            "Two days later, US warplanes bombed a Kata'ib Hezbollah depot near Al-Qaim, killing a commander.\n\n"
            "Drones also hit a convoy near Abu Kamal the next day.")
    events = extract_events(text, dt.date(2021, 3, 14)).set_index("event_date")
    assert list(events.index) == ["2021-03-10", "2021-03-12", "2021-03-13"]
    assert events.loc["2021-03-10", "sub_event_type"] == "Shelling/artillery/missile attack"
    assert events.loc["2021-03-10", "location"] == "Ain al-Asad Air Base"
    assert events.loc["2021-03-10", "fatalities"] == 0
    assert events.loc["2021-03-12", "date_text"] == "Two days later" and events.loc["2021-03-12", "fatalities"] == 1
    assert events.loc["2021-03-13", "sub_event_type"] == "Air/drone strike"  # "drones ... hit" is a strike
    assert events.loc["2021-03-13", "country"] == "Syria"
    assert resolve_date("two days later", MONDAY).later  # alone, it needs a day before it to count from


def test_border_region_in_running_text_is_both_sides():
    found = resolve_mention("in the Iraq-Syria border region")
    assert found.country == "IQ/SY"  # "in the Iraq-..." does not name Iraq as the side
    assert resolve_mention("the Iraq-Syria border region in Syria").country == "SY"


def test_a_text_about_no_strike_proposes_nothing():
    events = extract_events("The weather in Baghdad was hot on Sunday, officials said.", MONDAY)
    assert events.empty and list(events.columns[:len(SCHEMA)]) == SCHEMA


# ------------------------------------------------------------------ command line and hostile input


def test_cli_writes_files_that_load_as_events(tmp_path):
    for name in ("proposed.geojson", "proposed.csv"):
        out = tmp_path / name
        assert main(["extract", str(ARTICLE), "--date", "2021-06-28", "-o", str(out)]) == 0
        loaded = load_events(out)  # what the dashboard does with STRIKEMAP_EVENTS=out
        assert len(loaded) == 4 and sorted(loaded["event_date"]) == ["2021-02-01"] + ["2021-06-27"] * 3
    data = json.loads((tmp_path / "proposed.geojson").read_text(encoding="utf-8"))
    assert "crs" not in data and {f["geometry"]["type"] for f in data["features"]} == {"Polygon"}
    assert gpd.read_file(tmp_path / "proposed.geojson")["date_text"].tolist()[-1] == "In February"


def test_cli_json_lines_and_stdin_with_a_header_date():
    text = (REPORTS / "deir_ez_zor_tuesday.txt").read_text(encoding="utf-8")
    result = run_cli("extract", "-", "--json", stdin=text)
    assert result.returncode == 0, result.stderr
    features = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(features) == 1 and features[0]["type"] == "Feature"
    assert features[0]["properties"]["event_date"] == "2021-10-12"
    assert features[0]["geometry"]["type"] == "Point"


@pytest.mark.parametrize("text, message", [
    ("", "no text"),
    ("   \n\t ", "no text"),
    ("<html><body><script>var x = 1;</script></body></html>", "no text"),
    ("US jets struck targets near Al-Qaim on Sunday.", "no report date"),
])
def test_cli_refuses_unreadable_reports_in_one_line(text, message):
    result = run_cli("extract", "-", stdin=text)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_cli_errors_for_files(tmp_path, capsys):
    assert main(["extract", str(tmp_path / "missing.txt"), "--date", "2021-06-28"]) == 2
    assert "no such report file" in capsys.readouterr().err
    assert main(["extract", str(ARTICLE), "--date", "2021-06-28", "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "'.xlsx'" in capsys.readouterr().err
    result = run_cli("extract", str(ARTICLE), "--date", "28/06/2021")
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_html_reports_are_read_as_their_visible_text():
    page = ("<html><head><title>Strikes</title><script>document.write('near Mosul')</script></head><body>"
            "<p>US jets struck targets near Al-Qaim on Sunday, killing four fighters.</p>"
            "<p>&quot;We hit them hard&quot;, an official said.</p></body></html>")
    events = extract_events(page, MONDAY)
    assert len(events) == 1 and events.iloc[0]["fatalities"] == 4
    assert km_between(events.iloc[0]["latitude"], events.iloc[0]["longitude"], *AL_QAIM) < 20
    assert "<" not in events.iloc[0]["notes"]


def test_too_long_input_is_refused_clearly():
    with pytest.raises(ExtractError, match="at most"):
        extract_events("word " * (MAX_REPORT_CHARS // 4), MONDAY)


def test_an_article_of_a_few_thousand_words_is_quick():
    paragraphs = [p for path in [ARTICLE, *sorted(REPORTS.glob("*.txt"))]
                  for p in path.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    text = "\n\n".join(paragraphs * 6)
    assert 2500 < len(text.split()) < 6000
    extract_events(ARTICLE.read_text(encoding="utf-8"), MONDAY)  # imports and the gazetteer, once
    started = time.perf_counter()
    extract_events(text, MONDAY)
    assert time.perf_counter() - started < 3.0


def test_pathological_text_is_bounded_in_time():
    started = time.perf_counter()
    extract_events("U.S. " * 20_000 + "near the Iraqi border " * 5_000, MONDAY)
    assert time.perf_counter() - started < 10.0


# ------------------------------------------------------------------ strikes assembled from the whole report


def _report(name: str):
    return extract_events((REPORTS / name).read_text(encoding="utf-8"))


def test_a_second_strike_on_a_road_between_towns_is_its_own_event_and_the_toll_stays_with_the_first():
    events = _report("mayadin_road_second_strike.txt")
    assert len(events) == 2  # not a third from the headline, none from the dateline
    first, second = events.iloc[0], events.iloc[1]
    assert first["event_date"] == second["event_date"] == "2022-05-01"
    assert first["location_mention"] == "near Al-Mayadin" and first["geo_precision"] == 2
    assert first["region_mention"] == "eastern Syria"
    assert (first["fatalities_min"], first["fatalities_max"]) == (3, 5)  # two sources: the range, both kept
    assert "killing three" in first["casualties_text"] and "five" in first["casualties_text"]
    # the road: a corridor between the two towns, not either town, and no toll of its own
    assert second["location_mention"] == "between Al-Mayadin and Abu Kamal" and second["geo_precision"] >= 2
    corridor = second.geometry
    for lat, lon in ((35.02, 40.45), (34.45, 40.92)):  # Al-Mayadin, Abu Kamal
        assert corridor.distance(shapely.Point(lon, lat)) < 0.2
    assert pd.isna(second["fatalities_min"]) and "not split" not in first["casualties_text"]
    # "the second strike" names no one: its sides are those of the strike it follows, and the audit says so
    assert second["actor1"] == first["actor1"] == "Military Forces of the United States (US)"
    assert "from the strike before it" in second["actors_text"]


def test_a_lede_naming_only_a_region_is_placed_where_a_later_sentence_says_the_strike_hit():
    events = _report("sinjar_lede_refined.txt")
    assert len(events) == 1
    row = events.iloc[0]
    assert row["location_mention"] == "near Sinjar" and row["region_mention"] == "northern Iraq"
    assert km_between(row["latitude"], row["longitude"], 36.32, 41.88) < 5  # not "100 km west of Mosul"
    assert (row["fatalities_min"], row["fatalities_max"]) == (2, 4)
    assert row["actor1"] == "Military Forces of Turkey (TSK)" and row["actor2"] == "Kurdistan Workers' Party (PKK)"
    assert row["country"] == "Iraq" and "Erbil" not in row["location"]  # the dateline town is the report's


def test_a_district_is_placed_no_better_than_near_its_seat_and_inside_the_province_the_text_names():
    events = _report("hodeidah_districts.txt").set_index("event_date")
    hays = events.loc["2018-03-20"]
    assert hays["location_mention"] == "Hays district" and hays["country"] == "Yemen"  # not Hays, Kansas
    assert hays["geo_precision"] == 2 and hays["radius_km"] >= 20
    assert (hays["fatalities_min"], hays["fatalities_max"]) == (5, 8)  # "eight bodies" refers back to it
    # "Bala district" is no Yemeni place the gazetteer knows: the strike stays in the governorate the text names,
    # never at the Swiss city a bare "Bala" would match
    bala = events.loc["2018-03-19"]
    assert bala["country"] == "Yemen" and bala["geo_precision"] == 3
    assert bala["actor1"] == "Military Forces of Saudi Arabia (RSAF)"  # "coalition aircraft": the Saudi-led one


def test_a_headline_restates_a_strike_and_never_makes_one():
    text = ("Published: 2 July 2024\n\nDrones strike Aleppo and Idlib\n\n"
            "A drone strike hit a house near Idlib on Monday, killing two people, the monitor said.")
    events = extract_events(text)
    assert list(events["location_mention"]) == ["near Idlib"]
    assert not events["source_sentence"].str.contains("Drones strike Aleppo").any()
    # a one-line report without a full stop is the story itself, not a headline
    assert len(extract_events("US drone strike hits car near Idlib on Monday", MONDAY)) == 1


def test_a_speakers_place_is_not_the_strikes():
    text = ("A drone strike hit a convoy 30 km south of Raqqa on Tuesday, killing three, "
            "a military source in Deir ez-Zor said.")
    events = extract_events(text, MONDAY)
    assert list(events["location_mention"]) == ["30 km south of Raqqa"] and events.iloc[0]["fatalities"] == 3


@pytest.mark.parametrize("sentence, tolls", [
    ("One resident said six people died.", [(6, 6)]),
    ("Civil defence workers said 30 bodies had been recovered from the rubble.", [(30, 30)]),
    ("A local official put the number at six.", [(6, 6)]),
    ("Three people were in the car and all were killed.", [(3, 3)]),
    ("The strike killed a tractor driver.", [(1, 1)]),
    ("Five men were arrested and all were released.", []),
])
def test_tolls_as_second_sources_word_them(sentence, tolls):
    assert [(c.low, c.high) for c in find_casualties(sentence)] == tolls


def test_the_target_named_in_a_later_paragraph_and_the_army_of_the_country_named():
    text = ("Published: 9 October 2024\n\n"
            "Iraqi F-16s struck a cave near Tuz Khurmatu on Sunday, officials said.\n\n"
            "The officials said the target was a cell of the Islamic State that had moved into the area last month.\n\n"
            "In neighbouring Niger, the army said an air strike on Monday near Tillaberi killed six militants.")
    events = extract_events(text).set_index("event_date")
    assert events.loc["2024-10-06", "actor2"] == "Islamic State (ISIS)"  # "last month" is background, not a strike
    assert events.loc["2024-10-07", "actor1"] == "Military Forces of Niger (FAN)"
    assert events.loc["2024-10-07", "country"] == "Niger" and events.loc["2024-10-07", "fatalities"] == 6


def test_the_second_strike_of_the_week_is_the_same_strike_and_a_second_strike_somewhere_else_is_another():
    tuesday = MONDAY + dt.timedelta(days=1)
    same = extract_events("A drone strike hit a car near Idlib on Monday, killing two. "
                          "It was the second strike in the area this week.", tuesday)
    assert len(same) == 1 and same.iloc[0]["fatalities"] == 2
    other = extract_events("A drone strike hit a car near Idlib on Monday, killing two. "
                           "A second strike, an hour later, killed three more near Saraqib.", tuesday)
    assert list(other["event_date"]) == ["2021-06-28", "2021-06-28"]
    assert list(other["fatalities"]) == [2, 3] and "Saraqib" in other.iloc[1]["location_mention"]
