"""Separate the new text of a reply from quoted history, signatures and legal disclaimers."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A line that opens quoted history on its own.
_QUOTE_OPENERS = re.compile(
    r"""^\s*(?:
        >                                                   # "> quoted line"
      | -{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|mensaje\s+original
          |message\s+d'origine|oorspronkelijk\s+bericht|mensagem\s+original
          |forwarded\s+message|weitergeleitete\s+nachricht|mensaje\s+reenviado
          |message\s+transféré|doorgestuurd\s+bericht|mensagem\s+encaminhada)\s*-{2,}
      | _{10,}\s*$                                          # Outlook separator line
      | begin\s+forwarded\s+message:
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# "On <date>, <name> wrote:" and its translations; may wrap over two lines.
_ATTRIBUTION = re.compile(
    r"""^\s*(?:
        on\s.{4,200}\swrote\s*:?
      | am\s.{4,200}\sschrieb.{0,80}:
      | el\s.{4,200}\sescribió\s*:?
      | le\s.{4,200}\sa\s+écrit\s*:?
      | op\s.{4,200}\sschreef.{0,80}:
      | em\s.{4,200}\sescreveu\s*:?
      | .{0,120}<[^>@\s]+@[^>\s]+>\s+(?:wrote|schrieb|escribió|a\s+écrit|schreef|escreveu)\s*:?
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Outlook-style header block: a From line followed closely by Sent/Date/To/Subject lines.
_HEADER_FROM = re.compile(r"^\s*\*?(?:from|von|de|van|da)\s?\*?:\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(
    r"^\s*\*?(?:sent|date|to|subject|gesendet|datum|an|betreff|enviado|enviada|fecha|para"
    r"|asunto|envoyé|à|objet|verzonden|aan|onderwerp|data|assunto)\s?\*?:",
    re.IGNORECASE,
)

# Lines from which everything below is signature or boilerplate.
_SIGNATURE_OPENERS = re.compile(
    r"""^\s*(?:
        --\s*$ | —\s*$ | __\s*$
      | sent\s+from\s+my\s+\w+ | sent\s+from\s+(?:outlook|mail\s+for|yahoo|gmail)
      | get\s+outlook\s+for\s+\w+
      | von\s+meinem\s+\w+\s+gesendet | gesendet\s+von\s+meinem
      | enviado\s+desde\s+mi\s+\w+ | envoyé\s+de\s+mon\s+\w+
      | verzonden\s+(?:vanaf|met)\s+mijn\s+\w+ | enviado\s+do\s+meu\s+\w+
      | this\s+e-?mail\s+(?:message\s+)?(?:and|\(and|is|may|contains|including)
      | the\s+information\s+(?:contained\s+)?in\s+this\s+(?:e-?mail|message|communication)
      | (?:confidentiality|legal)\s+(?:notice|disclaimer) | disclaimer\s*:
      | diese\s+e-?mail\s+(?:enthält\s+vertrauliche|ist\s+vertraulich|kann\s+vertrauliche)
      | este\s+(?:mensaje|correo)(?:\s+electrónico)?\s+(?:y\s+sus\s+anexos|es\s+confidencial
          |contiene\s+información)
      | ce\s+(?:message|courriel|mail)\s+(?:et\s+(?:toutes\s+)?(?:les\s+)?pièces|est\s+confidentiel
          |contient\s+des\s+informations)
      | dit\s+e-?mail(?:bericht)?\s+is\s+(?:vertrouwelijk|uitsluitend)
      | esta\s+mensagem\s+(?:e\s+seus\s+anexos|é\s+confidencial|contém\s+informações)
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# A sign-off standing alone on its line ("Best regards,"): what follows is the signature.
_SIGN_OFF = re.compile(
    r"^\s*(?:best|best\s+regards|kind\s+regards|regards|warm\s+regards|many\s+thanks|thanks|"
    r"thank\s+you|cheers|sincerely|br|mit\s+freundlichen\s+grüßen|viele\s+grüße|beste\s+grüße|"
    r"gruß|saludos|un\s+saludo|atentamente|cordialement|bien\s+à\s+vous|bonne\s+journée|"
    r"met\s+vriendelijke\s+groet(?:en)?|groeten|atenciosamente|abraços|obrigad[oa])\s*[,.!]?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ReplyParts:
    """A reply body cut into the new text, the quoted history and the signature block."""

    new_text: str
    quoted: str
    signature: str


def _quote_start(lines: list[str]) -> int:
    """Return the index of the first line of quoted history, or len(lines)."""
    for i, line in enumerate(lines):
        if _QUOTE_OPENERS.match(line) or _ATTRIBUTION.match(line):
            return i
        joined = f"{line} {lines[i + 1]}" if i + 1 < len(lines) else line
        if line.strip() and _ATTRIBUTION.match(joined):
            return i
        if _HEADER_FROM.match(line) and any(
            _HEADER_NEXT.match(nxt) for nxt in lines[i + 1 : i + 5]
        ):
            return i
    return len(lines)


def _signature_start(lines: list[str]) -> int:
    """Return the index of the first signature or disclaimer line, or len(lines)."""
    seen_text = False
    for i, line in enumerate(lines):
        if _SIGNATURE_OPENERS.match(line):
            return i
        if seen_text and _SIGN_OFF.match(line):
            return i
        seen_text = seen_text or bool(line.strip())
    return len(lines)


def split_reply(body: str) -> ReplyParts:
    """Split a reply body into new text, quoted history and signature."""
    lines = (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _quote_start(lines)
    head, quoted = lines[:cut], lines[cut:]
    sig = _signature_start(head)
    if not "\n".join(head[:sig]).strip():
        sig = len(head)  # nothing above the "signature": it was the message itself
    return ReplyParts(
        new_text="\n".join(head[:sig]).strip(),
        quoted="\n".join(quoted).strip(),
        signature="\n".join(head[sig:]).strip(),
    )


def new_text(body: str) -> str:
    """Return only what the sender wrote in this reply (no quotes, no signature)."""
    return split_reply(body).new_text


_REPLY_PREFIX = re.compile(
    r"^\s*(?:re|aw|wg|fw|fwd|sv|vs|rv|tr|antw|res|enc|r)\s*(?:\[\d+\])?\s*:", re.IGNORECASE
)


def reply_subject(subject: str) -> str:
    """Return the part of a subject the sender's system wrote ('' for a plain 'Re: ...' reply).

    Auto-generated subjects are '<notice>: <our original subject>'; only the notice part is kept,
    so words of our own subject ('Q3 pipeline', 'Quick question') never count as the reply's.
    """
    if not subject or _REPLY_PREFIX.match(subject):
        return ""
    notice = re.split(r"\s*:\s|\s+(?:re|aw|fw|fwd|wg)\s*:", subject, maxsplit=1, flags=re.I)[0]
    return notice.strip()
