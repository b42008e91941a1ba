"""Test fixtures: one embedded PostgreSQL per test session, a rolled-back transaction per test."""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from core.db import make_engine, migrate
from core.pgembed import EmbeddedPostgres, force_stop
from core.settings import Settings

pytest_plugins = ["tests.conftest_vcr"]

TEMPLATE_DB = "nurture_template"
TEST_DB = "nurture_test"


@pytest.fixture(scope="session")
def pg_root() -> Iterator[str]:
    """Start an embedded PostgreSQL for the whole session; stop it (and delete it) at the end."""
    warnings.filterwarnings("ignore", module="platformdirs")
    home = Path(tempfile.mkdtemp(prefix="nurture-test-"))
    server = EmbeddedPostgres(home / "pgdata")
    url = server.start()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {TEMPLATE_DB}"))
        conn.execute(text(f"CREATE DATABASE {TEMPLATE_DB}"))
    template = make_engine(str(make_url(url).set(database=TEMPLATE_DB)), poolclass=None)
    migrate(template)
    template.dispose()
    admin.dispose()
    try:
        yield url
    finally:
        server.stop()
        force_stop(home / "pgdata")
        shutil.rmtree(home, ignore_errors=True)


def clone_database(root_url: str, name: str) -> str:
    """Create database `name` from the migrated template and return its URL."""
    admin = create_engine(root_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {TEMPLATE_DB}'))
    admin.dispose()
    return make_url(root_url).set(database=name).render_as_string(hide_password=False)


def drop_database(root_url: str, name: str) -> None:
    """Drop a cloned database, closing whatever still holds it."""
    admin = create_engine(root_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def db_url(pg_root: str) -> str:
    """URL of the shared test database (migrated; tests roll their changes back)."""
    return clone_database(pg_root, TEST_DB)


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    """Engine on the shared test database."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test (commits = savepoints)."""
    conn = engine.connect()
    trans = conn.begin()
    sess = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield sess
    finally:
        sess.close()
        trans.rollback()
        conn.close()


@pytest.fixture
def fresh_db_url(pg_root: str) -> Iterator[str]:
    """A brand-new migrated database for tests that need real commits across connections."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = clone_database(pg_root, name)
    yield url
    drop_database(pg_root, name)


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Settings pointing at the test database, with a private NURTURE_HOME."""
    return Settings(
        DATABASE_URL=db_url,
        NURTURE_HOME=tmp_path / "home",
        NURTURE_API_KEY="test-key",
        _env_file=None,
    )


@pytest.fixture
def client(settings: Settings, session: Session):
    """A FastAPI TestClient whose requests use the test's rolled-back session."""
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import get_session, get_session_opener
    from core.db import Database

    app = create_app(settings, db=Database(settings))
    app.dependency_overrides[get_session] = lambda: session
    # work after the response (ingest's scoring) runs in the same rolled-back session
    app.dependency_overrides[get_session_opener] = lambda: lambda: nullcontext(session)
    with TestClient(app, headers={"Authorization": "Bearer test-key"}) as test_client:
        yield test_client
