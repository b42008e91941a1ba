"""The analytics agent's only contact with the model seam (agent/llm.py): turns, messages, checks.

`model_turn` is the single call into the seam, so a change in its API touches this file only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from agent.analytics.tools import ToolOutput
from prompts.loader import load_prompt

PURPOSE = "analytics"
MAX_TURNS = 4


class ModelReply(BaseModel):
    """Your final answer, written only after the tools you needed have returned."""

    text: str = Field(
        description="Two to five plain sentences; every number must come from a tool result"
    )
    cannot_answer: bool = Field(description="True when no tool can answer the question")
    reason: str | None = Field(description="When cannot_answer: why, and what would be needed")


@dataclass(frozen=True)
class ModelTurn:
    """What one model call returned: tool calls to run, or the final reply."""

    calls: list[tuple[str, str, dict[str, Any]]]
    reply: ModelReply | None


def model_turn(client: Any, messages: list[dict], tools: list[dict]) -> ModelTurn:
    """Ask the model for its next step (raises the seam's ModelUnavailable on failure)."""
    result = client.structured(PURPOSE, messages, ModelReply, tools=tools)
    calls = [(call.id, call.name, call.arguments) for call in result.tool_calls]
    return ModelTurn(calls=calls, reply=None if calls else result.parsed)


def first_messages(question: str, now: datetime, previous: str | None = None) -> list[dict]:
    """System and user messages from prompts/analytics.yaml (the question in its data block)."""
    asked = question if not previous else f"(previous question: {previous})\n{question}"
    return load_prompt("analytics").messages(
        question=asked, today=now.date().isoformat(), timezone="UTC"
    )


def assistant_message(calls: list[tuple[str, str, dict[str, Any]]]) -> dict:
    """The assistant turn that asked for these tool calls (echoed back to the model)."""
    return {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": cid,
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for cid, name, args in calls
        ],
    }


def tool_message(call_id: str, output: ToolOutput) -> dict:
    """A tool result for the model: the sentence and numbers, not the SQL or long lists."""
    content = {
        "result": output.sentence,
        "value": output.value,
        "numbers": dict(list(output.numbers.items())[:40]),
        "rows": output.rows[:20],
        "period": output.period,
        "records": output.record_count,
        "notes": output.notes,
        "error": output.cannot,
    }
    return {"role": "tool", "tool_call_id": call_id, "content": json.dumps(content, default=str)}


_NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?")


def numbers_in(text: str) -> set[str]:
    """Numbers written in a text, normalized ("1,200" -> "1200", "12.50" -> "12.5")."""
    found = set()
    for token in _NUMBER.findall(text):
        value = token.replace(",", "")
        found.add(value.rstrip("0").rstrip(".") if "." in value else value)
    return found


def grounded(text: str, outputs: list[ToolOutput], question: str) -> bool:
    """True when every number in the model's prose appears in the tools' own wording or data."""
    allowed = numbers_in(question)
    for output in outputs:
        allowed |= numbers_in(output.sentence) | numbers_in(" ".join(output.notes))
        allowed |= numbers_in(json.dumps(output.numbers) + json.dumps(output.rows, default=str))
        for value in [output.value, *output.numbers.values()]:
            if isinstance(value, int | float):
                for shown in (value, value * 100):
                    allowed |= {f"{shown:.0f}", f"{shown:.1f}".rstrip("0").rstrip(".")}
    return numbers_in(text) <= allowed
