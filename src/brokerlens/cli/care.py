"""`brokerlens care ...`: 关怀提醒 (issue 17 section 4): the care messages' outbox, export, e-mail,
opt-outs.
"""

from __future__ import annotations

import typer

from brokerlens.cli.main import app

care_app = typer.Typer(help="关怀提醒 (issue 17 section 4)")
app.add_typer(care_app, name="care")
