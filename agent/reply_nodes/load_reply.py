"""Node: load the reply row (and its raw headers); a reply already acted on ends the run."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from langchain_core.runnables import RunnableConfig
from sqlalchemy.orm import Session

from agent.reply_nodes.state import reply_runtime
from core.models import InboundMessage, Lead, Reply
from tools.mime_in import MalformedEmail, parse_inbound
from tools.reply_effects import lead_timezone_name


def raw_headers(session: Session, reply: Reply) -> dict[str, str]:
    """The kept headers of the raw inbound email (auto-reply and bounce markers), if stored."""
    inbound = session.get(InboundMessage, reply.inbound_id) if reply.inbound_id else None
    if inbound is None:
        return {}
    try:
        return dict(parse_inbound(inbound.raw).headers)
    except MalformedEmail:
        return {}


def load_reply(state: dict[str, Any], config: RunnableConfig) -> dict[str, Any]:
    """The reply as classifier input, or a status that ends the run (missing, handled before)."""
    with reply_runtime(config).sessions() as session:
        reply = session.get(Reply, state["reply_id"])
        if reply is None:
            return {"status": "missing"}
        if reply.action is not None:
            done = {"label": reply.label, "confidence": reply.confidence,
                    "needs_review": reply.needs_review}  # fmt: skip
            return {"status": "handled_before", "lead_id": reply.lead_id, "classification": done,
                    "action": reply.action, "action_result": reply.action_result,
                    "classifier": reply.classifier}  # fmt: skip
        lead = session.get(Lead, reply.lead_id) if reply.lead_id is not None else None
        return {
            "status": "loaded",
            "lead_id": reply.lead_id,
            "lead_timezone": lead_timezone_name(session, lead) if lead else "unknown",
            "reply": {
                "id": reply.message_id or f"reply-{reply.id}",
                "subject": reply.subject or "",
                "body": reply.body or "",
                "received_at": reply.received_at.astimezone(UTC).isoformat(),
                "headers": raw_headers(session, reply),
                "sender": reply.from_email,
            },
        }
