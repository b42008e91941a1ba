"""POST /v1/classify: the same answer as the CLI for one reply; 400 with field errors; auth."""

from __future__ import annotations

import pytest

from api.routers.classify import get_llm_settings
from tests.reply_factories import offline_settings


@pytest.fixture
def api(client):
    """The test client with the offline backend pinned (whatever OPENAI_API_KEY says)."""
    client.app.dependency_overrides[get_llm_settings] = offline_settings
    yield client
    client.app.dependency_overrides.pop(get_llm_settings, None)


def test_classifies_one_reply_with_confidences_and_extraction(api):
    body = {"id": "r-1", "subject": "Automatic reply: hello",
            "body": "I am out of the office until 16 March.",
            "received_at": "2026-03-10T09:30:00+00:00"}  # fmt: skip
    response = api.post("/v1/classify", json=body)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["id"] == "r-1" and answer["label"] == "out_of_office"
    assert answer["follow_up_date"] == "2026-03-16"
    assert len(answer["labels"]) == 11 and answer["labels"]["out_of_office"] == answer["confidence"]
    assert set(answer) == {"id", "label", "confidence", "labels", "follow_up_date", "referral_name",
                           "referral_email", "proposed_times", "competitor"}  # fmt: skip


def test_bad_input_is_a_400_with_field_errors(api):
    response = api.post("/v1/classify", json={"id": "", "received_at": "yesterday-ish"})
    assert response.status_code == 400
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"id", "body", "received_at"} <= fields


def test_requires_the_api_key(api):
    response = api.post("/v1/classify", json={"id": "x", "body": "hi"},
                        headers={"Authorization": "Bearer wrong"})  # fmt: skip
    assert response.status_code == 401
