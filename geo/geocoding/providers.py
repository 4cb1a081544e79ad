"""Optional online geocoding through geopy (off by default), with a disk cache and soft failure.

What this module owns:

* ``Provider``: the small base every online provider shares. It owns the persistent
  SQLite answer cache, the rate limiter (geopy's ``RateLimiter``, one request a second
  by default, never retrying or swallowing errors), the timeout, and the translation of
  geopy's exceptions into our own ``ProviderError`` family with plain messages.
* ``NominatimProvider``: geopy's ``Nominatim`` with strikemap's user agent, a
  configurable ``domain``/``scheme`` (a self-hosted server, or a fake one in tests),
  and the reading of a Nominatim record into a ``Resolution``.
* ``resolve_online(text, offline, provider)``: what the geocoder calls. It asks the
  provider and, on any provider failure, returns the offline answer with a warning:
  it never raises.
* ``provider_from_name(name, **options)``: the CLI's ``--provider`` switch.

The machine this runs on is usually offline: nothing here is used unless a provider is
asked for by name, and a cached query never touches the network again.
"""

from __future__ import annotations

import functools
import http
import json
import logging
import math
import os
import sqlite3
import time
import unicodedata
import urllib.request
from contextlib import closing
from dataclasses import replace
from pathlib import Path

from .. import __version__, config
from ..errors import StrikemapError

log = logging.getLogger(__name__)

USER_AGENT = f"strikemap/{__version__} (+offline conflict-mapping tool)"
DEFAULT_TIMEOUT = 5.0  # seconds per request
DEFAULT_MIN_DELAY = 1.0  # seconds between requests: Nominatim's usage policy
DEFAULT_CACHE = config.BUILD_DIR / "provider_cache.sqlite"
# A bounding box wider than this (diagonal, km) is an area: its size becomes the radius.
AREA_DIAGONAL_KM = 5.0


# ------------------------------------------------------------------ errors

class ProviderError(StrikemapError):
    """An online provider failed; the message names the provider and the failure."""


class ProviderTimeout(ProviderError, TimeoutError):
    """No answer within the timeout."""


class ProviderRateLimited(ProviderError):
    """The provider answered 429: we asked too often."""


class ProviderUnavailable(ProviderError, ConnectionError):
    """The provider refused (403), failed (5xx) or could not be reached."""


class ProviderBadResponse(ProviderError, ValueError):
    """The provider answered something we cannot read (invalid JSON, unexpected shape)."""


def _http_status(error: BaseException) -> int | None:
    """The HTTP status behind a geopy error, if it came from one (geopy keeps it as the cause)."""
    while error is not None:
        status = getattr(error, "status_code", None)
        if isinstance(status, int):
            return status
        error = error.__cause__ or error.__context__
    return None


def _status_error(label: str, status: int) -> ProviderError:
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    said = f"{label} answered HTTP {status} {phrase}".rstrip()
    if status == 429:
        return ProviderRateLimited(f"{label} answered 429 Too Many Requests (rate limited)")
    if status == 403:
        return ProviderUnavailable(f"{said} (access refused: check the user agent and the usage policy)")
    if status == 408:
        return ProviderTimeout(said)
    return ProviderUnavailable(said)


def _why_unreachable(message: str) -> str:
    """urllib3's nested connection messages, cut down to the words that matter."""
    if "refused" in message.lower():
        return "connection refused"
    if "resolve" in message.lower() or "Name or service not known" in message:
        return "host name not found; is this machine offline?"
    return message if len(message) <= 120 else message[:117] + "..."


def translate_error(error: Exception, label: str, timeout: float) -> ProviderError:
    """Turn a geopy (or JSON/shape) exception into our ``ProviderError`` with a plain message."""
    from geopy import exc

    status = _http_status(error)
    if status is not None:  # geopy calls 503/504 "timed out"; say what the server actually said
        return _status_error(label, status)
    if isinstance(error, exc.GeocoderTimedOut):
        return ProviderTimeout(f"{label} timed out after {float(timeout)!r} s")
    if isinstance(error, exc.GeocoderRateLimited):
        return ProviderRateLimited(f"{label} answered 429 Too Many Requests (rate limited)")
    if isinstance(error, exc.GeocoderUnavailable):
        return ProviderUnavailable(f"{label} could not be reached ({_why_unreachable(str(error))})")
    if isinstance(error, exc.GeocoderParseError):
        return ProviderBadResponse(f"{label} sent invalid JSON")
    if isinstance(error, exc.GeocoderQueryError):
        return ProviderBadResponse(f"{label} answered with an error: {error}")
    if isinstance(error, (exc.GeocoderInsufficientPrivileges, exc.GeocoderAuthenticationFailure,
                          exc.GeocoderQuotaExceeded)):
        return ProviderUnavailable(f"{label} refused the request ({error})")
    if isinstance(error, exc.GeopyError):
        return ProviderUnavailable(f"{label} failed: {error}")
    if isinstance(error, json.JSONDecodeError):
        return ProviderBadResponse(f"{label} sent invalid JSON")
    return ProviderBadResponse(f"{label} sent an answer of unexpected shape ({type(error).__name__}: {error})")


# ------------------------------------------------------------------ cache

class AnswerCache:
    """Raw provider answers on disk, keyed by (provider, domain, query, country); ``None`` = no match.

    One SQLite connection per call, each write one transaction, so threads and processes can share it.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.execute("CREATE TABLE IF NOT EXISTS answers (provider TEXT, domain TEXT, query TEXT, country TEXT,"
                     " raw TEXT NOT NULL, fetched_at REAL NOT NULL, PRIMARY KEY (provider, domain, query, country))")
        return conn

    def get(self, key: tuple[str, str, str, str]) -> tuple[bool, dict | None]:
        """(found, raw). A broken cache is a miss, never a failure."""
        try:
            with closing(self._connect()) as conn:
                row = conn.execute("SELECT raw FROM answers WHERE provider=? AND domain=? AND query=? AND country=?",
                                   key).fetchone()
        except sqlite3.Error as error:
            log.warning("provider cache %s unreadable: %s", self.path, error)
            return False, None
        return (True, json.loads(row[0])) if row else (False, None)

    def put(self, key: tuple[str, str, str, str], raw: dict | None) -> None:
        try:
            with closing(self._connect()) as conn, conn:  # `with conn`: one transaction, committed or rolled back
                conn.execute("INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?)",
                             (*key, json.dumps(raw, ensure_ascii=False), time.time()))
        except sqlite3.Error as error:
            log.warning("provider cache %s not written: %s", self.path, error)


def normalise_query(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


# ------------------------------------------------------------------ providers

class Provider:
    """The shared part of an online provider: cache, rate limit, timeout, error translation.

    Subclasses set ``name`` and ``domain``, and implement ``_fetch`` (one request, geopy
    exceptions allowed to escape, returning the raw best record or ``None``) and
    ``to_resolution``.
    """

    name = "provider"
    domain = ""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, min_delay_seconds: float = DEFAULT_MIN_DELAY,
                 cache_path: Path | str | None = None):
        from geopy.extra.rate_limiter import RateLimiter

        self.timeout = float(timeout)
        self.cache = AnswerCache(cache_path or DEFAULT_CACHE)
        # Our own fallback handles failures: the limiter only spaces requests.
        self._limited_fetch = RateLimiter(self._fetch, min_delay_seconds=min_delay_seconds, max_retries=0,
                                          error_wait_seconds=min_delay_seconds, swallow_exceptions=False)

    @property
    def label(self) -> str:
        """How messages name this provider, e.g. "Nominatim at http://127.0.0.1:8080"."""
        return f"{self.name} at {self.domain}"

    def lookup(self, query: str, country: str | None = None) -> tuple[dict | None, bool]:
        """(raw record or None for no match, whether it came from the cache). Raises ``ProviderError``."""
        country = (country or "").upper()
        key = (self.name, self.domain, normalise_query(query), country)
        found, raw = self.cache.get(key)
        if found:
            return raw, True
        try:
            raw = self._limited_fetch(query, country.lower() or None)
        except ProviderError:
            raise
        except Exception as error:  # geopy's, JSON's, or a record of the wrong shape
            raise translate_error(error, self.label, self.timeout) from error
        self.cache.put(key, raw)  # only answers reach here: failures are never cached
        return raw, False

    def _fetch(self, query: str, country: str | None) -> dict | None:
        raise NotImplementedError

    def to_resolution(self, raw: dict, text: str, source: str):
        raise NotImplementedError


def _loopback(host: str) -> bool:
    return host.split(":")[0].strip("[]") in ("127.0.0.1", "localhost", "::1")


class NominatimProvider(Provider):
    """OpenStreetMap's Nominatim (or a self-hosted one) through ``geopy.geocoders.Nominatim``."""

    name = "nominatim"
    # Nominatim's ``type``/``addresstype``/``class`` values, read as our precision 1 (a spot) or 3 (an area).
    TOWN_TYPES = frozenset("city town village hamlet suburb quarter neighbourhood isolated_dwelling "
                           "building house military airfield aerodrome bunker barracks".split())
    REGION_TYPES = frozenset("country state region province county district administrative boundary "
                             "state_district municipality".split())

    def __init__(self, *, domain: str = "nominatim.openstreetmap.org", scheme: str | None = None,
                 user_agent: str = USER_AGENT, **options):
        from geopy.adapters import RequestsAdapter
        from geopy.geocoders import Nominatim

        if "://" in domain:  # "http://127.0.0.1:8080" is accepted too
            scheme, domain = domain.split("://", 1)
        self.domain = domain.strip("/")
        self.scheme = scheme or ("http" if _loopback(self.domain) else "https")
        super().__init__(**options)
        host = self.domain.split("/")[0]
        # geopy's requests adapter ignores NO_PROXY: never send a local server's requests to a proxy.
        proxies = {} if _loopback(host) or urllib.request.proxy_bypass(host.split(":")[0]) else None
        # geopy's requests adapter lets urllib3 retry twice, tripling a timeout: one try only.
        factory = functools.partial(RequestsAdapter, max_retries=0) if RequestsAdapter.is_available else None
        self.geocoder = Nominatim(domain=self.domain, scheme=self.scheme, user_agent=user_agent,
                                  timeout=self.timeout, proxies=proxies, adapter_factory=factory)

    @property
    def label(self) -> str:
        return f"Nominatim at {self.scheme}://{self.domain}"

    def _fetch(self, query: str, country: str | None) -> dict | None:
        location = self.geocoder.geocode(query, exactly_one=True, addressdetails=True, country_codes=country)
        if location is None:
            return None
        raw = location.raw
        float(raw["lat"]), float(raw["lon"])  # a record without coordinates is a bad response, not an answer
        return raw

    def precision(self, raw: dict) -> int:
        kinds = {raw.get("type"), raw.get("addresstype"), raw.get("class"), raw.get("category")}
        if kinds & self.TOWN_TYPES or raw.get("class") == "building":
            return 1
        if kinds & self.REGION_TYPES:
            return 3
        return 2

    def to_resolution(self, raw: dict, text: str, source: str):
        from .resolution import Resolution

        lat, lon = round(float(raw["lat"]), 5), round(float(raw["lon"]), 5)
        precision = self.precision(raw)
        diagonal = _bbox_diagonal_km(raw.get("boundingbox"))
        if diagonal > AREA_DIAGONAL_KM:
            radius = round(diagonal / 2, 1)
        else:
            radius = 1.0 if precision == 1 else max(1.0, round(diagonal / 2, 1))
        address = raw.get("address") or {}
        country = address.get("country_code")
        return Resolution(
            query=text, name=raw.get("display_name") or text, country=country.upper() if country else None,
            admin1=address.get("state") or address.get("province") or None, lat=lat, lon=lon,
            precision=precision, radius_km=radius, geometry={"type": "Point", "coordinates": [lon, lat]},
            source=source, matched=text,
            extra={"osm_type": raw.get("osm_type"), "osm_id": raw.get("osm_id"), "raw": raw},
        )


def _bbox_diagonal_km(bbox) -> float:
    """Diagonal of Nominatim's ``boundingbox`` [south, north, west, east] in km (0 if absent or unreadable)."""
    try:
        south, north, west, east = (math.radians(float(v)) for v in bbox)
    except (TypeError, ValueError):
        return 0.0
    a = math.sin((north - south) / 2) ** 2 + math.cos(south) * math.cos(north) * math.sin((east - west) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, a)))


# ------------------------------------------------------------------ entry points

def resolve_online(text: str, offline, provider: Provider, country: str | None = None):
    """Ask ``provider`` for ``text``; fall back to ``offline`` (a ``Resolution``) on no match or failure.

    Never raises for a provider failure: the offline answer comes back with ``warning`` naming it.
    """
    if not text or not text.strip():
        return offline
    try:
        raw, cached = provider.lookup(text, country)
        if raw is None:
            if offline.resolved:
                return replace(offline, warning=f"{provider.name.capitalize()} found no match; offline answer kept")
            return offline
        source = f"{provider.name}:cache" if cached else provider.name
        return provider.to_resolution(raw, text, source)
    except ProviderError as error:
        return replace(offline, warning=f"{error}; offline answer kept")
    except (KeyError, TypeError, ValueError) as error:  # a cached record we can no longer read
        bad = translate_error(error, provider.label, provider.timeout)
        return replace(offline, warning=f"{bad}; offline answer kept")


PROVIDERS = {"nominatim": NominatimProvider}


def provider_from_name(name: str | None, **options) -> Provider | None:
    """``None``/"offline"/"" -> no provider; "nominatim" -> ``NominatimProvider``.

    Options left out (or ``None``) come from STRIKEMAP_NOMINATIM_DOMAIN, STRIKEMAP_NOMINATIM_SCHEME,
    STRIKEMAP_PROVIDER_TIMEOUT and STRIKEMAP_PROVIDER_CACHE, then the defaults.
    """
    key = (name or "").strip().lower()
    if key in ("", "offline", "none"):
        return None
    if key not in PROVIDERS:
        raise ValueError(f"unknown provider {name!r}; choose one of offline, {', '.join(PROVIDERS)}")
    options = {k: v for k, v in options.items() if v is not None}
    from_env = {"domain": "STRIKEMAP_NOMINATIM_DOMAIN", "scheme": "STRIKEMAP_NOMINATIM_SCHEME",
                "timeout": "STRIKEMAP_PROVIDER_TIMEOUT", "cache_path": "STRIKEMAP_PROVIDER_CACHE"}
    for option, variable in from_env.items():
        if option not in options and os.environ.get(variable):
            options[option] = os.environ[variable]
    if "timeout" in options:
        try:
            options["timeout"] = float(options["timeout"])
        except ValueError:
            raise ValueError(f"timeout must be a number of seconds, not {options['timeout']!r}") from None
        if not options["timeout"] > 0:
            raise ValueError(f"timeout must be more than 0 seconds, not {options['timeout']!r}")
    return PROVIDERS[key](**options)
