"""Database helpers: engines, sessions, the tables every service shares, migrations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Integer,
    LargeBinary,
    MetaData,
    String,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from ruralcredit_common.errors import StartupError
from ruralcredit_common.writer_turn import take_turns

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite has no 64-bit autoincrement under BigInteger; it does under INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


def utcnow() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


def make_base() -> type[DeclarativeBase]:
    """A declarative base with its own metadata, carrying the outbox and processed-event tables."""

    class ServiceBase(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING)

    class OutboxRow(ServiceBase):
        """An event written with the state change, waiting for the relay to publish it."""

        __tablename__ = "outbox"
        id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
        topic: Mapped[str] = mapped_column(String(120))
        key: Mapped[bytes] = mapped_column(LargeBinary)
        value: Mapped[bytes] = mapped_column(LargeBinary)
        created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)
        sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime(), index=True, nullable=True)

    class ProcessedEvent(ServiceBase):
        """An event id already applied by this service's consumer (idempotent apply)."""

        __tablename__ = "processed_events"
        event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
        topic: Mapped[str] = mapped_column(String(120))
        processed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime(), default=utcnow)

    ServiceBase.OutboxRow = OutboxRow
    ServiceBase.ProcessedEvent = ProcessedEvent
    return ServiceBase


def create_db_engine(url: str) -> Engine:
    """An engine tuned for the backend: WAL and a busy timeout on SQLite, pre-ping on PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        file = _sqlite_file(url)
        if file is not None:
            file.parent.mkdir(parents=True, exist_ok=True)
        # SQLite has one writer at a time. Threads of one process take turns on one connection
        # (a queue hands it over at once), instead of racing for the file lock and sleeping in
        # SQLite's busy handler, where throughput collapsed under concurrent requests.
        engine = _sqlite_engine(url, connections=1, pragmas=("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"))
        if file is not None:
            # And processes on the same file take turns through a lock file (writer_turn.py).
            take_turns(engine, file)

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn: Connection) -> None:
            # Take the write lock when the transaction starts: a read that later writes can then
            # never fail on a snapshot another process has moved past; it waits its turn instead.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def create_reader_engine(url: str) -> Engine | None:
    """On a SQLite file, connections that only read: in WAL mode a reader sees the last commit
    without waiting for the one writing connection, so checking an API key or finding the outbox
    rows to publish does not queue behind the writes. None elsewhere: PostgreSQL's pool serves both."""
    if _sqlite_file(url) is None:
        return None
    return _sqlite_engine(url, connections=4, pragmas=("query_only=ON",))


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for another backend or a database in memory."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def _sqlite_engine(url: str, *, connections: int, pragmas: tuple[str, ...]) -> Engine:
    # Autocommit at the driver: the transactions are the ones SQLAlchemy (or `_begin_immediate`) opens.
    engine = create_engine(
        url, connect_args={"timeout": 30, "check_same_thread": False, "isolation_level": None},
        poolclass=QueuePool, pool_size=connections, max_overflow=0, pool_timeout=120,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        cur = dbapi_conn.cursor()
        for pragma in pragmas:
            cur.execute(f"PRAGMA {pragma}")
        cur.close()

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    with factory() as session, session.begin():
        yield session


def check_reachable(engine: Engine) -> None:
    """Fail with one clear line when the database cannot be reached."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means the same thing here
        url = engine.url.render_as_string(hide_password=True)
        raise StartupError(f"database unreachable at {url}: {type(exc).__name__}") from exc


def insert_new(session: Session, model: Any, rows: list[dict[str, Any]], key: str) -> set[Any]:
    """Insert rows, skipping those whose unique key exists; returns the keys actually inserted."""
    if not rows:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        return _insert_new_unnest(session, model, rows, key)
    return _insert_new_rowid(session, model, rows, key)


def _insert_new_rowid(session: Session, model: Any, rows: list[dict[str, Any]], key: str) -> set[Any]:
    # One prepared statement run for every row by the driver, with the values converted once by
    # the columns' own types: an ORM bulk insert with RETURNING spent 20 µs of Python a row
    # building multi-row statements and reading their results, on the one thread that holds
    # the write lock. The rows inserted are those past the largest id before: a transaction on
    # SQLite is the only writer, and a new integer primary key is always above the largest.
    table = model.__table__
    dialect = session.get_bind().dialect
    columns = list(rows[0])
    if not _rowid_insert_fits(table, columns, rows):
        from sqlalchemy.dialects.sqlite import insert

        return set(session.scalars(insert(model).on_conflict_do_nothing().returning(getattr(model, key)), rows).all())
    convert = [(c, table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) for c in columns]
    values = [tuple(r[c] if p is None else p(r[c]) for c, p in convert) for r in rows]
    quote = dialect.identifier_preparer.quote
    conn = session.connection()
    before = conn.execute(select(func.max(table.c.id))).scalar() or 0
    conn.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) VALUES ({', '.join('?' * len(columns))}) "
        "ON CONFLICT DO NOTHING",
        values,
    )
    return set(conn.execute(select(table.c[key]).where(table.c.id > before)).scalars())


def _rowid_insert_fits(table: Any, columns: list[str], rows: list[dict[str, Any]]) -> bool:
    """Whether the driver's insert stores what the ORM's would: the key an integer `id` the
    rows leave to the database, every row with the same columns, no Python-side default left out."""
    if list(table.primary_key.columns.keys()) != ["id"] or "id" in columns:
        return False
    if not isinstance(table.c.id.type, Integer | BigInteger):
        return False
    if any(c.default is not None for c in table.c if c.name not in columns and c.name != "id"):
        return False
    shape = set(columns)
    return all(r.keys() == shape for r in rows)


def _insert_new_unnest(session: Session, model: Any, rows: list[dict[str, Any]], key: str) -> set[Any]:
    # One statement with one array per column: thousands of rows cost one round trip and no
    # per-row placeholder parsing (a multi-VALUES insert spends most of its time there).
    # Columns with one value for every row go as a single parameter, not an array; the key
    # column always goes as an array, so there is one to unnest even for a single row.
    from sqlalchemy.dialects import postgresql

    table = model.__table__
    dialect = postgresql.dialect()
    selected, arrays, params = [], [], {}
    for i, column in enumerate(rows[0]):
        sql_type = table.c[column].type.compile(dialect=dialect)
        values = [r[column] for r in rows]
        if column != key and all(v == values[0] for v in values):
            selected.append(f"CAST(:c{i} AS {sql_type})")
            params[f"c{i}"] = values[0]
        else:
            selected.append(f"u.c{i}")
            arrays.append((f"c{i}", f"CAST(:c{i} AS {sql_type}[])"))
            params[f"c{i}"] = _array_literal(values)
    unnest = ", ".join(cast for _, cast in arrays)
    names = ", ".join(name for name, _ in arrays)
    sql = text(
        f'INSERT INTO {table.name} ({", ".join(rows[0])}) SELECT {", ".join(selected)} '
        f"FROM unnest({unnest}) AS u({names}) ON CONFLICT DO NOTHING RETURNING {key}"
    )
    return set(session.execute(sql, params).scalars().all())


def _array_literal(values: list[Any]) -> str:
    # One text parameter per column: the driver would otherwise adapt every element in Python.
    def quote(v: Any) -> str:
        if v is None:
            return "NULL"
        text_value = v.isoformat() if isinstance(v, dt.datetime | dt.date) else str(v)
        return '"' + text_value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "{" + ",".join(map(quote, values)) + "}"


def migrate(url: str, script_location: str) -> None:
    """Bring the database at `url` to the newest revision of one service's migration history."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def check_migrated(engine: Engine, script_location: str) -> None:
    """Fail with one line when the database is behind the service's newest migration."""
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current != head:
        url = engine.url.render_as_string(hide_password=True)
        raise StartupError(f"database at {url} is at migration {current or 'none'}, not {head}: run `migrate` first")


def run_migrations_online(config: Config, target_metadata: MetaData) -> None:
    """The body of every service's alembic env.py."""
    from alembic import context

    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # migrate() always sets it; an env.py run some other way must too
        raise StartupError("the alembic configuration names no sqlalchemy.url")
    engine = create_db_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


__all__ = [
    "JSON",
    "BigId",
    "create_db_engine",
    "make_base",
    "migrate",
    "session_factory",
    "transaction",
    "utcnow",
]
