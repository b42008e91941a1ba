"""Line patterns that mark quoted history, signatures and disclaimers in a reply body.

Used by tools/reply_text.py. Each pattern is matched against one line (or a short run of lines
joined by spaces for attributions that wrap). Languages: English, German, French, Spanish, Dutch,
Portuguese and Italian, the mail clients' own wording.
"""

from __future__ import annotations

import re

# A line that opens quoted history with no reply text expected below it.
SEPARATOR = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:original\s+message|ursprüngliche\s+nachricht|mensaje\s+original
          |message\s+d'origine|oorspronkelijk\s+bericht|mensagem\s+original|messaggio\s+originale
          |forwarded\s+message|weitergeleitete\s+nachricht|mensaje\s+reenviado
          |message\s+transféré|doorgestuurd\s+bericht|mensagem\s+encaminhada)\s*-{2,}
      | begin\s+forwarded\s+message:
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)

# Outlook's rule above its header block.
RULE = re.compile(r"^\s*_{8,}\s*$")

# "On <date>, X wrote:" and its translations; may wrap over up to three lines.
ATTRIBUTION = re.compile(
    r"""^\s*(?:
        on\s.+\swrote
      | am\s.+\sschrieb(?:\s.*)?
      | le\s.+\sa\s+écrit
      | el\s.+\sescribió
      | op\s.+\sschreef(?:\s.*)?
      | em\s.+\sescreveu
      | il\s.+\sha\s+scritto
    )\s*:\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# "Alex Rivera <alex@example.com> wrote:" on one line of its own.
ATTRIBUTION_BY_ADDRESS = re.compile(
    r"^[^.!?]{0,120}<[^>@\s]+@[^>\s]+>\s+(?:wrote|schrieb|escribió|a\s+écrit|schreef|escreveu)"
    r"\s*:\s*$",
    re.IGNORECASE,
)

# Outlook-style header block: a From line followed closely by Sent/Date/To/Subject lines.
HEADER_FROM = re.compile(r"^\s*\*?(?:from|von|de|van|da)\s*\*?:\s*\S", re.IGNORECASE)
HEADER_FIELD = re.compile(
    r"^\s*\*?(?:sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|à|objet"
    r"|enviado(?:\s+el)?|enviada|fecha|para|asunto|verzonden|aan|onderwerp|inviato|data|a"
    r"|oggetto|assunto)\s*\*?:",
    re.IGNORECASE,
)

# Lines from which everything below is signature or boilerplate.
SIGNATURE = re.compile(
    r"""^\s*(?:
        --\s*$ | —\s*$ | __\s*$
      | (?:sent|envoyé|enviado|verzonden|verstuurd|inviato|gesendet)\s+(?:from|with|using|de
          |depuis|desde|vanaf|met|von|da|do)\s.{1,50}$
      | von\s+meinem\s+.{1,40}\s+gesendet | gesendet\s+von\s+meinem
      | enviado\s+desde\s+mi\s+\w+ | envoyé\s+de\s+mon\s+\w+
      | verzonden\s+(?:vanaf|met)\s+mijn\s+\w+ | enviado\s+do\s+meu\s+\w+
      | get\s+outlook\s+for\s+.{1,40}$
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# Legal boilerplate. On the first line it is more likely the reply itself, so it only cuts
# once some text has been seen.
DISCLAIMER = re.compile(
    r"""^\s*(?:
        confidentiality\s+notice | confidential: | disclaimer | legal\s+(?:notice|disclaimer)
      | if\s+you\s+are\s+not\s+the\s+intended\s+recipient
      | this\s+e-?mail\s+(?:message\s+)?(?:and|\(and|is|may|contains|including)
      | this\s+(?:message|communication)\b.{0,60}\b(?:confidential|privileged|intended\s+(?:only
          |solely))
      | the\s+information\s+(?:contained\s+)?in\s+this\s+(?:e-?mail|message|communication)
      | diese\s+(?:e-?mail|nachricht)\b.{0,60}\bvertraulich
      | ce\s+(?:message|courriel|e-?mail)\b.{0,60}\bconfidenti
      | este\s+(?:mensaje|correo)\b.{0,60}\bconfidencial
      | este\s+(?:mensaje|correo)(?:\s+electrónico)?\s+(?:y\s+sus\s+anexos|contiene\s+información)
      | ce\s+(?:message|courriel|mail)\s+(?:et\s+(?:toutes\s+)?(?:les\s+)?pièces
          |contient\s+des\s+informations)
      | dit\s+(?:bericht|e-?mail(?:bericht)?)\b.{0,60}\b(?:vertrouwelijk|uitsluitend)
      | esta\s+mensagem\s+(?:e\s+seus\s+anexos|é\s+confidencial|contém\s+informações)
      | please\s+consider\s+the\s+environment\s+before\s+printing
    )""",
    re.IGNORECASE | re.VERBOSE,
)

# A sign-off standing alone on its line ("Best regards,"): what follows is the signature.
SIGN_OFF = re.compile(
    r"^\s*(?:best|best\s+regards|kind\s+regards|regards|warm\s+regards|many\s+thanks|thanks|"
    r"thank\s+you|cheers|sincerely|br|mit\s+freundlichen\s+grüßen|viele\s+grüße|beste\s+grüße|"
    r"gruß|saludos|un\s+saludo|atentamente|cordialement|bien\s+à\s+vous|bonne\s+journée|"
    r"met\s+vriendelijke\s+groet(?:en)?|groeten|atenciosamente|abraços|obrigad[oa]|"
    r"cordiali\s+saluti|grazie)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
