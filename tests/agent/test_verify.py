"""The draft verifier: a grounded draft passes, and each rule fires on the draft that breaks it."""

from __future__ import annotations

import pytest

from agent.draft_schema import Draft, DraftSentence
from agent.verify import format_errors, verify_draft
from tests.cassettes import scenarios as sc

WHY_NOW = DraftSentence(text="You came back to our pricing page this week.", fact_ids=["evt_1041"])
CTA = "Would a 20-minute walkthrough be useful this week?"


def check(*sentences: DraftSentence, subject="Dana, your pricing questions", cta=CTA, **options):
    """Verify a draft made of these sentences; returns 'code@location' strings."""
    settings = {"stage": "decision", "max_body_chars": 900} | options
    draft = Draft(subject=subject, sentences=list(sentences), call_to_action=cta)
    errors = verify_draft(
        draft,
        sc.FACTS_BY_ID,
        lead_first_name=sc.LEAD_FIRST_NAME,
        sender_name=sc.SENDER_NAME,
        **settings,
    )
    return [f"{e.code}@{e.location}" for e in errors]


def test_the_grounded_draft_passes():
    assert check(*sc.GROUNDED_DRAFT.sentences, subject=sc.GROUNDED_DRAFT.subject) == []


def test_citing_an_id_that_was_not_retrieved_is_unknown_fact_id():
    bogus = DraftSentence(text="You came back to our pricing page.", fact_ids=["evt_9999"])

    assert check(WHY_NOW, bogus) == ["unknown_fact_id@sentences[1]"]


@pytest.mark.parametrize(
    "text",
    [
        "Teams usually answer within 5 minutes.",  # a number
        "Most teams cut costs by a third, saving $4k.",  # money
        "Response times drop by half, often by 50 percent.",  # a percentage (and a number)
        "Many teams make this change on a Tuesday.",  # a weekday
        "Teams at Acme made the same change.",  # a company name
        "Nurture is SOC 2 compliant.",  # a product claim (and a number)
        "Nurture integrates with your calendar.",  # a product claim without capitals or digits
    ],
)
def test_a_claim_without_a_citation_is_uncited_claim(text):
    assert check(WHY_NOW, DraftSentence(text=text, fact_ids=[])) == ["uncited_claim@sentences[1]"]


def test_first_name_sender_and_product_need_no_citation():
    plain = DraftSentence(
        text="Dana, Priya here: Nurture keeps every email in your hands.", fact_ids=[]
    )

    assert check(WHY_NOW, plain) == []


def test_an_invented_number_in_a_cited_sentence_is_unsupported_claim():
    inflated = DraftSentence(
        text="Teams that followed up within 5 minutes were 12 times more likely to qualify a lead.",
        fact_ids=["doc_speed#2"],
    )

    errors = check(WHY_NOW, inflated)
    assert errors == ["unsupported_claim@sentences[1]"]


def test_an_invented_name_in_a_cited_sentence_is_unsupported_claim():
    namedrop = DraftSentence(
        text="Nurture drafts each follow-up and a rep approves it in Salesforce.",
        fact_ids=["doc_product#1"],
    )

    assert check(WHY_NOW, namedrop) == ["unsupported_claim@sentences[1]"]


def test_dates_of_a_cited_event_support_weekday_and_month_names():
    dated = DraftSentence(
        text="You last looked at pricing on Friday, 20 November.", fact_ids=["evt_1041"]
    )
    wrong_day = DraftSentence(text="You looked at pricing on Monday.", fact_ids=["evt_1041"])

    assert check(dated) == []
    assert check(wrong_day) == ["unsupported_claim@sentences[0]"]


def test_the_subject_may_only_use_numbers_found_in_the_facts():
    assert check(WHY_NOW, subject="Dana, 9 times more qualified leads") == []
    assert check(WHY_NOW, subject="Dana, 3x more pipeline") == ["unsupported_claim@subject"]


@pytest.mark.parametrize(
    "leftover",
    [
        "Hi {{first_name}},",
        "Teams at [Company] agree.",
        "Dear <first name>,",
        "TODO add proof",
        "XXX",
        "Lorem ipsum dolor.",
    ],
)
def test_template_leftovers_are_placeholder(leftover):
    assert "placeholder@sentences[1]" in check(WHY_NOW, DraftSentence(text=leftover, fact_ids=[]))


def test_two_asks_are_multiple_cta():
    second_ask = DraftSentence(text="Can we set up a quick call to walk through it?", fact_ids=[])

    assert check(WHY_NOW, second_ask) == ["multiple_cta@sentences[1], call_to_action"]


def test_a_rhetorical_question_is_not_an_ask():
    musing = DraftSentence(text="Why do fast replies matter so much?", fact_ids=[])

    assert check(WHY_NOW, musing) == []


def test_a_demo_push_to_an_awareness_lead_is_stage_inappropriate():
    demo = "Would a quick demo help?"
    resource = "Want the full benchmark report?"

    assert check(WHY_NOW, cta=demo, stage="awareness") == ["stage_inappropriate@call_to_action"]
    assert check(WHY_NOW, cta=demo, stage="consideration") == []
    assert check(WHY_NOW, cta=resource, stage="awareness") == []


def test_length_limits():
    long_subject = "Dana, " + "a" * 55  # 61 characters

    assert check(WHY_NOW, subject=long_subject) == ["subject_too_long@subject"]
    assert check(WHY_NOW, max_body_chars=60) == ["body_too_long@body"]
    assert check(WHY_NOW, subject="x" * 80, max_subject_chars=80) == []


def test_missing_parts_are_empty():
    assert check(subject=" ", cta="") == [
        "empty@subject",
        "empty@sentences",
        "empty@call_to_action",
    ]
    assert check(WHY_NOW, DraftSentence(text="  ", fact_ids=[])) == ["empty@sentences[1]"]


def test_errors_read_as_a_fix_list_for_the_model():
    draft = sc.INVENTED_DRAFT
    errors = verify_draft(
        draft, sc.FACTS_BY_ID, stage="decision", lead_first_name="Dana", max_body_chars=900
    )

    text = format_errors(errors)
    assert text.splitlines()[0] == (
        "- sentences[1]: number 40, 'Brightline', 'Logistics' not found in doc_product#1 "
        "[unsupported_claim]"
    )
    assert "- sentences[2]: states number 1200 without citing a fact [uncited_claim]" in text
    assert (
        verify_draft(
            draft, sc.FACTS_BY_ID, stage="decision", lead_first_name="Dana", max_body_chars=900
        )
        == errors
    )  # pure: same input, same answer
