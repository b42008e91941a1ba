"""Email and AI tools: campaign / step performance, went-quiet leads, draft and reply metrics."""

from __future__ import annotations

from agent.analytics.tool_args import AiArgs, EmailArgs, QuietArgs
from agent.analytics.tools import (
    ToolContext,
    ToolOutput,
    default_window,
    from_result,
    resolve,
    scoped_periods,
    tool,
    with_previous,
)
from agent.analytics.wording import cap, change, hours_text, pct, plural, small_sample, when
from tools.metrics_ai import (
    draft_approval_rate,
    draft_edit_distance,
    reply_label_mix,
    time_to_approve,
)
from tools.metrics_email import campaign_names, email_performance, went_quiet_after

RATE_WORDS = {
    "open_rate": "open rate",
    "click_rate": "click rate",
    "click_to_open": "click-to-open rate",
    "reply_rate": "reply rate",
    "positive_reply_rate": "positive-reply rate",
}


@tool(
    "email_performance", "Sends, opens, clicks, replies and rates per campaign or step", EmailArgs
)
def email_tool(ctx: ToolContext, args: EmailArgs) -> ToolOutput:
    """Email rates for the emails sent in a period (one campaign, or grouped by campaign)."""
    period, before = scoped_periods(ctx, args)
    if args.campaign and not campaign_names(ctx.session, args.campaign, limit=1):
        known = ", ".join(_themes(campaign_names(ctx.session, limit=200))) or "none yet"
        output = ToolOutput(name="", args={})
        output.cannot = f"no campaign or sequence is named like {args.campaign!r}; known: {known}"
        return output
    kw = {
        "campaign": args.campaign,
        "group_by": "auto" if args.by_campaign else "none",
        "lead_filter": args.filters,
        "as_of": ctx.now,
    }
    result = email_performance(ctx.session, period, **kw)
    n = result.numbers
    metric = "open_rate" if args.metric in ("all", "sent") else args.metric
    value = n["sent"] if args.metric == "sent" else n[metric]
    which = f"the {args.campaign} emails" if args.campaign else "emails"
    if not args.filters.is_empty():
        which += f" to {args.filters.describe()}"
    counts = (
        f"{n['sent']:.0f} sent, {n['delivered']:.0f} delivered, {n['opened']:.0f} opened, "
        f"{n['clicked']:.0f} clicked, {n['replied']:.0f} replied"
    )
    if args.metric == "sent":
        sentence = f"{plural(value, 'email')} ({which}) were sent {when(period)}."
    elif args.metric == "all":
        rates = ", ".join(f"{w} {pct(n[k])}" for k, w in RATE_WORDS.items())
        sentence = f"For {which} sent {when(period)}: {counts}; {rates}."
    else:
        sentence = (
            f"The {RATE_WORDS[metric]} of {which} sent {when(period)} is {pct(value)} ({counts})."
        )
    if args.by_campaign and result.rows:
        best = ", ".join(f"{r['group']} {pct(r[metric])}" for r in result.rows[:5])
        sentence += f" By campaign or step ({RATE_WORDS[metric]}): {best}."
    previous = email_performance(ctx.session, before, **kw) if before else None
    if previous:
        old = previous.numbers["sent"] if args.metric == "sent" else previous.numbers[metric]
        moved = change(value, old, rate=args.metric != "sent")
        shown = f"{old:.0f}" if args.metric == "sent" else pct(old)
        sentence += f" {cap(when(before))}: {shown} {moved}".rstrip() + "."
        previous = previous.model_copy(update={"value": old})
    output = from_result(result, sentence, value=value, chart="bars" if args.by_campaign else None)
    if args.by_campaign:
        output.numbers = {r["group"]: r[metric] for r in result.rows} | {"all": value}
    output.notes += [x for x in [small_sample(n["delivered"], "delivered email")] if x]
    return with_previous(output, previous)


def _themes(names: list[str]) -> list[str]:
    """Campaign names without their date suffix ("newsletter-20261020" -> "newsletter")."""
    return sorted({name.rstrip("0123456789").rstrip("-_") or name for name in names})


@tool("went_quiet", "Leads who received a campaign's email and have not engaged since", QuietArgs)
def quiet_tool(ctx: ToolContext, args: QuietArgs) -> ToolOutput:
    """Leads quiet since the latest email of a campaign named like `campaign`."""
    if not campaign_names(ctx.session, args.campaign, limit=1):
        known = ", ".join(_themes(campaign_names(ctx.session, limit=200))) or "none yet"
        output = ToolOutput(name="", args={})
        output.cannot = f"no campaign or sequence is named like {args.campaign!r}; known: {known}"
        return output
    period = resolve(args.period, ctx, None)
    result = went_quiet_after(
        ctx.session, args.campaign, period=period, lead_filter=args.filters, as_of=ctx.now
    )
    n = result.numbers
    sentence = (
        f"{plural(n['quiet'], 'lead')} of the {n['received']:.0f} {args.filters.describe()} who "
        f"received the {args.campaign} email{' ' + when(period) if period else ''} have not "
        "engaged since (no open of another email, click, visit, download, reply or meeting)."
    )
    return from_result(result, sentence)


@tool("ai_metric", "Draft approval rate, edit distance, time to approve, reply label mix", AiArgs)
def ai_tool(ctx: ToolContext, args: AiArgs) -> ToolOutput:
    """How the AI's drafts and reply classification are doing."""
    period = resolve(args.period, ctx, default_window(ctx))
    fn = {
        "approval_rate": draft_approval_rate,
        "edit_distance": draft_edit_distance,
        "time_to_approve": time_to_approve,
        "reply_label_mix": reply_label_mix,
    }[args.metric]
    result = fn(ctx.session, period)
    n = result.numbers
    if result.note and not result.sql:
        sentence = f"No {args.metric.replace('_', ' ')} yet: {result.note}."
    elif args.metric == "approval_rate":
        sentence = (
            f"Draft approval rate {when(period)}: {pct(result.value)} "
            f"({n['approved']:.0f} of {n['reviewed']:.0f} reviewed drafts approved)."
        )
    elif args.metric == "edit_distance" and not n["drafts"]:
        sentence = f"No reviewed draft created {when(period)} has an edit distance yet."
    elif args.metric == "edit_distance":
        sentence = (
            f"Reviewed drafts {when(period)} were edited by {n['mean_edit_distance']} characters "
            f"on average (median {n['median_edit_distance']}, {n['drafts']:.0f} drafts)."
        )
    elif args.metric == "time_to_approve":
        sentence = (
            f"Time to approve {when(period)}: median {hours_text(result.value)}, mean "
            f"{hours_text(n['mean_hours'])} over {plural(n['approved'], 'approved draft')}."
        )
    else:
        mix = ", ".join(f"{r['label']} {r['replies']} ({pct(r['share'])})" for r in result.rows)
        sentence = f"{plural(result.value, 'reply')} received {when(period)}: {mix or 'none'}."
        sentence = sentence.replace("replys", "replies")
    return from_result(result, sentence, chart="bars" if args.metric == "reply_label_mix" else None)
