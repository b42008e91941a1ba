"""Each draft grader passes a good draft and fails a bad one (no database)."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from evals import graders
from evals.graders import DraftCase
from tools.mime_out import OutgoingEmail, compose_email


def good(**changes) -> DraftCase:
    values = dict(
        subject="Pieter, a short path to a decision",
        body="Thank you for asking for a demo on 26 November. Ledgerly gets 2,600 leads a month."
        "\n\nWould a short call this week help you decide?",
        sentences=[
            {"text": "Thank you for asking for a demo on 26 November.", "fact_ids": ["ev-1"]},
            {"text": "Ledgerly gets 2,600 leads a month.", "fact_ids": ["doc-1"]},
        ],
        citations=["ev-1", "doc-1"],
        retrieved={
            "ev-1": "Pieter requested a demo on 26 November 2025.",
            "doc-1": "Ledgerly's website brings in about 2,600 new leads a month.",
        },
        stage="decision",
        allowed_names=["Pieter", "Nurture"],
        email=composed("Hi Pieter,\n\nbody"),
    )
    values.update(changes)
    return DraftCase(**values)


def composed(text: str) -> EmailMessage:
    return compose_email(
        OutgoingEmail(
            from_name="Rep",
            from_email="rep@nurture.example",
            to_name="Pieter",
            to_email="pieter@x.example",
            subject="Hi",
            text_body=text,
            message_id="<a@nurture.example>",
            unsubscribe_url="https://nurture.example/u/1",
        )
    )


BAD = {
    "cites_only_retrieved": {"citations": ["ev-1", "doc-9"]},
    "no_invented_claims": {
        "sentences": [
            {"text": "Ledgerly gets 9,999 leads a month from Acme.", "fact_ids": ["doc-1"]}
        ]
    },
    "one_cta": {"sentences": [{"text": "Can you book a demo slot?", "fact_ids": []}]},
    "stage_appropriate": {"stage": "awareness"},
    "within_limits": {"subject": "x" * 61},
    "unsubscribe_footer": {"email": None},
}


@pytest.mark.parametrize("name", list(graders.GRADERS))
def test_grader_passes_good_and_fails_bad(name):
    grader = graders.GRADERS[name]
    assert grader(good()) == []
    assert grader(good(**BAD[name]))


def test_footer_missing_from_a_message_fails():
    message = EmailMessage()
    message.set_content("no footer here")
    assert graders.unsubscribe_footer(good(email=message))


def test_grade_reports_every_grader():
    assert set(graders.grade(good())) == set(graders.GRADERS)
