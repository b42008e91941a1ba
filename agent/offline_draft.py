"""The offline drafter: grounded templates (prompts/templates/) filled from retrieved facts.

Deterministic: the same facts, purpose, stage and revision always give the same draft. Every
factual sentence cites the fact it was filled from; the call to action matches the stage.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from agent.draft_schema import Draft, DraftSentence, Fact
from agent.verify import verify_draft
from prompts.loader import PROMPTS_DIR

TEMPLATES = PROMPTS_DIR / "templates" / "offline_drafts.yaml"
PURPOSES = PROMPTS_DIR / "templates" / "purposes.yaml"
_QUOTED = re.compile(r"'([^']{2,120})'")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\"“])")
_PAGE = re.compile(r"viewed (the pricing page|an? [a-z ]+?|the [a-z ]+?)(?: \(|$| on )")


class PurposeTemplates(BaseModel):
    """Subjects, bridge sentences and an optional stage-independent call to action."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    subjects: list[str]
    bridges: list[str]
    cta: list[str] | None = None


class OfflineTemplates(BaseModel):
    """The whole template file, validated strictly (unknown keys raise)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int
    why_now: dict[str, str]
    passage: dict[str, str]
    purposes: dict[str, PurposeTemplates]
    cta: dict[str, list[str]]


class PurposeSpec(BaseModel):
    """A playbook step purpose: the model's goal and retrieval topic words."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    goal: str
    topics: str


@lru_cache(maxsize=1)
def templates() -> OfflineTemplates:
    """The offline templates, loaded once."""
    return OfflineTemplates.model_validate(yaml.safe_load(TEMPLATES.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def purposes() -> dict[str, PurposeSpec]:
    """Every step purpose with its goal and topics."""
    raw = yaml.safe_load(PURPOSES.read_text(encoding="utf-8"))
    return {name: PurposeSpec.model_validate(spec) for name, spec in raw["purposes"].items()}


@lru_cache(maxsize=1)
def template_version() -> str:
    """Version label recorded on offline drafts (prompt_version; read with the templates)."""
    import hashlib

    digest = hashlib.sha256(Path(TEMPLATES).read_bytes()).hexdigest()[:12]
    return f"offline_drafts@v{templates().version}:{digest}"


def _pick(options: list[str], revision: int) -> str:
    """The variant for this revision (revisions rotate through the variants)."""
    return options[(max(revision, 1) - 1) % len(options)]


def _why_now(fact: Fact) -> str | None:
    """The opening sentence for one event fact, or None when no template fits it."""
    kind, _, detail = fact.source.partition(":")
    why = templates().why_now
    template = why.get(f"{kind}:{detail}") or why.get(kind)
    if template is None or fact.occurred_at is None:
        return None
    title = _QUOTED.search(fact.text)
    page = _PAGE.search(fact.text)
    if "{title}" in template and title is None:
        return None
    return template.format(
        date=f"{fact.occurred_at.day} {fact.occurred_at:%B}",
        title=title.group(1) if title else "",
        page=page.group(1) if page else "our website",
    )


def passage_body(text: str, title: str) -> str:
    """A content passage without its "Title — Section: " label."""
    rest = text[len(title) :] if title and text.startswith(title) else text
    if rest.startswith(": "):
        return rest[2:]
    if rest.startswith(" — ") and ": " in rest:
        return rest.split(": ", 1)[1]
    return rest


def passages(body: str) -> list[str]:
    """Quotable sentences of a passage, those with a concrete number (a result) first."""
    sentences = [s.strip() for s in _SENTENCE.split(body) if 40 <= len(s.strip()) <= 230]
    sentences = [s if s.endswith((".", "!", "?")) else s + "." for s in sentences]
    return sorted(sentences, key=lambda s: not re.search(r"\d", s))


def _opening(facts: list[Fact], trigger_fact_id: str | None) -> DraftSentence | None:
    """The why-now sentence: the trigger event's, else the latest event with a template."""
    events = sorted(
        (f for f in facts if f.kind == "event"), key=lambda f: f.occurred_at or 0, reverse=True
    )
    for fact in [f for f in events if f.fact_id == trigger_fact_id] + events:
        if text := _why_now(fact):
            return DraftSentence(text=text, fact_ids=[fact.fact_id])
    return None


def _content_points(facts: list[Fact], docs: dict, revision: int) -> list[DraftSentence]:
    """Candidate content sentences, best first; revisions start from a different document."""
    spec = templates()
    content = [f for f in facts if f.kind == "content"]
    shift = (max(revision, 1) - 1) % len(content) if content else 0
    points = []
    for doc in content[shift:] + content[:shift]:
        meta = docs.get(doc.fact_id, {})
        title = meta.get("title") or doc.source.removeprefix("content:")
        template = spec.passage.get(meta.get("kind", ""), spec.passage["default"])
        points += [
            (
                p,
                DraftSentence(
                    text=template.format(doc_title=title, passage=p), fact_ids=[doc.fact_id]
                ),
            )
            for p in passages(passage_body(doc.text, title))
        ]
    # A concrete number (a result, a benchmark) makes the better proof point, from any document.
    return [point for text, point in sorted(points, key=lambda p: not re.search(r"\d", p[0]))]


def offline_draft(
    facts: list[Fact],
    *,
    purpose: str,
    stage: str,
    first_name: str | None,
    trigger_fact_id: str | None = None,
    revision: int = 1,
    docs: dict[str, dict[str, str]] | None = None,
    max_body_chars: int = 900,
) -> Draft:
    """A grounded draft from templates: why-now (cited), a content point (cited), one ask.

    `docs` maps content fact ids to their document's title and kind (case_study, guide...).
    The first content sentence with which the whole draft passes verification is used.
    """
    spec = templates()
    plan = spec.purposes.get(purpose) or spec.purposes["problem_context"]
    opening = _opening(facts, trigger_fact_id)
    bridge = DraftSentence(text=_pick(plan.bridges, revision), fact_ids=[])
    subjects = [s for s in plan.subjects if first_name or "{first_name}" not in s]
    subject = _pick(subjects or ["A quick note"], revision).format(first_name=first_name or "")
    cta = _pick(plan.cta or spec.cta.get(stage) or spec.cta["awareness"], revision)
    by_id = {f.fact_id: f for f in facts}
    draft = None
    for point in [*_content_points(facts, docs or {}, revision), None]:
        body = [s for s in (opening, point, bridge) if s is not None]
        draft = Draft(subject=subject, sentences=body, call_to_action=cta)
        errors = verify_draft(
            draft, by_id, stage=stage, lead_first_name=first_name, max_body_chars=max_body_chars
        )
        if not errors:
            break
    return draft
