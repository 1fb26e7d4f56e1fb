"""`brokerlens records ...`: 服务记录 (issue 17 section 2): log a contact, edit it for 24 hours, the
360 timeline.
"""

from __future__ import annotations

import typer

from brokerlens.cli.main import app

records_app = typer.Typer(help="服务记录 (issue 17 section 2)")
app.add_typer(records_app, name="records")
