"""What the API runs after answering: `drain` scores every accepted batch, as one scorer."""

from __future__ import annotations

from collections import deque
from datetime import timedelta

from sqlalchemy import select, text

from core.models import Escalation, IngestBatch, Lead
from tests.tools.test_ingest_backlog import _count, _messages, raw_batch
from tests.tools.test_triggers import reps
from tools import ingest as ingest_module
from tools.ingest import SCORER_LOCK, accept, drain, process_pending


def _scored(session, *users: str) -> dict[str, tuple[int, bool]]:
    session.expire_all()
    rows = session.execute(
        select(Lead.external_id, Lead.score, Lead.scored_at).where(
            Lead.external_id.in_([f"{u}-1" for u in users])
        )
    )
    return {ext: (score, at is not None) for ext, score, at in rows}


def _spy_groups(monkeypatch) -> list[list[int]]:
    """Record the batch ids of every scoring pass (the real one still runs)."""
    groups: list[list[int]] = []
    real = ingest_module._score_rows

    def spy(session, rows, as_of=None):
        groups.append(sorted(r.id for r in rows))
        return real(session, rows, as_of)

    monkeypatch.setattr(ingest_module, "_score_rows", spy)
    return groups


def test_accept_stores_and_leaves_scoring_to_drain_which_scores_all_batches_in_one_pass(
    session, monkeypatch
):
    reps(session)
    now = session.scalar(text("SELECT now()"))
    first, second = accept(session, _messages(now, "one")), accept(session, _messages(now, "two"))
    assert first.stored == second.stored == 2
    # stored and committed, nothing downstream yet
    assert _count(session, IngestBatch) == 2
    assert _scored(session, "one", "two") == {"one-1": (0, False), "two-1": (0, False)}
    groups = _spy_groups(monkeypatch)
    drain(session)
    assert groups == [sorted([first.batch_id, second.batch_id])]
    scored = _scored(session, "one", "two")
    assert all(score > 0 and done for score, done in scored.values()), scored
    # triggers fired for both (a demo request is high intent) and the backlog is empty
    assert _count(session, Escalation, kind="high_intent") == 2
    assert _count(session, IngestBatch) == 0
    drain(session)  # nothing left: no pass at all
    assert len(groups) == 1


def test_drain_looks_again_after_a_turn_that_found_nothing(session, monkeypatch):
    """A batch committed while the scorer's turn found nothing to do (its request saw the lock
    taken and left it to the scorer) is scored by that scorer, in another turn."""
    reps(session)
    now = session.scalar(text("SELECT now()"))
    first = accept(session, _messages(now, "one"))
    groups = _spy_groups(monkeypatch)
    real_fire = ingest_module._fire_scored
    calls: list[int] = []
    late: list[int] = []

    def fire_and_accept_another(session, failed):
        calls.append(1)
        if len(calls) == 2:  # after the second turn, which found nothing unscored
            late.append(accept(session, _messages(now, "two")).batch_id)
        return real_fire(session, failed)

    monkeypatch.setattr(ingest_module, "_fire_scored", fire_and_accept_another)
    drain(session)
    assert groups == [[first.batch_id], late]
    assert all(done for _, done in _scored(session, "one", "two").values())
    assert _count(session, IngestBatch) == 0


def test_drain_leaves_the_batches_to_the_scorer_holding_the_lock(session, engine):
    reps(session)
    now = session.scalar(text("SELECT now()"))
    result = accept(session, _messages(now, "one"))
    with engine.connect() as other:  # another process's scorer, mid-turn
        ns, key = SCORER_LOCK
        other.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": ns, "key": key})
        drain(session)  # returns at once instead of queueing behind it
        assert _scored(session, "one") == {"one-1": (0, False)}
        assert session.get(IngestBatch, result.batch_id).scored_at is None
        other.rollback()
    drain(session)
    assert _scored(session, "one")["one-1"][1] is True
    assert _count(session, IngestBatch) == 0


def test_a_batch_that_fails_alone_does_not_hold_up_the_others_and_is_left_to_the_sweep(
    session, monkeypatch
):
    reps(session)
    now = session.scalar(text("SELECT now()"))
    bad, good = accept(session, _messages(now, "bad")), accept(session, _messages(now, "good"))
    monkeypatch.setattr(ingest_module, "_FAILED", deque(maxlen=10))
    real = ingest_module._score_rows
    passes: list[list[int]] = []

    def fails_with_bad(session, rows, as_of=None):
        passes.append(sorted(r.id for r in rows))
        if any(r.id == bad.batch_id for r in rows):
            raise RuntimeError("this batch cannot be scored")
        return real(session, rows, as_of)

    monkeypatch.setattr(ingest_module, "_score_rows", fails_with_bad)
    drain(session)
    # the group failed, then each alone: the good one scored and finished, the bad one kept
    assert passes == [sorted([bad.batch_id, good.batch_id]), [bad.batch_id], [good.batch_id]]
    scored = _scored(session, "bad", "good")
    assert scored["bad-1"] == (0, False) and scored["good-1"][1] is True
    assert list(ingest_module._FAILED) == [bad.batch_id]
    left = session.scalars(select(IngestBatch)).one()
    assert (left.id, left.scored_at) == (bad.batch_id, None)
    drain(session)  # later drains leave it alone
    assert len(passes) == 3
    monkeypatch.setattr(ingest_module, "_score_rows", real)
    assert process_pending(session, older_than=timedelta(0)) == 2  # the sweep finishes it
    assert _scored(session, "bad")["bad-1"][1] is True
    assert _count(session, IngestBatch) == 0


def test_the_api_answers_once_stored_and_a_scoring_failure_after_it_loses_nothing(
    client, session, monkeypatch
):
    reps(session)
    monkeypatch.setattr(ingest_module, "_FAILED", deque(maxlen=10))

    def crash(*args, **kwargs):
        raise RuntimeError("scorer died")

    monkeypatch.setattr(ingest_module, "rescore", crash)
    now = session.scalar(text("SELECT now()"))
    resp = client.post("/v1/batch", json=raw_batch(now))
    assert resp.status_code == 200 and resp.json()["stored"] == 2
    pending = session.scalars(select(IngestBatch)).one()
    assert pending.scored_at is None and len(pending.event_ids) == 2
    monkeypatch.undo()
    assert process_pending(session, older_than=timedelta(0)) == 2
    assert _count(session, IngestBatch) == 0


def test_the_sweep_finishes_the_other_batches_when_one_keeps_failing(session, monkeypatch):
    """One batch whose scoring or triggers keep failing must not hold every other batch back:
    the sweep retries batch by batch, finishes the rest and leaves that one for next time."""
    reps(session)
    now = session.scalar(text("SELECT now()"))
    monkeypatch.setattr(ingest_module, "_FAILED", deque(maxlen=10))
    unscorable, unfireable, _good = (accept(session, _messages(now, u)) for u in "xyz")
    real_score, real_fire = ingest_module._score_rows, ingest_module._fire

    def score(session, rows, as_of=None):
        if any(r.id == unscorable.batch_id for r in rows):
            raise RuntimeError("this batch cannot be scored")
        return real_score(session, rows, as_of)

    def fire(session, rows):
        if any(r.id == unfireable.batch_id for r in rows):
            raise RuntimeError("this batch's triggers fail")
        return real_fire(session, rows)

    monkeypatch.setattr(ingest_module, "_score_rows", score)
    monkeypatch.setattr(ingest_module, "_fire", fire)
    assert process_pending(session, older_than=timedelta(0)) == 2  # the good batch's 2 events
    left = {b.id: b.scored_at is not None for b in session.scalars(select(IngestBatch))}
    assert left == {unscorable.batch_id: False, unfireable.batch_id: True}
    assert process_pending(session, older_than=timedelta(0)) == 0  # still failing: nothing new
    monkeypatch.undo()
    assert process_pending(session, older_than=timedelta(0)) == 4  # fixed: both finish
    assert _count(session, IngestBatch) == 0
