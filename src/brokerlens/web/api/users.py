"""Accounts, for the administrator (Permission.MANAGE_USERS), through `brokerlens.access.users`:
every change is audited (user_create, user_disable, user_enable, user_reset)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from brokerlens.access.users import (
    create_user,
    disable_account,
    enable_account,
    reset_account,
    users_of,
)
from brokerlens.auth.principal import Permission, Role
from brokerlens.web.deps import CsrfDep, DbDep, UserManagerDep, require

router = APIRouter(
    prefix="/api/users",
    tags=["users"],
    dependencies=[CsrfDep, Depends(require(Permission.MANAGE_USERS))],
)


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(min_length=1, max_length=1024)
    staff_id: str | None = None
    unit_id: str | None = None
    permissions: list[Permission] = Field(default_factory=list)


class UserRecordPublic(BaseModel):
    user_id: int | None = None
    username: str
    display_name: str
    role: str
    staff_id: str | None = None
    unit_id: str | None = None
    permissions: list[str] = Field(default_factory=list)
    active: bool = True
    locked_until: dt.datetime | None = None
    must_change_password: bool = False
    created_at: dt.datetime | None = None


class UsersPublic(BaseModel):
    data: list[UserRecordPublic]
    count: int


class ResetIn(BaseModel):
    new_password: str | None = Field(default=None, max_length=1024)


class ResetOut(BaseModel):
    username: str
    temporary_password: str | None


def users_public(db: Any, principal: Any) -> UsersPublic:
    found = users_of(db, principal)
    data = [UserRecordPublic.model_validate(jsonable_encoder(u)) for u in found]
    return UsersPublic(data=data, count=len(data))


@router.get("", response_model=UsersPublic)
def list_users(db: DbDep, admin: UserManagerDep) -> UsersPublic:
    return users_public(db, admin)


@router.post("", status_code=201, response_model=UsersPublic)
def add_user(body: UserCreate, db: DbDep, admin: UserManagerDep) -> UsersPublic:
    """Add an account (the password must meet the policy); returns every account. Audited as
    `user_create`."""
    create_user(
        db,
        admin,
        username=body.username,
        display_name=body.display_name,
        role=body.role,
        password=body.password,
        staff_id=body.staff_id or None,
        unit_id=body.unit_id or None,
        permissions=tuple(body.permissions),
    )
    return users_public(db, admin)


@router.post("/{username}/disable", status_code=204)
def disable(username: str, db: DbDep, admin: UserManagerDep) -> None:
    """The user can no longer sign in; their sessions end. Audited as `user_disable`."""
    disable_account(db, admin, username)


@router.post("/{username}/enable", status_code=204)
def enable(username: str, db: DbDep, admin: UserManagerDep) -> None:
    """Active again, any lockout lifted. Audited as `user_enable`."""
    enable_account(db, admin, username)


@router.post("/{username}/reset", response_model=ResetOut)
def reset(username: str, body: ResetIn, db: DbDep, admin: UserManagerDep) -> ResetOut:
    """A new password (a generated temporary one when none given); ends the user's sessions.
    Audited as `user_reset` (never the password)."""
    done = reset_account(db, admin, username, body.new_password or None)
    return ResetOut(username=username, temporary_password=done.temporary_password)
