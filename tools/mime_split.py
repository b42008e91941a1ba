"""Split a reply body into its new text, the quoted history below it and the signature."""

from __future__ import annotations

import re

# "On <date>, X wrote:" and its German, French, Spanish, Dutch, Portuguese and Italian forms.
_ATTRIBUTION = re.compile(
    r"\s*(?:On\s.+\swrote|Am\s.+\sschrieb(?:\s.*)?|Le\s.+\sa\s+écrit|El\s.+\sescribió"
    r"|Op\s.+\sschreef(?:\s.*)?|Em\s.+\sescreveu|Il\s.+\sha\s+scritto)\s*:\s*",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"\s*(?:-{2,}\s*(?:Original Message|Ursprüngliche Nachricht|Message d'origine"
    r"|Mensaje original|Oorspronkelijk bericht|Messaggio originale|Forwarded message"
    r"|Weitergeleitete Nachricht|Message transféré|Mensaje reenviado|Doorgestuurd bericht)"
    r"\s*-{2,}|Begin forwarded message:)\s*",
    re.IGNORECASE,
)
# Outlook's header block: "From:" followed closely by "Sent:", "To:", "Subject:" (or translations).
_HEADER_FROM = re.compile(r"\s*\*?(?:From|Von|De|Van|Da)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_FIELD = re.compile(
    r"\s*\*?(?:Sent|Date|To|Cc|Subject|Gesendet|Datum|An|Betreff|Envoyé|À|Objet|Enviado(?: el)?"
    r"|Fecha|Para|Asunto|Verzonden|Aan|Onderwerp|Inviato|Data|A|Oggetto)\s*:",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(
    r"\s*(?:--\s*|(?:Sent|Envoyé|Enviado|Verzonden|Verstuurd|Inviato|Gesendet)\s+(?:from|with"
    r"|using|de|depuis|desde|vanaf|met|von|da)\s.{1,50}|Von meinem .{1,40} gesendet"
    r"|Get Outlook for .{1,40})",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"\s*(?:CONFIDENTIALITY NOTICE|CONFIDENTIAL:|DISCLAIMER|If you are not the intended recipient"
    r"|This (?:e-?mail|message|communication)\b.{0,60}"
    r"\b(?:confidential|privileged|intended (?:only|solely))"
    r"|The information (?:contained )?in this (?:e-?mail|message|communication)"
    r"|Diese (?:E-Mail|Nachricht)\b.{0,60}\bvertraulich"
    r"|Ce (?:message|courriel|e-mail)\b.{0,60}\bconfidenti"
    r"|Este (?:mensaje|correo)\b.{0,60}\bconfidencial"
    r"|Dit (?:bericht|e-mailbericht)\b.{0,60}\bvertrouwelijk"
    r"|Please consider the environment before printing)",
    re.IGNORECASE,
)


def _attribution_size(lines: list[str], index: int) -> int:
    """Return how many lines (1-3) form an attribution line starting at index, else 0."""
    for size in (1, 2, 3):
        if index + size > len(lines):
            break
        window = " ".join(line.strip() for line in lines[index : index + size])
        if len(window) > 300:
            break
        # A real attribution carries a date or an address; "On Monday as Jim wrote:" does not.
        if _ATTRIBUTION.fullmatch(window) and re.search(r"\d|@", window):
            return size
    return 0


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _quote_start(lines: list[str]) -> tuple[int, bool]:
    """Find where quoted history starts; the flag says whether replies may sit below it."""
    for index, line in enumerate(lines):
        if _is_quoted(line) or _attribution_size(lines, index):
            return index, True
        if _SEPARATOR.fullmatch(line):
            return index, False
        following = lines[index + 1 : index + 7]
        if _HEADER_FROM.match(line) and sum(bool(_HEADER_FIELD.match(x)) for x in following) >= 2:
            rule_above = index and re.fullmatch(r"\s*_{8,}\s*", lines[index - 1])
            return (index - 1 if rule_above else index), False
    return len(lines), False


def _unquoted_lines(block: list[str]) -> tuple[list[str], list[str]]:
    """Separate interleaved or bottom-posted reply lines from the quoted ones in a block."""
    kept: list[str] = []
    quoted: list[str] = []
    skip = 0
    for index, line in enumerate(block):
        skip = skip or _attribution_size(block, index)
        if skip or _is_quoted(line):
            quoted.append(line)
            skip = max(0, skip - 1)
        else:
            kept.append(line)
    return kept, quoted


def split_reply(text: str) -> tuple[str, str, str]:
    """Split a reply body into (new text, quoted history, signature), recognising common clients."""
    lines = re.sub(r"\r\n?", "\n", text or "").replace("\xa0", " ").split("\n")
    cut, may_bottom_post = _quote_start(lines)
    head, quoted = lines[:cut], lines[cut:]
    if may_bottom_post and not "".join(head).strip():
        head, quoted = _unquoted_lines(quoted)
    signature: list[str] = []
    seen_content = False
    for index, line in enumerate(head):
        # A disclaimer-like first line is more likely the reply itself, so it is kept.
        if _SIGNATURE.fullmatch(line) or (seen_content and _DISCLAIMER.match(line)):
            head, signature = head[:index], head[index:]
            break
        seen_content = seen_content or bool(line.strip())
    return "\n".join(head).strip(), "\n".join(quoted).strip(), "\n".join(signature).strip()
