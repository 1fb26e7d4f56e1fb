"""`brokerlens segments ...`: customer groups (客户分组, issue 25): list them, make a static
group, add and remove its customers (by id, by a file of ids), share a group with a colleague;
show a dynamic group's condition tree, count a tree before saving it (each node's count), create
one, and read its membership over time (history per date, one date's changes and why, members as
of a date).

Thin callers of `brokerlens.access` (segments, segment_static, segment_shares), acting as
`--user NAME`: their scope (only their own customers are added or removed; the report names the
others), their rights on the group (owner, or shared with them as editable), audited in their
name.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date
from brokerlens.console import console

if TYPE_CHECKING:
    from brokerlens.access.segment_static import MembersReport
    from brokerlens.config import Settings

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


# --- the condition tree, the live count, membership over time -----------------------------------

TreeOpt = Annotated[
    str,
    typer.Option(
        "--tree",
        help="The condition tree: a JSON file's path, or the JSON itself (a list of nodes, "
        "ANDed, or one node; docs/groups.md).",
        show_default=False,
    ),
]


def _tree(value: str) -> Any:
    """The tree of `--tree`: a file's JSON, or the text as JSON; ConfigError naming the option."""
    import json

    from brokerlens.errors import ConfigError

    text = value
    path = Path(value)
    if not value.lstrip().startswith(("[", "{")):
        if not path.is_file():
            raise ConfigError(
                f"--tree {value[:80]!r}: no such file, and not JSON",
                hint='give a JSON file, or JSON such as \'[{"field": "branch_id", "op": "eq", '
                '"value": "B1"}]\'',
            )
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"--tree {path}: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = "--tree" if text is value else f"--tree {path}"
        raise ConfigError(f"{where}: not valid JSON ({exc})") from None


def _print_tree(lines: list[tuple[int, str, str]], counts: dict[str, int] | None = None) -> None:
    width = max((len(f"{c:,}") for c in (counts or {}).values()), default=0)
    for depth, path, words in lines:
        count = f"{counts.get(path, 0):>{width},}  " if counts is not None else ""
        console.print(f"  {count}{'  ' * depth}{words}    [{path}]", markup=False)


def _refreshed(settings: Settings, day: dt.date, *, exact: bool) -> None:
    """A date membership was refreshed on (`exact`), or on or after the first one; else a
    ConfigError naming the dates that exist."""
    from brokerlens.access.groups import refreshed_dates
    from brokerlens.errors import ConfigError

    days = refreshed_dates(settings)
    if (day in days) if exact else (bool(days) and day >= days[0]):
        return
    if not days:
        raise ConfigError(
            f"{day}: group membership has not been refreshed yet",
            hint="it is refreshed for the served date after each publish (brokerlens publish)",
        )
    shown = ", ".join(str(d) for d in days[-SHOWN:])
    more = f" (and {len(days) - SHOWN:,} earlier)" if len(days) > SHOWN else ""
    what = "not a refreshed date" if exact else "before the first refresh"
    raise ConfigError(f"{day}: {what}; refreshed dates: {shown}{more}")


@segments_app.command()
def show(ctx: typer.Context, segment_id: GroupArg, user: UserOpt) -> None:
    """A group: its name, kind, owner, sharing and its condition tree, indented."""
    from brokerlens.access.groups import tree_lines
    from brokerlens.access.segments import get_segment

    me = acting(ctx, user)
    s = get_segment(me.db, me.principal, segment_id)
    how = "owner" if s.owned else (f"shared ({s.shared})" if s.shared else "unit")
    console.print(
        f"group {s.segment_id}: {s.name} ({s.kind}, owner {s.owner or '-'}, {s.visibility}, "
        f"yours: {how})",
        markup=False,
    )
    if s.description:
        console.print(f"  {s.description}", markup=False)
    if s.kind == "static":
        console.print("  静态分组: members added by hand (segments add-members)", markup=False)
        return
    if not s.conditions:
        console.print("  no conditions: every customer in the viewer's scope", markup=False)
        return
    console.print("以下条件全部满足 (all of the following):", markup=False)
    _print_tree(tree_lines(s.conditions))


@segments_app.command()
def preview(ctx: typer.Context, user: UserOpt, tree: TreeOpt) -> None:
    """The live count of a tree not yet saved, and of each of its nodes, in your scope."""
    from brokerlens.access.condition_tree import parse_nodes
    from brokerlens.access.groups import preview_tree, tree_lines

    data = _tree(tree)
    me = acting(ctx, user)
    found = preview_tree(me.db, me.principal, data, me.settings)
    console.print(
        f"{found.total:,} customers in your scope meet the tree (as of {found.as_of_date})",
        markup=False,
    )
    counts = {n.path: n.count for n in found.nodes}
    _print_tree(tree_lines(parse_nodes(data), single=isinstance(data, dict)), counts)


@segments_app.command()
def create(
    ctx: typer.Context,
    user: UserOpt,
    name: Annotated[str, typer.Option("--name", help="The group's name (1..200 characters).")],
    tree: TreeOpt,
    description: Annotated[str | None, typer.Option("--description")] = None,
    share_unit: Annotated[
        bool, typer.Option("--share-unit", help="Share it with your unit (and those below).")
    ] = False,
) -> None:
    """A dynamic group (动态分组) from a condition tree; audited `segment_create`."""
    from brokerlens.access.groups import preview_tree
    from brokerlens.access.segments import create_segment

    data = _tree(tree)
    me = acting(ctx, user)
    made = create_segment(
        me.db,
        me.principal,
        name,
        [data] if isinstance(data, dict) else data,
        visibility="unit" if share_unit else "private",
        description=description,
        settings=me.settings,
    )
    count = preview_tree(me.db, me.principal, made.conditions, me.settings).total
    console.print(
        f"dynamic group {made.segment_id}: {made.name} ({made.visibility}), "
        f"{count:,} customers in your scope now",
        markup=False,
    )


@segments_app.command()
def history(ctx: typer.Context, segment_id: GroupArg, user: UserOpt) -> None:
    """Per refreshed date: how many of your customers entered and left, and the members."""
    from brokerlens.access.groups import group_history

    me = acting(ctx, user)
    days = group_history(me.db, me.principal, segment_id, me.settings)
    if not days:
        console.print(f"group {segment_id}: no membership history yet", markup=False)
        return
    table = Table(title=f"group {segment_id} membership (your customers)")
    for column in ("date", "entered", "left", "members"):
        table.add_column(column, justify="left" if column == "date" else "right")
    for d in days:
        table.add_row(str(d.as_of_date), f"{d.entered:,}", f"{d.left:,}", f"{d.members:,}")
    console.print(table)


@segments_app.command()
def changes(
    ctx: typer.Context,
    segment_id: GroupArg,
    user: UserOpt,
    date: Annotated[str, typer.Option("--date", help="A refreshed date (YYYY-MM-DD).")],
    page: Annotated[int, typer.Option("--page", min=1, help="The page (50 a page).")] = 1,
) -> None:
    """Who of your customers entered or left on a date and why (masked as the web masks them);
    audited `view_group_changes`."""
    from brokerlens.access.groups import group_changes

    day = parse_date(date, "--date")
    assert day is not None
    me = acting(ctx, user)
    _refreshed(me.settings, day, exact=True)
    found = group_changes(me.db, me.principal, segment_id, me.settings, day, page=page)
    pages = max(1, -(-found.total // found.page_size))
    console.print(
        f"group {segment_id} on {day}: {found.total:,} entered or left (your customers), "
        f"page {found.page:,} of {pages:,}",
        markup=False,
    )
    if not found.rows:
        return
    table = Table()
    for column in ("customer", "name", "branch", "change", "why"):
        table.add_column(column, overflow="fold")
    for r in found.rows:
        table.add_row(
            escape(r.customer_id),
            escape(str(r.row.get("name") or "")),
            escape(str(r.row.get("branch_id") or "")),
            "进入 entered" if r.change == "entered" else "离开 left",
            escape((r.reason or "").replace("; ", "\n")),
        )
    console.print(table)


@segments_app.command()
def members(
    ctx: typer.Context,
    segment_id: GroupArg,
    user: UserOpt,
    as_of: Annotated[
        str, typer.Option("--as-of", help="The date (YYYY-MM-DD), on or after the first refresh.")
    ],
) -> None:
    """The group's members (your customers) as of a date: ids, one a line; audited
    `view_segment_members`."""
    from brokerlens.access.groups import group_members_as_of

    day = parse_date(as_of, "--as-of")
    assert day is not None
    me = acting(ctx, user)
    _refreshed(me.settings, day, exact=False)
    ids = group_members_as_of(me.db, me.principal, segment_id, me.settings, day)
    console.print(f"group {segment_id} as of {day}: {len(ids):,} members", markup=False)
    for customer in ids:
        console.print(customer, markup=False)
