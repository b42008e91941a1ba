"""Accepted events survive a failure after their commit; the backlog is finished exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from core.models import Enrollment, Escalation, Event, IngestBatch, Lead, ScoreHistory
from tests.tools.sequence_kit import FULL
from tests.tools.test_triggers import reps
from tools import ingest as ingest_module
from tools.ingest import ingest, process_pending
from tools.ingest_schema import parse_batch
from tools.rescore import rescore
from tools.triggers import load_triggers


def _messages(now, user: str = "crash") -> list:
    return parse_batch(raw_batch(now, user))


def raw_batch(now, user: str = "crash") -> dict:
    """An identify and a demo request from `user`, an hour before `now`, as a request body."""
    at = now - timedelta(hours=1)
    return {
        "batch": [
            {
                "type": "identify",
                "userId": f"{user}-1",
                "messageId": f"{user}-id",
                "timestamp": at.isoformat(),
                "traits": {**FULL, "email": f"{user}@acme.example"},
            },
            {
                "type": "track",
                "userId": f"{user}-1",
                "event": "Demo Requested",
                "messageId": f"{user}-demo",
                "timestamp": at.isoformat(),
            },
        ]
    }


def _lead(session) -> Lead:
    session.expire_all()
    return session.scalars(select(Lead).where(Lead.external_id == "crash-1")).one()


def _count(session, model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for column, value in where.items():
        stmt = stmt.where(getattr(model, column) == value)
    return session.scalar(stmt)


def test_a_failure_after_the_commit_leaves_a_backlog_that_is_finished_once(session, monkeypatch):
    reps(session)
    now = session.scalar(text("SELECT now()"))
    assert load_triggers().max_event_age_days >= 1

    def crash(*args, **kwargs):
        raise RuntimeError("worker died after the commit")

    monkeypatch.setattr(ingest_module, "rescore", crash)
    result = ingest(session, _messages(now))
    assert result.stored == 2
    lead = _lead(session)
    # the events are stored, nothing downstream happened, and the backlog row says so
    assert _count(session, Event, lead_id=lead.id, source="segment") == 2
    assert lead.scored_at is None
    assert _count(session, Enrollment, lead_id=lead.id) == 0
    pending = session.scalars(select(IngestBatch)).one()
    assert sorted(pending.event_ids) == sorted(result.event_ids)
    assert pending.lead_ids == [lead.id]
    # a young batch is left to the request still working on it
    assert process_pending(session) == 0

    monkeypatch.undo()
    assert process_pending(session, older_than=timedelta(0)) == 2
    lead = _lead(session)
    assert lead.scored_at is not None and lead.score > 0
    assert _count(session, Enrollment, lead_id=lead.id, sequence="high_intent") == 1
    assert _count(session, Escalation, lead_id=lead.id, kind="high_intent") == 1
    assert _count(session, IngestBatch) == 0
    assert process_pending(session, older_than=timedelta(0)) == 0


def test_a_normal_request_leaves_no_backlog_and_redelivery_stores_nothing(session):
    reps(session)
    now = session.scalar(text("SELECT now()"))
    first = ingest(session, _messages(now))
    assert first.stored == 2 and _count(session, IngestBatch) == 0
    assert _lead(session).scored_at is not None
    again = ingest(session, _messages(now))
    assert (again.stored, again.duplicates, again.batch_id) == (0, 2, None)
    assert _count(session, IngestBatch) == 0


def test_a_batch_taken_by_the_sweep_is_not_processed_again_by_its_request(session):
    reps(session)
    now = session.scalar(text("SELECT now()"))
    stored = ingest_module.store(session, _messages(now))
    batch_id = session.execute(
        text("INSERT INTO ingest_batches (event_ids, lead_ids) VALUES (:e, :l) RETURNING id"),
        {"e": stored.event_ids, "l": stored.lead_ids},
    ).scalar_one()
    session.execute(text("DELETE FROM ingest_batches WHERE id = :id"), {"id": batch_id})
    assert ingest_module.finish_batch(session, batch_id) is None
    assert _lead(session).scored_at is None


def test_the_scorer_finishes_other_young_batches_and_their_requests_find_them_done(session):
    reps(session)
    now = session.scalar(text("SELECT now()"))
    batches = []
    for user in ("crash", "other"):
        stored = ingest_module.store(session, _messages(now, user))
        batches.append(
            session.execute(
                text(
                    "INSERT INTO ingest_batches (event_ids, lead_ids, refold_ids) "
                    "VALUES (:e, :l, '{}') RETURNING id"
                ),
                {"e": stored.event_ids, "l": stored.lead_ids},
            ).scalar_one()
        )
    outcome = ingest_module.finish_batch(session, batches[0])
    assert outcome is not None and outcome["folded"] == 2  # both leads scored in one pass
    # the other batch is scored and waits for its own request to fire its triggers
    other = session.scalars(select(IngestBatch)).one()
    assert (other.id, other.scored_at is not None) == (batches[1], True)
    assert _count(session, Escalation, kind="high_intent") == 1
    assert ingest_module.finish_batch(session, batches[1]) is None  # scored by the other
    assert _count(session, IngestBatch) == 0
    both = select(Lead.score, Lead.scored_at).where(Lead.external_id.in_(["crash-1", "other-1"]))
    scored = session.execute(both).all()
    assert len(scored) == 2 and all(score > 0 and at is not None for score, at in scored)
    assert _count(session, Escalation, kind="high_intent") == 2


def test_a_failure_between_scoring_and_triggers_leaves_a_scored_batch_for_the_sweep(
    session, monkeypatch
):
    reps(session)
    now = session.scalar(text("SELECT now()"))

    def crash(*args, **kwargs):
        raise RuntimeError("died after scoring committed")

    monkeypatch.setattr(ingest_module, "evaluate_triggers", crash)
    ingest(session, _messages(now))
    lead = _lead(session)
    pending = session.scalars(select(IngestBatch)).one()
    assert pending.scored_at is not None and lead.score > 0  # scored, triggers not fired
    assert _count(session, Escalation, lead_id=lead.id, kind="high_intent") == 0
    history = _count(session, ScoreHistory, lead_id=lead.id)
    monkeypatch.undo()
    assert process_pending(session, older_than=timedelta(0)) == 2
    assert _count(session, Escalation, lead_id=lead.id, kind="high_intent") == 1
    assert _count(session, ScoreHistory, lead_id=lead.id) == history  # not scored twice
    assert _count(session, IngestBatch) == 0


@pytest.fixture(autouse=True)
def _quiet_downstream_log(caplog):
    caplog.set_level("CRITICAL", logger="tools.ingest")


def test_anonymous_events_in_an_older_pending_batch_count_once_when_attached(session):
    """Anonymous page views wait in a batch the sweep has not reached when their visitor
    identifies: that batch does not name the lead, so the identify's refold must count them."""
    reps(session)
    now = session.scalar(text("SELECT now()"))
    at = (now - timedelta(hours=2)).isoformat()
    views = [
        {
            "type": "page",
            "anonymousId": "anon-7",
            "messageId": f"anon-{i}",
            "timestamp": at,
            "name": "Pricing",
            "properties": {"url": "https://nurture.example/pricing"},
        }
        for i in range(2)
    ]
    stored = ingest_module.store(session, parse_batch({"batch": views}))
    session.execute(
        text(
            "INSERT INTO ingest_batches (event_ids, lead_ids, refold_ids, created_at) "
            "VALUES (:e, '{}', '{}', now() - interval '1 minute')"
        ),
        {"e": stored.event_ids},
    )
    identify = {
        "type": "identify",
        "userId": "anon-user",
        "anonymousId": "anon-7",
        "messageId": "anon-identify",
        "timestamp": now.isoformat(),
        "traits": {**FULL, "email": "anon@acme.example"},
    }
    result = ingest(session, parse_batch({"batch": [identify]}))
    assert result.attached == result.lead_ids
    assert process_pending(session, older_than=timedelta(0)) == 2
    session.expire_all()
    lead = session.get(Lead, result.lead_ids[0])
    folded = (lead.engagement_score, lead.stage)
    rescore(session, [lead.id])  # from the whole trail
    session.expire_all()
    assert folded == (session.get(Lead, lead.id).engagement_score, lead.stage)
    assert folded[0] > 0


def test_ingest_scores_as_of_a_given_time(session):
    """A dataset anchored in the past (the eval suites' demo) is scored in its own time: its
    MQL crossing and history are dated `as_of`, whatever day the load runs."""
    reps(session)
    now = session.scalar(text("SELECT now()"))
    anchor = now - timedelta(minutes=30)  # after the messages' own times (an hour ago)
    ingest(session, _messages(now), as_of=anchor)
    lead = _lead(session)
    assert (lead.tier, lead.scored_at) == ("mql", anchor)
    crossed = session.scalars(
        select(Event.occurred_at).where(Event.lead_id == lead.id, Event.type == "mql_reached")
    ).all()
    assert crossed == [anchor]
    history = select(ScoreHistory.scored_at).where(ScoreHistory.lead_id == lead.id)
    assert set(session.scalars(history)) == {anchor}
