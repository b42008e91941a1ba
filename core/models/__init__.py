"""All ORM models, importable from one place (`from core.models import Lead`)."""

from core.models.activity import Event, RejectedPayload, ScoreHistory
from core.models.base import Base
from core.models.people import Account, Lead, Rep
from core.models.segments import Segment

__all__ = [
    "Account",
    "Base",
    "Event",
    "Lead",
    "RejectedPayload",
    "Rep",
    "ScoreHistory",
    "Segment",
]
