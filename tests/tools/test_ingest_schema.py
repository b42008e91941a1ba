"""Message validation: who a message is about and when, checked after the field checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tools.ingest_schema import InvalidInput, parse_batch, parse_one


def _track(**fields) -> dict:
    return {"type": "track", "event": "Page Viewed", **fields}


def test_a_naive_timestamp_is_utc_and_a_far_future_one_is_refused():
    (msg,) = parse_batch({"batch": [_track(userId="u-1", timestamp="2026-11-20T10:00:00")]})
    assert msg.timestamp == datetime(2026, 11, 20, 10, tzinfo=UTC)
    soon = (datetime.now(UTC) + timedelta(hours=20)).isoformat()
    assert parse_one({"userId": "u-1", "event": "X", "timestamp": soon}, "track").timestamp
    late = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    with pytest.raises(InvalidInput) as caught:
        parse_batch({"batch": [_track(userId="u-1"), _track(userId="u-1", timestamp=late)]})
    assert [(e.field, e.error) for e in caught.value.errors] == [
        ("batch[1]", "timestamp is more than a day in the future")
    ]


def test_identity_may_come_from_traits_email_on_any_message():
    track = _track(traits={"email": "ana@example.com"})
    assert parse_batch({"batch": [track]})[0].__pydantic_extra__["traits"]["email"]
    assert parse_one({"traits": {"email": "ana@example.com"}}, "identify").traits
    with pytest.raises(InvalidInput) as caught:
        parse_one({"traits": "ana@example.com"}, "page")
    assert [e.field for e in caught.value.errors] == ["body"]


def test_every_bad_message_is_reported_whatever_its_fault():
    late = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    batch = [
        _track(userId="u-1", timestamp=late),  # plausible fields, implausible time
        _track(messageId=""),  # a field error and no identity: the field error is reported
        _track(anonymousId="a-1"),
        _track(),  # no identity at all
    ]
    with pytest.raises(InvalidInput) as caught:
        parse_batch({"batch": batch})
    assert [e.field for e in caught.value.errors] == ["batch[0]", "batch[1].messageId", "batch[3]"]
