"""The evaluation as a step of `brokerlens run`: kept per as-of date, queryable in `sql` as
`product_metrics` with every date, found by the service layer's kept-file API."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from brokerlens.config import load_settings
from brokerlens.errors import ConfigError
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from brokerlens.pipeline import run_pipeline
from brokerlens.products import METRIC_COLUMNS
from brokerlens.products.config import config_path, load_config
from brokerlens.warehouse import run_query
from brokerlens.warehouse.served import kept_dates, kept_file
from support.brokerage import Brokerage

# The columns the product pages read, in this order: the SQL must give them first.
AGREED = list(METRIC_COLUMNS)
TYPES = {"DATE", "VARCHAR", "INTEGER", "DOUBLE"}


def test_run_keeps_the_evaluation_of_each_date(small_brokerage: Brokerage, tmp_path: Path) -> None:
    shutil.copytree(small_brokerage.settings.lake_dir, tmp_path / "lake")
    settings = load_settings(home=tmp_path)
    days = sorted(read_catalog(LakeLayout(settings.lake_dir)).dates)
    first = run_pipeline(settings)
    step = next(s for s in first.steps if s.name == "product metrics")
    assert step.engine == "duckdb" and step.result.rows and step.result.rows > 20
    valued = run_query(
        settings,
        "select count(distinct product_id) from product_nav where biz_date <= "
        f"date '{first.as_of}'",
    ).rows[0][0]
    assert step.result.rows == valued
    earlier = run_pipeline(settings, as_of=days[-2])
    assert kept_dates(settings, "product_metrics") == [earlier.as_of, first.as_of]
    assert kept_file(settings, "product_metrics", first.as_of) is not None
    result = run_query(settings, "select * from product_metrics limit 5")
    assert result.columns[: len(AGREED)] == AGREED and len(result.rows) == 5
    dates = run_query(
        settings, "select as_of_date, count(*) from product_metrics group by 1 order by 1"
    ).rows
    assert [d for d, _ in dates] == [earlier.as_of, first.as_of]
    assert dates[1][1] == valued
    kinds = run_query(
        settings,
        "select column_name, column_type from (describe select * from product_metrics)",
    )
    types = dict(kinds.rows)
    assert types["type_rank"] == "INTEGER" and types["nav_date"] == "DATE"
    assert {types[c] for c in AGREED} <= TYPES
    # the delivered history before the first date counts: 12 loaded days still give products
    # launched years ago their 1-year return and their stars
    reach = run_query(
        settings,
        "select count(return_1y), count(stars), max(history_days) from product_metrics "
        f"where as_of_date = date '{first.as_of}'",
    ).rows[0]
    assert reach[0] > 0 and reach[1] > 0 and reach[2] > 3 * 365, reach


@pytest.mark.parametrize(
    ("bad", "field"),
    [("risk_free_rate: lots\n", "risk_free_rate"), ("stars: {months: 1}\n", "stars.months")],
)
def test_a_bad_settings_file_is_refused_naming_the_file(
    tmp_path: Path, bad: str, field: str
) -> None:
    settings = load_settings(home=tmp_path)
    config_path(settings).parent.mkdir(parents=True)
    config_path(settings).write_text(bad, "utf-8")
    with pytest.raises(ConfigError, match=rf"evaluation\.yaml.*field `{field}`"):
        load_config(settings)
