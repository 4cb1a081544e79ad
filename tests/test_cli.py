"""The command-line contract (the README's "Command line" section), run as a user would (subprocess) and in process."""

import json
import subprocess
import sys

import geopandas as gpd
import pytest
import shapely

from geo.cli import main
from geo.geocoding.regions import border_line, country_geometry

from conftest import ABU_KAMAL, AL_QAIM, ROOT, km_between, km_to_shape
from test_providers import SLOW_SECONDS


def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "geo", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_geocode_json_acceptance_check():
    result = run_cli("geocode", "--json", "Iraq–Syria border region", "Al-Bukamal", "Albu Kamal", "Al Qa'im",
                     "in Syria, near the Iraqi border")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in lines] == ["Iraq–Syria border region", "Al-Bukamal", "Albu Kamal", "Al Qa'im",
                                           "in Syria, near the Iraqi border"]
    for record in lines:
        assert set(record) >= {"query", "name", "country", "lat", "lon", "precision", "radius_km", "geometry", "source"}
    region, bukamal, albu, qaim, syrian_side = lines
    border = border_line("IQ", "SY")
    assert region["precision"] == 3 and region["geometry"]["type"] == "Polygon"
    assert km_to_shape(region["lat"], region["lon"], border) < 50
    for town in (bukamal, albu):
        assert km_between(town["lat"], town["lon"], *ABU_KAMAL) < 15
    assert km_between(qaim["lat"], qaim["lon"], *AL_QAIM) < 20
    assert country_geometry("SY").contains(shapely.Point(syrian_side["lon"], syrian_side["lat"]))
    assert km_to_shape(syrian_side["lat"], syrian_side["lon"], border) < 60


def test_geocode_reads_stdin_in_order_and_fails_on_unresolved():
    result = run_cli("geocode", "--json", "-", stdin="Al-Qaim\nNarnia\n\nDeir ez-Zor\n")
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in lines] == ["Al-Qaim", "Narnia", "Deir ez-Zor"]
    assert lines[1]["lat"] is None and lines[1]["lon"] is None and "Narnia" in lines[1]["reason"]


def test_geocode_country_option(capsys):
    assert main(["geocode", "--json", "--country", "IQ", "Hit"]) == 0
    assert json.loads(capsys.readouterr().out)["country"] == "IQ"


def test_export_acceptance_check(tmp_path):
    out = tmp_path / "june.geojson"
    result = run_cli("export", "--start", "2021-06-01", "--end", "2021-06-30", "-o", str(out))
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "crs" not in data and data["type"] == "FeatureCollection"
    assert sorted(f["properties"]["event_id_cnty"] for f in data["features"]) == [
        "SM-IRQ-2021-0001", "SM-SYR-2021-0002", "SM-SYR-2021-0003"]
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert (lon, lat) == (feature["properties"]["longitude"], feature["properties"]["latitude"])
    again = gpd.read_file(out)
    assert len(again) == 3
    for feature, row in zip(data["features"], again.itertuples()):
        for key in ("event_id_cnty", "event_date", "location_mention", "actor1", "notes", "geocoder"):
            assert str(getattr(row, key))[:10] == str(feature["properties"][key])[:10]


@pytest.mark.parametrize("fmt", ["csv", "gpkg"])
def test_export_other_formats(tmp_path, fmt):
    out = tmp_path / f"feb.{fmt}"
    assert main(["export", "--start", "2021-02-01", "--end", "2021-02-28", "-o", str(out)]) == 0
    assert out.exists() and out.stat().st_size > 0


def test_export_errors_are_one_line_not_tracebacks(tmp_path, capsys):
    assert main(["export", "--start", "2021-07-01", "--end", "2021-06-01", "-o", str(tmp_path / "x.geojson")]) == 2
    assert "after --end" in capsys.readouterr().err
    assert main(["export", "-o", str(tmp_path / "x.xlsx")]) == 2
    assert "'.xlsx'" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id_cnty,event_date,location_mention\nA,not a date,Abu Kamal\n", encoding="utf-8")
    assert main(["export", "--events", str(bad), "-o", str(tmp_path / "x.geojson")]) == 2
    err = capsys.readouterr().err
    assert "not a date" in err and "Traceback" not in err
    result = run_cli("export", "--start", "June", "-o", str(tmp_path / "x.geojson"))
    assert result.returncode == 2 and "YYYY-MM-DD" in result.stderr


def test_build_writes_geojson_of_all_events(tmp_path, events_csv):
    out = tmp_path / "events.geojson"
    assert main(["build", "--events", str(events_csv), "-o", str(out)]) == 0
    assert len(gpd.read_file(out)) == 4


def test_batch_geocodes_a_csv_column_into_geojson_and_csv(tmp_path):
    source = tmp_path / "reports.csv"
    source.write_text('id,place,note\n1,Al-Bukamal,a\n2,"in Syria, near the Iraqi border",b\n3,Narnia,c\n'
                      '4,10 km north of Mosul,=cmd()\n', encoding="utf-8")
    out = tmp_path / "placed.geojson"
    result = run_cli("geocode", "--csv", str(source), "--column", "place", "-o", str(out))
    assert result.returncode == 1  # one mention is unresolved
    assert "4 rows" in result.stderr and "3 placed, 1 unresolved" in result.stderr
    features = json.loads(out.read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["id"] for f in features] == ["1", "2", "3", "4"]  # order and own columns kept
    assert [f["geometry"] and f["geometry"]["type"] for f in features] == ["Point", "Polygon", None, "Point"]
    assert features[2]["properties"]["geocode_reason"] and features[0]["properties"]["geocode_precision"] == 1
    as_csv = tmp_path / "placed.csv"
    assert main(["geocode", "--csv", str(source), "--column", "place", "-o", str(as_csv)]) == 1
    text = as_csv.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("id,place,note,geocode_name") and "'=cmd()" in text


def test_batch_names_a_missing_column(tmp_path, capsys):
    source = tmp_path / "reports.csv"
    source.write_text("id,place\n1,Hit\n", encoding="utf-8")
    assert main(["geocode", "--csv", str(source), "--column", "where", "-o", str(tmp_path / "x.csv")]) == 2
    assert "no column 'where'" in capsys.readouterr().err


def test_together_reads_mentions_as_one_report(capsys):
    assert main(["geocode", "--json", "Tripoli", "Misrata", "Homs"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[2])["country"] == "SY"
    assert main(["geocode", "--json", "--together", "Tripoli", "Misrata", "Homs"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[2])["country"] == "LY"


def test_online_provider_failures_keep_offline_answers(tmp_path, fake_server, monkeypatch):
    """A fake Nominatim on 127.0.0.1 that fails: every mention still gets its offline answer, in time,
    and the warning names the failure. Strong offline answers never leave the machine."""
    import time

    monkeypatch.setenv("STRIKEMAP_PROVIDER_CACHE", str(tmp_path / "cache.sqlite"))
    for mode, words in ((500, "500"), (429, "rate limited"), ("invalid", "invalid JSON"), ("slow", "timed out")):
        server = fake_server(mode)
        started = time.monotonic()
        result = run_cli("geocode", "--json", "--provider", "nominatim", "--nominatim-domain", server.domain,
                         "--timeout", "1", "Boukamal", "Al-Bukamal")
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.stderr
        loose, exact = (json.loads(line) for line in result.stdout.splitlines())
        assert (loose["lat"], loose["lon"]) == (exact["lat"], exact["lon"])  # the offline answer
        assert words in loose["warning"] and "offline answer kept" in loose["warning"]
        assert "warning" not in exact  # an exact offline match is not sent online
        assert [r["params"]["q"] for r in server.requests] == ["Boukamal"]
        # Back long before the slow server answers (SLOW_SECONDS): the --timeout 1 was kept. Not a tighter
        # bound: the interpreter's start alone takes seconds on a loaded machine.
        assert elapsed < SLOW_SECONDS


def test_online_provider_answers_what_offline_cannot(tmp_path, fake_server, monkeypatch):
    monkeypatch.setenv("STRIKEMAP_PROVIDER_CACHE", str(tmp_path / "cache.sqlite"))
    server = fake_server("ok")
    args = ["geocode", "--json", "--provider", "nominatim", "--nominatim-domain", server.domain, "Jurf al-Sakhar"]
    first = json.loads(run_cli(*args).stdout)
    again = json.loads(run_cli(*args).stdout)
    assert first["source"] == "nominatim" and again["source"] == "nominatim:cache"
    assert len(server.requests) == 1  # the second run was answered from the disk cache


def test_export_a_dashboard_link(tmp_path):
    out = tmp_path / "view.geojson"
    link = "http://localhost:8501/?start=2021-06-01&end=2021-06-30&country=Syria&precision=2"
    assert main(["export", "--view", link, "-o", str(out)]) == 0
    ids = sorted(f["properties"]["event_id_cnty"] for f in json.loads(out.read_text())["features"])
    assert ids == ["SM-SYR-2021-0002", "SM-SYR-2021-0003"]
    assert main(["export", "--view", "precision=9", "-o", str(out)]) == 2


def test_one_event_is_counted_in_the_singular(tmp_path, capsys):
    import pandas as pd

    from conftest import ROOT

    one = tmp_path / "one.csv"
    pd.read_csv(ROOT / "data" / "events.csv", dtype=str, keep_default_na=False).head(1).to_csv(one, index=False)
    assert main(["export", "--events", str(one), "-o", str(tmp_path / "one.geojson")]) == 0
    assert "wrote 1 event to " in capsys.readouterr().err
