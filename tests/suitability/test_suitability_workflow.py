"""The mismatch workflow in the operational store, on SQLite and on PostgreSQL: every check
kept; a confirmation without a prior warning refused; a call-back for a high-risk sale to an
ordinary investor; investor class requests recorded and decided."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from suitability_rows import customer, product

from brokerlens.config import Settings
from brokerlens.errors import NotFound
from brokerlens.store import open_store
from brokerlens.store.schema import metadata
from brokerlens.store.suitability_schema import suitability_checks
from brokerlens.suitability.errors import WorkflowError
from brokerlens.suitability.investor_class import assess_class
from brokerlens.suitability.matching import check
from brokerlens.suitability.rules import default_rules
from brokerlens.suitability.workflow import (
    checks_of,
    complete_callback,
    confirm,
    decide_class_request,
    due_callbacks,
    effective_class,
    get_check,
    record_check,
    record_sale,
    request_class,
    show_warning,
    treatments,
    with_effective_class,
)

RULES = default_rules()
TODAY = dt.date(2025, 3, 18)


def test_the_migration_creates_the_tables_as_declared(store_settings: Settings) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db = open_store(store_settings)
    with db.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), metadata)
    ours = ("suitability_checks", "suitability_events", "investor_class_requests")
    assert [d for d in diffs if any(name in repr(d) for name in ours)] == []
    assert set(ours) <= set(sa.inspect(db).get_table_names())


def test_mismatch_warned_confirmed_sold_and_called_back(store_settings: Settings) -> None:
    db = open_store(store_settings)
    result = check(customer("C3"), product("R4"), RULES)
    assert result.verdict == "mismatch" and result.callback_required
    check_id = record_check(db, result, by="broker1", branch_id="B1", as_of=TODAY)
    with pytest.raises(WorkflowError, match="not confirmed by the customer"):
        record_sale(db, check_id, by="broker1", rules=RULES, today=TODAY)
    show_warning(db, check_id, by="broker1")
    confirm(db, check_id, by="broker1", note="客户签字确认")
    events = record_sale(db, check_id, by="broker1", rules=RULES, today=TODAY)
    assert [e.kind for e in events] == ["sale_recorded", "callback_scheduled"]
    assert events[1].due_date == dt.date(2025, 3, 23)
    kept = get_check(db, check_id)
    assert (kept.checked_by, kept.customer_id, kept.verdict) == ("broker1", "C1", "mismatch")
    assert any("高于 C3 稳健型" in r["text"] for r in kept.reasons)
    kinds = [e.kind for e in kept.events]
    assert kinds == ["warning_shown", "confirmed", "sale_recorded", "callback_scheduled"]
    assert [e.check_id for e in due_callbacks(db, dt.date(2025, 3, 23))] == [check_id]
    assert due_callbacks(db, dt.date(2025, 3, 22)) == []
    complete_callback(db, check_id, by="service1", note="已回访, 客户知悉风险")
    assert due_callbacks(db, dt.date(2025, 3, 30)) == []


def test_confirmation_without_a_prior_warning_is_refused(store_settings: Settings) -> None:
    db = open_store(store_settings)
    first = record_check(db, check(customer("C2"), product("R3"), RULES), by="b")
    second = record_check(db, check(customer("C2"), product("R3"), RULES), by="b")
    show_warning(db, second, by="b")  # a warning for another check does not count
    with pytest.raises(WorkflowError, match=f"check {first}: no risk warning was shown"):
        confirm(db, first, by="b")
    assert [e.kind for e in get_check(db, first).events] == []


def test_forbidden_allows_no_warning_nor_sale(store_settings: Settings) -> None:
    db = open_store(store_settings)
    lowest = customer("C1", lowest_reasons=("q7=A 不能承受任何投资损失",))
    check_id = record_check(db, check(lowest, product("R2"), RULES), by="b")
    with pytest.raises(WorkflowError, match="only a mismatch is warned"):
        show_warning(db, check_id, by="b")
    with pytest.raises(WorkflowError, match="forbidden: the sale may not go ahead") as caught:
        record_sale(db, check_id, by="b", rules=RULES)
    assert "最低类别" in str(caught.value)


def test_every_check_is_kept_and_a_match_sells_without_callback(store_settings: Settings) -> None:
    db = open_store(store_settings)
    matched = record_check(db, check(customer("C5"), product("R3"), RULES), by="b")
    assert [e.kind for e in record_sale(db, matched, by="b", rules=RULES)] == ["sale_recorded"]
    with pytest.raises(WorkflowError, match="nothing to confirm"):
        confirm(db, matched, by="b")
    record_check(db, check(customer("C5"), product("R5"), RULES), by="b")
    history = checks_of(db, "C1")
    assert [(c.target_id, c.verdict) for c in history] == [("P1", "match"), ("P1", "match")]
    assert history[1].callback_required
    with db.connect() as connection:
        assert (
            connection.execute(sa.select(sa.func.count()).select_from(suitability_checks)).scalar()
            == 2
        )
    with pytest.raises(NotFound, match="check 999 does not exist"):
        get_check(db, 999)


def test_class_requests_change_the_treatment(store_settings: Settings) -> None:
    db = open_store(store_settings)
    person = customer(
        "C3", total_assets=3_500_000.0, first_seen=dt.date(2020, 1, 2),
        open_date=dt.date(2020, 1, 2), history_start=dt.date(2020, 1, 2),
    )  # fmt: skip
    data = assess_class(person, RULES)
    assert data.outcome == "may_apply"
    request = request_class(db, person, "to_professional", by="b", assessment=data)
    assert effective_class(db, "C1", "ordinary") == "ordinary"  # pending
    assert treatments(db) == {}
    decide_class_request(db, request, approve=True, by="compliance")
    treated = with_effective_class(db, person)
    assert treated.professional
    assert treatments(db) == {person.customer_id: "professional"}
    assert check(treated, product("R5"), RULES).verdict == "match"
    with pytest.raises(WorkflowError, match="already approved"):
        decide_class_request(db, request, approve=False, by="compliance")
    with pytest.raises(WorkflowError, match="already treated as professional"):
        request_class(db, person, "to_professional", by="b")
    back = request_class(db, person, "to_ordinary", by="b", evidence="书面申请")
    decide_class_request(db, back, approve=True, by="compliance")
    assert not with_effective_class(db, person).professional
    assert treatments(db) == {person.customer_id: "ordinary"}  # the newest decision


def test_approving_against_the_data_needs_a_note(store_settings: Settings) -> None:
    db = open_store(store_settings)
    poor = customer("C3", total_assets=10_000.0)
    request = request_class(
        db, poor, "to_professional", by="b", assessment=assess_class(poor, RULES)
    )
    with pytest.raises(WorkflowError, match="the data does not show the criteria"):
        decide_class_request(db, request, approve=True, by="compliance")
    decide_class_request(db, request, approve=True, by="compliance", note="收入证明 2022-2024")
    assert effective_class(db, "C1", "ordinary") == "professional"
