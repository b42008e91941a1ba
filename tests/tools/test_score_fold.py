"""Inline scoring folds each batch into a stored state; that must equal scoring the whole trail.

Random trails (resets, capped opens across months, late and future-dated events, decay) are
folded batch by batch and checked after every batch against `compute_score` over the trail
(scores), a refold from the trail (the whole state) and the summary fill (counts). Then four
requests ingest overlapping batches concurrently and every event must be counted exactly once.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.db import make_engine
from core.models import Lead
from tests.factories import events_of, identify, lead_attrs, track
from tools import behaviour
from tools.ingest import accept, drain, ingest
from tools.ingest_schema import parse_batch
from tools.rescore import rescore
from tools.score_state import STATE_COLUMNS
from tools.scoring import compute_score
from tools.summary_filter import SUMMARISED

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = datetime(2022, 1, 3, 12, 0, tzinfo=UTC)  # random trails stay in the past of the clock
HOUR = timedelta(hours=1)
KINDS = [
    ("Page Viewed", {"url": "/pricing"}),
    ("Page Viewed", {"url": "/pricing"}),
    ("Page Viewed", {"url": "/careers"}),
    ("Page Viewed", {"url": "/blog/onboarding"}),
    ("Page Viewed", {"url": "/case-studies/acme"}),
    ("Content Downloaded", {"asset_type": "whitepaper"}),
    ("Content Downloaded", {"asset_type": "case_study"}),
    ("Form Submitted", {"asset_type": "ebook"}),
    ("Email Opened", {}),
    ("Email Opened", {}),
    ("Email Opened", {}),
    ("Email Clicked", {}),
    ("Demo Requested", {}),
    ("Webinar Registered", {}),
    ("Webinar Attended", {}),
    ("Trial Started", {}),
    ("reply_classified", {"label": "interested"}),
    ("reply_classified", {"label": "not_interested"}),
]
RESETS = [("Email Unsubscribed", {}), ("Email Complained", {})]
TRAITS = [
    {"title": "VP Marketing", "industry": "saas", "company_size": 200},
    {"title": "Analyst", "industry": "mining", "company_size": 5},
    {"title": "Director of Sales", "industry": "fintech", "company_size": 5000},
    {"title": "Marketing Intern"},
]
STATE = (*STATE_COLUMNS, *SUMMARISED, *(f"{m}_recent" for m in SUMMARISED), "state_key")
SCORE = ("score", "fit_score", "engagement_score", "tier", "stage", "last_engaged_at")


def _rows(session: Session, ids: list[int], columns=STATE) -> dict[int, tuple]:
    rows = session.execute(
        text(f"SELECT lead_id, {', '.join(columns)} FROM lead_behaviour WHERE lead_id = ANY(:ids)"),
        {"ids": ids},
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def _refolded(session: Session, ids: list[int], as_of: datetime) -> dict[int, tuple]:
    """The states a refold from the whole trail gives (rolled back)."""
    with session.begin_nested() as savepoint:
        rescore(session, ids, as_of=as_of)
        rows = _rows(session, ids)
        savepoint.rollback()
    return rows


def _filled_counts(session: Session, ids: list[int], as_of: datetime) -> dict[int, tuple]:
    """Summary counts from the independent fill statement (rolled back)."""
    with session.begin_nested() as savepoint:
        session.execute(text("UPDATE lead_behaviour SET summarised_at = NULL"))
        behaviour.summarise(session, as_of)
        rows = _rows(session, ids, SUMMARISED)
        savepoint.rollback()
    return rows


def _batch(rnd: random.Random, leads: list[Lead], as_of: datetime) -> list[tuple]:
    batch = []
    for _ in range(rnd.randint(1, 10)):
        event, props = rnd.choice(RESETS if rnd.random() < 0.06 else KINDS)
        if rnd.random() < 0.07:  # future-dated: scored only once it is due
            at = as_of + rnd.randint(1, 96) * HOUR
        else:  # late and out of order, across month boundaries
            at = as_of - rnd.randint(0, 24 * 75) * HOUR
        batch.append((rnd.choice(leads), event, at, props))
    return batch


def test_folding_batches_equals_scoring_the_whole_trail(session):
    reasons: dict[str, int] = {}
    folded = checked = 0
    for seed in range(5):
        rnd = random.Random(seed)
        leads = [identify(session, **rnd.choice(TRAITS)) for _ in range(4)]
        as_of = START + timedelta(days=seed * 200)
        rescore(session, [lead.id for lead in leads], as_of=as_of)  # their identify events
        for _ in range(9):
            as_of += rnd.choice([HOUR, 2 * timedelta(days=1), timedelta(days=45)])
            batch = _batch(rnd, leads, as_of)
            new = [track(session, lead, event, at, **props).id for lead, event, at, props in batch]
            touched = sorted({lead.id for lead, *_ in batch})
            outcome = rescore(session, touched, as_of=as_of, new_events=new)
            folded += outcome["folded"]
            for why, n in outcome["refolded"].items():
                reasons[why] = reasons.get(why, 0) + n
            assert _rows(session, touched) == _refolded(session, touched, as_of)
            filled = _filled_counts(session, touched, as_of)
            assert _rows(session, touched, SUMMARISED) == filled
            for lead_id in touched:
                lead = session.get(Lead, lead_id)
                want = compute_score(lead_attrs(lead), events_of(session, lead_id), as_of)
                got = tuple(getattr(lead, c) for c in SCORE)
                assert got == (
                    want.score,
                    want.fit,
                    want.engagement,
                    want.tier,
                    want.stage,
                    want.last_engaged_at,
                )
                checked += 1
    # the fold did the work, and each reason to refold came up along the way
    assert folded > checked / 2
    assert {"a newer reset", "a future-dated event is now due"} <= set(reasons)
    assert set(reasons) <= {"a newer reset", "a future-dated event is now due"}


def test_a_lead_without_state_or_under_another_config_is_refolded(session):
    lead = identify(session, **TRAITS[0])
    first = track(session, lead, "Demo Requested", NOW - HOUR)
    assert rescore(session, [lead.id], as_of=NOW, new_events=[first.id])["folded"] == 1
    session.execute(
        text("UPDATE lead_behaviour SET state_key = 'another-config' WHERE lead_id = :id"),
        {"id": lead.id},
    )
    second = track(session, lead, "Page Viewed", NOW, url="/pricing")
    outcome = rescore(session, [lead.id], as_of=NOW + HOUR, new_events=[second.id])
    assert outcome["refolded"] == {"scoring config changed": 1}
    session.execute(
        text("UPDATE lead_behaviour SET state_key = NULL WHERE lead_id = :id"), {"id": lead.id}
    )
    outcome = rescore(session, [lead.id], as_of=NOW + 2 * HOUR, new_events=[])
    assert outcome["refolded"] == {"no state": 1}
    assert session.get(Lead, lead.id).score == 35 + 40 + 15
    # an as_of behind the state's would count the pricing view from its future: refold
    outcome = rescore(session, [lead.id], as_of=NOW - HOUR, new_events=[])
    assert outcome["refolded"] == {"as_of behind the state": 1}
    assert session.get(Lead, lead.id).score == 35 + 40


@pytest.mark.parametrize("path", ["ingest", "api"])
def test_concurrent_requests_count_every_event_once(fresh_db_url, path):
    """`ingest`: each request scores before it returns; `api`: each answers once stored and
    drains, so a request finding the scorer busy leaves its batch to it: none may be left."""
    engine = make_engine(fresh_db_url)
    rnd = random.Random(7)
    with Session(engine) as session:
        leads = [identify(session, f"race-{i}", **rnd.choice(TRAITS)) for i in range(12)]
        session.commit()
        ids = [lead.id for lead in leads]
    batches = []
    for b in range(16):
        messages = []
        for i in range(40):
            lead = rnd.choice(ids)
            event, props = rnd.choice(RESETS if rnd.random() < 0.02 else KINDS)
            messages.append(
                {
                    "type": "track",
                    "userId": f"race-{ids.index(lead)}",
                    "event": event,
                    "properties": props,
                    "messageId": f"race-{b}-{i}",
                    "timestamp": (NOW - rnd.randint(1, 24 * 60) * HOUR).isoformat(),
                }
            )
        batches.append(messages)
    errors = []

    def worker(share: list[list[dict]]) -> None:
        try:
            with Session(engine) as session:
                for messages in share:
                    finish = ingest if path == "ingest" else accept
                    assert finish(session, parse_batch({"batch": messages})).stored == 40
                    if path == "api":
                        drain(session)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(batches[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM ingest_batches")).scalar() == 0
        assert (
            session.execute(text("SELECT count(*) FROM events WHERE source = 'segment'")).scalar()
            == 12 + 16 * 40
        )
        state = _rows(session, ids)
        assert all(row[-1] is not None for row in state.values())
        as_of = datetime.now(UTC)
        assert state == _refolded(session, ids, as_of)
        rescore(session, ids, as_of=as_of, new_events=[])
        for lead in session.scalars(select(Lead).where(Lead.id.in_(ids))):
            want = compute_score(lead_attrs(lead), events_of(session, lead.id), as_of)
            assert (lead.score, lead.tier, lead.stage) == (want.score, want.tier, want.stage)
    engine.dispose()


def test_a_row_filled_after_a_bulk_load_is_refolded_not_folded(session):
    lead = identify(session, **TRAITS[0])
    track(session, lead, "Demo Requested", NOW - HOUR)  # stored past the fold, like a bulk load
    session.execute(text("UPDATE lead_behaviour SET summarised_at = NULL"))
    rescore(session, None, as_of=NOW)  # a full rescore fills the summary, not the fold state
    pricing = track(session, lead, "Page Viewed", NOW, url="/pricing")
    outcome = rescore(session, [lead.id], as_of=NOW + HOUR, new_events=[pricing.id])
    assert outcome["refolded"] == {"no state": 1}
    assert session.get(Lead, lead.id).score == 35 + 40 + 15


def test_a_later_engagement_alone_moves_last_engaged_without_a_history_row(session):
    lead = identify(session, **TRAITS[1])
    opens = [track(session, lead, "Email Opened", NOW - (6 - i) * HOUR) for i in range(6)]
    rescore(session, [lead.id], as_of=NOW, new_events=[e.id for e in opens[:5]])
    history = "SELECT count(*) FROM score_history WHERE lead_id = :id"
    assert session.execute(text(history), {"id": lead.id}).scalar() == 1
    outcome = rescore(session, [lead.id], as_of=NOW, new_events=[opens[5].id])  # over the cap
    assert (outcome["changed"], outcome["history"]) == (1, 0)
    lead = session.get(Lead, lead.id)
    assert (lead.score, lead.last_engaged_at) == (5, NOW - HOUR)
    assert session.execute(text(history), {"id": lead.id}).scalar() == 1


def test_a_lead_whose_state_row_is_gone_is_refolded_into_a_new_one(session):
    lead = identify(session, **TRAITS[0])
    demo = track(session, lead, "Demo Requested", NOW - HOUR)
    session.execute(text("DELETE FROM lead_behaviour WHERE lead_id = :id"), {"id": lead.id})
    outcome = rescore(session, [lead.id], as_of=NOW, new_events=[demo.id])
    assert outcome["refolded"] == {"no state": 1}
    assert _rows(session, [lead.id], ("demo_requests", "state_key"))[lead.id][0] == 1
    assert session.get(Lead, lead.id).score == 35 + 40


def test_folding_a_batch_into_a_state_row_is_a_hot_update(session):
    """The fold rewrites the state row of every lead it touches: with no B-tree index on the
    columns a plain page view moves (migration 0012), the new row version is a HOT one."""
    lead = identify(session, email="hot@acme.example")
    as_of = START + timedelta(days=3)
    rescore(session, [lead.id], as_of=as_of)
    # as if summarised by an earlier transaction (now() is this whole test's start time)
    session.execute(
        text(
            "UPDATE lead_behaviour SET summarised_at = now() - interval '1 hour' "
            "WHERE lead_id = :id"
        ),
        {"id": lead.id},
    )
    hot = text("SELECT pg_stat_get_xact_tuples_hot_updated('lead_behaviour'::regclass)")
    before = session.scalar(hot)
    for day in (1, 2):
        view = track(session, lead, "page_viewed", as_of - timedelta(days=3 - day), url="/blog/x")
        rescore(session, [lead.id], as_of=as_of, new_events=[view.id])
    assert _rows(session, [lead.id], ("page_views", "blog_views"))[lead.id] == (2, 2)
    assert session.scalar(hot) - before == 2
