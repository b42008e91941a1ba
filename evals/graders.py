"""Draft graders: checks written apart from agent/verify.py, so a bug there cannot hide here.

Each grader takes a `DraftCase` (what the agent retrieved and wrote) and returns the reasons it
fails (empty: passed). They are deliberately simple and strict.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

SUBJECT_LIMIT = 60
FOOTER = "unsubscribe"

_NUMBER = re.compile(r"(?<![\w-])\d[\d,.]*\d|(?<![\w-])\d")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_ASK = re.compile(
    r"\?|\b(?:book|schedule|grab|just reply|hit reply|quick reply|reply to this|click|register"
    r"|sign up|download|let me know|check out"
    r"|take a look)\b",
    re.IGNORECASE,
)
_SALES_ASK = re.compile(
    r"\b(?:demo|call|meeting|pricing|price|quote|trial|book|purchase|buy|contract|discount)\b",
    re.IGNORECASE,
)
_NEXT_STEP = re.compile(
    r"\b(?:call|demo|meeting|meet|chat|time|walk|pricing|quote|talk|minutes|trial|session"
    r"|decide|decision|next step)\b",
    re.IGNORECASE,
)
_PURCHASE = re.compile(r"\b(?:buy|purchase|contract|discount|sign the)\b", re.IGNORECASE)
# Words a sentence may capitalize without naming anyone or anything.
_ORDINARY = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "but",
        "by",
        "for",
        "from",
        "here",
        "how",
        "i",
        "if",
        "in",
        "it",
        "its",
        "just",
        "last",
        "many",
        "more",
        "most",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "some",
        "that",
        "the",
        "their",
        "there",
        "these",
        "they",
        "this",
        "those",
        "thank",
        "thanks",
        "to",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "why",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yes",
        "after",
        "before",
        "since",
        "because",
        "quick",
        "one",
        "two",
        "few",
        "here's",
        "it's",
        "i'm",
        "we're",
        "you're",
        "if",
        "hope",
        "glad",
    ]
)
_GENERIC = frozenset(
    ["ai", "api", "b2b", "crm", "saas", "ceo", "cto", "cmo", "vp", "sdr", "bdr", "faq", "pdf"]
)


@dataclass
class DraftCase:
    """A pending draft with the facts the agent retrieved for it."""

    subject: str
    body: str
    sentences: list[dict]  # {"text", "fact_ids"} as stored on the draft row
    citations: list[str]
    retrieved: dict[str, str]  # fact id -> text (and source, dates) of every retrieved fact
    stage: str
    allowed_names: list[str] = field(default_factory=list)  # lead first name, sender, product
    max_body_chars: int = 900
    email: EmailMessage | None = None  # the composed outgoing message, when it was queued
    outbox_text: str | None = None

    @property
    def cta(self) -> str:
        """The call to action: the body's last paragraph."""
        return self.body.strip().split("\n\n")[-1].strip()

    @property
    def paragraphs_text(self) -> list[str]:
        """The body's sentences plus the call to action, the units an ask may sit in."""
        return [s["text"] for s in self.sentences] + [self.cta]


def _numbers(text: str) -> set[str]:
    return {n.replace(",", "").rstrip(".") for n in _NUMBER.findall(text)}


def _names(text: str) -> set[str]:
    """Capitalized words that are not the first word of a sentence or ordinary words."""
    found = set()
    for sentence in re.split(r"(?<=[.!?:])\s+|['\"‘“(]", text):
        words = re.findall(r"[A-Za-z][A-Za-z'’]*", sentence)
        for word in words[1:]:
            bare = re.sub(r"['’]s$", "", word)
            if bare[:1].isupper() and bare.lower() not in _ORDINARY | _GENERIC:
                found.add(bare)
    return found


def cites_only_retrieved(case: DraftCase) -> list[str]:
    """Every cited id (on the row and per sentence) was retrieved for this draft."""
    cited = set(case.citations) | {fid for s in case.sentences for fid in s.get("fact_ids", [])}
    return [f"cites {fid}, which was not retrieved" for fid in sorted(cited - set(case.retrieved))]


def no_invented_claims(case: DraftCase) -> list[str]:
    """Numbers and names of each sentence appear in the facts it cites (or the allowlist)."""
    allowed = {w.lower() for name in case.allowed_names for w in _WORD.findall(name or "")}
    problems = []
    for sentence in case.sentences:
        support = " ".join(case.retrieved.get(fid, "") for fid in sentence.get("fact_ids", []))
        numbers = _numbers(support)
        words = {w.lower() for w in re.findall(r"[A-Za-z]+", support)}
        for number in sorted(_numbers(sentence["text"]) - numbers):
            problems.append(f"number {number} not in cited facts: {sentence['text'][:80]}")
        for name in sorted(_names(sentence["text"])):
            if name.lower() not in words and name.lower() not in allowed:
                problems.append(f"name {name!r} not in cited facts: {sentence['text'][:80]}")
    subject_support = _numbers(" ".join(case.retrieved.values()))
    for number in sorted(_numbers(case.subject) - subject_support):
        problems.append(f"subject number {number} not in any retrieved fact")
    return problems


def one_cta(case: DraftCase) -> list[str]:
    """Exactly one unit of the body asks the reader for something."""
    asks = [text for text in case.paragraphs_text if _ASK.search(text)]
    if len(asks) != 1:
        return [f"{len(asks)} asks (want exactly 1): {' | '.join(a[:60] for a in asks)}"]
    return []


def stage_appropriate(case: DraftCase) -> list[str]:
    """Awareness: no sales ask; consideration: no purchase push; decision: a concrete next step."""
    cta = case.cta
    if case.stage == "awareness":
        pushes = [t for t in case.paragraphs_text if _ASK.search(t) and _SALES_ASK.search(t)]
        return [f"sales ask to an awareness-stage lead: {p[:80]}" for p in pushes]
    if case.stage == "consideration" and _PURCHASE.search(cta):
        return [f"purchase push to a consideration-stage lead: {cta[:80]}"]
    if case.stage == "decision" and not _NEXT_STEP.search(cta):
        return [f"decision-stage email without a concrete next step: {cta[:80]}"]
    return []


def within_limits(case: DraftCase) -> list[str]:
    """A non-empty subject of at most 60 characters; a non-empty body within the limit."""
    problems = []
    if not case.subject.strip() or len(case.subject) > SUBJECT_LIMIT:
        problems.append(f"subject length {len(case.subject)} (1..{SUBJECT_LIMIT})")
    if not case.body.strip() or len(case.body) > case.max_body_chars:
        problems.append(f"body length {len(case.body)} (1..{case.max_body_chars})")
    return problems


def unsubscribe_footer(case: DraftCase) -> list[str]:
    """The composed email has a List-Unsubscribe header and a footer link in both parts."""
    if case.email is None:
        return ["no composed email to check"]
    problems = []
    if not case.email.get("List-Unsubscribe"):
        problems.append("no List-Unsubscribe header")
    parts = {p.get_content_type(): p.get_content() for p in case.email.iter_parts()}
    for kind in ("text/plain", "text/html"):
        if FOOTER not in parts.get(kind, "")[-600:].lower():
            problems.append(f"no unsubscribe footer in the {kind} part")
    return problems


GRADERS: dict[str, Callable[[DraftCase], list[str]]] = {
    "cites_only_retrieved": cites_only_retrieved,
    "no_invented_claims": no_invented_claims,
    "one_cta": one_cta,
    "stage_appropriate": stage_appropriate,
    "within_limits": within_limits,
    "unsubscribe_footer": unsubscribe_footer,
}


def grade(case: DraftCase) -> dict[str, list[str]]:
    """Every grader's failures for one draft."""
    return {name: grader(case) for name, grader in GRADERS.items()}
