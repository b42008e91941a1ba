"""Ask endpoints: a question in plain language, and the confirmation of a proposed action.

`router` is what api/app.py includes: the /v1/ask endpoints, which require the API key like every
other /v1 router, plus the read-only dashboard (api/routers/dashboard.py), which checks the same
key itself so that a browser can open it (?key= once, then a cookie).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from agent.analytics.answer import Answer, CannotAnswer, ConfirmResult
from agent.analytics.ask import ask, confirm
from api.deps import SessionDep, SettingsDep, require_api_key
from api.routers import dashboard

api = APIRouter(prefix="/v1/ask", tags=["analytics"], dependencies=[Depends(require_api_key)])


class AskIn(BaseModel):
    """A question, and optionally the previous one (so "these" can refer to its leads)."""

    question: str = Field(min_length=1, max_length=500)
    previous: str | None = Field(None, max_length=500)


class ConfirmIn(BaseModel):
    """A proposal token from an answer."""

    token: str = Field(min_length=10, max_length=20000)


@api.post("")
def ask_question(body: AskIn, session: SessionDep, settings: SettingsDep) -> Answer | CannotAnswer:
    """Answer a funnel question: the numbers, the SQL behind them and links to the records."""
    return ask(session, body.question, previous=body.previous, secret=settings.unsubscribe_secret)


@api.post("/confirm", response_model=ConfirmResult)
def confirm_proposal(body: ConfirmIn, session: SessionDep, settings: SettingsDep):
    """Execute a proposed action (save a segment, enroll leads) after a human confirmed it."""
    result = confirm(session, body.token, secret=settings.unsubscribe_secret)
    if result.ok:
        return result
    if result.kind == "invalid":
        status = 400
    elif "not available" in result.message:
        status = 501
    else:
        status = 409
    return JSONResponse(status_code=status, content=result.model_dump(mode="json"))


router = APIRouter()
router.include_router(api)
router.include_router(dashboard.router)
