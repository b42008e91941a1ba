"""`nurture draft <lead>` and `nurture drafts list|show|approve|edit|reject|regenerate`."""

from __future__ import annotations

import typer
from rich.table import Table

from cli.context import console, database, err_console

app = typer.Typer(help="Review drafts awaiting approval.", no_args_is_help=True)
ACTOR = typer.Option(..., "--as", help="your rep email or Slack user id (owner or approver)")


def print_draft(draft) -> None:
    """A draft with its cited sentences and the why-now brief."""
    from agent.brief import render_brief

    console.rule(f"draft {draft.id} · revision {draft.revision} · {draft.status}")
    console.print(f"[bold]Subject:[/bold] {draft.subject}\n")
    for sentence in draft.sentences:
        cites = f" [dim][{', '.join(sentence['fact_ids'])}][/dim]" if sentence["fact_ids"] else ""
        console.print(f"{sentence['text']}{cites}")
    console.print(f"\n{draft.body.rsplit(chr(10) * 2, 1)[-1]}\n")
    console.print(f"[dim]backend {draft.backend} · {draft.prompt_version}[/dim]")
    for line in render_brief(draft.brief or {}):
        console.print(f"  {line}", markup=False, highlight=False)


def draft(lead: str = typer.Argument(..., help="lead email, id or external id")) -> None:
    """Draft an email for a lead now and print it with its citations and brief."""
    from agent.entry import draft_for_lead
    from tools.drafts import get_draft
    from tools.leads import LeadNotFound, find_lead

    with database() as db:
        with db.session() as session:
            try:
                lead_id = find_lead(session, lead).id
            except LeadNotFound:
                err_console.print(f"[red]error:[/red] no lead {lead!r}")
                raise typer.Exit(1) from None
        outcome = draft_for_lead(db, lead_id)
        if outcome.draft_id is None:
            console.print(f"no draft: {outcome.status} (thread {outcome.thread_id})")
            return
        with db.session() as session:
            print_draft(get_draft(session, outcome.draft_id))


@app.command("list")
def list_(status: str = typer.Option("pending", help="draft status"), limit: int = 50) -> None:
    """Drafts in a status, oldest pending first."""
    from core.models import Lead
    from tools.drafts import list_drafts

    with database() as db, db.session() as session:
        table = Table("id", "lead", "subject", "status", "backend", "created", title="Drafts")
        for row in list_drafts(session, status or None, limit):
            lead = session.get(Lead, row.lead_id)
            table.add_row(
                str(row.id),
                lead.email or str(lead.id),
                row.subject,
                row.status,
                row.backend,
                f"{row.created_at:%Y-%m-%d %H:%M}",
            )
        console.print(table)


@app.command()
def show(draft_id: int) -> None:
    """One draft with citations and its brief."""
    from tools.drafts import DraftNotFound, get_draft

    with database() as db, db.session() as session:
        try:
            print_draft(get_draft(session, draft_id))
        except DraftNotFound:
            err_console.print(f"[red]error:[/red] no draft {draft_id}")
            raise typer.Exit(1) from None


def _review(draft_id: int, action: str, actor: str, **payload: str | None) -> None:
    """Run one review through the agent and report the outcome."""
    from agent.entry import DraftNotFound, NotAllowed, resume_review

    with database() as db:
        try:
            outcome = resume_review(db, draft_id, action, actor, **payload)
        except (NotAllowed, DraftNotFound, ValueError) as exc:
            err_console.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(1) from None
    console.print(f"draft {outcome.draft_id}: {outcome.message}")
    if not outcome.applied:
        raise typer.Exit(3)


@app.command()
def approve(draft_id: int, actor: str = ACTOR) -> None:
    """Approve a draft as written."""
    _review(draft_id, "approve", actor)


@app.command()
def edit(
    draft_id: int,
    actor: str = ACTOR,
    subject: str = typer.Option(None, help="new subject"),
    body: str = typer.Option(None, help="new body"),
) -> None:
    """Approve a draft with an edited subject and/or body."""
    _review(draft_id, "edit", actor, subject=subject, body=body)


@app.command()
def reject(draft_id: int, actor: str = ACTOR, reason: str = typer.Option(None)) -> None:
    """Reject a draft, with a reason."""
    _review(draft_id, "reject", actor, reason=reason)


@app.command()
def regenerate(draft_id: int, instruction: str, actor: str = ACTOR) -> None:
    """Ask for a new revision following an instruction."""
    _review(draft_id, "regenerate", actor, instruction=instruction)


DEMO_DRAFTS = 4  # pending drafts the demo leaves for the hottest leads


def show_demo_drafts(db, lead_ids: list[int], limit: int = DEMO_DRAFTS) -> None:
    """Draft for the hottest leads (end of `nurture demo`) and show the first draft in full."""
    from agent.entry import draft_for_lead
    from core.models import Lead
    from tools.drafts import get_draft

    table = Table(
        "draft", "lead", "subject", "status", "backend", "cites", title="Drafts to review"
    )
    shown = None
    for lead_id in lead_ids:
        if len(table.rows) >= limit:
            break
        outcome = draft_for_lead(db, lead_id)
        if outcome.draft_id is None:
            continue
        with db.session() as session:
            row = get_draft(session, outcome.draft_id)
            email = session.get(Lead, lead_id).email
            table.add_row(
                str(row.id), email, row.subject, row.status, row.backend, ", ".join(row.citations)
            )
            shown = shown or row
    if shown is not None:
        print_draft(shown)
    console.print(table)
    console.print("review with `nurture drafts list` / `nurture drafts approve ID --as REP`")
