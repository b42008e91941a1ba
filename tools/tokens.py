"""Signed tokens for links in outgoing mail: unsubscribe, open pixel, click redirect (HMAC-SHA256).

A token is `<payload>.<signature>` in URL-safe base64; the payload names its purpose, so an open
token cannot be replayed as an unsubscribe token. Click tokens also sign the target URL, so the
redirect endpoint is not an open redirect.
"""

from __future__ import annotations

import base64
import hashlib
import hmac


class BadToken(ValueError):
    """A token that is malformed or not signed by us."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: str, extra: str) -> str:
    digest = hmac.new(secret.encode(), f"{payload}|{extra}".encode(), hashlib.sha256).digest()
    return _b64(digest[:18])


def sign(secret: str, purpose: str, *ids: int, extra: str = "") -> str:
    """A token for `purpose` carrying integer ids (and covering `extra`, e.g. a URL)."""
    payload = ":".join([purpose, *(str(int(i)) for i in ids)])
    return f"{_b64(payload.encode())}.{_mac(secret, payload, extra)}"


def verify(secret: str, token: str, purpose: str, *, extra: str = "") -> list[int]:
    """The ids in a valid token for `purpose`; BadToken otherwise."""
    try:
        encoded, signature = token.split(".", 1)
        payload = _unb64(encoded).decode("ascii")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadToken("malformed token") from exc
    if not hmac.compare_digest(signature, _mac(secret, payload, extra)):
        raise BadToken("bad signature")
    kind, *ids = payload.split(":")
    if kind != purpose or not all(i.isdigit() for i in ids):
        raise BadToken(f"not a {purpose} token")
    return [int(i) for i in ids]
