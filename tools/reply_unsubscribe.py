"""Unsubscribe, spam-complaint and legal-threat wording, with negation and typo handling."""

from __future__ import annotations

import re


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE | re.VERBOSE)


_UNSUB_WHOLE = _rx(
    r"""^\W*(?:please\s+)?(?:unsubscribe(?:\s+me)?|unsub|stop|remove(?:\s+me)?|opt[\s-]?out
    |stop\s+(?:please|it|this|now)|spam|abmelden|austragen|baja|désinscrire|désabonner|uitschrijven|afmelden
    |descadastrar|sair)(?:\s+please)?\W*$"""
)
_UNSUB_ACTS = _rx(
    r"""unsubscribe\s+(?:me|us|this|from|now|asap|immediately)|please\s+unsubscribe
    |(?:remove|delete|take|drop|erase)\s+(?:me|us|it|them|my\s+(?:e-?mail|address|details|name
        |contact|data)|this\s+address)\b.{0,30}\b(?:from|off)\b|take\s+me\s+off|off\s+(?:your|this|the)
        \s+(?:mailing\s+|e-?mail\s+|distribution\s+)?list
    |stop\s+(?:e-?mailing|mailing|contacting|sending|spamming|messaging|writing|emailing)\b
    |(?:do\s+not|don'?t|never)\s+(?:e-?mail|contact|write\s+to|message|spam)\s+(?:me|us)
    |(?:be|get|been|being)\s+removed\s+from|remove\s+my\s+(?:e-?mail|address|contact|details)
    |opt\s+(?:me\s+)?out|cease\s+(?:all\s+)?(?:further\s+)?(?:communication|contact|e-?mails)
    |no\s+(?:more|further)\s+(?:e-?mails|emails|messages|contact|mails)
    |i\s+(?:never|did\s+not|didn'?t)\s+(?:signed?\s+up|subscribe|opt(?:ed)?\s+in|ask(?:ed)?\s+for
        \s+(?:this|these)|gave?\s+(?:you\s+)?(?:permission|consent))
    |report(?:ed|ing)?\s+(?:you\s+|this\s+)?(?:as|for)\s+spam|this\s+is\s+spam
    |\b(?:is|es|est|ist|é|são|son|sind)\s+(?:du\s+|de\s+)?spam\b|ongevraagd|unerwünscht|unverlangt
    |no\s+solicitad|non\s+sollicité|não\s+solicitad|no\s+(?:me\s+)?vuelvan\s+a\s+(?:escribir|enviar
    |contactar)|haal\s+(?:me|mij|mijn\s+\w+)\s+(?:\w+\s+){0,3}(?:uit|van)\b
    |mark(?:ed|ing)?\s+(?:this|it|you)?\s*as\s+spam
    |(?:delete|erase|remove)\s+(?:all\s+)?(?:my|our)\s+(?:personal\s+)?(?:data|information|details)
    |right\s+to\s+(?:be\s+forgotten|erasure)|(?:talk(?:ing)?|speak(?:ing)?)\s+to\s+(?:my|our)
        \s+(?:lawyer|attorney|solicitor)|hear(?:ing)?\s+from\s+(?:my|our)\s+(?:lawyer|attorney)
    |legal\s+action|sue\s+you|report\s+(?:you|this)\s+to|can-?spam|unsolicited
    |abmelden|abbestellen|(?:aus|von)\s+(?:ihrem|eurem|dem|diesem|ihrer)\s+(?:verteiler|newsletter
        |liste|mailingliste)|austragen|keine\s+(?:weiteren\s+)?(?:e-?mails|mails|nachrichten|werbung)
    |nicht\s+mehr\s+(?:kontaktieren|anschreiben|anmailen|schreiben)|widersprech|widerspreche
    |löschen\s+sie\s+meine|löschung\s+meiner|rechtliche\s+schritte|abmahnung
    |dar(?:me|nos)?\s+de\s+baja|no\s+(?:quiero|deseo)\s+recibir\s+más|dejen?\s+de\s+(?:enviar|escribir|mandar)
    |(?:eliminen|borren|borrar|eliminar)\s+mis\s+datos|no\s+me\s+(?:escriban|contacten)
    |acciones\s+legales
    |désinscri|désabonn|retirez[\s-]moi|supprimez\s+mes|arrêtez\s+de\s+m'envoyer
    |ne\s+(?:plus|pas)\s+(?:recevoir|me\s+contacter|m'envoyer|m'écrire)|ne\s+me\s+(?:contactez|écrivez)\s+plus|cessez
    |uitschrijven|schrijf\s+(?:me|mij)\s+(?:\w+\s+){0,3}uit\b|afmelden|verwijder\s+(?:me|mij|mijn)
    |geen\s+(?:e-?mails|mails|berichten)\s+meer|niet\s+meer\s+(?:ontvangen|mailen|benaderen)
    |stop\s+met\s+(?:mailen|e-?mailen)
    |descadastr|remova\s+(?:me|meu|o\s+meu)|não\s+quero\s+(?:mais\s+)?receber
    |parem?\s+de\s+(?:enviar|mandar)|cancelar\s+(?:a\s+|minha\s+)?inscrição|excluir\s+meus\s+dados"""
)
# A negation right before a stop phrase ("please don't unsubscribe me") cancels it.
_NEGATED = _rx(
    r"""(?:don'?t|do\s+not|never|not|no\s+need\s+to|nicht|niet)\s+(?:(?:want|need|ask(?:ing)?|trying)
    \s+(?:you\s+)?to\s+)?(?:please\s+)?$"""
)
_SELF_NEGATED = ("do not", "don", "never", "no ", "ne ", "não", "nicht", "niet")


_GREETING = _rx(
    r"""^(?:hi|hello|hey|dear|hallo|guten\s+tag|hola|buenos\s+días|bonjour|hoi|beste|olá|oi)
    \b[^\n,]{0,30}[,\n]\s*"""
)
_TYPO_VOCAB = ("unsubscribe", "remove", "please", "contacting", "emailing", "mailing", "cease")


def _typo_variants(word: str) -> set[str]:
    """Spellings of `word` with two neighbours swapped, one letter dropped or one letter added."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    swaps = {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    drops = {word[:i] + word[i + 1 :] for i in range(len(word))}
    adds = {word[:i] + c + word[i:] for i in range(len(word) + 1) for c in letters}
    return (swaps | drops | adds) - {word}


_TYPOS: dict[str, str] = {
    variant: word for word in _TYPO_VOCAB for variant in _typo_variants(word) if len(variant) >= 5
}


def _fix_typos(text: str) -> str:
    """Correct quick-typing slips in the few words stop requests are made of."""
    return re.sub(r"[A-Za-z]{5,}", lambda m: _TYPOS.get(m.group(0).lower(), m.group(0)), text[:400])


def detect_unsubscribe(text: str) -> str | None:
    """Return why the new text asks to stop, complains of spam or threatens legally, or None."""
    reason = _detect_unsubscribe(text)
    if reason is None:
        fixed = _fix_typos(text)
        if fixed != text[:400]:
            reason = _detect_unsubscribe(fixed)
    return reason


def _detect_unsubscribe(text: str) -> str | None:
    if _UNSUB_WHOLE.match(_GREETING.sub("", text.strip())):
        return "whole reply is a stop/unsubscribe word"
    for match in _UNSUB_ACTS.finditer(text):
        phrase = match.group(0).lower()
        before = text[max(0, match.start() - 40) : match.start()]
        if not phrase.startswith(_SELF_NEGATED) and _NEGATED.search(before):
            continue
        return f"stop/complaint wording: {match.group(0).strip()!r}"
    return None


_UNSUB_LOOSE = _rx(
    r"""unsub|remove|\bstop(?!\s+(?:by|in|over)\b)|opt[\s-]?out|spam|contact(?:ing)?\s+me|abmeld|austrag
    |verteiler|baja|désinscri|désabonn|uitschrijv|afmeld|descadastr|cancelar|gdpr|dsgvo|rgpd
    |lawyer|attorney|legal"""
)


def has_loose_unsubscribe_wording(text: str) -> bool:
    """True when the text has any non-negated stop/remove/spam word (weaker than the rules)."""
    for match in _UNSUB_LOOSE.finditer(text):
        if not _NEGATED.search(text[max(0, match.start() - 40) : match.start()]):
            return True
    return False
