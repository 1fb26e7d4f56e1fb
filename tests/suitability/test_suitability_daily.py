"""The facts `brokerlens run` keeps per date agree with the lake's, customer by customer, and
the services read them when they exist."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest
from suitability_lake import T

from brokerlens.config import Settings, load_settings
from brokerlens.pipeline.run import run_pipeline
from brokerlens.suitability.daily import facts_file, kept_facts
from brokerlens.suitability.lake import customer_facts, lake_connection
from brokerlens.suitability.questionnaire import shipped_definitions
from brokerlens.suitability.report import HoldingsReport
from brokerlens.suitability.rescore import RescoreReport
from brokerlens.suitability.service import customer_eligibility
from support.brokerage import Brokerage

DEFS = shipped_definitions()


def _latest(conn: duckdb.DuckDBPyConnection) -> dt.date:
    found = conn.execute("SELECT max(biz_date) FROM daily_assets").fetchone()
    assert found is not None
    return found[0]


def _run_copy(settings: Settings, into: Path) -> Settings:
    shutil.copytree(settings.home, into)
    copy = load_settings(home=into)
    run_pipeline(copy)
    return copy


@pytest.fixture(scope="module")
def run_suitability_lake(
    suitability_lake: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    return _run_copy(suitability_lake, tmp_path_factory.mktemp("suitability_run") / "home")


def test_run_keeps_the_facts_of_its_date(run_suitability_lake: Settings) -> None:
    assert kept_facts(run_suitability_lake, T) == facts_file(run_suitability_lake, T)


def test_kept_facts_equal_the_lakes_on_the_hand_built_lake(run_suitability_lake: Settings) -> None:
    kept = kept_facts(run_suitability_lake, T)
    with lake_connection(run_suitability_lake) as conn:
        from_lake = customer_facts(conn, T, DEFS)
        from_run = customer_facts(conn, T, DEFS, kept=kept)
        one = customer_facts(conn, T, DEFS, ["CMID"], kept=kept)
    assert from_run == from_lake
    assert one == {"CMID": from_lake["CMID"]}
    assert from_run["CMID"].assets_20d == pytest.approx(412_300.40)


def test_kept_facts_equal_the_lakes_on_a_generated_brokerage(
    small_brokerage: Brokerage, tmp_path: Path
) -> None:
    settings = _run_copy(small_brokerage.settings, tmp_path / "home")
    with lake_connection(settings) as conn:
        day = _latest(conn)
        from_lake = customer_facts(conn, day, DEFS)
        from_run = customer_facts(conn, day, DEFS, kept=kept_facts(settings, day))
    assert len(from_run) == len(from_lake) == 600
    assert from_run == from_lake


def test_services_read_the_kept_facts(run_suitability_lake: Settings) -> None:
    """A file kept by the run is what an eligibility reads: a figure changed in it shows."""
    path = facts_file(run_suitability_lake, T)
    original = path.read_bytes()
    try:
        duckdb.execute(
            f"COPY (SELECT * REPLACE (CASE WHEN customer_id = 'CMID' THEN 600000.0 * n_days "
            f"ELSE sum_20d END AS sum_20d) FROM read_parquet('{path}')) TO '{path}.new' "
            "(FORMAT parquet)"
        )
        Path(f"{path}.new").replace(path)
        _, items = customer_eligibility(run_suitability_lake, "CMID", T)
        margin = next(i for i in items if i.permission == "margin")
        assert not any("20日日均资产" in m for m in margin.missing)
    finally:
        path.write_bytes(original)


def _from_lake(settings: Settings, day: dt.date) -> tuple[RescoreReport, HoldingsReport]:
    """The reports computed from the lake alone, as for a date never run."""
    from brokerlens.suitability.report import holders, holdings_above_class
    from brokerlens.suitability.rescore import rescore
    from brokerlens.suitability.rules import load_rules

    rules = load_rules(settings)
    with lake_connection(settings) as conn:
        rescored = rescore(conn, day, DEFS, expiring_days=rules.validity.expiring_days)
        facts = customer_facts(conn, day, DEFS, holders(conn, day))
        held = holdings_above_class(conn, day, facts, rules)
    return rescored, held


def _assert_kept_reports_agree(settings: Settings, day: dt.date) -> None:
    from brokerlens.suitability.reports import kept_reports
    from brokerlens.suitability.service import holdings_report, rescore_lake

    kept = kept_reports(settings, day)
    assert kept is not None and kept[1] is not None
    lake_rescored, lake_held = _from_lake(settings, day)
    served = rescore_lake(settings, day)
    assert served.findings == lake_rescored.findings
    assert served.assessments == lake_rescored.assessments
    assert served.branches() == lake_rescored.branches()
    assert served.validity == lake_rescored.due()  # kept in the order the page shows them
    kept_held = holdings_report(settings, day)
    assert kept_held.holdings == lake_held.holdings
    assert kept_held.branches() == lake_held.branches()  # DuckDB's summary, Python's


def test_kept_reports_equal_the_lakes_on_the_hand_built_lake(
    run_suitability_lake: Settings,
) -> None:
    _assert_kept_reports_agree(run_suitability_lake, T)
    _, held = _from_lake(run_suitability_lake, T)
    assert {(h.customer_id, h.item_id) for h in held.holdings} == {
        ("CMID", "P_PRIV"),
        ("CBAD", "P_EQ"),
    }


def test_kept_reports_and_lowest_category_on_a_generated_brokerage(
    small_brokerage: Brokerage, tmp_path: Path
) -> None:
    settings = _run_copy(small_brokerage.settings, tmp_path / "home")
    with lake_connection(settings) as conn:
        day = _latest(conn)
        facts = customer_facts(conn, day, DEFS)
    _assert_kept_reports_agree(settings, day)
    flags = dict(
        duckdb.execute(
            f"SELECT customer_id, lowest_category FROM read_parquet('{facts_file(settings, day)}')"
        ).fetchall()
    )
    assert flags == {c: bool(f.lowest_reasons) for c, f in facts.items()}
    assert any(flags.values())  # the generator answers some assessments into the lowest category


def test_the_rescore_cache_scores_only_what_is_new(
    suitability_lake: Settings, tmp_path: Path
) -> None:
    """A cached assessment keeps its findings (here tampered with, to show it was not scored
    again); other definitions score everything again."""
    import pyarrow.parquet as pq

    from brokerlens.suitability.reports import rescore_cache
    from brokerlens.suitability.rescore import rescore

    shutil.copytree(suitability_lake.home, tmp_path / "home")
    settings = load_settings(home=tmp_path / "home")
    cache = rescore_cache(settings)  # in the warehouse, where the locked-down reader may read
    with lake_connection(settings) as conn:
        plain = rescore(conn, T, DEFS)
        first = rescore(conn, T, DEFS, cache=cache)
        assert first == plain and any(f.customer_id == "CBAD" for f in first.findings)
        table = pq.read_table(cache)
        assert table.num_rows == first.assessments
        rows = table.to_pylist()
        for row in rows:
            row["findings"] = "[]"  # as if every assessment had agreed when cached
        pq.write_table(table.from_pylist(rows, schema=table.schema), cache)
        assert rescore(conn, T, DEFS, cache=cache).findings == []
        fewer = {v: d for v, d in DEFS.items() if v != "V2021.2"}
        other = rescore(conn, T, fewer, cache=cache)
    assert other.findings and other.findings != plain.findings  # scored again, for V2024.1 only


def test_kept_reports_read_the_first_rows_with_the_totals(run_suitability_lake: Settings) -> None:
    from brokerlens.suitability.reports import kept_reports

    full = kept_reports(run_suitability_lake, T)
    first = kept_reports(run_suitability_lake, T, limit=1)
    assert full is not None and first is not None and full[1] and first[1]
    assert first[0].findings == full[0].findings[:1]
    assert first[0].total_findings() == len(full[0].findings) >= 2
    assert first[0].counts() == full[0].counts()
    assert first[0].due() == full[0].due()[:1] and first[0].total_due() == len(full[0].due())
    assert first[1].holdings == full[1].holdings[:1] and first[1].count() == 2
    assert first[1].branches() == full[1].branches()
