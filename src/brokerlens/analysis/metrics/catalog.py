"""The metric catalog: the shipped metrics, then the installation's own, one mechanism.

A metric is an aggregate over one of two bases, one row per customer (or per customer and
product type) and period, built by `sql/metric_base.sql` / `sql/metric_products.sql`:
- `value`: an expression over the base's columns (the expression language of the
  classification catalog: checked on a whitelist, no user text reaches SQL unchecked), summed;
- `where`: an optional condition over the same columns: only those rows are summed;
- `per`: an optional denominator, summed the same way (a rate = sum(value) / sum(per)), or
  `market_turnover` (twice the market's turnover in the period: a market share).
The built-ins (`metrics.yaml` beside this module) and an installation's additions
(`<home>/metrics/metrics.yaml`) are read by `parse_metrics`; every error names the file, the
metric and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlglot import exp

from brokerlens.config import Settings
from brokerlens.errors import ConfigError
from brokerlens.indicators.errors import ExpressionError
from brokerlens.indicators.expression import check_condition, check_value
from brokerlens.indicators.model import Indicator
from brokerlens.settings_file import YamlProblem, installation_file, read_yaml

BUILTIN_NAME = "metrics.yaml"
HINT = "see docs/analysis.md: <home>/metrics/metrics.yaml"
MARKET = "market_turnover"

Unit = Literal["customers", "yuan", "rate", "permille", "count"]
Base = Literal["customers", "products"]

# The cuts of a metric besides the org unit and staff member: (column in the base, zh, en).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "tier": ("客户层级", "Tier"),
    "channel": ("开户渠道", "Open channel"),
    "customer_type": ("客户类型", "Customer type"),
    "age_band": ("年龄段", "Age band"),
    "product_type": ("产品类型", "Product type"),
}
BASE_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "customers": ("tier", "channel", "customer_type", "age_band"),
    "products": ("product_type",),
}

# The numeric columns of each base a metric may use: (zh, en, meaning).
BASE_COLUMNS: dict[str, dict[str, tuple[str, str, str]]] = {
    "customers": {
        "customers": ("客户数", "customers", "1 when the account is open at the period's end"),
        "new_accounts": ("新开户", "new accounts", "1 when the account opened in the period"),
        "effective_new": (
            "新增有效户",
            "effective new accounts",
            "1 when opened in the period with >= 10,000 yuan transferred in within it",
        ),
        "funded_new": (
            "新开户入金",
            "funded new accounts",
            "1 when opened in the period and any money came in by bank transfer in it",
        ),
        "closed": ("销户", "closed", "1 when the account closed in the period"),
        "closed_assets": (
            "销户资产",
            "assets of closed accounts",
            "mean daily assets in the period of an account that closed in it, yuan",
        ),
        "dormant": ("休眠", "dormant", "1 when open and dormant at the period's end"),
        "total_assets": ("总资产", "total assets", "total assets at the period's end, yuan"),
        "transfer_in": ("转入", "transfers in", "bank transfers in within the period, yuan"),
        "transfer_out": ("转出", "transfers out", "bank transfers out within the period, yuan"),
        "net_inflow": ("净流入", "net inflow", "transfers in minus out within the period, yuan"),
        "turnover": ("成交额", "turnover", "traded amount in the period (IPO applications not)"),
        "trades": ("成交笔数", "trades", "trades in the period"),
        "traded": ("有交易", "traded", "1 when open at the period's end and traded in it"),
        "net_commission": ("净佣金", "net commission", "net commission in the period, yuan"),
    },
    "products": {
        "sales": (
            "产品销量",
            "product sales",
            "subscriptions and purchases in the period, yuan",
        ),
        "holdings": ("产品保有", "product holdings", "market value held at the period's end"),
        "buyers": ("购买客户", "buyers", "1 when the customer bought the product type in it"),
    },
}


class Metric(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)
    unit: Unit
    kind: Literal["flow", "stock"]  # over the period, or at its end (the `why` says which)
    base: Base = "customers"
    value: str = Field(min_length=1)
    where: str | None = None
    per: str | None = None
    why_zh: str = Field(min_length=1)
    why_en: str = Field(min_length=1)

    def label(self, language: str) -> str:
        return self.en if language == "en" else self.zh

    def why(self, language: str) -> str:
        return self.why_en if language == "en" else self.why_zh

    @property
    def dimensions(self) -> tuple[str, ...]:
        return BASE_DIMENSIONS[self.base]

    @property
    def is_rate(self) -> bool:
        return self.per is not None

    @property
    def market_share(self) -> bool:
        return self.per == MARKET


class MetricFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    metrics: list[Metric] = Field(default_factory=list)


class MetricError(ConfigError):
    """A metrics file is unusable: the message names the file, the metric and the field."""


Metrics = Mapping[str, Metric]


def additions_path(settings: Settings) -> Path:
    return settings.home / "metrics" / "metrics.yaml"


def _columns(base: str) -> dict[str, Indicator]:
    """The base's columns as the expression checker knows names: numbers."""
    return {
        name: Indicator(id=name, zh=zh, en=en, meaning=meaning, unit="-", model="metric_base")
        for name, (zh, en, meaning) in BASE_COLUMNS[base].items()
    }


def compiled(metric: Metric) -> tuple[str, str | None]:
    """The SQL (DuckDB dialect, identifiers quoted) summed for the metric's numerator and its
    denominator (None: not a rate; the market's turnover is joined by the step)."""
    columns = _columns(metric.base)
    where = f"metric {metric.id!r}"
    value, _ = check_value(metric.value, columns, f"{where}, field `value`")
    if metric.where is not None:
        cond = check_condition(metric.where, columns, f"{where}, field `where`")
        value = exp.Case(ifs=[exp.If(this=cond, true=value)], default=exp.Literal.number(0))
    per: str | None = None
    if metric.per is not None and metric.per != MARKET:
        tree, _ = check_value(metric.per, columns, f"{where}, field `per`")
        per = tree.sql(dialect="duckdb")
    return value.sql(dialect="duckdb"), per


def parse_metrics(
    text: str, file: str, known: Metrics | None = None, *, shipped: bool = False
) -> Metrics:
    """`known` followed by the checked metrics of YAML `text`; `file` names it in each error."""
    return _parse(text, file, tuple((known or {}).values()), shipped)


@lru_cache(maxsize=16)
def _parse(text: str, file: str, known: tuple[Metric, ...], shipped: bool) -> Metrics:
    try:
        data = read_yaml(text)
    except YamlProblem as exc:
        problem = f"{file}{exc.where()}: not valid YAML: {exc.problem}"
        raise MetricError(problem, hint=HINT) from None
    if data is None:
        data = {"metrics": []}
    if not isinstance(data, dict):
        raise MetricError(f"{file}: expected a mapping with `metrics:` at the top", hint=HINT)
    try:
        parsed = MetricFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        place = ".".join(str(p) for p in first["loc"])
        raise MetricError(f"{file}: {place}: {first['msg']}", hint=HINT) from None
    found = {m.id: m for m in known}
    builtin = set(found)
    for metric in parsed.metrics:
        if metric.id in found:
            earlier = "built in" if metric.id in builtin else "earlier in this file"
            raise MetricError(
                f"{file}: metric {metric.id!r}, field `id`: already defined ({earlier})", hint=HINT
            )
        try:
            compiled(metric)
        except ExpressionError as exc:
            raise MetricError(f"{file}: {exc.message}", hint=exc.hint or HINT) from None
        found[metric.id] = metric
    return MappingProxyType(found)


@cache
def builtin_metrics() -> Metrics:
    """The shipped metrics by id, in catalog order."""
    text = resources.files("brokerlens.analysis.metrics").joinpath(BUILTIN_NAME).read_text("utf-8")
    return parse_metrics(text, f"brokerlens/analysis/metrics/{BUILTIN_NAME}", shipped=True)


def load_metrics(settings: Settings | None = None) -> Metrics:
    """The shipped metrics, then the installation's (`<home>/metrics/metrics.yaml`)."""
    builtins = builtin_metrics()
    if settings is None:
        return builtins
    found = installation_file(additions_path(settings), _parse_installed, MetricError, "metrics")
    return builtins if found is None else found


def _parse_installed(text: str, path: str) -> Metrics:
    return parse_metrics(text, path, builtin_metrics())
