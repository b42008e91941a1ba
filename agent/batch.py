"""Batch drafting for the sequences worker: many due steps, set-based IO, the graph's drafts.

For sequence-step threads with the offline drafter, the graph's path is fixed (load_context →
score → segment → choose_action → retrieve → draft → verify → store_draft), so the batch runs
the same node logic (the nodes' pure helpers) over every step at once: one query per lookup for
the whole batch, one facts sync, one nearest-facts query, one content query per distinct query
text, the drafts inserted in bulk, one commit. The drafts are the single path's, field for field.

No checkpoint is written here: a batch-made draft's thread starts at review time from its row
(`review_state`, used by agent.runner.resume_if_waiting), with the context retrieved again then.
A re-run after a crash finds the thread's draft row and drafts nothing twice.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from agent.actions import allowed_actions, offline_choice
from agent.draft_schema import Draft as DraftModel
from agent.nodes.draft import offline_update
from agent.nodes.load_context import build_context, history_summaries
from agent.nodes.retrieve import assemble, pinned_fact_ids, retrieval_query
from agent.nodes.store_draft import draft_values
from agent.nodes.verify import check_draft
from agent.runtime import Runtime
from agent.triggers import step_trigger
from core.models import Draft
from tools.agent_tools import MAX_K, search_content
from tools.content_index import index_content
from tools.draft_inputs import (
    active_enrollments,
    latest_drafts,
    leads_by_id,
    owners_of,
    pending_drafts,
    score_leads,
    segments_of_leads,
)
from tools.drafts import create_drafts
from tools.facts_batch import nearest_facts_for, pinned_facts_for, sync_facts_for_leads
from tools.guardrails import (
    Decision,
    do_not_contact,
    last_emails_at,
    load_guardrails,
    record_decision,
    suppression_reason,
)

_STEP_THREAD = re.compile(r"^lead-(\d+):seq-(.+):enr-(\d+):step-(\d+)$")


def _suppressed(session: Session, states: list[dict], leads: dict) -> list[dict]:
    """Record and mark the suppressed leads' states (load_context's stop); the others."""
    cfg = load_guardrails()
    emails = {lead.email for lead in leads.values() if lead.email}
    listed = do_not_contact(session, sorted(emails | {e.split("@", 1)[1] for e in emails}))
    live = []
    for state in states:
        reason = suppression_reason(session, leads[state["lead_id"]], cfg, listed=listed)
        if reason:
            decision = Decision(False, "suppressed", reason)
            record_decision(session, state["lead_id"], decision, state["thread_id"])
            state |= {"suppressed": reason, "status": "suppressed"}
        else:
            live.append(state)
    return live


def _context(session: Session, states: list[dict], leads: dict, now: datetime) -> None:
    """load_context, score, segment and choose_action for every state."""
    ids = sorted({s["lead_id"] for s in states})
    owners = owners_of(session, list(leads.values()))
    pending, enrolled = pending_drafts(session, ids), active_enrollments(session, ids)
    lasts, histories = last_emails_at(session, ids), history_summaries(session, ids, now)
    scores = score_leads(session, [leads[i] for i in ids], now)
    segments = segments_of_leads(session, ids)
    for state in states:
        lead = leads[state["lead_id"]]
        other = [d for d, thread in pending.get(lead.id, []) if thread != state["thread_id"]]
        ctx = build_context(
            lead,
            owners.get(lead.owner_rep_id),
            pending=other[0] if other else None,
            enrollment=enrolled.get(lead.id),
            last=lasts.get(lead.id),
            history=histories[lead.id],
            now=now,
        )
        allowed = allowed_actions(state["trigger"], ctx)
        name, reason = offline_choice(state["trigger"], ctx, allowed)
        state |= {
            "context": ctx,
            "suppressed": None,
            "revision": 1,
            "score": scores[lead.id].as_dict(),
            "segments": segments[lead.id],
            "action": {"name": name, "reason": reason, "chosen_by": "policy", "allowed": allowed},
            "prompt_tokens": 0,
            "llm_call_ids": [],
        }


def _retrieve(rt: Runtime, session: Session, states: list[dict], leads: dict) -> None:
    """retrieve for every state: one facts sync, one nearest-facts query, shared content."""
    settings = rt.settings
    if not rt.content_indexed:
        index_content(session, rt.content_dir, rt.embedder)
        rt.content_indexed = True
    sync_facts_for_leads(
        session, [leads[i] for i in sorted({s["lead_id"] for s in states})], rt.embedder
    )
    wanted: dict[int, list[str]] = {}
    for state in states:
        wanted.setdefault(state["lead_id"], [])
        wanted[state["lead_id"]] += pinned_fact_ids(state["lead_id"], state["trigger"])
    pinned = pinned_facts_for(session, wanted)
    queries = [retrieval_query(s["trigger"], s["context"], s["score"]["stage"]) for s in states]
    vectors = {q: rt.embedder.embed([q])[0] for q in dict.fromkeys(queries)}
    k = max(1, min(settings.history_facts, MAX_K))
    nearest = nearest_facts_for(
        session, [(s["lead_id"], vectors[q]) for s, q in zip(states, queries, strict=True)], k
    )
    content: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for state, query, near in zip(states, queries, nearest, strict=True):
        stage = state["score"]["stage"]
        if (query, stage) not in content:
            content[(query, stage)] = search_content(
                session, query, rt.embedder, stage=stage, k=settings.content_facts
            )
        own = pinned_fact_ids(state["lead_id"], state["trigger"])
        mine = [f for f in pinned[state["lead_id"]] if f["fact_id"] in own]
        state |= assemble(state, mine, near, content[(query, stage)], settings)


def prepare_states(
    rt: Runtime, session: Session, triggers: list[tuple[int, dict]], *, stop_suppressed: bool
) -> list[dict[str, Any]]:
    """The graph's state after retrieve for each (lead id, trigger); suppressed ones stop early."""
    now = datetime.now(UTC)
    states = [
        {"lead_id": lead_id, "thread_id": t["thread_id"], "trigger": t} for lead_id, t in triggers
    ]
    leads = leads_by_id(session, [lead_id for lead_id, _ in triggers])
    if missing := [s["lead_id"] for s in states if s["lead_id"] not in leads]:
        raise LookupError(f"no leads {missing}")
    live = _suppressed(session, states, leads) if stop_suppressed else states
    if live:
        _context(session, live, leads, now)
        _retrieve(rt, session, live, leads)
    return states


def draft_batch(rt: Runtime, triggers: list[tuple[int, dict]]) -> list[dict[str, Any]]:
    """Draft every step trigger offline in one transaction; each thread's final state.

    A thread that already has a draft row (a re-run) is reported from the row, not drafted.
    """
    with rt.sessions() as session:
        existing = latest_drafts(session, [t["thread_id"] for _, t in triggers])
        todo = [(lead_id, t) for lead_id, t in triggers if t["thread_id"] not in existing]
        states = prepare_states(rt, session, todo, stop_suppressed=True)
        drafted = [s for s in states if not s.get("suppressed")]
        for state in drafted:
            state |= offline_update(state, rt.settings, None, state["prompt_tokens"], estimate=True)
            state["errors"] = check_draft(state, rt.settings)
        ids = create_drafts(session, [draft_values(s) for s in drafted])
        for state in drafted:
            state |= {"draft_id": ids[state["thread_id"]], "status": "pending"}
        done = {s["thread_id"]: s for s in states}
        for thread_id, row in existing.items():
            done[thread_id] = {
                "lead_id": row.lead_id,
                "thread_id": thread_id,
                "draft_id": row.id,
                "status": row.status,
                "backend": row.backend,
                "fallback_reason": row.fallback_reason,
            }
    return [done[t["thread_id"]] for _, t in triggers]


def review_state(rt: Runtime, draft: Draft) -> dict[str, Any] | None:
    """The state a batch-made draft's thread would hold at its review (None: not a step draft).

    The context and facts are retrieved again now; the draft itself comes from the row.
    """
    match = _STEP_THREAD.match(draft.thread_id or "")
    if match is None or draft.sequence is None or draft.step is None:
        return None
    trigger = step_trigger(
        draft.lead_id,
        int(match.group(3)),
        purpose=draft.purpose or "problem_context",
        sequence=draft.sequence,
        step=draft.step,
    )
    if trigger["thread_id"] != draft.thread_id:
        return None
    with rt.sessions() as session:
        (state,) = prepare_states(rt, session, [(draft.lead_id, trigger)], stop_suppressed=False)
    body = draft.original_body or draft.body
    written = DraftModel(
        subject=draft.original_subject or draft.subject,
        sentences=draft.sentences,
        call_to_action=body.rsplit("\n\n", 1)[-1] if "\n\n" in body else "",
    )
    return state | {
        "draft": written.model_dump(),
        "draft_id": draft.id,
        "status": "pending",
        "revision": draft.revision,
        "errors": list(draft.verification or []),
        "backend": draft.backend,
        "model": draft.model,
        "prompt_version": draft.prompt_version,
        "fallback_reason": draft.fallback_reason,
        "prompt_tokens": (draft.brief or {}).get("prompt_tokens", 0),
    }
