"""Database fixtures: each test that asks for one runs on SQLite and, when configured, on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url

from api.jobs import JobStore
from api.store import create_engine_for, migrate

POSTGRES_URL_VARIABLE = "PLANNER_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_VARIABLE = "PLANNER_REQUIRE_POSTGRES"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of each kind, which other processes can open too."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'planner.db'}"
        return
    base_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base_url:
        message = (
            f"PostgreSQL tests need {POSTGRES_URL_VARIABLE}, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
        # CI sets PLANNER_REQUIRE_POSTGRES so that a missing database fails the run instead of hiding behind a skip.
        if os.environ.get(REQUIRE_POSTGRES_VARIABLE):
            pytest.fail(message)
        pytest.skip(message)
    yield from _postgres_schema(base_url)


def _postgres_schema(base_url: str) -> Iterator[str]:
    """A URL whose connections see only a fresh schema, dropped afterwards, so tests never see each other's rows."""
    schema = f"test_{uuid.uuid4().hex}"
    admin = create_engine_for(base_url)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        # In the URL rather than in connect_args, so that worker processes given the URL land in it too.
        yield (
            make_url(base_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a migrated empty database, once on SQLite and once on PostgreSQL."""
    engine = create_engine_for(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> JobStore:
    """A job store on a migrated empty database."""
    return JobStore(engine)
