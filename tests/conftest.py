"""Shared test helpers: paths, distances, and a check that `make setup` has run."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from geo import config

ROOT = Path(__file__).resolve().parents[1]

# Hypothesis profiles for the property-based tests (tests/test_properties.py). A verdict must not depend on
# the run: under CI the examples are derandomized (drawn from a hash of each test, the same every run), no
# example database is read or written, and nothing depends on the wall clock (no deadlines, no too_slow health
# check: a loaded machine is slow, not wrong). A failure prints its reproduce blob. Outside CI the "default"
# profile stays Hypothesis' own (random, with a local .hypothesis/ database). Random exploration is `make fuzz`:
# the "fuzz" profile, more examples by $STRIKEMAP_FUZZ_SCALE (test_properties.examples), failures kept in
# .hypothesis/ and printed with their blob, to be pinned as @example regression cases.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", derandomize=False, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")  # Hypothesis loads its own "ci" by itself; this one is ours, stated here
ABU_KAMAL = (34.45, 40.92)
AL_QAIM = (34.39, 40.99)


def km_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def km_to_shape(lat: float, lon: float, shape) -> float:
    """Distance from a point to the nearest point of a shape (lon/lat degrees), in km."""
    from shapely.ops import nearest_points
    from shapely.geometry import Point

    nearest = nearest_points(Point(lon, lat), shape)[1]
    return km_between(lat, lon, nearest.y, nearest.x)


def pytest_sessionstart(session):
    if not os.environ.get("STRIKEMAP_DB"):
        # Never the user's data/store.sqlite: the tests' dashboards (AppTest and served) share a scratch store.
        import tempfile

        os.environ["STRIKEMAP_DB"] = str(Path(tempfile.mkdtemp(prefix="strikemap-test-store-")) / "store.sqlite")
    if not os.environ.get("STRIKEMAP_CACHE_DIR"):
        # Nor data/build/cache: the tests' dashboards read their files into a scratch cache of parsed events.
        import tempfile

        os.environ["STRIKEMAP_CACHE_DIR"] = tempfile.mkdtemp(prefix="strikemap-test-cache-")
    if not config.GAZETTEER_DB.exists():
        raise pytest.UsageError(
            f"{config.GAZETTEER_DB} is missing: run `make test` (or `python -m geo setup`) so the offline "
            "gazetteer is built before the tests."
        )


@pytest.fixture()
def events_csv(tmp_path):
    """A writable copy of the bundled events CSV."""
    target = tmp_path / "events.csv"
    target.write_text((ROOT / "data" / "events.csv").read_text(encoding="utf-8"), encoding="utf-8")
    return target


# The fake Nominatim server of test_providers.py, shared with the CLI tests.
from test_providers import fake_server  # noqa: E402,F401


@pytest.fixture(params=["sqlite", "postgis"])
def store_url(request, tmp_path) -> str:
    """An empty store: a SQLite file, or a fresh database on the session's PostGIS server."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    return request.getfixturevalue("postgis_server").new_database()


@pytest.fixture(autouse=True)
def patient_expect(request):
    """A browser test's waits span Streamlit reruns and the map's redraw: on a loaded machine that takes longer
    than Playwright's 5 s default, so every ``expect`` waits as long as the map may (test_browser's
    MAP_TIMEOUT_MS). Only a failing check waits that long."""
    if request.node.get_closest_marker("browser") is None:
        yield
        return
    from playwright.sync_api import expect
    from test_browser import MAP_TIMEOUT_MS

    expect.set_options(timeout=MAP_TIMEOUT_MS)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture(scope="session")
def postgis_server():
    """A throwaway PostgreSQL + PostGIS server for the session (tests/pgserver.py). Without one the PostGIS
    tests skip, saying why; on CI (``CI`` set) they fail instead, so a broken set-up cannot pass unseen."""
    from pgserver import ServerUnavailable, start_server

    try:
        server = start_server()
    except ServerUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI: the PostGIS tests need a PostgreSQL + PostGIS server and none started: {exc}")
        pytest.skip(f"no PostgreSQL + PostGIS server ({exc}); `make test` installs one")
    yield server
    server.stop()
