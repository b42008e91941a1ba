"""Migrations: upgrade creates the schema with pgvector; downgrade removes it; upgrade again."""

from sqlalchemy import inspect, text

from core.db import downgrade, make_engine, migrate


def test_upgrade_downgrade_upgrade(fresh_db_url):
    engine = make_engine(fresh_db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"leads", "events", "accounts", "reps", "score_history", "segments"} <= tables
        with engine.connect() as conn:
            assert conn.execute(text("SELECT '[1,2,3]'::vector(3)")).scalar() is not None
        downgrade(engine, "base")
        engine.dispose()
        remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        migrate(engine)
        assert "events" in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_events_unique_on_source_and_message_id(engine):
    uniques = inspect(engine).get_unique_constraints("events")
    assert any(sorted(u["column_names"]) == ["message_id", "source"] for u in uniques)
