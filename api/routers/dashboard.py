"""A small read-only dashboard: funnel, score distribution and weekly trends as PNG charts.

Access: the dashboard shows aggregate numbers only, but those are still business data, so it
needs the API key. A browser opens `/dashboard?key=<API key>` once; the server answers with a
redirect to `/dashboard` (the key leaves the address bar) and an HttpOnly, SameSite=Lax cookie
holding an HMAC of the key (never the key itself), valid 8 hours. API clients may send
`Authorization: Bearer <key>` instead.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from html import escape

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from agent.analytics.wording import hours_text, pct
from api.deps import SessionDep, SettingsDep
from core.settings import Settings
from tools.charts import funnel_chart, score_chart, trend_chart
from tools.metrics import last_days, month_of
from tools.metrics_cohorts import speed_to_lead
from tools.metrics_email import email_performance
from tools.metrics_funnel import funnel_counts, mql_count, mql_rate
from tools.metrics_leads import leads_over_time, score_histogram

router = APIRouter(tags=["dashboard"])
COOKIE = "nurture_dashboard"
CHARTS = ("funnel", "scores", "trend")


def _cookie_value(settings: Settings) -> str:
    return hmac.new(settings.api_key.encode(), b"nurture/dashboard/v1", hashlib.sha256).hexdigest()


def _authorized(request: Request, settings: Settings) -> bool:
    """A valid dashboard cookie or an `Authorization: Bearer` header carrying the API key."""
    cookie = request.cookies.get(COOKIE, "")
    if cookie and hmac.compare_digest(cookie, _cookie_value(settings)):
        return True
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip(), settings.api_key)


def _chart(session, name: str, now: datetime) -> bytes:
    """One dashboard chart as PNG bytes."""
    if name == "funnel":
        return funnel_chart(funnel_counts(session, as_of=now).numbers, "Funnel (all time)")
    if name == "scores":
        return score_chart(score_histogram(session, as_of=now).numbers, "Score distribution")
    window = last_days(now, 84)
    new = leads_over_time(session, window, "week", as_of=now).numbers
    mqls = leads_over_time(session, window, "week", event="mql", as_of=now).numbers
    return trend_chart({"new leads": new, "reached MQL": mqls}, "Per week, last 12 weeks")


def _tiles(session, now: datetime) -> list[tuple[str, str]]:
    """The headline numbers above the charts."""
    month, recent = month_of(now, "this month"), last_days(now, 30)
    funnel = funnel_counts(session, as_of=now).numbers
    return [
        ("Leads", f"{funnel['leads']:.0f}"),
        ("Reached MQL this month", f"{mql_count(session, month, as_of=now).value:.0f}"),
        ("MQL rate, leads created this month", pct(mql_rate(session, month, as_of=now).value)),
        ("Open rate, last 30 days", pct(email_performance(session, recent, as_of=now).value)),
        (
            "Speed-to-lead (median), last 30 days",
            hours_text(speed_to_lead(session, recent, as_of=now).value),
        ),
    ]


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nurture dashboard</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #1f2937; }}
.tiles {{ display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0 2rem; }}
.tile {{ border: 1px solid #e5e7eb; border-radius: 8px; padding: .8rem 1.2rem; min-width: 10rem; }}
.tile b {{ display: block; font-size: 1.6rem; }}
figure {{ margin: 0 0 2rem; }} img {{ max-width: 100%; }}
</style></head><body>
<h1>nurture dashboard</h1>
<p>Read-only, aggregate numbers as of {now} UTC. Ask questions with <code>POST /v1/ask</code> or
<code>nurture ask "…"</code>.</p>
<div class="tiles">{tiles}</div>
{figures}
</body></html>"""


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(request: Request, session: SessionDep, settings: SettingsDep, key: str | None = None):
    """The dashboard page (open it once with ?key=<API key>; a cookie keeps you signed in)."""
    if key is not None:
        if not hmac.compare_digest(key, settings.api_key):
            return HTMLResponse("<h1>Wrong key</h1>", status_code=401)
        response = RedirectResponse("/dashboard", status_code=303)
        response.set_cookie(
            COOKIE,
            _cookie_value(settings),
            max_age=8 * 3600,
            httponly=True,
            samesite="lax",
            path="/dashboard",
            secure=settings.public_url.startswith("https://"),
        )
        return response
    if not _authorized(request, settings):
        body = "<h1>Sign in</h1><p>Open <code>/dashboard?key=&lt;API key&gt;</code>.</p>"
        return HTMLResponse(body, status_code=401)
    now = datetime.now(UTC)
    tiles = "".join(
        f'<div class="tile"><b>{escape(value)}</b>{escape(label)}</div>'
        for label, value in _tiles(session, now)
    )
    titles = {"funnel": "Funnel", "scores": "Score distribution", "trend": "Weekly trend"}
    figures = "".join(
        f'<figure><img id="chart-{name}" alt="{titles[name]}" src="data:image/png;base64,'
        f'{base64.b64encode(_chart(session, name, now)).decode()}"></figure>'
        for name in CHARTS
    )
    page = PAGE.format(now=now.strftime("%Y-%m-%d %H:%M"), tiles=tiles, figures=figures)
    return HTMLResponse(page)


@router.get("/dashboard/charts/{name}.png")
def dashboard_chart(name: str, request: Request, session: SessionDep, settings: SettingsDep):
    """One dashboard chart as a PNG (funnel, scores, trend)."""
    if not _authorized(request, settings):
        raise HTTPException(401, detail="open /dashboard?key=<API key> first, or send the key")
    if name not in CHARTS:
        raise HTTPException(404, detail=f"no chart {name!r}; charts: {', '.join(CHARTS)}")
    return Response(_chart(session, name, datetime.now(UTC)), media_type="image/png")
