"""Each occasion on hand-built rows: who gets a message, on which date, in which words. T is a
Friday (2025-03-07); the next trading day is Monday 2025-03-10, so a rule with days_before 0
covers the weekend too (an occasion on Saturday or Sunday is told on Friday's run)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from brokerlens.config import load_settings
from brokerlens.engine import Engine, open_engine
from brokerlens.engine.render import check_portable
from brokerlens.engine.sqlfiles import load_sql, sql_names
from brokerlens.marketing.care.build import make_messages, next_trading_day, window_end
from brokerlens.marketing.care.loader import shipped_rules
from brokerlens.marketing.care.model import CareRule
from marketing.care_rows import register

T = dt.date(2025, 3, 7)
PREV = dt.date(2025, 3, 6)


def _customer(cid: str, born: str | None, **more: Any) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "name": f"客户{cid}",
        "customer_type": "individual",
        "id_type": "id_card",
        "id_no": f"31010119800307{len(cid):04d}",
        "birth_date": born,
        "phone": "13800001111",
        "branch_id": "B1",
        "open_date": "2015-01-05",
        "status": "normal",
        **more,
    }


CUSTOMERS = [
    _customer("BFRI", "1980-03-07"),  # birthday on T
    _customer("BSUN", "1975-03-09"),  # Sunday: told on Friday's run
    _customer("BMON", "1990-03-10"),  # Monday: Monday's run
    _customer("BINST", "1980-03-07", customer_type="institution"),
    _customer("BCLOSED", "1980-03-07", status="closed"),
    _customer("A1", None),
    _customer("A2", None),
    _customer("A3", None),
    _customer("A4", None),
    _customer("P1", None),
    _customer("P0", None),
    _customer("I1", None),
    _customer("N1", None),
    _customer("D1", None),
    _customer("D2", None),
    _customer("D3", None),
]


def _assessment(aid: str, cid: str, assessed: str, expires: str) -> dict[str, Any]:
    return {
        "assessment_id": aid,
        "customer_id": cid,
        "assess_date": assessed,
        "questionnaire_version": "v1",
        "answers": "{}",
        "score": 50.0,
        "risk_class": "C3",
        "varieties": "[]",
        "expire_date": expires,
    }


def _trade(tid: str, cid: str, day: dt.date, security: str, kind: str, qty: int, price: str):
    amount = qty * float(price)
    return {
        "biz_date": day,
        "trade_id": tid,
        "customer_id": cid,
        "account_id": f"A{cid}",
        "security_id": security,
        "side": "buy",
        "trade_type": kind,
        "quantity": qty,
        "price": price,
        "amount": amount,
    }


def _position(day: dt.date, cid: str, security: str, qty: int) -> dict[str, Any]:
    return {
        "biz_date": day,
        "customer_id": cid,
        "account_id": f"A{cid}",
        "security_id": security,
        "quantity": qty,
        "cost_amount": 0,
        "market_value": 0,
    }


def _holding(cid: str, product: str, units: float, value: float) -> dict[str, Any]:
    return {
        "biz_date": T,
        "customer_id": cid,
        "product_id": product,
        "units": units,
        "market_value": value,
        "cost_amount": value,
    }


ROWS: dict[str, list[dict[str, Any]]] = {
    "customers": CUSTOMERS,
    "risk_assessments": [
        _assessment("R1", "A1", "2023-03-20", "2025-03-20"),  # 13 days left
        _assessment("R2a", "A2", "2023-03-20", "2025-03-20"),  # replaced by a newer one
        _assessment("R2b", "A2", "2025-01-10", "2027-01-10"),
        _assessment("R3", "A3", "2023-03-25", "2025-03-25"),  # one day past the window
        _assessment("R4", "A4", "2023-03-24", "2025-03-24"),  # the window's last day
    ],
    "products": [
        # a 90-day period from 2024-12-10 ends on Monday 2025-03-10
        {"product_id": "PM90", "name": "稳盈90天", "term_days": 90, "launch_date": "2024-12-10"},
        # 30-day periods from 2025-01-01 end on 01-31, 03-02, 04-01: none in the window
        {"product_id": "PM30", "name": "月月盈", "term_days": 30, "launch_date": "2025-01-01"},
    ],
    "product_holdings": [
        _holding("P1", "PM90", 100_000, 123_456.78),
        _holding("P1", "PM30", 1_000, 1_000),
        _holding("P0", "PM90", 0, 0),  # sold out: no message
    ],
    "securities": [
        {"security_id": "301234.SZ", "name": "新锐科技", "market": "SZ", "security_type": "stock"},
        {"security_id": "600000.SH", "name": "浦发银行", "market": "SH", "security_type": "stock"},
        {"security_id": "600036.SH", "name": "招商银行", "market": "SH", "security_type": "stock"},
    ],
    "trades": [
        _trade("T1", "I1", T, "301234.SZ", "ipo_allot", 500, "20.00"),
        _trade("T2", "N1", T, "600000.SH", "normal", 100, "10.00"),
    ],
    "corporate_actions": [
        {"security_id": "600000.SH", "ex_date": "2025-03-07", "action_type": "cash_dividend",
         "per_share": 0.35},
        {"security_id": "600036.SH", "ex_date": "2025-03-12", "action_type": "cash_dividend",
         "per_share": 1.2},
    ],
    "positions": [
        _position(PREV, "D1", "600000.SH", 1_000),  # on the register the day before the ex-date
        _position(T, "D1", "600000.SH", 1_000),
        _position(T, "D2", "600000.SH", 500),  # bought on the ex-date: no dividend
        _position(T, "D3", "600036.SH", 200),  # holds now, ex-date next Wednesday
    ],
}  # fmt: skip


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    settings = load_settings(home=tmp_path_factory.mktemp("care"))
    engine = open_engine("duckdb", settings, threads=1)
    register(engine, **ROWS)
    yield engine
    engine.close()


def _rule(occasion: str, days_before: int = 0, template: str = "{name}") -> CareRule:
    return CareRule(
        id=occasion,
        zh=occasion,
        en=occasion,
        occasion=occasion,  # type: ignore[arg-type]
        days_before=days_before,
        channels=["sms"],
        subject="s",
        template_zh=template,
    )


def _found(engine: Engine, rule: CareRule) -> dict[str, tuple[dt.date, str]]:
    table = make_messages(engine, [rule], T, hold_day=PREV)
    return {r["customer_id"]: (r["occasion_date"], r["body"]) for r in table.to_pylist()}


def test_the_window_runs_to_the_next_trading_day_plus_the_days_before() -> None:
    assert next_trading_day(T) == dt.date(2025, 3, 10)
    assert window_end(T, 0, dt.date(2025, 3, 10)) == dt.date(2025, 3, 9)
    assert window_end(T, 15, dt.date(2025, 3, 10)) == dt.date(2025, 3, 24)


def test_birthdays_on_the_day_and_over_the_weekend_greet_without_personal_data(
    engine: Engine,
) -> None:
    birthday = next(r for r in shipped_rules() if r.id == "birthday")
    table = make_messages(engine, [birthday], T, hold_day=PREV)
    rows = table.to_pylist()
    assert {(r["customer_id"], r["occasion_date"]) for r in rows} == {
        ("BFRI", T),
        ("BSUN", dt.date(2025, 3, 9)),
    }  # BMON on Monday's run; the institution and the closed account never
    assert {r["channel"] for r in rows} == {"sms", "app_push"}
    for r in rows:
        assert "生日快乐" in r["body"] and f"客户{r['customer_id']}" in r["body"]
        for private in ("1980", "1975", "03-07", "3月7日", "13800001111", "310101"):
            assert private not in r["body"] and private not in r["subject"]


def test_a_29_february_birthday_is_kept_on_28_february(engine: Engine) -> None:
    register(
        engine,
        **{**ROWS, "customers": [*CUSTOMERS, _customer("LEAP", "1996-02-29")]},
    )
    try:
        friday = dt.date(2025, 2, 28)
        table = make_messages(engine, [_rule("birthday")], friday, hold_day=PREV)
        assert ("LEAP", friday) in {
            (r["customer_id"], r["occasion_date"]) for r in table.to_pylist()
        }
    finally:
        register(engine, **ROWS)


def test_the_latest_assessment_expiring_within_the_days_before(engine: Engine) -> None:
    rule = _rule("assessment_expiring", 15, "{name}:{occasion_date:md}:{days_left:int}")
    assert _found(engine, rule) == {
        "A1": (dt.date(2025, 3, 20), "客户A1:3月20日:13"),
        "A4": (dt.date(2025, 3, 24), "客户A4:3月24日:17"),
    }  # A2's latest runs to 2027; A3 expires a day after the window


def test_a_held_termed_product_maturing_within_the_days_before(engine: Engine) -> None:
    rule = _rule("product_maturing", 7, "{product_name}|{market_value:amount}|{occasion_date}")
    assert _found(engine, rule) == {"P1": (dt.date(2025, 3, 10), "稳盈90天|12.35万|2025-03-10")}


def test_an_ipo_allotment_of_the_day(engine: Engine) -> None:
    rule = next(r for r in shipped_rules() if r.id == "ipo_allotment")
    found = _found(engine, rule)
    assert list(found) == ["I1"]
    day, body = found["I1"]
    assert day == T
    assert "新锐科技（301234.SZ）中签500股，应缴款10,000.00元" in body


def test_dividends_to_the_holders_on_the_register(engine: Engine) -> None:
    rule = _rule("dividend", 3, "{security_name}|{per_share}|{quantity:int}|{amount:yuan}")
    assert _found(engine, rule) == {
        "D1": (T, "浦发银行|0.35|1,000|350.00"),
        "D3": (dt.date(2025, 3, 12), "招商银行|1.2|200|240.00"),
    }  # D2 bought on the ex-date


def test_a_disabled_rule_makes_nothing(engine: Engine) -> None:
    rule = _rule("ipo_allotment").model_copy(update={"enabled": False})
    assert make_messages(engine, [rule], T, hold_day=PREV).num_rows == 0


def test_the_occasion_queries_are_portable() -> None:
    names = sql_names("brokerlens.marketing.care")
    assert len(names) == 6
    for name in names:
        assert check_portable(load_sql("brokerlens.marketing.care", name).sql) == [], name
