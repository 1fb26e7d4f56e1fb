"""`brokerlens points ...`: customer points (积分, issue 23 section 1).

`rules` lists the earning rules (shipped and the installation's) and `build` runs the run's
"points" step alone, for T or for every loaded date since a day (awarding past dates once, e.g.
in a new home). The others are thin callers of `brokerlens.access.points*`, acting as
`--user NAME` (their scope and permissions, audited in their name): a customer's balance and
history, the catalogue and its items, redemption orders (place, list, fulfil, cancel), an
adjustment request (decided with `brokerlens approvals approve ID`) and the report by branch.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.access.points_orders import Item, Order

points_app = typer.Typer(
    help="积分: customer points: rules, awards, balances, redemptions (issue 23).",
    no_args_is_help=True,
)
app.add_typer(points_app, name="points")

AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="The day, YYYY-MM-DD (default: today).")
]


def _say(text: str) -> None:
    err_console.print(text, markup=False)


@points_app.command("rules")
def rules(
    ctx: typer.Context,
    on: Annotated[
        str | None, typer.Option("--on", help="Only the versions in force that day.")
    ] = None,
) -> None:
    """The earning rules: every version (or those in force on a day), with what each counts."""
    from brokerlens.points import load_rules

    found = load_rules(settings_of(ctx))
    day = parse_date(on, "--on")
    table = Table("id", "version", "name", "kind", "points", "unit / min", "expiry", "valid")
    for r in found.on(day) if day else found.rules:
        amount = r.unit if r.unit is not None else r.min_amount
        cap = f" (max {r.max_points:,}/day)" if r.max_points else ""
        table.add_row(
            r.id,
            str(r.version),
            r.zh,
            r.kind,
            f"{r.points:,}{cap}",
            "-" if amount is None else f"{amount:,} yuan",
            f"{r.expiry_months} months",
            f"{r.valid_from} .. {r.valid_to or 'open'}",
        )
    console.print(table, markup=False)
    _say(f"read from: {', '.join(found.sources)}")


@points_app.command("build")
def build(
    ctx: typer.Context,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="A loaded date (default: the last loaded).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Award every loaded date from this day through --as-of, in order."),
    ] = None,
) -> None:
    """Award the points of T (the run's "points" step alone, over the customer_day files a run
    built); a date run again replaces its awards, never adds to them."""
    from brokerlens.lake.catalog import read_catalog
    from brokerlens.lake.layout import LakeLayout
    from brokerlens.pipeline.single import run_single_step

    settings = settings_of(ctx)
    last = parse_date(as_of, "--as-of")
    first = parse_date(since, "--since")
    days: list[dt.date | None] = [last]
    if first is not None:
        loaded = sorted(read_catalog(LakeLayout(settings.lake_dir)).dates)
        end = last or (loaded[-1] if loaded else first)
        days = [d for d in loaded if first <= d <= end]
    for day in days:
        done, outcome = run_single_step(settings, "points", as_of=day)
        console.print(
            f"points as of {done}: {outcome.result.note} ({outcome.seconds:.2f} s)", markup=False
        )


@points_app.command("balance")
def balance(
    ctx: typer.Context,
    user: UserOpt,
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    as_of: AsOfOpt = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="History lines shown.")] = 20,
) -> None:
    """A customer's balance, the points lapsing within 30 days and the newest ledger lines."""
    from brokerlens.access.points import customer_points

    me = acting(ctx, user)
    found = customer_points(
        me.settings, me.db, me.principal, customer, as_of=parse_date(as_of, "--as-of")
    )
    console.print(
        f"{found.customer_id} as of {found.as_of}: balance {found.balance:,} "
        f"(earned {found.earned:,}, used {found.used:,}, expired {found.expired:,}); "
        f"{found.expiring:,} lapsing within 30 days",
        markup=False,
    )
    table = Table("date", "source", "kind", "points", "expires", "ref / note")
    for x in found.entries[:limit]:
        table.add_row(
            str(x.entry_date),
            x.source,
            x.kind + (" (cancelled)" if x.cancelled else ""),
            f"{x.points:+,}",
            str(x.expires_on or "-"),
            " ".join(p for p in (x.ref, x.note) if p) or "-",
        )
    console.print(table, markup=False)


def _print_items(items: list[Item]) -> None:
    table = Table("item", "name", "kind", "points", "stock", "offered")
    for i in items:
        stock = "no limit" if i.stock is None else f"{i.stock:,}"
        table.add_row(
            str(i.item_id), i.name_zh, i.kind, f"{i.points_price:,}", stock, str(i.active)
        )
    console.print(table, markup=False)


@points_app.command("catalogue")
def catalogue(
    ctx: typer.Context,
    user: UserOpt,
    all_items: Annotated[
        bool, typer.Option("--all", help="Items no longer offered too (manage_points).")
    ] = False,
) -> None:
    """The redemption catalogue (积分商品)."""
    from brokerlens.access.points_orders import list_items

    me = acting(ctx, user)
    _print_items(list_items(me.db, me.principal, include_inactive=all_items))


@points_app.command("item")
def item(
    ctx: typer.Context,
    user: UserOpt,
    name: Annotated[str, typer.Option(help="The item's name in Chinese.")],
    price: Annotated[int, typer.Option(help="Its price in points.")],
    stock: Annotated[int | None, typer.Option(help="How many there are (none: no limit).")] = None,
    kind: Annotated[str, typer.Option(help="goods or service.")] = "goods",
    name_en: Annotated[str | None, typer.Option(help="Its English name.")] = None,
    description: Annotated[str | None, typer.Option(help="One line about it.")] = None,
    item_id: Annotated[
        int | None, typer.Option("--edit", help="Replace this item's values instead of adding.")
    ] = None,
    off: Annotated[bool, typer.Option("--off", help="No longer offered.")] = False,
) -> None:
    """Add a catalogue item, or with --edit ID replace one's values (manage_points)."""
    from brokerlens.access.points_orders import ItemInput, add_item, update_item

    me = acting(ctx, user)
    values = ItemInput(
        name_zh=name,
        kind=kind,
        points_price=price,
        stock=stock,
        name_en=name_en,
        description=description,
        active=not off,
    )
    if item_id is None:
        made = add_item(me.db, me.principal, values)
    else:
        made = update_item(me.db, me.principal, item_id, values)
    _print_items([made])


def _print_orders(orders: list[Order]) -> None:
    table = Table("order", "customer", "item", "qty", "points", "status", "placed", "by")
    for o in orders:
        table.add_row(
            str(o.order_id),
            o.customer_id,
            o.item_name,
            str(o.quantity),
            f"{o.points:,}",
            o.status,
            str(o.placed_on),
            o.placed_by,
        )
    console.print(table, markup=False)


@points_app.command("redeem")
def redeem(
    ctx: typer.Context,
    user: UserOpt,
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    item_id: Annotated[int, typer.Argument(help="The catalogue item.")],
    quantity: Annotated[int, typer.Option(min=1, max=99, help="How many.")] = 1,
    note: Annotated[str | None, typer.Option(help="E.g. where to send the goods.")] = None,
) -> None:
    """Place a redemption order for a customer in your scope (redeem_points)."""
    from brokerlens.access.points_orders import place_order

    me = acting(ctx, user)
    made = place_order(me.settings, me.db, me.principal, customer, item_id, quantity, note)
    _print_orders([made])


@points_app.command("orders")
def orders(
    ctx: typer.Context,
    user: UserOpt,
    status: Annotated[str | None, typer.Option(help="placed, fulfilled or cancelled.")] = None,
    customer: Annotated[str | None, typer.Option(help="One customer's orders.")] = None,
) -> None:
    """Redemption orders in your scope, newest first."""
    from brokerlens.access.points_orders import list_orders

    me = acting(ctx, user)
    found = list_orders(me.db, me.principal, status=status, customer_id=customer, page_size=200)
    _print_orders(found.data)
    _say(f"{found.total:,} order(s)")


@points_app.command("fulfil")
def fulfil(ctx: typer.Context, user: UserOpt, order_id: Annotated[int, typer.Argument()]) -> None:
    """Mark a placed order fulfilled (manage_points)."""
    from brokerlens.access.points_orders import fulfil_order

    me = acting(ctx, user)
    _print_orders([fulfil_order(me.db, me.principal, order_id)])


@points_app.command("cancel")
def cancel(
    ctx: typer.Context,
    user: UserOpt,
    order_id: Annotated[int, typer.Argument()],
    reason: Annotated[str, typer.Option(help="Why it is cancelled.")],
) -> None:
    """Cancel a placed order (its placer, or manage_points): the points and stock come back."""
    from brokerlens.access.points_orders import cancel_order

    me = acting(ctx, user)
    _print_orders([cancel_order(me.db, me.principal, order_id, reason)])


@points_app.command("adjust")
def adjust(
    ctx: typer.Context,
    user: UserOpt,
    customer: Annotated[str, typer.Argument(help="The customer id.")],
    points: Annotated[int, typer.Argument(help="Points to add; negative takes off.")],
    reason: Annotated[str, typer.Option(help="Why (kept with the entry).")],
    expiry_months: Annotated[
        int, typer.Option(min=1, max=120, help="An addition lapses after this many months.")
    ] = 24,
) -> None:
    """Ask for a manual adjustment (adjust_points); head office decides it
    (`brokerlens approvals approve ID`)."""
    from brokerlens.access.points_adjust import request_adjustment

    me = acting(ctx, user)
    made = request_adjustment(
        me.settings,
        me.db,
        me.principal,
        customer,
        points,
        reason,
        expiry_months=expiry_months,
    )
    _say(f"request {made.request_id} waits for a decision: {made.subject}")


@points_app.command("report")
def report(
    ctx: typer.Context,
    user: UserOpt,
    as_of: AsOfOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Also write it to this Excel file (.xlsx; needs export).")
    ] = None,
) -> None:
    """Points issued, adjusted, redeemed, expired and outstanding (the liability) by branch."""
    import shutil

    from brokerlens.access.points_report import export_liability, points_liability
    from brokerlens.web.export import Presentation, TableWriter, with_names

    me = acting(ctx, user)
    day = parse_date(as_of, "--as-of")
    found = points_liability(me.settings, me.db, me.principal, as_of=day)
    table = Table("branch", "issued", "adjusted", "redeemed", "expired", "outstanding", "30 days")
    for r in [*found.rows, found.total]:
        table.add_row(
            r.branch_id or "total",
            *(
                f"{v:,}"
                for v in (r.issued, r.adjusted, r.redeemed, r.expired, r.outstanding, r.expiring)
            ),
        )
    console.print(table, markup=False)
    _say(f"as of {found.as_of}" + ("" if found.whole else " (the branches of your units)"))
    if out is not None:
        writer = TableWriter("xlsx", with_names(Presentation(me.principal.language), me.db))
        try:
            done = export_liability(me.settings, me.db, me.principal, writer, as_of=found.as_of)
            path = writer.close()
        except BaseException:
            writer.discard()
            raise
        shutil.move(path, out)
        _say(f"wrote {done.count} rows to {out}")
