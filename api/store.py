"""Database tables of the planning service, the engine that reaches them and their migrations; no HTTP here.

SQLite (a file) and PostgreSQL (``postgresql+psycopg://``) are supported. Every table is created by the
Alembic revisions in ``api/migrations/``, which :func:`migrate` applies without any ``alembic.ini``.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Connection,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    make_url,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator, TypeEngine

__all__ = [
    "MAX_IDEMPOTENCY_KEY_LENGTH",
    "AuditAction",
    "AuditRow",
    "Base",
    "JobEventRow",
    "JobRow",
    "JobStatus",
    "UTCDateTime",
    "alembic_config",
    "create_engine_for",
    "migrate",
    "writing",
]

MIGRATIONS: Final = Path(__file__).with_name("migrations")
MAX_IDEMPOTENCY_KEY_LENGTH: Final = 255
# Long enough for a writer storing a 20 MiB request; short enough that a stuck lock surfaces as an error.
SQLITE_BUSY_TIMEOUT_MS: Final = 10_000
# So that /readyz answers within seconds when the PostgreSQL server is gone, instead of waiting on TCP.
POSTGRES_CONNECT_TIMEOUT_SECONDS: Final = 5
# Any constant works: it only has to be the same in every process that migrates the same database.
MIGRATION_LOCK_KEY: Final = 0x706C616E6E6572
WRITE_OPTION: Final = "planner_write"

NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class JobStatus(StrEnum):
    """Where a planning job is in its life: queued → running → succeeded | failed | cancelled."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


class AuditAction(StrEnum):
    """What a caller did, as the audit log records it."""

    SUBMIT = "submit"
    CANCEL = "cancel"
    READ_STATUS = "read_status"
    READ_RESULT = "read_result"
    READ_MANIFEST = "read_manifest"
    READ_UNPLACED = "read_unplaced"
    LIST = "list"
    READ_EXPLAIN = "read_explain"


def _one_of(column: str, values: type[StrEnum]) -> str:
    """The SQL condition that a column holds one of an enum's values."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend; SQLite keeps no zone, so it stores the UTC wall time."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes, which would be read back as UTC whatever zone they meant."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the job store keeps timezone-aware UTC times only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        """Give back an aware UTC datetime whatever the session time zone of the server."""
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite numbers rows itself only for a column typed exactly INTEGER PRIMARY KEY.
AUTO_ID: Final[TypeEngine[int]] = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    """Declarative base with constraint names that migrations can refer to."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class JobRow(Base):
    """One planning job: its request, settings, status, progress and result."""

    __tablename__ = "jobs"
    __table_args__ = (
        UniqueConstraint("submitted_by", "idempotency_key"),
        CheckConstraint(_one_of("status", JobStatus), name="status"),
        Index("ix_jobs_status_seq", "status", "seq"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    # SQLite has no identity outside the primary key: the job store fills it in there (see JobStore.submit).
    seq: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str] = mapped_column(String(200))
    time_limit: Mapped[float] = mapped_column(Float)
    seed: Mapped[int] = mapped_column(BigInteger)
    # Deferred: up to the body limit in size, read only by request_of and plan_of.
    request: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    request_sha256: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(MAX_IDEMPOTENCY_KEY_LENGTH))
    # The job whose plan this one replans (POST /v1/plans/{id}/replan), if any.
    replan_of: Mapped[str | None] = mapped_column(String(32), index=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean)
    attempts: Mapped[int] = mapped_column(Integer)
    elapsed_seconds: Mapped[float | None] = mapped_column(Float)
    placed_priority: Mapped[int | None] = mapped_column(BigInteger)
    placed_priority_bound: Mapped[int | None] = mapped_column(BigInteger)
    cost: Mapped[int | None] = mapped_column(BigInteger)
    plan: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    summary: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class JobEventRow(Base):
    """One step in a job's status history."""

    __tablename__ = "job_events"
    __table_args__ = (CheckConstraint(_one_of("status", JobStatus), name="status"),)

    id: Mapped[int] = mapped_column(AUTO_ID, Identity(), primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class AuditRow(Base):
    """Who did what when; names keys and plans, never people on a roster."""

    __tablename__ = "audit"
    __table_args__ = (CheckConstraint(_one_of("action", AuditAction), name="action"),)

    id: Mapped[int] = mapped_column(AUTO_ID, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(32))
    plan_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)


def create_engine_for(url: str) -> Engine:
    """An engine for a SQLite file or a PostgreSQL database, set up for several processes at once."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        # hide_parameters: SQL errors end up in logs, and their parameters would be roster data.
        engine = create_engine(parsed, connect_args={"check_same_thread": False}, hide_parameters=True)
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        return engine
    if backend in ("postgresql", "postgres"):
        if "+" not in parsed.drivername:
            # psycopg 3 is the driver installed; a bare postgresql:// would ask for psycopg2.
            parsed = parsed.set(drivername="postgresql+psycopg")
        timeout = {} if "connect_timeout" in parsed.query else {"connect_timeout": POSTGRES_CONNECT_TIMEOUT_SECONDS}
        return create_engine(parsed, connect_args=timeout, pool_pre_ping=True, hide_parameters=True)
    raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://")


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Let several processes share the file: readers beside a writer (WAL), writers wait their turn."""
    # sqlite3 would BEGIN on its own before DML only, never before a SELECT or DDL; _on_sqlite_begin does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _use_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to write-ahead logging, once for all connections, as it persists in the file."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            # The switch needs the file to itself and SQLite answers "locked" at once, without the busy
            # timeout, when processes opening a new file together all try it.
            if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _on_sqlite_begin(connection: Connection) -> None:
    """Begin a writer's transaction with the write lock held, a reader's without."""
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when another process
    # wrote in between, instead of waiting for the busy timeout; taking the lock first makes writers queue.
    immediate = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writing(engine: Engine) -> Engine:
    """The same engine, for transactions that write: on SQLite they take the write lock when they begin."""
    return engine.execution_options(**{WRITE_OPTION: True})


def alembic_config(connection: Connection) -> Config:
    """An Alembic configuration, without alembic.ini, that runs on this connection and its transaction."""
    config = Config()
    # Config interpolates %(name)s in option values.
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision; a no-op when it is there, safe from several processes at once."""
    with writing(engine).begin() as connection:
        if connection.dialect.name == "postgresql":
            # Held until commit: a second process waits, then finds the schema at head and does nothing.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        command.upgrade(alembic_config(connection), "head")
