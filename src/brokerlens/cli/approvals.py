"""`brokerlens approvals ...`: 待审批: approval requests (issue 18 section 3).

Thin callers of `brokerlens.access.approvals`, acting as `--user NAME` (their scope and
permissions, audited in their name).
"""

from __future__ import annotations

import typer

from brokerlens.cli.main import app

approvals_app = typer.Typer(
    help="待审批: approval requests (issue 18 section 3).", no_args_is_help=True
)
app.add_typer(approvals_app, name="approvals")
