"""Extraction: the date resolution table, referrals, proposed times, competitor, question."""

from datetime import date

import pytest

from tools.reply_dates import resolve_follow_up_date
from tools.reply_extract import (
    extract_competitor,
    extract_fields,
    extract_proposed_times,
    extract_question,
    extract_referral,
)

# (text, received date, expected date or None); see tools/reply_dates.py for each rule.
DATE_TABLE = [
    ("Check back next quarter.", "2026-05-10", "2026-07-01"),
    ("Reach out after the new year.", "2026-11-03", "2027-01-02"),
    ("Try me in 3 months.", "2026-04-20", "2026-07-20"),
    ("Ping me in two weeks.", "2026-06-01", "2026-06-15"),
    ("in a couple of weeks", "2026-11-02", "2026-11-16"),
    ("in 10 days", "2026-11-02", "2026-11-12"),
    ("I'm back Monday.", "2026-03-05", "2026-03-09"),
    ("back Tuesday", "2026-05-15", "2026-05-19"),
    ("Out until 3 December.", "2026-11-25", "2026-12-03"),
    ("I'll be back on the 14th.", "2026-07-03", "2026-07-14"),
    ("back on the 2nd", "2026-07-20", "2026-08-02"),
    ("returning 2026-12-03", "2026-11-20", "2026-12-03"),
    ("zurück am 3. Dezember", "2026-11-04", "2026-12-03"),
    ("bis zum 3.12.", "2026-11-02", "2026-12-03"),
    ("de retour le 5 janvier", "2026-11-04", "2027-01-05"),
    ("hasta el 10 de enero", "2025-12-22", "2026-01-10"),
    ("afwezig tot en met 21 augustus", "2026-08-03", "2026-08-21"),
    ("retorno no dia 2 de fevereiro", "2026-01-15", "2026-02-02"),
    ("Let's revisit in Q1.", "2026-10-15", "2027-01-01"),
    ("in Q3 2027", "2026-12-01", "2027-07-01"),
    ("Talk in January.", "2026-10-10", "2027-01-01"),
    ("parental leave until March 2027", "2026-10-01", "2027-03-01"),
    ("mid-January", "2026-11-02", "2027-01-15"),
    ("end of January", "2026-11-02", "2027-01-31"),
    ("busy until end of month", "2026-09-08", "2026-09-30"),
    ("end of the quarter", "2026-11-02", "2026-12-31"),
    ("next week", "2026-11-04", "2026-11-09"),
    ("next month", "2026-07-22", "2026-08-01"),
    ("not until next year", "2026-09-01", "2027-01-01"),
    ("tomorrow", "2026-05-26", "2026-05-27"),
    ("in drei Monaten", "2026-11-04", "2027-02-04"),
    ("dentro de dos semanas", "2026-11-04", "2026-11-18"),
    ("recontactez-moi dans six mois", "2026-03-15", "2026-09-15"),
    ("over een maand", "2026-02-10", "2026-03-10"),
    ("no próximo trimestre", "2026-08-20", "2026-10-01"),
    ("after the summer", "2026-11-04", "2027-09-01"),
    (
        "Ich bin bis 3. Dezember weg und ab dem 4. Dezember wieder erreichbar.",
        "2026-11-25",
        "2026-12-04",
    ),
    ("from 22 December through 2 January", "2026-12-21", "2027-01-02"),
    ("Monday, 12 January 2026", "2026-01-02", "2026-01-12"),
    ("Maybe later in the year.", "2026-04-01", None),
    ("We're a 4-person team; call at 10.30?", "2026-11-04", None),
    ("We may be ready soon.", "2026-11-04", None),
]


@pytest.mark.parametrize(("text", "received", "expected"), DATE_TABLE)
def test_follow_up_date_resolution(text, received, expected):
    resolved = resolve_follow_up_date(text, date.fromisoformat(received))
    assert (resolved.isoformat() if resolved else None) == expected


@pytest.mark.parametrize(
    ("text", "name", "email"),
    [
        (
            "Please contact Maria Lopez (maria.lopez@acme.com), she runs ops.",
            "Maria Lopez",
            "maria.lopez@acme.com",
        ),
        ("I've left the company, reach out to john@x.com", None, "john@x.com"),
        (
            "Bitte wenden Sie sich an Frau Petra Vogel, petra.vogel@firma.de.",
            "Petra Vogel",
            "petra.vogel@firma.de",
        ),
        (
            "Neem contact op met Sanne de Vries via sanne@bedrijf.nl.",
            "Sanne de Vries",
            "sanne@bedrijf.nl",
        ),
        (
            "Forwarding to my colleague Sarah Chen. sarah.chen@initech.example",
            "Sarah Chen",
            "sarah.chen@initech.example",
        ),
        ("Talk to my colleague Jürgen Weiß about this.", "Jürgen Weiß", None),
    ],
)
def test_referral_extraction(text, name, email):
    assert extract_referral(text) == (name, email)


def test_referral_ignores_the_senders_own_address():
    text = "Write to me at kim@acme.com or better to ops@acme.com"
    assert extract_referral(text, sender="kim@acme.com")[1] == "ops@acme.com"


def test_proposed_times_are_kept_as_written():
    text = "I'm free Thu 10:00 CET or Friday afternoon; also Tuesday at 3pm."
    assert extract_proposed_times(text) == ["Thu 10:00 CET", "Friday afternoon", "Tuesday at 3pm"]
    assert extract_proposed_times("Passt Ihnen Mittwoch um 14 Uhr?") == ["Mittwoch um 14 Uhr"]
    assert extract_proposed_times("back Monday, 12 January") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We're locked into Salesforce until 2028.", "Salesforce"),
        ("Já usamos o pipedrive.", "Pipedrive"),
        ("We went with Acme Mail last month.", "Acme Mail"),
        ("It is too expensive.", None),
    ],
)
def test_competitor(text, expected):
    assert extract_competitor(text) == expected


def test_competitor_list_is_configurable():
    assert extract_competitor("We use Foobar CRM.", competitors=("Foobar CRM",)) == "Foobar CRM"


def test_question_sentence():
    assert extract_question("Thanks. Does the API have rate limits? Cheers") == (
        "Does the API have rate limits?"
    )


def test_fields_follow_the_label():
    text = "Please contact Ana (ana@x.io). Back next week?"
    fields = extract_fields("question", text, date(2026, 1, 5))
    assert fields["question"] == "Back next week?"
    assert fields["referral_email"] is None and fields["follow_up_date"] is None
