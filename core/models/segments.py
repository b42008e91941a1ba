"""Named segment definitions written in the segment filter language."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, created_at, pk


class Segment(Base):
    """A named, documented filter over lead attributes, score and behaviour windows."""

    __tablename__ = "segments"

    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(Text, unique=True)
    description: Mapped[str] = mapped_column(Text, server_default="")
    filter: Mapped[str] = mapped_column(Text)
    builtin: Mapped[bool] = mapped_column(server_default=text("false"))
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
