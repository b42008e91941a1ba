"""AI metrics: draft approval rate, edit distance, time to approve, reply label mix.

They read `drafts(id, lead_id, status, created_at, reviewed_at, edit_distance)` and
`replies(id, lead_id, label, received_at)`. Until those tables exist (or while a column is
missing) each function returns an empty result with a note instead of failing. A draft counts as
reviewed when reviewed_at is set, and as approved when its status is one of APPROVED_STATUSES.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from tools.metrics import (
    RECORD_CAP,
    MetricResult,
    Period,
    build,
    capped,
    fetch,
    period_params,
    ratio,
    two_places,
)

# Statuses a draft can only reach through a human approval (core/models/agent.py status machine).
APPROVED_STATUSES = ("approved", "edited", "queued", "sent", "failed")
DRAFT_COLUMNS = ("id", "lead_id", "status", "created_at", "reviewed_at", "edit_distance")
REPLY_COLUMNS = ("id", "lead_id", "label", "received_at")


def missing_table(session: Session, table: str, columns: tuple[str, ...]) -> str | None:
    """Why `table` cannot be read yet (absent, or lacking columns), or None when it is usable."""
    inspector = inspect(session.connection())
    if not inspector.has_table(table):
        return f"the {table} table does not exist yet, so there is nothing to measure"
    present = {c["name"] for c in inspector.get_columns(table)}
    lacking = [c for c in columns if c not in present]
    if lacking:
        return f"the {table} table has no column {', '.join(lacking)} yet"
    return None


def _empty(metric: str, note: str, kind: str, period: Period | None) -> MetricResult:
    return build(metric, None, "", {}, record_kind=kind, period=period, note=note)


def draft_approval_rate(session: Session, period: Period) -> MetricResult:
    """Of the drafts created in the period and reviewed, the share approved."""
    if note := missing_table(session, "drafts", DRAFT_COLUMNS):
        return _empty("draft_approval_rate", note, "draft", period)
    params = {**period_params(period), "approved": list(APPROVED_STATUSES)}
    sql = f"""
SELECT count(*) AS reviewed, count(*) FILTER (WHERE status = ANY(:approved)) AS approved,
       (array_agg(id ORDER BY id) FILTER (WHERE status = ANY(:approved)))[1:{RECORD_CAP}] AS ids
FROM drafts WHERE reviewed_at IS NOT NULL AND created_at >= :start AND created_at < :end"""
    row = fetch(session, sql, params)[0]
    rate = ratio(row["approved"], row["reviewed"])
    return build(
        "draft_approval_rate",
        rate,
        sql,
        params,
        numbers={"approval_rate": rate, "reviewed": row["reviewed"], "approved": row["approved"]},
        record_kind="draft",
        record_ids=capped(row["ids"]),
        record_count=row["approved"],
        period=period,
        note=None if row["reviewed"] else "no draft was reviewed in this period",
    )


def draft_edit_distance(session: Session, period: Period) -> MetricResult:
    """Mean and median edit distance of reviewed drafts created in the period."""
    if note := missing_table(session, "drafts", DRAFT_COLUMNS):
        return _empty("draft_edit_distance", note, "draft", period)
    params = period_params(period)
    sql = f"""
SELECT count(*) AS drafts, avg(edit_distance) AS mean,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY edit_distance) AS median,
       (array_agg(id ORDER BY edit_distance DESC, id))[1:{RECORD_CAP}] AS ids
FROM drafts WHERE reviewed_at IS NOT NULL AND edit_distance IS NOT NULL
  AND created_at >= :start AND created_at < :end"""
    row = fetch(session, sql, params)[0]
    mean, median = two_places(row["mean"]), two_places(row["median"])
    return build(
        "draft_edit_distance",
        mean,
        sql,
        params,
        numbers={
            "mean_edit_distance": mean,
            "median_edit_distance": median,
            "drafts": row["drafts"],
        },
        record_kind="draft",
        record_ids=capped(row["ids"]),
        record_count=row["drafts"],
        period=period,
        note=None if row["drafts"] else "no reviewed draft has an edit distance",
    )


def time_to_approve(session: Session, period: Period) -> MetricResult:
    """Median and mean hours from draft creation to approval, for drafts created in the period."""
    if note := missing_table(session, "drafts", DRAFT_COLUMNS):
        return _empty("time_to_approve", note, "draft", period)
    params = {**period_params(period), "approved": list(APPROVED_STATUSES)}
    sql = f"""
WITH approved AS (
  SELECT id, extract(epoch FROM (reviewed_at - created_at)) / 3600.0 AS hours FROM drafts
  WHERE reviewed_at IS NOT NULL AND status = ANY(:approved)
    AND created_at >= :start AND created_at < :end
)
SELECT count(*) AS drafts, percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) AS median,
       avg(hours) AS mean, (array_agg(id ORDER BY hours DESC, id))[1:{RECORD_CAP}] AS ids
FROM approved"""
    row = fetch(session, sql, params)[0]
    return build(
        "time_to_approve",
        two_places(row["median"]),
        sql,
        params,
        numbers={
            "median_hours": two_places(row["median"]),
            "mean_hours": two_places(row["mean"]),
            "approved": row["drafts"],
        },
        record_kind="draft",
        record_ids=capped(row["ids"]),
        record_count=row["drafts"],
        period=period,
        note=None if row["drafts"] else "no draft was approved in this period",
    )


def reply_label_mix(session: Session, period: Period) -> MetricResult:
    """How many replies received in the period carry each label, and each label's share."""
    if note := missing_table(session, "replies", REPLY_COLUMNS):
        return _empty("reply_label_mix", note, "reply", period)
    params = period_params(period)
    sql = f"""
SELECT coalesce(label, '(unlabelled)') AS label, count(*) AS n,
       (array_agg(id ORDER BY id))[1:{RECORD_CAP}] AS ids
FROM replies WHERE received_at >= :start AND received_at < :end
GROUP BY 1 ORDER BY n DESC, label"""
    rows = fetch(session, sql, params)
    total = sum(r["n"] for r in rows)
    return build(
        "reply_label_mix",
        total,
        sql,
        params,
        numbers={r["label"]: r["n"] for r in rows},
        rows=[
            {"label": r["label"], "replies": r["n"], "share": ratio(r["n"], total)} for r in rows
        ],
        record_kind="reply",
        record_ids=capped([i for r in rows for i in r["ids"]]),
        record_count=total,
        period=period,
        note=None if total else "no replies were received in this period",
    )
