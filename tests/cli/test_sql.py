"""`brokerlens sql` as a user meets it: formats, refusals, errors without a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.cli import brokerlens
from support.factories import D1, fact_date, reference_date


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("sql")
    reference_date(tmp / "inbox", D1)
    fact_date(tmp / "inbox", D1)
    assert brokerlens("--home", str(tmp / "home"), "ingest", str(tmp / "inbox")).returncode == 0
    return str(tmp / "home")


QUERY = "select customer_id, total_assets, biz_date from daily_assets order by 1"


def test_table_format(home: str) -> None:
    result = brokerlens("--home", home, "sql", QUERY)
    assert result.returncode == 0, result.stderr
    assert "customer_id" in result.stdout and "6100.50" in result.stdout
    assert "3 row(s)" in result.stdout


def test_csv_format(home: str) -> None:
    result = brokerlens("--home", home, "sql", QUERY, "--format", "csv")
    assert result.stdout.splitlines() == [
        "customer_id,total_assets,biz_date",
        "C1,6100.50,2025-01-02",
        "C2,6100.50,2025-01-02",
        "C3,6100.50,2025-01-02",
    ]


def test_json_format_and_limit(home: str) -> None:
    result = brokerlens("--home", home, "sql", QUERY, "--format", "json", "--limit", "2")
    assert json.loads(result.stdout) == [
        {"customer_id": "C1", "total_assets": "6100.50", "biz_date": "2025-01-02"},
        {"customer_id": "C2", "total_assets": "6100.50", "biz_date": "2025-01-02"},
    ]
    assert "only the first 2 rows" in result.stderr


@pytest.mark.parametrize(
    "sql",
    [
        "delete from trades",
        "copy trades to '/tmp/out.csv'",
        "attach 'x.db'",
        "select 1; drop view x",
    ],
)
def test_writes_are_refused_with_exit_2(home: str, sql: str) -> None:
    result = brokerlens("--home", home, "sql", sql)
    assert result.returncode == 2
    assert "refused" in result.stderr or "statements given" in result.stderr
    assert "Traceback" not in result.stderr


def test_outside_file_is_refused(home: str) -> None:
    result = brokerlens("--home", home, "sql", "select * from read_csv('/etc/passwd')")
    assert result.returncode == 2 and "refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_lake(tmp_path: Path) -> None:
    result = brokerlens("--home", str(tmp_path), "sql", "select 1")
    assert result.returncode == 2
    assert "run `brokerlens ingest INBOX` first" in result.stderr.replace("\n", " ")
