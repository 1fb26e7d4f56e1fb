"""`brokerlens suitability ...`: questionnaires, rescoring, checks, the workflow, eligibility,
the investor class and the holdings report.

The commands about one customer or a recorded check act as a named workbench user
(`--user NAME`) through the same `brokerlens.access.suitability` functions the web calls:
the user's scope and permissions are checked and every step is audited under their name. The
lake-wide commands (questionnaire, rescore, validity, callbacks, report) call
`brokerlens.suitability.service` directly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from brokerlens.cli.acting import UserOpt, acting
from brokerlens.cli.main import app, parse_date, settings_of
from brokerlens.console import console
from brokerlens.errors import NotFound

if TYPE_CHECKING:
    from brokerlens.access.suitability import CheckPublic

suitability_app = typer.Typer(
    help="Investor suitability: questionnaires, checks and their workflow, eligibility.",
    no_args_is_help=True,
)
app.add_typer(suitability_app, name="suitability")

AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", help="Lake date YYYY-MM-DD [default: the latest].")
]
CustomerArg = Annotated[str, typer.Argument(help="The customer id.")]
CheckArg = Annotated[int, typer.Argument(help="A recorded check's id.")]
NoteOpt = Annotated[str | None, typer.Option(help="e.g. how it was shown or confirmed.")]


def _as_of(value: str | None) -> dt.date | None:
    return parse_date(value, "--as-of")


def _say(text: str) -> None:
    console.print(text, markup=False)


@suitability_app.command("questionnaire")
def questionnaire(
    ctx: typer.Context,
    version: Annotated[str | None, typer.Argument(help="A version [default: list them].")] = None,
    file: Annotated[
        Path | None, typer.Option("--check", help="Validate a definition file instead.")
    ] = None,
) -> None:
    """List questionnaire versions, show one, or validate a definition file (--check FILE)."""
    from brokerlens.suitability.questionnaire import load_definition, load_definitions

    if file is not None:
        definition = load_definition(file)
        _say(f"{file}: valid, {definition.version}, {len(definition.questions)} questions")
        return
    definitions = load_definitions(settings_of(ctx))
    if version is None:
        for d in definitions.values():
            _say(f"{d.version}  {d.title}  ({len(d.questions)} questions, {d.valid_months} months)")
        return
    if version not in definitions:
        raise NotFound(
            f"questionnaire version {version!r} is unknown",
            hint=f"known versions: {', '.join(definitions)}",
        )
    d = definitions[version]
    table = Table("question", "option", "text", "score", title=f"{d.version} {d.title}")
    for q in d.questions:
        for o in q.options:
            table.add_row(
                f"{q.id} {q.text}" if o is q.options[0] else "", o.id, o.text, f"{o.score:g}"
            )
    console.print(table, markup=False)
    cuts = ", ".join(f"{c} >= {b:g}" for c, b in d.classes.items())
    _say(f"classes: {cuts}; horizon from {d.horizon_question}")
    lowest = "; ".join(f"{t.question}={t.option} {t.reason}" for t in d.lowest_category.answers)
    _say(f"lowest category: {lowest}; age < {d.lowest_category.min_age}")


@suitability_app.command()
def rescore(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    expiring_days: Annotated[
        int | None, typer.Option(min=0, help="Expiring within this many days [default: rules].")
    ] = None,
    limit: Annotated[int, typer.Option(min=0, help="Findings listed at most.")] = 50,
) -> None:
    """Re-score every delivered assessment; list disagreements; validity by branch."""
    from brokerlens.suitability.service import rescore_lake

    report = rescore_lake(settings_of(ctx), _as_of(as_of), expiring_days)
    counts = ", ".join(f"{k} {n}" for k, n in report.counts().items()) or "none"
    _say(f"{report.assessments} assessments re-scored as of {report.as_of}; findings: {counts}")
    for f in report.findings[:limit]:
        where = f"{f.assessment_id} {f.customer_id} ({f.branch_id or '-'}) {f.version}"
        _say(f"  {where} {f.kind}: {f.delivered} -> {f.rescored} {f.detail}")
    if len(report.findings) > limit:
        _say(f"... {len(report.findings) - limit} more (raise --limit)")
    branches = Table(
        "branch", "customers", "valid", "expiring", "expired", "missing", title="validity"
    )
    for b in report.branches():
        branches.add_row(
            b.branch_id or "-",
            *(str(n) for n in (b.customers, b.valid, b.expiring, b.expired, b.missing)),
        )
    console.print(branches, markup=False)


@suitability_app.command()
def validity(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    branch: Annotated[str | None, typer.Option(help="Only this branch.")] = None,
    expiring_days: Annotated[int | None, typer.Option(min=0, help="[default: rules]")] = None,
) -> None:
    """Customers whose assessment is expired, expiring or missing."""
    from brokerlens.suitability.service import rescore_lake

    report = rescore_lake(settings_of(ctx), _as_of(as_of), expiring_days)
    table = Table("branch", "customer", "state", "assessment", "expires", "days left")
    for v in report.validity:
        if v.state != "valid" and branch in (None, v.branch_id):
            left = "" if v.days_left is None else str(v.days_left)
            table.add_row(
                v.branch_id or "",
                v.customer_id,
                v.state,
                v.assessment_id or "",
                str(v.expire_date or ""),
                left,
            )
    console.print(table, markup=False)


@suitability_app.command("check")
def check_command(
    ctx: typer.Context,
    customer: CustomerArg,
    target: Annotated[str, typer.Argument(help="A product id, or a permission (margin, ...).")],
    user: UserOpt,
    context: Annotated[
        str, typer.Option(help="purchase (the investor asks) or recommendation (we offer).")
    ] = "purchase",
    record: Annotated[bool, typer.Option("--record", help="Keep the check in the store.")] = False,
) -> None:
    """The suitability verdict for CUSTOMER and TARGET as of the served date, with every reason;
    audited as `suitability_check` (as the web's check, which always records)."""
    from brokerlens.access import suitability as access

    me = acting(ctx, user)
    found = access.run_check(
        me.db, me.settings, me.principal, customer, target, context, record=record
    )
    result, allowed = found.result, found.eligibility
    t = result.target
    _say(f"{customer} -> {t.kind} {t.target_id} {t.name} ({t.grade}), {context}: {result.verdict}")
    for reason in result.reasons:
        _say(f"  [{reason.verdict}] {reason.text}")
    if result.callback_required:
        _say("  a sale calls for a call-back (回访): high risk to an ordinary investor")
    if allowed is not None:
        _say(f"eligibility {allowed.name}: {allowed.status}")
        for r in allowed.requirements:
            _say(f"  [{r.status}] {r.text}")
    if found.check_id is not None:
        _say(f"recorded as check {found.check_id} by {me.principal.username}")


def _last_event(check: CheckPublic, kind: str) -> dict[str, Any]:
    return next(e for e in reversed(check.events) if e["kind"] == kind)


@suitability_app.command()
def warn(ctx: typer.Context, check_id: CheckArg, user: UserOpt, note: NoteOpt = None) -> None:
    """Record that the risk warning of a mismatch was shown to the customer."""
    from brokerlens.access import suitability as access

    me = acting(ctx, user)
    check = access.record_warning(me.db, me.principal, check_id, note)
    event = _last_event(check, "warning_shown")
    _say(
        f"check {check_id}: warning shown, recorded at {event['at']:%Y-%m-%d %H:%M} "
        f"by {event['actor']}"
    )


@suitability_app.command()
def confirm(ctx: typer.Context, check_id: CheckArg, user: UserOpt, note: NoteOpt = None) -> None:
    """Record the customer's confirmation of a mismatch (only after its warning)."""
    from brokerlens.access import suitability as access

    me = acting(ctx, user)
    check = access.record_confirmation(me.db, me.principal, check_id, note)
    event = _last_event(check, "confirmed")
    _say(f"check {check_id}: confirmed by the customer, recorded by {event['actor']}")


@suitability_app.command()
def sale(ctx: typer.Context, check_id: CheckArg, user: UserOpt) -> None:
    """Record that the sale went ahead; schedules the call-back where one is due."""
    from brokerlens.access import suitability as access

    me = acting(ctx, user)
    check = access.record_sale(me.db, me.settings, me.principal, check_id)
    events = check.events
    start = max(i for i, e in enumerate(events) if e["kind"] == "sale_recorded")
    for event in events[start:]:
        due = f", due {event['due_date']}" if event.get("due_date") else ""
        _say(f"check {check_id}: {event['kind']}{due}")


@suitability_app.command()
def callbacks(
    ctx: typer.Context,
    on: Annotated[str | None, typer.Option(help="Due by YYYY-MM-DD [default: today].")] = None,
) -> None:
    """Call-backs due and not yet done."""
    from brokerlens.store import open_store
    from brokerlens.suitability.workflow import due_callbacks

    day = parse_date(on, "--on") or dt.date.today()
    table = Table("check", "due", "scheduled by", "note")
    for e in due_callbacks(open_store(settings_of(ctx)), day):
        table.add_row(str(e.check_id), str(e.due_date), e.actor, e.note or "")
    console.print(table, markup=False)


@suitability_app.command("eligibility")
def eligibility_command(ctx: typer.Context, customer: CustomerArg, user: UserOpt) -> None:
    """Business permissions (margin, ChiNext, STAR, BSE, options, HK Connect) as of the served
    date: what is missing. Audited as `view_eligibility`."""
    from brokerlens.access import suitability as access

    me = acting(ctx, user)
    found = access.customer_eligibility(me.db, me.settings, me.principal, customer)
    _say(f"{customer} as of {found.as_of_date}")
    for e in found.permissions:
        opened = " (already open)" if e.already_open else ""
        _say(f"{e.permission} {e.name}: {e.status}{opened}")
        for r in e.requirements:
            _say(f"  [{r['status']}] {r['text']}")


@suitability_app.command("class")
def class_command(ctx: typer.Context, customer: CustomerArg, user: UserOpt) -> None:
    """Professional or ordinary investor: what the data shows, and the reasons (as of the served
    date). Audited as `view_suitability`."""
    from brokerlens.access import suitability as access

    me = acting(ctx, user)
    found = access.customer_suitability(me.db, me.settings, me.principal, customer)
    klass = found.investor_class
    _say(
        f"{customer}: recorded {klass.recorded}, treated as {klass.treated}; "
        f"data shows {klass.outcome}"
    )
    for reason in klass.reasons:
        _say(f"  {reason}")
    if not klass.agrees:
        _say("  the record says professional but the data does not show the criteria")


@suitability_app.command("request-class")
def request_class_command(
    ctx: typer.Context,
    customer: CustomerArg,
    direction: Annotated[str, typer.Argument(help="to_professional or to_ordinary.")],
    user: UserOpt,
    evidence: Annotated[str | None, typer.Option(help="What the customer provided.")] = None,
) -> None:
    """Record an application to be treated as professional (or as ordinary). Audited as
    `investor_class_request`."""
    from brokerlens.access import suitability as access

    me = acting(ctx, user)
    found = access.request_investor_class(
        me.db, me.settings, me.principal, customer, direction, evidence
    )
    _say(
        f"class request {found.request_id} recorded ({direction}); data shows {found.data_outcome}"
    )


@suitability_app.command("decide-class")
def decide_class_command(
    ctx: typer.Context,
    request_id: Annotated[int, typer.Argument(help="The class request's id.")],
    approve: Annotated[bool, typer.Option("--approve/--reject", help="The decision.")],
    user: UserOpt,
    note: Annotated[str | None, typer.Option(help="Why; the evidence seen.")] = None,
) -> None:
    """Approve or reject a pending investor class request (decide_investor_class permission,
    compliance). Audited as `investor_class_decision`."""
    from brokerlens.access import suitability as access

    me = acting(ctx, user)
    found = access.decide_investor_class(
        me.db, me.settings, me.principal, request_id, approve, note
    )
    _say(f"class request {request_id} {found.status} by {found.decided_by}")


@suitability_app.command()
def report(
    ctx: typer.Context,
    as_of: AsOfOpt = None,
    branch: Annotated[str | None, typer.Option(help="List this branch's holdings.")] = None,
) -> None:
    """Current holdings above the holder's class, by branch."""
    from brokerlens.suitability.service import holdings_report

    found = holdings_report(settings_of(ctx), _as_of(as_of))
    summary = Table(
        "branch",
        "customers",
        "holdings",
        "market value",
        title=f"holdings above class, {found.as_of}",
    )
    for b in found.branches():
        summary.add_row(
            b.branch_id or "-", str(b.customers), str(b.holdings), f"{b.market_value:,.2f}"
        )
    console.print(summary, markup=False)
    if branch is not None:
        table = Table("customer", "class", "holding", "name", "grade", "market value", "why")
        for h in found.holdings:
            if h.branch_id == branch:
                table.add_row(
                    h.customer_id,
                    h.risk_class or "-",
                    h.item_id,
                    h.name,
                    h.grade,
                    f"{h.market_value:,.2f}",
                    h.reason,
                )
        console.print(table, markup=False)
