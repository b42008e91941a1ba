"""The offline grammar's intents: which metric a question asks for, tried in a fixed order."""

from __future__ import annotations

from dataclasses import dataclass, field

from agent.analytics.grammar_rules import Text


@dataclass
class Intent:
    """A recognized question kind with the details it carries (metric, interval, n, ...)."""

    name: str
    extras: dict = field(default_factory=dict)
    filler: frozenset[str] = frozenset()


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


EMAIL_FILLER = _words(
    "email emails e-mail e-mails campaign campaigns sequence sequences step steps "
    "mail mails rate rates sent delivered our"
)
EMAIL_METRICS = (
    (r"\bpositive[ -]repl(?:y|ies)(?: rates?)?\b", "positive_reply_rate"),
    (r"\bclick[ -]?to[ -]?open(?: rates?)?\b|\bctor?\b", "click_to_open"),
    (r"\b(?:reply|response) rates?\b", "reply_rate"),
    (r"\bclick(?:[ -]?through)?[ -]rates?\b|\bctr\b", "click_rate"),
    (r"\bopen[ -]rates?\b", "open_rate"),
    (
        r"\bhow many (?:e-?mails?|sends) (?:were |did we |have we |we )?(?:sent|send)\b"
        r"|\bnumber of (?:e-?mails?|sends)(?: sent)?\b|\be-?mails? sent\b",
        "sent",
    ),
    (
        r"\b(?:e-?mail|campaign|sequence|newsletter) "
        r"(?:performance|stats|statistics|metrics|results)"
        r"\b|\bperform(?:ed|ing|ance)?\b|\bhow (?:did|do|does|is|are|was|were) (?:it |they |our |"
        r"the |my )?(?:e-?mails? |campaigns? |sequences? |newsletters? )?(?:doing|do)\b",
        "all",
    ),
)
DIMENSIONS = {
    "tier": "tier",
    "tiers": "tier",
    "stage": "stage",
    "stages": "stage",
    "source": "source",
    "sources": "source",
    "channel": "source",
    "channels": "source",
    "industry": "industry",
    "industries": "industry",
    "persona": "persona",
    "personas": "persona",
    "segment": "segment",
    "segments": "segment",
    "country": "country",
    "countries": "country",
    "lifecycle stage": "lifecycle_stage",
    "crm stage": "lifecycle_stage",
    "product interest": "product_interest",
    "product line": "product_interest",
}
_BY = r"\b(?:by|per|for each|split by|broken down by|grouped by|across|for every)\s+"
RATE_WORDS = _words("rate rates share percent percentage proportion conversion")


def _ai(text: Text) -> Intent | None:
    filler = _words("draft drafts rate reps approved approve replies reply time our average median")
    rules = (
        (
            r"\b(?:draft )?approval rate\b|\bdrafts? (?:were |are |get |got )?approved\b"
            r"|\bapproved drafts?\b|\bhow many drafts\b",
            "approval_rate",
        ),
        (
            r"\b(?:average |median )?edit distance\b|\bhow much (?:do|did) (?:reps|we) edit\b",
            "edit_distance",
        ),
        (
            r"\btime to approv(?:e|al)\b|\bapproval time\b"
            r"|\bhow long (?:does it take |do reps take "
            r"|did it take |it takes )?to approve\b",
            "time_to_approve",
        ),
        (
            r"\breply (?:labels?|intents?|categor(?:y|ies)|mix|breakdown)(?: mix| breakdown| "
            r"distribution)?\b|\blabel mix\b|\brepl(?:y|ies) by (?:label|intent|category)\b",
            "reply_label_mix",
        ),
    )
    for pattern, metric in rules:
        if text.take(pattern):
            return Intent("ai_metric", {"metric": metric}, filler)
    return None


def _email(text: Text) -> Intent | None:
    for pattern, metric in EMAIL_METRICS:
        if text.take(pattern):
            grouped = text.take(
                rf"{_BY}(?:campaigns?|sequences?|steps?|sequence steps?|e-?mails?)\b"
                r"|\beach (?:campaign|sequence|step)\b"
            )
            return Intent("email", {"metric": metric, "by_campaign": bool(grouped)}, EMAIL_FILLER)
    return None


def _trend(text: Text) -> Intent | None:
    match = text.take(r"\b(?:per|by|each|every|a) (day|week|month)\b|\b(daily|weekly|monthly)\b")
    overtime = text.take(r"\bover time\b|\btrends?\b|\btrending\b")
    if not match and not overtime:
        return None
    unit = (
        match[1] or {"daily": "day", "weekly": "week", "monthly": "month"}[match[2]]
        if match
        else "week"
    )
    mqls = text.take(r"\b(?:new )?mqls?\b|\b(?:became|become|reached|reaching|reach) (?:an )?mql\b")
    return Intent(
        "trend",
        {"interval": unit, "subject": "mqls" if mqls else "new_leads"},
        _words("new leads trend trends growth"),
    )


def _top(text: Text) -> Intent | None:
    match = text.take(
        r"\b(?:top|best|hottest) (\d+)\b|\b(\d+) (?:best|hottest|highest[ -]scoring|top)\b"
        r"|\b(?:best|hottest|highest[ -]scoring|top)\b(?=.*\bleads?\b)"
    )
    if not match:
        return None
    n = int(match[1] or match[2] or 10)
    order = text.take(r"\b(?:by|on|for) (fit|engagement)?[ -]?scores?\b|\bby (fit|engagement)\b")
    kind = (order[1] or order[2]) if order else None
    order_by = f"{kind}_score" if kind else "score"
    return Intent("top_leads", {"n": n, "order_by": order_by}, _words("leads score scoring"))


def _breakdown(text: Text) -> Intent | None:
    keys = "|".join(sorted(DIMENSIONS, key=len, reverse=True)).replace(" ", "[ -]")
    match = text.take(rf"{_BY}(?P<d>{keys})\b|\b(?P<e>{keys}) (?:breakdown|split|mix)\b")
    if not match:
        return None
    key = (match["d"] or match["e"]).replace("-", " ")
    return Intent(
        "breakdown",
        {"dimension": DIMENSIONS[key]},
        _words("breakdown break split broken down grouped distribution mix leads"),
    )


ORDERED_RULES: tuple[tuple[str, str, frozenset[str]], ...] = (
    (
        "speed_to_lead",
        r"\bspeed[ -]to[ -]lead\b|\btime to first touch\b|\bfirst[ -]touch time\b"
        r"|\bhow (?:fast|quickly) (?:do|did|does) (?:we|reps|sales) (?:follow up|respond|reach out"
        r"|touch|contact)(?: (?:on|to|with))?\b",
        _words("time median average hours our"),
    ),
    (
        "time_to_handoff",
        r"\btime[ -]to[ -]hand[ -]?off\b|\bhand[ -]?off time\b",
        _words("time median average hours our sales"),
    ),
    (
        "lead_velocity",
        r"\blead velocity(?: rate)?\b|\blvr\b|\bvelocity\b",
        _words("rate growth our"),
    ),
    (
        "mql_to_sql",
        r"\bmql[ -](?:to|into)[ -]sql\b|\bmqls? (?:became|become|converted (?:to|into)|turned "
        r"into) sqls?\b",
        _words("conversions converted") | RATE_WORDS,
    ),
    (
        "lead_to_opportunity",
        r"\blead[ -](?:to|into)[ -]opportunit(?:y|ies)\b|\bleads? (?:became|become|"
        r"converted (?:to|into)|turned into) opportunit(?:y|ies)\b"
        r"|\bopportunity (?:conversion )?rate\b",
        _words("conversions converted") | RATE_WORDS,
    ),
)
MQL_RATE = (
    r"\bmql (?:conversion )?rates?\b|\brate of (?:new )?leads? (?:becoming|reaching) mql\b"
    r"|\b(?:share|percentage|percent|proportion) of (?:new )?leads? (?:that |who )?"
    r"(?:became|become|reached|reach|turned) (?:an )?mqls?\b"
)
MQL_COUNT = (
    r"\b(?:became|become|becoming|reached|reach|reaching|turned|turned into|converted to|"
    r"converted into|hit|crossed into|went) (?:an |the )?mqls?\b|\bnew mqls\b|\bmqls\b"
    r"|\bmql count\b|\bnumber of mqls?\b|\bmarketing[ -]qualified leads\b"
)


def find_intent(text: Text) -> Intent | None:
    """The first intent, in priority order, whose phrase occurs in the text (and is then taken)."""
    if text.take(
        r"\b(?:went|gone|go|going|gotten|got|been|fell|fallen) (?:quiet|silent|dark|cold)\b"
        r"|\bstopped (?:engaging|responding|opening(?: e-?mails)?)\b"
        r"|\bno engagement since\b|\bdisengaged\b"
    ):
        text.take(r"\b(?:after|since)\b")
        return Intent("went_quiet", {}, _words("after since"))
    for finder in (_ai,):
        if intent := finder(text):
            return intent
    for name, pattern, filler in ORDERED_RULES:
        if text.take(pattern):
            return Intent(name, {}, filler)
    for finder in (_email, _trend):
        if intent := finder(text):
            return intent
    if text.take(MQL_RATE):
        return Intent("mql_rate", {}, _words("new leads") | RATE_WORDS)
    if text.take(MQL_COUNT):
        return Intent("mql_count", {}, _words("leads mql"))
    if text.take(
        r"\bscore (?:distribution|histogram|bands?)\b|\bdistribution of (?:lead )?scores\b"
        r"|\bscores? by band\b|\bhow are scores distributed\b"
    ):
        return Intent("score_distribution", {}, _words("leads lead"))
    if text.take(r"\b(?:sales |lead |marketing )?funnel\b"):
        return Intent("funnel", {}, _words("stages stage conversion"))
    for finder in (_top, _breakdown):
        if intent := finder(text):
            return intent
    if text.take(
        r"\bhow many\b|\bnumber of\b|\bcount(?: of)?\b|\bhow big\b|\bsize of\b"
        r"|\bwhich\b|\bwho\b|\blist(?: all)?\b|\bshow(?: me)?\b|\bwhat are\b|\bgive me\b"
    ):
        return Intent("count", {}, _words("big size"))
    return None
