"""POST /api/login, POST /api/logout, GET /api/me, POST /api/account/password."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from brokerlens.auth import login as auth_login
from brokerlens.auth import logout as auth_logout
from brokerlens.auth.principal import Principal
from brokerlens.web.account import change_own_password
from brokerlens.web.deps import (
    SESSION_COOKIE,
    DbDep,
    SignedInCsrfDep,
    SignedInDep,
    SignedInPrincipalDep,
    client_ip,
    secure_cookies,
)

router = APIRouter(prefix="/api", tags=["auth"])

SESSION_SECONDS = 8 * 3600  # auth ends sessions after 8 h; the cookie need not outlive that


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserPublic(BaseModel):
    user_id: int
    username: str
    display_name: str
    role: str
    staff_id: str | None
    unit_id: str | None
    permissions: list[str]

    @classmethod
    def of(cls, principal: Principal) -> UserPublic:
        return cls(
            user_id=principal.user_id,
            username=principal.username,
            display_name=principal.display_name,
            role=principal.role.value,
            staff_id=principal.staff_id,
            unit_id=principal.unit_id,
            permissions=sorted(p.value for p in principal.permissions),
        )


class LoginOut(BaseModel):
    user: UserPublic
    csrf_token: str = Field(description="send as X-CSRF-Token on every unsafe request")
    must_change_password: bool = Field(
        default=False,
        description="true: every other call answers 403 until POST /api/account/password",
    )


class MeOut(LoginOut):
    pass


def set_session_cookie(response: Response, token: str, request: Request) -> None:
    # Lax, not Strict: links from other sites are refused by brokerlens.web.security instead.
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure_cookies(request)
    )


@router.post("/login", response_model=LoginOut)
def login(body: LoginIn, request: Request, response: Response, db: DbDep) -> LoginOut:
    """Sign in: sets the HttpOnly session cookie and returns the session's CSRF token."""
    ticket = auth_login(
        db,
        body.username,
        body.password,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
    )
    set_session_cookie(response, ticket.token, request)
    return LoginOut(
        user=UserPublic.of(ticket.principal),
        csrf_token=ticket.csrf_token,
        must_change_password=ticket.must_change_password,
    )


@router.post("/logout", status_code=204, dependencies=[SignedInCsrfDep])
def logout(request: Request, db: DbDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth_logout(db, token)
    response = Response(status_code=204)
    clear_session_cookie(response, request)
    return response


@router.get("/me", response_model=MeOut)
def me(session: SignedInDep, principal: SignedInPrincipalDep) -> MeOut:
    return MeOut(
        user=UserPublic.of(principal),
        csrf_token=session.csrf_token,
        must_change_password=session.must_change_password,
    )


class PasswordChangeIn(BaseModel):
    old_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class PasswordChangeOut(BaseModel):
    changed: bool = True
    other_sessions_ended: int = Field(description="the user's other sessions, now signed out")


@router.post(
    "/account/password",
    response_model=PasswordChangeOut,
    dependencies=[SignedInCsrfDep],
    responses={403: {"description": "old_password is wrong"}, 422: {"description": "policy"}},
)
def change_password(
    body: PasswordChangeIn,
    request: Request,
    db: DbDep,
    session: SignedInDep,
    principal: SignedInPrincipalDep,
) -> PasswordChangeOut:
    """Change your own password (required first after a reset); ends your other sessions."""
    ended = change_own_password(
        db,
        request,
        principal,
        body.old_password,
        body.new_password,
        required=session.must_change_password,
    )
    return PasswordChangeOut(other_sessions_ended=ended)
