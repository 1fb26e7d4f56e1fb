"""Exports: permission, masked CSV with a BOM, audited with every id, capped."""

from __future__ import annotations

import csv
import io

import pytest

from access.builders import World
from brokerlens.access import (
    AuditQuery,
    Condition,
    CustomerQuery,
    create_segment,
    export_customers,
    export_segment,
    search_audit,
)
from brokerlens.access import exports as exports_module
from brokerlens.access.masking import mask_birth_date
from brokerlens.errors import Forbidden, InvalidRequest


def parse(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_export_customers_masked_and_audited(world: World) -> None:
    name, text = export_customers(
        world.engine, world.who("lead"), CustomerQuery(page_size=1, sort="customer_id")
    )
    assert name.startswith("customers_2025-03-14_") and name.endswith(".csv")
    rows = parse(text)
    assert [r["customer_id"] for r in rows] == ["C001", "C002", "C003", "C010"]  # not one page
    assert rows[0]["name"] == "张三" and rows[0]["phone"] == "138****5678"
    assert rows[0]["id_no"] == "1****************0"
    assert rows[0]["birth_date"] == mask_birth_date("1990-01-01")  # an age band, not the date
    page = search_audit(world.engine, world.who("compliance"), AuditQuery(action="export"))
    assert page.total == 1
    entry = page.rows[0]
    assert entry["customer_ids"] == ["C001", "C002", "C003", "C010"]
    assert entry["customer_count"] == 4 and entry["detail"]["count"] == 4


def test_export_segment_cut_to_scope(world: World) -> None:
    seg = create_segment(
        world.engine,
        world.who("branch"),
        "rich",
        [Condition(field="total_assets_t", op="ge", value=100_000)],
        visibility="unit",
    )
    _, text = export_segment(world.engine, world.who("broker"), seg.segment_id)
    assert [r["customer_id"] for r in parse(text)] == ["C001", "C002"]
    entry = search_audit(world.engine, world.who("compliance"), AuditQuery(action="export")).rows[0]
    assert entry["customer_ids"] == ["C001", "C002"]
    assert entry["detail"]["segment_id"] == seg.segment_id


def test_export_needs_permission(world: World) -> None:
    with pytest.raises(Forbidden):
        export_customers(world.engine, world.who("admin"), CustomerQuery())


def test_export_cap(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports_module, "MAX_EXPORT_ROWS", 3)
    with pytest.raises(InvalidRequest, match="more than the 3 allowed"):
        export_customers(world.engine, world.who("hq"), CustomerQuery())
    assert (
        search_audit(world.engine, world.who("compliance"), AuditQuery(action="export")).total == 0
    )
