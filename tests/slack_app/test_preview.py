"""Without Slack: the demo saves the Block Kit JSON it would post and prints a text preview."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

from typer.testing import CliRunner

from core.settings import Settings
from tests.slack_app.conftest import make_draft, make_lead, make_rep
from tools.escalations import escalate


def test_demo_preview_writes_block_kit_json(db, tmp_path, monkeypatch, mock_slack):
    from cli import slack as cli_slack

    owner = make_rep(db, "Maya", "U0OWNER")
    lead = make_lead(db, owner)
    make_draft(db, lead, notify=False)
    with db.session() as session:
        escalate(session, kind="high_intent", summary="pricing twice", lead_id=lead, dedupe_key="h")
    settings = Settings(NURTURE_HOME=tmp_path, _env_file=None)  # no Slack configured
    monkeypatch.setattr(cli_slack, "get_settings", lambda: settings)
    with db.session() as session:
        paths = cli_slack.show_slack_preview(session, datetime.now(UTC))
    names = sorted(p.name for p in paths)
    assert names == [
        "app_home_U0OWNER.json", "approval_draft_1.json", "escalation_1.json",
        "weekly_summary.json",
    ]  # fmt: skip
    assert all(p.parent == tmp_path.resolve() / "slack_preview" for p in paths)
    card = json.loads((tmp_path / "slack_preview" / "approval_draft_1.json").read_text())
    assert card["blocks"][-1]["elements"][0]["action_id"] == "draft_approve"
    assert mock_slack.calls == []  # nothing was sent anywhere


def test_slack_command_checks_configuration(monkeypatch, tmp_path):
    from cli import slack as cli_slack
    from cli.main import app

    bare = Settings(NURTURE_HOME=tmp_path, _env_file=None)
    monkeypatch.setattr(cli_slack, "get_settings", lambda: bare)
    runner = CliRunner()
    result = runner.invoke(app, ["slack"])
    assert result.exit_code == 1 and "SLACK_BOT_TOKEN: missing" in result.output
    result = runner.invoke(app, ["slack", "--socket"])
    assert result.exit_code == 2 and "SLACK_APP_TOKEN" in result.output
    assert "slash_commands" in runner.invoke(app, ["slack", "--manifest"]).output


def test_socket_mode_handler_builds_on_the_same_app(slack_settings, slack_database):
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    from slack_app.app import build_app

    async def build():
        app = build_app(slack_settings, lambda: slack_database)
        handler = AsyncSocketModeHandler(app, "xapp-test")  # not connected: no network here
        same = handler.app is app and handler.client.web_client.base_url == app.client.base_url
        await handler.close_async()
        return same

    assert asyncio.run(build())
