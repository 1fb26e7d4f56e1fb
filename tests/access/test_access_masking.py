"""Masking, reveal (permission, reason, scope, audit) and the audit trail of the 360."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from access.builders import World
from brokerlens.access import (
    AuditQuery,
    CustomerQuery,
    age_band,
    customer_360,
    list_customers,
    mask_birth_date,
    mask_email,
    mask_id_no,
    mask_phone,
    reveal,
    search_audit,
)
from brokerlens.errors import Forbidden, InvalidRequest, NotFound


def test_masks() -> None:
    assert mask_id_no("110101199001011234") == "1****************4"
    assert mask_id_no("11010119900101123X") == "1****************X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_email("zhang.san@example.com") == "z***@example.com"
    assert mask_id_no(None) is None and mask_phone(None) is None and mask_email(None) is None
    assert mask_phone("1234567") == "*******"
    assert mask_id_no("12") == "**"
    assert mask_email("nobody") == "******"


def test_rows_leave_masked(world: World) -> None:
    page = list_customers(world.engine, world.who("hq"), CustomerQuery(page_size=200))
    by_id = {r["customer_id"]: r for r in page.rows}
    assert by_id["C001"]["phone"] == "138****5678"
    assert by_id["C001"]["email"] == "z***@example.com"
    assert by_id["C001"]["id_no"] == "1****************0"
    assert by_id["C001"]["birth_date"] == mask_birth_date("1990-01-01")
    assert by_id["C010"]["phone"] is None
    view = customer_360(world.engine, world.settings, world.who("hq"), "C001")
    assert view["customer"]["phone"] == "138****5678"


def test_id_mask_and_age_band_leave_neither_the_number_nor_the_birth_date(world: World) -> None:
    """Issue 14 F5: the old mask showed 3 + 4 digits of the ID number beside the birth date
    (digits 7-14), so only 3 digits were unknown. Now at most 2 of its 18 characters show and
    the birth date is an age band; a user with reveal_pii reveals it, audited."""
    on = dt.date(2026, 12, 4)
    assert [
        age_band(dt.date(1990, 1, 1), on),
        age_band(dt.date(2008, 12, 5), on),
        age_band(dt.date(2008, 12, 4), on),
        age_band(dt.date(1956, 12, 4), on),
        age_band(dt.date(1956, 12, 5), on),
    ] == ["30-39", "<18", "18-29", "70+", "60-69"]
    assert mask_birth_date("1990-01-01", on) == "30-39" and mask_birth_date(None) is None
    assert mask_birth_date("not a date") == "**********"
    page = list_customers(world.engine, world.who("hq"), CustomerQuery(page_size=200))
    view = customer_360(world.engine, world.settings, world.who("hq"), "C001")
    for row in [*page.rows, view["customer"]]:
        shown = [ch for ch in str(row["id_no"]) if ch != "*"]
        assert len(shown) <= 2, row["id_no"]
        assert not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(row["birth_date"])), row["birth_date"]
        assert "1990" not in str(row["birth_date"]) and "1990" not in str(row["id_no"])
    compliance = world.who("compliance")
    assert reveal(world.engine, compliance, "C001", "birth_date", "KYC") == "1990-01-01"
    with pytest.raises(Forbidden):
        reveal(world.engine, world.who("hq"), "C001", "birth_date", "KYC")


def test_reveal_needs_permission_reason_and_scope_and_is_audited(world: World) -> None:
    with pytest.raises(Forbidden):
        reveal(world.engine, world.who("hq"), "C001", "phone", "callback")
    compliance = world.who("compliance")
    with pytest.raises(InvalidRequest, match="reason"):
        reveal(world.engine, compliance, "C001", "phone", "   ")
    with pytest.raises(InvalidRequest, match="field"):
        reveal(world.engine, compliance, "C001", "name; drop table users", "x")
    with pytest.raises(NotFound):
        reveal(world.engine, compliance, "C999", "phone", "callback")
    assert reveal(world.engine, compliance, "C001", "phone", "callback") == "13812345678"
    assert reveal(world.engine, compliance, "C001", "id_no", "KYC check") == "110101199001010000"
    page = search_audit(world.engine, compliance, AuditQuery(action="reveal"))
    assert page.total == 2
    newest = page.rows[0]
    assert newest["customer_ids"] == ["C001"]
    assert newest["detail"] == {"field": "id_no", "reason": "KYC check"}
    assert newest["username"] == "compliance" and newest["ip"] == "10.0.0.7"


def test_360_is_audited_with_ip_and_agent(world: World) -> None:
    customer_360(world.engine, world.settings, world.who("broker"), "C002")
    page = search_audit(world.engine, world.who("compliance"), AuditQuery(customer_id="C002"))
    assert page.total == 1
    row = page.rows[0]
    assert row["action"] == "view_360" and row["username"] == "broker"
    assert row["ip"] == "10.0.0.7" and row["user_agent"] == "pytest-agent"
    # customer_id matches whole ids only, and LIKE wildcards in it are taken literally.
    assert (
        search_audit(world.engine, world.who("compliance"), AuditQuery(customer_id="C00")).total
        == 0
    )
    assert (
        search_audit(world.engine, world.who("compliance"), AuditQuery(customer_id="C00_")).total
        == 0
    )


def test_audit_search_needs_permission_and_filters_by_time(world: World) -> None:
    with pytest.raises(Forbidden):
        search_audit(world.engine, world.who("hq"), AuditQuery())
    customer_360(world.engine, world.settings, world.who("broker"), "C001")
    compliance = world.who("compliance")
    today = dt.datetime.now(dt.UTC).date()
    assert search_audit(world.engine, compliance, AuditQuery(since=today)).total == 1
    assert search_audit(world.engine, compliance, AuditQuery(until=today)).total == 1
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert search_audit(world.engine, compliance, AuditQuery(since=later)).total == 0
    # The web layer's parameter names are accepted too.
    query = AuditQuery.model_validate({"date_from": today, "date_to": today, "username": "broker"})
    assert search_audit(world.engine, compliance, query).total == 1
