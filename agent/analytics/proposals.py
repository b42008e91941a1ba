"""Proposals: actions an answer suggests, carried in an HMAC-signed token and run only on confirm.

No table and no migration: the token *is* the proposal (kind, params, lead ids, expiry), signed with
a key derived from settings.unsubscribe_secret. `confirm(session, token)` verifies the signature and
the expiry, then saves the segment (tools.segments.save_segment) or enrolls the leads
(tools.enrollment.enroll_leads, when that module exists). A token can be replayed until it expires;
both actions are idempotent (create-or-replace a segment; enrollment keeps one active row per lead
and sequence), so a double confirm changes nothing.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agent.analytics.answer import ConfirmResult, Proposal
from core.models import Segment
from tools.segment_filter import FilterError

TOKEN_TTL = timedelta(hours=48)
MAX_LEADS = 200
SEGMENT_NAME = re.compile(r"^[a-z0-9_]{2,64}$")
_CONTEXT = b"nurture/analytics-proposal/v1"


class InvalidToken(ValueError):
    """A token that was tampered with, signed with another secret, malformed or expired."""


def _key(secret: str) -> bytes:
    """A key for proposals only, so a token can never pass as an unsubscribe signature."""
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: dict[str, Any], secret: str) -> str:
    """payload -> "<base64url zlib json>.<base64url hmac-sha256>" (short enough for a Slack button
    value with 200 lead ids)."""
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    body = _b64(zlib.compress(raw, 9))
    mac = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def unsign(token: str, secret: str, now: datetime | None = None) -> dict[str, Any]:
    """The payload of a valid, unexpired token (InvalidToken otherwise)."""
    body, _, mac = token.strip().partition(".")
    expected = hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()
    try:
        presented = _unb64(mac)
    except ValueError as exc:
        raise InvalidToken("the token is malformed") from exc
    if not mac or not hmac.compare_digest(presented, expected):
        raise InvalidToken("the token's signature does not match")
    try:
        payload = json.loads(zlib.decompress(_unb64(body)))
    except (ValueError, UnicodeDecodeError, zlib.error) as exc:
        raise InvalidToken("the token is malformed") from exc
    if datetime.fromisoformat(payload["exp"]) <= (now or datetime.now(UTC)):
        raise InvalidToken("the proposal has expired; ask the question again")
    return payload


def make_proposal(
    kind: str,
    params: dict[str, Any],
    lead_ids: list[int],
    summary: str,
    *,
    secret: str,
    now: datetime,
) -> Proposal:
    """A signed proposal for `kind` ("save_segment" or "enroll")."""
    expires = now + TOKEN_TTL
    payload = {"kind": kind, "params": params, "lead_ids": lead_ids, "exp": expires.isoformat()}
    return Proposal(
        kind=kind,
        params=params,
        lead_ids=lead_ids,
        lead_count=len(lead_ids),
        summary=summary,
        token=sign(payload, secret),
        expires_at=expires,
    )


def segment_name_problem(session: Session, name: str) -> str | None:
    """Why `name` cannot be used for a new custom segment, or None."""
    if not SEGMENT_NAME.match(name):
        return f"segment names are 2–64 lower-case letters, digits or underscores, not {name!r}"
    builtin = session.scalars(select(Segment.builtin).where(Segment.name == name)).one_or_none()
    if builtin:
        return f"{name!r} is a built-in segment; choose another name"
    return None


def confirm(
    session: Session, token: str, *, secret: str, now: datetime | None = None
) -> ConfirmResult:
    """Verify a proposal token and execute it (the only write the analytics agent can cause)."""
    try:
        payload = unsign(token, secret, now)
    except InvalidToken as exc:
        return ConfirmResult(ok=False, kind="invalid", message=str(exc))
    kind, params, lead_ids = payload["kind"], payload["params"], payload["lead_ids"]
    if kind == "save_segment":
        return _save_segment(session, params)
    if kind == "enroll":
        return _enroll(session, lead_ids, params["sequence"])
    return ConfirmResult(ok=False, kind=kind, message=f"unknown proposal kind {kind!r}")


def _save_segment(session: Session, params: dict[str, Any]) -> ConfirmResult:
    from tools.segments import count_members, save_segment

    name = params["name"]
    if problem := segment_name_problem(session, name):
        return ConfirmResult(ok=False, kind="save_segment", message=problem)
    try:
        segment = save_segment(session, name, params["filter"], params.get("description", ""))
    except FilterError as exc:
        return ConfirmResult(ok=False, kind="save_segment", message=f"bad filter: {exc}")
    size = count_members(session, segment.filter)
    return ConfirmResult(
        ok=True,
        kind="save_segment",
        message=f"Saved segment {segment.name} ({size} leads now).",
        details={"name": segment.name, "filter": segment.filter, "size": size},
    )


def _enroll(session: Session, lead_ids: list[int], sequence: str) -> ConfirmResult:
    try:
        from tools.enrollment import enroll_leads
    except ImportError:
        return ConfirmResult(
            ok=False,
            kind="enroll",
            message="sequences not available: tools.enrollment is not installed yet",
            details={"sequence": sequence, "lead_ids": lead_ids},
        )
    outcome = enroll_leads(session, lead_ids, sequence)
    return ConfirmResult(
        ok=True,
        kind="enroll",
        message=f"Enrollment of {len(lead_ids)} leads in {sequence} submitted.",
        details={"sequence": sequence, "result": _plain(outcome)},
    )


def _plain(value: Any) -> Any:
    """An enrollment result as JSON-friendly data, whatever shape it comes in."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json.loads(json.dumps(dataclasses.asdict(value), default=str))
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return json.loads(json.dumps(value, default=str))
    return str(value)
