"""Errors become answers: JSON {"error", "hint"} under /api, a styled page (or redirect) elsewhere.

An out-of-scope customer raises the same NotFound as an unknown one in `access`, and both are
answered here through the one handler, so the two responses are byte for byte alike.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, RedirectResponse, Response

from brokerlens.classify.errors import UnknownName
from brokerlens.errors import (
    AuthError,
    BrokerlensError,
    ConfigError,
    Conflict,
    Forbidden,
    NotFound,
)
from brokerlens.web.deps import PASSWORD_PAGE, SESSION_COOKIE, PasswordChangeRequired
from brokerlens.web.i18n import LANG_COOKIE, error_text, pick_language
from brokerlens.web.templating import render

log = logging.getLogger(__name__)

STATUS_TITLES = {
    401: "error.401",
    403: "error.403",
    404: "error.404",
    409: "error.409",
    422: "error.422",
    500: "error.500",
}


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def status_of(exc: BrokerlensError) -> int:
    if isinstance(exc, NotFound | UnknownName):
        return 404
    if isinstance(exc, Forbidden):
        return 403
    if isinstance(exc, AuthError):
        return 401
    if isinstance(exc, Conflict):  # a workflow step out of order
        return 409
    if isinstance(exc, ConfigError):  # InvalidRequest, CatalogError: the request is unusable
        return 422
    return 500


def error_response(
    request: Request,
    status: int,
    message: str,
    hint: str | None,
    extra: dict[str, Any] | None = None,
    *,
    continue_to: str | None = None,
) -> Response:
    """The error as JSON for the API, else as a page; `continue_to` (a path of this site) adds a
    link to go on there, which the browser then follows as a request from this site."""
    if is_api(request):
        body: dict[str, Any] = {"error": message, "hint": hint}
        if extra:
            body.update(extra)
        return JSONResponse(body, status_code=status)
    if status == 401:
        return _to_login(request)
    return _error_page(request, status, message, hint, continue_to)


def _to_login(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    url = "/login" if target in ("/", "/login") else f"/login?next={quote(target, safe='')}"
    if is_htmx(request):  # htmx follows this header with a full page load
        response: Response = Response(status_code=401, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if request.cookies.get(SESSION_COOKIE):
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _to_password_page(request: Request) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    # Back to a GET afterwards only: a form's POST is not worth repeating blind.
    back = request.method == "GET" and target != "/"
    url = f"{PASSWORD_PAGE}?next={quote(target, safe='')}" if back else PASSWORD_PAGE
    if is_htmx(request):  # a 303 would be followed inside the XHR and swapped into the page
        return Response(status_code=403, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _error_page(
    request: Request, status: int, message: str, hint: str | None, continue_to: str | None = None
) -> Response:
    language = pick_language(request.cookies.get(LANG_COOKIE))
    name = "_error.html" if is_htmx(request) else "error.html"
    # The page speaks the reader's language (i18n.error_text); the original message, written
    # for the API and the CLI, stays on the page as technical detail (a hover) for support.
    said = error_text(status, message, language)
    technical = message if not hint else f"{message} ({hint})"
    context = {
        "status": status,
        "title_id": STATUS_TITLES.get(status, "error.title"),
        "message": said,
        "hint": hint
        if language == "en" or (hint and not re.search("[A-Za-z]{2,}", hint))
        else None,
        "technical": technical if said != message else None,
        "continue_to": continue_to,
        "principal": None,
        "snapshot": None,
        "nav": [],
    }
    return render(request, name, context, language=language, status_code=status)


def install(app: FastAPI) -> None:
    async def on_brokerlens(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, BrokerlensError)
        if isinstance(exc, PasswordChangeRequired) and not is_api(request):
            return _to_password_page(request)
        return error_response(request, status_of(exc), exc.message, exc.hint)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
            for e in exc.errors()
        ]
        first = problems[0] if problems else {"where": "request", "problem": "invalid"}
        message = f"{first['where']}: {first['problem']}"
        hint = "fix the named parameter or field and send the request again"
        return error_response(request, 422, message, hint, {"detail": problems})

    async def on_model_validation(request: Request, exc: Exception) -> Response:
        # Request input checked by a model inside a handler rather than by FastAPI: still the
        # request's fault, answered like RequestValidationError (never a 500).
        assert isinstance(exc, ValidationError)
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg")}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        first = problems[0] if problems else {"where": "request", "problem": "invalid"}
        message = f"{first['where']}: {first['problem']}"
        hint = "fix the named parameter or field and send the request again"
        return error_response(request, 422, message, hint, {"detail": problems})

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        message = str(exc.detail) if exc.detail else "error"
        if exc.status_code == 404:
            message = "no such page" if not is_api(request) else "no such resource"
        return error_response(request, exc.status_code, message, None)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        # A bug, not the request's fault: logged with its traceback, answered in the
        # reader's language without one.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "internal error", None)

    app.add_exception_handler(BrokerlensError, on_brokerlens)
    app.add_exception_handler(Exception, on_unexpected)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ValidationError, on_model_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
