"""Deliver composed emails over SMTP or into a file outbox, classifying every failure.

SMTP has one moment of no return: the relay's reply to the end of DATA. A transport given a
`before_data` checkpoint calls it right before the DATA command (after MAIL FROM and RCPT TO were
accepted); the checkpoint commits "this message may now be delivered" and may withdraw the send.
A connection lost after that point is `uncertain`: the relay may have accepted the message.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import smtplib
import ssl
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

Security = Literal["none", "starttls", "ssl"]
_DEFAULT_PORTS: dict[str, int] = {"none": 25, "starttls": 587, "ssl": 465}
# RFC 3463 enhanced codes that blame the recipient address: bad mailbox, mailbox disabled.
_RECIPIENT_STATUS = re.compile(r"\b5\.(?:1\.[1-6]|1\.10|2\.1)\b")


@dataclass(frozen=True)
class DeliveryResult:
    """Outcome of one send: ok, or a temporary (retry later) or permanent (give up) failure."""

    ok: bool
    permanent_failure: bool = False
    smtp_code: int | None = None
    detail: str = ""
    recipient_refused: bool = False  # the address itself was rejected: mark the lead bounced
    uncertain: bool = False  # lost after DATA began: the relay may have accepted the message

    @property
    def temporary_failure(self) -> bool:
        """True when a later retry may succeed (never when the message may have gone out)."""
        return not self.ok and not self.permanent_failure and not self.uncertain


Checkpoint = Callable[[], bool]  # True: go ahead with DATA; False: withdraw the message


class Transport(Protocol):
    """Anything that can deliver a composed message."""

    def send(self, message: EmailMessage, before_data: Checkpoint | None = None) -> DeliveryResult:
        """Deliver one message and report the outcome without raising.

        `before_data` is called once right before the message can no longer be taken back; a
        transport that cannot deliver a Message-ID twice (the file outbox) may skip it.
        """
        ...


class _Withdrawn(Exception):
    """The checkpoint said no: the message was never handed over."""


class _CheckpointMixin:
    """Call the checkpoint before DATA (smtplib.sendmail calls `self.data` after RCPT TO)."""

    checkpoint: Checkpoint | None = None
    data_started = False

    def data(self, msg):  # smtplib's method, with the checkpoint in front
        if self.checkpoint is not None:
            try:
                go = self.checkpoint()
            except Exception as exc:  # the transport never raises: a failed checkpoint withdraws
                raise _Withdrawn(f"checkpoint failed: {exc}") from exc
            if not go:
                raise _Withdrawn("the claim was lost")
        self.data_started = True
        return super().data(msg)


class _SMTP(_CheckpointMixin, smtplib.SMTP):
    pass


class _SMTPSSL(_CheckpointMixin, smtplib.SMTP_SSL):
    pass


class SmtpTransport:
    """Send through an SMTP relay with plain, STARTTLS or implicit-TLS connections."""

    def __init__(
        self,
        host: str,
        port: int | None = None,
        security: Security = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        *,
        envelope_from: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if security not in _DEFAULT_PORTS:
            raise ValueError(f"security must be one of {sorted(_DEFAULT_PORTS)}, not {security!r}")
        if bool(username) != bool(password):
            raise ValueError("give both SMTP username and password, or neither")
        self.host, self.security, self.timeout = host, security, timeout
        self.port = port or _DEFAULT_PORTS[security]
        self.username, self.password = username, password
        self.envelope_from, self.local_hostname = envelope_from, local_hostname
        self.ssl_context = ssl_context

    def send(self, message: EmailMessage, before_data: Checkpoint | None = None) -> DeliveryResult:
        """Deliver one message; errors come back as a classified DeliveryResult, never raised."""
        if not any(message.get(name) for name in ("To", "Cc", "Bcc")):
            return DeliveryResult(False, True, None, "message has no To, Cc or Bcc recipient")
        try:
            smtp = self._connect()
        except smtplib.SMTPAuthenticationError as exc:
            return DeliveryResult(False, False, exc.smtp_code, f"SMTP login refused: {_text(exc)}")
        except (smtplib.SMTPException, OSError) as exc:
            # Failures before MAIL FROM concern our relay or settings, not this message: retry.
            where = f"{self.host}:{self.port} ({self.security})"
            return DeliveryResult(
                False, False, getattr(exc, "smtp_code", None), f"cannot connect to {where}: {exc}"
            )
        smtp.checkpoint = before_data
        try:
            refused = smtp.send_message(message, from_addr=self.envelope_from)
        except _Withdrawn as exc:
            return DeliveryResult(False, False, None, f"withdrawn before DATA: {exc}")
        except smtplib.SMTPRecipientsRefused as exc:
            replies = list(exc.recipients.values()) or [(550, b"no recipients accepted")]
            code, text = max(replies, key=lambda reply: reply[0] < 500)  # prefer a 4xx: retryable
            return _classify(code, text, "RCPT TO")
        except smtplib.SMTPSenderRefused as exc:
            return _classify(exc.smtp_code, exc.smtp_error, "MAIL FROM")
        except smtplib.SMTPDataError as exc:
            return _classify(exc.smtp_code, exc.smtp_error, "DATA")
        except smtplib.SMTPNotSupportedError as exc:
            return DeliveryResult(False, True, None, f"server lacks a needed extension: {exc}")
        except smtplib.SMTPResponseException as exc:
            return _classify(exc.smtp_code, exc.smtp_error, "session")
        except (smtplib.SMTPException, OSError) as exc:  # dropped connection, timeout mid-send
            if smtp.data_started:  # the relay may have taken the message before we lost it
                return DeliveryResult(
                    False, False, None, f"connection lost during DATA: {exc}", uncertain=True
                )
            return DeliveryResult(False, False, None, f"connection lost while sending: {exc}")
        except ValueError as exc:  # smtplib refuses e.g. several To headers
            return DeliveryResult(False, True, None, f"message cannot be sent as is: {exc}")
        finally:
            _close(smtp)
        if refused:
            return DeliveryResult(
                True, detail=f"accepted, but these recipients were refused: {refused}"
            )
        return DeliveryResult(True, smtp_code=250, detail=f"accepted by {self.host}:{self.port}")

    def _connect(self) -> _SMTP | _SMTPSSL:
        """Open a connection, upgrade it to TLS when configured, and log in."""
        context = self.ssl_context or ssl.create_default_context()
        kwargs = {"timeout": self.timeout, "local_hostname": self.local_hostname}
        if self.security == "ssl":
            smtp: _SMTP | _SMTPSSL = _SMTPSSL(self.host, self.port, context=context, **kwargs)
        else:
            smtp = _SMTP(self.host, self.port, **kwargs)
        try:
            if self.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=context)  # SMTPNotSupportedError if not offered: no fallback
                smtp.ehlo()
            if self.username and self.password:
                smtp.login(self.username, self.password)
        except BaseException:
            _close(smtp)
            raise
        return smtp


class FileOutbox:
    """Write each message to `<message-id>.eml` in a directory, once per Message-ID."""

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def path_for(self, message_id: str) -> Path:
        """Return the file a Message-ID is written to (sanitised; a hash keeps ids distinct)."""
        core = message_id.strip().strip("<>")
        safe = re.sub(r"[^A-Za-z0-9._@+=-]", "_", core).lstrip(".")[:150]
        if safe != core:
            safe = f"{safe}-{hashlib.sha256(core.encode('utf-8', 'replace')).hexdigest()[:12]}"
        return self.directory / f"{safe}.eml"

    def send(self, message: EmailMessage, before_data: Checkpoint | None = None) -> DeliveryResult:
        """Write the message atomically; a Message-ID already in the outbox is not rewritten.

        No checkpoint is needed: writing a Message-ID twice is impossible, so a resend is safe.
        """
        message_id = str(message.get("Message-ID") or "").strip()
        if not message_id.strip("<>"):
            return DeliveryResult(False, True, None, "message has no Message-ID to name its file")
        target = self.path_for(message_id)
        if target.exists():
            return DeliveryResult(True, detail=f"already in outbox: {target}")
        try:
            data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
        except Exception as exc:
            return DeliveryResult(False, True, None, f"cannot serialise message: {exc}")
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=".eml")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                try:
                    os.link(tmp, target)  # atomic and never overwrites a concurrent writer's file
                except FileExistsError:
                    return DeliveryResult(True, detail=f"already in outbox: {target}")
                except OSError:  # filesystem without hard links: rename is still atomic
                    os.replace(tmp, target)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
        except OSError as exc:
            return DeliveryResult(
                False, False, None, f"cannot write to outbox {self.directory}: {exc}"
            )
        return DeliveryResult(True, detail=str(target))


def retry_delays(
    attempt: int, *, base: float = 60.0, factor: float = 2.0, cap: float = 6 * 3600.0
) -> float:
    """Seconds to wait before retry `attempt` (1-based): base * factor**(attempt-1), at most cap."""
    if attempt < 1:
        raise ValueError("attempt counts from 1")
    if base < 0 or factor < 1 or cap < 0:
        raise ValueError("need base >= 0, factor >= 1 and cap >= 0")
    try:
        return float(min(cap, base * factor ** (attempt - 1)))
    except OverflowError:
        return float(cap)


def _classify(code: int, text: bytes | str, stage: str) -> DeliveryResult:
    """Turn an SMTP reply into a result: 4xx is temporary, 5xx permanent."""
    reply = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    detail = f"{stage} rejected: {code} {reply}".strip()
    if 500 <= code < 600:
        blames_address = stage == "RCPT TO" or bool(_RECIPIENT_STATUS.search(reply))
        return DeliveryResult(False, True, code, detail, recipient_refused=blames_address)
    return DeliveryResult(False, False, code, detail)


def _text(exc: smtplib.SMTPResponseException) -> str:
    """The server's reply text of an SMTP error."""
    error = exc.smtp_error
    return error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)


def _close(smtp: smtplib.SMTP) -> None:
    """Say QUIT politely and close; a failure here cannot change the outcome of the send."""
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.quit()
    smtp.close()
