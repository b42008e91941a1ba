"""The embedded PostgreSQL: started and stopped by the process that uses it, data survives."""

import os

from sqlalchemy import text

from core.db import Database
from core.settings import Settings


def _running(pgdata) -> bool:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    pid = int(pid_file.read_text().split()[0])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_start_migrate_stop_and_restart_keeps_data(tmp_path):
    settings = Settings(NURTURE_HOME=tmp_path / "home", _env_file=None)
    assert settings.embedded
    db = Database(settings).start()
    try:
        with db.session() as session:
            session.execute(text("INSERT INTO reps (name, email) VALUES ('Ana', 'ana@x.io')"))
        assert _running(settings.pgdata)
    finally:
        db.stop()
    assert not _running(settings.pgdata)
    again = Database(settings).start()
    try:
        with again.session() as session:
            names = session.execute(text("SELECT name FROM reps")).scalars().all()
        assert names == ["Ana"]
    finally:
        again.stop()
    assert not _running(settings.pgdata)


def test_api_process_starts_its_own_database(fresh_db_url, tmp_path):
    import gc

    from fastapi.testclient import TestClient

    from api.app import create_app

    settings = Settings(
        DATABASE_URL=fresh_db_url, NURTURE_HOME=tmp_path, NURTURE_API_KEY="k", _env_file=None
    )
    gc.unfreeze()
    with TestClient(create_app(settings)) as client:
        # a server process moves its startup heap out of the cycle collector's walks
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        assert client.get("/healthz").json() == {"ok": True}
        spec = client.get("/openapi.json").json()
        assert {
            "/v1/batch",
            "/v1/track",
            "/v1/identify",
            "/v1/leads/{id_or_email}",
            "/v1/segments/{name}/leads",
        } <= set(spec["paths"])
        names = client.get("/v1/segments", headers={"Authorization": "Bearer k"}).json()
        assert "pricing_2x_7d" in {s["name"] for s in names["items"]}
