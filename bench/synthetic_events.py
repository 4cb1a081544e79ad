"""Synthetic ACLED-like events in strikemap's schema, for scale benchmarks.

    .venv/bin/python bench/synthetic_events.py 100000 -o data/build/bench/events_100000.csv
    .venv/bin/python bench/synthetic_events.py 1000 -o /tmp/events.geojson --seed 3 --no-validate

or, from Python, ``make_events(n, seed=7) -> pandas.DataFrame`` (columns: ``geo.io.events.SCHEMA``).

What makes it realistic enough to load-test the dashboard:

* places are REAL towns of Syria and Iraq from the project's gazetteer
  (``data/build/gazetteer.sqlite``, ``kind='place'``, population > 5000), chosen with weight
  ``sqrt(population)`` times a boost for the governorates where most strikes happen (Idlib,
  Deir ez-Zor, Anbar, Nineveh, Duhok, ...) and for the scenario's own areas (Turkish drone
  strikes in Duhok/Erbil/Sulaymaniyah and the north-east of Syria, US strikes near Al-Bukamal
  and Al-Qaim, ...), then jittered by a few km; ``latitude``/``longitude`` are always filled,
  so loading the file needs no geocoding (``geocoder`` = "given coordinates");
* dates run 2019-01-01 .. 2023-12-31 with a yearly trend, weekly seasonality and ~25 % of
  the events in bursts (a campaign: one actor, one area, 2-21 days, most events early on);
* ACLED's vocabulary for event_type / sub_event_type and ACLED-style actor names; each
  scenario (actor, kind of attack, usual targets, areas, active years) is a row of SCENARIOS;
* geo_precision 1/2/3 about 70/25/5 % with ``radius_km`` = the town's radius
  (0.012*sqrt(population), 1..15 km) / 15 / 50, as ``geo.geocoding.resolve`` would give;
* notes of 60-300 characters made from templates, with occasional quotes and ampersands,
  never a real person's name; fatalities with min/max ranges (many zeros) and who said what.

Deterministic for a given ``(n, seed)``. Files are written to a temporary file beside the
target and renamed over it. The CLI then loads the file with ``geo.io.events.load_events`` to
prove it is valid, and prints rows, bytes and seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from geo.io.events import SCHEMA
from geo.io.export import atomic_write

GAZETTEER = ROOT / "data" / "build" / "gazetteer.sqlite"
START = dt.date(2019, 1, 1)
END = dt.date(2023, 12, 31)
YEARS = list(range(START.year, END.year + 1))
COUNTRY_NAMES = {"SY": "Syria", "IQ": "Iraq"}
ID_PREFIX = {"SY": "SYN-SYR-", "IQ": "SYN-IRQ-"}
BURST_SHARE = 0.25
# Governorates where most strikes are reported: a multiplier on the town weight.
HOT_ADMIN1 = {
    "Idlib": 4.0, "Aleppo": 2.0, "Deir ez-Zor": 4.0, "Al-Hasakah": 3.0, "Al-Raqqah": 3.0, "Hama": 1.5,
    "Daraa": 1.5, "Homs": 1.2, "Latakia": 1.2,
    "Al Anbar": 3.0, "Nineveh": 2.5, "Duhok": 3.0, "Erbil": 2.0, "Sulaymaniyah": 1.5, "Saladin": 2.0,
    "Diyala": 2.0, "Kirkuk": 2.0, "Baghdad": 0.5,
}
# Towns a scenario favours (GeoNames spellings as in the gazetteer), boost factor.
BORDER_TOWNS = ["Al Bukamal", "Al Mayadin", "Ḩajīn", "Al Qa'im", "Rāwah", "‘Anah", "Ash Shafah", "Hajin"]

# Weekly seasonality (Mon..Sun): Friday quieter, mid-week busier.
WEEKDAY_FACTOR = np.array([1.05, 1.10, 1.10, 1.05, 0.75, 0.95, 1.0])
# Yearly trend of the overall level (2019 .. 2023).
YEAR_FACTOR = {2019: 1.6, 2020: 1.2, 2021: 0.9, 2022: 0.8, 2023: 0.7}

EXPLOSIONS = "Explosions/Remote violence"
AIR = "Air/drone strike"
SHELLING = "Shelling/artillery/missile attack"
IED = "Remote explosive/landmine/IED"
BATTLES = "Battles"
CLASH = "Armed clash"
VAC = "Violence against civilians"
ATTACK = "Attack"

US_OLD, US_NEW = "Military Forces of the United States (2017-2021)", "Military Forces of the United States (2021-)"
RUSSIA = "Military Forces of Russia (2000-)"
SYRIA_GOV = "Military Forces of Syria (2000-)"
TURKEY = "Military Forces of Turkey (2016-)"
IRAQ_GOV = {2019: "Military Forces of Iraq (2018-2020)", 2020: "Military Forces of Iraq (2020-2022)",
            2021: "Military Forces of Iraq (2020-2022)", 2022: "Military Forces of Iraq (2022-)",
            2023: "Military Forces of Iraq (2022-)"}
KH = "Kata'ib Hezbollah (KH)"
KSS = "Kata'ib Sayyid al-Shuhada (KSS)"
PMF = "Popular Mobilisation Forces (PMF)"
ISIS_SY, ISIS_IQ = "Islamic State (Syria)", "Islamic State (Iraq)"
SDF = "SDF: Syrian Democratic Forces"
HTS = "HTS: Hayat Tahrir al-Sham"
PKK = "PKK: Kurdistan Workers Party"
UNID_SY, UNID_IQ = "Unidentified Armed Group (Syria)", "Unidentified Armed Group (Iraq)"
CIV_SY, CIV_IQ = "Civilians (Syria)", "Civilians (Iraq)"

# One row per kind of event: country, actor1 (a year -> name function for renamed forces),
# event_type, sub_event_type, actor2 choices, weight, weight per year (2019..2023),
# favoured governorates (everywhere else x0.03), favoured towns (x10), the sources that usually report it.
SCENARIOS = [
    dict(country="SY", actor1=RUSSIA, type=EXPLOSIONS, sub=AIR, actor2=[HTS, UNID_SY, CIV_SY], w=9,
         years=[3, 2, 0.8, 0.6, 0.6], admin1=["Idlib", "Hama", "Aleppo", "Latakia"],
         sources=["Syrian Observatory for Human Rights", "Step News Agency", "Enab Baladi", "Syria Call"]),
    dict(country="SY", actor1=RUSSIA, type=EXPLOSIONS, sub=AIR, actor2=[ISIS_SY], w=2,
         years=[1, 1, 1.2, 1, 1], admin1=["Homs", "Deir ez-Zor", "Al-Raqqah", "Hama"],
         sources=["Syrian Observatory for Human Rights", "SANA", "Deir Ezzor 24"]),
    dict(country="SY", actor1=SYRIA_GOV, type=EXPLOSIONS, sub=SHELLING, actor2=[HTS, CIV_SY, ""], w=14,
         years=[3, 2, 1, 1, 1.2], admin1=["Idlib", "Hama", "Aleppo", "Latakia"],
         sources=["Syrian Observatory for Human Rights", "Step News Agency", "Syria Call", "Enab Baladi"]),
    dict(country="SY", actor1=SYRIA_GOV, type=EXPLOSIONS, sub=AIR, actor2=[HTS, CIV_SY], w=4,
         years=[3, 1.5, 0.5, 0.4, 0.6], admin1=["Idlib", "Hama", "Aleppo"],
         sources=["Syrian Observatory for Human Rights", "Step News Agency", "SMART News Agency"]),
    dict(country="SY", actor1=TURKEY, type=EXPLOSIONS, sub=AIR, actor2=[SDF, "", CIV_SY], w=5,
         years=[0.5, 0.8, 1.2, 2, 2.5], admin1=["Al-Hasakah", "Aleppo", "Al-Raqqah"],
         sources=["North Press Agency", "Hawar News Agency", "Ministry of National Defence of Turkey",
                  "Syrian Observatory for Human Rights"]),
    dict(country="SY", actor1=TURKEY, type=EXPLOSIONS, sub=SHELLING, actor2=[SDF, CIV_SY, ""], w=8,
         years=[1.5, 1, 1, 1.2, 1.2], admin1=["Al-Hasakah", "Aleppo", "Al-Raqqah"],
         sources=["North Press Agency", "Hawar News Agency", "Syrian Observatory for Human Rights"]),
    dict(country="SY", actor1=US_NEW, type=EXPLOSIONS, sub=AIR, actor2=[KH, KSS, ISIS_SY, ""], w=0.6,
         years=[0.6, 0.5, 1, 1, 1.5], admin1=["Deir ez-Zor", "Idlib", "Al-Hasakah"], towns=BORDER_TOWNS,
         sources=["US Central Command (CENTCOM)", "Syrian Observatory for Human Rights", "Deir Ezzor 24"]),
    dict(country="SY", actor1=ISIS_SY, type=EXPLOSIONS, sub=IED, actor2=[SDF, SYRIA_GOV, CIV_SY], w=5,
         years=[2, 1.2, 1, 0.8, 0.6], admin1=["Deir ez-Zor", "Al-Raqqah", "Al-Hasakah", "Homs"],
         sources=["Syrian Observatory for Human Rights", "Deir Ezzor 24", "North Press Agency"]),
    dict(country="SY", actor1=ISIS_SY, type=VAC, sub=ATTACK, actor2=[CIV_SY], w=2,
         years=[2, 1.2, 1, 0.8, 0.6], admin1=["Deir ez-Zor", "Al-Raqqah", "Al-Hasakah"],
         sources=["Syrian Observatory for Human Rights", "Deir Ezzor 24"]),
    dict(country="SY", actor1=HTS, type=EXPLOSIONS, sub=SHELLING, actor2=[SYRIA_GOV, CIV_SY], w=3,
         years=[2, 1.5, 0.8, 0.8, 1], admin1=["Idlib", "Hama", "Aleppo", "Latakia"],
         sources=["Syrian Observatory for Human Rights", "SANA", "Step News Agency"]),
    dict(country="SY", actor1=HTS, type=BATTLES, sub=CLASH, actor2=[SYRIA_GOV], w=4,
         years=[2.5, 1.5, 0.7, 0.7, 0.8], admin1=["Idlib", "Hama", "Aleppo", "Latakia"],
         sources=["Syrian Observatory for Human Rights", "Step News Agency", "Enab Baladi"]),
    dict(country="SY", actor1=SDF, type=BATTLES, sub=CLASH, actor2=[ISIS_SY, TURKEY, UNID_SY], w=3,
         years=[2, 1, 1, 1, 1], admin1=["Deir ez-Zor", "Al-Hasakah", "Al-Raqqah", "Aleppo"],
         sources=["North Press Agency", "Hawar News Agency", "Syrian Observatory for Human Rights"]),
    dict(country="SY", actor1=UNID_SY, type=EXPLOSIONS, sub=IED, actor2=[CIV_SY, SDF, SYRIA_GOV, ""], w=5,
         years=[1, 1, 1, 1, 1], admin1=["Daraa", "Aleppo", "Al-Hasakah", "Deir ez-Zor"],
         sources=["Syrian Observatory for Human Rights", "Horan Free League", "North Press Agency"]),
    dict(country="SY", actor1=UNID_SY, type=EXPLOSIONS, sub=AIR, actor2=[KH, PMF, ""], w=0.8,
         years=[1, 1, 1, 1, 1.2], admin1=["Deir ez-Zor"], towns=BORDER_TOWNS,
         sources=["Syrian Observatory for Human Rights", "Deir Ezzor 24", "Sabereen News"]),
    dict(country="IQ", actor1=TURKEY, type=EXPLOSIONS, sub=AIR, actor2=[PKK, "", CIV_IQ], w=8,
         years=[1, 1.2, 1.5, 1.8, 1.8], admin1=["Duhok", "Erbil", "Sulaymaniyah", "Nineveh"],
         sources=["Rudaw", "Kurdistan 24", "Ministry of National Defence of Turkey", "Anadolu Agency"]),
    dict(country="IQ", actor1=TURKEY, type=EXPLOSIONS, sub=SHELLING, actor2=[PKK, ""], w=5,
         years=[1, 1.2, 1.4, 1.5, 1.3], admin1=["Duhok", "Erbil"],
         sources=["Rudaw", "Kurdistan 24", "Anadolu Agency"]),
    dict(country="IQ", actor1=IRAQ_GOV, type=EXPLOSIONS, sub=AIR, actor2=[ISIS_IQ], w=4,
         years=[2, 1.5, 1.2, 0.8, 0.6], admin1=["Al Anbar", "Saladin", "Diyala", "Kirkuk", "Nineveh"],
         sources=["Iraqi Security Media Cell", "Shafaq News", "Xinhua", "Al Sumaria"]),
    dict(country="IQ", actor1=IRAQ_GOV, type=BATTLES, sub=CLASH, actor2=[ISIS_IQ], w=4,
         years=[2, 1.5, 1.2, 0.8, 0.6], admin1=["Al Anbar", "Saladin", "Diyala", "Kirkuk"],
         sources=["Iraqi Security Media Cell", "Shafaq News", "Baghdad Today"]),
    dict(country="IQ", actor1=US_NEW, type=EXPLOSIONS, sub=AIR, actor2=[KH, KSS, PMF, ISIS_IQ], w=0.5,
         years=[0.4, 1.5, 1, 0.5, 1.2], admin1=["Al Anbar", "Baghdad", "Babylon"], towns=BORDER_TOWNS,
         sources=["US Central Command (CENTCOM)", "Shafaq News", "Popular Mobilisation Forces media office"]),
    dict(country="IQ", actor1=KH, type=EXPLOSIONS, sub=SHELLING, actor2=[US_NEW, ""], w=1.5,
         years=[0.5, 2, 1.5, 0.6, 1.5], admin1=["Baghdad", "Al Anbar", "Erbil", "Saladin"],
         sources=["Iraqi Security Media Cell", "Shafaq News", "Rudaw", "US Central Command (CENTCOM)"]),
    dict(country="IQ", actor1=KSS, type=EXPLOSIONS, sub=SHELLING, actor2=[US_NEW, TURKEY, ""], w=0.6,
         years=[0.5, 1.5, 1.5, 0.8, 1.2], admin1=["Baghdad", "Nineveh", "Al Anbar"],
         sources=["Iraqi Security Media Cell", "Shafaq News", "Sabereen News"]),
    dict(country="IQ", actor1=PMF, type=BATTLES, sub=CLASH, actor2=[ISIS_IQ], w=2,
         years=[2, 1.5, 1, 0.8, 0.6], admin1=["Diyala", "Saladin", "Al Anbar", "Kirkuk"],
         sources=["Popular Mobilisation Forces media office", "Shafaq News", "Baghdad Today"]),
    dict(country="IQ", actor1=ISIS_IQ, type=EXPLOSIONS, sub=IED, actor2=[PMF, IRAQ_GOV, CIV_IQ], w=5,
         years=[2, 1.6, 1.2, 0.8, 0.5], admin1=["Diyala", "Saladin", "Kirkuk", "Al Anbar", "Nineveh"],
         sources=["Iraqi Security Media Cell", "Shafaq News", "Al Sumaria", "Xinhua"]),
    dict(country="IQ", actor1=ISIS_IQ, type=VAC, sub=ATTACK, actor2=[CIV_IQ], w=2,
         years=[2, 1.6, 1.2, 0.8, 0.5], admin1=["Diyala", "Saladin", "Kirkuk"],
         sources=["Shafaq News", "Al Sumaria", "Baghdad Today"]),
    dict(country="IQ", actor1=UNID_IQ, type=EXPLOSIONS, sub=IED, actor2=[CIV_IQ, IRAQ_GOV, ""], w=3,
         years=[1, 1.3, 1.3, 1, 0.8], admin1=["Baghdad", "Basra", "Dhi Qar", "Babylon", "Diyala"],
         sources=["Shafaq News", "Al Sumaria", "Baghdad Today"]),
    dict(country="IQ", actor1=UNID_IQ, type=EXPLOSIONS, sub=AIR, actor2=[PMF, KH, ""], w=0.7,
         years=[1.5, 0.8, 0.6, 0.6, 0.8], admin1=["Al Anbar", "Saladin"], towns=BORDER_TOWNS,
         sources=["Shafaq News", "Popular Mobilisation Forces media office", "Sabereen News"]),
]

VERB = {
    AIR: ["carried out an air strike on", "struck", "hit with a drone strike", "conducted air strikes on",
          "carried out a drone strike on", "bombed"],
    SHELLING: ["shelled", "fired rockets at", "launched artillery fire on", "fired missiles at",
               "targeted with mortar rounds"],
    IED: ["detonated an IED targeting", "planted a landmine that hit", "set off a roadside bomb against",
          "used an explosive device against"],
    CLASH: ["clashed with", "attacked positions of", "exchanged fire with"],
    ATTACK: ["attacked", "abducted and killed", "opened fire on"],
}
TARGETS = {
    AIR: ["a position", "a weapons depot", "a vehicle", "a training camp", "an outpost", "a tunnel network",
          "a farm used as a base", "a checkpoint"],
    SHELLING: ["residential areas", "a military base", "frontline positions", "farmland", "a village",
               "a supply route"],
    IED: ["a military vehicle", "a patrol", "a civilian car", "a convoy", "a motorcycle"],
    CLASH: ["frontline positions", "a checkpoint", "an outpost"],
    ATTACK: ["shepherds", "truffle hunters", "a family", "farm workers", "a shop owner"],
}
EXTRAS = [
    "Material damage reported.", "Damage to a house & a vehicle reported.",
    "The attack came amid increased tension in the area.", "Part of a wider escalation in the area.",
    'Local sources described the strike as "the heaviest in weeks".',
    "A water station & power line were damaged.", 'The ministry called it a "counter-terrorism operation".',
    "Several people were wounded.", "Ambulances reached the site hours later.",
    "Residents reported drones flying over the area before the strike.",
    'Sources said the target was a "command centre".', "Repeated in the following days.",
]
NO_TOLL_EXTRAS = ["No casualties were reported.", "Casualties unclear.", "Casualties unknown & damage unclear."]
MENTION_FORMS_P1 = ["{town}", "{town}", "{town}", "{town} city", "the town of {town}", "{town}, {admin1}"]
MENTION_FORMS_P2 = ["near {town}", "near {town}", "outskirts of {town}", "countryside of {town}",
                    "{km} km {dir} of {town}", "around {town}", "close to {town}"]
MENTION_FORMS_P3 = ["{admin1} governorate", "rural {admin1}", "{dir}ern {admin1}", "the {admin1} countryside"]
DIRECTIONS = ["north", "south", "east", "west"]
SOURCE_TOLL = ["local sources", "activists", "a medical source", "state media", "a security source"]


def _towns(db: Path = GAZETTEER) -> pd.DataFrame:
    if not db.exists():
        raise FileNotFoundError(f"{db}: gazetteer not built (run `make setup` or `python -m geo setup`)")
    with sqlite3.connect(db) as conn:
        towns = pd.read_sql_query(
            "SELECT name, admin1, country, lat, lon, population FROM places "
            "WHERE kind='place' AND country IN ('SY','IQ') AND population > 5000 ORDER BY country, name, id",
            conn)
    # A few GeoNames rows have no province: give them the nearest town's in the same country.
    for index in towns.index[towns["admin1"].fillna("") == ""]:
        row = towns.loc[index]
        known = towns[(towns["country"] == row["country"]) & (towns["admin1"].fillna("") != "")]
        nearest = ((known["lat"] - row["lat"]) ** 2 + (known["lon"] - row["lon"]) ** 2).idxmin()
        towns.at[index, "admin1"] = towns.at[nearest, "admin1"]
    towns = towns.reset_index(drop=True)
    towns["radius_km"] = np.clip(0.012 * np.sqrt(towns["population"].to_numpy(float)), 1.0, 15.0).round(1)
    hot = towns["admin1"].map(HOT_ADMIN1).fillna(1.0).to_numpy()
    towns["weight"] = np.sqrt(towns["population"].to_numpy(float)) * hot
    return towns


def _scenario_town_weights(towns: pd.DataFrame, scenario: dict) -> np.ndarray:
    weight = towns["weight"].to_numpy().copy()
    weight[towns["country"].to_numpy() != scenario["country"]] = 0.0
    # Outside its usual governorates a scenario is rare (a Turkish drone strike in Tartus would look wrong).
    weight[~towns["admin1"].isin(scenario.get("admin1", [])).to_numpy()] *= 0.03
    weight[towns["name"].isin(scenario.get("towns", [])).to_numpy()] *= 10.0
    return weight / weight.sum()


def _neighbours(towns: pd.DataFrame, km: float = 60.0) -> list[np.ndarray]:
    lat, lon = np.radians(towns["lat"].to_numpy()), np.radians(towns["lon"].to_numpy())
    dlat, dlon = lat[:, None] - lat[None, :], lon[:, None] - lon[None, :]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    dist = 2 * 6371.0 * np.arcsin(np.sqrt(a))
    same = towns["country"].to_numpy()[:, None] == towns["country"].to_numpy()[None, :]
    return [np.flatnonzero((dist[i] <= km) & same[i]) for i in range(len(towns))]


def _day_intensity(days: pd.DatetimeIndex) -> np.ndarray:
    year = np.array([YEAR_FACTOR[y] for y in days.year])
    seasonal = 1.0 + 0.15 * np.sin(2 * np.pi * (days.day_of_year.to_numpy() - 80) / 365.25)
    return year * seasonal * WEEKDAY_FACTOR[days.day_of_week.to_numpy()]


def make_events(n: int, seed: int = 7) -> pd.DataFrame:
    """``n`` synthetic events (columns ``geo.io.events.SCHEMA``), deterministic for ``seed``."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = np.random.default_rng(seed)
    towns = _towns()
    days = pd.date_range(START, END, freq="D")
    n_days = len(days)
    intensity = _day_intensity(days)
    year_index = days.year.to_numpy() - START.year
    scenario_weight = np.array([[s["w"] * s["years"][y] for s in SCENARIOS] for y in range(len(YEARS))])
    town_p = [_scenario_town_weights(towns, s) for s in SCENARIOS]
    near = _neighbours(towns)

    day = np.empty(n, dtype=np.int64)
    scenario = np.empty(n, dtype=np.int64)
    town = np.empty(n, dtype=np.int64)

    # Bursts: campaigns of one scenario around one town, front-loaded in time.
    n_burst = round(n * BURST_SHARE)
    n_campaigns = int(np.clip(n // 300, 1, 80)) if n_burst else 0
    at = 0
    if n_campaigns:
        camp_day = rng.integers(0, n_days, n_campaigns)
        camp_year = year_index[camp_day]
        camp_scenario = np.array([rng.choice(len(SCENARIOS), p=scenario_weight[y] / scenario_weight[y].sum())
                                  for y in camp_year])
        camp_town = np.array([rng.choice(len(towns), p=town_p[s]) for s in camp_scenario])
        camp_length = rng.integers(2, 22, n_campaigns)
        camp_size = rng.multinomial(n_burst, _norm(rng.lognormal(0.0, 0.8, n_campaigns)))
        for c in range(n_campaigns):
            size = camp_size[c]
            if not size:
                continue
            offset = np.minimum(rng.exponential(camp_length[c] / 3.0, size).astype(np.int64), camp_length[c] - 1)
            day[at:at + size] = np.minimum(camp_day[c] + offset, n_days - 1)
            scenario[at:at + size] = camp_scenario[c]
            here = rng.random(size) < 0.65
            others = near[camp_town[c]]
            pick = rng.choice(others, size, p=_norm(towns["weight"].to_numpy()[others]))
            town[at:at + size] = np.where(here, camp_town[c], pick)
            at += size

    # Background: day by intensity, scenario by year, town by the scenario's areas.
    rest = n - at
    day[at:] = rng.choice(n_days, rest, p=_norm(intensity))
    for y in range(len(YEARS)):
        idx = at + np.flatnonzero(year_index[day[at:]] == y)
        scenario[idx] = rng.choice(len(SCENARIOS), idx.size, p=_norm(scenario_weight[y]))
    for s in range(len(SCENARIOS)):
        idx = at + np.flatnonzero(scenario[at:] == s)
        town[idx] = rng.choice(len(towns), idx.size, p=town_p[s])

    # Chronological order, as ACLED exports are (stable: ties keep generation order).
    order = np.argsort(day, kind="stable")
    day, scenario, town = day[order], scenario[order], town[order]

    # Precision, radius, jittered coordinates (a few km, more for vaguer places).
    geo_precision = rng.choice([1, 2, 3], n, p=[0.70, 0.25, 0.05])
    town_radius = towns["radius_km"].to_numpy()[town]
    radius_km = np.where(geo_precision == 1, town_radius, np.where(geo_precision == 2, 15.0, 50.0))
    sigma_km = np.array([0.0, 1.5, 3.0, 5.0])[geo_precision]
    jitter = np.clip(rng.normal(0.0, 1.0, (n, 2)), -3, 3) * sigma_km[:, None]
    lat = towns["lat"].to_numpy()[town] + jitter[:, 0] / 110.574
    lon = towns["lon"].to_numpy()[town] + jitter[:, 1] / (111.320 * np.cos(np.radians(towns["lat"].to_numpy()[town])))
    time_precision = rng.choice([1, 2, 3], n, p=[0.90, 0.08, 0.02])

    # Fatalities: many zeros; sources disagree on about a third of the rest.
    sub_types = np.array([s["sub"] for s in SCENARIOS])[scenario]
    zero_p = np.select([sub_types == AIR, sub_types == SHELLING, sub_types == IED, sub_types == CLASH],
                       [0.55, 0.75, 0.55, 0.45], 0.35)
    killed = np.where(rng.random(n) < zero_p, 0, rng.geometric(0.35, n))
    big = rng.random(n) < 0.01
    killed[big] += rng.integers(5, 40, int(big.sum()))
    disagree = (killed > 0) & (rng.random(n) < 0.3)
    fatalities_max = killed + np.where(disagree, rng.geometric(0.4, n), 0)

    dates = days[day]
    date_text = dates.strftime("%Y-%m-%d")
    long_date = [f"{d.day} {d.strftime('%B %Y')}" for d in dates]
    country = towns["country"].to_numpy()[town]
    counters = {"SY": 0, "IQ": 0}
    ids = np.empty(n, dtype=object)
    for i, c in enumerate(country):
        counters[c] += 1
        ids[i] = f"{ID_PREFIX[c]}{counters[c]:06d}"

    # Text columns: a light Python loop over pre-drawn random numbers.
    u = rng.random((n, 8))
    names, admins = towns["name"].to_numpy(), towns["admin1"].to_numpy()
    actor1, actor2, sources, notes, mentions, regions, fat_sources = ([""] * n for _ in range(7))
    us_switch = dt.date(2021, 1, 20).isoformat()
    for i in range(n):
        s = SCENARIOS[scenario[i]]
        year = int(date_text[i][:4])
        a1 = s["actor1"]
        if isinstance(a1, dict):
            a1 = a1[year]
        if a1 == US_NEW and date_text[i] < us_switch:
            a1 = US_OLD
        a2 = _pick(s["actor2"], u[i, 0])
        if isinstance(a2, dict):
            a2 = a2[year]
        if a2 == US_NEW and date_text[i] < us_switch:
            a2 = US_OLD
        actor1[i], actor2[i] = a1, a2
        place, admin1 = names[town[i]], admins[town[i]]
        p = geo_precision[i]
        if p == 1:
            mention = _pick(MENTION_FORMS_P1, u[i, 1])
        elif p == 2:
            mention = _pick(MENTION_FORMS_P2, u[i, 1])
        else:
            mention = _pick(MENTION_FORMS_P3, u[i, 1])
        mention = mention.format(town=place, admin1=admin1, km=3 + int(u[i, 2] * 12),
                                 dir=_pick(DIRECTIONS, u[i, 3]))
        mentions[i] = mention
        if p == 3 or u[i, 4] < 0.08:
            regions[i] = "the Iraq-Syria border region" if place in BORDER_TOWNS else f"{admin1} governorate"
        names_of_sources = s["sources"]
        first = _pick(names_of_sources, u[i, 5])
        second = _pick(names_of_sources, u[i, 6])
        sources[i] = first if (second == first or u[i, 7] < 0.5) else f"{first}; {second}"
        lo, hi = int(killed[i]), int(fatalities_max[i])
        if hi == 0:
            fat_sources[i] = "" if u[i, 2] < 0.7 else "no fatalities reported"
        elif lo == hi:
            fat_sources[i] = f"{lo}: {first}"
        else:
            fat_sources[i] = f"{lo}: {first}; {hi}: {_pick(SOURCE_TOLL, u[i, 3])}"
        notes[i] = _note(long_date[i], a1, a2, s["sub"], place, mention, lo, hi, u[i])

    frame = pd.DataFrame({
        "event_id_cnty": ids,
        "event_date": date_text,
        "time_precision": time_precision,
        "event_type": np.array([s["type"] for s in SCENARIOS], dtype=object)[scenario],
        "sub_event_type": sub_types.astype(object),
        "actor1": actor1,
        "actor2": actor2,
        "country": pd.Series(country).map(COUNTRY_NAMES).to_numpy(dtype=object),
        "admin1": admins[town],
        "location": names[town],
        "latitude": np.round(lat, 5),
        "longitude": np.round(lon, 5),
        "geo_precision": geo_precision,
        "source": sources,
        "notes": notes,
        "fatalities": killed,
        "location_mention": mentions,
        "region_mention": regions,
        "radius_km": np.round(radius_km, 1),
        "fatalities_min": killed,
        "fatalities_max": fatalities_max,
        "fatalities_sources": fat_sources,
        "source_url": "",
        "geocoder": "given coordinates",
    })
    return frame.reindex(columns=SCHEMA)  # columns not drawn here (the geocoder's confidence) stay blank


def _norm(weights) -> np.ndarray:
    weights = np.asarray(weights, dtype=float)
    return weights / weights.sum()


def _pick(options, r: float):
    return options[min(int(r * len(options)), len(options) - 1)]


def _short(actor: str) -> str:
    """ACLED notes name actors briefly: "Military Forces of Turkey (2016-)" -> "Turkish forces"."""
    for key, short in (("United States", "US forces"), ("Russia", "Russian forces"), ("of Syria", "Syrian regime forces"),
                       ("Turkey", "Turkish forces"), ("of Iraq", "Iraqi forces"), ("Islamic State", "ISIS"),
                       ("SDF", "the SDF"), ("HTS", "HTS"), ("PKK", "the PKK"), ("Unidentified", "an unidentified armed group"),
                       ("Civilians", "civilians")):
        if key in actor:
            return short
    if "(" in actor and actor.endswith(")"):
        return actor[actor.rindex("(") + 1:-1]  # "Kata'ib Hezbollah (KH)" -> "KH"
    return actor


def _note(date: str, actor1: str, actor2: str, sub: str, place: str, mention: str, low: int, high: int, u) -> str:
    verb = _pick(VERB[sub], u[0])
    target = _pick(TARGETS[sub], u[1])
    whose = f" of {_short(actor2)}" if actor2 and "Civilians" not in actor2 and u[2] < 0.6 else ""
    if mention.startswith(("near ", "around ", "close to ")) or mention[:1].isdigit():
        where = mention
    elif mention.startswith("outskirts"):
        where = f"on the {mention}"
    elif mention.startswith("countryside"):
        where = f"in the {mention}"
    else:
        where = f"in {mention}"
    if sub == CLASH and actor2:
        text = f"On {date}, {_short(actor1)} {verb} {_short(actor2)} {where}."
    else:
        text = f"On {date}, {_short(actor1)} {verb} {target}{whose} {where}."
    if high == 0:
        toll = ""
    elif low == high:
        toll = f" {low} {'person was' if low == 1 else 'people were'} killed."
    else:
        toll = f" Between {low} and {high} killed, according to different sources."
    text += toll
    if high == 0 and u[7] < 0.4:
        text += " " + _pick(NO_TOLL_EXTRAS, u[3])
    first = _pick(EXTRAS, u[3])
    if u[4] < 0.6:
        text += " " + first
    second = _pick(EXTRAS, u[6])
    if u[5] < 0.25 and second != first:
        text += " " + second
    if len(text) < 60:
        text += " Reported by local monitors & media."
    if len(text) > 300:
        text = text[:296].rsplit(" ", 1)[0] + " ..."
    return text


# ------------------------------------------------------------------ writing

def _geojson_text(frame: pd.DataFrame) -> str:
    records = frame.to_dict("records")
    features = []
    for r in records:
        props = {k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
        features.append({"type": "Feature", "properties": props,
                         "geometry": {"type": "Point", "coordinates": [props["longitude"], props["latitude"]]}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                      separators=(",", ":"))


def write_events(frame: pd.DataFrame, path: Path | str) -> Path:
    """Write ``frame`` as CSV or GeoJSON (by suffix), atomically."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n", encoding="utf-8"))
    elif suffix in (".geojson", ".json"):
        text = _geojson_text(frame)
        atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    else:
        raise ValueError(f"{path}: use a .csv or .geojson file name")
    return path


def validate_file(path: Path | str, expected_rows: int) -> float:
    """Load ``path`` with geo.io.events.load_events; raise unless every row is there with coordinates."""
    from geo.io.events import load_events

    started = time.perf_counter()
    gdf = load_events(path)
    elapsed = time.perf_counter() - started
    if len(gdf) != expected_rows:
        raise RuntimeError(f"{path}: load_events gave {len(gdf)} rows, expected {expected_rows}")
    if gdf.geometry.isna().any() or (gdf["geocoder"] != "given coordinates").any():
        raise RuntimeError(f"{path}: some rows lost their coordinates")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of events")
    parser.add_argument("-o", "--output", required=True, help="PATH.csv or PATH.geojson")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-validate", action="store_true", help="skip loading the file with geo.io.events.load_events")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    frame = make_events(args.n, seed=args.seed)
    generated = time.perf_counter() - started
    path = write_events(frame, args.output)
    written = time.perf_counter() - started - generated
    size = path.stat().st_size
    print(f"{path}: {len(frame)} rows, {size} bytes ({size / 1e6:.1f} MB); generated in {generated:.2f} s, "
          f"written in {written:.2f} s")
    if not args.no_validate:
        loaded = validate_file(path, len(frame))
        print(f"{path}: geo.io.events.load_events loads all {len(frame)} rows with coordinates in {loaded:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
