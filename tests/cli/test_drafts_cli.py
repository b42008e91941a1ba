"""`nurture draft` and `nurture drafts` against a real database."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.db import Database
from core.settings import Settings, get_settings
from tests.agent.conftest import hot_lead, make_rep


@pytest.fixture
def runner(fresh_db_url, monkeypatch, tmp_path):
    """A CLI runner on a fresh database holding one hot lead with an owner."""
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("NURTURE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    get_settings.cache_clear()
    db = Database(Settings(_env_file=None)).start(run_migrations=False)
    with db.session() as session:
        hot_lead(session, make_rep(session, "olivia@nurture.example"))
    db.stop()
    yield CliRunner()
    get_settings.cache_clear()


def test_draft_prints_citations_and_brief_then_review_commands_act_once(runner):
    shown = runner.invoke(app, ["draft", "dana@brightline.example"])

    assert shown.exit_code == 0, shown.output
    out = " ".join(shown.output.split())
    assert "Subject:" in out and "Why now: viewed the pricing page 2 times in 7 days" in out
    assert re.search(r"\[ev-\d+\]", out) and "Score:" in out
    draft_id = re.search(r"draft (\d+) · revision 1 · pending", out).group(1)

    approved = runner.invoke(app, ["drafts", "approve", draft_id, "--as", "olivia@nurture.example"])
    again = runner.invoke(app, ["drafts", "approve", draft_id, "--as", "olivia@nurture.example"])

    assert approved.exit_code == 0 and "queued for sending" in approved.output
    assert again.exit_code == 3 and "already reviewed" in again.output
