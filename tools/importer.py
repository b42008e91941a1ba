"""Bulk import of leads (CSV) and events (JSON Lines) through the normal ingestion path.

Rows are validated one by one; a bad row is reported (row number, field, reason), kept in
`rejected_payloads`, and skipped, while the good rows are ingested in batches. CSV rows are
deduplicated by normalized email (later rows fill the gaps of earlier ones).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from core.models import RejectedPayload
from tools.hygiene import InvalidEmail, normalize_email
from tools.ingest import ingest
from tools.ingest_schema import FieldError, InvalidInput, Message, parse_one
from tools.leads_upsert import LEAD_FIELDS

BATCH = 500
CSV_FIELDS = LEAD_FIELDS  # a CSV column is imported when it names a lead field


@dataclass
class RowError:
    """Why one input row was refused."""

    row: int
    field: str
    error: str


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    stored: int = 0
    duplicates: int = 0
    merged: int = 0
    leads: set[int] = field(default_factory=set)
    errors: list[RowError] = field(default_factory=list)


Progress = Callable[[int], None]


def _flush(session: Session, pending: list[Message], report: ImportReport) -> None:
    if not pending:
        return
    result = ingest(session, pending, source="segment")
    report.stored += result.stored
    report.duplicates += result.duplicates
    report.leads.update(result.lead_ids)
    pending.clear()


def _keep(session: Session, channel: str, raw: str, errors: list[RowError]) -> None:
    session.add(RejectedPayload(channel=channel, payload=raw, errors=[e.__dict__ for e in errors]))


def import_leads_csv(session: Session, text: str, progress: Progress | None = None) -> ImportReport:
    """Import a leads CSV (header row required; `email` column required)."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "email" not in headers:
        report.errors.append(RowError(1, "email", "the header has no 'email' column"))
        return report
    reader.fieldnames = headers
    merged: dict[str, dict] = {}
    for line_no, row in enumerate(reader, start=2):
        report.rows += 1
        raw = ",".join(str(v) for v in row.values())
        if None in row:
            err = RowError(line_no, "row", f"{len(row[None])} more values than header columns")
            report.errors.append(err)
            _keep(session, "import.csv", raw, [err])
            continue
        try:
            email = normalize_email(row.get("email") or "")
        except InvalidEmail as exc:
            err = RowError(line_no, "email", str(exc) if row.get("email") else "email is empty")
            report.errors.append(err)
            _keep(session, "import.csv", raw, [err])
            continue
        traits = {k: (v or "").strip() for k, v in row.items() if k in CSV_FIELDS and v}
        traits["email"] = email
        if email in merged:
            report.merged += 1
            merged[email] = {**traits, **{k: v for k, v in merged[email].items() if v}}
        else:
            merged[email] = traits
        if progress:
            progress(1)
    pending: list[Message] = []
    for traits in merged.values():
        digest = hashlib.sha256(json.dumps(traits, sort_keys=True).encode()).hexdigest()[:24]
        pending.append(parse_one({"traits": traits, "messageId": f"csv:{digest}"}, "identify"))
        if len(pending) >= BATCH:
            _flush(session, pending, report)
    _flush(session, pending, report)
    session.commit()
    return report


def import_events_jsonl(
    session: Session, lines: Iterable[str], progress: Progress | None = None
) -> ImportReport:
    """Import Segment-style messages, one JSON object per line (`type` defaults to track)."""
    report = ImportReport()
    pending: list[Message] = []
    for line_no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        report.rows += 1
        errors: list[FieldError] = []
        try:
            data = json.loads(line)
            kind = data.get("type", "track") if isinstance(data, dict) else "track"
            if kind not in ("track", "identify", "page"):
                errors = [FieldError(field="type", error="must be track, identify or page")]
            else:
                pending.append(parse_one(data, kind))
        except json.JSONDecodeError as exc:
            errors = [FieldError(field="line", error=f"invalid JSON: {exc.msg}")]
        except InvalidInput as exc:
            errors = exc.errors
        if errors:
            row_errors = [RowError(line_no, e.field or "line", e.error) for e in errors]
            report.errors.extend(row_errors)
            _keep(session, "import.jsonl", line.rstrip("\n"), row_errors)
        if len(pending) >= BATCH:
            _flush(session, pending, report)
        if progress:
            progress(1)
    _flush(session, pending, report)
    session.commit()
    return report


def read_text(path: Path) -> str:
    """A file's text, tolerating a UTF-8 BOM."""
    return path.read_text(encoding="utf-8-sig")
