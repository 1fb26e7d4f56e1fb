"""`brokerlens reports ...`: the kept reports (issue 22 section 4) as a named workbench user
(`--user`) sees them through `brokerlens.access`, as on the web: `list` by date with the
content hashes, `export` a report's file (its workbook by default) to a path. Audited
(`view_reports`, `download_report`)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date
from brokerlens.console import console

reports_app = typer.Typer(help="Kept reports: list and export (issue 22).")
app.add_typer(reports_app, name="reports")

DateOpt = Annotated[
    str | None, typer.Option("--date", help="YYYY-MM-DD [default: the newest with reports].")
]


@reports_app.command("list")
def list_command(
    ctx: typer.Context,
    user: UserOpt,
    date: DateOpt = None,
    report: Annotated[str | None, typer.Option(help="Only this report (its id).")] = None,
) -> None:
    """The reports USER may see, of a date (the newest by default), or of one report over its
    newest dates, with their files and content hashes."""
    from brokerlens.access.reports import list_reports

    act = acting(ctx, user, customers=False)
    found = list_reports(
        act.db, act.settings, act.principal, as_of=parse_date(date, "--date"), report=report
    )
    table = Table(title=f"kept reports {found.as_of or ''}".strip())
    for column in ("date", "report", "unit", "period", "workbook", "sha256"):
        table.add_column(column)
    for item in found.items:
        period = item.period if item.final else f"{item.period} (to date)"
        table.add_row(
            item.as_of.isoformat(),
            item.report,
            item.unit_id or "hq",
            period,
            item.workbook,
            item.sha256,
        )
    console.print(table)
    if not found.items:
        console.print("no reports to show", markup=False)


@reports_app.command("export")
def export_command(
    ctx: typer.Context,
    user: UserOpt,
    report: Annotated[str, typer.Argument(help="The report's id, e.g. kpi_monthly.")],
    out: Annotated[Path, typer.Option("--out", help="Write the file here (a file or folder).")],
    date: DateOpt = None,
    unit: Annotated[str | None, typer.Option(help="The unit of a branch-level report.")] = None,
    sheet: Annotated[
        str | None, typer.Option(help="A sheet's snapshot (Parquet) instead of the workbook.")
    ] = None,
) -> None:
    """Copy a kept report's workbook (or one sheet's Parquet snapshot) to --out."""
    from brokerlens.access.reports import list_reports, report_download
    from brokerlens.errors import NotFound

    act = acting(ctx, user, customers=False)
    as_of = parse_date(date, "--date")
    if as_of is None:
        listed = list_reports(act.db, act.settings, act.principal, report=report)
        if not listed.items:
            raise NotFound(f"no kept {report} report you may see")
        as_of = listed.items[0].as_of
    stem = report if unit is None else f"{report}.{unit}"
    name = f"{stem}.{sheet}.parquet" if sheet else f"{stem}.xlsx"
    found = report_download(act.db, act.settings, act.principal, as_of, name)
    target = out / found.filename if out.is_dir() else out
    shutil.copyfile(found.path, target)
    console.print(f"{target} (sha256 of the data {found.report.sha256})", markup=False)
