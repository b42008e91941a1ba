"""Guardrails for sequences: send windows across DST and zones, exit checks before each send."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.models import Account, Enrollment, Reply
from tests.factories import track
from tests.tools.sequence_kit import WED, lead
from tools.guardrails import (
    check_delivery,
    check_send,
    exit_decision,
    lead_timezone,
    load_guardrails,
    next_window_start,
)
from tools.sequences import ALL_EXITS

WINDOW = load_guardrails().send_window


@pytest.mark.parametrize(
    ("now", "zone", "expected"),
    [
        # US spring forward (Sun 8 Mar 2026): Tuesday 09:00 EDT = 13:00 UTC, not 14:00
        (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), "America/New_York",
         datetime(2026, 3, 10, 13, 0, tzinfo=UTC)),
        # EU spring forward (Sun 29 Mar 2026): Tuesday 09:00 CEST = 07:00 UTC
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Europe/Berlin",
         datetime(2026, 3, 31, 7, 0, tzinfo=UTC)),
        # Sydney leaves DST (Sun 5 Apr 2026): Tuesday 09:00 AEST = Monday 23:00 UTC
        (datetime(2026, 4, 5, 0, 0, tzinfo=UTC), "Australia/Sydney",
         datetime(2026, 4, 6, 23, 0, tzinfo=UTC)),
        # half-hour zone: Wednesday 08:59 IST -> 09:00 IST the same day
        (datetime(2026, 9, 16, 3, 29, tzinfo=UTC), "Asia/Kolkata",
         datetime(2026, 9, 16, 3, 30, tzinfo=UTC)),
        # Thursday 11:00 in New York is past the window: next Tuesday
        (datetime(2026, 9, 17, 15, 0, tzinfo=UTC), "America/New_York",
         datetime(2026, 9, 22, 13, 0, tzinfo=UTC)),
        # the date line: Tuesday 09:00 in Kiritimati (UTC+14) is Monday 19:00 UTC
        (datetime(2026, 9, 21, 12, 0, tzinfo=UTC), "Pacific/Kiritimati",
         datetime(2026, 9, 21, 19, 0, tzinfo=UTC)),
    ],
)  # fmt: skip
def test_window_openings_across_dst_and_zones(now, zone, expected):
    assert next_window_start(now, ZoneInfo(zone), WINDOW) == expected
    assert next_window_start(expected, ZoneInfo(zone), WINDOW) is None  # open at that instant


def test_the_zone_falls_back_from_lead_to_account_to_default(session):
    acct = Account(name="Oslo AS", timezone="Europe/Oslo")
    session.add(acct)
    session.flush()
    ann = lead(session, timezone=None)
    ann.timezone = None
    assert lead_timezone(session, ann).key == "America/New_York"  # the configured default
    ann.account_id = acct.id
    assert lead_timezone(session, ann).key == "Europe/Oslo"
    ann.timezone = "Mars/Olympus_Mons"
    assert lead_timezone(session, ann).key == "America/New_York"  # unknown name: default
    ann.timezone = "Asia/Tokyo"
    assert lead_timezone(session, ann).key == "Asia/Tokyo"


def _enrollment(session, who, at=WED) -> Enrollment:
    row = Enrollment(lead_id=who.id, sequence="welcome", status="active", enrolled_at=at)
    session.add(row)
    session.flush()
    return row


def test_exits_replied_meeting_opportunity_and_manual_stop(session):
    ann = lead(session)
    enrollment = _enrollment(session, ann)
    exits = list(ALL_EXITS)
    assert exit_decision(session, ann, enrollment, WED + timedelta(days=1), exits) is None
    track(session, ann, "Meeting Booked", WED - timedelta(days=1))  # before enrolling: no exit
    track(session, ann, "Meeting Booked", WED + timedelta(days=2))
    assert exit_decision(session, ann, enrollment, WED + timedelta(days=1), exits) is None
    later = exit_decision(session, ann, enrollment, WED + timedelta(days=3), exits)
    assert later.code == "exit_meeting_booked" and "meeting booked on" in later.reason
    assert exit_decision(session, ann, enrollment, WED + timedelta(days=3), ["replied"]) is None
    ann.lifecycle_stage = "opportunity"
    assert exit_decision(session, ann, enrollment, WED, exits).code == "exit_opportunity"
    enrollment.status, enrollment.exit_reason = "stopped", "asked by phone"
    assert exit_decision(session, ann, enrollment, WED, []).code == "exit_manual_stop"


def test_out_of_office_replies_do_not_exit_but_real_ones_do(session):
    ann = lead(session)
    enrollment = _enrollment(session, ann)
    ooo = Reply(lead_id=ann.id, body="away", received_at=WED, label="out_of_office")
    real = Reply(lead_id=ann.id, body="yes", received_at=WED, label="interested")
    session.add_all([ooo, real])
    session.flush()
    track(session, ann, "Reply Received", WED + timedelta(hours=1), reply_id=ooo.id)
    track(session, ann, "Reply Received", WED + timedelta(hours=2), auto_reply=True)
    assert exit_decision(session, ann, enrollment, WED + timedelta(days=1), ["replied"]) is None
    track(session, ann, "Reply Received", WED + timedelta(hours=3), reply_id=real.id)
    found = exit_decision(session, ann, enrollment, WED + timedelta(days=1), ["replied"])
    assert found.code == "exit_replied"


def test_the_sender_cap_ignores_the_row_itself_and_queued_rows(session):
    from tests.tools.sequence_kit import sent_email

    ann = lead(session)
    row = sent_email(session, ann, "<one@n.example>")
    row.status, row.sent_at = "queued", None
    session.flush()
    now = datetime.now(UTC)  # queued rows count from their creation (the database's clock)
    assert check_send(session, ann, now).code == "frequency_cap"  # the drafting view
    assert check_delivery(session, ann, now, outbox_id=row.id).code != "frequency_cap"
    other = sent_email(session, ann, "<two@n.example>")
    other.status, other.sent_at = "sending", None
    session.flush()
    held = check_delivery(session, ann, now, outbox_id=row.id)  # the sender's view
    assert held.code == "frequency_cap" and held.retry_at == now + timedelta(hours=48)
