"""Dependencies every route declares: the store, the signed-in user, CSRF, roles and permissions.

Access rules are written here once, as dependencies, and routers declare them; no handler
repeats a role or permission check. Which customers a user may see is not decided here at all:
`brokerlens.access` cuts every query to the user's scope.

A user whose password must change (reset, or created temporary) passes `current_session`
nowhere: only the routes that let them change it or leave declare `SignedInDep` instead.
"""

from __future__ import annotations

import dataclasses
import hmac
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from sqlalchemy import Engine

from brokerlens.auth import resolve_session
from brokerlens.auth.principal import Permission, Principal
from brokerlens.auth.principal import customer_reader as reader_check
from brokerlens.config import Settings
from brokerlens.errors import AuthError, Forbidden
from brokerlens.store import open_store
from brokerlens.web.i18n import LANG_COOKIE, pick_language

SESSION_COOKIE = "bl_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionLike(Protocol):
    """What `brokerlens.auth.resolve_session` returns."""

    principal: Principal
    csrf_token: str
    must_change_password: bool


def get_settings(request: Request) -> Settings:
    settings = request.app.state.settings
    assert isinstance(settings, Settings)
    return settings


def get_db(request: Request) -> Engine:
    db = getattr(request.app.state, "db", None)
    if db is None:  # a client that skipped the lifespan (startup) still gets a store
        db = request.app.state.db = open_store(get_settings(request))
    assert isinstance(db, Engine)
    return db


SettingsDep = Annotated[Settings, Depends(get_settings)]
DbDep = Annotated[Engine, Depends(get_db)]


def client_ip(request: Request) -> str | None:
    """The connecting address, or the one a trusted proxy forwarded (brokerlens.web.security)."""
    return request.client.host if request.client else None


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure when the request came over HTTPS (directly, or as a trusted proxy
    says in X-Forwarded-Proto), and always when BROKERLENS_SECURE_COOKIES is set."""
    return get_settings(request).secure_cookies or request.url.scheme == "https"


def get_language(request: Request) -> str:
    return pick_language(request.cookies.get(LANG_COOKIE))


LanguageDep = Annotated[str, Depends(get_language)]


def optional_session(request: Request, db: DbDep) -> SessionLike | None:
    """The session named by the `bl_session` cookie, or None (absent, expired, user disabled)."""
    if hasattr(request.state, "session"):
        cached: SessionLike | None = request.state.session
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    info: SessionLike | None = None
    if token:
        info = resolve_session(  # type: ignore[assignment]
            db, token, ip=client_ip(request), user_agent=request.headers.get("user-agent")
        )
    request.state.session = info
    return info


def signed_in_session(
    session: Annotated[SessionLike | None, Depends(optional_session)],
) -> SessionLike:
    """Any live session, even one whose password must change first. Only the routes that
    let such a user change the password or leave (logout, /me) declare this one."""
    if session is None:
        raise AuthError("not signed in, or the session has ended", hint="sign in at /login")
    return session


SignedInDep = Annotated[SessionLike, Depends(signed_in_session)]


class PasswordChangeRequired(Forbidden):
    """The password was reset or is temporary: nothing but changing it is allowed yet.
    The error handlers answer it with a redirect to PASSWORD_PAGE (pages) or 403 (API)."""


PASSWORD_PAGE = "/account/password"
PASSWORD_API = "/api/account/password"


def current_session(session: SignedInDep) -> SessionLike:
    """The session every other route runs under: its user has a password of their own.

    The one place the must-change-password rule is enforced: every route depends on this,
    through PrincipalDep, CsrfDep or the role and permission dependencies built on them."""
    if session.must_change_password:
        raise PasswordChangeRequired(
            "密码须先修改 / you must change the password before anything else "
            "(it was reset or is temporary)",
            hint=f"POST {PASSWORD_API}",
        )
    return session


SessionDep = Annotated[SessionLike, Depends(current_session)]


def _principal(request: Request, session: SessionLike, language: str) -> Principal:
    principal = session.principal
    changes: dict[str, Any] = {}
    if principal.language != language:
        changes["language"] = language
    if principal.ip is None and request.client:
        changes["ip"] = request.client.host
    if principal.user_agent is None and request.headers.get("user-agent"):
        changes["user_agent"] = request.headers.get("user-agent")
    return dataclasses.replace(principal, **changes) if changes else principal


def current_principal(request: Request, session: SessionDep, language: LanguageDep) -> Principal:
    return _principal(request, session, language)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def signed_in_principal(request: Request, session: SignedInDep, language: LanguageDep) -> Principal:
    """The principal even while the password must change (see `signed_in_session`)."""
    return _principal(request, session, language)


SignedInPrincipalDep = Annotated[Principal, Depends(signed_in_principal)]


async def _check_csrf(request: Request, session: SessionLike) -> None:
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if sent is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, session.csrf_token):
        raise Forbidden(
            "the CSRF token is missing or wrong",
            hint=f"send the session's token as the `{CSRF_FIELD}` field or {CSRF_HEADER} header; "
            "reload the page to get a fresh one",
        )


async def csrf_protect(request: Request, session: SessionDep) -> None:
    """Every unsafe request carries the session's CSRF token (form field or header)."""
    await _check_csrf(request, session)


async def csrf_protect_signed_in(request: Request, session: SignedInDep) -> None:
    """`csrf_protect` for the routes open while the password must change."""
    await _check_csrf(request, session)


CsrfDep = Depends(csrf_protect)
SignedInCsrfDep = Depends(csrf_protect_signed_in)


def customer_reader(principal: PrincipalDep) -> Principal:
    """Anyone but the administrator, who manages accounts and sees no customer data."""
    return reader_check(principal)


ReaderDep = Annotated[Principal, Depends(customer_reader)]


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency that lets through only users holding `permission`."""

    def check(principal: PrincipalDep) -> Principal:
        if not principal.can(permission):
            raise Forbidden(
                f"this needs the {permission.value} permission",
                hint="ask an administrator if your work needs it",
            )
        return principal

    check.__name__ = f"require_{permission.value}"
    return check


ExporterDep = Annotated[Principal, Depends(require(Permission.EXPORT))]
CatalogEditorDep = Annotated[Principal, Depends(require(Permission.EDIT_CATALOG))]
AuditorDep = Annotated[Principal, Depends(require(Permission.READ_AUDIT))]
UserManagerDep = Annotated[Principal, Depends(require(Permission.MANAGE_USERS))]
