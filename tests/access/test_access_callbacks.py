"""Call-backs (回访) through the access layer, on SQLite and PostgreSQL: the work list for
callers only, overdue first, with its filters; a call recorded against the kind's script;
unreachable after the attempts allowed; independence from the customer's own staff; issues
found becoming a complaint or a suitability review; the high-risk sale's call-back closing its
suitability check; manual tasks, assignment, the 360's panel, the report, the quota; and
records inside their retention period that neither the service nor a raw DELETE removes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from access.builders import World
from brokerlens.access import suitability as suitability_service
from brokerlens.access.callback_quota import quota_progress
from brokerlens.access.callback_report import callback_report
from brokerlens.access.callback_tasks import schedule_callback
from brokerlens.access.callbacks import (
    AttemptInput,
    CallbackQuery,
    CallbackRejected,
    assign_callback,
    create_manual,
    customer_callbacks,
    get_callback,
    list_callbacks,
    purge_callbacks,
    record_attempt,
)
from brokerlens.access.records import beijing_date, utc_now
from brokerlens.auth.principal import Permission, Principal, Role
from brokerlens.compliance.callbacks.config import load_config
from brokerlens.errors import Conflict, Forbidden, NotFound
from brokerlens.store.compliance_schema import callback_attempts, callbacks, complaints, work_orders
from brokerlens.store.schema import audit_log, users
from brokerlens.store.suitability_schema import suitability_checks
from brokerlens.suitability.workflow import get_check

NOW = dt.datetime(2025, 3, 17, 2, 0, tzinfo=dt.UTC)  # 10:00 Beijing
TODAY = dt.date(2025, 3, 17)
CONFIG = load_config()
NEW_ACCOUNT = {"own_account": "yes", "risk_disclosed": "yes", "promised_return": "no"}


def _caller(world: World, name: str = "caller", staff_id: str | None = None) -> Principal:
    """A call-centre user (the built world has none)."""
    with world.engine.begin() as connection:
        user_id = connection.execute(
            users.insert()
            .values(
                username=name,
                display_name=name.title(),
                role=str(Role.CALL_CENTER),
                staff_id=staff_id,
                permissions=[],
                password_hash="x",
                active=True,
                failed_logins=0,
                must_change_password=False,
                created_at=NOW,
                language="zh",
            )
            .returning(users.c.user_id)
        ).scalar_one()
    return Principal(user_id, name, name.title(), Role.CALL_CENTER, staff_id=staff_id)


def _task(
    world: World, customer_id: str, due: dt.date, kind: str = "new_account", ref: str = "2025-03-01"
) -> int:
    branch = {"C001": "B1", "C004": "B1", "C006": "B2", "C007": "B3", "C010": "B1"}[customer_id]
    with world.engine.begin() as connection:
        made = schedule_callback(
            connection,
            world.who("compliance"),
            customer_id=customer_id,
            kind=kind,
            source_ref=ref,
            due_date=due,
            branch_id=branch,
            config=CONFIG,
            today=dt.date(2025, 3, 1),
        )
    assert made is not None
    return made


def _audit(world: World, action: str) -> list[Any]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(sa.select(audit_log).where(audit_log.c.action == action))
            .mappings()
            .all()
        )


def _reached(**changes: Any) -> AttemptInput:
    return AttemptInput(
        **{"outcome": "reached", "answers": {**NEW_ACCOUNT, "password_own": "yes"}, **changes}
    )


def test_the_work_list_is_for_callers_overdue_first_with_filters(world: World) -> None:
    soon = _task(world, "C004", TODAY + dt.timedelta(days=3))
    late = _task(world, "C001", TODAY - dt.timedelta(days=2))
    later = _task(world, "C007", TODAY + dt.timedelta(days=40), "annual_sample", "2025")
    caller = _caller(world)
    found = list_callbacks(world.engine, caller, CallbackQuery(), today=TODAY)
    assert [t.callback_id for t in found.tasks] == [late, soon, later] and found.total == 3
    first = found.tasks[0]
    assert first.overdue and first.days_left == -2 and first.customer_name == "张三"
    assert not found.tasks[1].overdue and found.tasks[1].days_left == 3

    def ids(**query: Any) -> list[int]:
        page = list_callbacks(world.engine, caller, CallbackQuery(**query), today=TODAY)
        return [t.callback_id for t in page.tasks]

    assert ids(due="overdue") == [late]
    assert ids(due="soon", within_days=7) == [late, soon]
    assert ids(kind="annual_sample") == [later]
    assert ids(branch_id="B3") == [later]
    assert ids(mine=True) == []
    assert ids(page_size=1, page=2) == [soon]
    with pytest.raises(CallbackRejected) as bad:
        ids(kind="birthday")
    assert bad.value.field == "kind"
    read = _audit(world, "view_callbacks")[0]
    assert read["username"] == "caller" and read["customer_ids"] == "C001,C004,C007"
    for name in ("broker", "branch", "hq"):
        with pytest.raises(Forbidden):
            list_callbacks(world.engine, world.who(name), CallbackQuery(), today=TODAY)


def test_a_reached_call_is_checked_against_the_script_and_completes(world: World) -> None:
    task = _task(world, "C001", TODAY + dt.timedelta(days=10))
    caller = _caller(world)
    with pytest.raises(CallbackRejected) as missing:
        record_attempt(world.engine, None, caller, task, _reached(answers=NEW_ACCOUNT), now=NOW)
    assert missing.value.field == "answers.password_own" and missing.value.problem == "required"
    wrong = {**NEW_ACCOUNT, "password_own": "maybe"}
    with pytest.raises(CallbackRejected) as bad:
        record_attempt(world.engine, None, caller, task, _reached(answers=wrong), now=NOW)
    assert bad.value.field == "answers.password_own" and "yes, no" in bad.value.problem
    promised = {**NEW_ACCOUNT, "promised_return": "yes", "password_own": "yes"}
    done = record_attempt(
        world.engine, None, caller, task, _reached(answers=promised, note="客户在家"), now=NOW
    )
    assert done.task.status == "completed" and done.task.result == "reached"
    assert done.task.answers == promised and done.task.attempts == 1
    assert done.task.issues == "经纪人是否向您承诺过收益或保本？：有"  # the flagged answer
    assert done.task.closed_by == "caller" and [a.outcome for a in done.attempts] == ["reached"]
    assert done.blocked is not None  # closed: no more attempts
    with pytest.raises(Conflict):
        record_attempt(world.engine, None, caller, task, _reached(), now=NOW)
    audited = _audit(world, "callback_attempt")
    status = [(a["customer_ids"], a["detail"]["callback_status"]) for a in audited]
    assert status == [("C001", "completed")]


def test_not_reached_three_times_is_unreachable(world: World) -> None:
    task = _task(world, "C004", TODAY)
    caller = _caller(world)
    for n in range(1, CONFIG.max_attempts + 1):
        with pytest.raises(CallbackRejected):  # no answers without reaching the customer
            record_attempt(
                world.engine,
                None,
                caller,
                task,
                AttemptInput("not_reached", answers={"own_account": "yes"}),
                now=NOW,
            )
        found = record_attempt(
            world.engine, None, caller, task, AttemptInput("not_reached", note="无人接听"), now=NOW
        )
        assert found.task.attempts == n
    assert found.task.status == "unreachable" and found.task.result == "not_reached"
    assert [a.note for a in found.attempts] == ["无人接听"] * CONFIG.max_attempts


def test_the_customers_own_staff_may_not_make_the_call(world: World) -> None:
    task = _task(world, "C010", TODAY)  # A1 is C010's advisor
    own = _caller(world, "own", staff_id="A1")
    shown = get_callback(world.engine, None, own, task, today=TODAY)
    assert shown.blocked is not None and "advisor" in shown.blocked
    with pytest.raises(Forbidden) as refused:
        record_attempt(world.engine, None, own, task, AttemptInput("not_reached"), now=NOW)
    assert "independently" in refused.value.message
    other = _caller(world, "other", staff_id="S4")  # serves nobody of B1
    assert get_callback(world.engine, None, other, task, today=TODAY).blocked is None
    record_attempt(world.engine, None, other, task, AttemptInput("not_reached"), now=NOW)


def test_issues_found_become_a_complaint_or_a_review(world: World) -> None:
    first = _task(world, "C001", TODAY)
    second = _task(world, "C004", TODAY)
    caller = _caller(world)
    with pytest.raises(CallbackRejected) as no_category:
        record_attempt(
            world.engine,
            None,
            caller,
            first,
            _reached(issues="经纪人承诺保本", follow_up="complaint"),
            now=NOW,
        )
    assert no_category.value.field == "complaint_category"
    done = record_attempt(
        world.engine,
        None,
        caller,
        first,
        _reached(issues="经纪人承诺保本", follow_up="complaint", complaint_category="服务态度"),
        now=NOW,
    )
    assert done.task.follow_up is not None and done.task.follow_up.startswith("complaint:W")
    reviewed = record_attempt(
        world.engine,
        None,
        caller,
        second,
        _reached(issues="客户不知悉产品风险", follow_up="review"),
        now=NOW,
    )
    with world.engine.connect() as connection:
        filed = connection.execute(sa.select(complaints)).mappings().one()
        order = connection.execute(sa.select(work_orders)).mappings().one()
    assert done.task.follow_up == f"complaint:{filed['complaint_id']}"
    assert (filed["customer_id"], filed["category"], filed["content"]) == (
        "C001",
        "服务态度",
        "经纪人承诺保本",
    )
    assert reviewed.task.follow_up == f"work_order:{order['order_id']}"
    assert (order["assignee"], order["customer_id"], order["source"]) == (
        "branch",  # C004's branch manager (B1)
        "C004",
        f"callback:{second}",
    )


def test_a_high_risk_sale_schedules_its_call_back_and_completing_it_closes_the_check(
    world: World,
) -> None:
    broker = world.who("broker")
    with world.engine.begin() as connection:
        check_id = connection.execute(
            suitability_checks.insert()
            .values(
                at=NOW,
                checked_by="broker",
                customer_id="C001",
                branch_id="B1",
                target_kind="product",
                target_id="P9",
                target_name="高收益1号",
                target_grade="R4",
                context="purchase",
                risk_class="C4",
                professional=False,
                verdict="match",
                reasons=[],
                callback_required=True,
            )
            .returning(suitability_checks.c.check_id)
        ).scalar_one()
    suitability_service.record_sale(world.engine, world.settings, broker, check_id)
    with world.engine.connect() as connection:
        task = connection.execute(sa.select(callbacks)).mappings().one()
    today = beijing_date(utc_now())
    assert (task["kind"], task["source_ref"], task["customer_id"], task["branch_id"]) == (
        "high_risk_sale",
        str(check_id),
        "C001",
        "B1",
    )
    assert task["due_date"] > today and task["status"] == "pending"
    answers = {"knows_risk_level": "yes", "warning_received": "yes", "own_decision": "yes"}
    record_attempt(
        world.engine,
        world.settings,
        _caller(world),
        task["callback_id"],
        AttemptInput("reached", answers=answers),
    )
    assert get_check(world.engine, check_id).has("callback_done")


def test_manual_tasks_assignment_and_the_360_panel(world: World) -> None:
    compliance, caller = world.who("compliance"), _caller(world)
    with pytest.raises(Forbidden):
        create_manual(world.engine, None, caller, "C001", TODAY, now=NOW)
    made = create_manual(world.engine, None, compliance, "C001", TODAY, reason="客户来电", now=NOW)
    again = create_manual(world.engine, None, compliance, "C001", TODAY, now=NOW)
    assert (made.kind, made.source_ref, again.source_ref) == ("manual", "1", "2")
    with pytest.raises(CallbackRejected):
        assign_callback(world.engine, compliance, made.callback_id, "broker")
    given = assign_callback(world.engine, compliance, made.callback_id, "caller")
    assert given.assigned_to == "caller"
    mine = list_callbacks(world.engine, caller, CallbackQuery(mine=True), today=TODAY)
    assert [t.callback_id for t in mine.tasks] == [made.callback_id]
    record_attempt(
        world.engine,
        None,
        caller,
        made.callback_id,
        AttemptInput("reached", answers={"customer_confirmed": "no"}),
        now=NOW,
    )
    panel = customer_callbacks(world.engine, world.who("broker"), "C001", today=TODAY)
    assert [t.callback_id for t in panel.tasks] == [again.callback_id, made.callback_id]
    assert not panel.full and panel.tasks[1].answers is None and panel.tasks[1].issues is None
    full = customer_callbacks(world.engine, compliance, "C001", today=TODAY)
    assert full.may_create and full.tasks[1].answers == {"customer_confirmed": "no"}
    with pytest.raises(NotFound):
        customer_callbacks(world.engine, world.who("broker2"), "C001", today=TODAY)
    assert _audit(world, "view_customer_callbacks")[0]["customer_ids"] == "C001"
    assert _audit(world, "create_callback")[0]["detail"]["reason"] == "客户来电"


def test_the_report_by_branch_and_month_and_the_quota(world: World) -> None:
    _task(world, "C001", TODAY - dt.timedelta(days=1))  # overdue
    done = _task(world, "C004", TODAY + dt.timedelta(days=5))
    sample = _task(world, "C007", dt.date(2025, 12, 31), "annual_sample", "2025")
    caller = _caller(world)
    record_attempt(world.engine, None, caller, done, _reached(), now=NOW)
    report = callback_report(world.engine, caller, 2025, today=TODAY)
    by = {(r.branch_id, r.month): r for r in report.rows}
    assert set(by) == {("B1", 3), ("B3", 3)}
    assert (by["B1", 3].made, by["B1", 3].completed, by["B1", 3].overdue) == (2, 1, 1)
    assert by["B1", 3].rate == 0.5 and report.total.made == 3
    before = {r.branch_id: r for r in quota_progress(world.engine, caller, 2025).rows}
    # the served customers per branch: B1 six, B2 two, B3 two; 10% rounded up: one each
    assert {b: (r.base, r.quota) for b, r in before.items()} == {
        "B1": (6, 1),
        "B2": (2, 1),
        "B3": (2, 1),
    }
    assert before["B3"].sampled == 1 and before["B3"].reached == 0
    answers = {"own_trading": "yes", "promised_return": "no", "service_satisfaction": "satisfied"}
    record_attempt(
        world.engine, None, caller, sample, AttemptInput("reached", answers=answers), now=NOW
    )
    after = {r.branch_id: r for r in quota_progress(world.engine, caller, 2025).rows}
    assert (after["B3"].reached, after["B3"].remaining, after["B3"].pct) == (1, 0, 1.0)
    with pytest.raises(Forbidden):
        callback_report(world.engine, world.who("branch"), 2025, today=TODAY)


def test_records_inside_retention_are_not_deleted(world: World) -> None:
    kept = _task(world, "C001", TODAY)
    record_attempt(world.engine, None, _caller(world), kept, AttemptInput("not_reached"), now=NOW)
    compliance = world.who("compliance")
    with pytest.raises(Forbidden) as refused:
        purge_callbacks(world.engine, None, compliance, TODAY, today=TODAY)
    assert "2028-03-16" in refused.value.message  # kept until: three years
    with pytest.raises(Forbidden):  # only compliance purges
        purge_callbacks(world.engine, None, _caller(world, "c2"), dt.date(2020, 1, 1))
    for table, key in ((callback_attempts, "callback_id"), (callbacks, "callback_id")):
        with pytest.raises(sa.exc.DBAPIError), world.engine.begin() as connection:
            connection.execute(sa.delete(table).where(table.c[key] == kept))  # the trigger
    with world.engine.begin() as connection:  # a record made long ago, past its retention
        connection.execute(
            callbacks.insert().values(
                customer_id="C004",
                kind="new_account",
                source_ref="2019-01-01",
                created_on=dt.date(2019, 1, 1),
                due_date=dt.date(2019, 1, 31),
                status="completed",
                attempts=1,
                created_by="run",
                keep_until=dt.date(2022, 1, 1),
            )
        )
    assert purge_callbacks(world.engine, None, compliance, dt.date(2020, 1, 1)) == 1
    with world.engine.connect() as connection:
        left = connection.execute(sa.select(callbacks.c.callback_id)).scalars().all()
    assert left == [kept]
    assert _audit(world, "purge_callbacks")[0]["detail"] == {"before": "2020-01-01", "deleted": 1}


def test_a_customer_out_of_scope_is_no_task(world: World) -> None:
    task = _task(world, "C007", TODAY)
    limited = dataclasses.replace(world.who("compliance"), role=Role.REGION_MANAGER, unit_id="R1")
    extra = dataclasses.replace(limited, extra_permissions=frozenset({Permission.CALLBACKS}))
    assert list_callbacks(world.engine, extra, CallbackQuery(), today=TODAY).total == 0
    with pytest.raises(NotFound):
        get_callback(world.engine, None, extra, task, today=TODAY)
    with pytest.raises(NotFound):
        get_callback(world.engine, None, world.who("compliance"), 999, today=TODAY)
