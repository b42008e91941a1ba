"""Model drafting: the draft_email conversation, its corrective and revision turns, token math."""

from __future__ import annotations

import json
from typing import Any

from agent.draft_schema import Draft, Fact, render_facts
from prompts.loader import load_prompt, prompt_hash

MAX_MODEL_ATTEMPTS = 2  # one draft plus one corrective retry, then the offline drafter


def prompt_version(name: str) -> str:
    """ "name@vN:hash12" of a prompt file, recorded on each draft."""
    return f"{name}@v{load_prompt(name).version}:{prompt_hash(name)[:12]}"


def draft_messages(request: dict[str, Any], facts: list[Fact]) -> list[dict]:
    """The draft_email prompt for a lead: task, profile, history summary and the facts."""
    return load_prompt("draft_email").messages(**request, facts=render_facts(facts))


def _follow_up(messages: list[dict], previous: Draft, turn: dict) -> list[dict]:
    """The conversation so far, the previous draft as the assistant turn, then `turn`."""
    return [*messages, {"role": "assistant", "content": previous.model_dump_json()}, turn]


def fix_messages(messages: list[dict], previous: Draft, errors: list[str]) -> list[dict]:
    """Ask once more, with the verifier's errors (the corrective retry)."""
    text = load_prompt("draft_fix").render_user(errors="\n".join(f"- {e}" for e in errors))
    return _follow_up(messages, previous, {"role": "user", "content": text})


def revise_messages(messages: list[dict], previous: Draft, instruction: str) -> list[dict]:
    """Ask for a new revision following the rep's instruction."""
    text = load_prompt("draft_revise").render_user(instruction=instruction)
    return _follow_up(messages, previous, {"role": "user", "content": text})


def estimate_tokens(messages: list[dict], *schemas: object) -> int:
    """Prompt tokens estimated as characters / 4 of the messages and the schemas or tools sent
    with them (used offline, where no usage is reported; conservative for English)."""
    return len(json.dumps([messages, *schemas])) // 4
