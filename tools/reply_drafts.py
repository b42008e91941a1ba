"""Offline drafts answering a reply: a referral intro, a grounded answer, objection handling.

Each draft is a pending row (tools.drafts.create_draft) for a rep to approve: nothing is sent
automatically. Every factual sentence cites its source: the reply itself (fact id `reply-<id>`)
or a content-library passage found by full-text search (`doc-<slug>#<chunk>`). When no passage
matches, the draft promises a precise answer instead of inventing one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.models import Draft, Lead, Reply
from tools.drafts import create_draft
from tools.reply_text import split_reply

VERSION = "reply_drafts@v1"
MAX_PASSAGE = 280
_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
_STOP_WORDS = (
    "the and for you your our are can with what how does this that have has from about not "
    "will would could should there their them they its into any all but just also more"
)
_STOP = frozenset(_STOP_WORDS.split())
_SEARCH = text(
    """
    SELECT doc_path, chunk_index, title, text,
           ts_rank(to_tsvector('english', title || ' ' || text), to_tsquery('english', :q)) AS rank
    FROM content_chunks
    WHERE to_tsvector('english', title || ' ' || text) @@ to_tsquery('english', :q)
    ORDER BY rank DESC, doc_path, chunk_index LIMIT 1
    """
)


def reply_fact(reply: Reply, quote: str) -> dict[str, Any]:
    """The reply as a citable fact: its id, the quoted words and when it arrived."""
    return {"fact_id": f"reply-{reply.id}", "kind": "event", "source": "reply_received",
            "text": f"Reply received: \"{quote.strip()[:300]}\"",
            "occurred_at": reply.received_at.isoformat()}  # fmt: skip


def find_passage(session: Session, query: str) -> dict[str, Any] | None:
    """The content passage that best matches the words of `query` (full text), or None."""
    found = (w.strip("-") for w in _WORD.findall(query.lower()))
    words = [w for w in dict.fromkeys(found) if len(w) > 2 and w not in _STOP][:12]
    if not words:
        return None
    row = session.execute(_SEARCH, {"q": " | ".join(words)}).first()
    if row is None:
        return None
    sentence = re.split(r"(?<=[.!?])\s+", " ".join(row.text.split()))[0][:MAX_PASSAGE]
    return {"fact_id": f"doc-{Path(row.doc_path).stem}#{row.chunk_index}", "kind": "content",
            "source": f"content:{Path(row.doc_path).stem}", "text": sentence,
            "title": row.title, "occurred_at": None}  # fmt: skip


def _save(
    session: Session,
    lead_id: int,
    reply: Reply,
    purpose: str,
    subject: str,
    sentences: list[tuple[str, list[dict]]],
    cta: str,
    why_now: str,
) -> Draft:
    """Store the draft (once per reply and purpose) with a brief a rep can read."""
    facts = {f["fact_id"]: f for _, cited in sentences for f in cited}
    rows = [{"text": t, "fact_ids": [f["fact_id"] for f in cited]} for t, cited in sentences]
    paragraph = " ".join(t for t, _ in sentences)
    brief = {
        "why_now": why_now,
        "trigger": {"name": f"reply_{purpose}", "event_id": reply.event_id, "reply_id": reply.id},
        "playbook": {"name": "reply", "step": None, "purpose": purpose},
        "citations": list(facts.values()),
        "backend": "offline",
    }
    return create_draft(
        session, lead_id=lead_id, thread_id=f"reply-{reply.id}:{purpose}", revision=1,
        trigger=f"reply_{purpose}", trigger_event_id=reply.event_id, purpose=purpose,
        subject=subject[:60], body=f"{paragraph}\n\n{cta}", sentences=rows,
        citations=list(facts), brief=brief, backend="offline", prompt_version=VERSION,
    )  # fmt: skip


def referral_intro(
    session: Session, referred: Lead, referrer: Lead, reply: Reply, topic: str
) -> Draft:
    """A pending intro to the referred person that says who pointed us to them."""
    name = referrer.full_name
    at = f" at {referrer.company}" if referrer.company else ""
    fact = reply_fact(reply, split_reply(reply.body).new_text or reply.body)
    sentences = [
        (f"{name}{at} suggested you are the right person to talk to about \"{topic}\".", [fact]),
        ("I would rather not keep writing to the wrong person, so I am checking with you "
         "directly.", []),
    ]  # fmt: skip
    return _save(session, referred.id, reply, "referral_intro", f"{name} suggested I reach out",
                 sentences, "Would a short overview be useful, or is someone else better placed?",
                 f"{name} referred us to {referred.full_name} in reply {reply.id}")  # fmt: skip


def answer_question(session: Session, lead: Lead, reply: Reply, question: str) -> Draft:
    """A pending answer: the lead's question quoted, plus the best matching content passage."""
    fact = reply_fact(reply, question)
    sentences = [(f'Thanks for your question: "{question.strip()[:200]}"', [fact])]
    passage = find_passage(session, question)
    if passage:
        sentences.append((f"Our {passage['title']} covers it: {passage['text']}", [passage]))
    else:
        sentences.append(("I am checking the details so I can give you a precise answer.", []))
    return _save(session, lead.id, reply, "answer_question", "Re: your question", sentences,
                 "Does that answer it, or would a 15-minute call be quicker?",
                 f"asked a question in reply {reply.id}")  # fmt: skip


def handle_objection(
    session: Session, lead: Lead, reply: Reply, competitor: str | None, quote: str
) -> Draft:
    """A pending response to pushback, citing the reply and, if any, a comparison passage."""
    fact = reply_fact(reply, quote)
    reason = f"that you already work with {competitor}" if competitor else "where things stand"
    sentences = [(f"Thank you for telling me {reason}.", [fact])]
    query = f"{competitor or ''} compare comparison switch price budget {quote}"
    passage = find_passage(session, query)
    if passage:
        sentences.append((f"In case it helps, our {passage['title']} notes: {passage['text']}",
                          [passage]))  # fmt: skip
    return _save(session, lead.id, reply, "handle_objection", "Re: your note", sentences,
                 "Would a short side-by-side be useful, or should I check back later?",
                 f"pushed back in reply {reply.id}"
                 + (f" (competitor: {competitor})" if competitor else ""))  # fmt: skip
