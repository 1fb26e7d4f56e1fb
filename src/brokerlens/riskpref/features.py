"""The features of seed 002 (table 1), computed on the chosen engine from the lake.

Each feature pairs its column in `sql/riskpref_features.sql` with what a person reads. Three
groups: product preference (the clusters), timing and style (the two sub-models that adjust a
cluster's score). Shares are decimals in [0, 1]; a customer without data gets 0 (timing: no
buys = no deviation).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from brokerlens.config import Settings
from brokerlens.engine import open_engine
from brokerlens.engine.render import Value
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.riskpref.quarter import QuarterWindows
from brokerlens.riskpref.scale import Grades, load_scale
from brokerlens.warehouse.sources import LakeFiles

PRODUCT, TIMING, STYLE = "product", "timing", "style"


@dataclass(frozen=True)
class Feature:
    name: str
    group: str
    label: str  # Chinese, as the descriptions print it
    log: bool = False  # modelled as log(1 + x): heavy-tailed


# Asset classes of the product features: column stem -> Chinese label.
CLASSES = {
    "equity_fund": "股票型开放式基金",
    "exchange_fund": "场内基金",
    "chinext": "创业板股票",
    "st": "ST股票",
    "warrant": "权证",
    "ipo": "新股申购",
    "money_fund": "货币基金",
    "bond_fund": "债券型基金",
    "bond": "债券",
    "a_share": "A股",
    "b_share": "B股",
}

FEATURES: tuple[Feature, ...] = (
    *(Feature(f"{c}_assets", PRODUCT, f"{label}市值/资产") for c, label in CLASSES.items()),
    Feature("warrant_trade_share", PRODUCT, "权证交易量/交易量"),
    Feature("cash_assets", PRODUCT, "现金及其他/资产"),
    *(Feature(f"{c}_mv", PRODUCT, f"{label}市值/总市值") for c, label in CLASSES.items()),
    Feature("timing_prev_close", TIMING, "买入价/昨收盘-1"),
    Feature("timing_ma5", TIMING, "买入价/5日均价-1"),
    Feature("timing_ma10", TIMING, "买入价/10日均价-1"),
    Feature("timing_ma20", TIMING, "买入价/20日均价-1"),
    Feature("style_volatility", STYLE, "近12个月日收益率波动", log=True),
    Feature("style_a_position", STYLE, "近12个月A股持仓度"),
    Feature("style_a_turnover", STYLE, "近12个月A股年化换手率", log=True),
)
BY_NAME = {f.name: f for f in FEATURES}
# The absolute scale's measures (scale.py), beside the clustering features.
SCALE_COLUMNS = (
    "held_grade",
    "invested",
    "turnover",
    "exchange_share",
    "leverage",
    "margin_trade_share",
    "max_drawdown",
)
MIN_RETURN_BASE = 1000.0  # a day's return counts when the day before held at least this


def names(group: str) -> list[str]:
    return [f.name for f in FEATURES if f.group == group]


def features_sql() -> str:
    return load_sql("brokerlens.riskpref", "riskpref_features").sql


def compute_features(
    settings: Settings,
    windows: QuarterWindows,
    engine_name: str = "duckdb",
    grades: Grades | None = None,
) -> pa.Table:
    """One row per customer known at the quarter's end: customer_id, avg_assets_3m, FEATURES
    and SCALE_COLUMNS (graded by `grades`, the scale's by default), computed on the named engine
    (`--engine duckdb|spark`)."""
    grades = grades or load_scale(settings).grades
    layout = LakeLayout(settings.lake_dir)
    lake = LakeFiles(layout, read_catalog(layout))
    engine = open_engine(engine_name, settings)
    try:
        lake.register_all(engine)
        facts = ("daily_assets", "positions", "trades", "fund_transfers", "product_holdings")
        lake.register_facts(engine, facts, windows.days)
        lake.register_facts(
            engine, ("quotes",), [d for d in lake.days if windows.quotes_from <= d <= windows.as_of]
        )
        days = pa.table({"biz_date": pa.array(windows.days, pa.date32())})
        engine.register_table("rp_days", days)
        params: dict[str, Value] = {
            **windows.params,
            "min_return_base": MIN_RETURN_BASE,
            **grades.params(),
        }
        return engine.fetch(features_sql(), params)
    finally:
        engine.close()
