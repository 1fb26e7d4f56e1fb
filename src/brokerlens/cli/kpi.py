"""`brokerlens kpi ...`: the KPI schemes, scores and rankings, a staff member's scores and the
customers behind a metric, a scheme change's preview and its request (approval kind
`kpi_scheme`), and `build` (the run's "kpi scores" step alone, after the ledger).

Reading scores and changing schemes act as a named workbench user (`--user`) through
`brokerlens.access`, as the web does: staff business in their staff scope, customers in their
customer scope, audited (`kpi_view`, `kpi_drill`, `approval_request`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console

if TYPE_CHECKING:
    from decimal import Decimal

    from brokerlens.access.kpi import StaffKpi

kpi_app = typer.Typer(help="KPI schemes, scores and rankings (issue 19).")
app.add_typer(kpi_app, name="kpi")

MonthOpt = Annotated[
    str | None, typer.Option("--month", help="YYYY-MM [default: the newest scored month].")
]
LevelOpt = Annotated[
    str, typer.Option("--level", help="Rank within: unit (team), branch or region.")
]


def _num(value: Decimal | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit == "yuan":
        return f"{value:,.2f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".") if "." in f"{value}" else f"{value:,}"


@kpi_app.command()
def schemes(
    ctx: typer.Context,
    version: Annotated[
        str | None,
        typer.Option(help="Print this version's YAML: a number, `default` or `active`."),
    ] = None,
) -> None:
    """The active KPI schemes (per position: metrics, weights, targets, rules) and every
    applied version; with --version, that version's YAML."""
    from brokerlens.brokers.kpi.metrics import METRICS
    from brokerlens.brokers.kpi.schemes import (
        active_version,
        history,
        load_active,
        version_text,
    )

    settings = settings_of(ctx)
    if version is not None:
        console.print(version_text(settings, version), markup=False, end="", soft_wrap=True)
        return
    console.print(f"active KPI schemes: version {active_version(settings)}", markup=False)
    for scheme in load_active(settings).schemes:
        table = Table(title=f"{scheme.position}: {scheme.name_zh} / {scheme.name_en}")
        for column in ("metric", "weight", "rule", "target / thresholds", "cap"):
            table.add_column(column)
        for rule in scheme.metrics:
            unit = METRICS[rule.metric].unit
            goal = (
                _num(rule.target, unit)
                if rule.rule == "linear"
                else ", ".join(f"{_num(s.at, unit)}→{s.score}" for s in rule.thresholds)
            )
            cap = str(rule.cap) if rule.rule == "linear" else ""
            table.add_row(rule.metric, str(rule.weight), rule.rule, goal, cap)
        console.print(table)
    for record in history(settings):
        console.print(
            f"v{record.version}  {record.applied_at}  {record.applied_by}  {record.note or ''}",
            markup=False,
        )


@kpi_app.command()
def scores(
    ctx: typer.Context,
    user: UserOpt,
    month: MonthOpt = None,
    level: LevelOpt = "branch",
    position: Annotated[str | None, typer.Option(help="Only this position.")] = None,
    unit: Annotated[str | None, typer.Option(help="Only this unit (team, branch, region).")] = None,
) -> None:
    """Rankings of the staff in USER's staff scope, by unit and position, with their totals."""
    from brokerlens.access.kpi import parse_month, rankings

    act = acting(ctx, user, customers=False)
    found = rankings(
        act.db,
        act.settings,
        act.principal,
        month=parse_month(month),
        level=level,
        position=position,
        unit_id=unit,
    )
    console.print(f"KPI {found.month:%Y-%m} as of {found.as_of}, ranked by {level}", markup=False)
    for group in found.groups:
        table = Table(title=f"{level} {group.unit_id or '—'} · {group.position} ({group.size})")
        for column in ("rank", "staff", "total", "unit rank", "branch rank", "region rank"):
            table.add_column(column)
        for row in group.rows:
            table.add_row(
                f"{row.ranks[level]}/{group.size}",
                row.staff_id,
                f"{row.total:.2f}",
                f"{row.ranks['unit']}/{row.sizes['unit']}",
                f"{row.ranks['branch']}/{row.sizes['branch']}",
                f"{row.ranks['region']}/{row.sizes['region']}",
            )
        console.print(table)
    if not found.groups:
        console.print("nobody in your scope was scored that month", markup=False)


@kpi_app.command()
def show(
    ctx: typer.Context,
    staff_id: Annotated[str, typer.Argument(help="The staff member (S000012).")],
    user: UserOpt,
    month: MonthOpt = None,
    metric: Annotated[
        str | None, typer.Option(help="List the customers behind this metric (drill-down).")
    ] = None,
) -> None:
    """A staff member's scores of the month and their history; with --metric, the customers
    behind it (those in USER's customer scope; audited)."""
    from brokerlens.access.kpi import metric_customers, parse_month, staff_kpi

    act = acting(ctx, user, customers=False)
    picked = parse_month(month)
    if metric is None:
        _print_staff(staff_kpi(act.db, act.settings, act.principal, staff_id, month=picked))
        return
    drill = metric_customers(act.db, act.settings, act.principal, staff_id, metric, month=picked)
    unit = drill.metric.unit
    console.print(
        f"{staff_id} · {drill.metric.id} {drill.month:%Y-%m}: {_num(drill.value, unit)} "
        f"({drill.customers} customers behind it, {drill.hidden} outside your scope)",
        markup=False,
    )
    table = Table()
    for column in ("staff", "customer", "name", "role", "share / weight", "amount", "credited"):
        table.add_column(column)
    for row in drill.rows:
        table.add_row(
            row.staff_id,
            row.customer_id,
            row.name or "",
            row.role,
            _num(row.weight),
            _num(row.amount, "yuan" if unit == "yuan" else ""),
            _num(row.credited, "yuan" if unit == "yuan" else ""),
        )
    console.print(table)


def _print_staff(found: StaffKpi) -> None:
    from brokerlens.brokers.kpi.metrics import METRICS

    if found.row is None:
        console.print(f"{found.staff_id}: not scored in {found.month:%Y-%m}", markup=False)
    else:
        row = found.row
        console.print(
            f"{row.staff_id} ({row.position}) {found.month:%Y-%m} as of {found.as_of}: total "
            f"{row.total:.2f} · scheme {row.scheme_version} · rank unit "
            f"{row.ranks['unit']}/{row.sizes['unit']}, branch {row.ranks['branch']}/"
            f"{row.sizes['branch']}, region {row.ranks['region']}/{row.sizes['region']}",
            markup=False,
        )
        table = Table()
        for column in ("metric", "value", "target", "score", "weight"):
            table.add_column(column)
        for line in row.metrics:
            unit = METRICS[line.metric].unit
            table.add_row(
                line.metric,
                _num(line.value, unit),
                _num(line.target, unit),
                f"{line.score:.2f}",
                f"{line.weight:g}",
            )
        console.print(table)
    if found.history:
        table = Table(title="history")
        for column in ("month", "as of", "scheme", "total", "unit", "branch", "region"):
            table.add_column(column)
        for point in found.history:
            table.add_row(
                f"{point.month:%Y-%m}",
                str(point.as_of),
                point.scheme_version,
                f"{point.total:.2f}",
                *(f"{point.ranks[lv]}/{point.sizes[lv]}" for lv in ("unit", "branch", "region")),
            )
        console.print(table)


@kpi_app.command()
def preview(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The edited KPI scheme YAML file.")],
    user: UserOpt,
    month: MonthOpt = None,
    level: LevelOpt = "branch",
) -> None:
    """Who would move in the ranking if FILE were the active schemes (scored on the month's
    metric values, beside the active schemes). Needs edit_kpi."""
    from brokerlens.access.kpi import parse_month
    from brokerlens.access.kpi_schemes import preview_scheme_change

    act = acting(ctx, user, customers=False)
    found = preview_scheme_change(
        act.db,
        act.settings,
        act.principal,
        _read(file),
        str(file),
        month=parse_month(month),
        level=level,
    )
    console.print(
        f"{found.month:%Y-%m}, ranked by {level}, against version {found.based_on}: "
        f"positions changed {', '.join(found.changed_positions) or 'none'}; "
        f"{found.moved} of {len(found.moves)} staff move ({found.up} up, {found.down} down)",
        markup=False,
    )
    table = Table()
    for column in ("staff", "position", level, "total before", "after", "rank before", "after"):
        table.add_column(column)
    for move in found.moves[:100]:  # the ones who move first
        table.add_row(
            move.staff_id,
            move.position,
            move.unit_id or "—",
            _num(move.old_total),
            _num(move.new_total),
            str(move.old_rank or "—"),
            str(move.new_rank or "—"),
        )
    console.print(table)


@kpi_app.command()
def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The KPI scheme YAML file to make active.")],
    user: UserOpt,
    note: Annotated[str | None, typer.Option(help="Why, kept with the request.")] = None,
) -> None:
    """Ask for FILE to become the active KPI schemes (approval kind `kpi_scheme`); another
    head office user with edit_kpi approves (`brokerlens approvals approve ID`)."""
    from brokerlens.access.kpi_schemes import request_scheme_change

    act = acting(ctx, user, customers=False)
    made = request_scheme_change(act.db, act.settings, act.principal, _read(file), str(file), note)
    console.print(
        f"request {made.request_id} waits for another head office user with edit_kpi "
        f"(brokerlens approvals approve {made.request_id} --user NAME)",
        markup=False,
    )


@kpi_app.command()
def build(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="An already-run date (default: the last loaded).")
    ] = None,
) -> None:
    """Score the KPI of T again (the run's "relationship ledger" and "kpi scores" steps alone,
    over the customer_day files a run kept): after a scheme change, or for the bench."""
    from brokerlens.pipeline.single import run_single_step

    settings = settings_of(ctx)
    day = parse_date(as_of, "--as-of")
    for step in ("relationship ledger", "kpi scores"):
        when, outcome = run_single_step(settings, step, as_of=day)
        console.print(
            f"{step} as of {when}: {outcome.result.note} ({outcome.seconds:.2f} s)", markup=False
        )


def _read(file: Path) -> str:
    from brokerlens.errors import ConfigError

    try:
        return file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read the scheme file: {exc}") from None
