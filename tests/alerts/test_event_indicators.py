"""The event indicators the alerts read (models/sql/indicators_events.sql), on a hand-built lake.

The lake holds the 25 SSE trading days 2025-02-24 .. 2025-03-28; T = 2025-03-28, PREV = 03-27,
the 20-day window runs 2025-02-28 .. T and the day before it is 2025-02-27 (AGO).
Each customer shows one figure, worked out by hand in its test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from brokerlens.config import load_settings
from brokerlens.indicators import load_indicators
from brokerlens.ingest import ingest_inbox
from brokerlens.market.calendar import trading_days
from brokerlens.pipeline.run import run_pipeline
from brokerlens.warehouse.layout import WarehouseLayout
from support.handbuilt import HandInbox, read_by_customer, row

DAYS = trading_days(dt.date(2025, 2, 24), dt.date(2025, 3, 28))
T, PREV, AGO, WINDOW_START = DAYS[-1], DAYS[-2], DAYS[-21], DAYS[-20]
STOCK = "600036.SH"
CUSTOMERS = [
    "CMOVE",  # 100,000 cash, then 80,000 out on T
    "CIN",  # 30,000 in on T
    "C20",  # 200,000 on AGO; out 7,000 on AGO (outside), 50,000 + 100,000 inside the window
    "CACCT",  # an account transferred out on T
    "CCUST",  # the customer closed on T
    "CPAST",  # an account closed 3 days before T
    "CADV",  # an advisory agreement cancelled on T
    "CMARGIN",  # a margin agreement cancelled on T (not advisory)
    "CHOLD",  # holds the stock going ex on T, and an IPO allotted on T
    "CTRADE",  # last traded 4 trading days before T; an IPO application on T does not count
    "CNEVER",  # never traded
    "CASSESS",  # assessment expiring 10 days after T
    "CEXPIRED",  # assessment expired 5 days before T
    "CCOMP",  # two open complaints; one closed complaint
]


def _customer(cid: str, **kw: Any) -> dict[str, str]:
    values: dict[str, Any] = {
        "customer_id": cid,
        "name": cid,
        "customer_type": "individual",
        "id_type": "id_card",
        "id_no": f"3101011990010100{CUSTOMERS.index(cid):02d}",
        "branch_id": "B1",
        "open_date": "2020-03-04",
        "open_channel": "app",
        "investor_class": "ordinary",
        "status": "normal",
        **kw,
    }
    return row("customers", **values)


def _account(cid: str, **kw: Any) -> dict[str, str]:
    values: dict[str, Any] = {
        "account_id": f"A_{cid}",
        "customer_id": cid,
        "account_type": "cash",
        "open_date": "2020-03-04",
        "status": "normal",
        **kw,
    }
    return row("accounts", **values)


def _agreement(aid: str, cid: str, service: str, cancel: dt.date | None) -> dict[str, str]:
    return row(
        "service_agreements",
        agreement_id=aid,
        customer_id=cid,
        service=service,
        sign_date="2024-01-02",
        cancel_date=cancel,
    )


def _assessment(aid: str, cid: str, assessed: str, expire: dt.date) -> dict[str, str]:
    return row(
        "risk_assessments",
        assessment_id=aid,
        customer_id=cid,
        assess_date=assessed,
        questionnaire_version="V2021.2",
        answers="{}",
        score=50,
        risk_class="C3",
        horizon="medium",
        varieties='["bond_fund"]',
        expire_date=expire,
    )


def _complaint(kid: str, cid: str, opened: dt.date, status: str, closed: Any = None) -> Any:
    return row(
        "complaints",
        complaint_id=kid,
        customer_id=cid,
        open_date=opened,
        category="service",
        status=status,
        close_date=closed,
    )


def build_inbox() -> HandInbox:
    box = HandInbox(DAYS)
    first = DAYS[0]
    box.add(
        first,
        "org_units",
        row("org_units", unit_id="HQ", unit_type="hq", name="总部", city="上海"),
        row("org_units", unit_id="B1", parent_id="HQ", unit_type="branch", name="营业部"),
    )
    box.add(first, "customers", *(_customer(c) for c in CUSTOMERS))
    box.add(first, "accounts", *(_account(c) for c in CUSTOMERS))
    box.add(
        first,
        "securities",
        row(
            "securities",
            security_id=STOCK,
            name="招商银行",
            market="SH",
            security_type="stock",
            board="main",
            industry="银行",
            is_st="false",
            list_date="2010-01-04",
        ),
    )
    box.add(T, "accounts", _account("CACCT", status="transferred_out", close_date=T))
    box.add(T, "customers", _customer("CCUST", status="closed", close_date=T))
    box.add(DAYS[-3], "accounts", _account("CPAST", status="closed", close_date=DAYS[-3]))
    box.add(
        first,
        "service_agreements",
        _agreement("G1", "CADV", "advisory", None),
        _agreement("G2", "CMARGIN", "margin", None),
    )
    box.add(
        T,
        "service_agreements",
        _agreement("G1", "CADV", "advisory", T),
        _agreement("G2", "CMARGIN", "margin", T),
    )
    box.add(
        first,
        "risk_assessments",
        _assessment("R1", "CASSESS", "2023-04-07", T + dt.timedelta(days=10)),
        _assessment("R2", "CEXPIRED", "2023-03-23", T - dt.timedelta(days=5)),
    )
    box.add(first, "complaints", _complaint("K1", "CCOMP", DAYS[0], "open"))
    box.add(DAYS[3], "complaints", _complaint("K2", "CCOMP", DAYS[3], "processing"))
    box.add(DAYS[5], "complaints", _complaint("K3", "CCOMP", DAYS[5], "open"))
    box.add(DAYS[-2], "complaints", _complaint("K1", "CCOMP", DAYS[0], "closed", DAYS[-2]))
    box.add(DAYS[-10], "corporate_actions", row(
        "corporate_actions", security_id=STOCK, ex_date=T, action_type="cash_dividend",
        per_share="0.5",
    ))  # fmt: skip
    for day in DAYS:
        box.quote(day, STOCK, "10.00")
        for cid in CUSTOMERS:
            if cid == "CHOLD":
                box.assets(day, cid, cash=1_000, stock_value=10_000)
                box.position(day, cid, "A_CHOLD", STOCK, 1000, 9_000, 10_000)
            elif cid == "CMOVE":
                box.assets(day, cid, cash=20_000 if day == T else 100_000)
            elif cid == "C20":
                box.assets(day, cid, cash=200_000)
            else:
                box.assets(day, cid, cash=5_000)
    box.transfer(T, "F1", "CMOVE", "out", 80_000)
    box.transfer(T, "F2", "CIN", "in", 30_000)
    box.transfer(AGO, "F3", "C20", "out", 7_000)
    box.transfer(WINDOW_START, "F4", "C20", "out", 50_000)
    box.transfer(DAYS[-5], "F5", "C20", "out", 100_000)
    box.trade(T, "T1", "CHOLD", "A_CHOLD", STOCK, "buy", 100, "10.00", trade_type="ipo_allot")
    box.trade(DAYS[-5], "T2", "CTRADE", "A_CTRADE", STOCK, "buy", 100, "10.00")
    box.trade(
        DAYS[-1], "T3", "CTRADE", "A_CTRADE", STOCK, "buy", 100, "10.00", trade_type="ipo_subscribe"
    )
    return box


@pytest.fixture(scope="module")
def indicators_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root: Path = tmp_path_factory.mktemp("event_indicators")
    settings = load_settings(home=root / "home")
    report = ingest_inbox(settings, build_inbox().write(root / "inbox"))
    assert report.exit_code == 0, [x.reason for x in report.dates if x.reason]
    run_pipeline(settings, as_of=T)
    return WarehouseLayout(settings.warehouse_dir).indicators_file(T)


@pytest.fixture(scope="module")
def indicators(indicators_path: Path) -> dict[str, dict[str, Any]]:
    return read_by_customer(indicators_path)


def test_every_event_indicator_is_a_double(indicators_path: Path) -> None:
    schema = pq.read_schema(indicators_path)
    events = [i.id for i in load_indicators().values() if i.model == "indicators_events"]
    assert len(events) == 12
    assert {name: str(schema.field(name).type) for name in events} == dict.fromkeys(
        events, "double"
    )


def test_transfers_on_t_against_the_day_before(indicators: dict[str, dict[str, Any]]) -> None:
    move, into = indicators["CMOVE"], indicators["CIN"]
    assert (move["transfer_out_t"], move["transfer_in_t"]) == (80_000, 0)
    assert move["total_assets_prev"] == 100_000
    assert (into["transfer_out_t"], into["transfer_in_t"]) == (0, 30_000)


def test_twenty_day_outflow_and_the_assets_before_it(
    indicators: dict[str, dict[str, Any]],
) -> None:
    got = indicators["C20"]
    assert got["transfer_out_20d"] == 150_000  # the 7,000 of the day before the window is out
    assert got["total_assets_20d_ago"] == 200_000


@pytest.mark.parametrize(
    ("customer", "closed", "cancelled"),
    [("CACCT", 1, 0), ("CCUST", 1, 0), ("CPAST", 0, 0), ("CADV", 0, 1), ("CMARGIN", 0, 0)],
)
def test_closings_and_cancellations_on_t(
    indicators: dict[str, dict[str, Any]], customer: str, closed: int, cancelled: int
) -> None:
    got = indicators[customer]
    assert (got["account_closed_t"], got["agreement_cancelled_t"]) == (closed, cancelled)


def test_entitlements_and_holdings(indicators: dict[str, dict[str, Any]]) -> None:
    hold = indicators["CHOLD"]
    assert hold["entitlement_events_t"] == 2  # the ex-dividend stock and the IPO allotment
    assert hold["position_value_t"] == 10_000
    assert indicators["CMOVE"]["position_value_t"] == 0
    assert indicators["CTRADE"]["entitlement_events_t"] == 0


def test_days_since_the_last_trade(indicators: dict[str, dict[str, Any]]) -> None:
    assert indicators["CTRADE"]["days_since_last_trade"] == (T - DAYS[-5]).days
    assert indicators["CHOLD"]["days_since_last_trade"] == 0  # the allotment is a trade
    assert indicators["CNEVER"]["days_since_last_trade"] is None


def test_assessment_expiry_and_open_complaints(indicators: dict[str, dict[str, Any]]) -> None:
    assert indicators["CASSESS"]["assessment_days_to_expiry"] == 10
    assert indicators["CEXPIRED"]["assessment_days_to_expiry"] == -5
    assert indicators["CNEVER"]["assessment_days_to_expiry"] is None
    # K1 (the oldest) was closed on T-1: the oldest still open is K2, opened on DAYS[3]
    assert indicators["CCOMP"]["open_complaint_days"] == (T - DAYS[3]).days
    assert indicators["CNEVER"]["open_complaint_days"] is None
