"""The signed-in user's own password change, shared by the page and the API."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine

from brokerlens.access import record_audit
from brokerlens.auth import change_password, end_other_sessions
from brokerlens.auth.principal import Principal
from brokerlens.errors import AuthError, Forbidden
from brokerlens.web.deps import SESSION_COOKIE

AUDIT_ACTION = "password_changed"


class WrongCurrentPassword(Forbidden):
    """Not AuthError: that one means 'not signed in' here (401, and pages drop the cookie)."""


def change_own_password(
    db: Engine, request: Request, principal: Principal, old: str, new: str, *, required: bool
) -> int:
    """Change the password, end the user's other sessions, audit it; how many sessions ended.

    Raises WrongCurrentPassword, or InvalidRequest when the new password breaks the policy."""
    try:
        change_password(db, principal.user_id, old, new)
    except AuthError as exc:
        raise WrongCurrentPassword(
            exc.message, hint="give the password you signed in with as old_password"
        ) from None
    # Whoever else holds a session may have signed in with the old password.
    ended = end_other_sessions(db, principal.user_id, request.cookies.get(SESSION_COOKIE, ""))
    # auth.change_password writes no audit row of its own, so the web layer records it.
    with db.begin() as connection:
        record_audit(
            connection,
            principal,
            AUDIT_ACTION,
            [],
            {"other_sessions_ended": ended, "required": required},
        )
    return ended
