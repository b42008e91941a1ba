"""Email events in: the ESP webhook, open/click tracking, the unsubscribe page."""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlsplit

from sqlalchemy import select

from core.models import Escalation
from tests.tools.sequence_kit import lead, sent_email, timeline
from tools.compose import click_url, open_pixel_url, unsubscribe_url

MID = "<nurture.abc@nurture.example>"


def events(*items):
    return {"events": [{"message_id": MID, **item} for item in items]}


def test_the_webhook_stores_each_event_once_and_updates_consent(session, client):
    ann = lead(session)
    sent_email(session, ann, MID)
    batch = events(
        {"type": "delivered", "id": "e1"},
        {"type": "opened", "id": "e2"},
        {"type": "clicked", "id": "e3", "url": "https://nurture.example/demo"},
        {"type": "complained", "id": "e4"},
        {"type": "bounced", "id": "e5", "message_id": "<nobody@x.example>"},
    )
    body = client.post("/v1/webhooks/email", json=batch).json()
    assert (body["received"], body["stored"], body["unmatched"]) == (5, 4, ["<nobody@x.example>"])
    assert client.post("/v1/webhooks/email", json=batch).json()["duplicates"] == 4
    session.refresh(ann)
    assert ann.consent == "complained"
    click = timeline(session, ann.id, "email_clicked")[0]
    assert click.properties["link"] == "demo_offer" and click.properties["provider"] is True
    assert [e.type for e in timeline(session, ann.id, "email_delivered")] == ["email_delivered"]


def test_the_webhook_accepts_a_signature_instead_of_the_key(session, client, settings):
    ann = lead(session)
    sent_email(session, ann, MID)
    client.app.state.settings = settings.model_copy(update={"webhook_secret": "s3cret"})
    raw = json.dumps(events({"type": "opened", "id": "x1"})).encode()
    good = hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    no_key = {"Authorization": "", "content-type": "application/json"}
    signed = {**no_key, "X-Nurture-Signature": f"sha256={good}"}
    assert client.post("/v1/webhooks/email", content=raw, headers=signed).json()["stored"] == 1
    forged = {**no_key, "X-Nurture-Signature": "sha256=" + "0" * 64}
    assert client.post("/v1/webhooks/email", content=raw, headers=forged).status_code == 401
    assert client.post("/v1/webhooks/email", content=raw, headers=no_key).status_code == 401


def test_the_webhook_explains_bad_input(client):
    resp = client.post("/v1/webhooks/email", json={"events": [{"type": "teleported"}]})
    assert resp.status_code == 400
    fields = {e["field"] for e in resp.json()["errors"]}
    assert {"events.0.type", "events.0.message_id"} <= fields


def test_a_tracked_demo_offer_click_redirects_and_alerts_the_owner(session, client, settings):
    ann = lead(session)
    row = sent_email(session, ann, MID)
    url = click_url(settings, row.id, "https://nurture.example/demo?plan=growth")
    resp = client.get(urlsplit(url).path + "?" + urlsplit(url).query, follow_redirects=False)
    assert resp.status_code == 302 and resp.headers["location"].endswith("/demo?plan=growth")
    click = timeline(session, ann.id, "email_clicked")[0]
    assert click.properties["link"] == "demo_offer"
    alert = session.scalars(select(Escalation).where(Escalation.lead_id == ann.id)).one()
    assert alert.kind == "high_intent" and "demo offer click" in alert.summary
    tampered = urlsplit(url).path + "?u=https://evil.example/"
    assert client.get(tampered, follow_redirects=False).status_code == 400


def test_the_open_pixel_records_only_when_tracking_is_all(session, client, settings):
    ann = lead(session)
    row = sent_email(session, ann, MID)
    path = urlsplit(open_pixel_url(settings, row.id)).path
    resp = client.get(path)
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/gif"
    assert timeline(session, ann.id, "email_opened") == []  # default: clicks only
    client.app.state.settings = settings.model_copy(update={"tracking": "all"})
    client.get(path)
    assert len(timeline(session, ann.id, "email_opened")) == 1


def test_the_unsubscribe_page_asks_first_then_suppresses(session, client, settings):
    ann = lead(session)
    row = sent_email(session, ann, MID)
    path = urlsplit(unsubscribe_url(settings, ann.id, row.id)).path
    page = client.get(path)
    assert page.status_code == 200 and "<form" in page.text
    session.refresh(ann)
    assert ann.consent == "subscribed"  # a GET (a link scanner) never unsubscribes
    done = client.post(path, data={"source": "page"})
    assert done.status_code == 200 and "Unsubscribed" in done.text
    session.refresh(ann)
    assert ann.consent == "unsubscribed"
    assert timeline(session, ann.id, "email_unsubscribed")[0].properties["method"] == "page"
    bad = path[:-3] + ("xyz" if not path.endswith("xyz") else "abc")
    assert client.get(bad).status_code == 400 and client.post(bad).status_code == 400
