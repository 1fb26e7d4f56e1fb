"""Commission statements on a generated brokerage crossing a month's end (SQLite and
PostgreSQL stores): they reconcile to the customers' net commission to the cent (`brokerlens
sql` table `commission_statements` against the trades), a complete month is settled once
(again: 409), a correction is an adjusting entry through the approval flow decided by another
head office user, and the month still reconciles; a broker sees only their own lines; every
read and change is audited."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from brokerlens.access import approvals
from brokerlens.access.statement_settle import Adjustment, request_adjustment, settle
from brokerlens.access.statements import (
    StatementRejected,
    export_statement,
    get_statement,
    list_months,
    staff_income,
)
from brokerlens.access.users import acting_principal
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.store import dispose_engines
from brokerlens.store.schema import audit_log
from brokerlens.warehouse.query import run_query
from support.brokers_statements import (
    APRIL,
    MARCH,
    StatementsStore,
    published_store,
    statements_home,
)
from support.store import BACKENDS


@pytest.fixture(params=BACKENDS)
def store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> Iterator[StatementsStore]:
    """A fresh store of the brokerage, on SQLite and on PostgreSQL."""
    url = request.getfixturevalue("pg_store_url") if request.param == "postgresql" else None
    yield published_store(statements_home(tmp_path_factory), tmp_path, url)
    dispose_engines()


def _who(store: StatementsStore, role: str) -> object:
    return acting_principal(store.db, store.users[role][0])


RECONCILE = """
WITH statements AS (
    SELECT month, role, income_kind, sum(amount_cents) AS cents
    FROM commission_statements GROUP BY ALL
), income AS (
    SELECT date_trunc('month', biz_date) AS month, 'commission' AS income_kind,
           CAST(sum(net_commission) * 100 AS BIGINT) AS cents
    FROM trades GROUP BY ALL
    UNION ALL
    SELECT date_trunc('month', biz_date), 'product_fee', CAST(sum(fee) * 100 AS BIGINT)
    FROM product_trades GROUP BY ALL
)
SELECT s.month, s.role, s.income_kind, s.cents, i.cents
FROM statements s FULL JOIN income i ON i.month = s.month AND i.income_kind = s.income_kind
ORDER BY ALL
"""


def _reconcile(store: StatementsStore) -> list[tuple[object, ...]]:
    rows = run_query(store.settings, RECONCILE).rows
    assert {(r[0], r[2]) for r in rows} >= {(MARCH, "commission"), (APRIL, "commission")}
    assert {r[1] for r in rows} == {"developer", "servicer", "advisor"}
    for month, role, kind, statements, income in rows:
        assert statements == income, (month, role, kind)
    return rows


def test_statements_reconcile_to_the_cent_before_and_after_settling(
    store: StatementsStore,
) -> None:
    rows = _reconcile(store)
    assert all(r[3] > 0 for r in rows if r[2] == "commission")
    by_customer = run_query(
        store.settings,
        "SELECT sum(commission_cents) = (SELECT CAST(sum(net_commission) * 100 AS BIGINT) "
        "FROM trades WHERE biz_date < DATE '2025-04-01'), count(DISTINCT customer_id) > 0 "
        "FROM customer_income WHERE day < DATE '2025-04-01'",
    ).rows
    assert by_customer == [(True, True)]
    hq = _who(store, "hq_marketing")
    months = {p.month: p for p in list_months(store.settings, store.db, hq)}
    assert months[MARCH].status == "complete" and months[APRIL].status == "preview"
    assert months[APRIL].through == APRIL.replace(day=8)

    done = settle(store.settings, store.db, hq, MARCH)
    assert done.status == "settled" and done.settled_by == store.users["hq_marketing"][0]
    with pytest.raises(Conflict, match="settled"):
        settle(store.settings, store.db, hq, MARCH)
    with pytest.raises(Conflict, match="not to its last day"):
        settle(store.settings, store.db, hq, APRIL)
    march = run_query(
        store.settings,
        "SELECT DISTINCT status, entry FROM commission_statements WHERE month = DATE '2025-03-01'",
    ).rows
    assert march == [("settled", "settled")]
    _reconcile(store)


def test_an_adjusting_entry_is_approved_by_another_settler_and_keeps_the_month_whole(
    store: StatementsStore,
) -> None:
    hq, other = _who(store, "hq_marketing"), _who(store, "hq_marketing_2")
    statement = get_statement(store.settings, store.db, hq, MARCH)
    servicers = [x for x in statement.lines if x.staff_id and x.role == "servicer"]
    giver = next(x for x in servicers if x.income_kind == "commission")
    taker = next(str(x.staff_id) for x in servicers if x.staff_id != giver.staff_id)
    adjustment = Adjustment(
        month=MARCH,
        role="servicer",
        income_kind="commission",
        to_staff=taker,
        amount="1.23",
        reason="客户归属更正",
        from_staff=giver.staff_id,
    )
    with pytest.raises(Conflict, match="not settled"):
        request_adjustment(store.settings, store.db, hq, adjustment)
    settle(store.settings, store.db, hq, MARCH)
    broker = _who(store, "broker")
    with pytest.raises(Forbidden):
        request_adjustment(store.settings, store.db, broker, adjustment)
    with pytest.raises(StatementRejected) as too_much:
        request_adjustment(
            store.settings,
            store.db,
            hq,
            Adjustment(**{**adjustment.__dict__, "amount": f"{giver.amount + 1}"}),
        )
    assert too_much.value.field == "amount"
    with pytest.raises(StatementRejected) as fraction:
        request_adjustment(
            store.settings, store.db, hq, Adjustment(**{**adjustment.__dict__, "amount": "0.001"})
        )
    assert fraction.value.field == "amount"

    asked = request_adjustment(store.settings, store.db, hq, adjustment)
    assert asked.kind == "commission_adjustment" and asked.status == "pending"
    with pytest.raises(Forbidden, match="someone else decides"):
        approvals.approve(store.db, store.settings, hq, asked.request_id)
    decided = approvals.approve(store.db, store.settings, other, asked.request_id, "同意")
    assert decided.status == "approved", decided.effect

    after = get_statement(store.settings, store.db, hq, MARCH)
    moved = [x for x in after.lines if x.entry == "adjustment"]
    assert sorted(x.amount_cents for x in moved) == [-123, 123]
    assert {x.staff_id for x in moved} == {giver.staff_id, taker}
    before = {(x.staff_id, x.role, x.income_kind): x.amount_cents for x in statement.lines}
    totals = {t.key: t for t in after.totals("staff")}
    assert totals[taker].cents[("servicer", "commission")] == (
        before[(taker, "servicer", "commission")] + 123
    )
    _reconcile(store)
    # from a unit's unassigned income (nobody held the role): at most what is unassigned there
    nobody = next(x for x in after.lines if x.staff_id is None and x.role == "advisor")
    from_nobody = Adjustment(
        month=MARCH,
        role="advisor",
        income_kind=nobody.income_kind,
        to_staff=taker,
        amount=str(nobody.amount + 1),
        reason="补录投顾关系",
        from_unit=nobody.unit_id,
    )
    with pytest.raises(StatementRejected, match="less than the amount"):
        request_adjustment(store.settings, store.db, hq, from_nobody)
    waiting = request_adjustment(
        store.settings, store.db, hq, Adjustment(**{**from_nobody.__dict__, "amount": "0.02"})
    )
    assert waiting.payload["from_staff"] is None and waiting.payload["amount_cents"] == 2
    with store.db.connect() as connection:
        actions = set(connection.execute(sa.select(audit_log.c.action)).scalars())
    assert {"statement_settle", "statement_view", "approval_request", "approval_approve"} <= actions


def test_a_broker_sees_only_their_own_lines_and_income(store: StatementsStore) -> None:
    hq, broker = _who(store, "hq_marketing"), _who(store, "broker")
    everything = get_statement(store.settings, store.db, hq, APRIL)
    assert everything.whole and any(x.staff_id is None for x in everything.lines)
    own = get_statement(store.settings, store.db, broker, APRIL)
    assert not own.whole and {x.staff_id for x in own.lines} <= {broker.staff_id}
    income = staff_income(store.settings, store.db, broker, str(broker.staff_id))
    assert [m.month for m in income] == [APRIL, MARCH]
    mine = sum(x.amount_cents for x in own.lines)
    assert sum(income[0].cents.values()) == mine
    someone_else = next(
        x.staff_id for x in everything.lines if x.staff_id and x.staff_id != broker.staff_id
    )
    with pytest.raises(NotFound):
        staff_income(store.settings, store.db, broker, str(someone_else))
    with pytest.raises(NotFound):
        get_statement(store.settings, store.db, hq, MARCH.replace(year=2024))
    with pytest.raises(Forbidden):
        list_months(store.settings, store.db, _who(store, "call_center"))


class _Sink:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.rows: list[list[object]] = []

    def columns(self, names: object) -> None:
        self.names = list(names)  # type: ignore[call-overload]

    def row(self, values: object) -> None:
        self.rows.append(list(values))  # type: ignore[call-overload]


def test_export_per_unit_adds_up_to_the_month(store: StatementsStore) -> None:
    hq = _who(store, "hq_marketing")
    sink = _Sink()
    done = export_statement(store.settings, store.db, hq, MARCH, "unit", sink)
    assert done.count == len(sink.rows) and sink.names[1] == "unit_id"
    amount = sink.names.index("amount")
    developer = sum(
        (r[amount] for r in sink.rows if r[2] == "developer" and r[3] == "commission"),
        Decimal(0),
    )
    period = next(p for p in list_months(store.settings, store.db, hq) if p.month == MARCH)
    assert developer == Decimal(period.commission_cents) / 100
