"""Segment-style tracking messages (track / identify / page) and field-level validation errors."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_BATCH = 5000
MAX_FUTURE = timedelta(days=1)


class FieldError(BaseModel):
    """One problem with one field of the input."""

    field: str
    error: str


class InvalidInput(ValueError):
    """Input refused as a whole, with every field error found."""

    def __init__(self, errors: list[FieldError]):
        super().__init__("; ".join(f"{e.field}: {e.error}" for e in errors))
        self.errors = errors


class _Message(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    userId: str | None = Field(None, max_length=256)
    anonymousId: str | None = Field(None, max_length=256)
    messageId: str | None = Field(None, min_length=1, max_length=256)
    timestamp: datetime | None = None
    context: dict[str, Any] = Field(default_factory=dict)

    def message_key(self) -> str:
        """The messageId, or a content hash so a re-delivered message still dedupes."""
        if self.messageId:
            return self.messageId
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


class TrackMessage(_Message):
    """A behaviour event: `event` names what happened, `properties` carry the details."""

    type: Literal["track"] = "track"
    event: str = Field(min_length=1, max_length=200)
    properties: dict[str, Any] = Field(default_factory=dict)


class PageMessage(_Message):
    """A page view (Segment `page` call); stored as a `page_viewed` event."""

    type: Literal["page"] = "page"
    name: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)


class IdentifyMessage(_Message):
    """Who the lead is: traits such as email, name, title, company, country."""

    type: Literal["identify"] = "identify"
    traits: dict[str, Any] = Field(default_factory=dict)


Message = Annotated[TrackMessage | PageMessage | IdentifyMessage, Field(discriminator="type")]
_MESSAGES = TypeAdapter(list[Message])
_BY_TYPE = {
    "track": TypeAdapter(TrackMessage),
    "page": TypeAdapter(PageMessage),
    "identify": TypeAdapter(IdentifyMessage),
}


def _errors(exc: ValidationError, prefix: str) -> list[FieldError]:
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"] if p not in ("track", "page", "identify")]
        path = prefix
        for part in loc:
            path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
        message = err["msg"].removeprefix("Value error, ")
        out.append(FieldError(field=path or "body", error=message))
    return out


def _problem(msg: Message, now: datetime) -> str | None:
    """What the field checks cannot see: who the message is about, and whether its time is
    plausible (a naive timestamp is taken as UTC). A loop after validation rather than a
    model validator: calling Python from pydantic-core for each message doubled the cost of
    validating a batch."""
    if not (msg.userId or msg.anonymousId):
        extra = msg.__pydantic_extra__ or {}
        traits = msg.traits if isinstance(msg, IdentifyMessage) else extra.get("traits")
        if not (isinstance(traits, dict) and traits.get("email")):
            return "either userId or anonymousId (or traits.email) is required"
    if msg.timestamp is not None:
        if msg.timestamp.tzinfo is None:
            msg.timestamp = msg.timestamp.replace(tzinfo=UTC)
        if msg.timestamp > now + MAX_FUTURE:
            return "timestamp is more than a day in the future"
    return None


def parse_one(data: Any, kind: str, prefix: str = "") -> Message:
    """Validate one message of a known kind; raise InvalidInput with field errors."""
    if not isinstance(data, dict):
        raise InvalidInput([FieldError(field=prefix or "body", error="must be a JSON object")])
    data = {**data, "type": kind}
    try:
        msg = _BY_TYPE[kind].validate_python(data)
    except ValidationError as exc:
        raise InvalidInput(_errors(exc, prefix)) from exc
    if problem := _problem(msg, datetime.now(UTC)):
        raise InvalidInput([FieldError(field=prefix or "body", error=problem)])
    return msg


def parse_batch(data: Any) -> list[Message]:
    """Validate a `{"batch": [...]}` body; raise InvalidInput listing every bad field."""
    if not isinstance(data, dict) or not isinstance(data.get("batch"), list):
        raise InvalidInput([FieldError(field="batch", error="must be a list of messages")])
    batch = data["batch"]
    if not batch:
        raise InvalidInput([FieldError(field="batch", error="must not be empty")])
    if len(batch) > MAX_BATCH:
        raise InvalidInput([FieldError(field="batch", error=f"at most {MAX_BATCH} messages")])
    errors: list[FieldError] = []
    for i, item in enumerate(batch):
        kind = item.get("type") if isinstance(item, dict) else None
        if kind not in _BY_TYPE:
            errors.append(
                FieldError(field=f"batch[{i}].type", error="must be track, page or identify")
            )
    if errors:
        raise InvalidInput(errors)
    now = datetime.now(UTC)
    try:
        messages = _MESSAGES.validate_python(batch)
    except ValidationError:  # item by item, so every bad message is reported, whatever its fault
        messages = None
        for i, item in enumerate(batch):
            try:
                msg = _BY_TYPE[item["type"]].validate_python(item)
            except ValidationError as exc:
                errors += _errors(exc, f"batch[{i}]")
            else:
                if problem := _problem(msg, now):
                    errors.append(FieldError(field=f"batch[{i}]", error=problem))
    else:
        for i, msg in enumerate(messages):
            if problem := _problem(msg, now):
                errors.append(FieldError(field=f"batch[{i}]", error=problem))
    if errors:
        raise InvalidInput(errors)
    return messages
