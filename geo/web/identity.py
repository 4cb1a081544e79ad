"""Who is using the page, and what their role in the event store lets them do there.

Three ways to know who someone is, by configuration (README: "Sign-in and roles"):

* **sign-in** (OpenID Connect): an ``[auth]`` section in ``.streamlit/secrets.toml``. Streamlit's own
  ``st.login`` / ``st.user`` / ``st.logout`` talk to the provider (Keycloak, Google, Microsoft, Okta …);
  the identity is the ``email`` claim (lower case) unless the provider says it is unverified, else ``sub``.
  The ID token's ``exp`` ends the sign-in: past it the page asks to sign in again and writes nothing.
* **trusted header**: ``$STRIKEMAP_TRUSTED_HEADER`` names a header (e.g. ``X-Forwarded-Email``) that an
  authenticating reverse proxy sets. Off unless configured: anyone can send any header to a server that is
  reachable other than through the proxy. Sign-in wins when both are configured.
* **single-user** (neither): as before sign-in existed, and labelled so on the page; the identity is
  ``$STRIKEMAP_AUTHOR`` or the login name (``geo.store.event_store.default_author``).

``Access`` is that identity with its role (``geo.store.roles``): which controls the page shows, and the
sentence that says why one is missing. The store refuses the same writes whatever the page shows.
``Drafts`` keeps an edit typed when the sign-in ran out, so it comes back after signing in again.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..store import roles
from ..store.event_store import default_author

SIGN_IN, HEADER, SINGLE_USER = "sign-in", "trusted header", "single-user"
HEADER_VARIABLE = "STRIKEMAP_TRUSTED_HEADER"
PROVIDER_VARIABLE = "STRIKEMAP_AUTH_PROVIDER"  # which [auth.NAME] section to sign in with, when there are several
DRAFT_HOURS = 24  # an edit kept across a new sign-in is dropped after this long


@dataclass(frozen=True)
class Identity:
    """Who is using the page: ``name`` (None: nobody signed in), how it is known (``mode``), and whether the
    sign-in has run out (``expired``: the name is kept, so the page can say whose edit it keeps)."""

    name: str | None
    mode: str
    expired: bool = False
    header: str = ""  # the trusted header's name, in that mode

    @property
    def signed_in(self) -> bool:
        return bool(self.name) and not self.expired


def identify(user: Mapping, headers: Mapping, environ: Mapping = os.environ, now: float | None = None) -> Identity:
    """The identity of this page's visitor, from ``st.user`` (as a dict), the request's headers
    (``st.context.headers``) and the environment."""
    if "is_logged_in" in user:  # Streamlit adds it when [auth] is configured
        if not user.get("is_logged_in"):
            return Identity(None, SIGN_IN)
        email = str(user.get("email") or "").strip()
        name = email if email and user.get("email_verified") is not False else str(user.get("sub") or "").strip()
        expires = user.get("exp")
        expired = isinstance(expires, (int, float)) and (time.time() if now is None else now) >= expires
        return Identity(name.lower() or None, SIGN_IN, expired)
    header = str(environ.get(HEADER_VARIABLE) or "").strip()
    if header:
        wanted = header.lower()
        value = next((str(v) for k, v in headers.items() if str(k).lower() == wanted), "").strip()
        return Identity(value.lower() or None, HEADER, header=header)
    return Identity(str(environ.get("STRIKEMAP_AUTHOR") or "").strip() or default_author(), SINGLE_USER)


def login_provider(environ: Mapping = os.environ) -> str | None:
    """The provider ``st.login`` signs in with: ``$STRIKEMAP_AUTH_PROVIDER`` (an ``[auth.NAME]`` section of
    secrets.toml), else None (the ``[auth]`` section's own provider)."""
    return str(environ.get(PROVIDER_VARIABLE) or "").strip() or None


@dataclass(frozen=True)
class Access:
    """An identity with its role in the open event store (``store`` None: no store, nothing is writable)."""

    identity: Identity
    role: str = roles.VIEWER
    shared: bool = False
    store_available: bool = True

    @classmethod
    def of(cls, identity: Identity, store) -> Access:
        if store is None:
            return cls(identity, roles.VIEWER, False, False)
        return cls(identity, store.role_of(identity.name), store.shared)

    @property
    def author(self) -> str | None:
        """Whom a change is recorded as: the identity, never a typed name."""
        return self.identity.name

    def can(self, action: str) -> bool:
        """May this visitor do ``action`` (a kind of change, see ``geo.store.roles.NEEDED``) now?"""
        return self.store_available and self.identity.signed_in and roles.may(self.role, action)

    def keeps_form(self, action: str) -> bool:
        """Show the form for ``action``: the visitor may do it, or only the sign-in ran out (the role would allow
        it), so what they type is not lost (a save then keeps it in ``Drafts``)."""
        return self.can(action) or (self.store_available and self.identity.expired and roles.may(self.role, action))

    def why_not(self, action: str) -> str:
        """Why a control for ``action`` is missing (empty if it is not)."""
        words = roles.ACTION_WORDS.get(action, action)
        if self.can(action):
            return ""
        if not self.store_available:
            return f"The event store is not available, so nobody can {words} here."
        if self.identity.expired:
            return (f"Your sign-in ({self.identity.name}) has expired: sign in again to {words}. "
                    "An edit you were typing is kept and comes back after you sign in.")
        if not self.identity.name and self.identity.mode == HEADER:
            return (f"The proxy in front of this page did not say who you are (no {self.identity.header} header), "
                    f"so you cannot {words}.")
        return roles.refusal(self.identity.name, self.role, action)

    def label(self) -> str:
        """Who the page acts as, in one line for the sidebar."""
        who = self.identity.name
        if self.identity.mode == SINGLE_USER:
            return (f"Single-user mode (no sign-in configured): changes are recorded as {who} "
                    f"($STRIKEMAP_AUTHOR or the login name), {self.role} of this store.")
        if not who:
            return "Not signed in: you can explore, filter and download."
        how = "signed in" if self.identity.mode == SIGN_IN else f"named by the proxy ({self.identity.header})"
        if self.identity.expired:
            return f"{who}: sign-in expired."
        return f"{who} ({how}), {self.role} of this event store."


@dataclass
class Drafts:
    """Edits typed when the sign-in had run out, kept in the server's memory until the same person signs in
    again (the sign-in round trip starts a new page session, which forgets its widgets). Keyed by identity,
    data set and event; dropped after ``DRAFT_HOURS``. Thread-safe: one per server (``st.cache_resource``)."""

    kept: dict = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def keep(self, identity: str, dataset: str, event_id: str, values: Mapping[str, str], comment: str) -> None:
        with self.lock:
            self.kept[(identity, dataset, event_id)] = (dict(values), comment, dt.datetime.now(dt.timezone.utc))

    def _fresh(self):
        cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=DRAFT_HOURS)
        for key in [k for k, (_, _, at) in self.kept.items() if at < cutoff]:
            del self.kept[key]

    def pending(self, identity: str | None) -> list[tuple[str, str]]:
        """(data set, event id) of the drafts kept for ``identity``, oldest first."""
        with self.lock:
            self._fresh()
            return [(dataset, event_id) for (who, dataset, event_id) in self.kept if who == identity]

    def get(self, identity: str | None, dataset: str, event_id: str) -> tuple[dict, str] | None:
        """(field values, comment) kept for that edit, if any."""
        with self.lock:
            self._fresh()
            found = self.kept.get((identity, dataset, event_id))
            return None if found is None else (dict(found[0]), found[1])

    def drop(self, identity: str | None, dataset: str, event_id: str) -> None:
        with self.lock:
            self.kept.pop((identity, dataset, event_id), None)
