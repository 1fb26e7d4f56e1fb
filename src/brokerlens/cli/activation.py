"""`brokerlens activation list`: the dormant and empty accounts to reactivate, as a store user
sees them (their scope; an export audited under their name). Thin caller of
`brokerlens.access.activation`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app
from brokerlens.console import console
from brokerlens.errors import InvalidRequest

activation_app = typer.Typer(
    help="Dormant and empty accounts ranked by the value of reactivating them.",
    no_args_is_help=True,
)
app.add_typer(activation_app, name="activation")

KINDS = ("dormant", "empty")


@activation_app.command("list")
def list_command(
    ctx: typer.Context,
    user: UserOpt,
    branch: Annotated[str | None, typer.Option("--branch", help="One branch id.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help="dormant or empty.")] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=500, help="Rows shown (1..500).")
    ] = 20,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Write every matching row (not just --limit) as CSV."),
    ] = None,
) -> None:
    """The served date's list, most valuable first, with the reasons; audited as the web's
    list (`view_activation`, an export as `export`) under the user's name."""
    from brokerlens.access.activation import ActivationQuery, export_candidates, list_candidates

    if kind is not None and kind not in KINDS:
        raise InvalidRequest(f"--kind {kind!r}: use one of {', '.join(KINDS)}")
    me = acting(ctx, user)
    settings, engine, principal = me.settings, me.db, me.principal
    query = ActivationQuery.model_validate({"kind": kind, "branch_id": branch, "page_size": limit})
    if export is not None:
        _, text = export_candidates(engine, settings, principal, query)
        rows = max(text.count("\r\n") - 1, 0)
        export.write_text(text, "utf-8")
        console.print(f"{export}: {rows} customers (audited as an export by {user})", markup=False)
        return
    page = list_candidates(engine, settings, principal, query)
    counts = ", ".join(f"{k} {n}" for k, n in page.counts.items())
    title = f"activation as of {page.as_of_date}: {page.total} customers ({counts})"
    table = Table(
        "#", "customer", "name", "kind", "score", "branch", "servicer", "reasons",
        title=title,
    )  # fmt: skip
    for row in page.rows:
        said = [r["text"] for r in row["reasons"][:4]]
        table.add_row(
            str(row["rank"]),
            str(row["customer_id"]),
            str(row["name"] or ""),
            str(row["kind"]),
            f"{row['score']:.1f}",
            str(row["branch_id"] or ""),
            str(row["servicer_id"] or ""),
            "; ".join(said),
        )
    console.print(table, markup=False)
