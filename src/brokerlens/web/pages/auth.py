"""The login page, logout and the language switch."""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from brokerlens.auth import login, logout
from brokerlens.errors import AuthError, InvalidRequest
from brokerlens.web.api.auth import clear_session_cookie, set_session_cookie
from brokerlens.web.deps import (
    SESSION_COOKIE,
    DbDep,
    LanguageDep,
    SignedInCsrfDep,
    client_ip,
    optional_session,
    secure_cookies,
)
from brokerlens.web.i18n import LANG_COOKIE, LANGUAGES, error_text, translate
from brokerlens.web.pages.common import safe_next
from brokerlens.web.templating import render

router = APIRouter(include_in_schema=False)

# Before sign-in there is no session to hold a CSRF token, so the login form uses a
# double-submit cookie: the form's hidden field must equal this cookie.
LOGIN_CSRF_COOKIE = "bl_login_csrf"


def _login_page(
    request: Request,
    language: str,
    secure: bool,
    *,
    next_url: str,
    error: str | None = None,
    hint: str | None = None,
    username: str | None = None,
    status_code: int = 200,
) -> Response:
    token = secrets.token_urlsafe(24)
    context: dict[str, Any] = {
        "principal": None,
        "snapshot": None,
        "nav": [],
        "csrf_token": None,
        "login_csrf": token,
        "next": next_url,
        "error": error,
        "hint": hint,
        "username": username,
        "notice": None,
    }
    response = render(request, "login.html", context, language=language, status_code=status_code)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=secure,
    )
    return response


@router.get("/login")
def login_page(
    request: Request,
    language: LanguageDep,
    db: DbDep,
    next: str | None = None,
) -> Response:
    if optional_session(request, db) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(request, language, secure_cookies(request), next_url=safe_next(next))


@router.post("/login")
def login_submit(
    request: Request,
    language: LanguageDep,
    db: DbDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    target = safe_next(next)
    if not expected or not hmac.compare_digest(expected, csrf_token):
        message = translate("login.csrf", language)
        return _login_page(
            request,
            language,
            secure_cookies(request),
            next_url=target,
            error=message,
            username=username,
            status_code=403,
        )
    try:
        ticket = login(
            db,
            username,
            password,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except (AuthError, InvalidRequest) as exc:
        return _login_page(
            request,
            language,
            secure_cookies(request),
            next_url=target,
            error=error_text(401, exc.message, language),
            hint=exc.hint if language == "en" else None,
            username=username,
            status_code=401,
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, ticket.token, request)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout", dependencies=[SignedInCsrfDep])
def logout_submit(request: Request, db: DbDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        logout(db, token)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, request)
    return response


@router.get("/lang/{language}")
def switch_language(language: str, request: Request, next: str | None = None) -> Response:
    """A preference only (no data changes), so a plain link rather than a form."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if language in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE,
            language,
            max_age=365 * 86400,
            path="/",
            samesite="lax",
            secure=secure_cookies(request),
        )
    return response
