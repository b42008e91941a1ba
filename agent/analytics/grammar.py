"""The offline question grammar: a question parsed deterministically to the same typed tool calls.

A question is read as phrases; each recognized phrase is taken out, and if any word is left that
is not filler ("how", "many", "the", ...) the grammar refuses (CannotAnswer) rather than guess.

    question   := [action] query | query
    action     := "save" lead_set "as a segment" ["named"|"called" NAME]
                | "create a segment" ["named"|"called"] NAME ("of"|"from"|"with") lead_set
                | ("enroll"|"add"|"put") lead_set ("in"|"into"|"on") ["the"] ["sequence"] SEQ
    lead_set   := "these" | "them" | "those" ["N leads"]     (the leads of the previous question)
                | query whose tool lists leads (count/list, top N, went quiet, became MQL, segment)
    query      := intent + [filters] + [time] + [comparison] + [group]

Intents (first match wins): "went quiet / silent / dark after the X email" (went_quiet); draft
"approval rate", "edit distance", "time to approve", "reply label mix" (ai_metric); "speed to
lead", "time to handoff" (timing); "lead velocity" (lead_velocity); "nurtured vs not nurtured"
(nurtured_vs_not); "MQL to SQL", "lead to opportunity" (conversion); "open / click /
click-to-open / reply / positive-reply rate", "emails sent", "how did the X campaign perform"
[by campaign|step] (email_performance); "per day / week / month", "weekly", "over time", "trend"
(leads_trend, of new leads or MQLs); "MQL rate" (mql_rate); "became / reached MQL", "MQLs"
(mql_count); "score distribution" (score_distribution); "funnel" (funnel); "top N", "best",
"hottest" [by fit / engagement score] (top_leads); "by tier / stage / source / industry / persona /
segment / country" (leads_breakdown); "how many", "which", "who", "list", "show" (count_leads,
or segment_size for a bare segment); "why / explain" + a lead id or email (explain_score).

Filters: segments by name ("in the high intent segment", "segment inactive_30d"); industries
(fintech, saas, e-commerce, ...); personas (founders, marketing managers, ...); tiers (mql, warm,
cold; "hot" = mql); stages (awareness, consideration, decision); CRM stages (customers,
opportunities, closed lost, SQLs); countries after "in / from" (Germany, the US, ...); product
interest ("interested in analytics"); sources in context ("webinar leads", "from ads", "source
organic"); behaviour ("who requested a demo", "visited pricing", "attended a webinar", ...). Values
found in the database (industries, personas, sources, segments) are recognized too.

Time (see `periods.py`): today, yesterday, this / last week, month, quarter, year, last N days /
weeks / months, the past week, in October [2026], Q3 [2026], in 2026, YYYY-MM-DD..YYYY-MM-DD, all
time. Comparison: "compared with / vs / versus / than" + a time or "the previous period";
"month over month". Without a time, flow metrics use the last 30 days (90 for trends and cohorts)
and lead counts mean "right now".
"""

from __future__ import annotations

import re
from datetime import datetime

from agent.analytics.answer import CannotAnswer
from agent.analytics.grammar_intents import Intent, find_intent
from agent.analytics.grammar_plan import Plan, Step, cannot, lead_set, plan_for
from agent.analytics.grammar_rules import (
    Ambiguous,
    Text,
    take_behaviours,
    take_campaign,
    take_comparison,
    take_filters,
    take_lead_ref,
    take_period,
    take_segment,
)
from agent.analytics.grammar_vocab import Vocabulary

ACTION_SAVE = re.compile(
    r"^(?:please )?(?:save|store|keep)\s+(?P<set>.+?)\s+(?:as|into) (?:a |the )?(?:new )?segment"
    r"(?:\s+(?:named|called))?(?:\s+(?P<name>[a-z0-9_]+))?$"
    r"|^(?:please )?(?:create|make) (?:a |the )?(?:new )?segment(?:\s+(?:named|called))?"
    r"\s+(?P<name2>[a-z0-9_]+)\s+(?:of|from|with|for)\s+(?P<set2>.+)$"
)
ACTION_ENROLL = re.compile(
    r"^(?:please )?(?:enroll|enrol|add|put)\s+(?P<set>.+?)\s+(?:in|into|on|to)\s+(?:the\s+)?"
    r"(?:sequence\s+)?(?P<seq>[a-z0-9][a-z0-9_-]*)(?:\s+sequence)?$"
)
THESE = re.compile(r"^(?:all )?(?:these|them|those|the same)(?: \d+)?(?: leads| people| ones)?$")


def parse(
    question: str, vocab: Vocabulary, now: datetime, previous: str | None = None
) -> Plan | CannotAnswer:
    """Parse a question (and, for "these", the previous one) into a plan of tool calls."""
    text = Text(question)
    for pattern, kind in ((ACTION_SAVE, "save"), (ACTION_ENROLL, "enroll")):
        if match := pattern.match(text.rest()):
            return _action(question, kind, match, vocab, now, previous)
    try:
        return _query(question, text, vocab, now)
    except Ambiguous as exc:
        return cannot(question, str(exc))


def _query(question: str, text: Text, vocab: Vocabulary, now: datetime) -> Plan | CannotAnswer:
    """Take phrases in a fixed order (lead, cohort, comparison, time, email, behaviour, intent)."""
    if lead_ref := take_lead_ref(text):
        # The only lead-specific tool: any question naming one lead gets its score explained.
        return Plan(steps=[Step(tool="explain_score", args={"lead": lead_ref})])
    # Segment names may hold time words ("new this week"): they go before periods.
    segment = take_segment(text, vocab)
    nurtured = text.take(
        r"\bnurtured (?:vs\.?|versus|compared (?:with|to)|and|against) (?:not|non"
        r"|un)[ -]?nurtured\b|\b(?:not|non)[ -]nurtured\b|\bnurture cohorts?\b"
    )
    compare = take_comparison(text)
    period = take_period(text, now)
    campaign = take_campaign(text)
    did = take_behaviours(text)
    if text.has(r"\bwhy\b.*\bscor|\bexplain\b"):
        return cannot(question, "which lead? Give its id (lead 42) or its email address")
    if nurtured:
        text.take(r"\bmql (?:conversion )?rates?\b|\bmql\b")  # the metric this cohort view shows
        intent = Intent("nurtured_vs_not", {}, frozenset({"rate", "rates", "conversion"}))
    else:
        intent = find_intent(text)
    filters = take_filters(text, vocab)
    if segment:
        filters["segment"] = segment
    if did:
        filters["did"] = did
    if intent is None:
        if not filters and not (period and text.has(r"\bleads?\b")):
            return cannot(question, _unknown(text) or "I could not tell which metric you want")
        intent = Intent("count")
    extra = [w for w in text.leftovers() if w not in intent.filler]
    if extra:
        return cannot(question, _unknown(text, extra))
    return plan_for(question, intent, filters, period, compare, campaign)


def _unknown(text: Text, words: list[str] | None = None) -> str:
    words = words if words is not None else text.leftovers()
    if not words:
        return ""
    quoted = ", ".join(repr(w) for w in words[:6])
    return f"I do not know how to answer the part with {quoted}; here is what I can answer"


def _action(question, kind, match, vocab, now, previous) -> Plan | CannotAnswer:
    """ "save ... as a segment" / "enroll ... in sequence X": a lead set, then a proposal."""
    phrase = (match["set"] or match.groupdict().get("set2") or "").strip()
    if THESE.match(phrase):
        if not previous:
            return cannot(
                question,
                "which leads? Ask a question that lists leads first, "
                "or pass the previous question along",
            )
        phrase = previous
    inner = parse(phrase, vocab, now)
    if isinstance(inner, CannotAnswer):
        return cannot(question, f"I could not tell which leads you mean: {inner.reason}")
    leads = lead_set(inner.steps[0])
    if leads is None:
        return cannot(
            question,
            "I can only act on a list of leads (filters, top N, went quiet, became MQL, a segment)",
        )
    leads = {k: v for k, v in leads.items() if v not in (None, {})}
    if kind == "save":
        name = match["name"] or match.groupdict().get("name2")
        args = {"leads": leads, **({"name": name} if name else {})}
        return Plan(steps=[Step(tool="propose_segment", args=args)])
    return Plan(
        steps=[Step(tool="propose_enrollment", args={"sequence": match["seq"], "leads": leads})]
    )
