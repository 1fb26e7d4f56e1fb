"""`brokerlens campaigns ...`: 营销活动 (issue 17 section 3): create from a segment or a product's
targets, launch (freeze and split), outcomes. Every command acts as `--user` through
`brokerlens.access.campaigns` (scope, permissions, audit), as the web does.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date
from brokerlens.console import console, err_console

if TYPE_CHECKING:
    from brokerlens.access.campaigns import Campaign, ReportRow

campaigns_app = typer.Typer(help="营销活动 (issue 17 section 3)")
app.add_typer(campaigns_app, name="campaigns")


def _say(text: str) -> None:
    err_console.print(text, markup=False)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _points(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:+.2f} 个百分点"


def _summary(c: Campaign) -> str:
    source = f"segment {c.source_id}" if c.source_kind == "segment" else f"product {c.source_id}"
    if c.source_top:
        source += f" (top {c.source_top:,})"
    return (
        f"campaign {c.campaign_id} {c.name!r}: {c.status}, goal {c.goal}, {source}, "
        f"window {c.window_start} .. {c.window_end}, holdout {c.holdout_share:.0%}, seed {c.seed}"
    )


@campaigns_app.command()
def create(
    ctx: typer.Context,
    user: UserOpt,
    name: Annotated[str, typer.Option("--name", help="The campaign's name.")],
    goal: Annotated[
        str,
        typer.Option(
            "--goal", help="deposit, product_purchase, trade, reactivation or permission."
        ),
    ],
    start: Annotated[str, typer.Option("--start", help="The window's first day (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--end", help="The window's last day (YYYY-MM-DD).")],
    segment: Annotated[
        int | None, typer.Option("--segment", help="Source: this saved segment's customers.")
    ] = None,
    product: Annotated[
        str | None,
        typer.Option(
            "--product",
            help="Source: this product's target customers (with --segment: the product a "
            "product_purchase campaign counts).",
        ),
    ] = None,
    top: Annotated[
        int | None, typer.Option("--top", help="A product's target list: the first N only.")
    ] = None,
    channel: Annotated[
        str, typer.Option("--channel", help="phone, visit, wechat, sms, email or app_push.")
    ] = "phone",
    holdout: Annotated[
        float | None, typer.Option("--holdout", help="Holdout share [default: 0.1].")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="The split's seed [default: the campaign id].")
    ] = None,
    threshold_yuan: Annotated[
        int | None,
        typer.Option("--threshold-yuan", help="Deposit: the net inflow to reach [default: 10000]."),
    ] = None,
    service: Annotated[
        str | None, typer.Option("--service", help="Permission: the service (e.g. margin).")
    ] = None,
    script: Annotated[str | None, typer.Option("--script", help="The call script.")] = None,
    materials: Annotated[str | None, typer.Option("--materials", help="Materials.")] = None,
) -> None:
    """Create a campaign (a draft); audited `campaign_create`."""
    from brokerlens.access.campaigns import CampaignInput, create_campaign
    from brokerlens.errors import ConfigError

    window_start = parse_date(start, "--start")
    window_end = parse_date(end, "--end")
    assert window_start is not None and window_end is not None
    if threshold_yuan is not None and threshold_yuan < 1:
        raise ConfigError("--threshold-yuan: a positive amount of yuan")
    me = acting(ctx, user)
    made = create_campaign(
        me.db,
        me.settings,
        me.principal,
        CampaignInput(
            name=name,
            goal=goal,
            window_start=window_start,
            window_end=window_end,
            segment_id=segment,
            product_id=product,
            top=top,
            channel=channel,
            script=script,
            materials=materials,
            holdout_share=holdout,
            seed=seed,
            threshold_cents=None if threshold_yuan is None else threshold_yuan * 100,
            service=service,
        ),
    )
    console.print(_summary(made), markup=False)


@campaigns_app.command()
def launch(
    ctx: typer.Context,
    campaign_id: Annotated[int, typer.Argument(help="The campaign's id.")],
    user: UserOpt,
) -> None:
    """Freeze the members in your scope and split them (or, over the approval size, ask head
    office: a campaign_launch approval request whose approval launches it); audited."""
    import time

    from brokerlens.access.campaigns import launch_campaign

    me = acting(ctx, user)
    began = time.perf_counter()
    done = launch_campaign(me.db, me.settings, me.principal, campaign_id)
    seconds = time.perf_counter() - began
    console.print(_summary(done), markup=False)
    if done.status == "launched":
        _say(
            f"frozen as of {done.frozen_as_of}: {done.members:,} members "
            f"({done.treatment:,} treatment, {done.holdout:,} holdout) in {seconds:.2f} s"
        )
    else:
        _say(
            "over the approval size: an approval request waits for head office marketing "
            "(brokerlens approvals list --view mine); approving it launches the campaign"
        )


@campaigns_app.command("list")
def list_command(ctx: typer.Context, user: UserOpt) -> None:
    """The campaigns you see, with members, conversions and uplift in your scope."""
    from brokerlens.access.campaigns import list_campaigns

    me = acting(ctx, user)
    table = Table(title="营销活动 campaigns")
    for column in ("id", "name", "goal", "status", "window", "members", "converted", "uplift"):
        table.add_column(column, justify="right" if column in ("members", "converted") else "left")
    for c in list_campaigns(me.db, me.principal):
        table.add_row(
            str(c.campaign_id),
            c.name,
            c.goal,
            c.status,
            f"{c.window_start} .. {c.window_end}",
            f"{c.members:,}",
            "-" if c.converted is None else f"{c.converted:,}",
            _points(c.uplift),
        )
    console.print(table, markup=False)


@campaigns_app.command()
def show(
    ctx: typer.Context,
    campaign_id: Annotated[int, typer.Argument(help="The campaign's id.")],
    user: UserOpt,
) -> None:
    """A campaign's definition and status."""
    from brokerlens.access.campaigns import get_campaign

    me = acting(ctx, user)
    c = get_campaign(me.db, me.principal, campaign_id)
    console.print(_summary(c), markup=False)
    for label, value in (
        ("channel", c.channel),
        ("product", c.product_id),
        ("service", c.service),
        ("threshold (yuan)", None if c.threshold_cents is None else c.threshold_cents / 100),
        ("created", f"{c.created_by} {c.created_at:%Y-%m-%d %H:%M}"),
        ("launched", c.launched_by and f"{c.launched_by} {c.launched_at:%Y-%m-%d %H:%M}"),
        ("members", f"{c.members:,} ({c.treatment:,} treatment, {c.holdout:,} holdout)"),
        ("outcomes as of", c.outcomes_as_of),
        ("script", c.script),
        ("materials", c.materials),
    ):
        if value is not None:
            console.print(f"  {label}: {value}", markup=False)


def _report_table(
    title: str, rows: list[ReportRow], with_activity: bool, *, total: bool = False
) -> Table:
    table = Table(title=title)
    heads = ["", "treatment", "contacted", "converted", "rate", "holdout", "converted", "rate"]
    heads += ["uplift", "95% CI"] + (["activity"] if with_activity else [])
    for head in heads:
        table.add_column(head, justify="left" if head == "" else "right")
    for r in rows:
        e = r.effect
        ci = (
            "-" if e.low is None or e.high is None else f"[{e.low * 100:+.2f}, {e.high * 100:+.2f}]"
        )
        cells = [
            "合计 total" if total else r.label or r.key or "未分配 unassigned",
            f"{r.t_members:,}",
            f"{r.t_contacted:,}",
            f"{r.t_converted:,}",
            _pct(e.treatment_rate),
            f"{r.h_members:,}",
            f"{r.h_converted:,}",
            _pct(e.holdout_rate),
            _points(e.uplift),
            ci,
        ]
        if with_activity:
            cells.append(f"{r.activity:,}")
        table.add_row(*cells)
    return table


@campaigns_app.command()
def report(
    ctx: typer.Context,
    campaign_id: Annotated[int, typer.Argument(help="The campaign's id.")],
    user: UserOpt,
    limit: Annotated[
        int, typer.Option("--limit", help="Branches and brokers shown (most members first).")
    ] = 20,
) -> None:
    """Members, contacts, conversions per group, uplift with its 95% CI, by branch and broker
    (your scope), activity volume per broker."""
    import time

    from brokerlens.access.campaigns import campaign_report

    me = acting(ctx, user)
    began = time.perf_counter()
    found = campaign_report(me.db, me.settings, me.principal, campaign_id)
    seconds = time.perf_counter() - began
    console.print(_summary(found.campaign), markup=False)

    def biggest(rows: list[ReportRow]) -> list[ReportRow]:
        return sorted(rows, key=lambda r: -(r.t_members + r.h_members))[:limit]

    console.print(_report_table("合计 total", [found.total], True, total=True), markup=False)
    console.print(_report_table("按营业部 by branch", biggest(found.branches), False), markup=False)
    console.print(_report_table("按经纪人 by broker", biggest(found.brokers), True), markup=False)
    as_of = found.campaign.outcomes_as_of or "-"
    _say(f"conversions as of {as_of}; report in {seconds:.2f} s")


@campaigns_app.command()
def members(
    ctx: typer.Context,
    campaign_id: Annotated[int, typer.Argument(help="The campaign's id.")],
    user: UserOpt,
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
) -> None:
    """Export the members in your scope (CSV; the export permission; audited)."""
    from brokerlens.access.campaigns import export_members

    me = acting(ctx, user)
    _, text, count = export_members(me.db, me.principal, campaign_id)
    out.write_text(text, "utf-8")
    _say(f"{count:,} members written to {out}")


@campaigns_app.command()
def cancel(
    ctx: typer.Context,
    campaign_id: Annotated[int, typer.Argument(help="The campaign's id.")],
    user: UserOpt,
) -> None:
    """Withdraw a draft or pending campaign."""
    from brokerlens.access.campaigns import cancel_campaign

    me = acting(ctx, user)
    console.print(_summary(cancel_campaign(me.db, me.principal, campaign_id)), markup=False)


@campaigns_app.command()
def close(
    ctx: typer.Context,
    campaign_id: Annotated[int, typer.Argument(help="The campaign's id.")],
    user: UserOpt,
) -> None:
    """End a launched campaign (its conversions stop being counted)."""
    from brokerlens.access.campaigns import close_campaign

    me = acting(ctx, user)
    console.print(_summary(close_campaign(me.db, me.principal, campaign_id)), markup=False)
