"""`brokerlens workorders ...`: 工单: work orders (issue 18 section 3).

Thin callers of `brokerlens.access.work_orders`, acting as `--user NAME` (their scope and
permissions, audited in their name).
"""

from __future__ import annotations

import typer

from brokerlens.cli.main import app

workorders_app = typer.Typer(help="工单: work orders (issue 18 section 3).", no_args_is_help=True)
app.add_typer(workorders_app, name="workorders")
