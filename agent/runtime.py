"""What nodes need at run time (sessions, model, embedder, checkpointer), passed via config."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from agent.llm import CallRecord, CallRecorder, ModelClient, get_client
from core.agent_settings import AgentSettings

if TYPE_CHECKING:
    from langgraph.checkpoint.base import BaseCheckpointSaver

    from agent.embeddings import Embedder
    from core.db import Database

SessionFactory = Callable[[], AbstractContextManager[Session]]
_SETUP_DONE: set[str] = set()  # checkpointer URLs whose tables exist (setup() once per process)
_SETUP_LOCK = threading.Lock()


@dataclass
class Runtime:
    """One caller's handles; nodes reach it through config["configurable"]["runtime"]."""

    sessions: SessionFactory
    checkpointer: BaseCheckpointSaver
    embedder: Embedder
    client: ModelClient | None = None
    settings: AgentSettings = field(default_factory=AgentSettings)
    content_dir: Path = Path("demo_data/content")
    calls: list[CallRecord] = field(default_factory=list)
    content_indexed: bool = False
    graph: Any = field(default=None, repr=False)  # compiled once per Runtime (agent.runner)

    def config(self, thread_id: str) -> dict[str, Any]:
        """The run config for one thread: its id and this runtime."""
        return {"configurable": {"thread_id": thread_id, "runtime": self}}

    def take_calls(self) -> list[CallRecord]:
        """The model calls recorded since the last take (to persist them)."""
        taken, self.calls[:] = list(self.calls), []
        return taken


def runtime_of(config: dict[str, Any]) -> Runtime:
    """The Runtime a node was given."""
    return config["configurable"]["runtime"]


def psycopg_url(url: str) -> str:
    """A libpq URL from a SQLAlchemy one (drops the +psycopg driver suffix)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


class CheckpointerSetupBlocked(RuntimeError):
    """The checkpointer's one-time set-up waited too long for other open transactions."""


SETUP_LOCK_TIMEOUT = "30s"


def _needs_setup(conn: Any, saver: Any) -> bool:
    """True unless the checkpoint tables exist at the saver's latest migration."""
    import psycopg

    try:
        row = conn.execute("SELECT max(v) AS v FROM checkpoint_migrations").fetchone()
    except psycopg.errors.UndefinedTable:
        return True
    return row["v"] is None or row["v"] < len(saver.MIGRATIONS) - 1


def _setup(conn: Any, saver: Any) -> None:
    """Create the checkpoint tables, failing fast instead of waiting forever.

    setup() builds indexes CONCURRENTLY, which waits for every transaction open in the database
    at that moment; a caller holding one open (say, around handle_event) would wait on itself.
    """
    import psycopg

    conn.execute(f"SET lock_timeout = '{SETUP_LOCK_TIMEOUT}'")
    try:
        saver.setup()
    except psycopg.errors.LockNotAvailable as exc:
        raise CheckpointerSetupBlocked(
            "creating the agent's checkpoint tables waited "
            f"{SETUP_LOCK_TIMEOUT} for open transactions: call the agent with none open"
        ) from exc
    finally:
        conn.execute("RESET lock_timeout")


@contextmanager
def postgres_checkpointer(url: str) -> Iterator[BaseCheckpointSaver]:
    """A PostgresSaver on its own autocommit connection; its tables are set up once."""
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    dsn = psycopg_url(url)
    with psycopg.connect(dsn, autocommit=True, prepare_threshold=0, row_factory=dict_row) as conn:
        saver = PostgresSaver(conn)
        with _SETUP_LOCK:
            if dsn not in _SETUP_DONE:
                if _needs_setup(conn, saver):
                    _setup(conn, saver)
                _SETUP_DONE.add(dsn)
        yield saver


def default_client(recorder: CallRecorder) -> ModelClient | None:
    """The configured model client (None offline), reporting to `recorder`."""
    return get_client(recorder=recorder)


@contextmanager
def open_runtime(db: Database) -> Iterator[Runtime]:
    """A Runtime on a started Database: Postgres checkpointer, configured model and embedder."""
    from agent.embeddings import get_embedder
    from core.llm_settings import LLMSettings

    assert db.url is not None, "Database.start() first"
    calls: list[CallRecord] = []
    client = default_client(CallRecorder([calls.append]))
    with postgres_checkpointer(db.url) as saver:
        yield Runtime(
            sessions=db.session,
            checkpointer=saver,
            embedder=get_embedder(LLMSettings(), client),
            client=client,
            content_dir=db.settings.content_dir,
            calls=calls,
        )
