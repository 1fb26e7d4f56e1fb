"""What the recommender reads of the lake as of a date D, as arrays aligned by index.

The SQL (products/sql/rec_*.sql) runs on the chosen engine over relations registered here from
the lake's own files (a run's feed relations may be narrowed to other dates); Python receives
one row per customer, per product and per (customer, product) interaction, never the raw feeds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from brokerlens.contract.feeds import FEEDS, LAKE_TYPES, PRODUCT_TYPES
from brokerlens.engine import Engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.products.recommend.config import ModelConfig
from brokerlens.warehouse.sources import LakeFiles

TYPES = tuple(PRODUCT_TYPES.split())
# Product categories a customer's habits are read in (权益类, 固收类, 其他): an investor who buys
# equity funds tends to keep to equity-like products; reinvested money returns to its category.
CATEGORY_OF = {
    "equity_fund": 0,
    "index_fund": 0,
    "hybrid_fund": 0,
    "qdii_fund": 0,
    "money_market": 1,
    "bond_fund": 1,
}
CATEGORIES = 3  # the third: every other type (private funds, plans, notes, services)
CLASSES = 6  # risk class index: 0 none, 1..5 = C1..C5


@dataclass
class Shelf:
    """The products as of D (every product of the feed; `on_sale` marks the shelf)."""

    ids: np.ndarray  # str
    names: np.ndarray  # str
    type_idx: np.ndarray  # index into TYPES
    category: np.ndarray  # 0..2
    risk: np.ndarray  # 1..5
    manager_idx: np.ndarray  # index into managers (-1 none)
    managers: list[str]
    termed: np.ndarray  # bool: a term (closed periods)
    on_sale: np.ndarray  # bool
    min_amount: np.ndarray  # yuan
    trail_return: np.ndarray  # NaN when unknown
    trail_pct: np.ndarray  # percentile of trail_return within the category, -0.5..0.5
    table: pa.Table  # the rows as read (product_id, product_type, risk_level, term_days, status)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Snapshot:
    as_of: dt.date
    shelf: Shelf
    customer_ids: np.ndarray  # str, sorted
    branch_idx: np.ndarray
    klass: np.ndarray  # 0 none, 1..5
    cash: np.ndarray  # available cash, yuan
    assets: np.ndarray  # total assets, yuan
    maturing: np.ndarray  # held termed products maturing soon, yuan
    seen: sparse.csr_matrix  # (customers, products) 1.0 where bought in the lookback or held
    held: sparse.csr_matrix  # (customers, products) 1.0 where held on D
    type_count: np.ndarray  # (customers, types) distinct products of the type bought or held
    manager_seen: sparse.csr_matrix  # (customers, managers) 1.0 where bought or held
    cat_buys: np.ndarray  # (customers, categories) purchases in the lookback
    pop: np.ndarray  # (products,) buyers in the lookback
    pop_class: np.ndarray  # (classes, products) share of each class's buyers
    branch_share: np.ndarray  # (branches, products) share of the branch's recent buyers

    def __len__(self) -> int:
        return len(self.customer_ids)


def _files(lake: LakeFiles, feed: str, first: dt.date | None, last: dt.date) -> list:
    return [
        p
        for day, p in lake.catalog.files_of(lake.layout, feed)
        if day <= last and (first is None or day >= first)
    ]


def register_lake(engine: Engine, lake: LakeFiles, as_of: dt.date, through: dt.date) -> None:
    """The relations the SQL reads: trades up to `through` (labels need the days after D),
    holdings and assets of D, customers and products as of D."""

    def columns(feed: str) -> list[tuple[str, str]]:
        return [(c.name, LAKE_TYPES[c.type]) for c in FEEDS[feed].columns]

    engine.register_parquet(
        "rec_trades", _files(lake, "product_trades", None, through), columns("product_trades")
    )
    engine.register_parquet(
        "rec_holdings", _files(lake, "product_holdings", as_of, as_of), columns("product_holdings")
    )
    engine.register_parquet(
        "rec_assets", _files(lake, "daily_assets", as_of, as_of), columns("daily_assets")
    )
    for name, feed in (("rec_customers_asof", "customers"), ("rec_products_asof", "products")):
        engine.create_view(
            name,
            f"SELECT * FROM {feed}_history "
            "WHERE valid_from <= :as_of AND (valid_to IS NULL OR valid_to > :as_of)",
            {"as_of": as_of},
        )


def _run(engine: Engine, name: str, values: dict[str, object]) -> pa.Table:
    model = load_sql("brokerlens.products", name)
    return engine.fetch(model.sql, {k: values[k] for k in model.params})  # type: ignore[misc]


def _codes(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Dense codes (-1 for NULL) and the distinct values, sorted."""
    uniq = sorted(pc.unique(values).drop_null().to_pylist())  # distinct first: few to Python
    idx = pc.index_in(values, value_set=pa.array(uniq, pa.string()))
    return idx.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64), uniq


def _index(values: pa.Array | pa.ChunkedArray, of: pa.Array) -> np.ndarray:
    """Each value's position in `of` (-1 when absent or NULL)."""
    found = pc.index_in(values, value_set=of).fill_null(-1)
    return found.to_numpy(zero_copy_only=False).astype(np.int64)


def _percentile(values: np.ndarray, groups: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Rank of each value within its group among the eligible, scaled to -0.5..0.5 (0 unknown)."""
    out = np.zeros(len(values))
    for g in np.unique(groups):
        members = np.flatnonzero((groups == g) & eligible & ~np.isnan(values))
        if len(members) > 1:
            order = np.argsort(np.argsort(values[members], kind="stable"), kind="stable")
            out[members] = order / (len(members) - 1) - 0.5
    return out


def read_shelf(engine: Engine, values: dict[str, object]) -> Shelf:
    t = _run(engine, "rec_shelf", values)
    type_names = t.column("product_type").to_pylist()
    type_idx = np.array([TYPES.index(x) if x in TYPES else 0 for x in type_names], np.int64)
    category = np.array([CATEGORY_OF.get(x or "", 2) for x in type_names], np.int64)
    risk = np.array([int((r or "R3")[1:]) for r in t.column("risk_level").to_pylist()], np.int64)
    manager_idx, managers = _codes(t.column("manager"))
    trail = t.column("trail_return").to_numpy(zero_copy_only=False).astype(np.float64)
    on_sale = np.array([s == "on_sale" for s in t.column("status").to_pylist()], dtype=bool)
    return Shelf(
        ids=np.array(t.column("product_id").to_pylist(), dtype=object),
        names=np.array(t.column("name").to_pylist(), dtype=object),
        type_idx=type_idx,
        category=category,
        risk=risk,
        manager_idx=manager_idx,
        managers=managers,
        termed=np.array([(d or 0) > 0 for d in t.column("term_days").to_pylist()], dtype=bool),
        on_sale=on_sale,
        min_amount=t.column("min_amount").fill_null(0).to_numpy(zero_copy_only=False),
        trail_return=trail,
        trail_pct=_percentile(trail, category, on_sale),
        table=t,
    )


def _matrix(rows: np.ndarray, cols: np.ndarray, data: np.ndarray, shape: tuple[int, int]):  # type: ignore[no-untyped-def]
    m = sparse.csr_matrix((data.astype(np.float32), (rows, cols)), shape=shape)
    m.sum_duplicates()
    return m


def read_snapshot(
    engine: Engine, as_of: dt.date, days: list[dt.date], config: ModelConfig
) -> Snapshot:
    """Everything as of D (registered by `register_lake`); `days` are the loaded dates."""
    i = days.index(as_of)

    def back(n: int) -> dt.date:
        return days[max(i - n, 0)] if i - n >= 0 else days[0] - dt.timedelta(days=1)

    values: dict[str, object] = {
        "as_of": as_of,
        "since": back(config.lookback_days),
        "trail_from": back(config.trail_days),
        "recent_from": back(config.recent_days),
        "soon": as_of + dt.timedelta(days=28),  # ~ the next 20 trading days
    }
    shelf = read_shelf(engine, values)
    c = _run(engine, "rec_customers", values).sort_by("customer_id")
    ids = c.column("customer_id").combine_chunks()
    branch_idx, branches = _codes(c.column("branch_id"))
    klass = np.array([int(k[1:]) if k else 0 for k in c.column("risk_class").to_pylist()], np.int64)
    n_c, n_p = len(ids), len(shelf)

    inter = _run(engine, "rec_interactions", values)
    product_ids = pa.array(shelf.ids.tolist(), pa.string())
    ci = _index(inter.column("customer_id"), ids)
    pj = _index(inter.column("product_id"), product_ids)
    ok = (ci >= 0) & (pj >= 0)
    ci, pj = ci[ok], pj[ok]
    buys = inter.column("buys").to_numpy(zero_copy_only=False)[ok]
    held_flag = inter.column("held").to_numpy(zero_copy_only=False)[ok]
    seen = _matrix(ci, pj, np.ones(len(ci)), (n_c, n_p))
    held = _matrix(ci[held_flag], pj[held_flag], np.ones(int(held_flag.sum())), (n_c, n_p))
    type_count = np.zeros((n_c, len(TYPES)), np.int16)
    np.add.at(type_count, (ci, shelf.type_idx[pj]), 1)
    has_mgr = shelf.manager_idx[pj] >= 0
    manager_seen = _matrix(
        ci[has_mgr],
        shelf.manager_idx[pj][has_mgr],
        np.ones(int(has_mgr.sum())),
        (n_c, max(len(shelf.managers), 1)),
    )
    manager_seen.data[:] = 1.0
    cat_buys = np.zeros((n_c, CATEGORIES), np.float32)
    np.add.at(cat_buys, (ci, shelf.category[pj]), buys)
    bought = buys > 0
    pop = np.bincount(pj[bought], minlength=n_p).astype(np.float64)
    pop_class = np.zeros((CLASSES, n_p))
    np.add.at(pop_class, (klass[ci[bought]], pj[bought]), 1.0)
    pop_class /= np.maximum(pop_class.sum(axis=1, keepdims=True), 1.0)

    bb = _run(engine, "rec_branch_buys", values)
    bi = _index(bb.column("branch_id"), pa.array(branches, pa.string()))
    bp = _index(bb.column("product_id"), product_ids)
    keep = (bi >= 0) & (bp >= 0)
    branch_share = np.zeros((max(len(branches), 1), n_p))
    np.add.at(
        branch_share,
        (bi[keep], bp[keep]),
        bb.column("buyers").to_numpy(zero_copy_only=False)[keep].astype(np.float64),
    )
    # share within the product's category: what the branch sells of that kind
    for g in range(CATEGORIES):
        cols = shelf.category == g
        total = branch_share[:, cols].sum(axis=1, keepdims=True)
        branch_share[:, cols] /= np.maximum(total, 1.0)

    def num(name: str) -> np.ndarray:
        return c.column(name).fill_null(0).to_numpy(zero_copy_only=False).astype(np.float64)

    return Snapshot(
        as_of=as_of,
        shelf=shelf,
        customer_ids=np.array(ids.to_pylist(), dtype=object),
        branch_idx=branch_idx,
        klass=klass,
        cash=num("available_cash"),
        assets=num("total_assets"),
        maturing=num("maturing"),
        seen=seen,
        held=held,
        type_count=type_count,
        manager_seen=manager_seen,
        cat_buys=cat_buys,
        pop=pop,
        pop_class=pop_class,
        branch_share=branch_share,
    )


def read_labels(
    engine: Engine, snap: Snapshot, after: dt.date, through: dt.date
) -> sparse.csr_matrix:
    """(customers, products) 1.0 where the customer subscribed or purchased the product in
    (after, through]."""
    t = _run(engine, "rec_labels", {"after": after, "through": through})
    ci = _index(t.column("customer_id"), pa.array(snap.customer_ids.tolist(), pa.string()))
    pj = _index(t.column("product_id"), pa.array(snap.shelf.ids.tolist(), pa.string()))
    keep = (ci >= 0) & (pj >= 0)
    m = _matrix(ci[keep], pj[keep], np.ones(int(keep.sum())), (len(snap), len(snap.shelf)))
    m.data[:] = 1.0
    return m
