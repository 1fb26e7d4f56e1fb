"""`brokerlens ingest` as a user meets it: tables, exit codes, errors without a traceback."""

from __future__ import annotations

from pathlib import Path

from support.cli import brokerlens
from support.factories import D1, D4, fact_date, make_trade, reference_date


def test_clean_load_exits_0_and_prints_the_summary(tmp_path: Path) -> None:
    reference_date(tmp_path / "inbox", D1)
    fact_date(tmp_path / "inbox", D1)
    result = brokerlens("--home", str(tmp_path / "home"), "ingest", str(tmp_path / "inbox"))
    assert result.returncode == 0, result.stderr
    assert "daily_assets" in result.stdout and "2025-01-02" in result.stdout
    assert "1 date(s) loaded, 0 rejected, 0 row(s) quarantined" in result.stdout


def test_quarantine_exits_1_and_a_rejected_date_exits_3(tmp_path: Path) -> None:
    inbox, home = tmp_path / "inbox", str(tmp_path / "home")
    reference_date(inbox, D1)
    trades = [make_trade(f"T{i}", D1) for i in range(3)] + [make_trade("TX", D1, side="x")]
    fact_date(inbox, D1, trades=trades)
    result = brokerlens("--home", home, "ingest", str(inbox), "--threshold", "0.5")
    assert result.returncode == 1, result.stderr
    assert "loaded_with_quarantine" in result.stdout

    fact_date(inbox, D4)  # after a gap
    result = brokerlens("--home", home, "ingest", str(inbox), "--threshold", "0.5")
    assert result.returncode == 3
    assert "rejected" in result.stdout and "2025-01-03" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr

    result = brokerlens("--home", home, "ingest", str(inbox), "--threshold", "0.5", "--allow-gap")
    assert result.returncode == 1


def test_threshold_option_rejects(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    fact_date(inbox, D1, trades=[make_trade("T1", D1), make_trade("T2", D1, side="x")])
    result = brokerlens("--home", str(tmp_path / "home"), "ingest", str(inbox))
    assert result.returncode == 3
    assert "threshold" in result.stdout


def test_missing_inbox_is_an_error_without_traceback(tmp_path: Path) -> None:
    result = brokerlens("--home", str(tmp_path / "home"), "ingest", str(tmp_path / "nope"))
    assert result.returncode == 2
    assert "the inbox is not a directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_empty_inbox(tmp_path: Path) -> None:
    (tmp_path / "inbox" / "notes").mkdir(parents=True)
    result = brokerlens("--home", str(tmp_path / "home"), "ingest", str(tmp_path / "inbox"))
    assert result.returncode == 2 and "no date folders" in result.stderr


def test_help_documents_exit_codes() -> None:
    result = brokerlens("ingest", "--help")
    assert result.returncode == 0
    assert "Exit codes" in result.stdout and "--allow-gap" in result.stdout
