"""The activation list through the access layer: scope per role (SQLite and PostgreSQL), kind
and branch filters, paging, masking, reasons in the user's language, the audited export."""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest

from access.builders import EXPECTED, PRINCIPALS, World
from activation.conftest import KINDS, candidate_rows, write_candidates
from brokerlens.access import AuditQuery, search_audit
from brokerlens.access import activation as service
from brokerlens.access.activation import ActivationQuery, export_candidates, list_candidates
from brokerlens.errors import Forbidden, InvalidRequest, NotFound


def ids(world: World, who: str, **query: object) -> list[str]:
    page = list_candidates(
        world.engine,
        world.settings,
        world.who(who),
        ActivationQuery.model_validate({"page_size": 500, **query}),
    )
    return [r["customer_id"] for r in page.rows]


@pytest.mark.parametrize("who", sorted(PRINCIPALS))
def test_each_role_sees_only_its_own_candidates(world: World, who: str) -> None:
    expected = sorted(EXPECTED.get(who, set()))
    assert ids(world, who) == expected  # ranked: C001 first, as the ids sort


def test_filters_counts_and_paging(world: World) -> None:
    hq = world.who("hq")
    page = list_candidates(world.engine, world.settings, hq, ActivationQuery(kind="dormant"))
    dormant = sorted(c for c, k in KINDS.items() if k == "dormant")
    assert [r["customer_id"] for r in page.rows] == dormant
    assert page.counts == {"dormant": 5, "empty": 5} and page.total == 5
    assert ids(world, "hq", branch_id="B2") == ["C006", "C009"]
    assert ids(world, "hq", branch_id="B2", kind="empty") == ["C006"]
    # A branch manager asking for another branch gets nothing (scope still applies).
    assert ids(world, "branch", branch_id="B3") == []
    second = list_candidates(world.engine, world.settings, hq, ActivationQuery(page=2, page_size=3))
    assert [r["rank"] for r in second.rows] == [4, 5, 6] and second.total == 10


@pytest.mark.parametrize("who", ["broker2", "advisor", "branch", "region2"])
def test_ranks_are_within_the_callers_scope(world: World, who: str) -> None:
    """Issue 14 F8: a scoped user sees their candidates ranked 1..n, not the firm's ranks."""
    principal = world.who(who)
    page = list_candidates(world.engine, world.settings, principal, ActivationQuery())
    expected = sorted(EXPECTED[who])  # the firm ranks them as the ids sort
    assert [(r["customer_id"], r["rank"]) for r in page.rows] == [
        (c, i) for i, c in enumerate(expected, start=1)
    ]
    # A filter narrows the rows but keeps each candidate's rank in the scope.
    for kind in ("dormant", "empty"):
        narrowed = list_candidates(
            world.engine, world.settings, principal, ActivationQuery(kind=kind)
        )
        assert {(r["customer_id"], r["rank"]) for r in narrowed.rows} == {
            (c, i) for i, c in enumerate(expected, start=1) if KINDS[c] == kind
        }
    _, text = export_candidates(world.engine, world.settings, principal, ActivationQuery())
    exported = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [(r["customer_id"], int(r["rank"])) for r in exported] == [
        (c, i) for i, c in enumerate(expected, start=1)
    ]


def test_rows_masked_with_reasons_in_the_users_language(world: World) -> None:
    hq = world.who("hq")
    row = list_candidates(world.engine, world.settings, hq, ActivationQuery()).rows[0]
    assert row["name"] == "张三" and row["phone"] == "138****5678"
    assert row["reasons"][0]["text"].startswith("近 3 年（自 2022-03-14 起）没有交易")
    english = dataclasses.replace(hq, language="en")
    row = list_candidates(world.engine, world.settings, english, ActivationQuery()).rows[0]
    assert [r["factor"] for r in row["reasons"]] == ["basis", "peak_assets", "tenure"]
    assert row["reasons"][1]["text"] == "peak monthly mean assets 1,000,000 yuan"


def test_export_is_scoped_masked_and_audited(world: World) -> None:
    name, text = export_candidates(
        world.engine, world.settings, world.who("broker"), ActivationQuery(page_size=1)
    )
    assert name.startswith("activation_2025-03-14_") and name.endswith(".csv")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["customer_id"] for r in rows] == ["C001", "C002"]  # every row, not one page
    assert rows[0]["phone"] == "138****5678"
    assert "历史月均资产峰值 1,000,000 元" in rows[0]["reasons"]
    entry = search_audit(world.engine, world.who("compliance"), AuditQuery(action="export")).rows
    assert entry[0]["customer_ids"] == ["C001", "C002"]
    assert entry[0]["detail"]["kind"] == "activation" and entry[0]["detail"]["count"] == 2


def test_export_needs_permission_and_respects_the_cap(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(Forbidden):
        export_candidates(world.engine, world.settings, world.who("admin"), ActivationQuery())
    monkeypatch.setattr(service, "MAX_EXPORT_ROWS", 3)
    with pytest.raises(InvalidRequest, match="more than the 3 allowed"):
        export_candidates(world.engine, world.settings, world.who("hq"), ActivationQuery())
    audit = search_audit(world.engine, world.who("compliance"), AuditQuery(action="export"))
    assert audit.total == 0


def test_a_formula_in_a_cell_is_quoted(world: World) -> None:
    rows = candidate_rows()
    rows[0]["name"] = "=HYPERLINK(1)"
    write_candidates(world.settings, rows)
    _, text = export_candidates(world.engine, world.settings, world.who("hq"), ActivationQuery())
    assert next(csv.DictReader(io.StringIO(text[1:])))["name"] == "'=HYPERLINK(1)"


def test_no_list_for_the_served_date_says_how_to_make_one(world: World) -> None:
    for path in (world.settings.warehouse_dir / "activation").glob("*.parquet"):
        path.unlink()
    with pytest.raises(NotFound, match="brokerlens run --as-of 2025-03-14"):
        list_candidates(world.engine, world.settings, world.who("hq"), ActivationQuery())
