"""FastAPI dependencies: settings, a database session per request, API-key authentication."""

from __future__ import annotations

import base64
import hmac
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session

from core.settings import Settings


def get_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request; committed on success, rolled back on error."""
    with request.app.state.db.session() as session:
        yield session


def get_session_opener(request: Request) -> Callable[[], AbstractContextManager[Session]]:
    """Opens sessions of its own, for work that outlives the request (background tasks)."""
    return request.app.state.db.session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
SessionOpenerDep = Annotated[
    Callable[[], AbstractContextManager[Session]], Depends(get_session_opener)
]


def _presented_key(header: str) -> str | None:
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":  # Segment sends the write key as the Basic user name
        try:
            return base64.b64decode(value.strip()).decode().split(":", 1)[0]
        except (ValueError, UnicodeDecodeError):
            return None
    return None


def require_api_key(request: Request, settings: SettingsDep) -> None:
    """401 unless the request carries the API key (Bearer, or Basic with the key as user)."""
    presented = _presented_key(request.headers.get("authorization", ""))
    if not presented or not hmac.compare_digest(presented, settings.api_key):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing or invalid API key",
            headers={"WWW-Authenticate": "Bearer"},
        )


Authenticated = Depends(require_api_key)
