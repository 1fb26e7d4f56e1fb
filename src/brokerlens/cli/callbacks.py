"""`brokerlens callbacks ...`: 回访: call-backs (issue 18 section 1).

Thin callers of `brokerlens.access.callbacks`, acting as `--user NAME` (their scope and
permissions, audited in their name).
"""

from __future__ import annotations

from typing import Annotated

import typer

from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console

callbacks_app = typer.Typer(help="回访: call-backs (issue 18 section 1).", no_args_is_help=True)
app.add_typer(callbacks_app, name="callbacks")


# --- `callbacks build` (the rules' tasks: part A1) --------------------------------------------


@callbacks_app.command()
def build(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="An already-run date (default: the last loaded).")
    ] = None,
) -> None:
    """Make the call-back tasks of T by rule (the run's "callback tasks" step alone: new
    accounts' call-backs, the year's sample or its replacements) and load the ones the store
    lacks."""
    import time

    from brokerlens.pipeline.single import run_single_step
    from brokerlens.publish.callbacks import publish_callbacks
    from brokerlens.store import open_store

    settings = settings_of(ctx)
    day, outcome = run_single_step(settings, "callback tasks", as_of=parse_date(as_of, "--as-of"))
    console.print(
        f"call-back tasks as of {day}: {outcome.result.note} ({outcome.seconds:.2f} s)",
        markup=False,
    )
    db = open_store(settings)
    started = time.perf_counter()
    loaded = publish_callbacks(db, settings, day)
    console.print(
        f"loaded {loaded:,} new task(s) into the store ({time.perf_counter() - started:.2f} s)",
        markup=False,
    )
