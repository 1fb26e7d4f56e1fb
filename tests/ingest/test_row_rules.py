"""Every row rule: the row goes to quarantine with its rule, line and raw values; the rest loads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from brokerlens.ingest import ingest_inbox
from support.factories import (
    D1,
    D2,
    fact_date,
    make_account,
    make_customer,
    make_daily_assets,
    make_position,
    make_product,
    make_staff,
    make_trade,
    quarantine_rows,
    query,
    reference_date,
    settings_for,
    write_feed,
)


def load(tmp_path: Path) -> Any:
    settings = settings_for(tmp_path / "home")
    report = ingest_inbox(settings, tmp_path / "inbox")
    assert [d.status for d in report.dates if d.status == "rejected"] == []
    return settings


def trades_with(tmp_path: Path, bad: dict[str, str]) -> Any:
    """D1 reference; D2 three good trades and one bad one (line 4); return settings after load."""
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    rows = [make_trade("T1", D2), make_trade("T2", D2), make_trade("T3", D2, **bad)]
    rows.insert(2, make_trade("T9", D2, quantity="200", amount="2000.00"))
    write_feed(inbox / D2.isoformat(), "trades", rows)
    return load(tmp_path), rows


GOOD_TRADES = {"T1", "T2", "T9"}


@pytest.mark.parametrize(
    ("bad", "rule", "column"),
    [
        ({"side": ""}, "missing_value", "side"),
        ({"quantity": "1.5"}, "bad_type", "quantity"),
        ({"price": "ten"}, "bad_type", "price"),
        ({"amount": "1000.001"}, "bad_type", "amount"),
        ({"trade_time": "2025-01-03 25:00:00"}, "bad_type", "trade_time"),
        ({"side": "hold"}, "bad_enum", "side"),
        ({"commission": "-5.00"}, "negative_amount", "commission"),
        ({"quantity": "0", "amount": "0.00"}, "out_of_range", "quantity"),
        ({"quantity": "-100", "amount": "-1000.00"}, "negative_amount", "quantity"),
        ({"amount": "1005.00"}, "unreconciled_total", "amount,quantity,price"),
        ({"customer_id": "C404"}, "unknown_reference", "customer_id"),
        ({"security_id": "999999.SH"}, "unknown_reference", "security_id"),
        ({"biz_date": "2025-01-02", "trade_time": "2025-01-02 10:00:00"}, "wrong_date", "biz_date"),
    ],
)
def test_bad_trade_is_quarantined_and_the_rest_loads(
    tmp_path: Path, bad: dict[str, str], rule: str, column: str
) -> None:
    settings, rows = trades_with(tmp_path, bad)
    [(line, got_rule, got_column, _value, raw)] = quarantine_rows(settings, "trades")
    assert (line, got_rule, got_column) == (5, rule, column)
    assert raw == {k: (v or None) for k, v in rows[3].items()}
    loaded = query(settings, "select trade_id, amount from trades order by trade_id")
    assert {t for t, _ in loaded} == GOOD_TRADES
    assert dict(loaded)["T9"] == 2000  # the good rows load unchanged


def test_reconciliation_tolerance(tmp_path: Path) -> None:
    """Within 0.01 yuan or 0.1% is fine; beyond both is not."""
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    rows = [
        make_trade("T1", D2, amount="1000.01"),  # 0.01 off: ok
        make_trade("T2", D2, amount="1000.90"),  # 0.09% off: ok
        make_trade("T3", D2, amount="1001.10"),  # 0.11% and 1.10 yuan off: breaks
    ]
    write_feed(inbox / D2.isoformat(), "trades", rows)
    settings = load(tmp_path)
    assert [(r[0], r[1], r[3]) for r in quarantine_rows(settings, "trades")] == [
        (4, "unreconciled_total", "1001.10|100|10.0000")
    ]


def test_total_assets_must_reconcile(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    rows = [make_daily_assets(f"C{i}", D2) for i in (1, 2, 3)]
    rows[1]["total_assets"] = "6100.52"  # 0.02 yuan off
    write_feed(inbox / D2.isoformat(), "daily_assets", rows)
    settings = load(tmp_path)
    [(line, rule, column, _, raw)] = quarantine_rows(settings, "daily_assets")
    assert (line, rule, raw["customer_id"]) == (3, "unreconciled_total", "C2")
    assert column.startswith("total_assets,cash")
    assert query(settings, "select customer_id from daily_assets order by 1") == [("C1",), ("C3",)]


def test_duplicate_key_keeps_the_first_occurrence(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    rows = [
        make_position("C1", "A1", day=D2, quantity="1"),
        make_position("C2", "A2", day=D2),
        make_position("C1", "A1", day=D2, quantity="2"),
        make_position("C1", "A1", day=D2, quantity="3"),
    ]
    write_feed(inbox / D2.isoformat(), "positions", rows)
    settings = load(tmp_path)
    got = quarantine_rows(settings, "positions")
    assert [(g[0], g[1], g[2]) for g in got] == [
        (4, "duplicate_key", "biz_date,customer_id,account_id,security_id"),
        (5, "duplicate_key", "biz_date,customer_id,account_id,security_id"),
    ]
    assert [g[4]["quantity"] for g in got] == ["2", "3"]
    assert query(settings, "select customer_id, quantity from positions order by 1") == [
        ("C1", 1),
        ("C2", 1000),
    ]


def test_a_bad_first_copy_lets_the_next_copy_load(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    rows = [make_trade("T1", D2, side="x"), make_trade("T1", D2)]
    write_feed(inbox / D2.isoformat(), "trades", rows)
    settings = load(tmp_path)
    assert [r[1] for r in quarantine_rows(settings, "trades")] == ["bad_enum"]
    assert query(settings, "select trade_id, side from trades") == [("T1", "buy")]


def test_references_see_the_same_delivery_and_earlier_dates(tmp_path: Path) -> None:
    """A customer delivered today or before is known; one that failed its own rules is not."""
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    folder = inbox / D2.isoformat()
    write_feed(folder, "customers", [make_customer("C7"), make_customer("C8", status="gone")])
    write_feed(
        folder,
        "accounts",
        [make_account("A1", "C1"), make_account("A7", "C7"), make_account("A8", "C8")],
    )
    settings = load(tmp_path)
    assert [(r[1], r[4]["customer_id"]) for r in quarantine_rows(settings, "customers")] == [
        ("bad_enum", "C8")
    ]
    assert [(r[0], r[1], r[3]) for r in quarantine_rows(settings, "accounts")] == [
        (4, "unknown_reference", "C8")
    ]
    assert query(settings, "select count(*) from accounts") == [(4,)]  # A1-A3 + A7


def test_self_reference_within_a_delivery(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    staff = [make_staff("S2", manager_id="S1"), make_staff("S1"), make_staff("S3", manager_id="S9")]
    reference_date(inbox, D1, staff=staff)
    settings = load(tmp_path)
    assert [(r[0], r[1], r[3]) for r in quarantine_rows(settings, "staff")] == [
        (4, "unknown_reference", "S9")
    ]


def test_missing_value_in_a_reference_feed(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    customers = [make_customer("C1"), make_customer("C2", id_no=""), make_customer("C3")]
    reference_date(inbox, D1, customers=customers)
    fact_date(inbox, D2)
    settings = load(tmp_path)
    [(line, rule, column, _, raw)] = quarantine_rows(settings, "customers")
    assert (line, rule, column, raw["customer_id"]) == (3, "missing_value", "id_no", "C2")
    # C2's account, assets and position then name an unknown customer
    assert {r[1] for r in quarantine_rows(settings, "accounts")} == {"unknown_reference"}
    assert query(settings, "select count(*) from daily_assets") == [(2,)]


def test_nan_is_not_a_number(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    rows = [make_product("P1"), make_product("P2", fee_rate="nan"), make_product("P3")]
    reference_date(inbox, D1, products=rows)
    settings = load(tmp_path)
    assert [(r[0], r[1], r[2]) for r in quarantine_rows(settings, "products")] == [
        (3, "bad_type", "fee_rate")
    ]


def test_out_of_range_share(tmp_path: Path) -> None:
    from support.factories import make_org_unit

    inbox = tmp_path / "inbox"
    rel = [
        {
            "customer_id": "C1",
            "staff_id": "S1",
            "role": "servicer",
            "start_date": "2024-01-02",
            "end_date": "",
            "share_pct": "100",
        },
        {
            "customer_id": "C2",
            "staff_id": "S1",
            "role": "servicer",
            "start_date": "2024-01-02",
            "end_date": "",
            "share_pct": "150",
        },
    ]
    reference_date(inbox, D1, relationships=rel, org_units=[make_org_unit("B1")])
    settings = load(tmp_path)
    assert [(r[0], r[1], r[2], r[3]) for r in quarantine_rows(settings, "relationships")] == [
        (3, "out_of_range", "share_pct", "150")
    ]
