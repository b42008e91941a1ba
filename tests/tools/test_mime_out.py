"""Outgoing email: MIME composition, delivery through a real local SMTP server, the file outbox."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from tests.tools.smtp_kit import free_port, serve
from tools.delivery import DeliveryResult, FileOutbox, SmtpTransport, retry_delays
from tools.mime_in import parse_inbound
from tools.mime_out import OutgoingEmail, compose_email, make_message_id, text_to_html

UNSUB = "https://acme.example/unsubscribe?token=" + "t0k3n" * 30  # long: must stay unencoded


def outgoing(**changes: object) -> OutgoingEmail:
    base = OutgoingEmail(
        from_name="Zoë Rep",
        from_email="zoe@acme.example",
        to_name="José Núñez",
        to_email="jose@lead.example",
        subject="Grüße — ご提案 & a quick question",
        text_body="Hi José,\n\nHere is the case study: https://acme.example/cases/x?a=1&b=2.\n"
        "Worth 20 minutes <next week>?\n\nZoë",
        message_id=make_message_id("lead-42:welcome:3", "acme.example"),
        unsubscribe_url=UNSUB,
        unsubscribe_mailto="unsubscribe@acme.example",
        in_reply_to="<nurture.parent@acme.example>",
        references=("<nurture.root@acme.example>",),
        headers={"X-Nurture-Lead": "42"},
        date=datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
    )
    return replace(base, **changes)


class Recorder:
    """aiosmtpd handler that records envelopes and answers with configurable replies."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.rcpt_reply = "250 OK"
        self.data_reply = "250 Message accepted"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.rcpt_reply

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.data_reply


@pytest.fixture
def smtp_server() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder()
    with serve(handler) as port:
        yield handler, port


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl not available to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return cert, key


def test_compose_builds_threaded_multipart_with_one_click_unsubscribe() -> None:
    message = compose_email(outgoing())
    raw = message.as_bytes()
    assert raw.isascii()  # 7bit-safe for any relay: RFC 2047 headers, QP/base64 bodies
    assert f"<{UNSUB}>".encode() in raw  # a long URL is not RFC 2047-encoded or split
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["References"] == "<nurture.root@acme.example> <nurture.parent@acme.example>"
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert all(p["MIME-Version"] is None for p in message.iter_parts())
    assert all(
        p["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
        for p in message.iter_parts()
    )


def test_make_message_id_is_stable_and_distinct() -> None:
    first = make_message_id("lead-1:seq:1", "acme.example")
    assert first == make_message_id("lead-1:seq:1", "ACME.example")
    assert first != make_message_id("lead-1:seq:2", "acme.example")
    assert first.startswith("<nurture.") and first.endswith("@acme.example>")
    with pytest.raises(ValueError):
        make_message_id("k", "bad domain")


def test_text_to_html_escapes_and_links() -> None:
    html = text_to_html("Hi <b>there</b> & co,\nsee https://x.example/a?b=1&c=2.\n\nBye")
    assert "&lt;b&gt;there&lt;/b&gt; &amp; co,<br>" in html
    assert '<a href="https://x.example/a?b=1&amp;c=2">https://x.example/a?b=1&amp;c=2</a>.' in html
    assert html.count("<p>") == 2 and "<b>" not in html


def test_supplied_html_gets_the_footer_before_body_end() -> None:
    message = compose_email(outgoing(html_body="<html><body><h1>Hello</h1></body></html>"))
    html = message.get_body(("html",)).get_content()
    assert html.index("Unsubscribe") < html.index("</body>") and "<h1>Hello</h1>" in html


@pytest.mark.parametrize(
    "changes",
    [
        {"subject": "Hi\r\nBcc: victim@example.com"},
        {"to_name": "x\nInjected: 1"},
        {"unsubscribe_url": "http://acme.example/u"},
        {"message_id": "not-a-message-id"},
        {"headers": {"From": "evil@example.com"}},
        {"headers": {"Bad Name": "x"}},
        {"to_email": "jöse@lead.example"},
        {"to_email": "no-at-sign"},
    ],
)
def test_outgoing_email_rejects_unsafe_fields(changes: dict) -> None:
    with pytest.raises(ValueError):
        outgoing(**changes)


def test_send_through_real_smtp_server_roundtrips(smtp_server: tuple[Recorder, int]) -> None:
    handler, port = smtp_server
    result = SmtpTransport("127.0.0.1", port, security="none", timeout=5).send(
        compose_email(outgoing())
    )
    assert result == DeliveryResult(True, False, 250, f"accepted by 127.0.0.1:{port}")
    (envelope,) = handler.envelopes
    assert envelope.mail_from == "zoe@acme.example" and envelope.rcpt_tos == ["jose@lead.example"]
    received = message_from_bytes(envelope.content, policy=policy.default)
    assert received["From"].addresses[0].addr_spec == "zoe@acme.example"
    assert received["From"].addresses[0].display_name == "Zoë Rep"
    assert received["Subject"] == "Grüße — ご提案 & a quick question"
    assert received["Message-ID"] == make_message_id("lead-42:welcome:3", "acme.example")
    assert received["In-Reply-To"] == "<nurture.parent@acme.example>"
    assert received["References"] == "<nurture.root@acme.example> <nurture.parent@acme.example>"
    assert received["List-Unsubscribe"] == f"<{UNSUB}>, <mailto:unsubscribe@acme.example>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["X-Nurture-Lead"] == "42"
    assert received["Date"].datetime == datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "Hi José," in text and f"Unsubscribe: {UNSUB}" in text
    assert "Hi José," in html and "&lt;next week&gt;" in html
    assert f'<a href="{UNSUB.replace("&", "&amp;")}">' in html
    parsed = parse_inbound(envelope.content)  # our own parser reads it back the same way
    assert parsed.message_id == received["Message-ID"] and parsed.from_name == "Zoë Rep"
    assert parsed.new_text.startswith("Hi José,") and "Unsubscribe" not in parsed.new_text


@pytest.mark.parametrize(
    ("stage", "reply", "permanent", "code", "refused"),
    [
        ("data_reply", "451 4.3.0 try later", False, 451, False),
        ("rcpt_reply", "450 4.2.1 mailbox busy", False, 450, False),
        ("rcpt_reply", "550 5.1.1 no such user", True, 550, True),
        ("data_reply", "554 5.7.1 message rejected as spam", True, 554, False),
        ("data_reply", "550 5.1.1 unknown recipient at end of data", True, 550, True),
    ],
)
def test_smtp_rejections_are_classified(
    smtp_server: tuple[Recorder, int],
    stage: str,
    reply: str,
    permanent: bool,
    code: int,
    refused: bool,
) -> None:
    handler, port = smtp_server
    setattr(handler, stage, reply)
    result = SmtpTransport("127.0.0.1", port, security="none", timeout=5).send(
        compose_email(outgoing())
    )
    assert (result.ok, result.permanent_failure, result.smtp_code) == (False, permanent, code)
    assert result.temporary_failure is not permanent
    assert result.recipient_refused is refused
    assert reply.split(" ", 1)[1] in result.detail


def test_connection_refused_and_silent_server_are_temporary() -> None:
    refused = SmtpTransport("127.0.0.1", free_port(), security="none", timeout=2).send(
        compose_email(outgoing())
    )
    assert refused.temporary_failure and refused.smtp_code is None
    with socket.socket() as silent:  # accepts connections but never says hello
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        result = SmtpTransport("127.0.0.1", port, security="none", timeout=0.3).send(
            compose_email(outgoing())
        )
    assert result.temporary_failure and "cannot connect" in result.detail


def test_message_without_recipient_is_permanent_without_connecting() -> None:
    message = compose_email(outgoing())
    del message["To"]
    result = SmtpTransport("127.0.0.1", 9, security="none").send(message)
    assert result.permanent_failure and "no To" in result.detail


def _tls_contexts(tls_files: tuple[Path, Path]) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert, key = tls_files
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


def test_starttls_with_login(tls_files: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = _tls_contexts(tls_files)
    handler = Recorder()
    with serve(
        handler, tls_context=server_ctx, require_starttls=True,
        authenticator=_authenticator, auth_require_tls=True,
    ) as port:  # fmt: skip
        good = SmtpTransport(
            "127.0.0.1", port, "starttls", "zoe", "s3cret", 5, ssl_context=client_ctx
        )
        assert good.send(compose_email(outgoing())).ok and len(handler.envelopes) == 1
        bad = SmtpTransport(
            "127.0.0.1", port, "starttls", "zoe", "wrong", 5, ssl_context=client_ctx
        )
        result = bad.send(compose_email(outgoing()))
        # A bad password is our misconfiguration, not the lead's fault: retry, never bounce.
        assert result.temporary_failure and result.smtp_code == 535
        untrusted = SmtpTransport("127.0.0.1", port, "starttls", timeout=5).send(
            compose_email(outgoing())
        )
        assert untrusted.temporary_failure and "certificate" in untrusted.detail.lower()


def test_starttls_required_but_not_offered(smtp_server: tuple[Recorder, int]) -> None:
    _, port = smtp_server
    result = SmtpTransport("127.0.0.1", port, security="starttls", timeout=5).send(
        compose_email(outgoing())
    )
    assert result.temporary_failure and "STARTTLS" in result.detail


def test_implicit_tls(tls_files: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = _tls_contexts(tls_files)
    handler = Recorder()
    with serve(handler, ssl_context=server_ctx) as port:
        result = SmtpTransport("127.0.0.1", port, "ssl", timeout=5, ssl_context=client_ctx).send(
            compose_email(outgoing())
        )
        assert result.ok and len(handler.envelopes) == 1


def test_file_outbox_is_atomic_and_idempotent(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path / "outbox")
    message = compose_email(outgoing())
    first = outbox.send(message)
    path = Path(first.detail)
    assert first.ok and path.parent == tmp_path / "outbox" and path.suffix == ".eml"
    before = path.stat()
    changed = compose_email(outgoing(text_body="A different body, same Message-ID"))
    second = outbox.send(changed)
    assert second.ok and "already in outbox" in second.detail
    assert path.stat().st_mtime_ns == before.st_mtime_ns and path.stat().st_ino == before.st_ino
    assert [p.name for p in (tmp_path / "outbox").iterdir()] == [path.name]  # no temp files
    assert parse_inbound(path.read_bytes()).message_id == message["Message-ID"]
    assert b"\r\n" in path.read_bytes()


def test_file_outbox_sanitises_names_and_needs_a_message_id(tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path)
    nasty = outbox.path_for("<../../etc/passwd@x>")
    assert nasty.parent == tmp_path and not nasty.name.startswith(".")
    assert outbox.path_for("<a/b@x>") != outbox.path_for("<a_b@x>")
    assert outbox.path_for("<plain.id@acme.example>").name == "plain.id@acme.example.eml"
    result = outbox.send(EmailMessage())
    assert result.permanent_failure and "Message-ID" in result.detail


def test_retry_delays_grow_exponentially_up_to_a_cap() -> None:
    assert [retry_delays(n) for n in range(1, 6)] == [60.0, 120.0, 240.0, 480.0, 960.0]
    assert retry_delays(50) == retry_delays(10_000) == 6 * 3600.0
    assert retry_delays(3, base=1, factor=3, cap=5) == 5.0
    delays = [retry_delays(n) for n in range(1, 40)]
    assert delays == sorted(delays)
    with pytest.raises(ValueError):
        retry_delays(0)
