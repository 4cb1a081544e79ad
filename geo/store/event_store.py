"""The event store: events that people edit, and the history of every change made to them.

Owns three tables and every write to them:

* ``events``: one row per event of a data set, in ``geo.io.events``' schema, plus the other columns
  its file brought (``extra``, JSON: importers keep every column), its shape, and a ``version``
  that each change raises by one;
* ``changes``: one row per change (an import, events added, an edit, a deletion, an undo): when,
  who, what kind, the comment;
* ``event_changes``: what a change did to each event: inserted it; the fields an edit changed, old
  and new; the whole event a deletion removed. Enough to show the history and to undo it.
* ``dataset_changes``: what a change did to a whole data set's name (a rename: the name shown before
  and after). Deleting a data set is a deletion of each of its events, so undo brings it back whole.

Two backends behind one SQLAlchemy code path. The default is embedded, no server: a SQLite file,
``data/store.sqlite``, with each shape as WKB in a BLOB (SpatiaLite is not assumed). Teams set
``STRIKEMAP_DB=postgresql://user@host/database``: PostgreSQL + PostGIS, shapes in a
``geometry(Geometry, 4326)`` column through GeoAlchemy2, with a GiST index.

Nothing is lost: every write is one transaction, so a crash or a refused change leaves the store
as it was. Edits are optimistic: the caller hands back the ``version`` it read, and a save over a
newer version is refused with ``EditConflictError``, naming who changed the event and when.

The curated ``data/events.csv`` stays the readable source of the bundled data set: ``seed()``
loads it into an empty store, and the store never writes it. How the dashboard uses a store::

    store = open_store()                     # once per process (st.cache_resource)
    events = store.events("bundled")         # st.cache_data keyed by store.revision(); has a version column
    store.update("SM-SYR-2021-0002", {"fatalities": 9}, expected_version=2,
                 comment="SOHR's later count", author="analyst")
    store.history("SM-SYR-2021-0002")        # a DataFrame, oldest first
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import json
import math
import os
from pathlib import Path

import pandas as pd
import shapely
import sqlalchemy as sa
from geoalchemy2 import Geometry, WKBElement

from .. import config
from ..errors import EditConflictError, EventDataError, EventNotFoundError, StoreError
from . import roles
from ..io.events import SCHEMA, check_events
from ..io.schema import BY_NAME, ID_COLUMN, cast_columns, to_wgs84

BUNDLED = "bundled"  # the data set seeded from data/events.csv; the same key as geo.store.datasets.BUNDLED
VERSION = "version"  # the column of store.events() that an edit hands back as expected_version
# What update() may change; the id names the event (to rename one, delete it and add it anew).
UPDATABLE = [c for c in SCHEMA if c != ID_COLUMN] + ["geometry"]
BATCH = 2000  # rows a statement; also how often an import reports progress
HISTORY_COLUMNS = ["change_id", "at", "author", "kind", "comment", "action", "version", "before", "after",
                   "undoes", "events"]

metadata = sa.MetaData()
# PostgreSQL: a PostGIS geometry in EPSG:4326 (GeoAlchemy2 reads and writes it as EWKB);
# elsewhere the shape's WKB in a BLOB.
SHAPE = sa.LargeBinary().with_variant(Geometry("GEOMETRY", srid=4326, spatial_index=False), "postgresql")
JSON = sa.JSON(none_as_null=True)


# The SQL type of each type of geo.io.schema (dates are ISO text, links text).
SQL_TYPES = {"integer": sa.Integer, "float": sa.Float}


def _column_type(name: str):
    return SQL_TYPES.get(BY_NAME[name].type, sa.Text)


CHANGES = sa.Table(
    "changes", metadata,
    sa.Column("change_id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),  # UTC
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),  # import, add, edit, delete, rename, undo
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("dataset", sa.Text, nullable=False, index=True),
    sa.Column("events", sa.Integer, nullable=False),  # how many events it touched
    sa.Column("undoes", sa.Integer, sa.ForeignKey("changes.change_id")),
)
EVENTS = sa.Table(
    "events", metadata,
    sa.Column("row_id", sa.Integer, primary_key=True),  # keeps events in the order they were added
    sa.Column("dataset", sa.Text, nullable=False),
    *[sa.Column(name, _column_type(name), nullable=name != ID_COLUMN) for name in SCHEMA],
    sa.Column("extra", JSON),
    sa.Column("geometry", SHAPE),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.change_id"), nullable=False, index=True),
    sa.UniqueConstraint("dataset", "event_id_cnty"),
)
sa.Index("events_geometry", EVENTS.c.geometry, postgresql_using="gist").ddl_if(dialect="postgresql")
EVENT_CHANGES = sa.Table(
    "event_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.change_id"), nullable=False, index=True),
    sa.Column("dataset", sa.Text, nullable=False),
    sa.Column("event_id_cnty", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),  # insert, update, delete
    sa.Column("version", sa.Integer, nullable=False),  # the event's version after it (a deletion counts too)
    sa.Column("before", JSON),  # update: the old values of the fields it changed; delete: the whole event
    sa.Column("after", JSON),  # update: their new values
    sa.Index("event_changes_event", "dataset", "event_id_cnty"),
)

DATASET_CHANGES = sa.Table(
    "dataset_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("change_id", sa.Integer, sa.ForeignKey("changes.change_id"), nullable=False, index=True),
    sa.Column("dataset", sa.Text, nullable=False, index=True),
    sa.Column("before", sa.Text),  # the name shown before (None: the data set's own name)
    sa.Column("after", sa.Text),  # the name shown after
)
MAX_NAME = 120  # characters of a data set's shown name


@dataclasses.dataclass(frozen=True)
class Change:
    """One recorded change, as every write returns it."""

    change_id: int
    kind: str
    dataset: str
    at: dt.datetime
    author: str
    comment: str
    events: int
    version: int | None = None  # the event's new version, after an edit of one event


def default_author() -> str:
    """Who is writing, when the caller does not say: ``$STRIKEMAP_AUTHOR``, else the login name."""
    try:
        return os.environ.get("STRIKEMAP_AUTHOR") or getpass.getuser()
    except (OSError, KeyError):  # no user name in a bare container
        return "unknown"


def open_store(url: str | os.PathLike | None = None) -> Store:
    """The store at ``url``: a SQLite file path or ``sqlite:///`` URL, or ``postgresql://user@host/db``.

    Default ``config.store_url()``: ``$STRIKEMAP_DB``, else ``data/store.sqlite``. Creates the tables
    when they are missing (and PostGIS, where the user may). Open once and share: it is thread-safe.
    """
    engine = _engine(str(url or config.store_url()))
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                _require_postgis(conn)
            metadata.create_all(conn)
            roles.create_tables(conn)
            _add_new_schema_columns(conn)
    except sa.exc.OperationalError as exc:
        engine.dispose()
        raise StoreError(f"cannot open the event store {_shown_url(engine)}: {exc.orig}") from None
    except sa.exc.ProgrammingError as exc:
        engine.dispose()
        if _read_only(exc):
            raise StoreError(f"the event store {_shown_url(engine)} has no tables yet and this database user may not "
                             f"create them: open it once as its owner ({str(exc.orig).strip()})") from None
        raise
    return Store(engine)


def _read_only(exc: sa.exc.DBAPIError) -> bool:
    """PostgreSQL refused for want of a privilege (SQLSTATE 42501)."""
    return getattr(exc.orig, "sqlstate", None) == "42501"


def _add_new_schema_columns(conn) -> None:
    """A store made before a column joined geo.io.schema gets it, empty for the events it holds: adding a
    column to the schema is all it takes, for new stores and old ones."""
    present = {column["name"] for column in sa.inspect(conn).get_columns(EVENTS.name)}
    for name in SCHEMA:
        if name not in present:  # names come from our schema, never from data
            sql_type = EVENTS.c[name].type.compile(dialect=conn.dialect)
            conn.execute(sa.text(f'ALTER TABLE {EVENTS.name} ADD COLUMN "{name}" {sql_type}'))


def _engine(url: str) -> sa.Engine:
    if url.startswith(("postgresql://", "postgres://")):
        # SQLAlchemy's driver for a bare postgresql:// is psycopg2; ours is psycopg 3.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("postgresql+"):
        return sa.create_engine(url, pool_pre_ping=True)
    if "://" in url and not url.startswith("sqlite://"):
        raise StoreError(f"unknown event store {url!r}: give a SQLite file or postgresql://user@host/database")
    if not url.startswith("sqlite://"):
        Path(url).parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{url}"
    engine = sa.create_engine(url, connect_args={"timeout": 30})  # a second writer waits up to 30 s
    sa.event.listen(engine, "connect", _sqlite_settings)
    return engine


def _sqlite_settings(connection, _record) -> None:
    # WAL: readers (the dashboard) never wait for a writer, and a writer killed mid-transaction
    # leaves only uncommitted log frames, which SQLite ignores when it next opens the file.
    # Foreign keys: SQLite checks them only when asked.
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")


def _require_postgis(conn) -> None:
    if conn.scalar(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")):
        return
    try:
        conn.execute(sa.text("CREATE EXTENSION postgis"))
    except sa.exc.DBAPIError as exc:
        raise StoreError(f"PostGIS is not enabled in {_shown_url(conn.engine)} and this user may not enable it: "
                         f"ask the database's owner to run CREATE EXTENSION postgis ({exc.orig})") from None


def _shown_url(engine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _utc(at: dt.datetime) -> dt.datetime:
    """SQLite gives back naive date-times; everything is written in UTC."""
    return at.replace(tzinfo=dt.timezone.utc) if at.tzinfo is None else at.astimezone(dt.timezone.utc)


def _json_value(value):
    """A cell as JSON keeps it in history: None for missing, plain numbers, shapes as WKT (full precision)."""
    if value is None or isinstance(value, (str, int, dict, list)):  # the common cases first: whole imports
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, shapely.Geometry):
        return shapely.to_wkt(value, rounding_precision=-1)
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _event_json(event: dict) -> dict:
    """A whole event (as ``_read_event`` gives it) for history: our columns, ``extra``, ``geometry`` as WKT."""
    return {**{c: _json_value(event[c]) for c in SCHEMA}, "extra": event["extra"],
            "geometry": _json_value(event["geometry"])}


def _from_json(values: dict) -> dict:
    """The inverse of ``_event_json`` (also for the partial records of an edit)."""
    values = dict(values)
    if values.get("geometry") is not None:
        values["geometry"] = shapely.from_wkt(values["geometry"])
    return values


def _event_records(gdf) -> list[dict]:
    """Each event of a GeoDataFrame as plain values: our columns, ``extra`` (the table's other columns,
    or None), ``geometry`` (a shape, or None for an unplaced event)."""
    gdf = to_wgs84(gdf)
    frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    for column in SCHEMA:
        if column not in frame:
            frame[column] = None
    others = [c for c in frame.columns if c not in SCHEMA and c != VERSION]
    frame = cast_columns(frame)
    records = frame[SCHEMA].astype(object).where(frame[SCHEMA].notna(), None).to_dict("records")
    # pandas' JSON writer turns numpy numbers, NaN and timestamps into plain JSON values.
    extras = json.loads(frame[others].to_json(orient="records", date_format="iso")) if others else [None] * len(frame)
    for record, extra, shape in zip(records, extras, gdf.geometry.values):
        record["extra"] = extra
        record["geometry"] = None if shape is None or shape.is_empty else shape  # no shape: not placed
    return records


class Store:
    """Events and their history in one database. Reads return GeoDataFrames and DataFrames; every
    write is one transaction and returns the ``Change`` it recorded."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self.backend = "postgis" if engine.dialect.name == "postgresql" else "sqlite"

    @property
    def url(self) -> str:
        """Where it is, password hidden."""
        return _shown_url(self.engine)

    def __repr__(self) -> str:
        return f"<Store {self.backend} {self.url}>"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # Reading

    def datasets(self) -> dict[str, int]:
        """Data set name -> how many events it holds now."""
        query = sa.select(EVENTS.c.dataset, sa.func.count()).group_by(EVENTS.c.dataset).order_by(EVENTS.c.dataset)
        with self.engine.connect() as conn:
            return dict(conn.execute(query).all())

    def names(self) -> dict[str, str]:
        """Data set -> the name it is shown by, for each data set ever renamed (the latest rename wins; an
        undone rename is a rename back)."""
        query = sa.select(DATASET_CHANGES.c.dataset, DATASET_CHANGES.c.after).order_by(DATASET_CHANGES.c.id)
        with self.engine.connect() as conn:
            return {dataset: after for dataset, after in conn.execute(query).all() if after}

    def has_dataset(self, dataset: str) -> bool:
        """Whether any change was ever recorded under this data set name (deleted ones too: names are not reused)."""
        with self.engine.connect() as conn:
            return conn.scalar(sa.select(CHANGES.c.change_id).where(CHANGES.c.dataset == dataset).limit(1)) is not None

    def revision(self) -> tuple[int, int]:
        """(how many changes, the last change id): different after every committed change, so a cache of
        ``events()`` can be keyed on it. The count matters on PostgreSQL, where ids are handed out before
        their transactions commit, not in commit order."""
        with self.engine.connect() as conn:
            count, last = conn.execute(sa.select(sa.func.count(), sa.func.max(CHANGES.c.change_id))).one()
        return count, last or 0

    def events(self, dataset: str = BUNDLED):
        """The data set's events as a GeoDataFrame (EPSG:4326) in our schema, in the order they were added;
        then the other columns their file had, and ``version``."""
        import geopandas as gpd

        query = self._select_events().where(EVENTS.c.dataset == dataset).order_by(EVENTS.c.row_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        frame = pd.DataFrame(rows, columns=[*SCHEMA, "extra", "geometry", VERSION])
        shapes = gpd.GeoSeries.from_wkb([_wkb(value) for value in frame.pop("geometry")], crs="EPSG:4326")
        extra = frame.pop("extra")
        frame = cast_columns(frame)
        if extra.notna().any():
            others = pd.DataFrame([value or {} for value in extra], index=frame.index)
            frame = pd.concat([frame[SCHEMA], others, frame[[VERSION]]], axis=1)
        return gpd.GeoDataFrame(frame, geometry=shapes.values, crs="EPSG:4326")

    def history(self, event_id: str, dataset: str = BUNDLED) -> pd.DataFrame:
        """Every change to one event, oldest first: ``change_id, at`` (UTC), ``author, kind, comment``,
        ``action`` (insert, update, delete), the ``version`` it left, ``before``/``after`` (an edit's
        changed fields; a deletion's whole event), ``undoes`` (the change an undo reverted) and ``events`` (how many
        events the whole change touched: an import's every row)."""
        query = (sa.select(CHANGES.c.change_id, CHANGES.c.at, CHANGES.c.author, CHANGES.c.kind, CHANGES.c.comment,
                           EVENT_CHANGES.c.action, EVENT_CHANGES.c.version, EVENT_CHANGES.c.before,
                           EVENT_CHANGES.c.after, CHANGES.c.undoes, CHANGES.c.events)
                 .join(CHANGES, CHANGES.c.change_id == EVENT_CHANGES.c.change_id)
                 .where(EVENT_CHANGES.c.dataset == dataset, EVENT_CHANGES.c.event_id_cnty == event_id)
                 .order_by(EVENT_CHANGES.c.id))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        if not rows:
            raise EventNotFoundError(f"no event {event_id} in data set {dataset!r}")
        frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        frame["undoes"] = frame["undoes"].astype("Int64")
        return frame

    def changes(self, limit: int | None = 20, dataset: str | None = None) -> pd.DataFrame:
        """The latest changes, newest first: ``change_id, at, author, kind, dataset, events, comment, undoes``."""
        query = sa.select(CHANGES.c.change_id, CHANGES.c.at, CHANGES.c.author, CHANGES.c.kind, CHANGES.c.dataset,
                          CHANGES.c.events, CHANGES.c.comment, CHANGES.c.undoes).order_by(CHANGES.c.change_id.desc())
        if dataset is not None:
            query = query.where(CHANGES.c.dataset == dataset)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query.limit(limit)).all(), columns=list(query.selected_columns.keys()))
        frame["at"] = pd.to_datetime(frame["at"], utc=True)
        frame["undoes"] = frame["undoes"].astype("Int64")
        return frame

    # Roles (geo.store.roles): who may write. Every write below is checked against its author's role.

    @property
    def shared(self) -> bool:
        """True once a role has been granted: from then on every write needs one."""
        with self.engine.connect() as conn:
            return roles.is_shared(conn)

    def role_of(self, identity: str | None) -> str:
        """``identity``'s role here: viewer, editor or admin (anyone but the anonymous is admin of an open store)."""
        with self.engine.connect() as conn:
            return roles.role_in(conn, identity)

    def require(self, identity: str | None, action: str) -> None:
        """Refuse (``PermissionDeniedError``) before any work if ``identity`` may not do ``action`` (a kind of
        change: import, add, edit, delete, undo, drop dataset, rename dataset; or grant). Each write checks
        again inside its own transaction."""
        with self.engine.connect() as conn:
            roles.authorise(conn, identity or default_author(), action)

    def grant(self, member: str, role: str, by: str | None = None) -> None:
        """Give ``member`` a role (an admin's act; see ``geo.store.roles.grant``)."""
        roles.grant(self.engine, member, role, by or default_author())

    def revoke(self, member: str, by: str | None = None) -> None:
        roles.revoke(self.engine, member, by or default_author())

    def members(self) -> pd.DataFrame:
        """Who holds which role: ``member, role, granted_by, granted_at``."""
        return roles.members(self.engine)

    def role_log(self, limit: int | None = 50) -> pd.DataFrame:
        """Every grant and revocation, newest first."""
        return roles.role_log(self.engine, limit)

    # Writing

    def add(self, events, comment: str, author: str | None = None, dataset: str = BUNDLED,
            progress=None) -> Change:
        """Add events (reviewed proposals, say) to a data set. Ids already in it are refused: nothing is added."""
        self.require(author, "add")
        return self._add(events, "add", comment, author, dataset, progress)

    def import_events(self, events, comment: str, author: str | None = None, dataset: str | None = None,
                      progress=None) -> Change:
        """A whole import as a new data set (default ``import-<UTC time>``), in one transaction: all rows or
        none. ``progress(done, total)`` is called after each batch of rows."""
        self.require(author, "import")
        dataset = dataset or f"import-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}"
        if len(self.changes(limit=1, dataset=dataset)):
            raise StoreError(f"data set {dataset!r} already exists: import into a new data set, or add() events to it")
        return self._add(events, "import", comment, author, dataset, progress)

    def update(self, event_id: str, changes: dict, expected_version: int, comment: str,
               author: str | None = None, dataset: str = BUNDLED) -> Change | None:
        """Change some fields of one event, if it is still at ``expected_version``.

        ``changes`` maps columns of our schema (or ``geometry``: a shape or WKT) to new values, checked like
        a row of an events file. New coordinates without a new geometry move the shape to that point.
        Returns the recorded change (its ``version`` is the event's new one), or None if nothing differs.
        Raises ``EditConflictError`` if the event changed since that version, ``EventDataError`` for bad values.
        """
        self.require(author, "edit")
        unknown = sorted(set(changes) - set(UPDATABLE))
        if unknown:
            raise EventDataError(f"{event_id}: cannot edit {', '.join(unknown)}; editable: {', '.join(UPDATABLE)}"
                                 + (" (to rename an event, delete it and add it anew)"
                                    if "event_id_cnty" in unknown else ""))
        with self.engine.begin() as conn:
            current = self._read_event(conn, dataset, event_id, expected_version)
            edited = _edited(current, changes, event_id)
            before = {c: _json_value(current[c]) for c in UPDATABLE}
            after = {c: _json_value(edited[c]) for c in UPDATABLE}
            changed = [c for c in UPDATABLE if before[c] != after[c]]
            if not changed:
                return None
            change = self._record(conn, "edit", dataset, comment, author, events=1)
            version = self._update_row(conn, dataset, current, {c: edited[c] for c in changed}, change.change_id)
        return dataclasses.replace(change, version=version)

    def delete(self, event_id: str, expected_version: int, comment: str, author: str | None = None,
               dataset: str = BUNDLED) -> Change:
        """Delete one event, if it is still at ``expected_version``. History keeps it whole, so undo brings it back."""
        self.require(author, "delete")
        with self.engine.begin() as conn:
            current = self._read_event(conn, dataset, event_id, expected_version)
            change = self._record(conn, "delete", dataset, comment, author, events=1)
            self._delete_rows(conn, dataset, [current], change.change_id)
        return change

    def rename(self, dataset: str, name: str, comment: str = "", author: str | None = None) -> Change:
        """Show a data set under another name (an admin's act; its key, and so every link to it, stays).
        Recorded as a change that undo takes back. Refused for a data set with no events, an empty or overlong name, or a name
        another data set is shown by."""
        name = " ".join(str(name).split())
        if not name:
            raise EventDataError(f"data set {dataset!r}: a new name cannot be empty")
        if len(name) > MAX_NAME:
            raise EventDataError(f"data set {dataset!r}: a name of at most {MAX_NAME} characters, please "
                                 f"({len(name)} given)")
        with self.engine.begin() as conn:
            present = self._dataset_counts(conn)
            if dataset not in present:
                raise StoreError(f"no data set {dataset!r} in this store")
            shown = self._shown_names(conn, present)
            taken = [other for other, shown_as in shown.items() if shown_as == name and other != dataset]
            if taken:
                raise EventDataError(f"another data set is already called {name!r}; choose another name")
            before = shown[dataset]
            if before == name:
                raise EventDataError(f"data set {dataset!r} is already called {name!r}")
            change = self._record(conn, "rename dataset", dataset, comment or f"renamed {before!r} to {name!r}", author,
                                  events=0)
            conn.execute(DATASET_CHANGES.insert().values(change_id=change.change_id, dataset=dataset, before=before,
                                                         after=name))
        return change

    def delete_dataset(self, dataset: str, comment: str = "", author: str | None = None) -> Change:
        """Delete a whole data set (``drop_dataset``): undo brings it back whole, with the name it was shown by."""
        return self.drop_dataset(dataset, comment, author)

    def undo(self, change_id: int, comment: str = "", author: str | None = None) -> Change:
        """Revert one change, as a new change: added events are deleted, edited fields get their old values
        back, deleted events return. Refused (``EditConflictError``) if a later change touched one of its
        events: undo that one first."""
        self.require(author, "undo")
        with self.engine.begin() as conn:
            undone = conn.execute(sa.select(CHANGES).where(CHANGES.c.change_id == change_id)).first()
            if undone is None:
                raise StoreError(f"no change {change_id} in this store")
            undone_by = conn.scalar(sa.select(CHANGES.c.change_id).where(CHANGES.c.undoes == change_id))
            if undone_by:
                raise StoreError(f"change {change_id} was already undone by change {undone_by}")
            self._refuse_if_overtaken(conn, change_id)
            steps = conn.execute(sa.select(EVENT_CHANGES).where(EVENT_CHANGES.c.change_id == change_id)
                                 .order_by(EVENT_CHANGES.c.id)).all()
            change = self._record(conn, "undo", undone.dataset, comment or f"undo change {change_id}", author,
                                  events=len(steps), undoes=change_id)
            dataset = undone.dataset
            inserted = {s.event_id_cnty: s.version for s in steps if s.action == "insert"}
            for chunk in _batches(list(inserted)):
                # Still as the undone change left them: a row saved since then is not deleted unseen.
                rows = conn.execute(self._select_events().where(
                    EVENTS.c.dataset == dataset, EVENTS.c.event_id_cnty.in_(chunk),
                    EVENTS.c.change_id == change_id)).all()
                if len(rows) != len(chunk):
                    moved = sorted(set(chunk) - {row.event_id_cnty for row in rows})[0]
                    raise self._conflict(conn, dataset, moved, inserted[moved])
                self._delete_rows(conn, dataset, [self._event(row) for row in rows], change.change_id)
            for step in (s for s in steps if s.action == "update"):
                current = self._read_event(conn, dataset, step.event_id_cnty, step.version)
                self._update_row(conn, dataset, current, _from_json(step.before), change.change_id)
            deleted = [_from_json(s.before) for s in steps if s.action == "delete"]
            if deleted:
                self._insert_rows(conn, dataset, deleted, change.change_id)
            for renamed in conn.execute(sa.select(DATASET_CHANGES).where(DATASET_CHANGES.c.change_id == change_id)
                                        .order_by(DATASET_CHANGES.c.id)).all():
                conn.execute(DATASET_CHANGES.insert().values(change_id=change.change_id, dataset=renamed.dataset,
                                                             before=renamed.after, after=renamed.before))
        return change

    def drop_dataset(self, dataset: str, comment: str = "", author: str | None = None) -> Change:
        """Delete a whole data set (an admin's act) as one change; history keeps every event whole, so undoing
        the change brings the data set back."""
        self.require(author, "drop dataset")
        with self.engine.begin() as conn:
            rows = conn.execute(self._select_events().where(EVENTS.c.dataset == dataset)
                                .order_by(EVENTS.c.row_id)).all()
            if not rows:
                raise StoreError(f"no data set {dataset!r} in this store")
            change = self._record(conn, "drop dataset", dataset, comment or f"deleted data set {dataset!r}", author,
                                  events=len(rows))
            for chunk in _batches([self._event(row) for row in rows]):
                self._delete_rows(conn, dataset, chunk, change.change_id)
        return change

    # The steps every write is made of

    def _add(self, events, kind: str, comment: str, author: str | None, dataset: str, progress) -> Change:
        records = _event_records(events)
        ids = pd.Series([r["event_id_cnty"] for r in records], dtype=object)
        blank, repeated = ids[ids.str.strip() == ""], ids[ids.duplicated()]
        if len(blank) or len(repeated):
            raise EventDataError(f"{dataset}: every event needs its own event_id_cnty; "
                                 + (f"{len(blank)} without one" if len(blank) else f"repeated: {repeated.iloc[0]}"))
        with self.engine.begin() as conn:
            present = set(conn.scalars(sa.select(EVENTS.c.event_id_cnty).where(EVENTS.c.dataset == dataset)))
            clash = sorted(present & set(ids))
            if clash:
                raise EventDataError(f"already in data set {dataset!r}: {', '.join(clash[:5])}"
                                     f"{' ...' if len(clash) > 5 else ''}; nothing was added")
            change = self._record(conn, kind, dataset, comment, author, events=len(records))
            self._insert_rows(conn, dataset, records, change.change_id, progress)
        return change

    def _record(self, conn, kind: str, dataset: str, comment: str, author: str | None, events: int,
                undoes: int | None = None) -> Change:
        at, author = dt.datetime.now(dt.timezone.utc), author or default_author()
        roles.authorise(conn, author, kind)  # in the write's own transaction: the role it commits under
        try:
            result = conn.execute(CHANGES.insert().values(at=at, author=author, kind=kind, comment=comment or "",
                                                          dataset=dataset, events=events, undoes=undoes))
        except sa.exc.ProgrammingError as exc:
            if _read_only(exc):  # a viewers' database role (README: PostGIS grants)
                raise StoreError(f"the database user {self.engine.url.username!r} may only read this event store, "
                                 f"so nothing was changed ({str(exc.orig).strip()})") from None
            raise
        return Change(result.inserted_primary_key[0], kind, dataset, at, author, comment or "", events)

    def _insert_rows(self, conn, dataset: str, records: list[dict], change_id: int, progress=None) -> None:
        # An id that was deleted before carries on from its last version, so an editor still holding an
        # old version of it is refused rather than overwriting the new event.
        last_versions = dict(conn.execute(
            sa.select(EVENT_CHANGES.c.event_id_cnty, sa.func.max(EVENT_CHANGES.c.version))
            .where(EVENT_CHANGES.c.dataset == dataset, EVENT_CHANGES.c.action == "delete")
            .group_by(EVENT_CHANGES.c.event_id_cnty)).all())
        done = 0
        for batch in _batches(records):
            rows, steps = [], []
            for record in batch:
                event_id = record["event_id_cnty"]
                version = last_versions.get(event_id, 0) + 1
                rows.append({**{c: record.get(c) for c in SCHEMA}, "extra": record.get("extra"),
                             "geometry": self._shape_value(record.get("geometry")), "dataset": dataset,
                             "version": version, "change_id": change_id})
                steps.append({"change_id": change_id, "dataset": dataset, "event_id_cnty": event_id,
                              "action": "insert", "version": version, "before": None, "after": None})
            try:
                conn.execute(EVENTS.insert(), rows)
            except sa.exc.IntegrityError as exc:  # someone added one of these ids since we looked
                raise EventDataError(f"data set {dataset!r}: one of these events was added meanwhile; "
                                     f"nothing was added ({exc.orig})") from None
            conn.execute(EVENT_CHANGES.insert(), steps)
            done += len(rows)
            if progress:
                progress(done, len(records))

    def _update_row(self, conn, dataset: str, current: dict, values: dict, change_id: int) -> int:
        """Write ``values`` over ``current`` (as ``_read_event`` gave it) unless someone saved in between;
        the event's new version."""
        event_id, version = current["event_id_cnty"], current[VERSION]
        stored = {**values, "geometry": self._shape_value(values["geometry"])} if "geometry" in values else values
        result = conn.execute(EVENTS.update().where(*self._key(dataset, event_id), EVENTS.c.version == version)
                              .values(**stored, version=version + 1, change_id=change_id))
        if result.rowcount != 1:  # saved by someone else between our read and this write
            raise self._conflict(conn, dataset, event_id, version)
        conn.execute(EVENT_CHANGES.insert().values(
            change_id=change_id, dataset=dataset, event_id_cnty=event_id, action="update", version=version + 1,
            before={c: _json_value(current[c]) for c in values}, after={c: _json_value(v) for c, v in values.items()}))
        return version + 1

    def _delete_rows(self, conn, dataset: str, current: list[dict], change_id: int) -> None:
        """Delete events (as ``_read_event`` gave them) unless one was saved in between; history keeps them whole."""
        if not current:
            return
        still_as_read = EVENTS.delete().where(EVENTS.c.dataset == dataset,
                                              EVENTS.c.event_id_cnty == sa.bindparam("event_id"),
                                              EVENTS.c.version == sa.bindparam("read_version"))
        result = conn.execute(still_as_read, [{"event_id": e["event_id_cnty"], "read_version": e[VERSION]}
                                              for e in current])
        if result.rowcount != len(current):  # someone saved one of them between our read and this write
            ids = [e["event_id_cnty"] for e in current]
            kept = conn.scalar(sa.select(EVENTS.c.event_id_cnty).where(EVENTS.c.dataset == dataset,
                                                                      EVENTS.c.event_id_cnty.in_(ids)))
            moved = next((e for e in current if e["event_id_cnty"] == kept), current[0])
            raise self._conflict(conn, dataset, moved["event_id_cnty"], moved[VERSION])
        conn.execute(EVENT_CHANGES.insert(), [
            {"change_id": change_id, "dataset": dataset, "event_id_cnty": event["event_id_cnty"],
             "action": "delete", "version": event[VERSION] + 1, "before": _event_json(event), "after": None}
            for event in current])

    def _refuse_if_overtaken(self, conn, change_id: int) -> None:
        """An undo is safe while the change is still the last one of every event (and data set name) it touched."""
        mine_name, later_name = DATASET_CHANGES.alias("mine_name"), DATASET_CHANGES.alias("later_name")
        renamed = conn.execute(
            sa.select(later_name.c.change_id, CHANGES.c.author, CHANGES.c.at, later_name.c.dataset)
            .join(later_name, (later_name.c.dataset == mine_name.c.dataset) & (later_name.c.id > mine_name.c.id))
            .join(CHANGES, CHANGES.c.change_id == later_name.c.change_id)
            .where(mine_name.c.change_id == change_id).order_by(later_name.c.id.desc()).limit(1)).first()
        if renamed:
            at = _utc(renamed.at)
            raise EditConflictError(
                f"cannot undo change {change_id}: data set {renamed.dataset!r} was renamed after it by "
                f"{renamed.author} at {at:%Y-%m-%d %H:%M:%S} UTC (change {renamed.change_id}); undo that change first",
                renamed.dataset, author=renamed.author, at=at)
        mine, later = EVENT_CHANGES.alias("mine"), EVENT_CHANGES.alias("later")
        overtaken = conn.execute(
            sa.select(mine.c.event_id_cnty, later.c.change_id, CHANGES.c.author, CHANGES.c.at)
            .join(later, (later.c.dataset == mine.c.dataset) & (later.c.event_id_cnty == mine.c.event_id_cnty)
                  & (later.c.id > mine.c.id))
            .join(CHANGES, CHANGES.c.change_id == later.c.change_id)
            .where(mine.c.change_id == change_id).order_by(later.c.id).limit(1)).first()
        if overtaken:
            at = _utc(overtaken.at)
            raise EditConflictError(
                f"cannot undo change {change_id}: {overtaken.event_id_cnty} was changed after it by "
                f"{overtaken.author} at {at:%Y-%m-%d %H:%M} UTC (change {overtaken.change_id}); undo that change first",
                overtaken.event_id_cnty, author=overtaken.author, at=at)

    @staticmethod
    def _dataset_counts(conn) -> dict[str, int]:
        return dict(conn.execute(sa.select(EVENTS.c.dataset, sa.func.count()).group_by(EVENTS.c.dataset)).all())

    @staticmethod
    def _shown_names(conn, datasets) -> dict[str, str]:
        """Data set -> the name it is shown by now (its own unless renamed)."""
        renamed = {dataset: after for dataset, after in conn.execute(
            sa.select(DATASET_CHANGES.c.dataset, DATASET_CHANGES.c.after).order_by(DATASET_CHANGES.c.id)).all()
            if after}
        return {dataset: renamed.get(dataset, dataset) for dataset in datasets}

    # Reading one event, and saying why it cannot be written

    @staticmethod
    def _key(dataset: str, event_id: str):
        return EVENTS.c.dataset == dataset, EVENTS.c.event_id_cnty == event_id

    @staticmethod
    def _select_events():
        return sa.select(*[EVENTS.c[c] for c in SCHEMA], EVENTS.c.extra, EVENTS.c.geometry, EVENTS.c.version)

    @staticmethod
    def _event(row) -> dict:
        event = dict(row._mapping)
        wkb = _wkb(event["geometry"])
        event["geometry"] = None if wkb is None else shapely.from_wkb(wkb)
        return event

    def _read_event(self, conn, dataset: str, event_id: str, expected_version: int) -> dict:
        """One event as plain values (``geometry`` a shape), if it is still at ``expected_version``."""
        row = conn.execute(self._select_events().where(*self._key(dataset, event_id))).first()
        if row is None or row.version != expected_version:
            raise self._conflict(conn, dataset, event_id, expected_version)
        return self._event(row)

    def _conflict(self, conn, dataset: str, event_id: str, expected_version: int) -> StoreError:
        """The error for a write that found the event gone or at another version: who, when, which version."""
        last = conn.execute(
            sa.select(EVENT_CHANGES.c.action, EVENT_CHANGES.c.version, CHANGES.c.change_id, CHANGES.c.author,
                      CHANGES.c.at)
            .join(CHANGES, CHANGES.c.change_id == EVENT_CHANGES.c.change_id)
            .where(EVENT_CHANGES.c.dataset == dataset, EVENT_CHANGES.c.event_id_cnty == event_id)
            .order_by(EVENT_CHANGES.c.id.desc()).limit(1)).first()
        if last is None:
            return EventNotFoundError(f"no event {event_id} in data set {dataset!r}")
        at = _utc(last.at)
        who = f"{last.author} at {at:%Y-%m-%d %H:%M} UTC (change {last.change_id})"
        if last.action == "delete":
            message = (f"{event_id} was deleted by {who} since you opened it (you had version {expected_version}); "
                       f"reload (undo change {last.change_id} to bring it back)")
            current = None
        else:
            message = (f"{event_id} was changed by {who} since you opened it (version {last.version}, "
                       f"you had {expected_version}); reload and re-apply your edit")
            current = last.version
        return EditConflictError(message, event_id, current, expected_version, last.author, at)

    def _shape_value(self, shape):
        """A shape as the database takes it: EWKB for PostGIS (through GeoAlchemy2), WKB bytes for SQLite."""
        if shape is None:
            return None
        wkb = shapely.to_wkb(shape)
        return WKBElement(wkb, srid=4326) if self.backend == "postgis" else wkb


def _batches(items: list) -> list[list]:
    return [items[start:start + BATCH] for start in range(0, len(items), BATCH)]


def _wkb(value) -> bytes | None:
    """A shape as read back: PostGIS gives GeoAlchemy2's WKBElement (EWKB), SQLite the bytes."""
    return value.data if isinstance(value, WKBElement) else value


def _edited(current: dict, changes: dict, event_id: str) -> dict:
    """The event with ``changes`` applied, checked like a row of an events file and normalised."""
    row = {**{c: current[c] for c in SCHEMA}, **{c: v for c, v in changes.items() if c in SCHEMA}}
    checked, problems = check_events(pd.DataFrame([row]), event_id)
    if problems:  # the reasons alone: a row number means nothing for an edit
        raise EventDataError("; ".join(p.reason for p in problems), file=event_id)
    edited = dict(current)
    for column in changes.keys() & BY_NAME.keys():
        if BY_NAME[column].type == "float":
            edited[column] = _number(checked.at[0, column], column, event_id)
        else:
            edited[column] = _json_value(checked.at[0, column])
    if "geometry" in changes:
        shape = changes["geometry"]
        if isinstance(shape, str):
            text, shape = shape, shapely.from_wkt(shape, on_invalid="ignore") if shape.strip() else None
            if text.strip() and shape is None:
                raise EventDataError(f"geometry {text[:40]!r} is not WKT", file=event_id)
        edited["geometry"] = None if shape is None or shape.is_empty else shape
    elif {"latitude", "longitude"} & changes.keys():
        lat, lon = edited["latitude"], edited["longitude"]
        edited["geometry"] = None if lat is None or lon is None else shapely.Point(lon, lat)
    return edited


def _number(value, column: str, event_id: str) -> float | None:
    if value is None or str(value).strip() == "" or pd.isna(value):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise EventDataError(f"{column} {value!r} is not a number", file=event_id) from None


def seed(store: Store, path: Path | str | None = None, author: str | None = None) -> Change:
    """Load the curated events file (default ``data/events.csv``) into the ``bundled`` data set of a store
    that has never held it, as one import. The file is only read, never written."""
    from ..io.events import load_events

    path = Path(path or config.events_path())
    if len(store.changes(limit=1, dataset=BUNDLED)):
        raise StoreError(f"the {BUNDLED!r} data set is already in {store.url} (now {store.datasets().get(BUNDLED, 0)} "
                         "events); seeding is for a new store: edit events there, or set STRIKEMAP_DB to a new one")
    events = load_events(path)
    try:
        shown = path.resolve().relative_to(config.ROOT)
    except ValueError:
        shown = path
    return store.import_events(events, f"seeded from {shown}", author=author, dataset=BUNDLED)
