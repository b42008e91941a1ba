"""The ask interfaces: POST /v1/ask and /v1/ask/confirm, the dashboard (also in headless
Chromium), and `nurture ask`."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from tests.factories import identify, track

CHROMIUM = Path("/usr/bin/chromium")


def make_leads(session: Session) -> None:
    """Two fintech leads (one scored 80, MQL) and a saas lead."""
    for name, industry, score in (
        ("ann", "fintech", 80),
        ("bob", "fintech", 20),
        ("cy", "saas", 5),
    ):
        lead = identify(session, email=f"{name}@ask-api.io", industry=industry, source="webinar")
        lead.score, lead.tier = score, "mql" if score > 70 else "cold"
        track(session, lead, "Page Viewed", lead.created_at, url="https://nurture.example/pricing")
    session.flush()


def test_ask_returns_a_typed_answer(client, session):
    make_leads(session)
    response = client.post("/v1/ask", json={"question": "How many fintech leads are there?"})
    assert response.status_code == 200
    body = response.json()
    assert (body["kind"], body["value"], body["record_count"]) == ("answer", 2, 2)
    assert body["tool_calls"][0]["name"] == "count_leads"
    assert body["sql"] and all(link.startswith("/v1/leads/") for link in body["links"])


def test_ask_refuses_clearly_and_validates(client):
    body = client.post("/v1/ask", json={"question": "What is our churn?"}).json()
    assert body["kind"] == "cannot_answer" and "'churn'" in body["reason"] and body["examples"]
    assert client.post("/v1/ask", json={"question": ""}).status_code == 400
    wrong_key = {"Authorization": "Bearer nope"}
    assert client.post("/v1/ask", json={"question": "x"}, headers=wrong_key).status_code == 401


def test_confirm_executes_only_a_valid_proposal(client, session, monkeypatch):
    make_leads(session)
    asked = client.post(
        "/v1/ask", json={"question": "save fintech leads as a segment called fintech_api"}
    ).json()
    token = asked["proposal"]["token"]
    assert client.get("/v1/segments/fintech_api/leads").status_code == 404  # not yet
    assert client.post("/v1/ask/confirm", json={"token": token[:-4] + "AAAA"}).status_code == 400
    done = client.post("/v1/ask/confirm", json={"token": token})
    assert done.status_code == 200 and done.json()["details"]["size"] == 2
    assert client.get("/v1/segments/fintech_api/leads").json()["total"] == 2
    enroll = client.post(
        "/v1/ask", json={"question": "enroll the top 2 fintech leads in sequence welcome"}
    ).json()
    monkeypatch.setitem(sys.modules, "tools.enrollment", None)
    refused = client.post("/v1/ask/confirm", json={"token": enroll["proposal"]["token"]})
    assert refused.status_code == 501 and "not available" in refused.json()["message"]


def test_dashboard_needs_the_key_then_keeps_a_cookie(client, session):
    make_leads(session)
    anonymous = {"Authorization": ""}
    assert client.get("/dashboard", headers=anonymous).status_code == 401
    assert client.get("/dashboard?key=wrong", headers=anonymous).status_code == 401
    signed_in = client.get("/dashboard?key=test-key", headers=anonymous, follow_redirects=False)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/dashboard"
    assert "test-key" not in signed_in.headers["set-cookie"]  # an HMAC, never the key
    page = client.get("/dashboard", headers=anonymous)
    assert page.status_code == 200 and "<h1>nurture dashboard</h1>" in page.text
    assert page.text.count('src="data:image/png;base64,') == 3
    assert "<b>3</b>Leads" in page.text
    chart = client.get("/dashboard/charts/funnel.png", headers=anonymous)
    assert chart.headers["content-type"] == "image/png" and chart.content[:4] == b"\x89PNG"
    assert client.get("/dashboard/charts/nope.png").status_code == 404


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_dashboard_renders_in_headless_chromium(fresh_db_url, tmp_path):
    import uvicorn

    from api.app import create_app
    from core.db import Database
    from core.settings import Settings

    settings = Settings(
        DATABASE_URL=fresh_db_url,
        NURTURE_HOME=tmp_path / "home",
        NURTURE_API_KEY="test-key",
        _env_file=None,
    )
    db = Database(settings).start()
    with db.session() as session:
        make_leads(session)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, db=db), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}/dashboard?key=test-key"
        browser = [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}",
        ]
        dom = subprocess.run(
            [*browser, "--dump-dom", url], capture_output=True, text=True, timeout=90
        ).stdout
        shot = tmp_path / "dashboard.png"
        subprocess.run(
            [*browser, f"--screenshot={shot}", "--window-size=1200,1800", url],
            capture_output=True,
            timeout=90,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.stop()
    assert "<h1>nurture dashboard</h1>" in dom
    assert all(f'id="chart-{name}"' in dom for name in ("funnel", "scores", "trend"))
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 10_000


@pytest.fixture
def cli(fresh_db_url, monkeypatch, tmp_path):
    """A CliRunner on a fresh database holding the three leads."""
    from typer.testing import CliRunner

    from core.db import make_engine
    from core.settings import get_settings

    engine = make_engine(fresh_db_url)
    with Session(engine) as session:
        make_leads(session)
        session.commit()
    engine.dispose()
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    monkeypatch.setenv("NURTURE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_cli_ask_prints_answers_charts_and_refusals(cli, tmp_path):
    from cli.main import app

    result = cli.invoke(app, ["ask", "How many fintech leads are there?", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["value"] == 2
    chart = tmp_path / "tiers.png"
    result = cli.invoke(app, ["ask", "leads by industry", "--chart", str(chart)])
    assert result.exit_code == 0 and "fintech 2, saas 1" in " ".join(result.output.split())
    assert chart.read_bytes()[:4] == b"\x89PNG"
    refused = cli.invoke(app, ["ask", "What is our churn?"])
    assert refused.exit_code == 1 and "Cannot answer" in refused.output
