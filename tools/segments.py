"""Segments: built-in and custom definitions, membership counts, member pages, a lead's segments."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from core.models import Segment
from tools.segment_filter import SummaryFilter, compile_filter, compile_summary_filter

BUILTINS = Path(__file__).parent / "config" / "segments.yaml"
LEAD_COLUMNS = (
    "leads.id, leads.email, leads.first_name, leads.last_name, leads.company, "
    "leads.title, leads.score, leads.tier, leads.stage, leads.source, leads.last_engaged_at"
)


# summaries answer for "now"; an as_of this far back (or more) reads the trail instead
SUMMARY_SLACK = timedelta(hours=1)
_SUMMARIES_CURRENT = (
    "SELECT NOT EXISTS (SELECT 1 FROM lead_behaviour WHERE summarised_at IS NULL) "
    "AND NOT EXISTS (SELECT 1 FROM lead_behaviour WHERE last_event_at > CAST('{as_of}' AS "
    "timestamptz))"
)


def summaries_current(session: Session, as_of: datetime) -> bool:
    """Do the summaries cover the trail exactly at `as_of` (every row filled, no later event)?

    The time goes in as a literal, not a parameter: psycopg prepares a statement after its
    fifth run on a connection, and PostgreSQL's generic plan for `last_event_at > $1` expects a
    third of the rows to match, so it scans the table for the first one (180 ms at 1M leads)
    instead of asking the BRIN index (0.2 ms). `as_of` is a datetime, never text from a user.
    """
    stamp = as_of.astimezone(UTC).isoformat()
    return session.execute(text(_SUMMARIES_CURRENT.format(as_of=stamp))).scalar_one()


class UnknownSegment(LookupError):
    """No segment has that name."""


@lru_cache(maxsize=1)
def builtin_definitions() -> list[dict]:
    """The shipped segment definitions (validated: each filter compiles)."""
    items = yaml.safe_load(BUILTINS.read_text())
    for item in items:
        compile_filter(item["filter"])
    return items


def ensure_builtins(session: Session) -> None:
    """Insert or refresh the built-in segments."""
    for item in builtin_definitions():
        stmt = insert(Segment).values(builtin=True, **item)
        session.execute(
            stmt.on_conflict_do_update(
                index_elements=["name"],
                set_={"filter": stmt.excluded.filter, "description": stmt.excluded.description},
                where=Segment.builtin.is_(True),
            )
        )


def save_segment(session: Session, name: str, filter_: str, description: str = "") -> Segment:
    """Create or replace a custom segment; the filter must compile (FilterError otherwise)."""
    compile_filter(filter_)
    segment = session.scalars(select(Segment).where(Segment.name == name)).one_or_none()
    if segment is None:
        segment = Segment(name=name, filter=filter_, description=description)
        session.add(segment)
    else:
        segment.filter, segment.description = filter_, description or segment.description
    session.flush()
    return segment


def get_segment(session: Session, name: str) -> Segment:
    """A segment by name, or UnknownSegment."""
    segment = session.scalars(select(Segment).where(Segment.name == name)).one_or_none()
    if segment is None:
        raise UnknownSegment(name)
    return segment


def compiled(session: Session, filter_: str, as_of: datetime | None) -> SummaryFilter:
    """The filter's SQL: behaviour counts from the summaries when they are exact at `as_of`.

    They are when `as_of` is about now, every lead has been summarised and no event lies after
    `as_of`; otherwise every behaviour count reads the event trail.
    """
    now = datetime.now(UTC)
    when = as_of or now
    if when >= now - SUMMARY_SLACK and summaries_current(session, when):
        result = compile_summary_filter(filter_)
    else:
        where, params = compile_filter(filter_)
        result = SummaryFilter(where, params, "leads", True)
    result.params["as_of"] = when
    return result


def from_with_leads(result: SummaryFilter) -> str:
    """The FROM clause for the filter when the query also reads lead columns."""
    if result.uses_leads:
        return result.from_
    return f"{result.from_} JOIN leads ON leads.id = {result.lead_id}"


def score_column(from_: str) -> str:
    """The score to rank leads by in a query over `from_`: lead_ranks' copy when it is joined
    (its (tier, score) index then yields the order), else the leads column."""
    return "r.score" if "lead_ranks r" in from_ else "leads.score"


def count_members(session: Session, filter_: str, as_of: datetime | None = None) -> int:
    """How many leads match a filter now (or at `as_of`)."""
    found = compiled(session, filter_, as_of)
    sql = f"SELECT count(*) FROM {found.from_} WHERE {found.where}"
    return session.execute(text(sql), found.params).scalar_one()


def list_members(
    session: Session,
    filter_: str,
    *,
    limit: int = 50,
    offset: int = 0,
    as_of: datetime | None = None,
) -> list[dict]:
    """A page of matching leads, highest score first."""
    found = compiled(session, filter_, as_of)
    found.params.update(limit=limit, offset=offset)
    sql = (
        f"SELECT {LEAD_COLUMNS} FROM {from_with_leads(found)} WHERE {found.where} "
        f"ORDER BY {score_column(found.from_)} DESC, leads.id LIMIT :limit OFFSET :offset"
    )
    return [dict(row._mapping) for row in session.execute(text(sql), found.params)]


def member_ids(session: Session, filter_: str, as_of: datetime | None = None) -> list[int]:
    """Every matching lead id (for enrollment and analytics)."""
    found = compiled(session, filter_, as_of)
    sql = f"SELECT leads.id FROM {from_with_leads(found)} WHERE {found.where} ORDER BY leads.id"
    return list(session.execute(text(sql), found.params).scalars())


def segments_for_lead(session: Session, lead_id: int, as_of: datetime | None = None) -> list[str]:
    """Names of every segment the lead belongs to (one query)."""
    segments = session.scalars(select(Segment).order_by(Segment.name)).all()
    if not segments:
        return []
    parts, params = [], {"as_of": as_of or datetime.now(UTC), "lead_id": lead_id}
    for i, segment in enumerate(segments):
        where, seg_params = compile_filter(segment.filter, per_lead=True)
        params.update({f"s{i}_{key}": value for key, value in seg_params.items()})
        where = re.sub(r":(p\d+)\b", rf":s{i}_\1", where)
        parts.append(f"CASE WHEN {where} THEN {i} END")
    sql = f"SELECT {', '.join(parts)} FROM leads WHERE leads.id = :lead_id"
    row = session.execute(text(sql), params).first()
    return [segments[i].name for i in row if i is not None] if row else []
