"""The call-back rules over a hand-built lake (T = 15 January 2026, the prior year-end 31
December 2025): who is in the year's sample base, the quota per stratum (branch x tier), the
hash order of the draw and its seed, new accounts' tasks, and on a store (SQLite and
PostgreSQL): a drawn year is not drawn again, only unreachable tasks are replaced, by the next
customers of their stratum's order."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from brokerlens.compliance.callbacks.build import Inputs, TaskReport, build_tasks
from brokerlens.compliance.callbacks.config import AnnualSampleRule, CallbackConfig
from brokerlens.config import Settings, load_settings
from brokerlens.engine import open_engine
from brokerlens.engine.render import check_portable
from brokerlens.engine.sqlfiles import load_sql, sql_names
from brokerlens.publish.callbacks import publish_callbacks
from brokerlens.store import open_store
from brokerlens.store.compliance_schema import callback_samples, callbacks
from brokerlens.warehouse.layout import WarehouseLayout

T = dt.date(2026, 1, 15)
BEFORE = dt.date(2025, 11, 1)  # the first delivery of most customers
OPENED = dt.date(2024, 5, 1)
PACKAGE = "brokerlens.compliance.callbacks"

HISTORY = pa.schema(
    [
        ("customer_id", pa.string()),
        ("branch_id", pa.string()),
        ("status", pa.string()),
        ("open_date", pa.date32()),
        ("close_date", pa.date32()),
        ("valid_from", pa.date32()),
        ("valid_to", pa.date32()),
    ]
)


def _v(
    cid: str,
    branch: str,
    status: str = "normal",
    opened: dt.date = OPENED,
    closed: dt.date | None = None,
    since: dt.date = BEFORE,
    until: dt.date | None = None,
) -> dict[str, Any]:
    return {
        "customer_id": cid,
        "branch_id": branch,
        "status": status,
        "open_date": opened,
        "close_date": closed,
        "valid_from": since,
        "valid_to": until,
    }


def _history() -> list[dict[str, Any]]:
    rows = [_v(f"A{i:02d}", "B1") for i in range(1, 30)]  # with X2: 30 in (B1, A)
    rows += [_v(f"B{i:02d}", "B1") for i in range(1, 6)]  # (B1, B): 5
    rows += [_v(f"C{i:02d}", "B2") for i in range(1, 8)]  # (B2, A): 7, with M1 and F1: 9
    switch = dt.date(2026, 1, 5)
    rows += [
        _v("D1", "B1", status="dormant"),  # dormant by the source system on the year-end
        _v("D2", "B1"),  # dormant by the activation step on T
        _v("X1", "B1", status="closed", closed=dt.date(2025, 6, 1)),  # closed before
        _v("X2", "B1", until=switch),  # closed after the year-end: in the base
        _v("X2", "B1", status="closed", closed=dt.date(2026, 1, 4), since=switch),
        _v("M1", "B2", until=dt.date(2026, 1, 6)),  # moved after: counted where it was
        _v("M1", "B1", since=dt.date(2026, 1, 6)),
        _v("F1", "B2", opened=dt.date(2025, 3, 1), since=switch),  # first delivered after
        _v("N1", "B1", opened=dt.date(2026, 1, 10), since=dt.date(2026, 1, 10)),  # new
        _v("N2", "B2", opened=dt.date(2025, 12, 20), since=dt.date(2025, 12, 20)),  # both
        _v("N3", "B2", opened=dt.date(2025, 12, 10), since=dt.date(2025, 12, 10)),  # no tier
        _v("Z1", "B1", status="frozen", opened=dt.date(2026, 1, 12), since=switch),
    ]
    return rows


TIERS = {
    **{f"A{i:02d}": "A" for i in range(1, 30)},
    **{f"B{i:02d}": "B" for i in range(1, 6)},
    **{f"C{i:02d}": "A" for i in range(1, 8)},
    **{c: "A" for c in ("D1", "D2", "X1", "X2", "M1", "F1", "N1", "Z1")},
    "N2": "B",
}
BASE = {
    ("B1", "A"): {*(f"A{i:02d}" for i in range(1, 30)), "X2"},
    ("B1", "B"): {f"B{i:02d}" for i in range(1, 6)},
    ("B2", "A"): {*(f"C{i:02d}" for i in range(1, 8)), "M1", "F1"},
    ("B2", "B"): {"N2"},
    ("B2", "-"): {"N3"},
}
# ceil(0.1 x n): 30 -> 3 exactly (not the float's 3.0000000000000004 rounded up to 4)
QUOTA = {("B1", "A"): 3, ("B1", "B"): 1, ("B2", "A"): 1, ("B2", "B"): 1, ("B2", "-"): 1}


def _world(root: Path) -> WarehouseLayout:
    """The profile (tiers; N3 has none) and activation (D2 dormant, A01 empty) of T."""
    warehouse = WarehouseLayout(root)
    for path, table in (
        (
            warehouse.profile_file(T),
            pa.table({"customer_id": list(TIERS), "customer_tier": list(TIERS.values())}),
        ),
        (
            warehouse.activation_file(T),
            pa.table({"customer_id": ["D2", "A01"], "kind": ["dormant", "empty"]}),
        ),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
    return warehouse


def _build(
    warehouse: WarehouseLayout, config: CallbackConfig, db: sa.Engine | None = None
) -> tuple[TaskReport, list[dict[str, Any]]]:
    engine = open_engine("duckdb", load_settings(home=warehouse.root / "home"))
    try:
        engine.register_table("customers_history", pa.Table.from_pylist(_history(), HISTORY))
        report = build_tasks(Inputs(engine, warehouse, T), config, db)
    finally:
        engine.close()
    return report, pq.read_table(warehouse.callbacks_file(T)).to_pylist()


def _sample(rows: list[dict[str, Any]]) -> dict[tuple[str, str], set[str]]:
    found: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        if r["kind"] == "annual_sample":
            found.setdefault((r["branch_id"], r["tier"]), set()).add(r["customer_id"])
    return found


def _hash_order(customers: set[str], seed: int = 2010) -> list[str]:
    """The draw's order, worked out here: md5 of customer id, year and seed, as hex."""
    key = lambda c: (hashlib.md5(f"{c}{T.year}{seed}".encode()).hexdigest(), c)  # noqa: E731
    return sorted(customers, key=key)


def test_the_sample_takes_ceil_share_of_every_stratum_of_the_year_end_base(
    tmp_path: Path,
) -> None:
    report, rows = _build(_world(tmp_path), CallbackConfig())
    sample = _sample(rows)
    assert {k: len(v) for k, v in sample.items()} == QUOTA
    for stratum, drawn in sample.items():
        # the first customers of the stratum's hash order: nobody outside the base, no
        # dormant, closed-before or new customer
        assert _hash_order(BASE[stratum])[: QUOTA[stratum]] == sorted(
            drawn, key=_hash_order(BASE[stratum]).index
        )
    drawn_rows = [r for r in rows if r["kind"] == "annual_sample"]
    assert {(r["source_ref"], r["due_date"]) for r in drawn_rows} == {
        ("2026", dt.date(2026, 12, 31))
    }
    assert {
        (r["branch_id"], r["tier"], r["stratum_base"], r["stratum_quota"]) for r in drawn_rows
    } == {(*k, len(BASE[k]), QUOTA[k]) for k in BASE}
    assert (report.sampled, report.strata, report.replacements) == (7, 5, 0)


def test_new_accounts_of_the_lookback_window_each_get_a_task_due_a_month_on(
    tmp_path: Path,
) -> None:
    _, rows = _build(_world(tmp_path), CallbackConfig())
    new = {
        r["customer_id"]: (r["branch_id"], r["source_ref"], r["due_date"])
        for r in rows
        if r["kind"] == "new_account"
    }
    # N3 opened before the 30 days; Z1 is frozen
    assert new == {
        "N1": ("B1", "2026-01-10", dt.date(2026, 2, 9)),
        "N2": ("B2", "2025-12-20", dt.date(2026, 1, 19)),
    }


def test_the_same_seed_draws_the_same_sample_another_seed_another(tmp_path: Path) -> None:
    _, first = _build(_world(tmp_path / "a"), CallbackConfig())
    _, again = _build(_world(tmp_path / "b"), CallbackConfig())
    other = CallbackConfig(annual_sample=AnnualSampleRule(seed=7))
    _, reseeded = _build(_world(tmp_path / "c"), other)
    assert _sample(first) == _sample(again)
    assert _sample(reseeded)[("B1", "A")] != _sample(first)[("B1", "A")]
    assert {k: len(v) for k, v in _sample(reseeded).items()} == QUOTA


def test_dormant_accounts_count_when_the_setting_keeps_them(tmp_path: Path) -> None:
    keep = CallbackConfig(annual_sample=AnnualSampleRule(exclude_dormant=False))
    _, rows = _build(_world(tmp_path), keep)
    bases = {(r["branch_id"], r["tier"]): r["stratum_base"] for r in rows if r["stratum_base"]}
    assert bases[("B1", "A")] == 32  # D1 and D2 back in: ceil(3.2) = 4
    assert len(_sample(rows)[("B1", "A")]) == 4


def test_a_drawn_year_is_kept_and_only_the_unreachable_are_replaced(
    store_settings: Settings,
) -> None:
    db = open_store(store_settings)
    warehouse = _world(Path(store_settings.warehouse_dir))
    config = CallbackConfig()
    _build(warehouse, config, db)
    assert publish_callbacks(db, store_settings, T) == 7 + 2
    with db.connect() as connection:
        strata = connection.execute(sa.select(callback_samples)).all()
    assert {(s.branch_id, s.tier, s.base, s.quota) for s in strata} == {
        (*k, len(BASE[k]), QUOTA[k]) for k in BASE
    }
    # the next day: the year is drawn, nothing to replace, the new accounts are known
    report, _ = _build(warehouse, config, db)
    assert (report.sampled, report.replacements, report.new_accounts) == (0, 0, 2)
    assert publish_callbacks(db, store_settings, T) == 0
    # one of (B1, A) given up as unreachable: the next of its order not tasked replaces it
    order = _hash_order(BASE[("B1", "A")])
    with db.begin() as connection:
        connection.execute(
            callbacks.update()
            .where(callbacks.c.customer_id == order[0], callbacks.c.kind == "annual_sample")
            .values(status="unreachable")
        )
    report, replaced = _build(warehouse, config, db)
    assert report.replacements == 1
    assert [
        (r["customer_id"], r["stratum_base"]) for r in replaced if r["kind"] == "annual_sample"
    ] == [(order[3], None)]
    assert publish_callbacks(db, store_settings, T) == 1
    report, _ = _build(warehouse, config, db)  # back at its quota: nothing more
    assert report.replacements == 0
    with db.connect() as connection:
        live = Counter(
            connection.execute(
                sa.select(callbacks.c.status).where(
                    callbacks.c.kind == "annual_sample",
                    callbacks.c.branch_id == "B1",
                    callbacks.c.tier == "A",
                )
            ).scalars()
        )
    assert live == {"pending": 3, "unreachable": 1}


@pytest.mark.parametrize("name", sql_names(PACKAGE))
def test_each_sql_file_is_documented_and_portable(name: str) -> None:
    sql = load_sql(PACKAGE, name)
    assert sql.purpose and sql.grain
    assert check_portable(sql.sql) == []
