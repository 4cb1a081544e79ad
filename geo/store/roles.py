"""Who may change the event store: roles kept in the store itself, and the check every write passes.

Three roles, each with the rights of the one before:

* ``viewer``: explore, filter, export (reading needs no role at all);
* ``editor``: import files, add reviewed proposals, edit, delete and restore events, undo changes;
* ``admin``: delete and rename data sets, grant and revoke roles.

A store is **open** until the first role is granted, as a single-user store has always been: whoever
writes to it may do everything, and the first grant (which must make someone ``admin``, so a shared store
always has an administrator) is how a team takes it over. From then on the store is **shared**: whoever
has no role is a viewer, and every write is refused unless its author holds the role it needs
(``PermissionDeniedError``), whatever the page or a script shows. The last admin cannot be revoked or
demoted. Every grant and revocation is itself kept (``role_log``), with who made it and when.

The author a write is checked against is the identity the caller acts as: the signed-in person on the
dashboard (``geo.web.identity``), the user named by the environment (``$STRIKEMAP_AUTHOR``, else the login
name) on the command line. A process that can reach the database can claim any name; on PostGIS the hard
boundary is the database's own grants (README: "Sign-in and roles"), which give viewers a role that can
only read.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pandas as pd
import sqlalchemy as sa

from ..errors import PermissionDeniedError, StoreError

VIEWER, EDITOR, ADMIN = "viewer", "editor", "admin"
ROLES = (VIEWER, EDITOR, ADMIN)  # in rising order of rights
# What each write needs, by the kind of change it records (geo.store.event_store.CHANGES.kind) and the
# role actions of this module. Reading needs nothing.
NEEDED = {"import": EDITOR, "add": EDITOR, "edit": EDITOR, "delete": EDITOR, "undo": EDITOR,
          "drop dataset": ADMIN, "rename dataset": ADMIN, "grant": ADMIN}
# What a person reads when a control is missing or a write is refused.
ACTION_WORDS = {"import": "import files", "add": "add events", "edit": "edit events", "delete": "delete events",
                "undo": "undo changes", "drop dataset": "delete data sets", "rename dataset": "rename data sets",
                "grant": "grant roles"}

metadata = sa.MetaData()
MEMBERS = sa.Table(
    "roles", metadata,
    sa.Column("member", sa.Text, primary_key=True),  # the identity, folded (see member_key)
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("granted_by", sa.Text, nullable=False),
    sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),  # UTC
)
ROLE_LOG = sa.Table(
    "role_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("member", sa.Text, nullable=False),
    sa.Column("role", sa.Text),  # None: revoked
    sa.Column("by", sa.Text, nullable=False),
)


def create_tables(conn) -> None:
    metadata.create_all(conn)


def member_key(identity: str) -> str:
    """An identity as roles are kept under it: e-mail addresses and login names compare without case or
    surrounding blanks ("Alice@Example.com " is alice@example.com)."""
    return identity.strip().casefold()


def rank(role: str) -> int:
    return ROLES.index(role)


def is_shared(conn) -> bool:
    """True once any role has been granted: then every write needs a role."""
    return conn.scalar(sa.select(sa.func.count()).select_from(MEMBERS)) > 0


def role_in(conn, identity: str | None) -> str:
    """The role ``identity`` holds: on an open store anyone (but an anonymous visitor) is admin; on a shared
    one whoever was granted nothing is a viewer. Anonymous (None) is always a viewer."""
    if not identity or not identity.strip():
        return VIEWER
    if not is_shared(conn):
        return ADMIN
    granted = conn.scalar(sa.select(MEMBERS.c.role).where(MEMBERS.c.member == member_key(identity)))
    return granted or VIEWER


def may(role: str, action: str) -> bool:
    return rank(role) >= rank(NEEDED[action])


def authorise(conn, identity: str | None, action: str) -> None:
    """Refuse ``action`` (a kind of change, or a role action) unless ``identity`` holds the role it needs.
    Called inside the write's own transaction, so the role it checks is the one the write commits under."""
    role = role_in(conn, identity)
    if not may(role, action):
        raise PermissionDeniedError(identity, role, action, NEEDED[action])


def refusal(identity: str | None, role: str, action: str) -> str:
    """Why ``identity`` (holding ``role``) may not do ``action``: the sentence a refused write and a missing
    control both show."""
    needed, words = NEEDED[action], ACTION_WORDS.get(action, action)
    if not identity:
        return f"Sign in to {words}: it needs the {needed} role."
    article = "an" if role[0] in "aeiou" else "a"
    return (f"{identity} is {article} {role} in this event store and may not {words}: that needs the {needed} role, "
            "which an admin can grant.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def grant(engine, member: str, role: str, by: str) -> None:
    """Give ``member`` the role ``role`` (replacing any other), as ``by``: an admin, or anyone on an open store
    as long as the first grant makes someone admin. Refused if it would leave a shared store without an admin."""
    if role not in ROLES:
        raise StoreError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    key = member_key(member or "")
    if not key:
        raise StoreError("grant a role to whom? the identity is empty")
    with _database_may(engine, "change roles"), engine.begin() as conn:
        shared = is_shared(conn)
        authorise(conn, by, "grant")
        if not shared and role != ADMIN:
            raise StoreError(f"this event store is open (no roles yet): the first role granted must be admin, so a "
                             f"shared store always has an administrator (e.g. grant {by} admin first)")
        _keep_an_admin(conn, key, role)
        conn.execute(MEMBERS.delete().where(MEMBERS.c.member == key))
        conn.execute(MEMBERS.insert().values(member=key, role=role, granted_by=by, granted_at=_now()))
        conn.execute(ROLE_LOG.insert().values(at=_now(), member=key, role=role, by=by))


def revoke(engine, member: str, by: str) -> None:
    """Take ``member``'s role away (they become a viewer), as an admin ``by``."""
    key = member_key(member or "")
    with _database_may(engine, "change roles"), engine.begin() as conn:
        authorise(conn, by, "grant")
        if conn.scalar(sa.select(MEMBERS.c.role).where(MEMBERS.c.member == key)) is None:
            raise StoreError(f"{member!r} holds no role in this event store")
        _keep_an_admin(conn, key, None)
        conn.execute(MEMBERS.delete().where(MEMBERS.c.member == key))
        conn.execute(ROLE_LOG.insert().values(at=_now(), member=key, role=None, by=by))


@contextlib.contextmanager
def _database_may(engine, what: str):
    """The database's own refusal (PostgreSQL: SQLSTATE 42501, a role without the grant) as a clear error."""
    try:
        yield
    except sa.exc.ProgrammingError as exc:
        if getattr(exc.orig, "sqlstate", None) != "42501":
            raise
        raise StoreError(f"the database user {engine.url.username!r} may not {what} in this event store, so nothing "
                         f"was changed ({str(exc.orig).strip()})") from None


def _keep_an_admin(conn, key: str, new_role: str | None) -> None:
    admins = set(conn.scalars(sa.select(MEMBERS.c.member).where(MEMBERS.c.role == ADMIN)))
    if admins and admins <= {key} and new_role != ADMIN:
        raise StoreError(f"{key} is the last admin of this event store: grant another admin first")


def members(engine) -> pd.DataFrame:
    """Who holds which role: ``member, role, granted_by, granted_at``, admins first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(MEMBERS).order_by(MEMBERS.c.member)).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in MEMBERS.columns])
    frame["granted_at"] = pd.to_datetime(frame["granted_at"], utc=True)
    return frame.sort_values("role", key=lambda roles: roles.map(rank), ascending=False, kind="stable",
                             ignore_index=True)


def role_log(engine, limit: int | None = 50) -> pd.DataFrame:
    """Every grant and revocation, newest first: ``id, at, member, role`` (empty: revoked), ``by``."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ROLE_LOG).order_by(ROLE_LOG.c.id.desc()).limit(limit)).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in ROLE_LOG.columns])
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame
