"""`brokerlens worklist ...`: 今日待办 (issue 17 section 1): a broker's daily work list, done /
snooze / dismiss, completion by broker.
"""

from __future__ import annotations

import typer

from brokerlens.cli.main import app

worklist_app = typer.Typer(help="今日待办 (issue 17 section 1)")
app.add_typer(worklist_app, name="worklist")
