"""Trajectories suite: the nodes the graph runs for a trigger (streamed) contain the expected
ones and none of the forbidden ones. Metric: pass_rate."""

from __future__ import annotations

import yaml
from sqlalchemy import select, text

from core.models import Draft, Event, Lead
from evals.model import CaseResult, SuiteResult
from evals.provenance import DATASETS, dataset_version
from evals.suite_db import suite_db
from evals.suites.drafts import EVENT_TYPES, _candidates

DATASET = "trajectories.yaml"


def _trigger(session, case: dict, used: set[int]) -> dict | None:
    from agent.triggers import detect_trigger

    if case["trigger"] == "suppressed":
        lead = session.scalars(
            select(Lead).where(text("consent <> 'subscribed'")).order_by(Lead.id)
        ).first()
        event = session.scalars(
            select(Event).where(Event.lead_id == lead.id, Event.type.in_(EVENT_TYPES.values()))
        ).first()
        found = detect_trigger(session, event) if event else None
        return found or {
            "name": "manual",
            "playbook": "manual",
            "purpose": "proof",
            "high_intent": False,
            "event_id": None,
            "step": None,
            "sequence": None,
            "description": "eval",
            "thread_id": f"lead-{lead.id}:manual:eval",
            "lead_id": lead.id,
        }
    pairs = _candidates(session, case["trigger"], case.get("lead", {}), used)
    if not pairs:
        return None
    lead_id, event_id = pairs[0]
    used.add(lead_id)
    return detect_trigger(session, session.get(Event, event_id))


def _path(rt, lead_id: int, trigger: dict) -> list[str]:
    from agent.graph import build_graph

    graph = build_graph(rt.checkpointer)
    thread = f"eval-trajectory:{trigger['thread_id']}"
    initial = {"lead_id": lead_id, "thread_id": thread, "trigger": {**trigger, "thread_id": thread}}
    nodes = []
    for update in graph.stream(initial, rt.config(thread), stream_mode="updates"):
        nodes += [name for name in update if not name.startswith("__")]
    return nodes + list(graph.get_state(rt.config(thread)).next)  # a node paused in interrupt()


def run(backend: str = "offline") -> SuiteResult:
    """Stream each case's run and compare its node path with the expectation."""
    from agent.runtime import open_runtime
    from tools import clock

    data = yaml.safe_load((DATASETS / DATASET).read_text())["cases"]
    env = suite_db("trajectories")
    cases, used = [], set()
    with open_runtime(env.db) as rt, clock.simulated(env.anchor):
        with rt.sessions() as session:  # leads other suites emailed would now "wait"
            used |= set(session.scalars(select(Draft.lead_id)))
        for case in data:
            with rt.sessions() as session:
                trigger = _trigger(session, case, used)
                lead_id = None
                if trigger is not None:
                    lead_id = (
                        trigger.pop("lead_id", None)
                        or session.get(Event, trigger["event_id"]).lead_id
                    )
            if trigger is None:
                cases.append(
                    CaseResult(
                        id=case["id"],
                        passed=False,
                        input=case,
                        failures=["no lead matches this trigger"],
                    )
                )
                continue
            path = _path(rt, lead_id, trigger)
            failures = [f"missing node {n}" for n in case["expect"] if n not in path]
            failures += [f"forbidden node {n} ran" for n in case.get("forbid", []) if n in path]
            cases.append(
                CaseResult(
                    id=case["id"],
                    passed=not failures,
                    failures=failures,
                    input={**case, "lead_id": lead_id},
                    output={"path": path},
                )
            )
    return SuiteResult(
        name="trajectories",
        metrics={"pass_rate": sum(c.passed for c in cases) / (len(cases) or 1)},
        cases=cases,
        datasets={DATASET: dataset_version(DATASET)},
    )
