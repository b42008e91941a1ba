"""One worker's loop: periodic sweeps, due sequence steps, then the outbox, again and again."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.settings import Settings
from tools import clock
from tools.delivery import Transport
from tools.sender import SendReport, send_due
from tools.sweeps import run_sweeps
from tools.worker import BatchDrafter, Drafter, StepReport, process_due

log = logging.getLogger(__name__)
DRAFTS_PER_CLAIM = 20  # at ~10 s per model draft, 200 s: inside the 5-minute lease


@dataclass
class TickReport:
    """What one iteration did."""

    steps: StepReport
    sends: SendReport
    sweeps: dict[str, Any] = field(default_factory=dict)

    @property
    def busy(self) -> bool:
        """True when the iteration found work (so the next one should not wait)."""
        return self.steps.busy or self.sends.busy or bool(self.sweeps.get("reviews"))


def tick(
    session: Session,
    drafter: Drafter,
    transport: Transport,
    settings: Settings,
    *,
    now: datetime | None = None,
    worker_id: str = "worker",
    batch: int = 100,
    batch_drafter: BatchDrafter | None = None,
) -> TickReport:
    """One iteration: sweeps, a batch of due steps, a batch of outbox rows.

    With a batch drafter (offline drafting, milliseconds a step) a whole batch of steps is
    claimed; one model draft at a time takes seconds, so then DRAFTS_PER_CLAIM at most.
    """
    now = now or clock.now()
    sweeps = run_sweeps(session, now)
    # drafting a batch must finish well inside the claim's lease (tools/worker.LEASE)
    steps = process_due(
        session,
        drafter,
        now=now,
        limit=batch if batch_drafter else min(batch, DRAFTS_PER_CLAIM),
        worker_id=worker_id,
        batch_drafter=batch_drafter,
    )
    sends = send_due(session, transport, settings, now=now, limit=batch, worker_id=worker_id)
    return TickReport(steps, sends, sweeps)


def run(
    session_factory: Callable[[], Session],
    drafter: Drafter,
    transport: Transport,
    settings: Settings,
    *,
    once: bool = False,
    until_idle: bool = False,
    poll_seconds: float = 5.0,
    worker_id: str = "worker",
    batch: int = 100,
    on_tick: Callable[[TickReport], None] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    batch_drafter: BatchDrafter | None = None,
) -> int:
    """Loop until stopped (or once, or until an iteration finds nothing); returns iterations."""
    iterations = 0
    while not should_stop():
        with session_factory() as session:
            try:
                report = tick(
                    session,
                    drafter,
                    transport,
                    settings,
                    worker_id=worker_id,
                    batch=batch,
                    batch_drafter=batch_drafter,
                )
            except Exception:
                session.rollback()
                log.exception("worker iteration failed; retrying after a pause")
                report = None
        iterations += 1
        if report is not None and on_tick is not None:
            on_tick(report)
        if once or (until_idle and report is not None and not report.busy):
            break
        if report is None or not report.busy:
            time.sleep(poll_seconds)
    return iterations
