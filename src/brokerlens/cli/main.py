"""The `brokerlens` command. Each sub-command is a thin caller of a service function."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

import typer

from brokerlens import __version__
from brokerlens.config import Settings, load_settings
from brokerlens.console import err_console

app = typer.Typer(
    name="brokerlens",
    help="Customer analytics for securities brokerages: feeds -> lake -> indicators -> service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"brokerlens {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            envvar="BROKERLENS_HOME",
            help="Data home holding all state \\[default: ./brokerlens-data].",
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    ctx.obj = load_settings(home=home)


def settings_of(ctx: typer.Context) -> Settings:
    settings = ctx.obj
    assert isinstance(settings, Settings)
    return settings


def parse_date(value: str | None, option: str) -> dt.date | None:
    """A YYYY-MM-DD option value; a clear error names the option otherwise."""
    from brokerlens.errors import ConfigError

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        hint = "write it as YYYY-MM-DD"
        raise ConfigError(f"{option} {value!r} is not a date", hint=hint) from None


def _register() -> None:
    # Sub-command modules attach themselves to `app`; imported here to keep start-up light.
    import brokerlens.cli.publish  # noqa: F401
    from brokerlens.cli import activation as _activation  # noqa: F401
    from brokerlens.cli import alerts as _alerts  # noqa: F401
    from brokerlens.cli import approvals as _approvals  # noqa: F401
    from brokerlens.cli import bench, catalog, generate, ingest, riskpref, run, serve, sql  # noqa: F401
    from brokerlens.cli import callbacks as _callbacks  # noqa: F401
    from brokerlens.cli import campaigns as _campaigns  # noqa: F401
    from brokerlens.cli import care as _care  # noqa: F401
    from brokerlens.cli import churn as _churn  # noqa: F401
    from brokerlens.cli import complaints as _complaints  # noqa: F401
    from brokerlens.cli import daily as _daily  # noqa: F401  (issue 21)
    from brokerlens.cli import handover as _handover  # noqa: F401  (issue 19)
    from brokerlens.cli import kb as _kb  # noqa: F401  (issue 23 section 2)
    from brokerlens.cli import kpi as _kpi  # noqa: F401  (issue 19 part D)
    from brokerlens.cli import metrics as _metrics  # noqa: F401  (issue 22)
    from brokerlens.cli import notices as _notices  # noqa: F401  (issue 23 section 4)
    from brokerlens.cli import org as _org  # noqa: F401
    from brokerlens.cli import points as _points  # noqa: F401  (issue 23)
    from brokerlens.cli import products as _products  # noqa: F401
    from brokerlens.cli import records as _records  # noqa: F401
    from brokerlens.cli import reports as _reports  # noqa: F401  (issue 22)
    from brokerlens.cli import segments as _segments  # noqa: F401  (issue 25)
    from brokerlens.cli import staff as _staff  # noqa: F401  (issue 19 part E)
    from brokerlens.cli import statements as _statements  # noqa: F401
    from brokerlens.cli import suitability as _suitability  # noqa: F401
    from brokerlens.cli import training as _training  # noqa: F401  (issue 23)
    from brokerlens.cli import user as _user  # noqa: F401
    from brokerlens.cli import worklist as _worklist  # noqa: F401
    from brokerlens.cli import worklist_build as _worklist_build  # noqa: F401
    from brokerlens.cli import workorders as _workorders  # noqa: F401


def run() -> None:
    """Entry point: user errors become one clear message and an exit code, never a traceback."""
    from brokerlens.errors import BrokerlensError, disk_full

    _register()
    try:
        # In non-standalone mode click returns typer.Exit's code instead of exiting with it.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            raise SystemExit(code)
    except BrokerlensError as exc:
        said = disk_full(exc) or exc  # its own hint may not know the disk was full
        err_console.print(f"[bold red]error:[/] {said}")
        raise SystemExit(said.exit_code) from None
    except typer.Abort:
        err_console.print("aborted")
        raise SystemExit(130) from None
    except KeyboardInterrupt:
        err_console.print("interrupted")
        raise SystemExit(130) from None
    except typer.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except typer.TyperException as exc:  # usage errors (bad option values) in non-standalone mode
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err_console.print(f"[bold red]error:[/] {exc}")
        raise SystemExit(getattr(exc, "exit_code", 2)) from None
    except Exception as exc:  # a full disk is the user's to fix, not a traceback
        full = disk_full(exc)
        if full is None:
            raise
        err_console.print(f"[bold red]error:[/] {full}")
        raise SystemExit(full.exit_code) from None
