"""Campaigns (营销活动, issue 17 section 3) through the service layer: create, list, show,
launch (freeze and split), cancel, close, the outcome report and the members' export.

Who: head office marketing (hq_marketing) creates and runs campaigns anywhere; a branch or
region manager within their unit (the campaign's `owner_unit_id`); everyone else reads the
campaigns of their unit, the units above it and below it, each report cut to their own scope.

Launch freezes the source's customers in the launcher's scope (and the campaign's unit) at the
served snapshot, splits them at random with the campaign's seed (`marketing.campaigns.split`)
and bulk loads them into `campaign_members` with their branch and broker (DESIGN17's owner
rule over the published relationships). A campaign over `approval_above` members
(`marketing/campaigns/campaigns.yaml`) launched by anyone but hq_marketing waits as
`pending_approval` with a `campaign_launch` request in 待审批 (`access.approvals`); head office
marketing's approval launches it, a rejection leaves it a draft. Every change is audited; the
report aggregates in the store (SQL GROUP BY), never row by row in Python.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import sqlalchemy as sa

from brokerlens.access import columnar
from brokerlens.access.approvals import (
    Applying,
    Approval,
    ApprovalKind,
    close_open_request,
    open_request,
    register_kind,
    request_approval,
)
from brokerlens.access.audit import record_audit
from brokerlens.access.conditions import (
    Condition,
    Filters,
    Node,
    compile_query,
    parse_conditions,
)
from brokerlens.access.exports import MAX_EXPORT_ROWS, CsvText, export_name
from brokerlens.access.group_access import DYNAMIC, GroupSource, visible_clause
from brokerlens.access.org import ancestors, descendants, parents, principal_unit
from brokerlens.access.recommended import FIELD as RECOMMENDED
from brokerlens.access.recommended import product_value, target_ids, targets_file
from brokerlens.access.scope import active_on, scope_clause
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Permission, Principal, Role
from brokerlens.config import Settings
from brokerlens.contract.feeds import FEEDS
from brokerlens.errors import Conflict, Forbidden, InvalidRequest, NotFound
from brokerlens.marketing.campaigns.config import load_config
from brokerlens.marketing.campaigns.split import holdout_mask
from brokerlens.marketing.campaigns.uplift import Uplift, uplift
from brokerlens.publish.bulk import bulk_load
from brokerlens.store.marketing_schema import (
    CAMPAIGN_GOALS,
    CHANNELS,
    campaign_members,
    campaigns,
    service_records,
)
from brokerlens.store.schema import org_units, relationships, segments
from brokerlens.store.schema import staff as staff_table
from brokerlens.warehouse.served import kept_file, parquet_source

SOURCES = ("segment", "product_targets")
SERVICES = tuple(
    next(c for c in FEEDS["service_agreements"].columns if c.name == "service").enum or ()
)
MAX_TEXT = 4000
MAX_WINDOW_DAYS = 366
MAX_SEED = 2**31 - 1
OPEN = ("draft", "pending_approval")
# DESIGN17's owner rule: the servicer first, then the developer, then the advisor
ROLE_PRIORITY = {"servicer": 0, "developer": 1, "advisor": 2}


@dataclass(frozen=True)
class CampaignInput:
    """A new campaign. `segment_id` or `product_id` names the source; with both, the segment is
    the source and the product is what a product_purchase campaign counts."""

    name: str
    goal: str
    window_start: dt.date
    window_end: dt.date
    segment_id: int | None = None
    product_id: str | None = None
    top: int | None = None  # product targets: the top N (the target list's order)
    channel: str = "phone"
    script: str | None = None
    materials: str | None = None
    holdout_share: float | None = None  # default: the setting (0.10)
    seed: int | None = None  # default: the campaign id
    threshold_cents: int | None = None  # deposit: net inflow at least this (default: setting)
    service: str | None = None  # permission: this service (default: any)


@dataclass(frozen=True)
class Campaign:
    campaign_id: int
    name: str
    goal: str
    product_id: str | None
    service: str | None
    threshold_cents: int | None
    source_kind: str
    source_id: str
    source_top: int | None
    window_start: dt.date
    window_end: dt.date
    channel: str
    script: str | None
    materials: str | None
    holdout_share: float
    seed: int
    status: str
    owner_unit_id: str | None
    created_by: str
    created_at: dt.datetime
    launched_by: str | None
    launched_at: dt.datetime | None
    frozen_as_of: dt.date | None
    members: int
    treatment: int
    holdout: int
    outcomes_as_of: dt.date | None
    manageable: bool = False  # the viewer may launch, cancel or close it
    converted: int | None = None  # list: members converted (in the viewer's scope)
    uplift: float | None = None  # list: the uplift (in the viewer's scope)


@dataclass(frozen=True)
class ReportRow:
    """One line of the report: a group's figures side by side (treatment, holdout)."""

    key: str | None  # branch or staff id; None for the total
    label: str | None
    t_members: int
    t_contacted: int
    t_converted: int
    h_members: int
    h_contacted: int
    h_converted: int
    effect: Uplift
    records: int = 0  # service records logged for the campaign (activity volume)
    feed_contacts: int = 0  # marketing contacts in the contacts feed (activity volume)

    @property
    def activity(self) -> int:
        return self.records + self.feed_contacts


@dataclass(frozen=True)
class CampaignReport:
    campaign: Campaign
    total: ReportRow
    branches: list[ReportRow] = field(default_factory=list)
    brokers: list[ReportRow] = field(default_factory=list)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _not_found(campaign_id: int) -> NotFound:
    return NotFound(f"no campaign {campaign_id}")


# --- who sees and who runs a campaign ---------------------------------------------------------


def _unit_reach(connection: sa.Connection, principal: Principal) -> tuple[set[str], set[str]]:
    """(units whose campaigns the principal reads, units whose campaigns they run)."""
    unit = principal_unit(connection, principal)
    if unit is None:
        return set(), set()
    parent_of = parents(connection)
    below = descendants(unit, parent_of)
    manages = below if principal.role in (Role.BRANCH_MANAGER, Role.REGION_MANAGER) else set()
    return set(ancestors(unit, parent_of)) | below, manages


def _visible(connection: sa.Connection, principal: Principal) -> Any:
    if principal.role in ALL_CUSTOMER_ROLES:
        return sa.true()
    if principal.role is Role.ADMIN:
        return sa.false()
    reads, _ = _unit_reach(connection, principal)
    return sa.or_(campaigns.c.owner_unit_id.is_(None), campaigns.c.owner_unit_id.in_(reads))


def _manageable(principal: Principal, owner_unit: str | None, manages: set[str]) -> bool:
    if principal.role is Role.HQ_MARKETING:
        return True
    return owner_unit is not None and owner_unit in manages


def _record(row: Any, manageable: bool, **extra: Any) -> Campaign:
    values = {k: row[k] for k in Campaign.__dataclass_fields__ if k in row.keys()}  # noqa: SIM118
    return Campaign(**values, manageable=manageable, **extra)


def _get(connection: sa.Connection, principal: Principal, campaign_id: int) -> Campaign:
    row = (
        connection.execute(
            sa.select(campaigns).where(
                campaigns.c.campaign_id == campaign_id, _visible(connection, principal)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        raise _not_found(campaign_id)
    _, manages = _unit_reach(connection, principal)
    return _record(row, _manageable(principal, row["owner_unit_id"], manages))


def _managed(connection: sa.Connection, principal: Principal, campaign_id: int) -> Campaign:
    found = _get(connection, principal, campaign_id)
    if not found.manageable:
        raise Forbidden(
            "only head office marketing, or a manager of the campaign's unit, may run it"
        )
    return found


# --- create -----------------------------------------------------------------------------------


def _text(value: str | None, name: str) -> str | None:
    if value is None or not value.strip():
        return None
    if len(value) > MAX_TEXT:
        raise InvalidRequest(f"{name}: at most {MAX_TEXT} characters")
    return value.strip()


def _checked(connection: sa.Connection, principal: Principal, data: CampaignInput) -> dict:
    name = (data.name or "").strip()
    if not name or len(name) > 200:
        raise InvalidRequest("name: give the campaign a name of 1 to 200 characters")
    if data.goal not in CAMPAIGN_GOALS:
        raise InvalidRequest(f"goal: one of {', '.join(CAMPAIGN_GOALS)}")
    if data.window_end < data.window_start:
        raise InvalidRequest("window_end: must not be before window_start")
    if (data.window_end - data.window_start).days > MAX_WINDOW_DAYS:
        raise InvalidRequest(f"window_end: a window of at most {MAX_WINDOW_DAYS} days")
    if data.channel not in CHANNELS:
        raise InvalidRequest(f"channel: one of {', '.join(CHANNELS)}")
    if data.holdout_share is not None and not 0.0 <= data.holdout_share <= 0.9:
        raise InvalidRequest("holdout_share: a share from 0 to 0.9 (0.1 = 10%)")
    if data.seed is not None and not 0 <= data.seed <= MAX_SEED:
        raise InvalidRequest(f"seed: a whole number from 0 to {MAX_SEED}")
    if data.top is not None and not 1 <= data.top <= 10_000_000:
        raise InvalidRequest("top: a number of customers from 1 to 10,000,000")
    if data.threshold_cents is not None and not 1 <= data.threshold_cents <= 10**15:
        raise InvalidRequest("threshold: a positive amount (yuan)")
    if data.service is not None and data.service not in SERVICES:
        raise InvalidRequest(f"service: one of {', '.join(SERVICES)}")
    product = product_value(data.product_id) if data.product_id is not None else None
    if data.segment_id is not None:
        visible = connection.execute(
            sa.select(segments.c.segment_id).where(segments.c.segment_id == data.segment_id)
        ).first()
        if visible is None:
            raise InvalidRequest(f"segment: no segment {data.segment_id}")
        _check_segment(connection, principal, data.segment_id)
        kind, source = "segment", str(data.segment_id)
    elif product is not None:
        kind, source = "product_targets", product
    else:
        raise InvalidRequest("source: name a segment or a product (its target customers)")
    if data.top is not None and kind != "product_targets":
        raise InvalidRequest("top: only for a product's target list")
    return {
        "name": name,
        "goal": data.goal,
        "product_id": product if data.goal == "product_purchase" else None,
        "service": data.service if data.goal == "permission" else None,
        "source_kind": kind,
        "source_id": source,
        "source_top": data.top,
        "window_start": data.window_start,
        "window_end": data.window_end,
        "channel": data.channel,
        "script": _text(data.script, "script"),
        "materials": _text(data.materials, "materials"),
    }


def _check_segment(connection: sa.Connection, principal: Principal, segment_id: int) -> None:
    """The creator must see the segment (as on the segments page)."""
    from_segments = _segment_visible(connection, principal)
    found = connection.execute(
        sa.select(segments.c.segment_id).where(segments.c.segment_id == segment_id, from_segments)
    ).first()
    if found is None:
        raise InvalidRequest(f"segment: no segment {segment_id}")


def _segment_visible(connection: sa.Connection, principal: Principal) -> Any:
    """As the segments page: own, shared with the unit or above, shared by name (issue 25)."""
    return visible_clause(connection, principal)


def _creator_unit(connection: sa.Connection, principal: Principal) -> str | None:
    if principal.role is Role.HQ_MARKETING:
        return None
    if principal.role in (Role.BRANCH_MANAGER, Role.REGION_MANAGER):
        unit = principal_unit(connection, principal)
        if unit is not None:
            return unit
    raise Forbidden("creating a campaign needs head office marketing or a branch/region manager")


def create_campaign(
    db: sa.Engine, settings: Settings, principal: Principal, data: CampaignInput
) -> Campaign:
    """A draft campaign; audited `campaign_create`."""
    config = load_config(settings)
    with db.begin() as connection:
        unit = _creator_unit(connection, principal)
        values = _checked(connection, principal, data)
        if data.goal == "deposit":
            values["threshold_cents"] = data.threshold_cents or config.deposit_threshold_yuan * 100
        share = config.holdout_default if data.holdout_share is None else data.holdout_share
        campaign_id = connection.execute(
            campaigns.insert()
            .values(
                **values,
                holdout_share=float(share),
                seed=data.seed if data.seed is not None else 0,
                status="draft",
                owner_user_id=principal.user_id,
                owner_unit_id=unit,
                created_by=principal.username,
                created_at=_now(),
                members=0,
                treatment=0,
                holdout=0,
            )
            .returning(campaigns.c.campaign_id)
        ).scalar_one()
        if data.seed is None:  # the default seed is the campaign's own id: reproducible
            connection.execute(
                campaigns.update()
                .where(campaigns.c.campaign_id == campaign_id)
                .values(seed=int(campaign_id))
            )
        record_audit(
            connection,
            principal,
            "campaign_create",
            [],
            {"campaign_id": int(campaign_id), "name": values["name"], "goal": data.goal},
        )
        return _get(connection, principal, int(campaign_id))


# --- list and show ----------------------------------------------------------------------------


def list_campaigns(db: sa.Engine, principal: Principal) -> list[Campaign]:
    """The campaigns the principal reads, newest first, each with its conversions and uplift
    within the principal's scope (one grouped query for all of them)."""
    with db.connect() as connection:
        rows = (
            connection.execute(
                sa.select(campaigns)
                .where(_visible(connection, principal))
                .order_by(campaigns.c.campaign_id.desc())
            )
            .mappings()
            .all()
        )
        if not rows:
            return []
        _, manages = _unit_reach(connection, principal)
        launched = [r["campaign_id"] for r in rows if r["members"]]
        day = _scope_day(connection)
        counts = _group_counts(connection, principal, launched, day) if launched else {}
    found = []
    for row in rows:
        t_m, t_c, h_m, h_c = counts.get(row["campaign_id"], (0, 0, 0, 0))
        effect = uplift(t_c, t_m, h_c, h_m)
        found.append(
            _record(
                row,
                _manageable(principal, row["owner_unit_id"], manages),
                converted=t_c + h_c if row["members"] else None,
                uplift=effect.uplift,
            )
        )
    return found


def _scope_day(connection: sa.Connection) -> dt.date:
    """The day relationships count on for a reader's scope: the served snapshot's."""
    try:
        return served_snapshot_on(connection).as_of_date
    except NotFound:
        return dt.date.today()


def _group_counts(
    connection: sa.Connection, principal: Principal, ids: list[int], day: dt.date
) -> dict[int, tuple[int, int, int, int]]:
    m = _members(principal, day, ids)
    treat = m.c.grp == "treatment"
    hold = m.c.grp == "holdout"
    done = m.c.converted_on.is_not(None)
    result = connection.execute(
        sa.select(
            m.c.campaign_id,
            _count(treat),
            _count(sa.and_(treat, done)),
            _count(hold),
            _count(sa.and_(hold, done)),
        )
        .where(_scope(principal, m, day))
        .group_by(m.c.campaign_id)
    )
    return {int(r[0]): (int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in result}


def get_campaign(db: sa.Engine, principal: Principal, campaign_id: int) -> Campaign:
    with db.connect() as connection:
        return _get(connection, principal, campaign_id)


# --- launch -----------------------------------------------------------------------------------


def _source(connection: sa.Connection, campaign: Campaign) -> GroupSource:
    """The source's conditions (a nested group too), or a static group's hand-added members
    (issue 25)."""
    if campaign.source_kind == "product_targets":
        product: list[Node] = [Condition(field=RECOMMENDED, op="eq", value=campaign.source_id)]
        return GroupSource(0, DYNAMIC, product)
    stored = connection.execute(
        sa.select(segments.c.conditions, segments.c.kind).where(
            segments.c.segment_id == int(campaign.source_id)
        )
    ).first()
    if stored is None:
        raise InvalidRequest(f"segment: segment {campaign.source_id} no longer exists")
    conditions = parse_conditions(stored[0] or [])
    return GroupSource(int(campaign.source_id), stored[1] or DYNAMIC, conditions)


@dataclass(frozen=True)
class _Members:
    """The members found at launch, sorted by customer id (the split's order)."""

    ids: list[str]
    branches: list[str | None]


def _resolve(
    connection: sa.Connection,
    settings: Settings,
    principal: Principal,
    snapshot: Snapshot,
    campaign: Campaign,
) -> _Members:
    """The source's customers within the launcher's scope and the campaign's unit, at the
    served snapshot, with their branches."""
    source = _source(connection, campaign)
    path = columnar.columnar_file(snapshot)
    filters = compile_query(
        connection,
        principal,
        snapshot,
        source.query(),
        purpose="campaign_launch",
        columnar=path is not None,
        settings=settings,
    )
    where = [*filters.where, *source.where(snapshot.table, connection if path else None)]
    if campaign.owner_unit_id is not None:
        units = descendants(campaign.owner_unit_id, parents(connection))
        where.append(snapshot.table.c.branch_id.in_(sorted(units)))
    connection.commit()
    if path is not None:
        ids, branches = columnar.member_rows(path, Filters(where, []).duckdb_where())
    else:
        table = snapshot.table
        rows = connection.execute(
            sa.select(table.c.customer_id, table.c.branch_id)
            .where(*where)
            .order_by(table.c.customer_id)
        ).all()
        ids, branches = [str(r[0]) for r in rows], [r[1] for r in rows]
    found = _Members(ids, branches)
    if campaign.source_kind == "product_targets" and campaign.source_top is not None:
        found = _top(settings, snapshot, campaign, found)
    return found


def _top(settings: Settings, snapshot: Snapshot, campaign: Campaign, found: _Members) -> _Members:
    """The first N in the target list's order (the product's score, best first)."""
    _, path = targets_file(settings, snapshot.as_of_date)
    if path is None:
        return _Members([], [])
    rank = {c: i for i, c in enumerate(target_ids(path, campaign.source_id))}
    pairs = sorted(zip(found.ids, found.branches, strict=True), key=lambda r: rank.get(r[0], -1))
    kept = sorted(pairs[: campaign.source_top])
    return _Members([i for i, _ in kept], [b for _, b in kept])


def _owner(customer_id: Any, day: dt.date) -> Any:
    """The member's broker on `day` by DESIGN17's owner rule: the active relationship's staff,
    servicer before developer before advisor, then the earliest start, then the smallest id."""
    r = relationships
    priority = sa.case(ROLE_PRIORITY, value=r.c.role, else_=len(ROLE_PRIORITY))
    return (
        sa.select(r.c.staff_id)
        .where(r.c.customer_id == customer_id, active_on(day))
        .order_by(priority, r.c.start_date, r.c.staff_id)
        .limit(1)
        .scalar_subquery()
    )


_LAUNCH = sa.Table(
    "campaign_launch_load",
    sa.MetaData(),
    sa.Column("customer_id", sa.String(32)),
    sa.Column("grp", sa.String(10)),
    sa.Column("branch_id", sa.String(32)),
    prefixes=["TEMPORARY"],
)


def _groups(holdout: Any) -> list[str]:
    return ["holdout" if h else "treatment" for h in holdout.tolist()]


def _freeze(
    connection: sa.Connection, campaign_id: int, found: _Members, holdout: Any, day: dt.date
) -> None:
    """The members bulk loaded into a temporary table (COPY on PostgreSQL, executemany on
    SQLite; no key, so no index to keep while loading), then one INSERT ... SELECT with each
    member's owner looked up (relationships' key starts with customer_id). On SQLite this is
    about twice as fast as inserting the members one by one (measured: 500,000 in ~5 s)."""
    batch = pa.table(
        {
            "customer_id": pa.array(found.ids, pa.string()),
            "grp": pa.array(_groups(holdout), pa.string()),
            "branch_id": pa.array(found.branches, pa.string()),
        }
    )
    _LAUNCH.create(connection)
    try:
        bulk_load(connection, _LAUNCH, batch.to_batches(max_chunksize=100_000))
        source = sa.select(
            sa.literal(campaign_id, sa.Integer),
            _LAUNCH.c.customer_id,
            _LAUNCH.c.grp,
            _LAUNCH.c.branch_id,
            _owner(_LAUNCH.c.customer_id, day),
        )
        connection.execute(
            campaign_members.insert().from_select(
                ["campaign_id", "customer_id", "grp", "branch_id", "staff_id"], source
            )
        )
    finally:
        _LAUNCH.drop(connection)


def launch_campaign(
    db: sa.Engine, settings: Settings, principal: Principal, campaign_id: int
) -> Campaign:
    """Freeze and split the members (status launched), or, over `approval_above` for anyone
    but hq_marketing, ask head office: status pending_approval and a `campaign_launch` request
    in 待审批, whose approval launches it. A campaign waiting for approval, launched, closed or
    cancelled: Conflict. Audited `campaign_launch` / `campaign_pending_approval`."""
    return _launch(db, settings, principal, campaign_id, approved=False)


def _launch(
    db: sa.Engine, settings: Settings, principal: Principal, campaign_id: int, *, approved: bool
) -> Campaign:
    config = load_config(settings)
    allowed = ("pending_approval",) if approved else ("draft",)
    with db.connect() as connection:
        campaign = _managed(connection, principal, campaign_id)
        if campaign.status == "pending_approval" and not approved:
            waiting = open_request(connection, APPROVAL_KIND, _ref(campaign_id))
            number = f" (request {waiting.request_id})" if waiting else ""
            raise Conflict(
                f"campaign {campaign_id} is waiting for approval{number}",
                hint="head office marketing approves it in 待审批 (/approvals)",
            )
        if campaign.status not in allowed:
            raise Conflict(f"campaign {campaign_id} is {campaign.status}: it cannot be launched")
        snapshot = served_snapshot_on(connection)
        found = _resolve(connection, settings, principal, snapshot, campaign)
    n = len(found.ids)
    if not n:
        raise InvalidRequest(
            "the campaign's source has no customers in your scope",
            hint="check the segment's conditions or the product's target list",
        )
    big = not approved and n > config.approval_above and principal.role is not Role.HQ_MARKETING
    holdout = holdout_mask(n, campaign.holdout_share, campaign.seed)
    n_hold = int(holdout.sum())
    with db.begin() as connection:
        status = "pending_approval" if big else "launched"
        values: dict[str, Any] = {"status": status}
        if not big:
            values.update(
                launched_by=principal.username,
                launched_at=_now(),
                frozen_as_of=snapshot.as_of_date,
                members=n,
                treatment=n - n_hold,
                holdout=n_hold,
            )
        # the status is the lock: a second launch finds it changed and is refused
        changed = connection.execute(
            campaigns.update()
            .where(campaigns.c.campaign_id == campaign_id, campaigns.c.status.in_(allowed))
            .values(**values)
        ).rowcount
        if changed != 1:
            raise Conflict(f"campaign {campaign_id} was launched meanwhile")
        detail = {"campaign_id": campaign_id, "members": n, "as_of": str(snapshot.as_of_date)}
        if big:
            detail["approval_above"] = config.approval_above
            asked = request_approval(
                connection,
                principal,
                kind=APPROVAL_KIND,
                subject=f"营销活动上线 {campaign.name[:120]} · {n} 人",
                subject_ref=_ref(campaign_id),
                payload={
                    "campaign_id": campaign_id,
                    "name": campaign.name,
                    "members": n,
                    "as_of": str(snapshot.as_of_date),
                    "owner_unit_id": campaign.owner_unit_id,
                    "approval_above": config.approval_above,
                },
            )
            detail["request_id"] = asked.request_id
            record_audit(connection, principal, "campaign_pending_approval", [], detail)
        else:
            _freeze(connection, campaign_id, found, holdout, snapshot.as_of_date)
            detail.update(treatment=n - n_hold, holdout=n_hold, seed=campaign.seed)
            record_audit(connection, principal, "campaign_launch", [], detail)
        return _get(connection, principal, campaign_id)


# --- the approval (kind campaign_launch, registered in access.approval_kinds) -----------------

APPROVAL_KIND = "campaign_launch"


def _ref(campaign_id: int) -> str:
    return f"campaign:{campaign_id}"


def launch_request(db: sa.Engine, principal: Principal, campaign_id: int) -> int | None:
    """The id of the launch request waiting for the campaign (one the reader sees), if any."""
    with db.connect() as connection:
        _get(connection, principal, campaign_id)
        waiting = open_request(connection, APPROVAL_KIND, _ref(campaign_id))
    return waiting.request_id if waiting else None


def launch_approved(applying: Applying, decider: Principal, request: Approval) -> str:
    """Launch the campaign as the approver (head office): the members are frozen and split as
    the launch would, at the snapshot served now."""
    campaign_id = int(request.payload["campaign_id"])
    done = _launch(applying.db, applying.settings, decider, campaign_id, approved=True)
    return (
        f"campaign {campaign_id} launched: {done.members} members "
        f"({done.treatment} treatment, {done.holdout} holdout), frozen as of {done.frozen_as_of}"
    )


def back_to_draft(applying: Applying, decider: Principal, request: Approval, status: str) -> None:
    """A rejected or withdrawn launch leaves the campaign a draft again (to edit or relaunch)."""
    if applying.connection is None:
        return
    applying.connection.execute(
        campaigns.update()
        .where(
            campaigns.c.campaign_id == int(request.payload["campaign_id"]),
            campaigns.c.status == "pending_approval",
        )
        .values(status="draft")
    )


def describe_launch(settings: Settings, request: Approval, language: str) -> list[tuple[str, str]]:
    p = request.payload
    en = language == "en"
    return [
        ("Campaign" if en else "营销活动", f"{p.get('name')} (#{p.get('campaign_id')})"),
        ("Members" if en else "成员数", f"{p.get('members')}"),
        ("Approval above" if en else "需审批的人数", f"{p.get('approval_above')}"),
        ("Served as of" if en else "数据日期", str(p.get("as_of"))),
        (
            "Unit" if en else "所属单位",
            str(p.get("owner_unit_id") or ("head office" if en else "总部")),
        ),
    ]


def _set_status(
    db: sa.Engine, principal: Principal, campaign_id: int, status: str, allowed: tuple[str, ...]
) -> Campaign:
    with db.begin() as connection:
        campaign = _managed(connection, principal, campaign_id)
        if campaign.status not in allowed:
            raise Conflict(f"campaign {campaign_id} is {campaign.status}: it cannot be {status}")
        connection.execute(
            campaigns.update().where(campaigns.c.campaign_id == campaign_id).values(status=status)
        )
        if campaign.status == "pending_approval":
            close_open_request(
                connection, principal, APPROVAL_KIND, _ref(campaign_id), f"campaign {status}"
            )
        record_audit(
            connection,
            principal,
            f"campaign_{status}",
            [],
            {"campaign_id": campaign_id, "was": campaign.status},
        )
        return _get(connection, principal, campaign_id)


def cancel_campaign(db: sa.Engine, principal: Principal, campaign_id: int) -> Campaign:
    """A draft or pending campaign withdrawn (never launched)."""
    return _set_status(db, principal, campaign_id, "cancelled", OPEN)


def close_campaign(db: sa.Engine, principal: Principal, campaign_id: int) -> Campaign:
    """A launched campaign ended: its members stay; the run stops counting conversions."""
    return _set_status(db, principal, campaign_id, "closed", ("launched",))


def end_campaign(db: sa.Engine, principal: Principal, campaign_id: int) -> Campaign:
    """Stop a campaign whatever its stage: a draft or pending one is cancelled, a launched one
    closed; an ended one: Conflict."""
    with db.connect() as connection:
        status = _get(connection, principal, campaign_id).status
    if status in OPEN:
        return cancel_campaign(db, principal, campaign_id)
    return close_campaign(db, principal, campaign_id)


# --- the report -------------------------------------------------------------------------------


def _members(principal: Principal, day: dt.date, ids: list[int]) -> Any:
    """The campaigns' members, with their branch's region where a region manager reads them
    (the scope predicate's columns: customer_id, branch_id, region_id)."""
    m = campaign_members
    if principal.role is Role.REGION_MANAGER:
        return (
            sa.select(m, org_units.c.parent_id.label("region_id"))
            .select_from(m.outerjoin(org_units, org_units.c.unit_id == m.c.branch_id))
            .where(m.c.campaign_id.in_(ids))
            .subquery("m")
        )
    return sa.select(m).where(m.c.campaign_id.in_(ids)).subquery("m")


def _scope(principal: Principal, m: Any, day: dt.date) -> Any:
    return scope_clause(principal, m, day)


def _count(condition: Any) -> Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _cells(connection: sa.Connection, m: Any, where: Any) -> list[tuple[Any, ...]]:
    """(branch_id, staff_id, the six counts) per branch and broker: the one pass over the
    members (GROUP BY in the store); the total and the by-branch and by-broker lines are sums
    of these few thousand rows at most."""
    treat = m.c.grp == "treatment"
    hold = m.c.grp == "holdout"
    contacted = m.c.contacted_on.is_not(None)
    converted = m.c.converted_on.is_not(None)
    query = (
        sa.select(
            m.c.branch_id,
            m.c.staff_id,
            _count(treat),
            _count(sa.and_(treat, contacted)),
            _count(sa.and_(treat, converted)),
            _count(hold),
            _count(sa.and_(hold, contacted)),
            _count(sa.and_(hold, converted)),
        )
        .where(where)
        .group_by(m.c.branch_id, m.c.staff_id)
    )
    return [tuple(r) for r in connection.execute(query)]


def _rollup(cells: list[tuple[Any, ...]], key: int | None) -> list[tuple[Any, ...]]:
    """The cells summed by one of their keys (0 branch, 1 broker; None: one total line)."""
    sums: dict[Any, list[int]] = {}
    for cell in cells:
        line = sums.setdefault(None if key is None else cell[key], [0] * 6)
        for i, value in enumerate(cell[2:]):
            line[i] += int(value or 0)
    if key is None and not sums:
        sums[None] = [0] * 6
    ordered = sorted(sums.items(), key=lambda kv: (kv[0] is None, str(kv[0])))
    return [(k, *v) for k, v in ordered]


def _line(row: tuple[Any, ...], label: str | None, records: int, contacts: int) -> ReportRow:
    key, t_m, t_ct, t_cv, h_m, h_ct, h_cv = (row[0], *(int(v or 0) for v in row[1:]))
    return ReportRow(
        key=None if key is None else str(key),
        label=label,
        t_members=t_m,
        t_contacted=t_ct,
        t_converted=t_cv,
        h_members=h_m,
        h_contacted=h_ct,
        h_converted=h_cv,
        effect=uplift(t_cv, t_m, h_cv, h_m),
        records=records,
        feed_contacts=contacts,
    )


def _feed_contacts(settings: Settings, campaign: Campaign) -> dict[str, int]:
    """Marketing contacts in the contacts feed per member's broker, from the outcomes file the
    report's conversions come from."""
    if campaign.outcomes_as_of is None:
        return {}
    path = kept_file(settings, "outcomes", campaign.outcomes_as_of)
    if path is None:
        return {}
    connection = duckdb.connect(":memory:")
    try:
        found = connection.execute(
            f"SELECT staff_id, CAST(sum(feed_contacts) AS BIGINT) FROM {parquet_source(path)} "
            "WHERE campaign_id = ? AND staff_id IS NOT NULL GROUP BY staff_id",
            [campaign.campaign_id],
        ).fetchall()
    finally:
        connection.close()
    return {str(s): int(n) for s, n in found}


def campaign_report(
    db: sa.Engine, settings: Settings, principal: Principal, campaign_id: int
) -> CampaignReport:
    """Per group members, contacted, converted; the uplift with its 95% interval; by branch and
    by broker, within the reader's scope; activity volume per broker. Audited
    `view_campaign_report` (figures only, no customer)."""
    with db.connect() as connection:
        campaign = _get(connection, principal, campaign_id)
        day = _scope_day(connection)
        m = _members(principal, day, [campaign_id])
        where = _scope(principal, m, day)
        cells = _cells(connection, m, where)
        total, by_branch, by_broker = _rollup(cells, None)[0], _rollup(cells, 0), _rollup(cells, 1)
        records: dict[Any, int] = dict(
            connection.execute(
                sa.select(m.c.staff_id, sa.func.count(service_records.c.record_id))
                .select_from(
                    m.join(
                        service_records,
                        sa.and_(
                            service_records.c.campaign_id == campaign_id,
                            service_records.c.customer_id == m.c.customer_id,
                        ),
                    )
                )
                .where(where)
                .group_by(m.c.staff_id)
            ).all()
        )
        units = dict(connection.execute(sa.select(org_units.c.unit_id, org_units.c.name)).all())
        people = dict(
            connection.execute(sa.select(staff_table.c.staff_id, staff_table.c.name)).all()
        )
    contacts = _feed_contacts(settings, campaign)
    brokers = [
        _line(
            r,
            people.get(r[0]),
            int(records.get(r[0], 0)),
            contacts.get(str(r[0]), 0) if r[0] is not None else 0,
        )
        for r in by_broker
    ]
    report = CampaignReport(
        campaign=campaign,
        total=_line(
            total,
            None,
            sum(b.records for b in brokers),
            sum(b.feed_contacts for b in brokers),
        ),
        branches=[_line(r, units.get(r[0]), 0, 0) for r in by_branch],
        brokers=brokers,
    )
    with db.begin() as connection:
        record_audit(
            connection, principal, "view_campaign_report", [], {"campaign_id": campaign_id}
        )
    return report


# --- members export ---------------------------------------------------------------------------

MEMBER_COLUMNS = ("customer_id", "grp", "branch_id", "staff_id", "contacted_on", "converted_on")


def export_members(db: sa.Engine, principal: Principal, campaign_id: int) -> tuple[str, str, int]:
    """(file name, CSV text, rows) of the campaign's members within the reader's scope: the
    export permission; audited `export` with every id."""
    if not principal.can(Permission.EXPORT):
        raise Forbidden("exporting customers needs the export permission")
    sink = CsvText()
    sink.columns(MEMBER_COLUMNS)
    with db.begin() as connection:
        campaign = _get(connection, principal, campaign_id)
        day = _scope_day(connection)
        m = _members(principal, day, [campaign_id])
        where = _scope(principal, m, day)
        total = connection.execute(
            sa.select(sa.func.count()).select_from(m).where(where)
        ).scalar_one()
        if int(total) > MAX_EXPORT_ROWS:
            raise InvalidRequest(f"the export would hold {total:,} customers, too many")
        ids: list[str] = []
        rows = connection.execute(
            sa.select(*(m.c[n] for n in MEMBER_COLUMNS)).where(where).order_by(m.c.customer_id)
        )
        for row in rows:
            ids.append(str(row[0]))
            sink.row(list(row))
        record_audit(
            connection,
            principal,
            "export",
            ids,
            {"kind": "campaign_members", "campaign_id": campaign_id, "count": len(ids)},
        )
    name = export_name(f"campaign_{campaign.campaign_id}", campaign.frozen_as_of or day)
    return f"{name}.csv", sink.text(), len(ids)


LAUNCH_KIND = register_kind(
    ApprovalKind(
        name=APPROVAL_KIND,
        zh="营销活动上线",
        en="Campaign launch",
        apply=launch_approved,
        roles=frozenset({Role.HQ_MARKETING}),
        describe=describe_launch,
        close=back_to_draft,
        deciders="head office marketing",
    )
)
