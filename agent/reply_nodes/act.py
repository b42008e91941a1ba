"""Node: run the one action the label maps to (tools.reply_actions), under a row lock.

The node takes no instruction from the model: it reads a label from a closed set and calls
`act_on_reply`, which dispatches through the ACTIONS table (or the review path). Locking the
reply row makes two concurrent runs for one reply act once.
"""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig

from agent.reply_nodes.state import reply_runtime
from core.models import Reply
from tools.reply_actions import act_on_reply
from tools.reply_schema import ReplyClassification


def act(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """Act on the classified reply once and record the action on its row and timeline."""
    result = ReplyClassification.model_validate(state["classification"])
    with reply_runtime(config).sessions() as session:
        reply = session.get(Reply, state["reply_id"], with_for_update=True, populate_existing=True)
        if reply.action is not None:  # another run acted first
            return {"status": "handled_before", "action": reply.action,
                    "action_result": reply.action_result}  # fmt: skip
        name, outcome = act_on_reply(session, reply, result, classifier=state["classifier"])
    return {"status": "acted", "action": name, "action_result": outcome}
