"""Military sites and border crossings that reports name often, from a small curated table.

Air bases, garrisons and crossings are not populated places, so GeoNames' towns do
not hold them. ``geo/sites.csv`` lists each with its aliases, coordinates, an
uncertainty radius and the source of the coordinates; this module finds a site
named anywhere in a mention ("a depot near the Al-Qaim border crossing").
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from .names import name_key

SITES_CSV = Path(__file__).with_name("sites.csv")


@dataclass(frozen=True)
class Site:
    name: str
    country: str
    lat: float
    lon: float
    radius_km: float
    kind: str
    source: str


@functools.lru_cache(maxsize=1)
def _alias_index() -> tuple[re.Pattern, dict[str, Site]]:
    """One pattern matching any alias as whole words of a name key (longest first), and alias -> site."""
    sites: dict[str, Site] = {}
    with SITES_CSV.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            site = Site(row["name"], row["country"], float(row["lat"]), float(row["lon"]),
                        float(row["radius_km"]), row["kind"], row["source"])
            for alias in {row["name"], *row["aliases"].split("|")}:
                if name_key(alias):
                    sites[name_key(alias)] = site
    aliases = sorted(sites, key=len, reverse=True)
    return re.compile(r"(?:^| )(" + "|".join(map(re.escape, aliases)) + r")(?: |$)"), sites


def find_site(text: str) -> tuple[Site, str] | None:
    """The site named in ``text`` and the alias that named it, or None."""
    pattern, sites = _alias_index()
    match = pattern.search(name_key(text))
    return (sites[match.group(1)], match.group(1)) if match else None
