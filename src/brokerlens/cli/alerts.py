"""`brokerlens alerts ...`: the alert definitions with their thresholds, and editing them.
`list` reads `brokerlens.alerts`; `set` acts as a named workbench user (`--user`) through
`brokerlens.access.alerts`, as the web's threshold editor does (checked and audited)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, settings_of
from brokerlens.console import console
from brokerlens.errors import ConfigError

alerts_app = typer.Typer(
    help="Alerts (客户定位): definitions, thresholds per branch.", no_args_is_help=True
)
app.add_typer(alerts_app, name="alerts")


def _say(text: str) -> None:
    console.print(text, markup=False)


def _values(values: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in values.items()) or "-"


@alerts_app.command("list")
def list_alerts(ctx: typer.Context) -> None:
    """Every alert with its thresholds in force: the defaults and each branch's overrides."""
    from brokerlens.alerts import load_alerts

    alert_set = load_alerts(settings_of(ctx))
    table = Table("alert", "name", "thresholds (default)", "branch overrides", "when")
    for d in alert_set.definitions:
        branches = alert_set.overrides.get(d.id, {})
        overrides = "; ".join(f"{b}: {_values(v)}" for b, v in sorted(branches.items()))
        table.add_row(d.id, f"{d.zh} / {d.en}", _values(d.params), overrides or "-", d.when)
    console.print(table, markup=False)
    _say(f"threshold version {alert_set.version} (0 = the shipped defaults)")


@alerts_app.command("set")
def set_thresholds(
    ctx: typer.Context,
    alert: Annotated[str, typer.Argument(help="The alert id.")],
    values: Annotated[list[str], typer.Argument(help="name=value thresholds.")],
    user: UserOpt,
    branch: Annotated[
        str | None, typer.Option("--branch", help="A branch's override [default: the defaults].")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Ask without confirming.")] = False,
    reason: Annotated[str | None, typer.Option(help="Why, shown to the approver.")] = None,
) -> None:
    """Ask for new thresholds, after showing how many customers fire now and would with them
    (as of the latest run). HQ asks for the defaults and any branch, a branch manager for their
    own branch; the change is an approval request that head office approves (`brokerlens
    approvals approve N`), and applies from the next run after that. Audited."""
    from brokerlens.access.alerts import preview_thresholds
    from brokerlens.access.thresholds import request_thresholds
    from brokerlens.alerts import load_alerts
    from brokerlens.alerts.thresholds import check_params
    from brokerlens.classify.errors import UnknownName

    params: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"{item!r}: write a threshold as name=value (e.g. min_days=20)")
        params[name.strip()] = value.strip()
    me = acting(ctx, user)
    definition = load_alerts(me.settings).get(alert)
    check_params(definition, params)  # names and numbers first: the message names the one
    where = f"branch {branch}" if branch else "the defaults"
    try:
        found = preview_thresholds(me.db, me.settings, me.principal, alert, branch, params)
        _say(
            f"{alert} {definition.zh} ({where}): {found.current:,} customer(s) fire as of "
            f"{found.as_of} now, {found.proposed:,} with the new values"
        )
    except UnknownName as exc:  # nothing computed yet: saving still makes sense
        _say(f"no preview: {exc.message}")
    if not yes:
        typer.confirm("ask for these thresholds?", abort=True)
    asked = request_thresholds(me.db, me.settings, me.principal, alert, branch, params, reason)
    _say(
        f"approval request {asked.request_id} made by {me.principal.username}: nothing changes "
        "until head office approves it (brokerlens approvals approve "
        f"{asked.request_id} --user NAME); it applies from the next `brokerlens run` after"
    )
