"""`brokerlens complaints ...`: 投诉与建议: complaints (issue 18 section 2).

Thin callers of `brokerlens.access.complaints`, acting as `--user NAME` (their scope and
permissions, audited in their name).
"""

from __future__ import annotations

import typer

from brokerlens.cli.main import app

complaints_app = typer.Typer(
    help="投诉与建议: complaints (issue 18 section 2).", no_args_is_help=True
)
app.add_typer(complaints_app, name="complaints")
