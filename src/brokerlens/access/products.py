"""The product centre's pages (issue 16 section 2): the product list and a product's page.

Products themselves (the lake's `products`, `product_nav`, the evaluation the run keeps at
`product_metrics`) are the brokerage's shelf and every customer reader sees them. What customers
did with a product is customer data and is cut to the caller's scope: holders, holdings, sales
(subscriptions, purchases, redemptions) count only the customers `scope.scope_clause` lets the
caller see (a broker: their own customers), read from the served profile (its columnar copy, or
the store's table) joined to the lake's `product_holdings` and `product_trades` in DuckDB. The
holders' profile is counts by tier, risk class and age band of the published profile: no
personal field leaves. Every value a user sends is checked against a list (types, levels,
statuses, sort columns) or bound; no request text is pasted into SQL. Reads are audited
(`view_products`, `view_product`, `export`). Money summed is exact (DECIMAL in DuckDB, Decimal
here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from brokerlens.access import columnar
from brokerlens.access.audit import audit_read, record_audit
from brokerlens.access.detail import lake_cursor
from brokerlens.access.exports import Exported, RowSink, export_name
from brokerlens.access.masking import age_band
from brokerlens.access.render import duckdb_where, like_escape
from brokerlens.access.scope import customer_scope, scope_clause
from brokerlens.access.snapshot import Snapshot, served_snapshot_on
from brokerlens.auth.principal import ALL_CUSTOMER_ROLES, Permission, Principal
from brokerlens.config import Settings
from brokerlens.contract.feeds import PRODUCT_TYPES, RISK_LEVELS
from brokerlens.engine.sqltext import ident
from brokerlens.errors import Forbidden, InvalidRequest, LakeError, NotFound
from brokerlens.products import METRIC_COLUMNS
from brokerlens.warehouse.served import parquet_source, product_metrics_file

TYPES = tuple(PRODUCT_TYPES.split())
LEVELS = tuple(RISK_LEVELS.split())
STATUSES = ("on_sale", "closed", "liquidated")
SALES_DAYS = 365  # the sales window: the year up to the served date
MAX_PAGE_SIZE = 500
BUYS = ("subscribe", "purchase")
SALE_ACTIONS = ("subscribe", "purchase", "redeem")
# The profile's columns the holders' profile counts (when the served profile has them).
TIER = "customer_tier"
RISK_CLASS = "regulatory_class"

# The evaluation's figures a page reads (the products package's columns past the keys).
METRICS = METRIC_COLUMNS[4:]
_METRIC_TYPES = {
    "nav_date": "DATE",
    "history_days": "BIGINT",
    "type_rank": "BIGINT",
    "type_count": "BIGINT",
    "type_quartile": "BIGINT",
    "stars": "BIGINT",
}

# The list's columns, in order (the export's too).
LIST_COLUMNS = (
    "product_id",
    "name",
    "product_type",
    "risk_level",
    "status",
    "manager",
    "return_1m",
    "return_3m",
    "return_1y",
    "return_ytd",
    "max_drawdown",
    "sharpe_1y",
    "stars",
    "holders",
    "holding_value",
    "sales",
    "redemptions",
    "net_sales",
)
# The sort keys a request may name -> the column it sorts by (nothing else is accepted).
SORTS: dict[str, str] = {name: name for name in (*LIST_COLUMNS, "return_6m") if name != "manager"}

# A benchmark's words -> the index the feeds carry that stands for it (first match wins).
BENCHMARK_INDEXES = (
    ("沪深300", "000300.SH"),
    ("创业板", "399006.SZ"),
    ("上证", "000001.SH"),
)


class ProductQuery(BaseModel):
    """The list's filters, sort and page. Values are checked by `check_query`, which names the
    field a bad one came in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_type: str | None = None
    risk_level: str | None = None
    status: str | None = None
    search: str | None = Field(default=None, max_length=100)
    sort: str = "sales"
    desc: bool = True
    page: int = Field(default=1, ge=1)
    page_size: int = Field(default=50, ge=1)


def _bad(field_zh: str, field: str, value: object, allowed: Sequence[str]) -> InvalidRequest:
    shown = str(value)[:40]
    return InvalidRequest(
        f"{field_zh}的取值无效，请从页面的选项中选择 / "
        f"{field}: {shown!r} is not one of {', '.join(allowed)}"
    )


def check_query(query: ProductQuery) -> None:
    """Each filter among its values, the sort among the whitelisted columns, the page size
    within bounds; else InvalidRequest naming the field (in Chinese and English)."""
    if query.product_type and query.product_type not in TYPES:
        raise _bad("产品类型", "product_type", query.product_type, TYPES)
    if query.risk_level and query.risk_level not in LEVELS:
        raise _bad("风险等级", "risk_level", query.risk_level, LEVELS)
    if query.status and query.status not in STATUSES:
        raise _bad("产品状态", "status", query.status, STATUSES)
    if query.sort not in SORTS:
        raise _bad("排序列", "sort", query.sort, tuple(SORTS))
    if query.page_size > MAX_PAGE_SIZE:
        raise InvalidRequest(f"每页条数最多 {MAX_PAGE_SIZE} / page_size: at most {MAX_PAGE_SIZE}")


def product_not_found(product_id: str) -> NotFound:
    shown = product_id[:40]
    return NotFound(f"未找到该产品 / no product {shown!r}")


@dataclass(frozen=True)
class ProductList:
    as_of_date: dt.date
    rows: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
    sales_from: dt.date
    metrics_date: dt.date | None  # the evaluation's as-of date; None: no evaluation kept


@dataclass(frozen=True)
class SalesRow:
    key: str  # a date (ISO), a month (YYYY-MM), a branch id or a channel
    subscriptions: Decimal = Decimal(0)
    purchases: Decimal = Decimal(0)
    redemptions: Decimal = Decimal(0)

    @property
    def net(self) -> Decimal:
        return self.subscriptions + self.purchases - self.redemptions


@dataclass(frozen=True)
class ProductDetail:
    as_of_date: dt.date
    product: dict[str, Any]
    metrics: dict[str, Any] | None  # None: no evaluation of this product kept
    metrics_date: dt.date | None
    nav: list[dict[str, Any]]  # biz_date, nav, acc_nav, index (the benchmark's close)
    index_id: str | None  # the index standing for the benchmark, None when none is carried
    sales_from: dt.date
    by_day: list[SalesRow]
    by_month: list[SalesRow]
    by_branch: list[SalesRow]
    by_channel: list[SalesRow]
    total: SalesRow
    holders: int
    holding_value: Decimal
    start_value: Decimal  # the holdings of the window's first day, in scope
    profile: dict[str, list[tuple[str, int]]] = field(default_factory=dict)

    @property
    def redemption_rate(self) -> float | None:
        """Redemptions over what was there to redeem: the holdings at the window's start
        plus the subscriptions and purchases in it (None when both are nothing)."""
        base = self.start_value + self.total.subscriptions + self.total.purchases
        if base <= 0:
            return None
        return float(self.total.redemptions / base)


# --- the lake, read by DuckDB ----------------------------------------------------------------


def _fetch(
    cursor: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any]
) -> list[dict[str, Any]]:
    result = cursor.execute(sql, list(params))
    names = [str(d[0]) for d in result.description or []]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


_CHUNK = 5_000  # ids bound in one store statement

# The profile's columns scope reads (any relation with them works for `scope_clause`).
_PROFILE = sa.table(
    "profile",
    sa.column("customer_id", sa.String()),
    sa.column("branch_id", sa.String()),
    sa.column("region_id", sa.String()),
)


@dataclass(frozen=True)
class Scoped:
    """The customers in the caller's scope as a relation DuckDB reads (`sql`, `params`), with
    the profile columns asked for; None `sql`: every customer (no cut needed)."""

    sql: str | None
    params: list[Any]
    columns: tuple[str, ...]


def scoped_customers(
    connection: sa.Connection,
    cursor: duckdb.DuckDBPyConnection,
    principal: Principal,
    snapshot: Snapshot,
    wanted: Sequence[str],
    *,
    always: bool = False,
    among: Sequence[str] | None = None,
) -> Scoped:
    """The scoped profile relation: the columnar copy filtered by the scope predicate (staff
    roles' ids read on the store connection now and bound), else the store's rows in scope
    registered on the cursor (only those `among` when given: the store is a row store). With
    `always` False an all-customers scope needs no relation."""
    columns = tuple(c for c in ("customer_id", *wanted) if snapshot.column(c) is not None)
    if "customer_id" not in columns:
        columns = ("customer_id", *columns)
    if principal.role in ALL_CUSTOMER_ROLES and not always:
        return Scoped(None, [], columns)
    path = columnar.columnar_file(snapshot)
    listed = ", ".join(ident(c) for c in columns)  # names from the snapshot's own columns
    if path is not None:
        where = duckdb_where(
            [scope_clause(principal, _PROFILE, snapshot.as_of_date, resolve_on=connection)]
        )
        sql = f"(SELECT {listed} FROM {parquet_source(path)} WHERE {where.sql})"
        return Scoped(sql, list(where.params), columns)
    table = snapshot.table
    chosen = sa.select(*(table.c[c] for c in columns)).where(customer_scope(principal, snapshot))
    if among is None:
        found = list(connection.execute(chosen).all())
    else:  # only the customers a product's page needs, a chunk of ids at a time
        ids = sorted(set(among))
        found = []
        for start in range(0, len(ids), _CHUNK):
            part = ids[start : start + _CHUNK]
            found += connection.execute(chosen.where(table.c.customer_id.in_(part))).all()
    arrays = {
        c: pa.array([None if r[i] is None else str(r[i]) for r in found], pa.string())
        for i, c in enumerate(columns)
    }
    cursor.register("scoped_profile", pa.table(arrays))
    return Scoped("scoped_profile", [], columns)


def in_scope(scoped: Scoped, alias: str) -> tuple[str, list[Any]]:
    """A condition on `alias.customer_id` keeping the scope's customers."""
    if scoped.sql is None:
        return "TRUE", []
    return f"{alias}.customer_id IN (SELECT customer_id FROM {scoped.sql})", list(scoped.params)


def _last_day(cursor: duckdb.DuckDBPyConnection, feed: str, up_to: dt.date) -> dt.date | None:
    # `feed` is one of ours (product_holdings, product_nav), never request text.
    found = cursor.execute(f"SELECT max(biz_date) FROM {feed} WHERE biz_date <= ?", [up_to])
    row = found.fetchone()
    return row[0] if row and row[0] is not None else None


def _first_day(
    cursor: duckdb.DuckDBPyConnection, feed: str, since: dt.date, up_to: dt.date
) -> dt.date | None:
    found = cursor.execute(
        f"SELECT min(biz_date) FROM {feed} WHERE biz_date >= ? AND biz_date <= ?", [since, up_to]
    )
    row = found.fetchone()
    return row[0] if row and row[0] is not None else None


def _metrics_sql(settings: Settings, as_of: dt.date) -> tuple[str, dt.date | None]:
    """A relation of the kept evaluation (or an empty one of the same columns) and its date."""
    path = product_metrics_file(settings, as_of)
    if path is None:
        cols = ", ".join(f"CAST(NULL AS {_METRIC_TYPES.get(c, 'DOUBLE')}) AS {c}" for c in METRICS)
        return f"(SELECT CAST(NULL AS VARCHAR) AS product_id, {cols} WHERE FALSE)", None
    day = dt.date.fromisoformat(path.stem)
    present = set(pq.read_schema(path).names)  # a column the file lacks reads as NULL

    def column(name: str) -> str:
        kind = _METRIC_TYPES.get(name, "DOUBLE")
        value = ident(name) if name in present else "NULL"
        return f"CAST({value} AS {kind}) AS {name}"

    cols = ", ".join(column(c) for c in METRICS)
    return f"(SELECT product_id, {cols} FROM {parquet_source(path)})", day


def _window(as_of: dt.date) -> dt.date:
    return as_of - dt.timedelta(days=SALES_DAYS - 1)


def _list_sql(
    settings: Settings, scoped: Scoped, as_of: dt.date, holdings_day: dt.date | None
) -> tuple[str, list[Any], dt.date | None]:
    """Every product with its metrics and (in scope) holders, holdings and sales."""
    metrics, metrics_day = _metrics_sql(settings, as_of)
    h_scope, h_params = in_scope(scoped, "h")
    t_scope, t_params = in_scope(scoped, "t")
    sql = (
        "WITH hold AS (SELECT h.product_id, count(*) AS holders, "
        "sum(h.market_value) AS holding_value FROM product_holdings h "
        f"WHERE h.biz_date = ? AND h.units > 0 AND {h_scope} GROUP BY h.product_id), "
        "sold AS (SELECT t.product_id, "
        "sum(t.amount) FILTER (WHERE t.action IN ('subscribe', 'purchase')) AS sales, "
        "sum(t.amount) FILTER (WHERE t.action = 'redeem') AS redemptions "
        "FROM product_trades t WHERE t.biz_date >= ? AND t.biz_date <= ? "
        f"AND {t_scope} GROUP BY t.product_id), "
        "listed AS (SELECT p.product_id, p.name, p.product_type, p.risk_level, p.status, "
        "p.manager, p.benchmark, "
        + ", ".join(f"m.{c}" for c in METRICS)
        + ", coalesce(hold.holders, 0) AS holders, "
        "coalesce(hold.holding_value, 0) AS holding_value, "
        "coalesce(sold.sales, 0) AS sales, coalesce(sold.redemptions, 0) AS redemptions, "
        "coalesce(sold.sales, 0) - coalesce(sold.redemptions, 0) AS net_sales "
        f"FROM products p LEFT JOIN {metrics} m ON m.product_id = p.product_id "
        "LEFT JOIN hold ON hold.product_id = p.product_id "
        "LEFT JOIN sold ON sold.product_id = p.product_id) "
    )
    params = [holdings_day or dt.date.min, *h_params, _window(as_of), as_of, *t_params]
    return sql, params, metrics_day


def _filters(query: ProductQuery) -> tuple[str, list[Any]]:
    parts: list[str] = []
    params: list[Any] = []
    for name in ("product_type", "risk_level", "status"):
        value = getattr(query, name)
        if value:
            parts.append(f"{name} = ?")  # the name is one of the three above
            params.append(value)
    text = (query.search or "").strip()
    if text:
        parts.append("(product_id ILIKE ? ESCAPE '\\' OR name ILIKE ? ESCAPE '\\')")
        pattern = f"%{like_escape(text)}%"
        params += [pattern, pattern]
    return (" AND ".join(parts) or "TRUE"), params


def _order(query: ProductQuery) -> str:
    column = SORTS[query.sort]  # checked: one of ours
    direction = "DESC" if query.desc else "ASC"
    return f"{column} {direction} NULLS LAST, product_id"


def _plain_row(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in ("holders", "history_days", "type_rank", "type_count", "type_quartile", "stars"):
        if out.get(name) is not None:
            out[name] = int(out[name])
    return out


def _listed(
    db: sa.Engine, settings: Settings, principal: Principal, query: ProductQuery, *, page: bool
) -> tuple[Snapshot, list[dict[str, Any]], int, dt.date | None]:
    check_query(query)
    cursor = lake_cursor(settings)
    try:
        with db.connect() as connection:
            snapshot = served_snapshot_on(connection)
            scoped = scoped_customers(connection, cursor, principal, snapshot, ())
        as_of = snapshot.as_of_date
        day = _last_day(cursor, "product_holdings", as_of)
        base, params, metrics_day = _list_sql(settings, scoped, as_of, day)
        where, where_params = _filters(query)
        total_rows = _fetch(
            cursor,
            f"{base}SELECT count(*) AS n FROM listed WHERE {where}",
            [*params, *where_params],
        )
        total = int(total_rows[0]["n"]) if total_rows else 0
        sql = f"{base}SELECT * FROM listed WHERE {where} ORDER BY {_order(query)}"
        bound = [*params, *where_params]
        if page:
            sql += " LIMIT ? OFFSET ?"
            bound += [query.page_size, (query.page - 1) * query.page_size]
        rows = [_plain_row(r) for r in _fetch(cursor, sql, bound)]
    except duckdb.Error as exc:
        raise LakeError(f"the lake's products could not be read: {exc}") from None
    finally:
        cursor.close()
    return snapshot, rows, total, metrics_day


def _audited(query: ProductQuery) -> dict[str, Any]:
    """What an audit row keeps of a list query: the filters given (a product's status as
    `product_status`) and the words searched."""
    filters = {
        "product_type": query.product_type,
        "risk_level": query.risk_level,
        "product_status": query.status,
    }
    out: dict[str, Any] = {"filters": {k: v for k, v in filters.items() if v}}
    if query.search:
        out["search"] = query.search
    return out


def list_products(
    db: sa.Engine, settings: Settings, principal: Principal, query: ProductQuery
) -> ProductList:
    """One page of products with their evaluation and, in the caller's scope, holders,
    holdings and the year's sales; audited `view_products`."""
    snapshot, rows, total, metrics_day = _listed(db, settings, principal, query, page=True)
    detail = {**_audited(query), "page": query.page, "page_size": query.page_size, "total": total}
    audit_read(db, principal, "view_products", [], detail)
    return ProductList(
        as_of_date=snapshot.as_of_date,
        rows=rows,
        total=total,
        page=query.page,
        page_size=query.page_size,
        sales_from=_window(snapshot.as_of_date),
        metrics_date=metrics_day,
    )


def write_products(
    db: sa.Engine, settings: Settings, principal: Principal, query: ProductQuery, sink: RowSink
) -> Exported:
    """Every product matching the query (paging ignored) into `sink`; audited `export`."""
    if not principal.can(Permission.EXPORT):
        raise Forbidden("exporting needs the export permission")
    snapshot, rows, _, _ = _listed(db, settings, principal, query, page=False)
    sink.columns(list(LIST_COLUMNS))
    for row in rows:
        sink.row([row.get(c) for c in LIST_COLUMNS])
    detail = {
        "kind": "products",
        **_audited(query),
        "count": len(rows),
        "as_of": str(snapshot.as_of_date),
    }
    audit_read(db, principal, "export", [], detail)
    return Exported(export_name("products", snapshot.as_of_date), len(rows))


# --- a product's page --------------------------------------------------------------------------


def benchmark_index(benchmark: str | None) -> str | None:
    """The index the feeds carry that the benchmark's words name, else None."""
    for words, index_id in BENCHMARK_INDEXES:
        if benchmark and words in benchmark:
            return index_id
    return None


def _money(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(value)


def _sales(rows: list[dict[str, Any]]) -> list[SalesRow]:
    by_key: dict[str, dict[str, Decimal]] = {}
    for row in rows:
        into = by_key.setdefault(str(row["k"]), {})
        into[str(row["action"])] = _money(row["amount"])
    return [
        SalesRow(
            key,
            subscriptions=v.get("subscribe", Decimal(0)),
            purchases=v.get("purchase", Decimal(0)),
            redemptions=v.get("redeem", Decimal(0)),
        )
        for key, v in sorted(by_key.items())
    ]


def _profile_counts(
    cursor: duckdb.DuckDBPyConnection,
    scoped: Scoped,
    product_id: str,
    day: dt.date,
    as_of: dt.date,
) -> dict[str, list[tuple[str, int]]]:
    """The holders' counts by tier, risk class and age band (the published profile's values;
    a birth date becomes its band here and goes no further)."""
    assert scoped.sql is not None
    out: dict[str, list[tuple[str, int]]] = {}
    holders = (
        "SELECT h.customer_id FROM product_holdings h "
        "WHERE h.biz_date = ? AND h.product_id = ? AND h.units > 0"
    )
    for key, column in (("tier", TIER), ("risk_class", RISK_CLASS), ("age", "birth_date")):
        if column not in scoped.columns:
            continue
        rows = _fetch(
            cursor,
            f"SELECT CAST(p.{ident(column)} AS VARCHAR) AS v, count(*) AS n FROM {scoped.sql} p "
            f"WHERE p.customer_id IN ({holders}) GROUP BY 1",
            [*scoped.params, day, product_id],
        )
        counts: dict[str, int] = {}
        for row in rows:
            value = row["v"]
            if key == "age" and value is not None:
                try:
                    value = age_band(dt.date.fromisoformat(str(value)[:10]), as_of)
                except ValueError:
                    value = None
            label = "" if value is None else str(value)
            counts[label] = counts.get(label, 0) + int(row["n"])
        out[key] = sorted(counts.items(), key=lambda kv: (kv[0] == "", kv[0]))
    return out


def product_page(
    db: sa.Engine, settings: Settings, principal: Principal, product_id: str
) -> ProductDetail:
    """Everything about one product: its NAV against its benchmark, its evaluation, and in the
    caller's scope its sales by day, month, branch and channel, its holders and their profile;
    audited `view_product`."""
    product_id = product_id.strip()
    if not product_id or len(product_id) > 40:
        raise product_not_found(product_id)
    cursor = lake_cursor(settings)
    try:
        found = _fetch(cursor, "SELECT * FROM products WHERE product_id = ?", [product_id])
        if not found:
            raise product_not_found(product_id)
        product = found[0]
        with db.connect() as connection:
            snapshot = served_snapshot_on(connection)
            as_of = snapshot.as_of_date
            since = _window(as_of)
            day = _last_day(cursor, "product_holdings", as_of)
            first = _first_day(cursor, "product_holdings", since, as_of)
            held_on = [day or dt.date.min, first or dt.date.min]
            among = [
                str(r["customer_id"])
                for r in _fetch(
                    cursor,
                    "SELECT customer_id FROM product_trades WHERE product_id = ? "
                    "AND biz_date >= ? AND biz_date <= ? UNION SELECT customer_id "
                    "FROM product_holdings WHERE product_id = ? AND biz_date IN (?, ?)",
                    [product_id, since, as_of, product_id, *held_on],
                )
            ]
            scoped = scoped_customers(
                connection,
                cursor,
                principal,
                snapshot,
                ("branch_id", TIER, RISK_CLASS, "birth_date"),
                always=True,
                among=among,
            )
        metrics_sql, metrics_day = _metrics_sql(settings, as_of)
        metrics_rows = _fetch(
            cursor, f"SELECT * FROM {metrics_sql} WHERE product_id = ?", [product_id]
        )
        metrics = _plain_row(metrics_rows[0]) if metrics_rows else None
        index_id = benchmark_index(product.get("benchmark"))
        nav = _fetch(
            cursor,
            "SELECT n.biz_date, n.nav, n.acc_nav, q.close AS index_close "
            "FROM product_nav n LEFT JOIN index_quotes q "
            "ON q.biz_date = n.biz_date AND q.index_id = ? "
            "WHERE n.product_id = ? AND n.biz_date <= ? ORDER BY n.biz_date",
            [index_id or "", product_id, as_of],
        )
        assert scoped.sql is not None
        trades = (
            f"SELECT t.biz_date, t.action, t.amount, t.channel, p.branch_id "
            f"FROM product_trades t JOIN {scoped.sql} p ON p.customer_id = t.customer_id "
            "WHERE t.product_id = ? AND t.biz_date >= ? AND t.biz_date <= ? "
            "AND t.action IN ('subscribe', 'purchase', 'redeem')"
        )
        bound = [*scoped.params, product_id, since, as_of]

        # One pass over the orders: by day, month, branch and channel, and in all (a column is
        # NULL where its grouping set leaves it out; branch and channel are never NULL within).
        sold = _fetch(
            cursor,
            "WITH t AS (SELECT CAST(biz_date AS VARCHAR) AS d, strftime(biz_date, '%Y-%m') AS m, "
            "coalesce(branch_id, '') AS b, coalesce(channel, '') AS c, action, amount "
            f"FROM ({trades})) SELECT d, m, b, c, action, sum(amount) AS amount FROM t "
            "GROUP BY GROUPING SETS ((d, action), (m, action), (b, action), (c, action), (action))",
            bound,
        )
        parts: dict[str, list[dict[str, Any]]] = {"d": [], "m": [], "b": [], "c": [], "": []}
        for row in sold:
            part = next((k for k in ("d", "m", "b", "c") if row[k] is not None), "")
            parts[part].append({"k": row[part] if part else "all", **row})
        by_day, by_month = _sales(parts["d"]), _sales(parts["m"])
        by_branch, by_channel = _sales(parts["b"]), _sales(parts["c"])
        totals = _sales(parts[""])
        total = totals[0] if totals else SalesRow("all")
        holders, value, start_value = 0, Decimal(0), Decimal(0)
        profile: dict[str, list[tuple[str, int]]] = {}
        if day is not None:
            held = _fetch(
                cursor,
                f"SELECT count(*) AS n, sum(h.market_value) AS v FROM product_holdings h "
                f"JOIN {scoped.sql} p ON p.customer_id = h.customer_id "
                "WHERE h.biz_date = ? AND h.product_id = ? AND h.units > 0",
                [*scoped.params, day, product_id],
            )
            holders, value = int(held[0]["n"]), _money(held[0]["v"])
            profile = _profile_counts(cursor, scoped, product_id, day, as_of)
            if first is not None:
                started = _fetch(
                    cursor,
                    f"SELECT sum(h.market_value) AS v FROM product_holdings h "
                    f"JOIN {scoped.sql} p ON p.customer_id = h.customer_id "
                    "WHERE h.biz_date = ? AND h.product_id = ?",
                    [*scoped.params, first, product_id],
                )
                start_value = _money(started[0]["v"])
    except duckdb.Error as exc:
        raise LakeError(f"the lake's product data could not be read: {exc}") from None
    finally:
        cursor.close()
    with db.begin() as connection:
        record_audit(
            connection,
            principal,
            "view_product",
            [],
            {"product_id": product_id, "as_of": str(as_of)},
        )
    return ProductDetail(
        as_of_date=as_of,
        product=product,
        metrics=metrics,
        metrics_date=metrics_day,
        nav=nav,
        index_id=index_id,
        sales_from=since,
        by_day=by_day,
        by_month=by_month,
        by_branch=sorted(by_branch, key=lambda r: (-r.net, r.key)),
        by_channel=sorted(by_channel, key=lambda r: (-r.net, r.key)),
        total=total,
        holders=holders,
        holding_value=value,
        start_value=start_value,
        profile=profile,
    )
