"""The CLI against a real database: import with an error report, segments, lead, rescore."""

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings


@pytest.fixture
def cli_env(fresh_db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("NURTURE_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def flat(result) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(result.output.split())


def test_import_segments_lead_rescore(cli_env, tmp_path):
    runner = cli_env
    csv_file = tmp_path / "leads.csv"
    csv_file.write_text("email,first_name,title,source\nzoe@acme.io,zoe,CEO,webinar\nbad,x,y,z\n")
    result = runner.invoke(app, ["import", str(csv_file)])
    assert result.exit_code == 1
    assert "1 rejected" in flat(result) and "must have an @-sign" in flat(result)
    events = tmp_path / "events.jsonl"
    events.write_text('{"userId": "zoe@acme.io", "event": "Demo Requested", "messageId": "d1"}\n')
    result = runner.invoke(app, ["import", str(events)])
    assert result.exit_code == 0, result.output
    assert "1 stored" in flat(result)
    result = runner.invoke(app, ["segments", "source_webinar"])
    assert result.exit_code == 0 and "zoe@acme.io" in result.output
    result = runner.invoke(app, ["lead", "ZOE@acme.io"])
    assert result.exit_code == 0
    assert "+40 Requested a demo" in flat(result) and "score 55" in flat(result)
    result = runner.invoke(app, ["rescore"])
    assert result.exit_code == 0 and "rescored" in result.output
    assert runner.invoke(app, ["import", str(tmp_path / "nope.txt")]).exit_code == 2
