"""Product evaluation (issue 16 section 1): golden figures on hand-computed series, the same
figures as empyrical-reloaded on long random series, MRAR(2) stars with known ranks, and the
NULLs (never errors) of short or stale histories and benchmarks the feeds do not carry."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import empyrical as ep
import numpy as np
import pandas as pd
import pytest
from metrics_support import config, metrics, random_walk, series, weekdays

from brokerlens.engine.duckdb_engine import DuckDBEngine
from brokerlens.errors import ConfigError
from brokerlens.products.benchmark import parse_benchmark
from brokerlens.products.config import parse_config

D = dt.date
INDEXES = {"沪深300指数": "000300.SH", "创业板指数": "399006.SZ"}


@pytest.fixture
def duck() -> Iterator[DuckDBEngine]:
    engine = DuckDBEngine()
    yield engine
    engine.close()


# --- a hand-computed series ---------------------------------------------------------------------

# Seven NAVs: up 20%, down 25% (the maximum drawdown), back above the peak on 2025-06-30.
HAND = [
    (D(2024, 6, 28), 1.00),
    (D(2024, 12, 31), 1.20),
    (D(2025, 1, 15), 0.90),
    (D(2025, 3, 31), 1.08),
    (D(2025, 6, 30), 1.35),
    (D(2025, 7, 15), 1.20),
    (D(2025, 7, 31), 1.26),
]
T = D(2025, 7, 31)


def test_hand_computed_returns_drawdown_and_ratios(duck: DuckDBEngine, tmp_path: Path) -> None:
    navs = series("A", [d for d, _ in HAND], [v for _, v in HAND])
    products = [("A", "equity_fund", "R4", "一年期定期存款利率", D(2024, 6, 20))]
    # six returns in the year and six periods a year: the annualised return is the 1y return
    settings = config(risk_free_rate=0.0, periods_per_year=6)
    row = metrics(duck, tmp_path, T, navs, products, settings=settings)["A"]
    assert (row["nav_date"], row["history_days"], row["nav_points"]) == (T, 398, 7)
    expected = {
        "return_1m": 1.26 / 1.35 - 1,  # from 2025-06-30
        "return_3m": 1.26 / 1.08 - 1,  # from 2025-04-30: the NAV of 2025-03-31
        "return_6m": 0.40,  # from 2025-01-31: the NAV of 2025-01-15
        "return_1y": 0.26,  # from 2024-07-31: the NAV of 2024-06-28
        "return_ytd": 0.05,  # from 2024-12-31
        "return_since_launch": 0.26,  # the first NAV 8 days after launch
        "max_drawdown": -0.25,  # 1.20 -> 0.90
        "max_drawdown_1y": -0.25,
        "annualized_return_1y": 0.26,
        "calmar_1y": 0.26 / 0.25,
    }
    for column, want in expected.items():
        assert row[column] == pytest.approx(want, abs=1e-12), column
    assert row["drawdown_peak_date"] == D(2024, 12, 31)
    assert row["drawdown_trough_date"] == D(2025, 1, 15)
    assert row["drawdown_recovery_date"] == D(2025, 6, 30)
    assert row["drawdown_recovery_days"] == 166  # 16 + 28 + 31 + 30 + 31 + 30
    returns = [0.2, -0.25, 0.2, 0.25, 1.2 / 1.35 - 1, 0.05]
    mean = sum(returns) / 6
    sd = math.sqrt(sum((r - mean) ** 2 for r in returns) / 5)
    down = math.sqrt((0.25**2 + (1.2 / 1.35 - 1) ** 2) / 6)  # the two falls, over six returns
    assert row["volatility_1y"] == pytest.approx(sd * math.sqrt(6), abs=1e-12)
    assert row["downside_deviation_1y"] == pytest.approx(down * math.sqrt(6), abs=1e-12)
    assert row["sharpe_1y"] == pytest.approx(mean * 6 / (sd * math.sqrt(6)), abs=1e-12)
    assert row["sortino_1y"] == pytest.approx(mean * 6 / (down * math.sqrt(6)), abs=1e-12)
    # a deposit rate is no index: no excess return nor tracking error; no 36 months: no stars
    assert row["excess_return_1y"] is None and row["tracking_error_1y"] is None
    assert row["stars"] is None
    assert (row["type_rank"], row["type_count"], row["type_quartile"]) == (1, 1, 1)


def test_short_and_missing_histories_give_nulls_not_errors(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    navs = [
        *series("NEW", [D(2025, 7, 10), D(2025, 7, 31)], [1.0, 1.01]),
        *series("ONE", [T], [1.5]),
        # nav only (no acc_nav anywhere): valued by nav
        *series("NAV", [D(2025, 6, 30), T], [2.0, 2.2], acc=False),
        # a product with a NAV after T only is not evaluated as of T
        *series("LATER", [D(2025, 8, 1)], [1.0]),
    ]
    products = [
        ("NEW", "bond_fund", "R2", None, D(2025, 7, 8)),
        ("ONE", "bond_fund", "R2", "沪深300指数", None),
        ("NAV", "bond_fund", "R2", None, D(2020, 1, 1)),
        ("LATER", "bond_fund", "R2", None, D(2025, 8, 1)),
    ]
    rows = metrics(duck, tmp_path, T, navs, products)
    assert set(rows) == {"NEW", "ONE", "NAV"}
    new, one, nav = rows["NEW"], rows["ONE"], rows["NAV"]
    assert new["return_since_launch"] == pytest.approx(0.01)
    for column in ("return_1m", "return_1y", "volatility_1y", "sharpe_1y", "calmar_1y"):
        assert new[column] is None, column
    assert new["max_drawdown"] == 0.0 and new["drawdown_recovery_days"] == 0
    assert one["max_drawdown"] is None and one["return_since_launch"] is None
    assert one["history_days"] == 0 and one["nav_points"] == 1
    assert nav["return_1m"] == pytest.approx(0.1) and nav["acc_nav"] == 2.2
    assert nav["return_since_launch"] is None  # the series starts years after the launch
    assert all(r["type_rank"] is None and r["stars"] is None for r in rows.values())


def test_an_empty_lake_gives_an_empty_evaluation(duck: DuckDBEngine, tmp_path: Path) -> None:
    assert metrics(duck, tmp_path, T, [], []) == {}


# --- the same figures as empyrical-reloaded --------------------------------------------------

AS_OF = D(2026, 1, 13)
DAYS = weekdays(D(2022, 6, 1), AS_OF)


def _window(days: list[dt.date], values: list[float], years: int) -> pd.Series:
    """The periodic returns after the last NAV on or before `years` before the newest NAV."""
    frame = pd.Series(values, index=pd.DatetimeIndex(days))
    start = frame.index[frame.index <= frame.index[-1] - pd.DateOffset(years=years)][-1]
    return frame.pct_change().loc[frame.index > start]


def test_the_figures_match_empyrical(duck: DuckDBEngine, tmp_path: Path) -> None:
    fund = random_walk(DAYS, seed=1, drift=0.0004, vol=0.013)
    csi = random_walk(DAYS, seed=2, drift=0.0002, vol=0.011, start=3900)
    gem = random_walk(DAYS, seed=3, drift=0.0001, vol=0.018, start=2100)
    # the index misses a few days the fund has: its close carries forward
    closes = [(d, "000300.SH", c) for i, (d, c) in enumerate(zip(DAYS, csi, strict=True))]
    closes = [c for i, c in enumerate(closes) if i % 97 != 5]
    closes += [(d, "399006.SZ", c) for d, c in zip(DAYS, gem, strict=True)]
    navs = series("F", DAYS, fund) + series("G", DAYS, fund)
    products = [
        ("F", "equity_fund", "R4", "沪深300指数收益率", D(2022, 5, 20)),
        ("G", "equity_fund", "R4", "沪深300指数收益率×80%+创业板指数收益率×20%", None),
    ]
    rows = metrics(duck, tmp_path, AS_OF, navs, products, closes)
    rf = 0.015 / 252
    r = _window(DAYS, fund, 1)
    close_300 = pd.Series({d: c for d, i, c in closes if i == "000300.SH"}).sort_index()
    close_300.index = pd.DatetimeIndex(close_300.index)
    filled = close_300.reindex(pd.DatetimeIndex(DAYS)).ffill()
    bench_300 = filled.pct_change().loc[r.index]
    bench_gem = _window(DAYS, gem, 1)
    composite = 0.8 * bench_300 + 0.2 * bench_gem
    f = rows["F"]
    checks = {
        "return_1y": ep.cum_returns_final(r),
        "annualized_return_1y": ep.annual_return(r),
        "volatility_1y": ep.annual_volatility(r),
        "downside_deviation_1y": ep.downside_risk(r, required_return=rf),
        "sharpe_1y": ep.sharpe_ratio(r, risk_free=rf),
        "sortino_1y": ep.sortino_ratio(r, required_return=rf),
        "calmar_1y": ep.calmar_ratio(r),
        "max_drawdown_1y": ep.max_drawdown(r),
        "max_drawdown": ep.max_drawdown(_window(DAYS, fund, 3)),
        "benchmark_return_1y": ep.cum_returns_final(bench_300),
        "excess_return_1y": ep.cum_returns_final(r) - ep.cum_returns_final(bench_300),
        "tracking_error_1y": ep.annual_volatility(r - bench_300),
    }
    for column, want in checks.items():
        assert f[column] == pytest.approx(float(want), rel=1e-9), column
    g = rows["G"]
    assert g["tracking_error_1y"] == pytest.approx(ep.annual_volatility(r - composite), rel=1e-9)
    assert g["benchmark_return_1y"] == pytest.approx(ep.cum_returns_final(composite), rel=1e-9)
    assert g["return_since_launch"] is None  # no launch date: unknown
    assert f["return_since_launch"] == pytest.approx(fund[-1] / fund[0] - 1)
    for period, months in (("1m", 1), ("3m", 3), ("6m", 6)):
        frame = pd.Series(fund, index=pd.DatetimeIndex(DAYS))
        start = frame.loc[: frame.index[-1] - pd.DateOffset(months=months)].iloc[-1]
        assert f[f"return_{period}"] == pytest.approx(fund[-1] / start - 1, rel=1e-9), period
    ytd = pd.Series(fund, index=pd.DatetimeIndex(DAYS)).loc[:"2025-12-31"].iloc[-1]
    assert f["return_ytd"] == pytest.approx(fund[-1] / ytd - 1, rel=1e-9)


def test_an_unrecovered_drawdown_has_no_recovery_days(duck: DuckDBEngine, tmp_path: Path) -> None:
    days = DAYS[-300:]
    falling = [1.0 + 0.001 * i for i in range(150)] + [1.148 - 0.001 * i for i in range(150)]
    row = metrics(duck, tmp_path, AS_OF, series("S", days, falling), [("S", "t", "R1", None, None)])
    assert row["S"]["drawdown_recovery_days"] is None
    assert row["S"]["drawdown_trough_date"] == days[-1]
    assert row["S"]["drawdown_peak_date"] == days[149]


# --- MRAR(2) stars ------------------------------------------------------------------------------


def _monthly(product: str, monthly_return: float, months: int) -> list[tuple]:
    """Month-end NAVs growing by `monthly_return` a month, ending on AS_OF's month day."""
    dates = [(pd.Timestamp(AS_OF) - pd.DateOffset(months=k)).date() for k in range(months, -1, -1)]
    values = [(1 + monthly_return) ** i for i in range(months + 1)]
    return series(product, dates, values)


def test_mrar_stars_follow_the_shares_within_each_type(duck: DuckDBEngine, tmp_path: Path) -> None:
    settings = config(stars={"months": 12})
    navs, products = [], []
    for i in range(1, 11):  # ten equity funds: the higher i, the higher the MRAR
        navs += _monthly(f"E{i:02d}", 0.002 * i - 0.008, 12)
        products.append((f"E{i:02d}", "equity_fund", "R4", None, None))
    navs += _monthly("B1", 0.003, 12)  # alone in its type: the middle
    navs += _monthly("B2", 0.01, 11)  # a month short: 未评价
    products += [("B1", "bond_fund", "R2", None, None), ("B2", "bond_fund", "R2", None, None)]
    rows = metrics(duck, tmp_path, AS_OF, navs, products, settings=settings)
    stars = {p: rows[p]["stars"] for p in rows}
    # 10 / 22.5 / 35 / 22.5 / 10% of ten funds
    assert [stars[f"E{i:02d}"] for i in range(10, 0, -1)] == [5, 4, 4, 3, 3, 3, 3, 2, 2, 1]
    assert (stars["B1"], stars["B2"]) == (3, None)
    # a constant monthly return g: MRAR(2) = (1 + g)^12 / (1 + rf) - 1
    for i in (1, 7):
        g = 0.002 * i - 0.008
        assert rows[f"E{i:02d}"]["mrar"] == pytest.approx((1 + g) ** 12 / 1.015 - 1, rel=1e-12)


def test_mrar_matches_the_formula_on_a_random_series(duck: DuckDBEngine, tmp_path: Path) -> None:
    fund = random_walk(DAYS, seed=9)
    rows = metrics(duck, tmp_path, AS_OF, series("F", DAYS, fund), [("F", "t", "R3", None, None)])
    frame = pd.Series(fund, index=pd.DatetimeIndex(DAYS))
    points = [
        frame.loc[: pd.Timestamp(AS_OF) - pd.DateOffset(months=k)].iloc[-1] for k in range(37)
    ]
    monthly = np.array([points[k] / points[k + 1] - 1 for k in range(36)])
    rf_m = 1.015 ** (1 / 12) - 1
    want = np.mean(((1 + monthly) / (1 + rf_m)) ** -2) ** (-12 / 2) - 1
    assert rows["F"]["mrar"] == pytest.approx(want, rel=1e-12)
    assert rows["F"]["stars"] == 3  # alone in its type


def test_ranks_quartiles_and_staleness(duck: DuckDBEngine, tmp_path: Path) -> None:
    days = DAYS[-300:]
    navs, products = [], []
    for i in range(1, 6):
        navs += series(f"H{i}", days, [1 + 0.0001 * i * n for n in range(len(days))])
        products.append((f"H{i}", "hybrid_fund", "R3", None, None))
    # the best return, but its newest NAV is a month old: figures kept, not ranked
    navs += series("OLD", days[:-22], [1 + 0.01 * n for n in range(len(days) - 22)])
    products.append(("OLD", "hybrid_fund", "R3", None, None))
    rows = metrics(duck, tmp_path, AS_OF, navs, products)
    ranks = {p: (r["type_rank"], r["type_count"], r["type_quartile"]) for p, r in rows.items()}
    assert ranks == {
        "H5": (1, 5, 1),
        "H4": (2, 5, 1),
        "H3": (3, 5, 2),
        "H2": (4, 5, 3),
        "H1": (5, 5, 4),
        "OLD": (None, 5, None),
    }
    assert rows["OLD"]["return_1y"] > rows["H5"]["return_1y"]
    assert rows["OLD"]["nav_date"] == days[-23]


# --- benchmarks and settings -------------------------------------------------------------------


def test_benchmarks_resolve_only_to_indexes_the_feeds_carry() -> None:
    assert parse_benchmark("沪深300指数收益率", INDEXES) == [("000300.SH", 1.0)]
    assert parse_benchmark("沪深300指数", INDEXES) == [("000300.SH", 1.0)]
    assert parse_benchmark("沪深300指数收益率×80%+创业板指数收益率×20%", INDEXES) == [
        ("000300.SH", 0.8),
        ("399006.SZ", 0.2),
    ]
    for text in (
        "沪深300指数收益率×80%+中债综合指数收益率×20%",  # the bond index is not carried
        "一年期定期存款利率",
        "沪深300指数收益率×80%",  # weights short of 100%
        "沪深300指数+创业板指数",  # no weights
        "",
        None,
    ):
        assert parse_benchmark(text, INDEXES) is None, text


def test_bad_settings_are_refused_by_field() -> None:
    with pytest.raises(ConfigError, match=r"stars\.shares"):
        parse_config("stars: {months: 36, shares: [10, 20, 35, 22.5, 10]}", "evaluation.yaml")
    with pytest.raises(ConfigError, match="periods_per_year"):
        parse_config(
            "risk_free_rate: 0.015\nperiods_per_year: 0\ndrawdown_years: 3\n"
            "stale_after_days: 10\nlaunch_tolerance_days: 31\n"
            "stars: {months: 36, shares: [10, 22.5, 35, 22.5, 10]}",
            "evaluation.yaml",
        )


def test_an_index_that_does_not_cover_the_year_gives_no_excess_return(
    duck: DuckDBEngine, tmp_path: Path
) -> None:
    fund = random_walk(DAYS, seed=4)
    csi = random_walk(DAYS, seed=5, start=3900)
    year_ago = AS_OF - dt.timedelta(days=365)
    cases = {
        "FULL": DAYS,
        "LATE": [d for d in DAYS if d > year_ago + dt.timedelta(days=20)],  # starts too late
        "ENDED": [d for d in DAYS if d < AS_OF - dt.timedelta(days=5)],  # stops before T
    }
    rows = {}
    for case, covered in cases.items():
        closes = [(d, "000300.SH", c) for d, c in zip(DAYS, csi, strict=True) if d in covered]
        products = [("F", "index_fund", "R4", "沪深300指数收益率", None)]
        rows[case] = metrics(duck, tmp_path, AS_OF, series("F", DAYS, fund), products, closes)["F"]
    assert rows["FULL"]["excess_return_1y"] is not None
    for case in ("LATE", "ENDED"):
        assert rows[case]["excess_return_1y"] is None, case
        assert rows[case]["tracking_error_1y"] is None, case
        assert rows[case]["return_1y"] == rows["FULL"]["return_1y"], case
