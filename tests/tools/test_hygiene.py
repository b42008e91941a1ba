"""Field hygiene: emails, names, titles, seniority, countries, timezones."""

import pytest

from tools.hygiene import (
    InvalidEmail,
    missing_key_fields,
    normalize_country,
    normalize_email,
    normalize_name,
    normalize_timezone,
    normalize_title,
    seniority,
)


@pytest.mark.parametrize(
    ("raw", "clean"), [("  Jane.DOE@Example.COM ", "jane.doe@example.com"), ("<a@b.io>", "a@b.io")]
)
def test_emails(raw, clean):
    assert normalize_email(raw) == clean


@pytest.mark.parametrize("bad", ["", "no-at", "a@", "a@b", "x y@z.io"])
def test_bad_emails(bad):
    with pytest.raises(InvalidEmail):
        normalize_email(bad)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  jANE ", "Jane"),
        ("McDonald", "McDonald"),
        ("ANNA-LENA", "Anna-Lena"),
        ("o'brien", "O'Brien"),
        ("  ", None),
    ],
)
def test_names(raw, clean):
    assert normalize_name(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean", "level"),
    [
        ("vp, marketing", "VP Marketing", "vp"),
        ("dir. of ops", "Director of Operations", "director"),
        ("ceo & co-founder", "CEO & Co-Founder", "c_level"),
        ("marketing intern", "Marketing Intern", "student"),
        ("Sr. Mgr, Demand Gen", "Senior Manager Demand Gen", "manager"),
        ("software engineer", "Software Engineer", "individual"),
    ],
)
def test_titles_and_seniority(raw, clean, level):
    assert normalize_title(raw) == clean
    assert seniority(clean) == level


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("United States", "US"),
        ("USA", "US"),
        ("uk", "GB"),
        ("Deutschland", "DE"),
        ("fr", "FR"),
        ("DEU", "DE"),
        ("Netherlands", "NL"),
        ("Narnia", None),
        ("", None),
    ],
)
def test_countries(raw, code):
    assert normalize_country(raw) == code


def test_timezones_and_missing_fields():
    assert normalize_timezone("Europe/Berlin") == "Europe/Berlin"
    assert normalize_timezone("CEST-ish") is None
    assert missing_key_fields({"first_name": "A", "title": "B", "company": "C"}) == 3
