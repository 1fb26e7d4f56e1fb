"""The work list step of `brokerlens run`: `<warehouse>/marketing/worklist/<T>.parquet`.

Every candidate source has its SQL file (`sql/wl_<kind>_items.sql`, one kind each, the same
columns); a source that is absent (no churn model yet, no alerts of T, no recommendations) is
skipped with a note. `worklist_items.sql` resolves each item's broker (the owner rule), leaves
out snoozed customers and kinds in their cooldown, scores and ranks one row per broker and
customer; the rows are then grouped here (the items of a row become its kinds and reasons, most
urgent first) and written sorted by staff_id and rank in modest row groups, so that a reader's
filter on one broker reads little.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.alerts.evaluate import ALERT_SCHEMA
from brokerlens.alerts.loader import load_definitions
from brokerlens.atomic import atomic_file
from brokerlens.config import Settings
from brokerlens.contract.feeds import FEEDS, LAKE_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.render import Value
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.errors import LakeError
from brokerlens.marketing.worklist.config import WorklistConfig
from brokerlens.marketing.worklist.reasons import reason
from brokerlens.marketing.worklist.store_rows import (
    CALLBACKS,
    COMPLAINTS,
    COOLDOWN,
    MEMBERS,
    RECORDS,
    SNOOZED,
    StoreRows,
    read_group_names,
    read_store_rows,
)
from brokerlens.models.days import DAY_COLUMNS, day_files_covering
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.served import kept_file, newest_date
from brokerlens.warehouse.sources import LakeFiles
from brokerlens.warehouse.state import WarehouseState

PACKAGE = "brokerlens.marketing.worklist"
ROW_GROUP = 65_536

WORKLIST_SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("staff_id", pa.string()),
        ("branch_id", pa.string()),
        ("customer_id", pa.string()),
        ("name", pa.string()),
        ("rank", pa.int32()),
        ("score", pa.float64()),
        ("urgency", pa.float64()),
        ("value", pa.float64()),
        ("total_assets", pa.float64()),
        ("kinds", pa.list_(pa.string())),
        ("reasons", pa.list_(pa.string())),
        ("reasons_en", pa.list_(pa.string())),
        ("in_budget", pa.bool_()),
        ("offer_product_id", pa.string()),
        ("offer_product_name", pa.string()),
        ("offer_reason", pa.string()),
    ]
)

OWNER_COLUMNS = [
    ("customer_id", "VARCHAR"),
    ("name", "VARCHAR"),
    ("branch_id", "VARCHAR"),
    ("staff_id", "VARCHAR"),
    ("budget_branch", "VARCHAR"),
    ("birth_date", "DATE"),
    ("open_date", "DATE"),
]
CANDIDATE_COLUMNS = (
    "customer_id, staff_id, kind, urgency, label, label_en, amount, share, days, text_zh, text_en"
)
CANDIDATE_TYPES = [
    ("customer_id", "VARCHAR"),
    ("staff_id", "VARCHAR"),
    ("kind", "VARCHAR"),
    ("urgency", "DOUBLE"),
    ("label", "VARCHAR"),
    ("label_en", "VARCHAR"),
    ("amount", "DOUBLE"),
    ("share", "DOUBLE"),
    ("days", "BIGINT"),
    ("text_zh", "VARCHAR"),
    ("text_en", "VARCHAR"),
]
# the candidate files, by the source they need (None: the lake and the owners only)
SOURCES = (
    ("wl_alert_items", "alerts"),
    ("wl_churn_items", "churn"),
    ("wl_activation_items", "activation"),
    ("wl_assessment_items", None),
    ("wl_callback_items", "store"),
    ("wl_follow_up_items", "store"),
    ("wl_campaign_items", "store"),
    ("wl_birthday_items", None),
    ("wl_anniversary_items", None),
    ("wl_maturity_items", None),
    ("wl_ipo_items", None),
    ("wl_complaint_items", "store"),
    ("wl_group_items", "groups"),
)


@dataclass
class BuildReport:
    rows: int = 0
    brokers: int = 0
    items: int = 0
    in_budget: int = 0
    unassigned: int = 0  # customers with a candidate item and no broker
    kinds: dict[str, int] = field(default_factory=dict)  # items per kind family
    skipped: list[str] = field(default_factory=list)  # sources absent, and why

    def note(self) -> str:
        text = (
            f"{self.brokers} brokers, {self.items} items in {self.rows} rows, "
            f"{self.in_budget} rows in budget, {self.unassigned} customers unassigned"
        )
        return text + (f"; skipped: {', '.join(self.skipped)}" if self.skipped else "")


def _columns(feed: str) -> list[tuple[str, str]]:
    return [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]


def _feed_days(engine: Engine, lake: LakeFiles, feed: str, name: str, days: list[dt.date]) -> None:
    """A dated feed over just `days`, under a name of our own."""
    wanted = set(days)
    files = [p for day, p in lake.catalog.files_of(lake.layout, feed) if day in wanted]
    engine.register_parquet(name, files, _columns(feed))


def _arrow_columns(schema: pa.Schema) -> list[tuple[str, str]]:
    names = {pa.string(): "VARCHAR", pa.date32(): "DATE", pa.int64(): "BIGINT"}
    return [(f.name, names.get(f.type, "DOUBLE")) for f in schema]


@dataclass(frozen=True)
class Inputs:
    """Where the build reads from: the run's engine, the lake, the warehouse and the store."""

    settings: Settings
    engine: Engine
    lake: LakeFiles
    warehouse: WarehouseLayout
    state: WarehouseState
    as_of: dt.date
    loaded_days: list[dt.date]


def _register_alerts(src: Inputs, config: WorklistConfig, report: BuildReport) -> bool:
    today = src.warehouse.alerts_file(src.as_of)
    columns = _arrow_columns(ALERT_SCHEMA)
    if not today.is_file():
        report.skipped.append("alerts (no alerts of T)")
        return False
    earlier = [
        d for d in src.loaded_days if d < src.as_of and src.warehouse.alerts_file(d).is_file()
    ]
    previous = [src.warehouse.alerts_file(earlier[-1])] if earlier else []
    if not earlier:
        report.skipped.append("no earlier alerts: every alert of T counts as new")
    src.engine.register_parquet("wl_alerts_today", [today], columns)
    src.engine.register_parquet("wl_alerts_prev", previous, columns)
    definitions = load_definitions(src.settings)
    src.engine.register_table(
        "wl_alert_defs",
        pa.table(
            {
                "alert_id": pa.array([d.id for d in definitions], pa.string()),
                "name_zh": pa.array([d.zh for d in definitions], pa.string()),
                "name_en": pa.array([d.en for d in definitions], pa.string()),
                "urgency": pa.array([config.alert_weight(d.id) for d in definitions]),
            }
        ),
    )
    return True


def _top_rank(path_rows: int, share: float) -> int:
    return math.ceil(path_rows * share)


def _register_scores(src: Inputs, config: WorklistConfig, report: BuildReport) -> dict[str, int]:
    """Churn scores and activation candidates of T; the top ranks each one's share covers."""
    tops: dict[str, int] = {}
    churn = src.warehouse.churn_scores_file(src.as_of)
    if churn.is_file():
        src.engine.register_parquet(
            "wl_churn_scores",
            [churn],
            [
                ("customer_id", "VARCHAR"),
                ("probability", "DOUBLE"),
                ("rank", "BIGINT"),
                ("reasons_zh", "VARCHAR"),
                ("reasons_en", "VARCHAR"),
            ],
        )
        rows = pq.ParquetFile(churn).metadata.num_rows
        tops["churn"] = _top_rank(rows, config.churn.top_share)
    else:
        report.skipped.append("churn (no churn scores of T: no model yet)")
    activation = src.warehouse.activation_file(src.as_of)
    if activation.is_file():
        src.engine.register_parquet(
            "wl_activation",
            [activation],
            [
                ("customer_id", "VARCHAR"),
                ("kind", "VARCHAR"),
                ("peak_assets", "DOUBLE"),
                ("total_assets", "DOUBLE"),
                ("score", "DOUBLE"),
                ("rank", "BIGINT"),
            ],
        )
        rows = pq.ParquetFile(activation).metadata.num_rows
        tops["activation"] = _top_rank(rows, config.activation.top_share)
    else:
        report.skipped.append("activation (no candidates of T)")
    return tops


def _register_store(src: Inputs, rows: StoreRows) -> None:
    for name, table in (
        ("wl_snoozed", rows.snoozed),
        ("wl_cooldown", rows.cooldown),
        ("wl_callbacks", rows.callbacks),
        ("wl_records", rows.records),
        ("wl_campaign_members", rows.members),
        ("wl_complaints", rows.complaints),
    ):
        src.engine.register_table(name, table)


def _empty_store() -> StoreRows:
    return StoreRows(
        snoozed=SNOOZED.empty_table(),
        cooldown=COOLDOWN.empty_table(),
        callbacks=CALLBACKS.empty_table(),
        records=RECORDS.empty_table(),
        members=MEMBERS.empty_table(),
        complaints=COMPLAINTS.empty_table(),
    )


GROUP_CHANGE_COLUMNS = [
    ("group_id", "BIGINT"),
    ("as_of_date", "DATE"),
    ("customer_id", "VARCHAR"),
    ("change", "VARCHAR"),
    ("reason", "VARCHAR"),
]


def _register_groups(
    src: Inputs, config: WorklistConfig, report: BuildReport, db: sa.Engine | None
) -> bool:
    """The group rules' changes (issue 25): those of the newest refreshed date on or before T
    (the step runs before T's publish: normally the previous refresh), read through the served
    files' owner; the groups' names from the store (none: `group <id>`)."""
    if not config.groups:
        return False
    day = newest_date(src.settings, "group_changes", src.as_of)
    path = kept_file(src.settings, "group_changes", day) if day is not None else None
    if path is None:
        report.skipped.append("groups (no group membership refreshed on or before T)")
        return False
    ids = sorted({r.group for r in config.groups})
    names = read_group_names(db, ids) if db is not None else {}
    missing = [str(i) for i in ids if db is not None and i not in names]
    if missing:
        report.skipped.append(f"groups {', '.join(missing)} (no such group)")
    src.engine.register_parquet("wl_group_changes", [path], GROUP_CHANGE_COLUMNS)
    rules = [(r.group, r.change) for r in config.groups]
    src.engine.register_table(
        "wl_group_rules",
        pa.table(
            {
                "group_id": pa.array([g for g, _ in rules], pa.int64()),
                "change": pa.array([c for _, c in rules], pa.string()),
                "name": pa.array([names.get(g, f"group {g}") for g, _ in rules], pa.string()),
            }
        ),
    )
    return True


def _register_offers(src: Inputs, report: BuildReport) -> None:
    recs = src.warehouse.recommendations_file(src.as_of)
    files = [recs] if recs.is_file() else []
    if not files:
        report.skipped.append("offers (no recommendations of T)")
    src.engine.register_parquet(
        "wl_recs_full",
        files,
        [
            ("customer_id", "VARCHAR"),
            ("product_id", "VARCHAR"),
            ("rank", "INTEGER"),
            ("reasons", "VARCHAR[]"),
        ],
    )
    src.engine.create_view(
        "wl_offers",
        "SELECT r.customer_id, r.product_id, p.name AS product_name, r.reasons[1] AS reason "
        "FROM wl_recs_full r LEFT JOIN products_history p ON p.product_id = r.product_id "
        "AND p.valid_from <= :as_of AND (p.valid_to IS NULL OR p.valid_to > :as_of) "
        "WHERE r.rank = 1",
        {"as_of": src.as_of},
    )


def _register_lake(src: Inputs, config: WorklistConfig) -> None:
    """T's customer_day (the value), T's trades, the holdings a maturity can start from and the
    days ahead of T the occasions look at."""
    engine, as_of = src.engine, src.as_of
    day_files = day_files_covering(src.warehouse, src.state, [as_of])
    if not day_files or not src.warehouse.profile_file(as_of).is_file():
        raise LakeError(
            f"{as_of} has not been run: the work list needs its profile, customer_day, alerts",
            hint=f"run the day first: brokerlens run --as-of {as_of}",
        )
    engine.register_parquet("wl_day", day_files, DAY_COLUMNS)
    engine.create_view(
        "wl_value",
        "SELECT customer_id, CAST(total_assets AS DOUBLE) AS total_assets FROM wl_day "
        "WHERE biz_date = :as_of",
        {"as_of": as_of},
    )
    _feed_days(engine, src.lake, "trades", "wl_trades", [as_of])
    _register_holdings(src, config.windows.maturity_days)
    ahead = max(config.windows.birthday_days, config.windows.anniversary_days)
    engine.register_table(
        "wl_days",
        pa.table(
            {
                "day": pa.array([as_of + dt.timedelta(days=k) for k in range(ahead + 1)]),
                "ahead": pa.array(list(range(ahead + 1)), pa.int64()),
            }
        ),
    )


def _register_holdings(src: Inputs, maturity_days: int) -> None:
    """The holdings a maturity within the window can start from, per term: for a term of t
    days, the loaded days from a week before T - t through T - t + maturity_days (the first of
    them tells a holding that started before), and T itself; not the whole term's history."""
    terms = src.engine.fetch(
        "SELECT DISTINCT term_days FROM products_history WHERE valid_from <= :as_of "
        "AND (valid_to IS NULL OR valid_to > :as_of) AND term_days > 0",
        {"as_of": src.as_of},
    ).column("term_days")
    windows: list[tuple[int, dt.date]] = []
    wanted = {src.as_of}
    for term in sorted(int(t) for t in terms.to_pylist() if t is not None):
        start = src.as_of - dt.timedelta(days=term + 7)
        end = src.as_of - dt.timedelta(days=term - maturity_days)
        days = [d for d in src.loaded_days if start <= d <= min(end, src.as_of)]
        if days:
            windows.append((term, days[0]))
            wanted.update(days)
    _feed_days(src.engine, src.lake, "product_holdings", "wl_holdings", sorted(wanted))
    src.engine.register_table(
        "wl_term_windows",
        pa.table(
            {
                "term_days": pa.array([t for t, _ in windows], pa.int64()),
                "window_first": pa.array([d for _, d in windows], pa.date32()),
            }
        ),
    )


def _params(
    config: WorklistConfig, as_of: dt.date, tops: dict[str, int]
) -> dict[str, dict[str, Value]]:
    u, w = config.urgency, config.windows
    return {
        "wl_alert_items": {},
        "wl_churn_items": {
            "urgency": u["churn"],
            "min_probability": config.churn.min_probability,
            "top_rank": tops.get("churn", 0),
        },
        "wl_activation_items": {"urgency": u["activation"], "top_rank": tops.get("activation", 0)},
        "wl_assessment_items": {
            "urgency": u["assessment_expiring"],
            "as_of": as_of,
            "until": as_of + dt.timedelta(days=w.assessment_days),
        },
        "wl_callback_items": {"urgency": u["callback_due"], "as_of": as_of},
        "wl_follow_up_items": {"urgency": u["follow_up"], "as_of": as_of},
        "wl_campaign_items": {"urgency": u["campaign"], "as_of": as_of},
        "wl_birthday_items": {"urgency": u["birthday"], "days_ahead": w.birthday_days},
        "wl_anniversary_items": {"urgency": u["anniversary"], "days_ahead": w.anniversary_days},
        "wl_maturity_items": {
            "urgency": u["maturity"],
            "as_of": as_of,
            "days_ahead": w.maturity_days,
        },
        "wl_ipo_items": {"urgency": u["ipo_allotment"], "as_of": as_of},
        "wl_complaint_items": {"urgency": u["complaint"], "as_of": as_of},
        "wl_group_items": {"urgency": u["group"], "as_of": as_of},
    }


def build_worklist(src: Inputs, config: WorklistConfig, db: sa.Engine | None) -> BuildReport:
    """Write the work list of T; `db` None: the store is not read (no states, call-backs,
    follow-ups or campaigns)."""
    engine, as_of, report = src.engine, src.as_of, BuildReport()
    _register_lake(src, config)  # first: refuses a T that has not been run
    owners = src.warehouse.run_file("wl_owners", "worklist")
    engine.write_parquet(load_sql(PACKAGE, "worklist_owners").sql, owners, {"as_of": as_of})
    engine.register_parquet("wl_owners", [owners], OWNER_COLUMNS)
    present = {"alerts": _register_alerts(src, config, report), "store": True}
    tops = _register_scores(src, config, report)
    present.update({"churn": "churn" in tops, "activation": "activation" in tops})
    if db is None:
        report.skipped.append("store (no states, call-backs, follow-ups, campaigns or complaints)")
        present["store"] = False
        _register_store(src, _empty_store())
    else:
        _register_store(src, read_store_rows(db, as_of, config.cooldown_days))
    present["groups"] = _register_groups(src, config, report, db)
    _register_offers(src, report)
    params = _params(config, as_of, tops)
    parts = []
    for name, source in SOURCES:
        if source is not None and not present[source]:
            continue
        view = f"{name}_rows"
        engine.create_view(view, load_sql(PACKAGE, name).sql, params[name])
        parts.append(f"SELECT {CANDIDATE_COLUMNS} FROM {view}")
    # every source once, kept for the run: the ranking and the counts read it several times
    candidates = src.warehouse.run_file("wl_candidates", "worklist")
    engine.write_parquet(" UNION ALL ".join(parts), candidates)
    engine.register_parquet("wl_candidates", [candidates], CANDIDATE_TYPES)
    report.unassigned = int(
        engine.fetch(
            "SELECT count(DISTINCT c.customer_id) AS n FROM wl_candidates c "
            "LEFT JOIN wl_owners o ON o.customer_id = c.customer_id "
            "WHERE c.staff_id IS NULL AND o.staff_id IS NULL"
        )
        .column("n")[0]
        .as_py()
        or 0
    )
    budgets = sorted(config.budget.branches.items())
    engine.register_table(
        "wl_budgets",
        pa.table(
            {
                "branch_id": pa.array([b for b, _ in budgets], pa.string()),
                "budget": pa.array([n for _, n in budgets], pa.int64()),
            }
        ),
    )
    covers = sorted(config.alert_covered_by.items())
    engine.register_table(
        "wl_alert_covers",
        pa.table(
            {
                "alert_kind": pa.array([f"alert:{a}" for a, _ in covers], pa.string()),
                "kind": pa.array([k for _, k in covers], pa.string()),
            }
        ),
    )
    items = engine.fetch(
        load_sql(PACKAGE, "worklist_items").sql,
        {
            "bonus": config.bonus,
            "w_urgency": config.weights.urgency,
            "w_value": config.weights.value,
            "default_budget": config.budget.default,
        },
    )
    table = group_items(items, as_of)
    write_worklist(src.warehouse, as_of, table)
    report.rows = table.num_rows
    report.items = items.num_rows
    report.brokers = len(pc.unique(table.column("staff_id")))
    report.in_budget = int(pc.sum(table.column("in_budget")).as_py() or 0)
    families = pc.value_counts(
        pc.replace_substring_regex(items.column("kind"), pattern=":.*$", replacement="")
    )
    report.kinds = {str(v["values"]): int(v["counts"]) for v in families.to_pylist()}
    for scratch in (owners, candidates):
        scratch.unlink(missing_ok=True)
    return report


def group_items(items: pa.Table, as_of: dt.date) -> pa.Table:
    """One row per (staff_id, customer_id) from the item rows (sorted by staff, rank, urgency):
    the row's figures from its first item, its kinds and reasons in the items' order."""
    n = items.num_rows
    if n == 0:
        return WORKLIST_SCHEMA.empty_table()
    staff = items.column("staff_id").to_numpy(zero_copy_only=False)
    customer = items.column("customer_id").to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(
        np.concatenate(([True], (staff[1:] != staff[:-1]) | (customer[1:] != customer[:-1])))
    )
    offsets = pa.array(np.append(starts, n).astype(np.int32))
    # column lists zipped into rows: a third of the cost of Table.to_pylist
    columns = [items.column(c).to_pylist() for c in _REASON_FIELDS]
    words = [
        reason(dict(zip(_REASON_FIELDS, values, strict=True)))
        for values in zip(*columns, strict=True)
    ]
    zh = pa.array([w[0] for w in words], pa.string())
    en = pa.array([w[1] for w in words], pa.string())
    first = items.take(pa.array(starts))
    rank = first.column("rank")
    return pa.table(
        {
            "as_of_date": pa.array([as_of] * len(starts), pa.date32()),
            "staff_id": first.column("staff_id"),
            "branch_id": first.column("branch_id"),
            "customer_id": first.column("customer_id"),
            "name": first.column("name"),
            "rank": pc.cast(rank, pa.int32()),
            "score": pc.round(first.column("score"), 4),
            "urgency": pc.round(first.column("row_urgency"), 4),
            "value": pc.round(first.column("value"), 4),
            "total_assets": pc.cast(first.column("total_assets"), pa.float64()),
            "kinds": pa.ListArray.from_arrays(offsets, items.column("kind").combine_chunks()),
            "reasons": pa.ListArray.from_arrays(offsets, zh),
            "reasons_en": pa.ListArray.from_arrays(offsets, en),
            "in_budget": pc.less_equal(rank, first.column("budget")),
            "offer_product_id": first.column("offer_product_id"),
            "offer_product_name": first.column("offer_product_name"),
            "offer_reason": first.column("offer_reason"),
        },
        schema=WORKLIST_SCHEMA,
    )


_REASON_FIELDS = ("kind", "label", "label_en", "amount", "share", "days", "text_zh", "text_en")


def write_worklist(warehouse: WarehouseLayout, as_of: dt.date, table: pa.Table) -> None:
    with atomic_file(warehouse.worklist_file(as_of)) as scratch:
        pq.write_table(table, scratch, row_group_size=ROW_GROUP, compression="zstd")
