"""`brokerlens segments ...`: customer groups (客户分组, issue 25): list them, make a static
group, add and remove its customers (by id, by a file of ids), share a group with a colleague.

Thin callers of `brokerlens.access` (segments, segment_static, segment_shares), acting as
`--user NAME`: their scope (only their own customers are added or removed; the report names the
others), their rights on the group (owner, or shared with them as editable), audited in their
name.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app
from brokerlens.console import console

if TYPE_CHECKING:
    from brokerlens.access.segment_static import MembersReport

segments_app = typer.Typer(
    help="客户分组: customer groups, static and dynamic (issue 25).", no_args_is_help=True
)
app.add_typer(segments_app, name="segments")

GroupArg = Annotated[int, typer.Argument(help="The group's (segment's) id.")]
IdsOpt = Annotated[list[str] | None, typer.Option("--id", help="A customer id (repeat for more).")]
FileOpt = Annotated[
    Path | None,
    typer.Option(
        "--file", help="A CSV or text file of customer ids, one a line (header optional)."
    ),
]
SHOWN = 20  # ids a report prints at most


def _ids(ids: list[str] | None, file: Path | None) -> tuple[list[str] | None, bytes | None]:
    from brokerlens.errors import ConfigError

    if (not ids) == (file is None):
        raise ConfigError("name the customers with --id or --file (one of them)")
    if file is None:
        return ids, None
    try:
        return None, file.read_bytes()
    except OSError as exc:
        raise ConfigError(f"--file {file}: {exc}") from None


def _print(report: MembersReport) -> None:
    done = "added" if report.action == "add" else "removed"
    same = "already members" if report.action == "add" else "not members"
    console.print(
        f"group {report.segment_id}: {report.changed:,} {done}, {report.unchanged:,} {same}, "
        f"{len(report.not_found):,} not found, {len(report.out_of_scope):,} outside your scope "
        f"(as of {report.as_of_date})",
        markup=False,
    )
    for label, ids in (
        ("not found", report.not_found),
        ("outside your scope", report.out_of_scope),
    ):
        if ids:
            more = f" (+{len(ids) - SHOWN:,} more)" if len(ids) > SHOWN else ""
            console.print(f"  {label}: {', '.join(ids[:SHOWN])}{more}", markup=False)


@segments_app.command("list")
def list_command(ctx: typer.Context, user: UserOpt) -> None:
    """Your groups, those shared with your unit, and those shared with you by name."""
    from brokerlens.access.segments import list_segments

    me = acting(ctx, user)
    table = Table(title="客户分组 groups")
    for column in ("id", "name", "kind", "owner", "visibility", "yours"):
        table.add_column(column)
    for s in list_segments(me.db, me.principal):
        how = "owner" if s.owned else (f"shared ({s.shared})" if s.shared else "unit")
        table.add_row(
            str(s.segment_id), escape(s.name), s.kind, escape(s.owner or ""), s.visibility, how
        )
    console.print(table)


@segments_app.command("create-static")
def create_static(
    ctx: typer.Context,
    user: UserOpt,
    name: Annotated[str, typer.Option("--name", help="The group's name (1..200 characters).")],
    description: Annotated[str | None, typer.Option("--description")] = None,
    unit: Annotated[
        bool, typer.Option("--unit", help="Share it with your unit (and those below).")
    ] = False,
) -> None:
    """A static group (静态分组): empty, its customers added by hand."""
    from brokerlens.access.segment_static import create_static_group

    me = acting(ctx, user)
    made = create_static_group(
        me.db,
        me.principal,
        name,
        description=description,
        visibility="unit" if unit else "private",
    )
    console.print(f"static group {made.segment_id}: {made.name}", markup=False)


@segments_app.command("add-members")
def add_members(
    ctx: typer.Context,
    segment_id: GroupArg,
    user: UserOpt,
    customer: IdsOpt = None,
    file: FileOpt = None,
) -> None:
    """Add customers in your scope to a static group, by --id or from a --file; the others are
    reported (not found, outside your scope). All valid ones in one go; audited."""
    from brokerlens.access import segment_static

    ids, data = _ids(customer, file)
    me = acting(ctx, user)
    if data is not None:
        report = segment_static.upload_members(me.db, me.principal, segment_id, data)
    else:
        report = segment_static.add_members(me.db, me.principal, segment_id, ids or [])
    _print(report)


@segments_app.command("remove-members")
def remove_members(
    ctx: typer.Context,
    segment_id: GroupArg,
    user: UserOpt,
    customer: IdsOpt = None,
    file: FileOpt = None,
) -> None:
    """Take customers in your scope out of a static group; audited."""
    from brokerlens.access import segment_static

    ids, data = _ids(customer, file)
    me = acting(ctx, user)
    named = segment_static.parse_id_list(data, "--file") if data is not None else ids or []
    _print(segment_static.remove_members(me.db, me.principal, segment_id, named))


@segments_app.command()
def share(
    ctx: typer.Context,
    segment_id: GroupArg,
    user: UserOpt,
    colleague: Annotated[str, typer.Option("--with", help="The colleague's username.")],
    edit: Annotated[
        bool, typer.Option("--edit", help="Editable (name, conditions, members); else read-only.")
    ] = False,
) -> None:
    """Share your group with a colleague (again: changes read-only / editable); audited."""
    from brokerlens.access.segment_shares import share_segment

    me = acting(ctx, user)
    done = share_segment(me.db, me.principal, segment_id, colleague, can_edit=edit)
    how = "editable" if done.can_edit else "read-only"
    console.print(f"group {segment_id} shared with {done.username} ({how})", markup=False)


@segments_app.command()
def unshare(
    ctx: typer.Context,
    segment_id: GroupArg,
    user: UserOpt,
    colleague: Annotated[str, typer.Option("--with", help="The colleague's username.")],
) -> None:
    """Revoke a colleague's share; audited."""
    from brokerlens.access.segment_shares import unshare_segment

    me = acting(ctx, user)
    unshare_segment(me.db, me.principal, segment_id, colleague)
    console.print(f"group {segment_id} no longer shared with {colleague}", markup=False)


@segments_app.command()
def shares(ctx: typer.Context, segment_id: GroupArg, user: UserOpt) -> None:
    """Who the group is shared with by name."""
    from brokerlens.access.segment_shares import list_shares

    me = acting(ctx, user)
    table = Table(title=f"group {segment_id} shared with")
    for column in ("user", "name", "access", "shared by", "at"):
        table.add_column(column)
    for s in list_shares(me.db, me.principal, segment_id):
        table.add_row(
            escape(s.username),
            escape(s.display_name),
            "edit" if s.can_edit else "read",
            escape(s.shared_by or ""),
            f"{s.shared_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)
