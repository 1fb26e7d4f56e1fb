"""Users, passwords, sign-in and sessions for the workbench.

Passwords are argon2id hashes; a session cookie carries a random token whose sha256 alone is
stored. Every sign-in attempt is recorded; a username locks after repeated failures and an
address is rate limited. Demo users (one per role) are anchored on the published organisation.
"""

from brokerlens.auth.demo import DEMO_PASSWORD, DemoUser, create_demo_users
from brokerlens.auth.login import Ticket, login
from brokerlens.auth.passwords import (
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from brokerlens.auth.policy import check_password_policy
from brokerlens.auth.sessions import (
    SESSION_LIFETIME,
    SessionInfo,
    end_other_sessions,
    logout,
    resolve_session,
)
from brokerlens.auth.users import (
    UserRecord,
    add_user,
    change_password,
    disable_user,
    enable_user,
    get_user,
    list_users,
    principal_of,
    reset_password,
)

__all__ = [
    "DEMO_PASSWORD",
    "SESSION_LIFETIME",
    "DemoUser",
    "SessionInfo",
    "Ticket",
    "UserRecord",
    "add_user",
    "change_password",
    "check_password_policy",
    "create_demo_users",
    "disable_user",
    "enable_user",
    "end_other_sessions",
    "generate_password",
    "get_user",
    "hash_password",
    "list_users",
    "login",
    "logout",
    "needs_rehash",
    "principal_of",
    "reset_password",
    "resolve_session",
    "verify_password",
]
