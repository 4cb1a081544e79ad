"""Online geocoding through geopy, against fake Nominatim servers on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from geo.geocoding import providers
from geo.geocoding.resolve import resolve_mention
from geo.geocoding.providers import (NominatimProvider, ProviderBadResponse, ProviderRateLimited, ProviderTimeout,
                           ProviderUnavailable, provider_from_name, resolve_online)

TIMEOUT = 1.0
# The "slow" server answers this late: a caller back well before it gave up at its own TIMEOUT. Far above
# TIMEOUT, so that a loaded machine (slow, not wrong) never passes it: the tests bound their time by it.
SLOW_SECONDS = 30.0
BUKAMAL = {
    "place_id": 1, "osm_type": "relation", "osm_id": 123, "lat": "34.45226", "lon": "40.91854",
    "class": "place", "type": "town", "addresstype": "town", "place_rank": 16,
    "display_name": "Al-Bukamal, Abu Kamal District, Deir ez-Zor Governorate, Syria",
    "boundingbox": ["34.44", "34.465", "40.905", "40.93"],
    "address": {"town": "Al-Bukamal", "state": "Deir ez-Zor Governorate", "country": "Syria", "country_code": "sy"},
}
GOVERNORATE = {
    "lat": "35.0", "lon": "40.5", "class": "boundary", "type": "administrative", "addresstype": "state",
    "display_name": "Deir ez-Zor Governorate, Syria", "boundingbox": ["33.9", "36.0", "38.9", "41.4"],
    "address": {"state": "Deir ez-Zor Governorate", "country": "Syria", "country_code": "sy"},
}


class FakeNominatim(BaseHTTPRequestHandler):
    """Answers /search the way ``self.server.mode`` says."""

    def do_GET(self):
        server = self.server
        url = urlsplit(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        with server.lock:
            server.requests.append({"path": url.path, "params": params, "headers": dict(self.headers),
                                    "at": time.monotonic()})
        mode = server.mode
        try:
            if mode == "slow":
                time.sleep(SLOW_SECONDS)
                self._send(200, json.dumps([BUKAMAL]))
            elif mode in (429, 500, 403):
                self._send(mode, json.dumps({"error": "nope"}))
            elif mode == "invalid":
                self._send(200, "<html>oops", "text/html")
            elif mode == "shapeless":
                self._send(200, json.dumps([{"display_name": "somewhere, with no coordinates"}]))
            elif mode == "empty":
                self._send(200, "[]")
            elif url.path != "/search":
                self._send(404, "not found")
            elif "governorate" in params.get("q", "").lower():
                self._send(200, json.dumps([GOVERNORATE]))
            else:
                self._send(200, json.dumps([BUKAMAL]))
        except (BrokenPipeError, ConnectionResetError):  # the client gave up on a slow answer
            pass

    def _send(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture()
def fake_server(request):
    """A factory: ``fake_server(mode)`` starts a fake Nominatim on a free 127.0.0.1 port."""
    started = []

    def start(mode="ok"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNominatim)
        server.mode, server.requests, server.lock = mode, [], threading.Lock()
        server.domain = f"127.0.0.1:{server.server_address[1]}"
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        started.append(server)
        return server

    def stop():
        for server in started:
            server.shutdown()
            server.server_close()

    request.addfinalizer(stop)
    return start


@pytest.fixture()
def make_provider(tmp_path):
    def make(server_or_domain, **options):
        domain = getattr(server_or_domain, "domain", server_or_domain)
        options = {"timeout": TIMEOUT, "min_delay_seconds": 0, "cache_path": tmp_path / "cache.sqlite", **options}
        return NominatimProvider(domain=domain, scheme="http", **options)

    return make


@pytest.fixture(scope="module")
def offline():
    answer = resolve_mention("Al-Bukamal")
    assert answer.resolved
    return answer


def test_success_then_cached_even_across_instances(fake_server, make_provider, offline):
    server = fake_server()
    first = resolve_online("Al-Bukamal", offline, make_provider(server), country="sy")
    assert first.source == "nominatim"
    assert (first.lat, first.lon) == (34.45226, 40.91854)
    assert first.geometry == {"type": "Point", "coordinates": [40.91854, 34.45226]}
    assert first.country == "SY" and first.precision == 1 and first.radius_km == 1.0
    assert first.name.startswith("Al-Bukamal") and first.matched == "Al-Bukamal" and first.warning is None
    [sent] = server.requests
    assert sent["path"] == "/search"
    assert sent["params"]["q"] == "Al-Bukamal" and sent["params"]["countrycodes"] == "sy"
    assert sent["params"]["addressdetails"] == "1" and sent["params"]["limit"] == "1"
    assert sent["params"]["format"] in ("json", "jsonv2")

    provider = make_provider(server)
    again = resolve_online("al-bukamal ", offline, provider, country="SY")  # same query, normalised
    assert again.source == "nominatim:cache" and (again.lat, again.lon) == (first.lat, first.lon)
    assert len(server.requests) == 1

    # A fresh provider on the same cache file, the server gone: still answered, from disk.
    server.shutdown()
    server.server_close()
    persisted = resolve_online("Al-Bukamal", offline, make_provider(server), country="SY")
    assert persisted.source == "nominatim:cache" and persisted.lat == 34.45226
    assert len(server.requests) == 1


def test_user_agent_is_ours(fake_server, make_provider, offline):
    server = fake_server()
    resolve_online("Al-Bukamal", offline, make_provider(server))
    agent = server.requests[0]["headers"]["User-Agent"]
    assert agent == providers.USER_AGENT and agent.startswith("strikemap/") and "geopy" not in agent


def test_large_area_keeps_point_with_radius(fake_server, make_provider, offline):
    answer = resolve_online("Deir ez-Zor Governorate", offline, make_provider(fake_server()))
    assert answer.precision == 3 and answer.geometry["type"] == "Point"
    assert 150 < answer.radius_km < 200  # half the bounding box's diagonal


@pytest.mark.parametrize("mode, words, error", [
    ("slow", ["timed out after 1.0 s"], ProviderTimeout),
    (429, ["429", "rate limited"], ProviderRateLimited),
    (500, ["HTTP 500"], ProviderUnavailable),
    (403, ["HTTP 403"], ProviderUnavailable),
    ("invalid", ["invalid JSON"], ProviderBadResponse),
    ("shapeless", ["unexpected shape"], ProviderBadResponse),
])
def test_failure_keeps_offline_answer_fast(fake_server, make_provider, offline, mode, words, error):
    server = fake_server(mode)
    provider = make_provider(server)
    started = time.monotonic()
    answer = resolve_online("Al-Bukamal", offline, provider)
    elapsed = time.monotonic() - started
    assert elapsed < SLOW_SECONDS  # no waiting for a slow server; "timed out after 1.0 s" says why
    assert (answer.lat, answer.lon) == (offline.lat, offline.lon) and answer.source == offline.source
    for word in words:
        assert word in answer.warning
    assert server.domain in answer.warning and answer.warning.endswith("; offline answer kept")
    # The same failure, raised from the provider itself, is of our own family.
    with pytest.raises(error) as raised:
        provider.lookup("Al-Bukamal", None)
    assert isinstance(raised.value, providers.ProviderError)


def test_unreachable_server_keeps_offline_answer(make_provider, offline):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    answer = resolve_online("Al-Bukamal", offline, make_provider(f"127.0.0.1:{port}"))
    assert answer.lat == offline.lat and answer.source == offline.source
    assert answer.warning == f"Nominatim at http://127.0.0.1:{port} could not be reached (connection refused); offline answer kept"


def test_no_match_keeps_offline_answer_and_is_cached(fake_server, make_provider, offline):
    server = fake_server("empty")
    provider = make_provider(server)
    answer = resolve_online("Al-Bukamal", offline, provider)
    assert (answer.lat, answer.lon, answer.source) == (offline.lat, offline.lon, offline.source)
    assert answer.warning == "Nominatim found no match; offline answer kept"
    unresolved = resolve_mention("Zzyzxqwv")
    assert resolve_online("Zzyzxqwv", unresolved, provider) == unresolved
    hits = len(server.requests)
    resolve_online("Al-Bukamal", offline, provider)
    assert len(server.requests) == hits  # "no match" is an answer too, kept on disk


def test_failure_is_never_cached(fake_server, make_provider, offline):
    broken = fake_server(500)
    provider = make_provider(broken)
    assert "HTTP 500" in resolve_online("Al-Bukamal", offline, provider).warning
    broken.mode = "ok"  # the server recovers
    healed = resolve_online("Al-Bukamal", offline, make_provider(broken))
    assert healed.source == "nominatim" and healed.lat == 34.45226
    assert len(broken.requests) == 2


def test_rate_limiter_spaces_uncached_requests(fake_server, make_provider, offline):
    server = fake_server()
    provider = make_provider(server, min_delay_seconds=0.5)
    fetch, sent_at = provider._limited_fetch.func, []

    def timed_fetch(*args):  # when each request leaves, on the limiter's own clock
        sent_at.append(time.perf_counter())
        return fetch(*args)

    provider._limited_fetch.func = timed_fetch
    started = time.monotonic()
    resolve_online("Al-Bukamal", offline, provider)
    resolve_online("Abu Kamal", offline, provider)  # a different query: the cache cannot answer
    assert time.monotonic() - started >= 0.5
    assert len(server.requests) == 2
    assert sent_at[1] - sent_at[0] >= 0.5 - 0.005  # a few ms between taking the slot and sending
    # Cached: no request and no wait. The limiter waits only around a fetch, so no fetch means no wait (a
    # count, where a stopwatch would depend on the machine's load).
    resolve_online("Abu Kamal", offline, provider)
    assert len(sent_at) == 2 and len(server.requests) == 2


def test_provider_from_name(monkeypatch, tmp_path):
    assert provider_from_name(None) is None
    assert provider_from_name("") is None and provider_from_name("offline") is None
    assert isinstance(provider_from_name("nominatim", cache_path=tmp_path / "c.sqlite"), NominatimProvider)
    with pytest.raises(ValueError, match="bogus.*offline, nominatim"):
        provider_from_name("bogus")

    monkeypatch.setenv("STRIKEMAP_NOMINATIM_DOMAIN", "127.0.0.1:9")
    monkeypatch.setenv("STRIKEMAP_NOMINATIM_SCHEME", "http")
    monkeypatch.setenv("STRIKEMAP_PROVIDER_TIMEOUT", "2.5")
    from_env = provider_from_name("nominatim", cache_path=tmp_path / "c.sqlite")
    assert (from_env.domain, from_env.scheme, from_env.timeout) == ("127.0.0.1:9", "http", 2.5)
    assert from_env.label == "Nominatim at http://127.0.0.1:9"
    explicit = provider_from_name("Nominatim", domain="localhost:8", timeout=None, cache_path=tmp_path / "c.sqlite")
    assert explicit.domain == "localhost:8" and explicit.timeout == 2.5  # None means "not given"
    monkeypatch.setenv("STRIKEMAP_PROVIDER_TIMEOUT", "soon")
    with pytest.raises(ValueError, match="soon"):
        provider_from_name("nominatim")


def test_default_cache_lives_in_build_dir():
    from geo import config

    assert providers.DEFAULT_CACHE == config.BUILD_DIR / "provider_cache.sqlite"
