"""`brokerlens catalog ...`: check, preview, apply, history, show and why for classifications.

`apply` and `why` act as a named workbench user (`--user`) through `brokerlens.access`, as the
web does: applying needs the edit_catalog permission, `why` the customer in the user's scope,
and both are audited (`catalog_apply`, `view_why`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, settings_of
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.classify.preview import Preview

catalog_app = typer.Typer(help="The classification catalog: rules, versions, previews, why.")
app.add_typer(catalog_app, name="catalog")

ClassificationOpt = Annotated[
    str | None, typer.Option("--classification", "-c", help="Only this classification id.")
]
AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="As-of date [default: latest]."),
]


@catalog_app.command()
def check(
    ctx: typer.Context, file: Annotated[Path, typer.Argument(help="A catalog YAML file.")]
) -> None:
    """Validate a catalog file without applying it (over the installation's indicators)."""
    from brokerlens.classify import (
        load_catalog,
    )
    from brokerlens.indicators import load_indicators

    catalog = load_catalog(file, load_indicators(settings_of(ctx)))
    console.print(f"{file}: valid, {len(catalog.classifications)} classifications", markup=False)


@catalog_app.command()
def preview(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The edited catalog YAML file.")],
    classification: ClassificationOpt = None,
    as_of: AsOfOpt = None,
) -> None:
    """Who would move if FILE were applied: old value -> new value -> customers."""
    from brokerlens.classify import (
        load_catalog,
        preview_catalog,
    )
    from brokerlens.indicators import load_indicators

    settings = settings_of(ctx)
    result = preview_catalog(
        settings,
        load_catalog(file, load_indicators(settings)),
        classification_id=classification,
        as_of=as_of.date() if as_of else None,
    )
    _print_preview(result)


@catalog_app.command()
def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The catalog YAML file to make active.")],
    user: UserOpt,
    note: Annotated[str | None, typer.Option(help="Why, kept in the history.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    recompute: Annotated[
        bool,
        typer.Option(
            help="Kept for old scripts; no effect: the catalog applies on approval and the "
            "next `brokerlens run` classifies with it.",
            hidden=True,
        ),
    ] = True,
) -> None:
    """Validate FILE, preview it and ask for it to become the active catalog: a
    `catalog_change` approval request. Another user with the edit_catalog permission (HQ)
    approves it (`brokerlens approvals approve N`), which stores it as the next version and
    makes it active; the next `brokerlens run` classifies with it. Audited."""
    from brokerlens.access.catalog import request_catalog_change
    from brokerlens.classify import (
        UnknownName,
        load_catalog,
        preview_catalog,
    )
    from brokerlens.classify.errors import CatalogError
    from brokerlens.indicators import load_indicators

    me = acting(ctx, user)
    try:
        text = file.read_text("utf-8")
    except OSError as exc:
        raise CatalogError(f"{file}: cannot read the catalog file: {exc.strerror}") from None
    candidate = load_catalog(file, load_indicators(me.settings))
    try:
        _print_preview(preview_catalog(me.settings, candidate))
    except UnknownName as exc:  # nothing computed yet: nothing can move
        err_console.print(f"no preview: {exc.message}", markup=False)
    if not yes and not typer.confirm("Ask for this catalog?"):
        raise typer.Abort()
    asked = request_catalog_change(me.db, me.settings, me.principal, text, str(file), note)
    console.print(
        f"approval request {asked.request_id} made by {me.principal.username}: the catalog "
        "applies when another head office user approves it (brokerlens approvals approve "
        f"{asked.request_id} --user NAME)",
        markup=False,
    )


@catalog_app.command("history")
def history_command(ctx: typer.Context) -> None:
    """Every applied catalog version, oldest first."""
    from brokerlens.classify import (
        catalog_version,
        history,
    )

    settings = settings_of(ctx)
    table = Table("version", "applied at", "applied by", "sha256", "note")
    for record in history(settings):
        table.add_row(
            str(record.version),
            record.applied_at,
            record.applied_by,
            record.sha256[:12],
            record.note or "",
        )
    console.print(table, markup=False)
    console.print(f"active: {catalog_version(settings)}", markup=False)


@catalog_app.command()
def show(
    ctx: typer.Context,
    version: Annotated[
        int | None, typer.Option(help="A stored version (0: shipped default) [default: active].")
    ] = None,
    classification: ClassificationOpt = None,
) -> None:
    """Print the classifications of the active catalog or of a stored version."""
    from brokerlens.classify import (
        UnknownName,
        load_version,
    )
    from brokerlens.classify.buckets import rules_of

    catalog = load_version(settings_of(ctx), version)
    items = [c for c in catalog.classifications if classification in (None, c.id)]
    if not items:
        raise UnknownName(f"unknown classification {classification!r}")
    for item in items:
        table = Table(title=f"{item.id}  {item.zh} / {item.en}", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("value")
        table.add_column("when")
        for number, rule in enumerate(rules_of(item), start=1):
            table.add_row(str(number), _label(rule.label, rule.value_en), rule.when)
        table.add_row("", _label(item.default, item.default_en), "otherwise (default)")
        console.print(table, markup=False)


@catalog_app.command()
def why(
    ctx: typer.Context,
    customer_id: Annotated[str, typer.Argument(help="The customer id.")],
    user: UserOpt,
    classification: ClassificationOpt = None,
) -> None:
    """Which rule gave a customer each classification value in the served snapshot, with the
    figures; the customer must be in the user's scope. Audited as `view_why`."""
    from brokerlens.access.why import explain_customer

    me = acting(ctx, user)
    for explanation in explain_customer(me.db, me.principal, customer_id, classification):
        console.print(explanation.render(), markup=False)


def _label(zh: str, en: str | None) -> str:
    return f"{zh} ({en})" if en else zh


def _print_preview(result: Preview) -> None:
    console.print(f"preview over the indicators as of {result.as_of}", markup=False)
    for change in result.changes:
        table = Table("old value", "new value", "customers", title=f"{change.id} ({change.status})")
        for t in change.transitions:
            if t.old != t.new:
                table.add_row(t.old or "-", t.new or "-", f"{t.customers:,}")
        console.print(table, markup=False)
        console.print(
            f"{change.moved:,} of {change.customers:,} customers move ({change.seconds:.2f} s)",
            markup=False,
        )
    if not result.changes:
        console.print("no classification changes", markup=False)
