"""Spelling normalisation: each transliteration family meets its variants on one key."""

import pytest

from geo.geocoding.names import clean_mention, name_key, skeleton_key


@pytest.mark.parametrize("variants", [
    ["Abu Kamal", "Albu Kamal", "Al-Bukamal", "Al Bu Kamal", "Boukamal", "Abu Kemal", "Ālbū Kamāl"],
    ["Al-Qaim", "Al Qa'im", "Qaim", "Al Qā’im", "al-Qa`im"],
    ["Deir ez-Zor", "Deir al-Zour", "Dayr az Zawr", "Deir Ezzor", "Dair az-Zor"],
    ["Raqqa", "Raqa", "Ar Raqqah", "ar-Raqqa"],
    ["Tal Afar", "Tall ‘Afar", "Tal-Afar"],
])
def test_spelling_family_shares_skeleton(variants):
    assert len({skeleton_key(v) for v in variants}) == 1, {v: skeleton_key(v) for v in variants}


def test_name_key_drops_article_and_marks_but_keeps_words():
    assert name_key("Al Qā’im") == name_key("al-Qaim") == "qaim"
    assert name_key("Deir ez-Zor") == "deir zor"
    assert name_key("Al") == "al"  # a lone article is still a word


def test_different_places_keep_different_keys():
    assert skeleton_key("Hit") != skeleton_key("Haditha")
    assert skeleton_key("Mosul") != skeleton_key("Basra")


def test_clean_mention_unifies_dashes_and_spaces():
    assert clean_mention("Iraq–Syria\u00a0 border") == "Iraq-Syria border"
