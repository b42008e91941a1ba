"""Migrations: upgrade creates the schema with pgvector; downgrade removes it; upgrade again."""

from sqlalchemy import inspect, text

from core.db import downgrade, make_engine, migrate


def test_upgrade_downgrade_upgrade(fresh_db_url):
    engine = make_engine(fresh_db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert {"leads", "events", "accounts", "reps", "score_history", "segments"} <= tables
        with engine.connect() as conn:
            distance = text("SELECT '[1,2,3]'::vector(3) <-> '[1,2,5]'::vector(3)")
            assert conn.execute(distance).scalar() == 2.0  # pgvector's L2 operator, not a cast
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


def test_behaviour_summary_migration_round_trip(fresh_db_url):
    """0005 backfills unsummarised rows, new leads get an exact empty row, and 0004 <-> 0005."""
    engine = make_engine(fresh_db_url)
    try:
        downgrade(engine, "0004")
        assert "lead_behaviour" not in set(inspect(engine).get_table_names())
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO leads (email) VALUES ('old@example.com')"))
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO leads (email) VALUES ('new@example.com')"))
            rows = dict(
                conn.execute(
                    text(
                        "SELECT l.email, b.summarised_at IS NOT NULL FROM leads l "
                        "JOIN lead_behaviour b ON b.lead_id = l.id"
                    )
                ).all()
            )
        assert rows == {"old@example.com": False, "new@example.com": True}
        downgrade(engine, "0004")
        assert "lead_behaviour" not in set(inspect(engine).get_table_names())
        migrate(engine)
        assert "lead_behaviour" in set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _vacuum_options(engine) -> dict[str, list[str] | None]:
    """Each table's autovacuum options (None: none set)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relname, reloptions FROM pg_class "
                "WHERE relname IN ('leads', 'lead_behaviour')"
            )
        ).all()
    return {
        name: [o for o in options or () if o.startswith("autovacuum")] or None
        for name, options in rows
    }


def test_ingest_rewritten_tables_are_vacuumed_sooner_and_downgrade_resets_it(fresh_db_url):
    engine = make_engine(fresh_db_url)
    try:
        sooner = ["autovacuum_vacuum_scale_factor=0.01", "autovacuum_vacuum_threshold=1000"]
        assert _vacuum_options(engine) == {"leads": sooner, "lead_behaviour": sooner}
        downgrade(engine, "0007")
        assert _vacuum_options(engine) == {"leads": None, "lead_behaviour": None}
        migrate(engine)
        assert _vacuum_options(engine)["leads"] == sooner
    finally:
        engine.dispose()


def _batch_array_storage(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text(
                    "SELECT attname, attstorage FROM pg_attribute "
                    "WHERE attrelid = 'ingest_batches'::regclass "
                    "AND attname IN ('event_ids', 'lead_ids', 'refold_ids')"
                )
            ).all()
        )


def test_pending_batch_arrays_are_stored_uncompressed_and_downgrade_restores_it(fresh_db_url):
    engine = make_engine(fresh_db_url)
    try:
        columns = ("event_ids", "lead_ids", "refold_ids")
        # 'e' EXTERNAL: out of line, not compressed; 'x' EXTENDED: PostgreSQL's default
        assert _batch_array_storage(engine) == dict.fromkeys(columns, "e")
        downgrade(engine, "0009")
        assert _batch_array_storage(engine) == dict.fromkeys(columns, "x")
        migrate(engine)
        assert _batch_array_storage(engine) == dict.fromkeys(columns, "e")
    finally:
        engine.dispose()


def _rank_state(engine) -> dict:
    with engine.connect() as conn:
        indexes = set(
            conn.execute(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'leads'")
            ).scalars()
        )
        options = conn.execute(
            text("SELECT reloptions FROM pg_class WHERE relname = 'leads'")
        ).scalar()
    return {
        "ranked_indexes_on_leads": sorted(
            indexes & {"ix_leads_tier_score", "ix_leads_last_engaged_at", "ix_leads_activity"}
        ),
        "fillfactor": [o for o in options or () if o.startswith("fillfactor")],
        "lead_ranks": "lead_ranks" in inspect(engine).get_table_names(),
    }


def test_lead_ranks_copy_the_ranking_columns_and_downgrade_restores_the_indexes(fresh_db_url):
    """0011: existing leads are copied, triggers follow inserts and updates, the three
    indexes move off leads (so scoring's updates can be HOT) and come back on downgrade."""
    engine = make_engine(fresh_db_url)
    ranks = text(
        "SELECT l.email, r.tier, r.score, r.last_engaged_at IS NOT NULL "
        "FROM leads l JOIN lead_ranks r ON r.lead_id = l.id ORDER BY l.email"
    )
    try:
        downgrade(engine, "0010")
        assert _rank_state(engine) == {
            "ranked_indexes_on_leads": [
                "ix_leads_activity",
                "ix_leads_last_engaged_at",
                "ix_leads_tier_score",
            ],
            "fillfactor": [],
            "lead_ranks": False,
        }
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO leads (email, tier, score, last_engaged_at) "
                    "VALUES ('old@example.com', 'warm', 55, now())"
                )
            )
        migrate(engine)
        assert _rank_state(engine) == {
            "ranked_indexes_on_leads": [],
            "fillfactor": ["fillfactor=80"],
            "lead_ranks": True,
        }
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO leads (email) VALUES ('new@example.com')"))
            assert conn.execute(ranks).all() == [
                ("new@example.com", "cold", 0, False),
                ("old@example.com", "warm", 55, True),
            ]
            conn.execute(
                text(
                    "UPDATE leads SET tier = 'mql', score = 80, last_engaged_at = now() "
                    "WHERE email = 'new@example.com'"
                )
            )
            conn.execute(text("UPDATE leads SET consent = 'unsubscribed'"))  # no ranking change
            assert conn.execute(ranks).all() == [
                ("new@example.com", "mql", 80, True),
                ("old@example.com", "warm", 55, True),
            ]
            conn.execute(text("DELETE FROM leads WHERE email = 'old@example.com'"))
            assert conn.execute(text("SELECT count(*) FROM lead_ranks")).scalar() == 1
        downgrade(engine, "0010")
        assert _rank_state(engine)["ranked_indexes_on_leads"] == [
            "ix_leads_activity",
            "ix_leads_last_engaged_at",
            "ix_leads_tier_score",
        ]
        migrate(engine)
        assert _rank_state(engine)["lead_ranks"]
    finally:
        engine.dispose()


def _behaviour_hot_state(engine) -> dict:
    """The access method of the `last_event_at` index and the table's fillfactor."""
    with engine.connect() as conn:
        method, options = conn.execute(
            text(
                "SELECT am.amname, t.reloptions FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
                "JOIN pg_index i ON i.indexrelid = c.oid JOIN pg_class t ON t.oid = i.indrelid "
                "WHERE c.relname = 'ix_lead_behaviour_last_event_at'"
            )
        ).one()
    return {"method": method, "fillfactor": [o for o in options or () if "fillfactor" in o]}


def test_behaviour_rows_get_a_brin_index_and_room_and_downgrade_restores_them(fresh_db_url):
    """0012: `last_event_at` is indexed by BRIN (a summarizing index, so updates moving it can
    be HOT) and the table leaves room on its pages; downgrade brings back the B-tree."""
    engine = make_engine(fresh_db_url)
    try:
        assert _behaviour_hot_state(engine) == {"method": "brin", "fillfactor": ["fillfactor=70"]}
        downgrade(engine, "0011")
        assert _behaviour_hot_state(engine) == {"method": "btree", "fillfactor": []}
        migrate(engine)
        assert _behaviour_hot_state(engine)["method"] == "brin"
    finally:
        engine.dispose()
