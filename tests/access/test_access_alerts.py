"""The alert inbox through the access layer, on SQLite and PostgreSQL: scope (a broker never sees
another's customers' alerts), filters and paging, the state machine with who/when/note, the
home counts, a customer's recent alerts and the audited export. Alert rows are built by hand."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from access.builders import AS_OF, EXPECTED, PREVIOUS, World
from brokerlens.access.alerts import (
    AlertQuery,
    AlertRefused,
    alert_counts,
    change_status,
    customer_alerts,
    export_alerts,
    get_alert,
    list_alerts,
)
from brokerlens.auth.principal import Permission, Role
from brokerlens.errors import ConfigError, Forbidden, InvalidRequest, NotFound
from brokerlens.store.alerts_schema import alert_actions, alerts
from brokerlens.store.schema import audit_log

# customer, branch, alert, date
ALERTS = [
    ("C001", "B1", "fund_movement", AS_OF),
    ("C001", "B1", "no_trade", PREVIOUS),
    ("C002", "B1", "heavy_loss", AS_OF),
    ("C003", "B1", "no_trade", AS_OF),
    ("C006", "B2", "no_trade", AS_OF),
    ("C007", "B3", "large_assets", PREVIOUS),
    ("C010", "B1", "fund_movement", PREVIOUS),
]
ALERTED = {c for c, *_ in ALERTS}


def _explanation(customer: str, alert: str) -> dict[str, Any]:
    return {
        "figures": {"total_assets_t": 123_456.0},
        "thresholds": {"min_assets": 10_000.0},
        "zh": f"{customer} {alert} 触发：总资产 123,456 ≥ 10,000",
        "en": f"{customer} {alert} fired: total assets 123,456 >= 10,000",
    }


def _insert(world: World) -> dict[tuple[str, str, dt.date], int]:
    now = dt.datetime(2025, 3, 14, 18, 0, tzinfo=dt.UTC)
    ids = {}
    with world.engine.begin() as connection:
        for customer, branch, alert, day in ALERTS:
            ids[(customer, alert, day)] = connection.execute(
                alerts.insert()
                .values(
                    as_of_date=day,
                    customer_id=customer,
                    branch_id=branch,
                    alert_id=alert,
                    explanation=_explanation(customer, alert),
                    created_at=now,
                )
                .returning(alerts.c.alert_row_id)
            ).scalar_one()
    return ids


def _all(world: World, who: str, **query: Any) -> list[dict[str, Any]]:
    return list_alerts(world.engine, world.who(who), AlertQuery(page_size=200, **query)).rows


def _audit(world: World, action: str) -> list[Any]:
    with world.engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.at)
            ).mappings()
        )


def test_each_role_sees_the_alerts_of_its_customers_only(world: World) -> None:
    _insert(world)
    for who, customers in EXPECTED.items():
        seen = {r["customer_id"] for r in _all(world, who)}
        assert seen == customers & ALERTED, who
    broker_rows = _all(world, "broker")
    assert len(broker_rows) == 3  # C001 twice, C002 once
    assert {r["name"] for r in broker_rows} == {"张三", "李四"}


def test_a_broker_cannot_read_or_change_another_brokers_alert(world: World) -> None:
    ids = _insert(world)
    theirs = ids[("C003", "no_trade", AS_OF)]  # S2's customer
    broker = world.who("broker")
    with pytest.raises(NotFound) as hidden:
        get_alert(world.engine, broker, theirs)
    with pytest.raises(NotFound) as missing:
        get_alert(world.engine, broker, 999_999)
    assert hidden.value.message.replace(str(theirs), "X") == missing.value.message.replace(
        "999999", "X"
    )
    with pytest.raises(NotFound):
        change_status(world.engine, broker, theirs, "acknowledged")
    assert get_alert(world.engine, world.who("broker2"), theirs).status == "new"
    assert _all(world, "broker", customer_id="C003") == []
    with pytest.raises(NotFound):
        customer_alerts(world.engine, broker, "C003")


def test_newest_first_filters_and_paging(world: World) -> None:
    _insert(world)
    rows = _all(world, "hq")
    assert len(rows) == len(ALERTS)
    dates = [r["as_of_date"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    assert {r["alert_id"] for r in _all(world, "hq", alert_id="no_trade")} == {"no_trade"}
    assert len(_all(world, "hq", alert_id="no_trade")) == 3
    assert {r["customer_id"] for r in _all(world, "hq", customer_id="C001")} == {"C001"}
    assert {r["as_of_date"] for r in _all(world, "hq", date_from=AS_OF)} == {AS_OF}
    assert {r["as_of_date"] for r in _all(world, "hq", date_to=PREVIOUS)} == {PREVIOUS}
    page = list_alerts(world.engine, world.who("hq"), AlertQuery(page=2, page_size=3))
    assert page.total == len(ALERTS) and [r["alert_row_id"] for r in page.rows] == [
        r["alert_row_id"] for r in rows[3:6]
    ]
    explained = rows[0]["explanation"]
    assert explained["figures"] and explained["thresholds"] and "触发" in explained["zh"]
    with pytest.raises(ValidationError, match="status must be one of"):
        AlertQuery(status="done")
    with pytest.raises(InvalidRequest, match="date_from"):
        _all(world, "hq", date_from=AS_OF, date_to=PREVIOUS)


def test_the_state_machine_records_who_when_and_the_note(world: World) -> None:
    ids = _insert(world)
    row_id = ids[("C001", "fund_movement", AS_OF)]
    broker = world.who("broker")
    before = dt.datetime.now(dt.UTC)
    with pytest.raises(AlertRefused, match="is new: it cannot become handled"):
        change_status(world.engine, broker, row_id, "handled")
    with pytest.raises(AlertRefused):
        change_status(world.engine, broker, row_id, "dismissed", "no")
    assert get_alert(world.engine, broker, row_id).status == "new"

    done = change_status(world.engine, broker, row_id, "acknowledged", "  called the customer  ")
    assert done.status == "acknowledged" and done.status_by == "broker"
    assert done.note == "called the customer"
    assert before <= _aware(done.status_at) <= dt.datetime.now(dt.UTC)
    with pytest.raises(AlertRefused):
        change_status(world.engine, broker, row_id, "acknowledged")
    with pytest.raises(InvalidRequest, match="note: say why"):
        change_status(world.engine, broker, row_id, "dismissed", "   ")
    with pytest.raises(InvalidRequest, match="status"):
        change_status(world.engine, broker, row_id, "closed")
    done = change_status(world.engine, broker, row_id, "dismissed", "transfer was planned")
    assert done.status == "dismissed" and done.note == "transfer was planned"
    with pytest.raises(AlertRefused, match="is dismissed: it cannot become handled"):
        change_status(world.engine, broker, row_id, "handled")
    steps = [(a["from_status"], a["to_status"], a["username"], a["note"]) for a in done.actions]
    assert steps == [
        ("new", "acknowledged", "broker", "called the customer"),
        ("acknowledged", "dismissed", "broker", "transfer was planned"),
    ]
    with world.engine.connect() as connection:
        kept = connection.execute(
            sa.select(sa.func.count()).where(alert_actions.c.alert_row_id == row_id)
        ).scalar_one()
    assert kept == 2  # the refused moves left nothing behind
    audited = _audit(world, "alert_acknowledged") + _audit(world, "alert_dismissed")
    assert [a["username"] for a in audited] == ["broker", "broker"]
    assert all(a["customer_ids"] == "C001" for a in audited)
    assert audited[0]["detail"]["alert_row_id"] == row_id


def test_acknowledged_then_handled_by_a_branch_manager(world: World) -> None:
    ids = _insert(world)
    row_id = ids[("C003", "no_trade", AS_OF)]
    branch = world.who("branch")
    change_status(world.engine, world.who("broker2"), row_id, "acknowledged")
    done = change_status(world.engine, branch, row_id, "handled")
    assert done.status_by == "branch" and done.note is None
    assert [a["username"] for a in done.actions] == ["broker2", "branch"]
    assert {r["alert_row_id"] for r in _all(world, "hq", status="handled")} == {row_id}


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)  # SQLite drops the zone


def test_counts_by_alert_and_status_in_scope(world: World) -> None:
    ids = _insert(world)
    change_status(
        world.engine, world.who("broker"), ids[("C002", "heavy_loss", AS_OF)], "acknowledged"
    )
    assert alert_counts(world.engine, world.who("broker")) == {
        "fund_movement": {"new": 1},
        "heavy_loss": {"acknowledged": 1},
        "no_trade": {"new": 1},
    }
    assert alert_counts(world.engine, world.who("broker"), "new") == {
        "fund_movement": {"new": 1},
        "no_trade": {"new": 1},
    }
    hq = alert_counts(world.engine, world.who("hq"), "new")
    assert sum(v["new"] for v in hq.values()) == len(ALERTS) - 1
    assert alert_counts(world.engine, world.who("admin")) == {}


def test_a_customers_recent_alerts_newest_first(world: World) -> None:
    _insert(world)
    rows = customer_alerts(world.engine, world.who("broker"), "C001")
    assert [(r.alert_id, r.as_of_date) for r in rows] == [
        ("fund_movement", AS_OF),
        ("no_trade", PREVIOUS),
    ]


def test_the_export_is_scoped_masked_and_audited(world: World) -> None:
    ids = _insert(world)
    broker = world.who("broker")
    change_status(
        world.engine, broker, ids[("C001", "fund_movement", AS_OF)], "acknowledged", "=SUM(A1)"
    )
    name, text = export_alerts(world.engine, world.settings, broker, AlertQuery())
    assert name.startswith(f"alerts_{AS_OF.isoformat()}_") and name.endswith(".csv")
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].split(",")[:3] == ["as_of_date", "customer_id", "name"]
    assert len(lines) == 1 + 3
    assert all(("C001" in line or "C002" in line) for line in lines[1:])
    assert "'=SUM(A1)" in text  # a note is never run as a spreadsheet formula
    assert "触发" in text  # the explanation in the user's language (zh)
    exports = _audit(world, "export")
    assert len(exports) == 1
    assert exports[0]["detail"]["kind"] == "alerts" and exports[0]["detail"]["count"] == 3
    assert sorted(exports[0]["customer_ids"].split(",")) == ["C001", "C002"]
    assert exports[0]["customer_count"] == 2  # each customer once, however many alerts
    english = dataclasses.replace(broker, language="en")
    _, text = export_alerts(
        world.engine, world.settings, english, AlertQuery(alert_id="heavy_loss")
    )
    assert "fired" in text and len(text.strip().splitlines()) == 2


def test_the_export_needs_the_permission_and_respects_the_limit(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _insert(world)
    hq = world.who("hq")
    no_export = dataclasses.replace(hq, role=Role.ADMIN)
    assert not no_export.can(Permission.EXPORT)
    with pytest.raises(Forbidden, match="export permission"):
        export_alerts(world.engine, world.settings, no_export, AlertQuery())
    monkeypatch.setattr("brokerlens.access.exports.MAX_EXPORT_ROWS", 3)
    with pytest.raises(InvalidRequest, match="more than the 3 allowed"):
        export_alerts(world.engine, world.settings, hq, AlertQuery())
    assert _audit(world, "export") == []  # a refused export leaves no trace of data taken


def test_who_may_edit_thresholds_and_the_save_is_audited(world: World) -> None:
    from brokerlens.access.alerts import save_thresholds, threshold_overview
    from brokerlens.alerts import load_alerts, thresholds_for

    branch = world.who("branch")  # manager of B1
    params = {"min_days": 20}
    for who, target in (("broker", "B1"), ("region", "B1"), ("branch", "B2"), ("branch", None)):
        with pytest.raises(Forbidden):
            save_thresholds(
                world.engine, world.settings, world.who(who), "no_trade", target, params
            )
    with pytest.raises(InvalidRequest, match="branch_id: no branch 'T1'"):
        save_thresholds(world.engine, world.settings, world.who("hq"), "no_trade", "T1", params)
    with pytest.raises(ConfigError, match="unknown threshold 'days'"):
        save_thresholds(world.engine, world.settings, branch, "no_trade", "B1", {"days": 20})
    assert load_alerts(world.settings).version == 0  # nothing refused was saved

    saved = save_thresholds(world.engine, world.settings, branch, "no_trade", "B1", params)
    assert saved.version == 1 and saved.params == {"min_days": 20.0}
    hq = save_thresholds(
        world.engine, world.settings, world.who("hq"), "no_trade", None, {"min_assets": 5000}
    )
    assert hq.version == 2
    alert_set = load_alerts(world.settings)
    assert thresholds_for(alert_set, "no_trade", "B1") == {"min_days": 20.0, "min_assets": 5000.0}
    assert thresholds_for(alert_set, "no_trade", "B2")["min_days"] == 30.0
    audited = _audit(world, "alert_thresholds")
    assert [(a["username"], a["detail"]["branch_id"]) for a in audited] == [
        ("branch", "B1"),
        ("hq", None),
    ]
    mine = {i.alert_id: i for i in threshold_overview(world.settings, branch)}
    assert mine["no_trade"].branches == {"B1": {"min_days": 20.0}}
    assert not mine["no_trade"].may_edit_defaults and mine["no_trade"].own_branch == "B1"
    hq_view = {i.alert_id: i for i in threshold_overview(world.settings, world.who("hq"))}
    assert hq_view["no_trade"].may_edit_defaults
    assert hq_view["no_trade"].defaults["min_assets"] == 5000.0


def test_the_inbox_by_customer_groups_in_sql_by_priority(world: World) -> None:
    """Issue 15: one row per customer with all their alerts, highest assets x severity first;
    a type firing on several dates counts once, a handled alert not at all."""
    from brokerlens.access.alerts import list_alert_customers
    from brokerlens.alerts.severity import SEVERITY

    now = dt.datetime(2025, 3, 14, 18, 0, tzinfo=dt.UTC)
    planted = [  # the branch manager's customers; assets: C001 1.5M, C002 250k, C003 50k ...
        ("C001", "no_trade", AS_OF),
        ("C001", "no_trade", PREVIOUS),
        ("C001", "no_trade", AS_OF - dt.timedelta(days=2)),
        ("C002", "actual_churn", AS_OF),
        ("C002", "heavy_loss", PREVIOUS),
        ("C003", "potential_churn", AS_OF),
        ("C004", "strong_profit", PREVIOUS),  # 6M of assets, but handled below
        ("C005", "risk_mismatch", AS_OF),
        ("C006", "actual_churn", AS_OF),  # another branch
    ]
    with world.engine.begin() as connection:
        for customer, alert, day in planted:
            connection.execute(
                alerts.insert().values(
                    as_of_date=day,
                    customer_id=customer,
                    alert_id=alert,
                    explanation=_explanation(customer, alert),
                    status="handled" if customer == "C004" else "new",
                    created_at=now,
                )
            )
    manager = world.who("branch")
    found = list_alert_customers(world.engine, manager, AlertQuery())
    # priority: C001 1.5M x 2 = 3.0M; C002 250k x (5 + 3) = 2.0M; C005 120k x 3 = 360k;
    # C003 50k x 4 = 200k; C004: nothing open, priority 0
    assert [r.customer_id for r in found.rows] == ["C001", "C002", "C005", "C003", "C004"]
    assert found.total == 5 and found.alerts == 8
    first = found.rows[0]
    assert first.severity == SEVERITY["no_trade"] and first.priority == 1_500_000 * 2
    assert first.count == 3 and len(first.alerts) == 3 and first.newest == AS_OF
    assert [(k["alert_id"], k["count"]) for k in first.kinds] == [("no_trade", 3)]
    second = found.rows[1]
    assert second.severity == SEVERITY["actual_churn"] + SEVERITY["heavy_loss"]
    assert [k["alert_id"] for k in second.kinds] == ["actual_churn", "heavy_loss"]
    assert {a["alert_id"] for a in second.alerts} == {"actual_churn", "heavy_loss"}
    assert second.name is not None and second.branch_id == "B1"
    assert found.rows[-1].priority == 0 and found.rows[-1].statuses["handled"] == 1
    # paging over customers, filters over alerts
    paged = list_alert_customers(world.engine, manager, AlertQuery(page=2, page_size=2))
    assert [r.customer_id for r in paged.rows] == ["C005", "C003"] and paged.total == 5
    fresh = list_alert_customers(world.engine, manager, AlertQuery(date_from=AS_OF))
    assert [r.customer_id for r in fresh.rows] == ["C001", "C002", "C005", "C003"]
    assert fresh.rows[0].count == 1 and fresh.rows[1].severity == SEVERITY["actual_churn"]
    # scope: a broker sees their own customers only; the read is audited with the page's ids
    mine = list_alert_customers(world.engine, world.who("broker"), AlertQuery())
    assert [r.customer_id for r in mine.rows] == ["C001", "C002"]
    entry = _audit(world, "view_alerts")[-1]
    assert entry["customer_ids"] == "C001,C002"
    assert entry["detail"]["group"] == "customer"
