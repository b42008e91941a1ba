"""Email endpoints: inbound replies, ESP event webhook, one-click unsubscribe, open/click tracking.

`router` needs the API key (added by the app); `public` endpoints are reached from mailboxes and
providers and authenticate themselves (signed tokens, or the webhook secret).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import html
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SessionDep, SettingsDep, _presented_key
from tools.email_events import EspBatch, process_esp_events, record_click, record_open, unsubscribe
from tools.inbound import form_raw, handle, receive
from tools.tokens import BadToken, verify

router = APIRouter(prefix="/v1", tags=["email"])
public = APIRouter(tags=["email"])
MAX_FORM_PART = 60 * 1024 * 1024
PIXEL = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def get_reply_handler(request: Request):
    """The reply handler of the classification agent, when it is installed (else the fallback)."""
    try:
        from agent.reply_graph import handle_reply
    except ImportError:
        return None
    return lambda reply_id: handle_reply(request.app.state.db, reply_id)


ReplyHandlerDep = Annotated[Any, Depends(get_reply_handler)]


@router.post("/inbound/email")
async def inbound_email(
    request: Request, session: SessionDep, reply_handler: ReplyHandlerDep
) -> JSONResponse:
    """Receive a reply: a raw RFC 5322 message, or an ESP inbound-parse form post."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype in FORM_TYPES:
        form = await request.form(max_part_size=MAX_FORM_PART)
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        result = receive(session, form_raw(fields), "api.form", form=fields)
    else:
        result = receive(session, await request.body(), "api.raw")
    if result.status == "malformed":
        return JSONResponse(
            status_code=400,
            content={
                "error": "malformed_email",
                "reason": result.error,
                "inbound_id": result.inbound_id,
            },
        )
    handle(session, result, reply_handler)
    return JSONResponse(
        {
            "status": result.status,
            "inbound_id": result.inbound_id,
            "reply_id": result.reply_id,
            "lead_id": result.lead_id,
            "outbox_id": result.outbox_id,
            "auto_reply": result.auto_reply,
            "exited_enrollments": result.exited,
        }
    )


def _webhook_allowed(request: Request, body: bytes, settings) -> bool:
    presented = _presented_key(request.headers.get("authorization", ""))
    if presented and hmac.compare_digest(presented, settings.api_key):
        return True
    signature = request.headers.get("x-nurture-signature", "").removeprefix("sha256=")
    if settings.webhook_secret and signature:
        expected = hmac.new(settings.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(signature, expected)
    return False


@public.post("/v1/webhooks/email")
async def email_webhook(request: Request, session: SessionDep, settings: SettingsDep):
    """Email events from a provider (delivered, opened, clicked, bounced, complained, …)."""
    body = await request.body()
    if not _webhook_allowed(request, body, settings):
        raise HTTPException(401, "missing or invalid API key or webhook signature")
    try:
        batch = EspBatch.model_validate_json(body)
    except ValidationError as exc:
        errors = [
            {"field": ".".join(map(str, e["loc"])) or "body", "error": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse(status_code=400, content={"error": "invalid_input", "errors": errors})
    return process_esp_events(session, batch)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
        f'<body style="font-family: sans-serif; max-width: 32em; margin: 4em auto">'
        f"<h1>{title}</h1>{body}</body></html>",
        status_code=status,
    )


@public.get("/v1/unsubscribe/{token}", response_class=HTMLResponse)
def unsubscribe_page(token: str, settings: SettingsDep) -> HTMLResponse:
    """The confirmation page behind the unsubscribe link (a GET never unsubscribes)."""
    try:
        verify(settings.unsubscribe_secret, token, "unsubscribe")
    except BadToken:
        return _page("Link not valid", "<p>This unsubscribe link is not valid.</p>", 400)
    action = html.escape(token, quote=True)
    return _page(
        "Unsubscribe",
        "<p>Stop receiving these emails?</p>"
        f'<form method="post" action="{action}"><input type="hidden" name="source" value="page">'
        '<button type="submit">Unsubscribe</button></form>',
    )


@public.post("/v1/unsubscribe/{token}")
async def unsubscribe_now(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """RFC 8058 one-click unsubscribe (and the confirmation page's button): suppress at once."""
    body = (await request.body()).decode("utf-8", "replace")
    method = "one-click" if "List-Unsubscribe=One-Click" in body else "page"
    try:
        lead = unsubscribe(session, settings, token, method)
    except BadToken:
        raise HTTPException(400, "invalid unsubscribe token") from None
    if lead is None:
        raise HTTPException(404, "unknown recipient")
    if method == "page":
        return _page("Unsubscribed", "<p>You will not receive these emails any more.</p>")
    return JSONResponse({"unsubscribed": True})


@public.get("/t/o/{token}.gif", include_in_schema=False)
def open_pixel(token: str, session: SessionDep, settings: SettingsDep) -> Response:
    """The open-tracking pixel (records only when NURTURE_TRACKING=all)."""
    if settings.tracking == "all":
        with contextlib.suppress(BadToken):  # a forged pixel still gets a pixel, and no record
            record_open(session, settings, token)
    return Response(PIXEL, media_type="image/gif", headers={"Cache-Control": "no-store"})


@public.get("/t/c/{token}", include_in_schema=False)
def click(token: str, u: str, session: SessionDep, settings: SettingsDep) -> Response:
    """A tracked link: check the signature covers the URL, record the click, redirect."""
    try:
        if settings.tracking == "off":
            verify(settings.unsubscribe_secret, token, "click", extra=u)
        else:
            record_click(session, settings, token, u)
    except BadToken:
        raise HTTPException(400, "invalid tracking link") from None
    return RedirectResponse(u, status_code=302)
