"""The time sequences run on: the real clock, or a simulated one (the demo, `nurture simulate`).

Code that schedules (triggers, enrollment, the worker, the sender) asks `now()` instead of
`datetime.now`, so a simulated month runs the same code paths as production.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_simulated: ContextVar[datetime | None] = ContextVar("nurture_simulated_now", default=None)


def now() -> datetime:
    """The current time (aware, UTC): simulated when a simulation is running."""
    return _simulated.get() or datetime.now(UTC)


@contextmanager
def simulated(at: datetime) -> Iterator[None]:
    """Run a block with the clock fixed at `at`."""
    if at.tzinfo is None:
        raise ValueError("simulated time must be timezone-aware")
    token = _simulated.set(at.astimezone(UTC))
    try:
        yield
    finally:
        _simulated.reset(token)
