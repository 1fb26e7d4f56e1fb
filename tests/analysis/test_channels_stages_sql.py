"""The channel funnel's stage logic (analysis/channels/sql) on hand-built rows, as of
2025-06-18 (May is the newest month ended; June is read day by day):

  A 2025-01-10 app/B1:      funded in January, trades in February and April (month 3): active
  B 2025-01-20 online/B1:   funded, trades in January only: due for month 3, not active (lost)
  C 2025-04-05 bank/B2:     funded and trades in April: month 3 (July) not yet due
  D 2025-02-03 app/B1:      opened, nothing else; due for month 3 (May)
  E 2024-12-30 app/B1:      opened before the lake's first day (2025-01-02): not in a cohort
  F 2025-03-03 referral/B2: funded and trades in June (days, not a month): month 3 not ended
  G 2025-02-10 branch/B2:   a trade in May (month 3) but never funded: stops at opened
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from brokerlens.analysis.channels.build import PACKAGE, done_mon
from brokerlens.config import load_settings
from brokerlens.engine import Engine, open_engine
from brokerlens.engine.sqlfiles import load_sql
from brokerlens.models.days import DAY_COLUMNS, MONTH_COLUMNS

D = dt.date
AS_OF = D(2025, 6, 18)
COHORT_FROM = D(2025, 1, 2)


def _empty_row(columns: list[tuple[str, str]]) -> dict[str, Any]:
    return {name: 0 for name, _ in columns}


def _month(
    customer: str, month: dt.date, trades: int, tin: int = 0, assets: int = 0
) -> dict[str, Any]:
    row = _empty_row(MONTH_COLUMNS)
    row |= {
        "month_start": month,
        "customer_id": customer,
        "trade_count": trades,
        "transfer_in": tin,
        "sum_assets": assets,
    }
    return row


def _day(customer: str, day: dt.date, trades: int, tin: int = 0, assets: int = 0) -> dict[str, Any]:
    row = _empty_row(DAY_COLUMNS)
    row |= {
        "biz_date": day,
        "customer_id": customer,
        "trade_count": trades,
        "transfer_in": tin,
        "total_assets": assets,
    }
    return row


def _arrow(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> pa.Table:
    types = {"DATE": pa.date32(), "VARCHAR": pa.string(), "BIGINT": pa.int64()}
    schema = pa.schema([(n, types.get(t, pa.float64())) for n, t in columns])
    return pa.Table.from_pylist(rows, schema=schema)


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    home = tmp_path_factory.mktemp("channels") / "home"
    runner = open_engine("duckdb", load_settings(home=home), threads=1)
    opened = {
        "A": ("B1", "app", D(2025, 1, 10)),
        "B": ("B1", "online", D(2025, 1, 20)),
        "C": ("B2", "bank", D(2025, 4, 5)),
        "D": ("B1", "app", D(2025, 2, 3)),
        "E": ("B1", "app", D(2024, 12, 30)),
        "F": ("B2", "referral", D(2025, 3, 3)),
        "G": ("B2", "branch", D(2025, 2, 10)),
    }
    runner.register_table(
        "channel_versions",
        pa.Table.from_pylist(
            [
                {
                    "customer_id": c,
                    "branch_id": b,
                    "open_channel": ch,
                    "open_date": day,
                    "valid_from": D(2025, 1, 2),
                    "valid_to": None,
                }
                for c, (b, ch, day) in opened.items()
            ],
            schema=pa.schema(
                [
                    ("customer_id", pa.string()),
                    ("branch_id", pa.string()),
                    ("open_channel", pa.string()),
                    ("open_date", pa.date32()),
                    ("valid_from", pa.date32()),
                    ("valid_to", pa.date32()),
                ]
            ),
        ),
    )
    months = [
        _month("A", D(2025, 1, 1), 0, tin=1000, assets=900),
        _month("A", D(2025, 2, 1), 3, assets=900),
        _month("A", D(2025, 4, 1), 1, assets=900),
        _month("B", D(2025, 1, 1), 2, tin=500, assets=500),
        _month("C", D(2025, 4, 1), 1, tin=300, assets=300),
        _month("E", D(2025, 1, 1), 5, tin=100, assets=100),
        _month("G", D(2025, 5, 1), 2),
    ]
    runner.register_table("channel_month_src", _arrow(months, MONTH_COLUMNS))
    days = [_day("F", D(2025, 6, 2), 0, tin=200, assets=200), _day("F", D(2025, 6, 10), 1)]
    runner.register_table("channel_day_src", _arrow(days, DAY_COLUMNS))
    june = [D(2025, 6, d) for d in (2, 3, 4, 5, 6, 9, 10, 11, 12, 13, 16, 17, 18)]
    runner.register_table("channel_read_days", pa.table({"biz_date": pa.array(june, pa.date32())}))
    # the run step's chain, as views over the hand-built aggregates
    chain = [
        ("channel_openers", "channel_openers"),
        ("cohort_month_parts", "cohort_month_part"),
        ("cohort_day_parts", "cohort_day_part"),
        ("channel_activity", "channel_activity"),
        ("channel_customers", "channel_customers"),
    ]
    for view, sql in chain:
        model = load_sql(PACKAGE, sql)
        params = {"as_of": AS_OF, "cohort_from": COHORT_FROM}
        runner.create_view(view, model.sql, {k: params[k] for k in model.params})
    return runner


def _fetch(engine: Engine, name: str) -> list[dict[str, Any]]:
    return engine.fetch(load_sql(PACKAGE, name).sql, {"done_mon": done_mon(AS_OF)}).to_pylist()


def test_each_customer_reaches_the_stages_their_history_shows(engine: Engine) -> None:
    rows = {
        r["customer_id"]: r for r in engine.fetch("SELECT * FROM channel_customers").to_pylist()
    }
    assert set(rows) == {"A", "B", "C", "D", "F", "G"}  # E opened before the lake began
    stages = {c: (r["funded"], r["traded"], r["active_m3"]) for c, r in rows.items()}
    assert stages == {
        "A": (1, 1, 1),
        "B": (1, 1, 0),
        "C": (1, 1, 0),
        "D": (0, 0, 0),
        "F": (1, 1, 1),  # a trade in June, its month 3: the funnel waits for June to end
        "G": (0, 1, 1),
    }
    assert rows["A"]["net_in"] == 1000 and rows["F"]["net_in"] == 200


def test_the_funnel_counts_only_customers_a_stage_is_due_for(engine: Engine) -> None:
    funnel = _fetch(engine, "channel_funnel")
    total = {
        k: sum(r[k] for r in funnel)
        for k in funnel[0]
        if k not in ("branch_id", "open_channel", "open_month")
    }
    assert total["opened"] == 6
    assert total["funded"] == 4  # A B C F
    assert total["traded"] == 4  # G traded but never funded: not past 'funded'
    # month 3 ended for A (April), B (April), D (May), G (May); not for C (July) or F (June)
    assert total["due_3m"] == 4
    assert total["active_3m"] == 1  # A; B and D are lost, C and F (active so far) not yet due
    assert total["due_12m"] == 0 and total["active_12m"] == 0
    by_channel = {}
    for r in funnel:
        c = by_channel.setdefault(r["open_channel"], [0] * 5)
        for i, k in enumerate(("opened", "funded", "traded", "active_3m", "active_12m")):
            c[i] += r[k]
    for counts in by_channel.values():
        assert counts == sorted(counts, reverse=True)  # never increases along the funnel
    bank = next(r for r in funnel if r["open_channel"] == "bank")
    assert (bank["traded"], bank["due_3m"], bank["active_3m"]) == (1, 0, 0)  # C: not yet due


def test_retention_counts_the_active_customers_of_ended_months(engine: Engine) -> None:
    active = {
        (r["open_month"], r["open_channel"], r["month_no"]): r["active"]
        for r in _fetch(engine, "channel_retention")
    }
    jan, feb, apr = D(2025, 1, 1), D(2025, 2, 1), D(2025, 4, 1)
    assert active == {
        (jan, "app", 1): 1,  # A in February
        (jan, "app", 3): 1,  # A in April
        (jan, "online", 0): 1,  # B in January
        (apr, "bank", 0): 1,  # C in April
        (feb, "branch", 3): 1,  # G in May
    }  # F's June trade: June has not ended


def test_a_month_ended_on_its_last_calendar_day() -> None:
    assert done_mon(D(2025, 6, 18)) == 2025 * 12 + 5
    assert done_mon(D(2025, 6, 30)) == 2025 * 12 + 6


def test_written_files_keep_their_columns(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "funnel.parquet"
    engine.write_parquet(
        load_sql(PACKAGE, "channel_funnel").sql, path, {"done_mon": done_mon(AS_OF)}
    )
    names = pa.parquet.read_schema(path).names
    assert names[:3] == ["branch_id", "open_channel", "open_month"]
    assert "net_inflow_cents" in names
