"""The source feed contract v1 (shared/spec/feeds.md) as data.

The generator writes exactly this and the ingest accepts exactly this; both read it from here, so
the contract is stated once. A feed is a reference feed (upserted by key, kept as history) or a
daily fact feed (partitioned by business date, replaced when a date is delivered again).

Extension beyond feeds.md v1 (the contract lets the platform accept more, never less): a
*backfill* feed (`Feed.backfills`) delivers past rows of a dated fact feed, in any date folder.
`product_nav_backfill` (same columns and key as `product_nav`) carries a product's NAV history
before the first delivered date, e.g. since launch, so that 1- and 3-year figures exist from the
first day. Its rows must be dated before the folder's date (else `wrong_date`); every other rule
is the one of `product_nav` (quarantine naming file, line and column). A backfill row is an
upsert by key: a later delivery of the same (biz_date, product_id) replaces it. The lake's
`product_nav` view shows the daily rows and, for keys no daily delivery carries, the latest
backfill row; `product_nav_backfill` and `product_nav_backfill_history` show the backfill alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    """Logical column types; each maps to one lake (DuckDB) type."""

    STRING = "string"
    INTEGER = "integer"  # whole numbers: quantities, volumes, seconds
    MONEY = "money"  # CNY yuan, up to 2 decimals
    PRICE = "price"  # up to 4 decimals
    NUMBER = "number"  # ratios, units, percentages: a double
    DATE = "date"  # YYYY-MM-DD
    TIMESTAMP = "timestamp"  # YYYY-MM-DD HH:MM:SS, Asia/Shanghai
    BOOLEAN = "boolean"  # true / false
    JSON = "json"  # a JSON document (object or array)


LAKE_TYPES: dict[ColumnType, str] = {
    ColumnType.STRING: "VARCHAR",
    ColumnType.INTEGER: "BIGINT",
    ColumnType.MONEY: "DECIMAL(18,2)",
    ColumnType.PRICE: "DECIMAL(18,4)",
    ColumnType.NUMBER: "DOUBLE",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.BOOLEAN: "BOOLEAN",
    ColumnType.JSON: "JSON",
}


class Rule(StrEnum):
    """Why a row is quarantined. The names are what the quarantine table shows."""

    MISSING_VALUE = "missing_value"  # a column that must have a value is empty
    BAD_TYPE = "bad_type"
    BAD_ENUM = "bad_enum"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_REFERENCE = "unknown_reference"
    NEGATIVE_AMOUNT = "negative_amount"
    OUT_OF_RANGE = "out_of_range"
    UNRECONCILED_TOTAL = "unreconciled_total"
    WRONG_DATE = "wrong_date"  # a fact row whose biz_date is not its folder's date


@dataclass(frozen=True)
class Reference:
    """A column value must name an existing row of another feed."""

    feed: str
    column: str


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = ColumnType.STRING
    nullable: bool = True
    enum: tuple[str, ...] | None = None
    min_value: float | None = None  # inclusive lower bound; 0 means "no negative amounts"
    max_value: float | None = None  # inclusive upper bound
    positive: bool = False  # strictly > 0
    references: Reference | None = None


@dataclass(frozen=True)
class Reconciliation:
    """total must equal the signed sum of parts (or the product of factors), within tolerance.

    Tolerance: a row breaks the rule when the difference is beyond 0.01 yuan AND beyond
    `relative` of the expected value (feeds.md: "beyond 0.01 yuan or 0.1%").
    """

    name: str
    total: str
    plus: tuple[str, ...] = ()
    minus: tuple[str, ...] = ()
    product_of: tuple[str, ...] = ()
    absolute: float = 0.01
    relative: float = 0.0


@dataclass(frozen=True)
class Feed:
    name: str
    kind: str  # "reference" or "fact"
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    date_column: str | None = None  # fact feeds: the column that must equal the delivery date
    # a backfill feed: past rows of this dated fact feed (its date column before the delivery)
    backfills: str | None = None
    reconciliations: tuple[Reconciliation, ...] = field(default=())
    description: str = ""

    @property
    def is_reference(self) -> bool:
        return self.kind == "reference"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"feed {self.name} has no column {name}")


S, I, M, P, N, D, TS, B, J = (  # noqa: E741
    ColumnType.STRING,
    ColumnType.INTEGER,
    ColumnType.MONEY,
    ColumnType.PRICE,
    ColumnType.NUMBER,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
    ColumnType.BOOLEAN,
    ColumnType.JSON,
)

CUSTOMER = Reference("customers", "customer_id")
STAFF = Reference("staff", "staff_id")
UNIT = Reference("org_units", "unit_id")
ACCOUNT = Reference("accounts", "account_id")
SECURITY = Reference("securities", "security_id")
PRODUCT = Reference("products", "product_id")


def key(name: str, references: Reference | None = None) -> Column:
    return Column(name, S, nullable=False, references=references)


def money(name: str, *, nullable: bool = False, nonneg: bool = True) -> Column:
    return Column(name, M, nullable=nullable, min_value=0 if nonneg else None)


def enum(name: str, values: str, *, nullable: bool = False) -> Column:
    return Column(name, S, nullable=nullable, enum=tuple(values.split()))


PRODUCT_TYPES = (
    "money_market bond_fund hybrid_fund equity_fund index_fund qdii_fund private_fund asset_mgmt "
    "structured_note advisory info_service"
)
RISK_LEVELS = "R1 R2 R3 R4 R5"
RISK_CLASSES = "C1 C2 C3 C4 C5"
BIZ_DATE = Column("biz_date", D, nullable=False)

REFERENCE_FEEDS: tuple[Feed, ...] = (
    Feed(
        "org_units",
        "reference",
        ("unit_id",),
        (
            key("unit_id"),
            Column("parent_id", references=UNIT),
            enum("unit_type", "hq region branch team"),
            Column("name", nullable=False),
            Column("city"),
            Column("open_date", D),
            Column("close_date", D),
        ),
        description="organisation tree: HQ, regions (分公司), branches (营业部), teams",
    ),
    Feed(
        "staff",
        "reference",
        ("staff_id",),
        (
            key("staff_id"),
            Column("name", nullable=False),
            key("unit_id", UNIT),
            enum("position", "broker advisor team_lead branch_manager service hq_marketing"),
            Column("manager_id", references=STAFF),
            Column("hire_date", D, nullable=False),
            Column("leave_date", D),
            Column("sac_cert_no"),
            Column("grade"),
        ),
        description="staff and the broker tree",
    ),
    Feed(
        "customers",
        "reference",
        ("customer_id",),
        (
            key("customer_id"),
            Column("name", nullable=False),
            enum("customer_type", "individual institution product"),
            enum("id_type", "id_card passport hk_mo_pass business_license other"),
            Column("id_no", nullable=False),
            enum("gender", "M F", nullable=True),
            Column("birth_date", D),
            Column("phone"),
            Column("email"),
            Column("city"),
            key("branch_id", UNIT),
            Column("open_date", D, nullable=False),
            enum("open_channel", "branch online bank app referral"),
            enum("investor_class", "ordinary professional"),
            enum("status", "normal dormant frozen closed"),
            Column("close_date", D),
        ),
        description="customers (one per natural person or institution)",
    ),
    Feed(
        "accounts",
        "reference",
        ("account_id",),
        (
            key("account_id"),
            key("customer_id", CUSTOMER),
            enum("account_type", "cash margin option otc hk_connect"),
            Column("open_date", D, nullable=False),
            enum("status", "normal closed transferred_out designation_cancelled"),
            Column("close_date", D),
        ),
        description="trading accounts of a customer",
    ),
    Feed(
        "relationships",
        "reference",
        ("customer_id", "staff_id", "role", "start_date"),
        (
            key("customer_id", CUSTOMER),
            key("staff_id", STAFF),
            enum("role", "developer servicer advisor"),
            Column("start_date", D, nullable=False),
            Column("end_date", D),
            Column("share_pct", N, nullable=False, min_value=0, max_value=100),
        ),
        description="who develops, serves and advises a customer, with commission shares",
    ),
    Feed(
        "securities",
        "reference",
        ("security_id",),
        (
            key("security_id"),
            Column("name", nullable=False),
            enum("market", "SH SZ BJ"),
            enum("security_type", "stock etf lof closed_fund bond convertible warrant repo"),
            enum("board", "main chinext star bse", nullable=True),
            Column("industry"),
            Column("is_st", B, nullable=False),
            Column("list_date", D),
            Column("delist_date", D),
        ),
        description="exchange-traded securities",
    ),
    Feed(
        "products",
        "reference",
        ("product_id",),
        (
            key("product_id"),
            Column("name", nullable=False),
            enum("product_type", PRODUCT_TYPES),
            enum("risk_level", RISK_LEVELS),
            Column("manager"),
            money("min_amount", nullable=True),
            Column("term_days", I, min_value=0),
            Column("launch_date", D),
            enum("status", "on_sale closed liquidated"),
            Column("benchmark"),
            Column("fee_rate", N, min_value=0, max_value=1),
        ),
        description="OTC products sold by the brokerage (funds, asset management, advisory ...)",
    ),
    Feed(
        "risk_assessments",
        "reference",
        ("assessment_id",),
        (
            key("assessment_id"),
            key("customer_id", CUSTOMER),
            Column("assess_date", D, nullable=False),
            Column("questionnaire_version", nullable=False),
            Column("answers", J, nullable=False),
            Column("score", N, nullable=False, min_value=0, max_value=100),
            enum("risk_class", RISK_CLASSES),
            enum("horizon", "short medium long"),
            Column("varieties", J, nullable=False),
            Column("expire_date", D, nullable=False),
        ),
        description="risk-tolerance questionnaires (适当性)",
    ),
    Feed(
        "service_agreements",
        "reference",
        ("agreement_id",),
        (
            key("agreement_id"),
            key("customer_id", CUSTOMER),
            enum("service", "advisory margin option chinext star bse hk_connect info_service"),
            Column("sign_date", D, nullable=False),
            Column("cancel_date", D),
        ),
        description="signed services and business permissions",
    ),
)

FACT_FEEDS: tuple[Feed, ...] = (
    Feed(
        "daily_assets",
        "fact",
        ("biz_date", "customer_id"),
        (
            BIZ_DATE,
            key("customer_id", CUSTOMER),
            money("cash"),
            money("available_cash"),
            money("stock_value"),
            money("fund_value"),
            money("bond_value"),
            money("product_value"),
            money("other_value"),
            money("liabilities"),
            money("total_assets", nonneg=False),
        ),
        date_column="biz_date",
        reconciliations=(
            Reconciliation(
                "total_assets = cash + stock + fund + bond + product + other - liabilities",
                total="total_assets",
                plus=(
                    "cash",
                    "stock_value",
                    "fund_value",
                    "bond_value",
                    "product_value",
                    "other_value",
                ),
                minus=("liabilities",),
            ),
        ),
        description="end-of-day assets per customer",
    ),
    Feed(
        "positions",
        "fact",
        ("biz_date", "customer_id", "account_id", "security_id"),
        (
            BIZ_DATE,
            key("customer_id", CUSTOMER),
            key("account_id", ACCOUNT),
            key("security_id", SECURITY),
            Column("quantity", I, nullable=False, min_value=0),
            money("cost_amount", nonneg=False),
            money("market_value"),
        ),
        date_column="biz_date",
        description="end-of-day security positions",
    ),
    Feed(
        "trades",
        "fact",
        ("trade_id",),
        (
            BIZ_DATE,
            key("trade_id"),
            key("customer_id", CUSTOMER),
            key("account_id", ACCOUNT),
            key("security_id", SECURITY),
            enum("side", "buy sell"),
            enum("trade_type", "normal ipo_subscribe ipo_allot margin_buy short_sell repay"),
            Column("quantity", I, nullable=False, positive=True),
            Column("price", P, nullable=False, min_value=0),
            money("amount"),
            money("commission"),
            money("net_commission"),
            money("stamp_duty"),
            money("transfer_fee"),
            money("other_fee"),
            enum("channel", "app pc phone counter api"),
            Column("trade_time", TS, nullable=False),
        ),
        date_column="biz_date",
        reconciliations=(
            Reconciliation(
                "amount = quantity x price",
                total="amount",
                product_of=("quantity", "price"),
                relative=0.001,
            ),
        ),
        description="executed trades",
    ),
    Feed(
        "fund_transfers",
        "fact",
        ("transfer_id",),
        (
            BIZ_DATE,
            key("transfer_id"),
            key("customer_id", CUSTOMER),
            enum("direction", "in out"),
            Column("amount", M, nullable=False, positive=True),
            Column("bank"),
            Column("channel"),
        ),
        date_column="biz_date",
        description="bank-securities transfers (银证转账)",
    ),
    Feed(
        "product_trades",
        "fact",
        ("order_id",),
        (
            BIZ_DATE,
            key("order_id"),
            key("customer_id", CUSTOMER),
            key("product_id", PRODUCT),
            enum("action", "subscribe purchase redeem dividend"),
            money("amount"),
            Column("units", N, nullable=False, min_value=0),
            money("fee"),
            Column("channel"),
        ),
        date_column="biz_date",
        description="OTC product orders",
    ),
    Feed(
        "product_holdings",
        "fact",
        ("biz_date", "customer_id", "product_id"),
        (
            BIZ_DATE,
            key("customer_id", CUSTOMER),
            key("product_id", PRODUCT),
            Column("units", N, nullable=False, min_value=0),
            money("market_value"),
            money("cost_amount", nonneg=False),
        ),
        date_column="biz_date",
        description="end-of-day OTC product holdings valued at NAV",
    ),
    Feed(
        "quotes",
        "fact",
        ("biz_date", "security_id"),
        (
            BIZ_DATE,
            key("security_id", SECURITY),
            Column("open", P, min_value=0),
            Column("high", P, min_value=0),
            Column("low", P, min_value=0),
            Column("close", P, nullable=False, min_value=0),
            Column("prev_close", P, min_value=0),
            Column("volume", I, min_value=0),
            money("amount", nullable=True),
        ),
        date_column="biz_date",
        description="daily security quotes",
    ),
    Feed(
        "index_quotes",
        "fact",
        ("biz_date", "index_id"),
        (
            BIZ_DATE,
            key("index_id"),
            Column("close", P, nullable=False, positive=True),
            Column("prev_close", P, positive=True),
        ),
        date_column="biz_date",
        description="daily index closes",
    ),
    Feed(
        "product_nav",
        "fact",
        ("biz_date", "product_id"),
        (
            BIZ_DATE,
            key("product_id", PRODUCT),
            Column("nav", N, nullable=False, positive=True),
            Column("acc_nav", N, positive=True),
        ),
        date_column="biz_date",
        description="OTC product net asset values",
    ),
    Feed(
        "product_nav_backfill",
        "fact",
        ("biz_date", "product_id"),
        (
            BIZ_DATE,
            key("product_id", PRODUCT),
            Column("nav", N, nullable=False, positive=True),
            Column("acc_nav", N, positive=True),
        ),
        backfills="product_nav",
        description="OTC product NAV history before the delivery date (e.g. since launch)",
    ),
    Feed(
        "corporate_actions",
        "fact",
        ("security_id", "ex_date", "action_type"),
        (
            key("security_id", SECURITY),
            Column("ex_date", D, nullable=False),
            enum("action_type", "cash_dividend stock_dividend rights_issue"),
            Column("per_share", N, nullable=False, min_value=0),
        ),
        description="dividends and rights issues",
    ),
    Feed(
        "contacts",
        "fact",
        ("contact_id",),
        (
            BIZ_DATE,
            key("contact_id"),
            key("customer_id", CUSTOMER),
            key("staff_id", STAFF),
            enum("channel", "phone sms wechat visit email app_push"),
            enum("purpose", "service marketing callback care complaint"),
            enum("result", "reached not_reached refused done"),
            Column("duration_s", I, min_value=0),
        ),
        date_column="biz_date",
        description="call-center and staff contacts",
    ),
    Feed(
        "complaints",
        "fact",
        ("complaint_id",),
        (
            key("complaint_id"),
            key("customer_id", CUSTOMER),
            Column("open_date", D, nullable=False),
            Column("category"),
            enum("status", "open processing closed"),
            Column("close_date", D),
        ),
        description="complaints; a complaint is delivered again when its status changes",
    ),
)

FEEDS: dict[str, Feed] = {f.name: f for f in (*REFERENCE_FEEDS, *FACT_FEEDS)}

# Feeds of this contract beyond feeds.md v1 (see the module docstring).
EXTENSION_FEEDS: tuple[str, ...] = tuple(f.name for f in FEEDS.values() if f.backfills)

# Load order within a date: referenced feeds before the feeds that reference them.
LOAD_ORDER: tuple[str, ...] = tuple(f.name for f in (*REFERENCE_FEEDS, *FACT_FEEDS))

INDEX_IDS: tuple[str, ...] = ("000001.SH", "000300.SH", "399006.SZ")


def feed(name: str) -> Feed:
    try:
        return FEEDS[name]
    except KeyError:
        known = ", ".join(sorted(FEEDS))
        raise KeyError(f"unknown feed {name!r}; the contract names: {known}") from None
