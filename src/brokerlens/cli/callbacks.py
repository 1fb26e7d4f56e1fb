"""`brokerlens callbacks ...`: 回访: call-backs (issue 18 section 1).

Thin callers of `brokerlens.access.callbacks`, acting as `--user NAME` (their scope and
permissions, audited in their name).
"""

from __future__ import annotations

import typer

from brokerlens.cli.main import app

callbacks_app = typer.Typer(help="回访: call-backs (issue 18 section 1).", no_args_is_help=True)
app.add_typer(callbacks_app, name="callbacks")
