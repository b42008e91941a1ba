"""Behaviour comparisons answered from the per-lead summaries (`b`, table lead_behaviour).

A comparison is answered here only when the summary gives exactly the trail's answer: all-time
counts of a summarised metric (any operator), and windowed counts up to `MAX_WINDOW_DAYS` whose
operator and value need at most the `RECENT_KEPT` most recent timestamps ("at least k in the last
N days" holds iff the k-th most recent is inside the window). Anything else returns None and
the caller compiles the events semi-join instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.models.behaviour import BEHAVIOUR_METRICS, RECENT_KEPT

MAX_WINDOW_DAYS = 90
# `events` (every event) and `emails_sent` are written by paths that do not rescore (system
# events, the sender), so a summary of them could lag: filters on them always read the trail.
UNSUMMARISED = ("events", "emails_sent")
SUMMARISED = tuple(m for m in BEHAVIOUR_METRICS if m not in UNSUMMARISED)


def summary_condition(
    metric: str, days: int | None, op: str, value: Any, bind: Callable[[Any], str]
) -> str | None:
    """SQL over `b` equivalent to `count(metric in window) <op> value`, or None if not exact."""
    if metric not in SUMMARISED or float(value) != int(value):
        return None
    value = int(value)
    if days is None:
        return f"b.{metric} {op} {bind(value)}"
    if days > MAX_WINDOW_DAYS:
        return None

    def at_least(k: int) -> str | None:
        if k <= 0:
            return "TRUE"
        if k > RECENT_KEPT:
            return None
        nth = f"b.{metric}_recent[{k}]"
        # NULL (fewer than k events) must read as false, also under NOT
        return f"({nth} > :as_of - make_interval(days => {bind(days)}) AND {nth} IS NOT NULL)"

    def fewer_than(k: int) -> str | None:
        if k <= 0:
            return "FALSE"
        if k > RECENT_KEPT:
            return None
        nth = f"b.{metric}_recent[{k}]"
        return f"({nth} IS NULL OR {nth} <= :as_of - make_interval(days => {bind(days)}))"

    parts: dict[str, tuple[Callable[[], str | None], ...]] = {
        ">=": (lambda: at_least(value),),
        ">": (lambda: at_least(value + 1),),
        "<": (lambda: fewer_than(value),),
        "<=": (lambda: fewer_than(value + 1),),
        "=": (lambda: at_least(value), lambda: fewer_than(value + 1)),
        "<>": (lambda: fewer_than(value), lambda: at_least(value + 1)),
    }
    pieces = [make() for make in parts[op]]
    if any(piece is None for piece in pieces):
        return None
    joiner = " OR " if op == "<>" else " AND "
    return pieces[0] if len(pieces) == 1 else "(" + joiner.join(pieces) + ")"
