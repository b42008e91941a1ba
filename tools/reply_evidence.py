"""Lexical evidence per label: the words that let a higher-precedence intent win a mixed reply."""

from __future__ import annotations

import re

from tools.reply_extract import DEFAULT_COMPETITORS, EMAIL_RX, extract_proposed_times

_COMPETITOR_RX = "|".join(re.escape(name.lower()) for name in DEFAULT_COMPETITORS)

_EVIDENCE: dict[str, re.Pattern[str]] = {
    "referral": re.compile(
        r"right\s+person|wrong\s+(?:person|contact)|colleague|reach\s+out\s+to|talk\s+to|speak\s+"
        r"(?:with|to)|in\s+charge|responsible|handles|owns|successor|replacement|left\s+the"
        r"|no\s+longer|not\s+my\s+(?:area|department)|zuständig|kolleg|wenden\s+sie\s+sich"
        r"|persona\s+adecuada|contacte|compañer|bonne\s+personne|collègue|contacter|juiste\s+persoon"
        r"|collega|neem\s+contact|pessoa\s+certa|fale\s+com|colega|cc'?d|looping\s+in",
        re.IGNORECASE,
    ),
    "meeting_request": re.compile(
        r"\bcall\b|\bmeet|\bdemo\b|\bchat\b|\btalk\b|\bspeak\b|\bphone\b|zoom|teams|calendar"
        r"|invite|calendly|\bslot|schedul"
        r"|\bbook\b|available|availability|\bfree\s+(?:on|at|for|this|next)|walkthrough"
        r"|telefon|termin|gespräch|llamada|reunión|agendar|appel|réunion|rendez|échange|bellen"
        r"|afspraak|reunião|chamada|marcar",
        re.IGNORECASE,
    ),
    "question": re.compile(
        r"^\s*(?:what|how|is|are|do|does|can|could|would|which|where|when|who|why)\b"
        r"|wondering|curious\s+(?:whether|if)|let\s+me\s+know\s+(?:if|whether)",
        re.IGNORECASE | re.MULTILINE,
    ),
    "objection": re.compile(
        r"expensive|pric(?:e)?y|too\s+much|\bcosts?\s+(?:too|more|a\s+lot)|no\s+budget|budget\s+(?:is|'s"
        r"|was)\s+(?:frozen|tight|cut|gone)|(?:don'?t|do\s+not)\s+have\s+(?:the\s+|a\s+)?budget"
        r"|afford|already\s+(?:use|using|have|on)|we\s+use|went\s+with|contract|in-house|internal"
        r"|(?:no|don'?t)\s+(?:real\s+)?need|overkill|too\s+small|policy|not\s+convinced|tried"
        r"|\broi\b|teuer|kein\s+(?:bedarf|budget)|caro|presupuesto|cher|duur|orçamento"
        rf"|{_COMPETITOR_RX}",
        re.IGNORECASE,
    ),
    "not_now": re.compile(
        r"not\s+(?:right\s+)?now|later|timing(?:'s|\s+is)?\s+(?:not|isn'?t|bad)|bad\s+timing"
        r"|not\s+the\s+right\s+time|not\s+a\s+priority|busy|swamped|next\s+(?:week|month|quarter"
        r"|year)|circle\s+back|revisit|reconnect|check\s+(?:back|in)|follow\s+up|future"
        r"|down\s+the\s+road|\bq[1-4]\b|until|jetzt\s+nicht|später|momentan|ahora\s+no|más\s+adelante"
        r"|pas\s+(?:maintenant|pour\s+le\s+moment)|plus\s+tard|nu\s+niet|agora\s+não|mais\s+tarde",
        re.IGNORECASE,
    ),
    "not_interested": re.compile(
        r"not\s+interested|no\s+thanks|\bpass\b|no\s+interest|kein\s+interesse|no\s+(?:nos|me)\s+"
        r"interesa|pas\s+intéress|geen\s+interesse|não\s+(?:tenho|temos)\s+interesse|^\s*no\b|nope",
        re.IGNORECASE,
    ),
    "interested": re.compile(r"interest|yes|sure|great|love|send|ja\b|sí|oui|sim\b", re.IGNORECASE),
}


# "Can you ping me in two weeks?" asks for an action, not for information.
_REQUEST = re.compile(
    r"^\W*(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:ping|send|reach|e-?mail|call|contact"
    r"|follow|get\s+back|circle|check|remind|try|write|resend|forward)\b",
    re.IGNORECASE,
)


def _asks_for_information(text: str) -> bool:
    """True when some sentence ending in '?' is a question rather than a request to act."""
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
        if sentence.rstrip().endswith("?") and not _REQUEST.search(sentence.split(" - ")[-1]):
            return True
    return False


def has_evidence(label: str, text: str) -> bool:
    """True when the text carries words that back `label` (an email address backs referral)."""
    if label == "referral" and EMAIL_RX.search(text):
        return True
    if label == "question" and _asks_for_information(text):
        return True
    if label == "meeting_request" and extract_proposed_times(text):
        return True
    pattern = _EVIDENCE.get(label)
    return bool(pattern and pattern.search(text))
