"""CSV and JSON Lines imports: per-row error report, dedupe by normalized email, hygiene."""

import json

from sqlalchemy import func, select

from core.models import Event, Lead, RejectedPayload
from tools.importer import import_events_jsonl, import_leads_csv

CSV = """Email,First_Name,last_name,title,company,industry,company_size,country,timezone,source
  ANA@Acme.io ,ana,SILVA,"vp, marketing",Acme,SaaS,120,Brasil,America/Sao_Paulo,webinar
ana@acme.io,,,,,,,,,
not-an-email,Bob,Smith,CEO,Bob Co,fintech,10,USA,America/New_York,ads
,No,Email,CTO,X,saas,50,US,UTC,ads
carl@beta.io,Carl,Jones,Intern,,,,Narnia,Mars/Olympus,organic
dee@gamma.io,Dee,Doe,Engineer,Gamma,saas,80,DE,Europe/Berlin,ebook,EXTRA
"""


def test_csv_import_reports_bad_rows_and_dedupes(session):
    report = import_leads_csv(session, CSV)
    assert report.rows == 6
    assert [(e.row, e.field) for e in report.errors] == [(4, "email"), (5, "email"), (7, "row")]
    assert report.merged == 1
    ana = session.scalars(select(Lead).where(Lead.email == "ana@acme.io")).one()
    assert (ana.first_name, ana.last_name, ana.title, ana.country) == (
        "Ana",
        "Silva",
        "VP Marketing",
        "BR",
    )
    assert ana.seniority == "vp" and ana.missing_key_fields == 0
    carl = session.scalars(select(Lead).where(Lead.email == "carl@beta.io")).one()
    assert carl.country is None and carl.timezone is None
    assert carl.missing_key_fields == 3  # company, industry, country
    assert any("Narnia" in w for w in carl.traits["_hygiene_warnings"])
    assert session.scalar(select(func.count()).select_from(RejectedPayload)) == 3


def test_csv_reimport_is_idempotent(session):
    import_leads_csv(session, CSV)
    events = session.scalar(select(func.count()).select_from(Event))
    again = import_leads_csv(session, CSV)
    assert again.stored == 0 and session.scalar(select(func.count()).select_from(Event)) == events


def test_csv_without_email_column_is_refused(session):
    report = import_leads_csv(session, "name,title\nA,B\n")
    assert report.errors[0].error == "the header has no 'email' column"


def test_jsonl_import_line_errors(session):
    lines = [
        json.dumps(
            {"type": "identify", "userId": "j1", "traits": {"email": "j1@x.io"}, "messageId": "j-1"}
        ),
        json.dumps({"userId": "j1", "event": "Demo Requested", "messageId": "j-2"}),
        "{broken",
        json.dumps({"type": "alias", "userId": "j1"}),
        "",
        json.dumps({"userId": "j1", "messageId": "j-3"}),
    ]
    report = import_events_jsonl(session, lines)
    assert report.stored == 2 and report.rows == 5
    assert [(e.row, e.field) for e in report.errors] == [(3, "line"), (4, "type"), (6, "event")]
    lead = session.scalars(select(Lead).where(Lead.external_id == "j1")).one()
    assert lead.score == 40
