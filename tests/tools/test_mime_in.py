"""Inbound parsing: fixtures, split_reply, ESP form posts, malformed input and a fuzz property."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tools import mime_in
from tools.mime_in import InboundEmail, MalformedEmail, parse_inbound, parse_inbound_form
from tools.mime_text import decode_bytes, html_to_text
from tools.reply_text import split_reply

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mime"


def load(name: str) -> InboundEmail:
    return parse_inbound((FIXTURES / name).read_bytes())


# fixture -> (expected fields, text new_text must contain, text new_text must not contain)
EXPECTED = {
    "gmail_reply.eml": (
        {
            "from_email": "jane.doe@lead.example",
            "from_name": "Jane Doe",
            "message_id": "<CAF=abc123XYZ@mail.gmail.com>",
            "in_reply_to": "<nurture.2222@acme.example>",
            "references": ["<nurture.1111@acme.example>", "<nurture.2222@acme.example>"],
            "to": ["zoe@acme.example"],
            "date": datetime(2026, 3, 4, 8, 12, 45, tzinfo=UTC),
        },
        "Does Thursday at 3pm CET work?",
        ["wrote:", "20-minute call", "VP Operations"],
    ),
    "outlook_reply.eml": (
        {"from_name": "Smith, Robert", "subject": "RE: Pricing for 50 seats"},
        "price be for 50 seats",
        ["CONFIDENTIALITY", "Sent: Tuesday", "following up", "HTML VERSION"],
    ),
    "multipart_alternative.eml": (
        {"in_reply_to": "<nurture.4444@acme.example>", "text": (
            "Thanks for the guide! Could you send the case study too?"
        )},
        "send the case study",
        ["HTML ONLY"],
    ),
    "html_only.eml": (
        {"from_name": "Marc Dubois"},
        "We're interested & would like a demo. Book here: my calendar (https://cal.example/marc)",
        ["alert", "ignored title", "color: red", "attending our webinar", "wrote:"],
    ),
    "quoted_printable.eml": (
        {"from_name": "Renée Müller", "subject": "Re: Grüße aus Köln"},
        "absichtlich sehr lang",
        ["schrieb", "hätten Sie Zeit"],
    ),
    "base64_latin1.eml": (
        {"from_name": "Hélène Lefèvre", "subject": "Re: Une question rapide à propos"},
        "Recontactez-moi en septembre, s'il vous plaît.",
        ["a écrit", "Avez-vous"],
    ),
    "windows1252.eml": (
        {"from_name": "Klaus Weiß", "subject": "AW: Angebot"},
        "„Danke“ – wir haben aktuell kein Budget (Angebot war 4.000 €)",
        ["schrieb", "passt ein Termin"],
    ),
    "iso2022jp.eml": (
        {"from_name": "田中 太郎", "subject": "Re: ご提案の件",
         "date": datetime(2026, 3, 12, 1, 0, tzinfo=UTC)},
        "来週お打ち合わせできますか",
        [],
    ),
    "koi8r.eml": ({"from_name": "Иван Петров"}, "нам это не интересно", []),
    "unknown_charset.eml": ({"subject": "Re: café chat", "date": None}, "meet at the café", []),
    "forwarded.eml": (
        {"to": ["zoe@acme.example", "anna@lead.example"], "subject": "Fwd: Your trial is ending"},
        "Anna (anna@lead.example) runs our RevOps",
        ["your trial ends on Friday"],
    ),
    "dsn_bounce.eml": (
        {"is_dsn": True, "dsn_status": "5.1.1", "dsn_recipient": "ghost@lead.example",
         "from_email": "mailer-daemon@mx.acme.example"},
        "could not\nbe delivered",
        [],
    ),
    "out_of_office.eml": (
        {"in_reply_to": "<nurture.7777@acme.example>", "is_dsn": False},
        "out of the office until Monday, March 30",
        [],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_parses_to_expected_fields(name: str) -> None:
    fields, kept, dropped = EXPECTED[name]
    email = load(name)
    for field, value in fields.items():
        assert getattr(email, field) == value, field
    assert kept in email.new_text
    for text in dropped:
        assert text not in email.new_text
    assert email.date is None or email.date.tzinfo is not None
    assert not email.truncated


def test_every_fixture_is_covered() -> None:
    names = {p.name for p in FIXTURES.glob("*.eml") if not p.name.startswith("malformed_")}
    assert names == set(EXPECTED)


def test_attachments_are_summarised_without_bodies() -> None:
    pdf = load("multipart_alternative.eml").attachments
    assert [(a.filename, a.content_type, a.size) for a in pdf] == [
        ("scorecard.pdf", "application/pdf", 48)
    ]
    forwarded = load("forwarded.eml").attachments
    assert [(a.filename, a.content_type) for a in forwarded] == [
        ("Your trial is ending", "message/rfc822")
    ]
    assert forwarded[0].size and forwarded[0].size > 100


def test_auto_submitted_headers_are_kept_and_flag_auto_reply() -> None:
    ooo = load("out_of_office.eml")
    assert ooo.headers["Auto-Submitted"] == "auto-replied"
    assert ooo.headers["Precedence"] == "auto_reply"
    assert ooo.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert ooo.is_auto_reply
    assert not load("gmail_reply.eml").is_auto_reply


def test_dsn_prefers_the_failed_recipient_and_prose_bounces_are_recognised() -> None:
    raw = (
        (FIXTURES / "dsn_bounce.eml")
        .read_bytes()
        .replace(
            b"Final-Recipient: rfc822; ghost",
            b"Final-Recipient: rfc822; ok@lead.example\nAction: delivered\nStatus: 2.0.0\n\n"
            b"Final-Recipient: rfc822; ghost",
        )
    )
    email = parse_inbound(raw)
    assert (email.dsn_status, email.dsn_recipient) == ("5.1.1", "ghost@lead.example")
    qmail = parse_inbound(
        b"From: MAILER-DAEMON@mx.lead.example\nSubject: failure notice\n"
        b"X-Failed-Recipients: Gone@Lead.example\n\n"
        b"Sorry, I couldn't deliver.\nRemote host said: 550 5.2.1 mailbox disabled\n"
    )
    assert (qmail.is_dsn, qmail.dsn_status, qmail.dsn_recipient) == (
        True, "5.2.1", "gone@lead.example"
    )  # fmt: skip
    assert not load("out_of_office.eml").is_dsn


def test_forwarded_text_is_used_when_the_wrapper_has_none() -> None:
    raw = (FIXTURES / "forwarded.eml").read_bytes()
    head, _, rest = raw.partition(b"--fwd-boundary\nContent-Type: message/rfc822")
    wrapper_only = (
        head.split(b"--fwd-boundary\n")[0] + b"--fwd-boundary\nContent-Type: message/rfc822"
    )
    email = parse_inbound(wrapper_only + rest)
    assert "your trial ends on Friday" in email.text


def test_very_large_message_is_truncated_and_flagged() -> None:
    body = ("Thanks, let's talk next week. " * 40 + "\n") * 2_000  # about 2.4 MB
    raw = f"From: big@lead.example\nSubject: big\n\n{body}".encode()
    email = parse_inbound(raw)
    assert email.truncated
    assert len(email.text) == mime_in.MAX_TEXT_CHARS
    assert email.new_text.startswith("Thanks, let's talk next week.")


SPLITS = [
    # (reply text, expected new text, quoted starts with, signature starts with)
    ("Sounds good.\n\nOn Tue, Mar 3, 2026 at 10:00 AM Zoe <z@acme.example> wrote:\n> hi",
     "Sounds good.", "On Tue", ""),
    ("Yes.\n\nOn Tue, Mar 3, 2026 at 10:00 AM Zoe Rep <\nzoe@acme.example> wrote:\n\n> hi",
     "Yes.", "On Tue", ""),
    ("Ja.\n\nAm Di., 3. März 2026 um 10:00 Uhr schrieb Zoe <z@acme.example>:\n> hallo",
     "Ja.", "Am Di.", ""),
    ("Oui.\n\nLe mar. 3 mars 2026 à 10:00, Zoe <z@acme.example> a écrit :\n> bonjour",
     "Oui.", "Le mar.", ""),
    ("Sí.\n\nEl mar, 3 mar 2026 a las 10:00, Zoe (<z@acme.example>) escribió:\n> hola",
     "Sí.", "El mar", ""),
    ("Ja hoor.\n\nOp di 3 mrt 2026 om 10:00 schreef Zoe <z@acme.example>:\n> hoi",
     "Ja hoor.", "Op di", ""),
    ("Call me.\n\n-----Original Message-----\nFrom: Zoe\nSent: Tuesday\nSubject: hi\n\nbody",
     "Call me.", "-----Original Message-----", ""),
    ("Call me.\n\n________________________________\nFrom: Zoe Rep <z@acme.example>\n"
     "Sent: Tuesday, March 3, 2026 10:00 AM\nTo: Rob\nSubject: Pricing\n\nHi Rob",
     "Call me.", "________________", ""),
    ("Bitte anrufen.\n\nVon: Zoe Rep\nGesendet: Dienstag, 3. März 2026 10:00\nAn: Klaus\n"
     "Betreff: Angebot\n\nHallo", "Bitte anrufen.", "Von: Zoe", ""),
    ("Bien reçu.\n\nDe : Zoe Rep\nEnvoyé : mardi 3 mars 2026 10:00\nÀ : Marc\nObjet : Démo",
     "Bien reçu.", "De : Zoe", ""),
    ("Interested!\n\nSent from my iPhone\n\n> On Mar 3, 2026, at 10:00, Zoe wrote:",
     "Interested!", "> On Mar 3", "Sent from my iPhone"),
    ("Klingt gut.\n\nVon meinem iPhone gesendet", "Klingt gut.", "", "Von meinem iPhone gesendet"),
    ("Let's talk.\n-- \nJane Doe\nVP Ops", "Let's talk.", "", "--"),
    ("Price?\n\nThanks\nRob\n\nThe information contained in this email is confidential.",
     "Price?", "", "Thanks\nRob"),
    ("Price?\nRob\n\nThe information contained in this email is confidential.",
     "Price?\nRob", "", "The information contained"),
    ("Please remove me.\n\nDISCLAIMER: this message may contain privileged information.",
     "Please remove me.", "", "DISCLAIMER"),
    # Bottom-posted and interleaved replies keep the unquoted lines.
    ("On Tue, Mar 3, 2026 at 10:00 AM Zoe <z@acme.example> wrote:\n> Want a demo?\n\nYes please!",
     "Yes please!", "On Tue", ""),
    ("> Want a demo?\nYes.\n> Which week?\nThe next one.", "Yes.\nThe next one.", "> Want", ""),
    # Things that look like markers but are not.
    ("On Monday as Jim wrote:\nwe meet.", "On Monday as Jim wrote:\nwe meet.", "", ""),
    ("From: our side, the answer is yes.\nTo: be clear, Tuesday works.",
     "From: our side, the answer is yes.\nTo: be clear, Tuesday works.", "", ""),
    ("This email is confidential: budget 10k.", "This email is confidential: budget 10k.", "", ""),
    ("", "", "", ""),
    ("Just text, no history.\r\nSecond line.", "Just text, no history.\nSecond line.", "", ""),
]  # fmt: skip


@pytest.mark.parametrize(("text", "new", "quoted", "signature"), SPLITS)
def test_split_reply(text: str, new: str, quoted: str, signature: str) -> None:
    got_new, got_quoted, got_signature = split_reply(text)
    assert got_new == new
    assert got_quoted.startswith(quoted) and bool(got_quoted) == bool(quoted)
    assert got_signature.startswith(signature) and bool(got_signature) == bool(signature)


def test_html_to_text_marks_blockquotes_and_keeps_structure() -> None:
    html = (
        "<div>Hi</div><div><br></div><div>Line two</div><ul><li>a</li><li>b</li></ul>"
        "<blockquote><div>q1</div><div>q2</div></blockquote><pre>x\n  y</pre>&lt;ok&gt;"
    )
    assert html_to_text(html) == "Hi\n\nLine two\n\n- a\n- b\n\n> q1\n> q2\n\nx\n  y\n\n<ok>"
    assert html_to_text("<p>unclosed <b>tags <a href='https://x.example'>x") == (
        "unclosed tags x (https://x.example)"
    )


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("café".encode(), "iso-8859-1", "café"),  # mislabelled UTF-8
        (b"caf\xe9", "utf-8", "caf\ufffd"),  # wrong label: replacement, no crash
        (b"\x80 5", "iso-8859-1", "€ 5"),  # latin-1 label means windows-1252
        (b"caf\xe9", "no-such-charset", "café"),
        (b"caf\xe9", "base64", "café"),  # a bytes-to-bytes codec is not a charset
        ("привет".encode("koi8-r"), "KOI8-R", "привет"),
    ],
)
def test_decode_bytes_falls_back_sanely(data: bytes, charset: str, expected: str) -> None:
    assert decode_bytes(data, charset) == expected


def test_sendgrid_form_post() -> None:
    text = "Danke – nächste Woche passt.\n\nAm 3. März 2026 schrieb Zoe <z@acme.example>:\n> Hallo"
    fields = {
        "headers": "Message-ID: <sg-1@lead.example>\r\nIn-Reply-To: <nurture.8888@acme.example>\r\n"
        "References: <nurture.8888@acme.example>\r\nAuto-Submitted: no\r\n"
        "Date: Wed, 4 Mar 2026 09:00:00 +0000\r\n",
        "from": "Jürgen Groß <Juergen@Lead.example>",
        "to": "zoe@reply.acme.example",
        "subject": "AW: Angebot",
        # the web framework read windows-1252 bytes as latin-1; `charsets` lets us undo that
        "text": text.encode("windows-1252").decode("latin-1"),
        "html": "<p>ignored when text is present</p>",
        "envelope": json.dumps({"to": ["zoe@reply.acme.example"], "from": "bounce@lead.example"}),
        "charsets": json.dumps({"text": "windows-1252", "from": "UTF-8", "subject": "UTF-8"}),
        "attachment-info": json.dumps(
            {"attachment1": {"filename": "a.pdf", "type": "application/pdf"}}
        ),
    }  # fmt: skip
    email = parse_inbound_form(fields)
    assert (email.from_email, email.from_name) == ("juergen@lead.example", "Jürgen Groß")
    assert email.message_id == "<sg-1@lead.example>"
    assert email.in_reply_to == "<nurture.8888@acme.example>"
    assert email.new_text == "Danke – nächste Woche passt."
    assert email.date == datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert email.headers["Auto-Submitted"] == "no" and not email.is_auto_reply
    assert [(a.filename, a.size) for a in email.attachments] == [("a.pdf", None)]


def test_mailgun_form_post() -> None:
    fields = {
        "recipient": "zoe@reply.acme.example",
        "sender": "ana@lead.example",
        "from": "Ana Gómez <ana@lead.example>",
        "subject": "Re: demo",
        "body-plain": "¿Podemos hablar el jueves?\n\n"
        "El mar, 3 mar 2026 a las 10:00, Zoe escribió:\n> hola",
        "stripped-text": "¿Podemos hablar el jueves?",
        "Message-Id": "<mg-1@lead.example>",
        "In-Reply-To": "<nurture.9999@acme.example>",
        "References": "<nurture.0000@acme.example> <nurture.9999@acme.example>",
        "message-headers": json.dumps(
            [["X-Autoreply", "yes"], ["Date", "Thu, 5 Mar 2026 10:00:00 +0100"]]
        ),
    }  # fmt: skip
    email = parse_inbound_form(fields)
    assert email.from_email == "ana@lead.example" and email.from_name == "Ana Gómez"
    assert email.references == ["<nurture.0000@acme.example>", "<nurture.9999@acme.example>"]
    assert email.new_text == "¿Podemos hablar el jueves?"
    assert email.date == datetime(2026, 3, 5, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    assert email.is_auto_reply  # X-Autoreply came through message-headers


def test_form_with_raw_mime_field_and_fallback_sender() -> None:
    raw = (FIXTURES / "dsn_bounce.eml").read_text()
    assert parse_inbound_form({"email": raw}).dsn_status == "5.1.1"
    email = parse_inbound_form({"sender": "x@lead.example", "body-plain": "hi"})
    assert email.from_email == "x@lead.example" and email.text == "hi"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty input"),
        (b"\r\n \n", "empty input"),
        ((FIXTURES / "malformed_garbage.eml").read_bytes(), "no header fields"),
        ((FIXTURES / "malformed_no_from.eml").read_bytes(), "missing From header"),
        (
            (FIXTURES / "malformed_truncated_boundary.eml").read_bytes(),
            "boundary that never appears",
        ),
        (
            b"From: a@b.example\nContent-Type: multipart/mixed\n\n--x\n\nhi\n",
            "no boundary parameter",
        ),
        (b"From: undisclosed-recipients:;\nSubject: x\n\nbody", "no usable email address"),
        (b"Subject: hi\nFrom:\n\nbody", "no usable email address"),
    ],
)
def test_malformed_input_raises_with_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(MalformedEmail) as caught:
        parse_inbound(raw)
    assert reason in caught.value.reason


def test_wrong_input_type_oversize_and_unexpected_errors_become_malformed(monkeypatch) -> None:
    with pytest.raises(MalformedEmail, match="expected bytes, got str"):
        parse_inbound("From: a@b.example\n\nhi")  # type: ignore[arg-type]
    monkeypatch.setattr(mime_in, "MAX_RAW_BYTES", 10)
    with pytest.raises(MalformedEmail, match="over the 10-byte limit"):
        parse_inbound(b"From: a@b.example\n\nhello")
    monkeypatch.setattr(mime_in, "MAX_RAW_BYTES", 1_000)

    def explode(_raw: bytes) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(mime_in, "message_from_bytes", explode)
    with pytest.raises(MalformedEmail, match=r"unreadable message \(KeyError"):
        parse_inbound(b"From: a@b.example\n\nhello")
    with pytest.raises(MalformedEmail, match="missing From header"):
        parse_inbound_form({"subject": "no sender at all"})


def _parse_never_crashes(raw: bytes) -> None:
    try:
        result = parse_inbound(raw)
    except MalformedEmail as exc:
        assert exc.reason
    else:
        assert isinstance(result, InboundEmail) and result.from_email


HEADERISH = st.lists(
    st.sampled_from(
        [b"From: ", b"a@b.example", b"=?utf-8?b?", b"=?x?q?=E9?=",
         b"Content-Type: multipart/mixed;", b" boundary=", b"\"b\"", b"\n--b\n", b"\n--b--\n",
         b"Content-Transfer-Encoding: base64\n",
         b"message/rfc822\n", b"message/delivery-status\n", b"charset=koi8-r", b"<", b">", b"\n",
         b"\r\n\r\n", b"\xff\xfe", b"Status: 5.1.1\n", b":", b";", b"\x00"]
    )
    | st.binary(max_size=20),
    max_size=40,
).map(b"".join)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2_000) | HEADERISH)
def test_parse_inbound_only_ever_raises_malformed_email(raw: bytes) -> None:
    _parse_never_crashes(raw)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(FIXTURES.glob("*.eml"))), st.data())
def test_mutated_fixtures_only_ever_raise_malformed_email(path: Path, data: st.DataObject) -> None:
    raw = bytearray(path.read_bytes())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(raw)))
        raw[at : at + data.draw(st.integers(0, 30))] = data.draw(st.binary(max_size=12))
    _parse_never_crashes(bytes(raw))
