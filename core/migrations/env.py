"""Alembic environment: runs migrations on the engine handed over by `core.db`."""

from alembic import context

from core.models import Base

target_metadata = Base.metadata
engine = context.config.attributes.get("engine")

if engine is None:  # invoked from the alembic CLI: build settings and an engine ourselves
    from core.db import Database
    from core.settings import get_settings

    _db = Database(get_settings()).start(run_migrations=False)
    engine = _db.engine

with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=target_metadata)
    context.run_migrations()
