"""Drafts suite: run the agent to a pending draft for each scenario and grade it.

Scenarios (evals/datasets/draft_scenarios.yaml) pick demo leads by deterministic selectors
(tier, stage, persona, event counts, order by score, nth), fire a trigger event or a sequence
step, and grade the pending draft with evals/graders.py. The draft is then approved as its owner
so the queued outbox row can be composed and its unsubscribe footer checked.
"""

from __future__ import annotations

from typing import Any

import yaml
from sqlalchemy import func, select

from core.models import Draft, Enrollment, Event, Lead, Outbox, Rep
from evals.graders import GRADERS, DraftCase, grade
from evals.judge import (
    JUDGE_OFFLINE,
    Judgement,
    judge_details,
    judge_draft,
    judge_messages,
    judge_metrics,
)
from evals.model import CaseResult, SuiteResult
from evals.provenance import DATASETS, dataset_version
from evals.suite_db import APPROVER, suite_db
from tools.guardrails import suppression_reason

DATASET = "draft_scenarios.yaml"
LIVE_DATASET = "draft_live.yaml"  # the scenarios --backend openai records and replays
CASSETTE = "drafts_live"
EVENT_TYPES = {
    "demo_request": "demo_requested",
    "mql": "mql_reached",
    "content_download": "content_downloaded",
    "form_submitted": "form_submitted",
    "webinar": "webinar_attended",
    "pricing_streak": "page_viewed",
}


def _candidates(
    session, trigger: str, where: dict[str, Any], used: set[int]
) -> list[tuple[int, int | None]]:
    """(lead id, event id) pairs matching a selector, ordered as it asks (score desc by default)."""
    counts = (
        select(Event.lead_id, func.count().label("n")).group_by(Event.lead_id).subquery("counts")
    )
    query = select(Lead, counts.c.n).join(counts, counts.c.lead_id == Lead.id)
    for column in ("tier", "stage", "persona"):
        if column in where:
            query = query.where(getattr(Lead, column) == where[column])
    if "max_events" in where:
        query = query.where(counts.c.n <= where["max_events"])
    if "min_events" in where:
        query = query.where(counts.c.n >= where["min_events"])
    descending = where.get("order", "score_desc") == "score_desc"
    query = query.order_by(Lead.score.desc() if descending else Lead.score, Lead.id)
    pairs = []
    for lead, _ in session.execute(query):
        if lead.id in used or suppression_reason(session, lead):
            continue
        event_id = None
        if trigger != "step":
            event_id = _trigger_event(session, lead.id, trigger)
            if event_id is None:
                continue
        pairs.append((lead.id, event_id))
    return pairs


def _trigger_event(session, lead_id: int, trigger: str) -> int | None:
    """The lead's latest event of the trigger's type (a pricing view closing a streak)."""
    query = select(Event).where(Event.lead_id == lead_id, Event.type == EVENT_TYPES[trigger])
    if trigger == "pricing_streak":
        query = query.where(Event.category == "pricing")
    events = session.scalars(query.order_by(Event.occurred_at.desc(), Event.id.desc())).all()
    if trigger == "pricing_streak":
        from agent.triggers import PRICING_STREAK, pricing_views

        events = [e for e in events if pricing_views(session, e) >= PRICING_STREAK]
    return events[0].id if events else None


def _enroll(session, lead_id: int, scenario: dict) -> int:
    """The lead's active enrollment in the scenario's sequence (created when missing)."""
    existing = session.scalar(
        select(Enrollment.id).where(
            Enrollment.lead_id == lead_id,
            Enrollment.sequence == scenario["sequence"],
            Enrollment.status.in_(("active", "paused")),
        )
    )
    if existing is not None:
        return existing
    row = Enrollment(
        lead_id=lead_id,
        sequence=scenario["sequence"],
        status="active",
        current_step=scenario["step"] - 1,
        trigger="eval",
    )
    session.add(row)
    session.flush()
    return row.id


def _run_scenario(rt, scenario: dict, lead_id: int, event_id: int | None):
    from agent.entry import run_event, run_step

    if scenario["trigger"] == "step":
        with rt.sessions() as session:
            enrollment_id = _enroll(session, lead_id, scenario)
        return run_step(
            rt,
            enrollment_id,
            purpose=scenario["purpose"],
            sequence=scenario["sequence"],
            step=scenario["step"],
        )
    return run_event(rt, event_id)


def _fact_text(fact: dict) -> str:
    when = fact.get("occurred_at") or ""
    return f"{fact.get('text', '')} {fact.get('source', '')} {when}"


def _approve_and_compose(rt, draft: Draft, lead: Lead, settings, anchor):
    """Approve as the owner (or an approver), then compose the queued outbox row."""
    from agent.entry import run_review
    from tools.compose import compose_outbox

    with rt.sessions() as session:
        rep = session.get(Rep, lead.owner_rep_id) if lead.owner_rep_id else None
    outcome = run_review(rt, draft.id, "approve", rep.email if rep else APPROVER)
    if outcome.outbox_id is None:
        return None, None
    with rt.sessions() as session:
        row = session.get(Outbox, outcome.outbox_id)
        return compose_outbox(settings, row, lead, anchor), row.text_body


def _case(rt, outcome, settings, anchor) -> tuple[DraftCase | None, dict, dict]:
    from agent.graph import build_graph

    values = build_graph(rt.checkpointer).get_state(rt.config(outcome.thread_id)).values
    with rt.sessions() as session:
        draft = session.get(Draft, outcome.draft_id)
        lead = session.get(Lead, outcome.lead_id)
        rep = session.get(Rep, lead.owner_rep_id) if lead.owner_rep_id else None
    case = DraftCase(
        subject=draft.subject,
        body=draft.body,
        sentences=draft.sentences,
        citations=draft.citations,
        retrieved={f["fact_id"]: _fact_text(f) for f in values.get("facts", [])},
        stage=(values.get("score") or {}).get("stage", lead.stage),
        allowed_names=[lead.first_name or "", rep.name if rep else "", "Nurture"],
        max_body_chars=rt.settings.max_body_chars,
    )
    case.email, case.outbox_text = _approve_and_compose(rt, draft, lead, settings, anchor)
    output = {
        "draft_id": draft.id,
        "subject": draft.subject,
        "body": draft.body,
        "backend": values.get("backend"),
        "fallback_reason": values.get("fallback_reason"),
    }
    return case, output, values.get("request") or {}


def _judge(rt, case: DraftCase, request: dict) -> Judgement:
    """The LLM judge's tone and relevance scores for one draft (its calls are not persisted)."""
    messages = judge_messages(
        stage=case.stage,
        why_now=str(request.get("why_now", "")),
        lead_profile=str(request.get("lead_profile", "")),
        subject=case.subject,
        body=case.body,
    )
    try:
        return judge_draft(rt.client, messages)
    finally:
        rt.take_calls()


def _load(name: str) -> list[dict]:
    return yaml.safe_load((DATASETS / name).read_text())["scenarios"]


def live_subset(scenarios: list[dict]) -> list[dict]:
    """The scenarios named in the live dataset (what the cassette holds), in dataset order."""
    ids = yaml.safe_load((DATASETS / LIVE_DATASET).read_text())["scenarios"]
    unknown = set(ids) - {s["id"] for s in scenarios}
    if unknown:
        raise ValueError(f"{LIVE_DATASET} names unknown scenarios: {sorted(unknown)}")
    return [s for s in scenarios if s["id"] in ids]


def run(backend: str = "offline", *, record: bool = False) -> SuiteResult:
    """Draft for every scenario and grade each draft; on openai also ask the LLM judge."""
    scenarios = _load(DATASET)
    if backend != "openai":
        result = _run(scenarios, None)
        result.details["judge"] = {"ran": False, "note": JUDGE_OFFLINE}
        result.details["notes"] = [JUDGE_OFFLINE]
        return result
    from evals.live import live_session

    with live_session(CASSETTE, record=record) as live:
        if live.mode != "live":
            scenarios = live_subset(scenarios)
        result = _run(scenarios, live)
    result.datasets[LIVE_DATASET] = dataset_version(LIVE_DATASET)
    subset = f"live subset: {len(scenarios)} scenarios ({LIVE_DATASET})"
    ran = subset if live.mode != "live" else f"all {len(scenarios)} scenarios"
    result.details["notes"] = [f"{ran}; {live.describe()}"]
    if live.mode == "replay" and live.synthesized():
        result.details["notes"].append(
            "the shipped cassette is synthesized, not recorded (evals/cassettes/README.md): "
            "these figures measure the plumbing, not a model"
        )
    return result


def _run(scenarios: list[dict], live) -> SuiteResult:
    """Draft for each scenario on the suite database, grade it, and judge it when live."""
    from agent.llm import CallRecorder
    from agent.runtime import open_runtime
    from tools import clock

    env = suite_db("drafts")
    cases: list[CaseResult] = []
    totals = dict.fromkeys(GRADERS, 0)
    judgements: list[Judgement] = []
    used: set[int] = set()
    with open_runtime(env.db) as rt, clock.simulated(env.anchor):
        if live is not None:
            rt.client = live.client(CallRecorder([rt.calls.append]))
        for scenario in scenarios:
            with rt.sessions() as session:
                found = _candidates(session, scenario["trigger"], scenario.get("lead", {}), used)
            nth = scenario.get("lead", {}).get("nth", 1)
            if len(found) < nth:
                cases.append(_failed(scenario, f"selector matched {len(found)} leads, need {nth}"))
                continue
            lead_id, event_id = found[nth - 1]
            used.add(lead_id)  # one scenario per lead: an approved email makes the next wait
            outcome = _run_scenario(rt, scenario, lead_id, event_id)
            if outcome is None or outcome.draft_id is None:
                status = outcome.status if outcome else "no trigger"
                cases.append(_failed(scenario, f"no draft for lead {lead_id}: {status}"))
                continue
            case, output, request = _case(rt, outcome, env.db.settings, env.anchor)
            if live is not None:
                judgements.append(_judge(rt, case, request))
                output["judge"] = judgements[-1].as_output()
            failures = {name: found for name, found in grade(case).items() if found}
            for name in GRADERS:
                totals[name] += name not in failures
            cases.append(
                CaseResult(
                    id=scenario["id"],
                    passed=not failures,
                    failures=[f"{name}: {'; '.join(msgs)}" for name, msgs in failures.items()],
                    input={**scenario, "lead_id": lead_id, "event_id": event_id},
                    output=output,
                )
            )
    n = len(scenarios) or 1
    metrics = {name: totals[name] / n for name in GRADERS}
    metrics["pass_rate"] = sum(c.passed for c in cases) / n
    details: dict = {}
    if live is not None:
        metrics |= judge_metrics(judgements)
        details["judge"] = judge_details(judgements, live.settings.model_for("judge"))
        model_drafts = sum(c.output.get("backend") == "openai" for c in cases)
        metrics["model_drafted"] = model_drafts / n
    return SuiteResult(
        name="drafts",
        metrics=metrics,
        cases=cases,
        datasets={DATASET: dataset_version(DATASET)},
        details=details,
    )


def _failed(scenario: dict, why: str) -> CaseResult:
    return CaseResult(id=scenario["id"], passed=False, failures=[why], input=scenario)
