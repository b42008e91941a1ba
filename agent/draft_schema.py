"""The email draft the model writes (field descriptions are prompt) and the facts it cites."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FactKind = Literal["event", "content", "profile"]


class Fact(BaseModel):
    """A retrieved, citable piece of evidence: a timeline event, content passage or profile."""

    model_config = ConfigDict(frozen=True)

    fact_id: str = Field(description="Stable id the draft cites, e.g. 'evt_812' or 'doc_14#3'.")
    text: str = Field(
        description="The fact in one plain sentence; the only wording a draft may rely on."
    )
    source: str = Field(
        description="Where it came from: event type, content slug or profile field."
    )
    occurred_at: datetime | None = Field(default=None, description="When it happened, for events.")
    kind: FactKind

    def prompt_line(self) -> str:
        """The fact as one line of a <facts> block: id, kind, date, source, text."""
        when = self.occurred_at.date().isoformat() if self.occurred_at else "undated"
        return f"[{self.fact_id}] ({self.kind}, {when}, {self.source}) {self.text}"


def render_facts(facts: Iterable[Fact]) -> str:
    """The <facts> block body: one fact per line, in the order given."""
    return "\n".join(fact.prompt_line() for fact in facts) or "(no facts retrieved)"


class DraftSentence(BaseModel):
    """One sentence of the email body and the facts that support it."""

    text: str = Field(
        description=(
            "One plain sentence of the email body. No greeting, no sign-off, no question asking "
            "for a meeting or click (that belongs in call_to_action)."
        )
    )
    fact_ids: list[str] = Field(
        description=(
            "Ids of the supplied facts that support every name, number, date and product claim "
            "in this sentence. Empty only for a sentence that states no fact at all."
        )
    )


class Draft(BaseModel):
    """A nurture email: subject, cited body sentences and exactly one call to action."""

    subject: str = Field(
        description=(
            "Subject line of at most 60 characters, specific to this lead; no clickbait or emoji."
        )
    )
    sentences: list[DraftSentence] = Field(
        description="The body, 2 to 5 sentences in order, each citing the facts it relies on."
    )
    call_to_action: str = Field(
        description=(
            "The single ask that closes the email, one sentence, matched to the buying stage. "
            "It is the only ask in the email."
        )
    )

    @property
    def body(self) -> str:
        """The email body: the sentences as one paragraph, then the call to action."""
        paragraph = " ".join(s.text.strip() for s in self.sentences if s.text.strip())
        return "\n\n".join(part for part in (paragraph, self.call_to_action.strip()) if part)

    @property
    def cited_fact_ids(self) -> list[str]:
        """Every fact id the draft cites, first occurrence order, without repeats."""
        return list(dict.fromkeys(fid for s in self.sentences for fid in s.fact_ids))
