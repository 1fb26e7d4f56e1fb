"""The named user a command acts as: `--user NAME`, checked as the web checks a session
(unknown, disabled, locked or must-change-password users are refused), then handed to the
same `brokerlens.access` functions the web calls, which check scope and permissions and write
the audit row under that name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import typer

from brokerlens.cli.main import settings_of
from brokerlens.config import Settings

if TYPE_CHECKING:
    import sqlalchemy as sa

    from brokerlens.auth.principal import Principal

UserOpt = Annotated[
    str,
    typer.Option(
        "--user",
        help="Act as this workbench user: their permissions and scope, audited in their name.",
        show_default=False,
    ),
]


@dataclass(frozen=True)
class Acting:
    settings: Settings
    db: sa.Engine
    principal: Principal


def acting(ctx: typer.Context, username: str, *, customers: bool = True) -> Acting:
    """The settings, the store and the principal of `--user`; for a command about customers
    (`customers`) not the administrator, who sees no customer data (as on the web)."""
    from brokerlens.access.users import acting_principal
    from brokerlens.auth.principal import customer_reader
    from brokerlens.store import open_store

    settings = settings_of(ctx)
    db = open_store(settings)
    principal = acting_principal(db, username)
    if customers:
        customer_reader(principal)
    return Acting(settings, db, principal)
