"""Database lifecycle: embedded or external PostgreSQL, pgvector check, migrations, sessions."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.pgembed import EmbeddedPostgres
from core.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"


class MissingVectorExtension(RuntimeError):
    """The configured PostgreSQL server cannot load pgvector."""


VECTOR_HELP = (
    "The PostgreSQL server at DATABASE_URL has no 'vector' extension available. "
    "Install pgvector on that server (Debian/Ubuntu: apt install postgresql-<version>-pgvector; "
    "or use the pgvector/pgvector Docker image; managed services: enable the 'vector' extension), "
    "then run `CREATE EXTENSION vector;` as a superuser — or unset DATABASE_URL to use nurture's "
    "embedded PostgreSQL+pgvector."
)


def alembic_config(engine: Engine):
    """An Alembic config pointing at our migrations and bound to `engine`."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision`."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Downgrade the schema to `revision`."""
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def check_vector(engine: Engine) -> None:
    """Raise `MissingVectorExtension` with a fix-it message when pgvector is unavailable."""
    with engine.connect() as conn:
        available = conn.execute(
            text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
        ).first()
    if available is None:
        raise MissingVectorExtension(VECTOR_HELP)


def bigint_array(values: Iterable[int]) -> str:
    """A bigint[] literal to bind as text and CAST: psycopg's list adapter inspects every
    element of a list parameter, this does not."""
    return "{" + ",".join(map(str, values)) + "}"


def make_engine(url: str, **kwargs) -> Engine:
    """A SQLAlchemy engine on psycopg 3 with sane pool settings."""
    if url.startswith("postgresql://"):
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_engine(url, **kwargs)


@contextmanager
def committed(sessions: Callable[[], Session]) -> Iterator[Session]:
    """A session from `sessions`, committed on success and rolled back on error."""
    with sessions() as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Database:
    """One process's handle on the database: start it, migrate it, hand out sessions, stop it."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._embedded: EmbeddedPostgres | None = None
        self.url: str | None = None
        self.engine: Engine | None = None
        self.sessions: sessionmaker[Session] | None = None

    def start(self, *, run_migrations: bool = True) -> Database:
        """Start (embedded) or connect (external), check pgvector, migrate to head."""
        if self.settings.embedded:
            warnings.filterwarnings("ignore", module="platformdirs")
            self._embedded = EmbeddedPostgres(self.settings.pgdata)
            self.url = self._embedded.start()
        else:
            self.url = self.settings.database_url
        self.engine = make_engine(self.url)
        check_vector(self.engine)
        if run_migrations:
            migrate(self.engine)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        return self

    def stop(self) -> None:
        """Dispose connections and detach from the embedded server (stopping it if last)."""
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None
        if self._embedded is not None:
            self._embedded.stop()
            self._embedded = None

    def session(self) -> AbstractContextManager[Session]:
        """A session committed on success and rolled back on error."""
        assert self.sessions is not None, "Database.start() first"
        return committed(self.sessions)


@contextmanager
def open_database(settings: Settings, *, run_migrations: bool = True) -> Iterator[Database]:
    """Start the database for the length of a block (CLI commands, the API lifespan)."""
    db = Database(settings).start(run_migrations=run_migrations)
    try:
        yield db
    finally:
        db.stop()
