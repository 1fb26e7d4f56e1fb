"""Personal fields (issue 14 F1): a masked value must not be recoverable through the counts.

Without reveal_pii, id_no, phone, email and birth_date can be no condition (is_null / not_null
aside: whether a value is there shows anyway), no sort key, no search target, no segment field
and no export filter: refused, naming the field, on the store and on the columnar copy. With
reveal_pii every such use works and writes a `personal_filter` audit row.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from access.builders import World
from access.columnar_support import READERS, serve_from
from brokerlens.access import (
    Condition,
    CustomerQuery,
    conditions,
    count_customers,
    create_segment,
    export_customers,
    export_segment,
    list_customers,
    segment_count,
    segment_members,
    update_segment,
)
from brokerlens.access.masking import MASKERS, PERSONAL_FIELDS
from brokerlens.auth.principal import Permission, Principal
from brokerlens.errors import Forbidden
from brokerlens.store.schema import audit_log

PERSONAL = ["birth_date", "email", "id_no", "phone"]
# C001 (builders): a value of each personal field, for conditions that would match it
C001 = {
    "id_no": "110101199001010000",
    "phone": "13812345678",
    "email": "zhang.san@example.com",
    "birth_date": "1990-01-01",
}


@pytest.fixture(params=READERS)
def world(world: World, request: pytest.FixtureRequest, tmp_path: Path) -> World:
    return serve_from(request.param, world, tmp_path)


def C(field: str, op: str, value: Any = None) -> Condition:
    return Condition(field=field, op=op, value=value)  # type: ignore[arg-type]


def revealing(principal: Principal) -> Principal:
    return dataclasses.replace(
        principal, extra_permissions=principal.extra_permissions | {Permission.REVEAL_PII}
    )


def audited(world: World) -> list[dict[str, Any]]:
    with world.engine.connect() as connection:
        rows = connection.execute(
            sa.select(audit_log.c.username, audit_log.c.detail)
            .where(audit_log.c.action == "personal_filter")
            .order_by(audit_log.c.audit_id)
        ).mappings()
        return [dict(r) for r in rows]


def test_the_personal_fields_are_the_masked_ones_and_the_birth_date() -> None:
    assert sorted(PERSONAL_FIELDS) == PERSONAL
    assert set(MASKERS) <= PERSONAL_FIELDS


def test_the_reported_oracle_is_closed(world: World) -> None:
    """The probe's example: one customer, id_no:ge moved digit by digit, read from the count."""
    broker = world.who("broker")
    for guess in ("110101199001010000", "110101199001010001"):
        conditions = [C("customer_id", "eq", "C001"), C("id_no", "ge", guess)]
        with pytest.raises(Forbidden, match="id_no"):
            list_customers(world.engine, broker, CustomerQuery(conditions=conditions))
        with pytest.raises(Forbidden, match="id_no"):
            count_customers(world.engine, broker, conditions)
    assert audited(world) == []


@pytest.mark.parametrize("field", PERSONAL)
def test_a_personal_condition_is_refused_naming_the_field(world: World, field: str) -> None:
    for op in ("eq", "ne", "gt", "ge", "lt", "le", "in", "between"):
        value: Any = C001[field]
        if op == "in":
            value = [value]
        elif op == "between":
            value = [value, value]
        query = CustomerQuery(conditions=[C(field, op, value)])
        with pytest.raises(Forbidden, match=field):
            list_customers(world.engine, world.who("broker"), query)
        with pytest.raises(Forbidden, match=field):
            count_customers(world.engine, world.who("branch"), query.conditions)
        with pytest.raises(Forbidden, match=field):  # hq sees everyone, but may not reveal
            export_customers(world.engine, world.who("hq"), query)
    assert audited(world) == []


@pytest.mark.parametrize("field", PERSONAL)
def test_a_personal_sort_is_refused(world: World, field: str) -> None:
    broker = world.who("broker")
    for descending in (False, True):
        query = CustomerQuery(sort=field, descending=descending)
        with pytest.raises(Forbidden, match=field):
            list_customers(world.engine, broker, query)
        with pytest.raises(Forbidden, match=field):
            export_customers(world.engine, broker, query)
    sid = int(create_segment(world.engine, broker, "all mine", []).segment_id)
    with pytest.raises(Forbidden, match=field):
        segment_members(world.engine, broker, sid, sort=field)


def test_whether_a_value_is_there_stays_open(world: World) -> None:
    broker = world.who("broker")
    page = list_customers(world.engine, broker, CustomerQuery(conditions=[C("phone", "not_null")]))
    assert [r["customer_id"] for r in page.rows] == ["C001", "C002"]
    assert count_customers(world.engine, broker, [C("email", "is_null")]) == 0
    assert audited(world) == []


@pytest.mark.parametrize("field", PERSONAL)
def test_a_segment_on_a_personal_field_is_refused(world: World, field: str) -> None:
    broker = world.who("broker")
    condition = C(field, "ge", C001[field])
    with pytest.raises(Forbidden, match=field):
        create_segment(world.engine, broker, "guess", [condition])
    sid = int(create_segment(world.engine, broker, "mine", []).segment_id)
    with pytest.raises(Forbidden, match=field):
        update_segment(world.engine, broker, sid, conditions=[condition])


def test_a_shared_segment_on_a_personal_field_is_refused_to_a_viewer_without_it(
    world: World,
) -> None:
    """Compliance may save one (audited); a branch manager it is shared with cannot count,
    list or export it, so it is no oracle either."""
    compliance = world.who("compliance")
    saved = create_segment(
        world.engine,
        compliance,
        "born early",
        [C("birth_date", "lt", "1990-01-04")],
        visibility="unit",
    )
    sid = int(saved.segment_id)
    assert segment_count(world.engine, compliance, sid) == 3  # C001-C003
    branch = world.who("branch")
    for call in (segment_count, segment_members, export_segment):
        with pytest.raises(Forbidden, match="birth_date"):
            call(world.engine, branch, sid)
    purposes = [r["detail"]["purpose"] for r in audited(world)]
    assert purposes == ["segment", "segment_count"]
    assert {r["username"] for r in audited(world)} == {"compliance"}


def test_with_reveal_pii_each_use_works_and_is_audited(world: World) -> None:
    broker = revealing(world.who("broker"))
    query = CustomerQuery(conditions=[C("id_no", "eq", C001["id_no"])])
    page = list_customers(world.engine, broker, query)
    assert [r["customer_id"] for r in page.rows] == ["C001"]
    assert page.rows[0]["id_no"] != C001["id_no"]  # still masked in the answer
    assert count_customers(world.engine, broker, [C("phone", "ge", "13800000000")]) == 2
    by_phone = list_customers(world.engine, broker, CustomerQuery(sort="phone", descending=True))
    assert [r["customer_id"] for r in by_phone.rows] == ["C002", "C001"]
    born = [C("birth_date", "ge", "1990-01-01")]
    sid = create_segment(world.engine, broker, "by birth", born).segment_id
    assert segment_count(world.engine, broker, sid) == 2
    rows = audited(world)
    assert [(r["detail"]["purpose"], r["detail"]["fields"]) for r in rows] == [
        ("list", {"id_no": ["condition eq"]}),
        ("count", {"phone": ["condition ge"]}),
        ("list", {"phone": ["sort"]}),
        ("segment", {"birth_date": ["condition ge"]}),
        ("segment_count", {"birth_date": ["condition ge"]}),
    ]
    assert {r["username"] for r in rows} == {"broker"}


def test_search_never_looks_into_a_personal_field_without_the_permission(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search looks in customer_id and name today; were a personal field a target, a user
    without reveal_pii would not search by it, and one with it would be audited."""
    monkeypatch.setattr(
        conditions, "SEARCH_TARGETS", (*conditions.SEARCH_TARGETS, ("phone", "contains"))
    )
    broker = world.who("broker")
    query = CustomerQuery(search="12345678")  # inside C001's phone only
    assert list_customers(world.engine, broker, query).total == 0
    assert audited(world) == []
    page = list_customers(world.engine, revealing(broker), query)
    assert [r["customer_id"] for r in page.rows] == ["C001"]
    assert [r["detail"]["fields"] for r in audited(world)] == [{"phone": ["search"]}]
