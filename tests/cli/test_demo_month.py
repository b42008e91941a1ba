"""The demo's simulated month, shortened to a week for a handful of leads."""

from __future__ import annotations

from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

from rich.console import Console
from sqlalchemy import text

from cli.demo_month import run_month
from cli.demo_month_report import show_month
from core.db import Database
from core.demo_data import generate
from tests.tools.sequence_kit import settings_for
from tools.demo_loader import load_demo
from tools.guardrails import load_guardrails, next_window_start


def test_a_simulated_week_sends_inside_windows_and_reports(fresh_db_url, tmp_path):
    dataset = generate(seed=3, n_leads=70, days=7)
    settings = settings_for(tmp_path, fresh_db_url)
    db = Database(settings).start(run_migrations=False)
    try:
        with db.session() as session:
            load_demo(session, dataset)
        result = run_month(db, dataset, settings, sample_size=10, seed=3)
        with db.session() as session:
            counts = dict(
                session.execute(
                    text(
                        "SELECT status, count(*) FROM enrollments WHERE NOT lead_id = ANY(:s) "
                        "GROUP BY status"
                    ),
                    {"s": result["sample"]},
                ).all()
            )
            sent = session.execute(
                text(
                    "SELECT e.occurred_at, l.timezone FROM events e "
                    "JOIN leads l ON l.id = e.lead_id "
                    "WHERE e.type = 'email_sent' AND e.source = 'nurture'"
                )
            ).all()
            console = Console(record=True, width=200)
            show_month(console, session, result, settings.home / "outbox")
    finally:
        db.stop()
    assert "paused" not in counts  # the others' enrollments are active again afterwards
    files = list((settings.home / "outbox").glob("*.eml"))
    assert sent and len(files) == len(sent)
    window = load_guardrails().send_window
    for at, zone in sent:
        assert next_window_start(at, ZoneInfo(zone), window) is None  # inside the lead's window
    mail = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    report = console.export_text()
    for heading in ("Sequences", "Sent (latest 10)", "Held or stopped, and why", "Replied"):
        assert heading in report
    assert f"{len(files)} emails in the file outbox" in report
