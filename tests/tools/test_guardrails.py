"""Guardrails: suppression reasons, the 48-hour cap, send windows across timezones and DST."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.models import DoNotContact
from tests.factories import identify, track
from tools.guardrails import check_send, load_guardrails, next_window_start, suppression_reason

WINDOW = load_guardrails().send_window
FULL = {
    "first_name": "Ann",
    "last_name": "Lee",
    "title": "CEO",
    "company": "Acme",
    "industry": "saas",
    "country": "US",
    "timezone": "America/New_York",
}
# Wednesday 2026-11-18, 09:30 in New York (14:30 UTC): inside the window.
IN_WINDOW = datetime(2026, 11, 18, 14, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # Sunday the DST change in New York -> Tuesday 09:00 EST = 14:00 UTC
        (
            datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 11, 3, 14, 0, tzinfo=UTC),
        ),
        # a week earlier, still on EDT -> Tuesday 09:00 EDT = 13:00 UTC
        (
            datetime(2026, 10, 25, 12, 0, tzinfo=UTC),
            "America/New_York",
            datetime(2026, 10, 27, 13, 0, tzinfo=UTC),
        ),
        # Berlin after its own DST change (25 Oct) -> 09:00 CET = 08:00 UTC
        (
            datetime(2026, 10, 26, 12, 0, tzinfo=UTC),
            "Europe/Berlin",
            datetime(2026, 10, 27, 8, 0, tzinfo=UTC),
        ),
        # Thursday 11:30 in Tokyo (after the window) -> next Tuesday 09:00 JST
        (
            datetime(2026, 11, 19, 2, 30, tzinfo=UTC),
            "Asia/Tokyo",
            datetime(2026, 11, 24, 0, 0, tzinfo=UTC),
        ),
        # Tuesday 08:59 in Sydney -> same day 09:00 (AEDT, UTC+11)
        (
            datetime(2026, 11, 16, 21, 59, tzinfo=UTC),
            "Australia/Sydney",
            datetime(2026, 11, 16, 22, 0, tzinfo=UTC),
        ),
    ],
)
def test_next_window_start(now, zone, expected):
    assert next_window_start(now, ZoneInfo(zone), WINDOW) == expected


def test_inside_the_window_is_none():
    assert next_window_start(IN_WINDOW, ZoneInfo("America/New_York"), WINDOW) is None
    # the window end is exclusive: 10:59 local is inside, 11:00 waits for Thursday 09:00 EST
    ten_59 = datetime(2026, 11, 18, 15, 59, tzinfo=UTC)
    assert next_window_start(ten_59, ZoneInfo("America/New_York"), WINDOW) is None
    eleven = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)
    thursday_nine = datetime(2026, 11, 19, 14, 0, tzinfo=UTC)
    assert next_window_start(eleven, ZoneInfo("America/New_York"), WINDOW) == thursday_nine


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ("Email Unsubscribed", "consent is unsubscribed"),
        ("Email Bounced", "consent is bounced"),
        ("Email Complained", "consent is complained"),
    ],
)
def test_consent_suppresses(session, event, reason):
    lead = identify(session, email="s@acme.io", **FULL)
    track(session, lead, event, IN_WINDOW - timedelta(days=1))
    session.refresh(lead)
    decision = check_send(session, lead, IN_WINDOW)
    assert (decision.allowed, decision.code, decision.reason) == (False, "suppressed", reason)
    assert decision.suppressed


@pytest.mark.parametrize("stage", ["customer", "opportunity", "closed_lost"])
def test_lifecycle_suppresses(session, stage):
    lead = identify(session, email="c@acme.io", **FULL)
    track(session, lead, "Crm Stage Changed", IN_WINDOW - timedelta(days=1), stage=stage)
    session.refresh(lead)
    assert suppression_reason(session, lead).startswith("lifecycle stage")


def test_incomplete_records_and_dnc_list_suppress(session):
    thin = identify(session, email="thin@acme.io", first_name="T", title="CEO", country="US")
    assert suppression_reason(session, thin) == "record incomplete: 3 key fields missing"
    listed = identify(session, email="x@blocked.io", **FULL)
    session.add(DoNotContact(value="blocked.io", reason="legal request"))
    session.flush()
    assert suppression_reason(session, listed) == "on the do-not-contact list (legal request)"


def test_frequency_cap_counts_sent_mail(session):
    lead = identify(session, email="f@acme.io", **FULL)
    assert check_send(session, lead, IN_WINDOW).allowed
    track(session, lead, "Email Sent", IN_WINDOW - timedelta(hours=47))
    held = check_send(session, lead, IN_WINDOW)
    assert (held.allowed, held.code) == (False, "frequency_cap")
    assert held.retry_at == IN_WINDOW + timedelta(hours=1)
    later = check_send(session, lead, IN_WINDOW + timedelta(hours=1))
    assert later.allowed


def test_window_hold_names_the_zone(session):
    lead = identify(session, email="w@acme.io", **{**FULL, "timezone": "Europe/Berlin"})
    decision = check_send(session, lead, IN_WINDOW)  # 15:30 in Berlin
    assert decision.code == "send_window" and "Europe/Berlin" in decision.reason
    assert decision.retry_at == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
