"""All ORM models, importable from one place (`from core.models import Lead`)."""

from core.models.activity import Event, IngestBatch, RejectedPayload, ScoreHistory
from core.models.agent import ContentChunk, Draft, Fact, LlmCall, Outbox
from core.models.base import Base
from core.models.behaviour import BEHAVIOUR_METRICS, LeadBehaviour, lead_behaviour
from core.models.engagement import (
    DoNotContact,
    Enrollment,
    Escalation,
    InboundMessage,
    Reply,
    WorkerJob,
)
from core.models.people import Account, Lead, LeadAlias, LeadRank, Rep
from core.models.segments import Segment

__all__ = [
    "BEHAVIOUR_METRICS",
    "Account",
    "Base",
    "ContentChunk",
    "DoNotContact",
    "Draft",
    "Enrollment",
    "Escalation",
    "Event",
    "Fact",
    "InboundMessage",
    "IngestBatch",
    "Lead",
    "LeadAlias",
    "LeadBehaviour",
    "LeadRank",
    "LlmCall",
    "Outbox",
    "RejectedPayload",
    "Rep",
    "Reply",
    "ScoreHistory",
    "Segment",
    "WorkerJob",
    "lead_behaviour",
]
