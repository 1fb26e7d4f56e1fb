"""Recommendations' service layer (issue 16 section 3) over a real publish of the small brokerage
and a recommendation run's files (hand-made with the agreed schema, support/recommendations.py):
a customer's top products only for a reader who may see the customer, a product's target
customers cut to the reader's scope and paged by score, every read audited, the export's rows
and audit, the segment of targets whose members are the targets in scope, the gate's report for
compliance only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pytest
import sqlalchemy as sa

from brokerlens.access.masking import PERSONAL_FIELDS
from brokerlens.access.recommendations import (
    GATE_REASONS,
    TARGET_COLUMNS,
    Target,
    customer_recommendations,
    product_shelf,
    product_targets,
    recommendation_report,
    save_targets_segment,
    write_product_targets,
)
from brokerlens.access.segments import segment_count, segment_members
from brokerlens.access.snapshot import served_snapshot
from brokerlens.auth.principal import Principal, Role
from brokerlens.config import Settings
from brokerlens.errors import Forbidden, InvalidRequest, NotFound
from brokerlens.store.schema import audit_log, relationships
from support.brokerage import Brokerage
from support.recommendations import (
    gate_report,
    no_recommendations,
    recommendations_in_place,
    synthetic_rows,
)
from support.store import published_copy, scope_reader

pytestmark = pytest.mark.slow

HQ = Principal(1, "rec_hq", "HQ", Role.HQ_MARKETING)
COMPLIANCE = Principal(3, "rec_compliance", "C", Role.COMPLIANCE)


@dataclass(frozen=True)
class Served:
    settings: Settings
    db: sa.Engine
    as_of: dt.date
    rows: list[dict[str, Any]]  # the run's rows
    customers: list[str]


@pytest.fixture(scope="module")
def served(
    small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    home, folder = small_brokerage.settings.home, tmp_path_factory.mktemp("recommendations")
    with published_copy(home, folder) as (settings, db):
        snapshot = served_snapshot(db)
        with db.connect() as connection:
            table = snapshot.table
            customers = [str(r[0]) for r in connection.execute(sa.select(table.c.customer_id))]
        products = sorted(product_shelf(settings))
        rows = synthetic_rows(customers, products, snapshot.as_of_date)
        report = gate_report(snapshot.as_of_date, rows, len(customers))
        with recommendations_in_place(settings, snapshot.as_of_date, rows, report):
            yield Served(settings, db, snapshot.as_of_date, rows, customers)


@pytest.fixture(params=["columnar", "store"])
def reader(request: pytest.FixtureRequest, served: Served) -> Iterator[str]:
    """Scope read from the profile's columnar copy, or from the store's table."""
    with scope_reader(request.param, served.db) as kind:
        yield kind


def _served_by(db: sa.Engine, staff_id: str, day: dt.date) -> set[str]:
    with db.connect() as connection:
        rows = connection.execute(
            sa.select(relationships.c.customer_id).where(
                relationships.c.staff_id == staff_id,
                relationships.c.start_date <= day,
                sa.or_(relationships.c.end_date.is_(None), relationships.c.end_date > day),
            )
        )
        return {str(r[0]) for r in rows}


@dataclass(frozen=True)
class Case:
    """A broker, their customers, and a product some (not all) of whose targets they serve."""

    broker: Principal
    mine: set[str]
    product: str
    targets: list[dict[str, Any]]  # the product's rows, best first


def _best_first(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (-r["score"], r["customer_id"]))


@pytest.fixture(scope="module")
def case(served: Served) -> Case:
    with served.db.connect() as connection:
        staff_ids = sorted(
            {str(r[0]) for r in connection.execute(sa.select(relationships.c.staff_id))}
        )
    by_product: dict[str, list[dict[str, Any]]] = {}
    for row in served.rows:
        by_product.setdefault(row["product_id"], []).append(row)
    best: Case | None = None
    for staff_id in staff_ids:
        mine = _served_by(served.db, staff_id, served.as_of)
        for product, rows in by_product.items():
            theirs = [r for r in rows if r["customer_id"] in mine]
            if 3 <= len(theirs) < len(rows) and (best is None or len(theirs) > len(best.mine)):
                broker = Principal(2, f"rec_broker_{staff_id}", "B", Role.BROKER, staff_id=staff_id)
                best = Case(broker, mine, product, _best_first(rows))
        if best is not None:
            return best
    raise AssertionError("no broker serves part of a product's targets")


def _servicers(served: Served, customer_id: str) -> set[str]:
    """The staff in an active servicer relationship with the customer."""
    with served.db.connect() as connection:
        rows = connection.execute(
            sa.select(
                relationships.c.staff_id, relationships.c.start_date, relationships.c.end_date
            ).where(relationships.c.customer_id == customer_id, relationships.c.role == "servicer")
        ).all()
    return {
        str(s)
        for s, start, end in rows
        if start <= served.as_of and (end is None or end > served.as_of)
    }


def _user(served: Served, like: Principal) -> Principal:
    """`like` as a user of the store (a segment has an owner), made once."""
    from brokerlens.auth.users import add_user, get_user

    try:
        found = get_user(served.db, like.username)
    except NotFound:
        found = None
    user_id = (
        found.user_id
        if found is not None
        else add_user(
            served.db,
            username=like.username,
            display_name=like.display_name,
            role=like.role,
            password="Rec-test-password-1",
            staff_id=like.staff_id,
        )
    )
    return Principal(int(user_id), like.username, like.display_name, like.role, like.staff_id)


def _audit(db: sa.Engine, username: str, action: str) -> list[Any]:
    with db.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log).where(
                    audit_log.c.username == username, audit_log.c.action == action
                )
            ).mappings()
        )


# --- a customer's recommendations --------------------------------------------------------------


def test_a_customers_products_best_first_with_names_and_reasons(served: Served) -> None:
    customer = served.rows[0]["customer_id"]
    expected = [r for r in served.rows if r["customer_id"] == customer]
    found = customer_recommendations(served.db, served.settings, HQ, customer)
    assert found.run_date == served.as_of
    assert [r.product_id for r in found.rows] == [r["product_id"] for r in expected]
    assert [r.rank for r in found.rows] == list(range(1, len(expected) + 1))
    shelf = product_shelf(served.settings)
    first = found.rows[0]
    assert first.name == shelf[first.product_id]["name"] and first.name
    assert first.risk_level == shelf[first.product_id]["risk_level"]
    assert first.reasons == expected[0]["reasons"] and 0 <= first.score <= 1
    audited = _audit(served.db, HQ.username, "view_recommendations")
    assert audited and audited[-1]["customer_ids"] == customer


def test_a_broker_sees_their_customers_recommendations_and_no_one_elses(
    served: Served, case: Case
) -> None:
    own = next(c for c in sorted(case.mine) if any(r["customer_id"] == c for r in served.rows))
    assert customer_recommendations(served.db, served.settings, case.broker, own).rows
    other = next(c for c in served.customers if c not in case.mine)
    with pytest.raises(NotFound):
        customer_recommendations(served.db, served.settings, case.broker, other)
    with pytest.raises(NotFound):  # the same answer as for a customer who does not exist
        customer_recommendations(served.db, served.settings, case.broker, "C-NO-SUCH")


def test_without_a_run_or_a_suitable_product_the_list_is_empty_and_says_why(
    served: Served,
) -> None:
    listed = {r["customer_id"] for r in served.rows}
    without = next(c for c in served.customers if c not in listed)
    nothing = customer_recommendations(served.db, served.settings, HQ, without)
    assert nothing.run_date == served.as_of and nothing.rows == []  # no suitable product
    with no_recommendations(served.settings, served.as_of):
        no_run = customer_recommendations(served.db, served.settings, HQ, without)
        assert no_run.run_date is None and no_run.rows == []
        targets = product_targets(served.db, served.settings, HQ, served.rows[0]["product_id"])
        assert targets.run_date is None and targets.total == 0
    with pytest.raises(NotFound):  # a date without a run, asked for explicitly
        customer_recommendations(served.db, served.settings, HQ, without, as_of=dt.date(2001, 1, 1))


# --- a product's target customers --------------------------------------------------------------


def test_targets_are_cut_to_the_readers_scope_best_score_first(
    served: Served, case: Case, reader: str
) -> None:
    mine = [r for r in case.targets if r["customer_id"] in case.mine]
    page = product_targets(
        served.db, served.settings, case.broker, case.product, page=1, page_size=200
    )
    assert page.total == len(mine) < len(case.targets)
    assert [r.customer_id for r in page.rows] == [r["customer_id"] for r in mine]
    scores = [r.score for r in page.rows]
    assert scores == sorted(scores, reverse=True)
    everyone = product_targets(served.db, served.settings, HQ, case.product, page_size=200)
    assert everyone.total == len(case.targets)
    assert [r.customer_id for r in everyone.rows] == [r["customer_id"] for r in case.targets[:200]]
    # the rank is the product's place in that customer's own top 10
    row = page.rows[0]
    assert row.rank == mine[0]["rank"] and row.reasons == mine[0]["reasons"]


def test_a_targets_row_reads_like_the_customer_list_names_and_no_personal_data(
    served: Served, case: Case
) -> None:
    page = product_targets(served.db, served.settings, case.broker, case.product, page_size=5)
    snapshot = served_snapshot(served.db)
    with served.db.connect() as connection:
        profile = {
            str(r["customer_id"]): r
            for r in connection.execute(sa.select(snapshot.table)).mappings()
        }
    for row in page.rows:
        shown = profile[row.customer_id]
        assert row.name == shown["name"] and row.branch_id == shown["branch_id"]
        assert row.branch_name and row.branch_name != row.branch_id  # 营业部 by name
        assert row.staff_id in _servicers(served, row.customer_id) and row.staff_name
    assert not {f.name for f in fields(Target)} & PERSONAL_FIELDS


def test_pages_follow_each_other_and_a_bad_page_names_the_parameter(
    served: Served, case: Case
) -> None:
    first = product_targets(served.db, served.settings, HQ, case.product, page=1, page_size=7)
    second = product_targets(served.db, served.settings, HQ, case.product, page=2, page_size=7)
    assert [r.customer_id for r in first.rows + second.rows] == [
        r["customer_id"] for r in case.targets[:14]
    ]
    beyond = product_targets(served.db, served.settings, HQ, case.product, page=10_000)
    assert beyond.rows == [] and beyond.total == len(case.targets)
    for page, size, name in ((0, 10, "page"), (1, 0, "page_size"), (1, 201, "page_size")):
        with pytest.raises(InvalidRequest) as caught:
            product_targets(served.db, served.settings, HQ, case.product, page, size)
        assert caught.value.message.startswith(f"{name}:"), caught.value.message
    with pytest.raises(NotFound):
        product_targets(served.db, served.settings, HQ, "NO-SUCH-PRODUCT")


def test_a_page_of_targets_is_audited_with_its_customers(served: Served, case: Case) -> None:
    page = product_targets(served.db, served.settings, case.broker, case.product, page_size=3)
    audited = _audit(served.db, case.broker.username, "view_product_targets")[-1]
    assert audited["customer_ids"] == ",".join(r.customer_id for r in page.rows)
    assert audited["detail"]["product_id"] == case.product
    assert audited["detail"]["total"] == page.total


class Rows:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.rows: list[list[Any]] = []

    def columns(self, names: Sequence[str]) -> None:
        self.names = list(names)

    def row(self, values: Sequence[Any]) -> None:
        self.rows.append(list(values))


def test_the_export_holds_every_target_in_scope_and_is_audited(
    served: Served, case: Case, reader: str
) -> None:
    sink = Rows()
    done = write_product_targets(served.db, served.settings, case.broker, case.product, sink)
    mine = [r["customer_id"] for r in case.targets if r["customer_id"] in case.mine]
    assert sink.names == list(TARGET_COLUMNS)
    assert [r[0] for r in sink.rows] == mine and done.count == len(mine)
    reasons = sink.rows[0][TARGET_COLUMNS.index("reasons")]
    assert isinstance(reasons, str) and reasons  # the sentences joined, one cell
    audited = _audit(served.db, case.broker.username, "export")[-1]
    assert audited["detail"]["kind"] == "product_targets"
    assert audited["customer_count"] == len(mine)
    admin = Principal(9, "rec_admin", "A", Role.ADMIN)
    with pytest.raises(Forbidden):
        write_product_targets(served.db, served.settings, admin, case.product, Rows())


# --- a segment of a product's targets ----------------------------------------------------------


def test_a_segment_of_targets_holds_the_targets_in_the_readers_scope(
    served: Served, case: Case, reader: str
) -> None:
    broker = _user(served, case.broker)
    segment = save_targets_segment(served.db, served.settings, broker, case.product)
    assert segment.conditions[0].field == "recommended_product"
    assert "产品推荐目标客户" in segment.name
    mine = {r["customer_id"] for r in case.targets if r["customer_id"] in case.mine}
    members: set[str] = set()
    number = 1
    while True:
        found = segment_members(
            served.db,
            broker,
            segment.segment_id,
            page=number,
            page_size=200,
            settings=served.settings,
        )
        members |= {str(r["customer_id"]) for r in found.rows}
        if number * 200 >= found.total:
            break
        number += 1
    assert members == mine and found.total == len(mine)
    assert segment_count(served.db, broker, segment.segment_id, served.settings) == len(mine)
    audited = _audit(served.db, broker.username, "save_targets_segment")[-1]
    assert audited["detail"]["segment_id"] == segment.segment_id
    with pytest.raises(InvalidRequest):  # without the run's whereabouts: refused, never wrong
        segment_count(served.db, broker, segment.segment_id)


# --- the gate's report -------------------------------------------------------------------------


def test_the_gate_report_is_for_compliance_and_head_office_with_counts_per_reason(
    served: Served, case: Case
) -> None:
    report = recommendation_report(served.db, served.settings, COMPLIANCE)
    assert report.run_date == served.as_of
    names = [reason for reason, _ in report.removed]
    assert names == [r for r in GATE_REASONS if r in names]  # in the gate's order
    assert dict(report.removed)["risk_above_class"] == 5678
    assert report.shown == len(served.rows)
    assert recommendation_report(served.db, served.settings, HQ).removed == report.removed
    with pytest.raises(Forbidden):
        recommendation_report(served.db, served.settings, case.broker)
    assert _audit(served.db, COMPLIANCE.username, "view_recommendation_report")
