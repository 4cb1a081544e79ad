"""The basemap context builders (geo/web/basemap_context.py): place names by zoom, rivers and lakes.

Built once for the module into a temporary folder; the water only for the Iraq-Syria border box, so
the module takes seconds, not the world's 20.
"""

from __future__ import annotations

import base64
import json

import pytest
import shapely

from geo.errors import StrikemapError
from geo.geocoding.gazetteer import load_gazetteer
from geo.web import basemap_context as context
from geo.web.basemap_context import BORDER_BANDS, PLACE_BANDS, WATER_BANDS, build_context, context_files

BORDER_BOX = (38, 44, 32, 37)  # west, east, south, north: Abu Kamal and Al-Qaim in the middle
KM_PER_DEGREE = 111.2

needs_gmt = pytest.mark.skipif(not context.gmt_available(), reason="GMT's GSHHG data missing: make gmt")


def place(mention: str, country: str):
    return next(p for p in load_gazetteer().lookup(mention, kinds=("place",)) if p.country == country)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    static = tmp_path_factory.mktemp("static")
    counts = build_context(static, region=BORDER_BOX)
    return static, counts


def named(static, lat: float, lon: float, zoom: int) -> set[str]:
    """Every place name the page would have at (lat, lon) and ``zoom``, from every place band."""
    return {p[0] for band in PLACE_BANDS for p in context_files(static, band, lat, lon, zoom)}


def test_towns_on_both_sides_of_the_border_are_named_at_zoom_10_not_at_5(built):
    static, _ = built
    abu_kamal, al_qaim = place("Abu Kamal", "SY"), place("Al-Qaim", "IQ")
    at_10 = named(static, abu_kamal.lat, abu_kamal.lon, 10)
    assert {abu_kamal.name, al_qaim.name} <= at_10
    # A town of a few thousand (As Susah, 8,797 people) only from zoom 9.
    assert "As Sūsah" in at_10 and "As Sūsah" not in named(static, abu_kamal.lat, abu_kamal.lon, 8)
    at_5 = named(static, abu_kamal.lat, abu_kamal.lon, 5)
    assert abu_kamal.name not in at_5 and al_qaim.name not in at_5
    # Capitals first: Damascus and Baghdad are named from zoom 3.
    assert {"Damascus", "Baghdad"} <= named(static, 33.5, 36.3, 3)


def test_each_cell_lists_most_important_places_first(built):
    static, _ = built
    band = PLACE_BANDS[-2]  # the towns
    places = json.loads((static / context.CONTEXT_DIR / band.file_of(*band.cell_of(34.45, 40.92))).read_text())
    order = [(p[3], -p[4]) for p in places]
    assert order == sorted(order) and len(places) > 3


@needs_gmt
@pytest.mark.parametrize("band", WATER_BANDS, ids=lambda b: b.name)
def test_the_euphrates_passes_within_a_kilometre_of_abu_kamal(built, band):
    static, _ = built
    abu_kamal = place("Abu Kamal", "SY")
    features = context_files(static, band, abu_kamal.lat, abu_kamal.lon, band.minzoom)
    rivers = [shapely.geometry.shape(f["geometry"]) for f in features if f["properties"]["kind"] == "river"]
    assert rivers, features
    nearest = min(r.distance(shapely.Point(abu_kamal.lon, abu_kamal.lat)) for r in rivers) * KM_PER_DEGREE
    assert nearest < 1.0


@needs_gmt
def test_lakes_are_closed_polygons(built):
    static, _ = built
    # Lake Tharthar, north-west of Baghdad (~2,000 km2): GSHHG gives its shore in pieces, cut at bin edges.
    for band in WATER_BANDS:
        features = context_files(static, band, 33.9, 43.2, band.minzoom)
        lakes = [shapely.geometry.shape(f["geometry"]) for f in features if f["properties"]["kind"] == "lake"]
        assert any(lake.contains(shapely.Point(43.2, 33.9)) for lake in lakes), (band.name, lakes)


def test_the_detailed_border_runs_between_abu_kamal_and_al_qaim(built):
    static, _ = built
    abu_kamal, al_qaim = place("Abu Kamal", "SY"), place("Al-Qaim", "IQ")
    band = BORDER_BANDS[0]
    assert context_files(static, band, abu_kamal.lat, abu_kamal.lon, band.minzoom - 1) == []  # coarse below
    borders = [shapely.geometry.shape(f["geometry"])
               for f in context_files(static, band, abu_kamal.lat, abu_kamal.lon, band.minzoom)]
    between = shapely.LineString([(abu_kamal.lon, abu_kamal.lat), (al_qaim.lon, al_qaim.lat)])
    assert any(border.crosses(between) for border in borders)
    # ... where the gazetteer's own Syria (the same 1:10m outline) ends, to within ~20 m.
    syria = shapely.from_wkb(load_gazetteer().geometry_wkb(load_gazetteer().country("SY").id))
    crossing = shapely.intersection(syria.boundary, between)
    assert min(b.distance(crossing) for b in borders) * KM_PER_DEGREE < 0.02


def present(manifest: dict, name: str, lat: float, lon: float) -> bool:
    """The manifest's bit for the cell at (lat, lon), read the way context.js reads it."""
    entry = next(b for b in manifest["bands"] if b["name"] == name)
    band = next(b for b in context.BANDS if b.name == name)
    column, row = band.cell_of(lat, lon)
    n = row * entry["columns"] + column
    return bool(base64.b64decode(entry["cells"])[n >> 3] >> (7 - (n & 7)) & 1)


def test_the_manifest_lists_exactly_the_cells_that_have_files(built):
    static, counts = built
    manifest = json.loads((static / context.MANIFEST_FILE).read_text())
    for entry in manifest["bands"]:
        bits = sum(bin(byte).count("1") for byte in base64.b64decode(entry["cells"]))
        files = list((static / context.CONTEXT_DIR / entry["name"]).glob("*.json"))
        assert bits == len(files) == counts[entry["name"]], entry["name"]
    assert present(manifest, "places-towns", 34.45, 40.92)
    assert not present(manifest, "places-towns", 0.0, -140.0)  # the middle of the Pacific


def test_without_gmt_the_rest_is_built_and_the_reason_is_said(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(context, "gmt_available", lambda: False)
    counts = build_context(tmp_path, region=BORDER_BOX)
    manifest = json.loads((tmp_path / context.MANIFEST_FILE).read_text())
    assert [b["name"] for b in manifest["bands"]] == [b.name for b in PLACE_BANDS + BORDER_BANDS] == list(counts)
    assert "apt-get install gmt gmt-gshhg-high" in capsys.readouterr().err


def test_a_failing_gmt_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(context, "GMT", "false")  # a command that only fails
    with pytest.raises(StrikemapError, match=r"rivers and lakes not built: `gmt coast -R38/44/32/37 -M -Di"):
        context.build_water_tiles(tmp_path, WATER_BANDS[0], BORDER_BOX)
