"""Prompt tokens and model calls per drafted email vs a naive whole-history prompt.

Runs the agent offline on the hottest demo leads (alternately their latest trigger event and
their strongest recent signal, so both one-call high-intent drafts and two-call drafts where the
model chooses the action are measured). With no API key there is no usage to read, so
tokens are estimated as characters / 4 of the exact prompts the OpenAI path would send (the
choose_action prompt when the model would choose, plus draft_email); where drafts were written
by the model, `llm_calls` usage is used instead. The naive prompt is draft_email with the lead's
whole history (every event) and the whole content library pasted in. Target: <= 3,000 tokens and
<= 2 model calls per email. Usage: python -m bench.bench_prompt_size [--leads 1200 --drafts 20]
"""

from __future__ import annotations

import argparse
import json
import statistics

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.draft_schema import Draft as DraftAnswer
from agent.draft_schema import Fact, render_facts
from agent.drafting import estimate_tokens
from agent.entry import run_event, run_for_lead
from agent.graph import build_graph
from bench.agent_setup import load_demo_data, offline_runtime, trigger_events
from bench.common import bench_database
from core.models import Draft, Event, LlmCall
from core.models import Fact as FactRow
from prompts.loader import load_prompt
from tools.content_index import library_chunks


def naive_tokens(session: Session, state: dict, library: str) -> int:
    """The draft_email prompt with every event and the whole content library in it."""
    events = session.scalars(select(Event).where(Event.lead_id == state["lead_id"])).all()
    history = "\n".join(
        f"{e.occurred_at:%Y-%m-%d %H:%M} {e.type} {json.dumps(e.properties)}" for e in events
    )
    facts = session.scalars(select(FactRow).where(FactRow.lead_id == state["lead_id"])).all()
    rendered = render_facts(
        Fact(
            fact_id=f.fact_id, text=f.text, source=f.source, kind=f.kind, occurred_at=f.occurred_at
        )
        for f in facts
    )
    request = {**state["request"], "lead_history": history}
    messages = load_prompt("draft_email").messages(**request, facts=rendered + "\n" + library)
    return estimate_tokens(messages, DraftAnswer.model_json_schema())


def main() -> None:
    """Draft for the hottest demo leads and print tokens and calls per email, agent vs naive."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=1200)
    parser.add_argument("--drafts", type=int, default=20)
    args = parser.parse_args()
    library = "\n".join(c.text for c in library_chunks(offline_runtime(None).content_dir))
    with bench_database("prompt-size") as (_url, engine):
        load_demo_data(engine, args.leads)
        rt = offline_runtime(engine)
        graph = build_graph(rt.checkpointer)
        rows = []
        for lead_id, event_id in trigger_events(engine, args.drafts * 3):
            if len(rows) >= args.drafts:
                break
            # Alternate: the lead's latest trigger event, and its strongest recent signal.
            outcome = run_event(rt, event_id) if len(rows) % 2 else run_for_lead(rt, lead_id)
            if outcome is None or outcome.draft_id is None:
                continue
            state = graph.get_state(rt.config(outcome.thread_id)).values
            with Session(engine) as session:
                draft = session.get(Draft, outcome.draft_id)
                used = session.scalars(select(LlmCall).where(LlmCall.draft_id == draft.id)).all()
                sent = sum(c.prompt_tokens for c in used) or state["prompt_tokens"]
                calls = len(used) or (1 + (len(state["action"]["allowed"]) > 1))
                naive = naive_tokens(session, state, library)
                rows.append((lead_id, sent, calls, naive, state["trigger"]["name"]))
    print(
        f"{'lead':>6} {'trigger':>16} {'agent tokens':>13} {'calls':>6} {'naive':>6} {'ratio':>6}"
    )
    for lead_id, sent, calls, naive, trigger in rows:
        print(f"{lead_id:>6} {trigger:>16} {sent:>13} {calls:>6} {naive:>6} {naive / sent:>6.1f}")
    agent = [r[1] for r in rows]
    naive = [r[3] for r in rows]
    print(
        f"\n{len(rows)} drafted emails (offline estimate: chars/4 of the prompts the model path "
        f"sends)\nagent: mean {statistics.mean(agent):.0f}, max {max(agent)} prompt tokens, "
        f"max {max(r[2] for r in rows)} model calls per email\nnaive: mean "
        f"{statistics.mean(naive):.0f}, max {max(naive)} prompt tokens\nratio naive/agent: "
        f"{statistics.mean(naive) / statistics.mean(agent):.1f}x"
    )


if __name__ == "__main__":
    main()
