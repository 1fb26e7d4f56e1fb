"""`brokerlens points ...` on the published small brokerage, in-process: the rules, the step
run again for T (the same awards), a customer's balance as a named user, an item added and
redeemed, the orders listed, an adjustment asked and approved through `brokerlens approvals`,
the report written to Excel; without `--user` a change is refused, an unknown rule file named."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from brokerlens.warehouse.served import kept_dates, kept_file
from web.conftest import Published, SignedIn
from web.test_cli_access import Cli, cli  # noqa: F401  (the in-process CLI fixture)
from web.test_web_points import rich_customer


def test_rules_build_balance_redeem_adjust_and_report(
    published: Published,
    other_client: Callable[[str], SignedIn],
    cli: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    hq, broker = published.users["hq_marketing"][0], published.users["broker"][0]
    manager = published.users["branch_manager"][0]
    listed = cli("points", "rules")
    assert listed.returncode == 0 and "turnover" in listed.stdout and "交易积分" in listed.stdout
    assert "anniversary" not in cli("points", "rules", "--on", "2019-12-31").stdout
    day = kept_dates(published.settings, "points_awards")[-1]
    path = kept_file(published.settings, "points_awards", day)
    assert path is not None
    before = pq.read_table(path).to_pylist()
    built = cli("points", "build")
    assert built.returncode == 0 and f"points as of {day}:" in built.stdout
    assert pq.read_table(path).to_pylist() == before  # run again: the same awards, once
    customer, balance = rich_customer(other_client("broker"), 1)
    shown = cli("points", "balance", customer, "--user", broker)
    assert shown.returncode == 0, shown.stderr
    assert f"balance {balance:,}" in shown.stdout
    refused = cli("points", "redeem", customer, "1")
    assert refused.returncode == 2 and "Missing option '--user'" in refused.stderr
    made = cli("points", "item", "--user", hq, "--name", "命令行测试书签", "--price", "1")
    assert made.returncode == 0, made.stderr
    item = re.search(r"│\s*(\d+)\s*│\s*命令行测试书签", made.stdout)
    assert item is not None, made.stdout
    placed = cli("points", "redeem", customer, item.group(1), "--user", broker)
    assert placed.returncode == 0 and "placed" in placed.stdout, placed.stderr
    orders = cli("points", "orders", "--user", broker, "--customer", customer)
    assert "命令行测试书签" in orders.stdout
    asked = cli("points", "adjust", customer, "7", "--reason", "补录活动积分", "--user", manager)
    found = re.search(r"request (\d+) waits", asked.stderr)
    assert asked.returncode == 0 and found is not None, asked.stderr
    approved = cli("approvals", "approve", found.group(1), "--user", hq)
    assert approved.returncode == 0, approved.stderr
    after = cli("points", "balance", customer, "--user", broker)
    assert f"balance {balance - 1 + 7:,}" in after.stdout
    out = tmp_path / "points.xlsx"
    report = cli("points", "report", "--user", hq, "--out", str(out))
    assert report.returncode == 0 and "total" in report.stdout, report.stderr
    assert zipfile.is_zipfile(out)
    assert cli("points", "report", "--user", broker).returncode == 2  # by branch: managers


def test_a_broken_rules_file_is_named(
    published: Published,
    cli: Cli,  # noqa: F811
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    (home / "points").mkdir(parents=True)
    (home / "points" / "rules.yaml").write_text("rules:\n  - id: x\n", "utf-8")
    done = cli("--home", str(home), "points", "rules")
    assert done.returncode == 2 and "points/rules.yaml: rule 'x'" in done.stderr
    assert "Traceback" not in done.stderr
