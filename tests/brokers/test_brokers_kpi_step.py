"""The run step "kpi scores" over the small generated brokerage: the customers behind every
metric add up to each staff member's value, the money metrics follow the developers' shares in
the ledger to the cent, every broker is ranked in their team, branch and region, and a scheme
applied later scores the running month with the new version on the next build."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from brokerlens.brokers.kpi.schemes import apply_text, default_text
from brokerlens.config import Settings, load_settings
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.pipeline.single import run_single_step
from brokerlens.warehouse.layout import WarehouseLayout
from support.brokerage import Brokerage
from support.cli import brokerlens

MONTH = dt.date(2025, 3, 1)


@pytest.fixture(scope="module")
def scored(small_brokerage: Brokerage, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("kpi") / "home"
    shutil.copytree(small_brokerage.settings.home, home)
    settings = load_settings(home=home)
    for step in ("customer_day", "relationship ledger", "kpi scores"):
        run_single_step(settings, step)
    return settings


def _layout(settings: Settings) -> WarehouseLayout:
    return WarehouseLayout(settings.warehouse_dir)


def _lake_files(settings: Settings, feed: str) -> list[str]:
    layout = LakeLayout(settings.lake_dir)
    return [str(p) for _, p in read_catalog(layout).files_of(layout, feed)]


def test_the_month_to_date_is_scored_with_every_metric(scored: Settings) -> None:
    layout = _layout(scored)
    assert layout.kpi_months() == [MONTH]
    scores = pq.read_table(layout.kpi_file(MONTH)).to_pylist()
    assert {r["as_of_date"] for r in scores} == {dt.date(2025, 3, 18)}
    positions = {r["position"] for r in scores}
    assert positions == {"broker", "advisor", "team_lead"}  # the positions with a scheme
    values = pq.read_table(layout.kpi_values_file(MONTH)).to_pylist()
    staff = {r["staff_id"] for r in values}
    assert len({r["metric"] for r in values}) == 10  # training_completion too (issue 23)
    assert len(values) == 10 * len(staff)


def test_the_customers_behind_a_metric_add_up_to_its_value(scored: Settings) -> None:
    layout = _layout(scored)
    values = {
        (r["staff_id"], r["metric"]): r
        for r in pq.read_table(layout.kpi_values_file(MONTH)).to_pylist()
        if r["position"] != "team_lead"
    }
    detail: dict[tuple[str, str], list[Decimal]] = {}
    for row in pq.read_table(layout.kpi_detail_file(MONTH)).to_pylist():
        pair = detail.setdefault((row["staff_id"], row["metric"]), [Decimal(0), Decimal(0)])
        pair[0] += row["credited"]
        pair[1] += row["weight"]
    checked = 0
    for (staff_id, metric), row in values.items():
        credited, weight = detail.get((staff_id, metric), [Decimal(0), Decimal(0)])
        if metric in ("active_rate", "callback_completion", "training_completion"):
            expected = None if not weight else credited / weight
            if expected is None:
                assert row["value"] is None
            else:
                assert abs(row["value"] - expected) < Decimal("0.000001")
        else:
            assert row["value"] == credited
        checked += 1
    assert checked > 9


def test_net_commission_follows_the_developers_shares_to_the_cent(scored: Settings) -> None:
    layout = _layout(scored)
    ledger = layout.ledger_file(dt.date(2025, 3, 18))
    con = duckdb.connect()
    expected = dict(
        con.execute(
            """
            WITH c AS (
                SELECT customer_id, sum(net_commission) AS commission FROM read_parquet(?)
                WHERE biz_date >= DATE '2025-03-01' GROUP BY customer_id
            )
            SELECT l.staff_id, sum(c.commission * l.share_pct / 100)
            FROM read_parquet(?) AS l JOIN c USING (customer_id)
            WHERE l.role = 'developer' AND l.valid_from <= DATE '2025-03-18'
                AND (l.valid_to IS NULL OR l.valid_to > DATE '2025-03-18')
            GROUP BY l.staff_id
            """,
            [_lake_files(scored, "trades"), str(ledger)],
        ).fetchall()
    )
    found = {
        r["staff_id"]: r["value"]
        for r in pq.read_table(layout.kpi_values_file(MONTH)).to_pylist()
        if r["metric"] == "net_commission" and r["position"] == "broker"
    }
    assert found and any(v > 0 for v in found.values())
    for staff_id, value in found.items():
        assert value.quantize(Decimal("0.01")) == Decimal(expected.get(staff_id, 0) or 0).quantize(
            Decimal("0.01")
        ), staff_id


def test_a_team_lead_is_scored_on_their_team(scored: Settings) -> None:
    layout = _layout(scored)
    values = pq.read_table(layout.kpi_values_file(MONTH)).to_pylist()
    commission = {r["staff_id"]: r["value"] for r in values if r["metric"] == "net_commission"}
    units = {r["staff_id"]: (r["unit_id"], r["position"]) for r in values}
    own: dict[str, Decimal] = {}
    for row in pq.read_table(layout.kpi_detail_file(MONTH)).to_pylist():
        if row["metric"] == "net_commission":
            own[row["staff_id"]] = own.get(row["staff_id"], Decimal(0)) + row["credited"]
    leads = [s for s, (_, p) in units.items() if p == "team_lead"]
    assert leads
    for lead in leads:
        team = [s for s, (u, _) in units.items() if u == units[lead][0]]
        assert len(team) > 1
        assert commission[lead] == sum((own.get(s, Decimal(0)) for s in team), Decimal(0))
        assert commission[lead] > 0


def test_ranks_order_the_totals_within_each_unit(scored: Settings) -> None:
    scores = pq.read_table(_layout(scored).kpi_file(MONTH)).to_pylist()
    staff = {r["staff_id"]: r for r in scores}
    for level in ("unit", "branch", "region"):
        groups: dict[tuple[str, str], list[dict[str, object]]] = {}
        for row in staff.values():
            groups.setdefault((row["position"], row[f"{level}_id"]), []).append(row)
        for members in groups.values():
            best = max(m["total"] for m in members)  # type: ignore[type-var]
            assert {m[f"rank_in_{level}"] for m in members if m["total"] == best} == {1}
            for a in members:
                for b in members:
                    if a["total"] > b["total"]:  # type: ignore[operator]
                        assert a[f"rank_in_{level}"] < b[f"rank_in_{level}"]  # type: ignore[operator]


def test_a_new_scheme_scores_the_running_month_on_the_next_build(
    scored: Settings, tmp_path: Path
) -> None:
    layout = _layout(scored)
    assert {r["scheme_version"] for r in pq.read_table(layout.kpi_file(MONTH)).to_pylist()} == {
        "default"
    }
    edited = default_text().replace("target: 5000\n", "target: 50\n", 1)
    apply_text(scored, edited, "edited.yaml", user="hq")
    run_single_step(scored, "kpi scores")
    rows = pq.read_table(layout.kpi_file(MONTH)).to_pylist()
    assert {r["scheme_version"] for r in rows} == {"1"}
    brokers = [r for r in rows if r["position"] == "broker" and r["metric"] == "net_commission"]
    assert all(r["target"] == 50 for r in brokers)


def test_kpi_scores_is_a_table_of_brokerlens_sql(scored: Settings) -> None:
    query = (
        "select count(*) as n, count(distinct staff_id) as staff, min(rank_in_unit) as best "
        "from kpi_scores where month = date '2025-03-01' and metric = 'net_commission'"
    )
    answer = brokerlens("--home", str(scored.home), "sql", query, "--format", "csv")
    assert answer.returncode == 0, answer.stderr
    n, staff, best = answer.stdout.strip().splitlines()[-1].split(",")
    rows = pq.read_table(_layout(scored).kpi_file(MONTH)).to_pylist()
    expected = {r["staff_id"] for r in rows if r["metric"] == "net_commission"}
    assert (int(n), int(staff), int(best)) == (len(expected), len(expected), 1)
