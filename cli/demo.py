"""`nurture demo`: the main job end to end on embedded defaults, no key, no network."""

from __future__ import annotations

import time

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from cli.context import console, database, err_console


def demo(
    leads: int = typer.Option(1200, help="demo leads to generate"),
    seed: int = typer.Option(7, help="random seed (same seed, same data)"),
    top: int = typer.Option(8, help="top leads to show"),
    month_leads: int = typer.Option(60, help="leads in the simulated month of sequences (0: skip)"),
) -> None:
    """Start the database, migrate, load the demo data, score, and summarise."""
    from sqlalchemy import select

    from core.demo_data import generate
    from core.models import Segment
    from tools.leads import explain, find_lead, list_leads, tier_counts
    from tools.rescore import rescore
    from tools.segments import count_members

    started = time.perf_counter()
    dataset = generate(seed=seed, n_leads=leads)
    with database() as db, db.session() as session:
        from tools.demo_loader import load_demo

        total = len(dataset.leads) + len(dataset.events)
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=err_console, transient=True) as bar:
            task = bar.add_task("loading demo data through /v1/batch ingestion", total=total)
            loaded = load_demo(session, dataset, lambda n: bar.advance(task, n))
        rescore(session, None, cause="rescore")
        session.commit()
        console.rule("[bold]nurture demo")
        console.print(
            f"{len(dataset.leads)} leads, {len(dataset.accounts)} accounts, "
            f"{len(dataset.events)} events: {loaded['stored']} stored, "
            f"{loaded['duplicates']} already there (re-runs are idempotent)"
        )
        counts = tier_counts(session)
        tiers = Table("tier", "leads", title="Tiers")
        for tier in ("mql", "warm", "cold"):
            tiers.add_row(tier, str(counts.get(tier, 0)))
        console.print(tiers)
        hot, _ = list_leads(session, limit=top)
        table = Table("lead", "company", "score", "tier", "stage", "why", title="Top leads")
        for row in hot:
            why = explain(session, find_lead(session, row["id"])).top_reasons(3)
            name = " ".join(filter(None, (row["first_name"], row["last_name"])))
            table.add_row(
                name,
                row["company"] or "",
                str(row["score"]),
                row["tier"],
                row["stage"],
                "; ".join(why),
            )
        console.print(table)
        sizes = Table("segment", "size", "filter", title="Segments")
        for seg in session.scalars(select(Segment).order_by(Segment.name)):
            sizes.add_row(seg.name, str(count_members(session, seg.filter)), seg.filter)
        console.print(sizes)
        from cli.slack import show_slack_preview

        show_slack_preview(session)
        from cli.drafts import show_demo_drafts

        session.commit()  # the agent uses its own connections; hold no transaction open
        show_demo_drafts(db, [row["id"] for row in hot])
    from cli.demo_month import show_simulated_month

    show_simulated_month(dataset, sample_size=month_leads, seed=seed)
    console.print(f"done in {time.perf_counter() - started:.1f}s")
