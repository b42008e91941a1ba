"""The next-action tools the model may call (field descriptions are prompt) and the policy.

The allowed set comes from the playbook and guardrails in code; with a model, it picks one of
them by a tool call; offline (or when the model fails) a deterministic policy picks.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

RECENT_EMAIL = timedelta(hours=48)


class DraftEmail(BaseModel):
    """Draft one email for the owner rep to approve."""

    reason: str = Field(description="Why now, in one sentence.")


class AlertOwner(BaseModel):
    """Alert the owner rep now, without an email."""

    reason: str = Field(description="Why it is urgent, in one sentence.")


class Wait(BaseModel):
    """Do nothing now; look again later."""

    reason: str = Field(description="Why waiting is better, in one sentence.")
    days: int = Field(ge=1, le=30)


class NoAction(BaseModel):
    """Take no action on this trigger."""

    reason: str = Field(description="Why, in one sentence.")


class ActionChoice(BaseModel):
    """Answer shape if the model replies in text instead of calling a tool."""

    action: str
    reason: str


ACTION_MODELS: dict[str, type[BaseModel]] = {
    "draft_email": DraftEmail,
    "alert_owner": AlertOwner,
    "wait": Wait,
    "none": NoAction,
}


def allowed_actions(trigger: dict[str, Any], context: dict[str, Any]) -> list[str]:
    """Actions the playbook and guardrails allow for this trigger, most useful first."""
    if trigger.get("step") is not None:  # the sequence already decided: this step is an email
        return ["draft_email"]
    if context.get("pending_draft_id"):  # one draft awaiting approval per lead at a time
        return ["alert_owner"] if trigger.get("high_intent") else ["wait"]
    if trigger.get("high_intent"):  # the playbook: alert the owner and draft, at once
        return ["draft_email"]
    return ["draft_email", "wait", "none"]


def offline_choice(
    trigger: dict[str, Any], context: dict[str, Any], allowed: list[str]
) -> tuple[str, str]:
    """The deterministic policy: (action, reason) among `allowed`."""
    if trigger.get("step") is not None:
        return "draft_email", f"due: {trigger['description']}"
    if allowed == ["draft_email"]:
        return "draft_email", f"high intent: {trigger['description']}"
    if "draft_email" not in allowed:
        pending = context.get("pending_draft_id")
        return allowed[0], f"draft {pending} is still waiting for approval"
    last = context.get("last_email_at")
    if (
        last
        and datetime.fromisoformat(last) > datetime.fromisoformat(context["now"]) - RECENT_EMAIL
    ):
        return "wait", f"emailed {last[:16]}; give the last email time before another"
    return (
        "draft_email",
        f"{trigger['playbook'].replace('_', ' ')} playbook: {trigger['description']}",
    )
