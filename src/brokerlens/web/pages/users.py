"""Users (administrator): list, add, disable/enable, reset password, through
`brokerlens.access.users` (checked and audited as the API is)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.responses import RedirectResponse, Response

from brokerlens.access.users import (
    create_user,
    disable_account,
    enable_account,
    reset_account,
    users_of,
)
from brokerlens.auth.principal import Permission, Role
from brokerlens.errors import BrokerlensError, Conflict
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import error_text
from brokerlens.web.pages.common import AdminPageDep, Page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


def _users_page(page: Page, **extra: Any) -> Response:
    context = {
        "users": users_of(page.db, page.principal),
        "roles": list(Role),
        "permissions": list(Permission),
        "error": None,
        "notice": None,
        **extra,
    }
    status = 422 if extra.get("error") else 200
    return page.render("users.html", context, active="users", status_code=status)


@router.get("/users")
def users(page: AdminPageDep) -> Response:
    return _users_page(page)


@router.post("/users")
def add(
    page: AdminPageDep,
    username: Annotated[str, Form(max_length=64)],
    display_name: Annotated[str, Form(max_length=200)],
    role: Annotated[str, Form()],
    password: Annotated[str, Form(max_length=1024)],
    staff_id: Annotated[str, Form()] = "",
    unit_id: Annotated[str, Form()] = "",
    permissions: Annotated[list[str] | None, Form()] = None,
) -> Response:
    try:
        create_user(
            page.db,
            page.principal,
            username=username,
            display_name=display_name,
            role=role,
            password=password,
            staff_id=staff_id.strip() or None,
            unit_id=unit_id.strip() or None,
            permissions=tuple(permissions or ()),
        )
    except BrokerlensError as exc:
        return _users_page(page, error=error_text(422, exc.message, page.language))
    return RedirectResponse("/users", status_code=303)


@router.post("/users/{username}/{action}")
def change(page: AdminPageDep, username: str, action: str) -> Response:
    db = page.db
    if action == "disable":
        try:
            disable_account(db, page.principal, username)
        except Conflict as exc:  # issue 19: a staff member's book is handed over first
            return _users_page(page, error=error_text(409, exc.message, page.language))
    elif action == "enable":
        enable_account(db, page.principal, username)
    elif action == "reset":
        done = reset_account(db, page.principal, username)
        return _users_page(page, notice=(username, done.temporary_password))
    else:
        return _users_page(page, error=error_text(422, "action: unknown", page.language))
    return RedirectResponse("/users", status_code=303)
