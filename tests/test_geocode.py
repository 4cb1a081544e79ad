"""resolve_mention: towns in their spellings, border regions, context, honest failures."""

import json

import pytest
import shapely

from geo.geocoding.resolve import NEAR_RADIUS_KM, resolve_mention
from geo.geocoding.regions import BORDER_BUFFER_KM, border_line, country_geometry

from conftest import ABU_KAMAL, AL_QAIM, km_between, km_to_shape


@pytest.mark.parametrize("mention", ["Al-Bukamal", "Albu Kamal", "Abu Kamal", "Al Bu Kamal", "Boukamal", "Abū Kamāl"])
def test_abu_kamal_spellings(mention):
    found = resolve_mention(mention)
    assert found.resolved, found.reason
    assert found.country == "SY" and found.precision == 1
    assert km_between(found.lat, found.lon, *ABU_KAMAL) < 15


@pytest.mark.parametrize("mention", ["Al-Qaim", "Al Qa'im", "al-Qaim, Anbar", "Qaim"])
def test_al_qaim_spellings(mention):
    found = resolve_mention(mention)
    assert found.country == "IQ" and km_between(found.lat, found.lon, *AL_QAIM) < 20


@pytest.mark.parametrize("mention", ["Deir ez-Zor", "Deir al-Zour", "Dayr az Zawr", "Deir Ezzor"])
def test_deir_ez_zor_spellings(mention):
    found = resolve_mention(mention)
    assert found.country == "SY" and km_between(found.lat, found.lon, 35.34, 40.14) < 15


def test_loose_spelling_is_marked_as_weaker_match():
    assert resolve_mention("Boukamal").source == "gazetteer:spelling"
    assert resolve_mention("Al-Bukamal").source == "gazetteer"


@pytest.mark.parametrize("mention", ["Iraq–Syria border region", "Syria-Iraq border", "the Syrian-Iraqi border area",
                                     "the border between Iraq and Syria", "iraq/syria border"])
def test_border_region_is_a_zone_along_the_border(mention):
    found = resolve_mention(mention)
    assert found.precision == 3 and found.geometry["type"] in ("Polygon", "MultiPolygon")
    line = border_line("IQ", "SY")
    zone = found.shape()
    assert km_to_shape(found.lat, found.lon, line) < 50
    # The zone follows the whole border (about 600 km) and is not a country.
    assert zone.buffer(0.01).contains(line)
    syria = country_geometry("SY")
    assert zone.area < 0.25 * syria.area
    assert found.country == "IQ/SY" and found.matched


def test_region_is_never_a_country_centroid():
    found = resolve_mention("the Iraq-Syria border region")
    for iso in ("IQ", "SY"):
        centre = country_geometry(iso).centroid
        assert km_between(found.lat, found.lon, centre.y, centre.x) > 100


def test_in_syria_near_the_iraqi_border_is_the_syrian_side_only():
    found = resolve_mention("in Syria, near the Iraqi border")
    assert found.precision == 3 and found.country == "SY"
    syria, iraq = country_geometry("SY"), country_geometry("IQ")
    point = shapely.Point(found.lon, found.lat)
    assert syria.contains(point)
    assert km_to_shape(found.lat, found.lon, border_line("IQ", "SY")) < 60
    zone = found.shape()
    # Nothing of the zone lies in Iraq beyond drawing tolerance.
    assert zone.intersection(iraq).area < 0.001 * zone.area
    # Reaches at most the documented buffer into Syria.
    far = max(km_to_shape(y, x, border_line("IQ", "SY")) for x, y in zone.exterior.coords)
    assert far < BORDER_BUFFER_KM + 5


def test_side_can_be_said_either_way():
    iraqi = resolve_mention("near the Syrian border, in Iraq")
    assert iraqi.country == "IQ"
    assert country_geometry("IQ").contains(shapely.Point(iraqi.lon, iraqi.lat))
    assert resolve_mention("on the Iraqi side of the Iraq-Syria border").country == "IQ"


def test_near_a_town_is_precision_two_with_a_radius():
    found = resolve_mention("a border control point near Abu Kamal")
    assert found.precision == 2 and found.radius_km >= NEAR_RADIUS_KM
    assert found.matched == "Abu Kamal"
    assert km_between(found.lat, found.lon, *ABU_KAMAL) < 15


def test_province_word_picks_the_province():
    found = resolve_mention("Deir ez-Zor governorate")
    assert found.precision == 3 and found.source.endswith("admin1")
    assert found.shape().contains(shapely.Point(40.92, 34.45))  # Abu Kamal lies in the governorate


def test_country_mention_is_its_outline():
    found = resolve_mention("Syria")
    assert found.precision == 3 and found.geometry["type"] in ("Polygon", "MultiPolygon")


def test_country_context_restricts_the_answer():
    assert resolve_mention("Hit, Iraq").country == "IQ"
    assert resolve_mention("Hit", country="IQ").country == "IQ"
    refused = resolve_mention("Hit", country="FR")
    assert not refused.resolved and "FR" in refused.reason


@pytest.mark.parametrize("mention", ["Narnia", "xyzzy plugh", "", "   ", "12345", "they hit a target",
                                     "<script>alert(1)</script>", "France-Syria border", "x" * 5000])
def test_unknown_text_stays_unresolved_with_a_reason(mention):
    found = resolve_mention(mention)
    assert not found.resolved and found.lat is None and found.reason
    record = found.to_dict()
    assert record["lat"] is None and record["lon"] is None and record["reason"]


def test_json_record_has_the_cli_contract_keys():
    record = resolve_mention("Al-Bukamal").to_dict()
    for key in ("query", "name", "country", "lat", "lon", "precision", "radius_km", "geometry", "source"):
        assert key in record
    assert record["geometry"]["coordinates"] == [record["lon"], record["lat"]]
    json.dumps(record)


@pytest.mark.parametrize("mention, inside, outside", [
    ("eastern Syria", (40.92, 34.45), (36.29, 33.51)),      # Abu Kamal in, Damascus out
    ("northern Iraq", (43.12, 36.34), (47.78, 30.51)),      # Mosul in, Basra out
    ("in western Anbar", (40.99, 34.39), (43.78, 33.35)),   # Al-Qaim in, Fallujah out
])
def test_direction_words_cut_the_area(mention, inside, outside):
    found = resolve_mention(mention)
    assert found.precision == 3 and found.source.startswith("region:")
    zone = found.shape()
    assert zone.contains(shapely.Point(*inside)) and not zone.contains(shapely.Point(*outside))


def test_acronyms_and_lower_case_words_are_not_places():
    assert resolve_mention("US Embassy in Baghdad").name == "Baghdad"  # not the French village "Us"
    assert not resolve_mention("the east").resolved
    assert "capitalised" in resolve_mention("they hit a target").reason


def test_a_multiword_name_is_not_split_into_a_smaller_place():
    # "Jurf al-Sakhar" is not in the populated-places data; "Jurf" alone must not match a town elsewhere.
    found = resolve_mention("Jurf al-Sakhar")
    assert not found.resolved or found.country == "IQ"


def test_other_mentions_of_the_report_disambiguate():
    from geo.geocoding.resolve import resolve_mentions

    assert resolve_mention("Homs").country == "SY"  # alone: the bigger Homs
    libya = resolve_mentions(["Tripoli", "Misrata", "Homs"])
    assert [r.country for r in libya] == ["LY", "LY", "LY"]  # Al Khums, near the other two
    syria = resolve_mentions(["Aleppo", "Hama", "Homs"])
    assert syria[2].country == "SY"


@pytest.mark.parametrize("mention, site", [
    ("Ain al-Asad air base", "Ain al-Asad Air Base"),
    ("rockets hit Al Asad Airbase", "Ain al-Asad Air Base"),
    ("the al-Tanf garrison", "Al-Tanf garrison and border crossing"),
    ("the Al-Qaim border crossing", "Al-Qaim / Abu Kamal border crossing"),
])
def test_curated_sites(mention, site):
    found = resolve_mention(mention)
    assert found.name == site and found.source == "sites" and found.precision == 1
    assert found.extra["site_source"]


def test_near_a_site_widens_the_radius():
    found = resolve_mention("a depot near the Abu Kamal crossing")
    assert found.precision == 2 and found.radius_km >= NEAR_RADIUS_KM


@pytest.mark.parametrize("mention, bearing_check, km", [
    ("10 km north of Mosul", lambda d_lat, d_lon: d_lat > 0 and abs(d_lon) < 1e-6, 10),
    ("30km west of Ramadi", lambda d_lat, d_lon: d_lon < 0 and abs(d_lat) < 0.01, 30),
    ("5 miles south of Hit", lambda d_lat, d_lon: d_lat < 0, 8.05),
])
def test_offsets_move_the_point_and_keep_an_honest_radius(mention, bearing_check, km):
    found = resolve_mention(mention)
    anchor = resolve_mention(mention.split(" of ")[-1])
    assert found.precision == 2 and found.radius_km >= 3
    assert bearing_check(found.lat - anchor.lat, found.lon - anchor.lon)
    assert km_between(found.lat, found.lon, anchor.lat, anchor.lon) == pytest.approx(km, rel=0.02)


def test_north_of_a_town_without_a_distance_is_vague_not_precise():
    found = resolve_mention("north of Raqqa")
    assert found.precision == 2 and found.radius_km >= 20 and found.lat > resolve_mention("Raqqa").lat


def test_between_two_towns_is_the_corridor_joining_them():
    found = resolve_mention("between Abu Kamal and Al-Mayadin")
    ends = [resolve_mention(n) for n in ("Abu Kamal", "Al-Mayadin")]
    assert found.precision == 3 and found.geometry["type"] == "Polygon"
    zone = found.shape()
    assert all(zone.contains(shapely.Point(e.lon, e.lat)) for e in ends)
    assert zone.contains(shapely.Point(40.83, 34.70))  # Hajin lies on the way


def test_typos_fall_back_to_fuzzy_matching_marked_as_such():
    found = resolve_mention("Fallujha")
    assert found.name == "Al Fallūjah" and found.source == "gazetteer:fuzzy"
    assert not resolve_mention("Narnia").resolved  # 91% like the Italian town Narni: not close enough


def test_names_in_running_text_need_a_place_like_context():
    assert not resolve_mention("a man named Ana").resolved
    assert resolve_mention("rockets hit Erbil").name == "Erbil"
    assert resolve_mention("strikes on Al-Bukamal and Al-Qaim").name == "Ālbū Kamāl"
    assert not resolve_mention("John Kirby said").resolved


def test_ambiguous_names_say_so_until_the_country_is_named():
    lone = resolve_mention("Ana")
    # 'Anah is the one whose own name it is; Japan's Ina and Togo's Anié still make it a question.
    assert lone.resolved and lone.status == "ambiguous" and "ambiguous" in lone.warning
    assert "(IQ)" in lone.warning or lone.country == "IQ"
    chosen = resolve_mention("Ana, Iraq")
    assert chosen.country == "IQ" and chosen.warning is None
    assert resolve_mention("Ana", country="IQ").name == "‘Anah"
    assert resolve_mention("Al-Bukamal").warning is None
