"""`brokerlens campaigns ...`: 营销活动 (issue 17 section 3): create from a segment or a product's
targets, launch (freeze and split), outcomes.
"""

from __future__ import annotations

import typer

from brokerlens.cli.main import app

campaigns_app = typer.Typer(help="营销活动 (issue 17 section 3)")
app.add_typer(campaigns_app, name="campaigns")
