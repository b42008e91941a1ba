"""A throwaway database for eval suites: a small deterministic demo, loaded once per run.

Embedded PostgreSQL in a temporary NURTURE_HOME (or DATABASE_URL when set). The first suite that
asks starts and loads it; the others of the same run reuse it; it is stopped and its directory
removed when the process exits (or on `close()`).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from core.db import Database
from core.settings import Settings

SEED = 7
N_LEADS = 200
ANCHOR = datetime(2026, 3, 2, tzinfo=UTC)  # fixed, so selectors pick the same leads every run
APPROVER = "eval-approver@nurture.example"  # may approve any draft (demo leads have no owner)


@dataclass
class SuiteDB:
    """The started database, where it lives, and the demo's clock."""

    db: Database
    home: Path
    anchor: datetime = ANCHOR


_shared: SuiteDB | None = None


def _load(db: Database, content_dir: Path) -> None:
    from core.demo_data import generate, write_content
    from core.models import Lead, Rep
    from tools.demo_loader import load_demo
    from tools.rescore import rescore
    from tools.segments import ensure_builtins

    dataset = generate(seed=SEED, n_leads=N_LEADS, anchor=ANCHOR)
    write_content(dataset, content_dir)
    with db.session() as session:
        if session.scalar(select(Lead.id).limit(1)) is not None:
            return  # an external DATABASE_URL that already holds the demo
        ensure_builtins(session)
        # Scores (and the mql_reached events scoring records, inline and in the rescore) as of
        # the demo's clock, not the wall clock: explanations are computed as of ANCHOR, and the
        # same run must give the same scores, selectors and model requests on any day.
        load_demo(session, dataset, as_of=ANCHOR)
        rescore(session, None, as_of=ANCHOR, cause="rescore")
        session.add(Rep(name="Eval Approver", email=APPROVER, is_approver=True))


_suites: dict[str, SuiteDB] = {}


def suite_db(name: str = "shared") -> SuiteDB:
    """The eval database for suite `name`: a fresh copy of the loaded demo, so suites that
    draft, send or suppress cannot change what another suite sees (one shared database when
    DATABASE_URL points at an external server)."""
    base = _base()
    if os.environ.get("DATABASE_URL") or name == "shared":
        return base
    if name not in _suites:
        from sqlalchemy import create_engine, make_url, text

        assert base.db.engine is not None and base.db.url is not None
        base.db.engine.dispose()  # a template database must have no open connections
        root = make_url(base.db.url)
        admin = create_engine(root.set(database="template1"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "eval_{name}"'))
            conn.execute(text(f'CREATE DATABASE "eval_{name}" TEMPLATE "{root.database}"'))
        admin.dispose()
        clone = root.set(database=f"eval_{name}").render_as_string(hide_password=False)
        settings = Settings(
            NURTURE_HOME=base.home,
            NURTURE_CONTENT_DIR=base.home / "content",
            DATABASE_URL=clone,
            _env_file=None,
        )
        _suites[name] = SuiteDB(Database(settings).start(), base.home)
    return _suites[name]


def _base() -> SuiteDB:
    """The run's eval database, started and loaded on first use."""
    global _shared
    if _shared is None:
        home = Path(tempfile.mkdtemp(prefix="nurture-eval-"))
        content = home / "content"
        settings = Settings(
            NURTURE_HOME=home,
            NURTURE_CONTENT_DIR=content,
            DATABASE_URL=os.environ.get("DATABASE_URL") or None,
            _env_file=None,
        )
        db = Database(settings)
        try:
            db.start()
            _load(db, content)
        except BaseException:
            db.stop()
            shutil.rmtree(home, ignore_errors=True)
            raise
        _shared = SuiteDB(db, home)
        atexit.register(close)
    return _shared


def close() -> None:
    """Stop the eval database and remove its directory."""
    global _shared
    for suite in _suites.values():
        suite.db.stop()
    _suites.clear()
    if _shared is not None:
        _shared.db.stop()
        shutil.rmtree(_shared.home, ignore_errors=True)
        _shared = None
