"""Whole-date rejections: nothing of the date becomes visible, what was loaded stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from brokerlens.ingest import IngestReport, ingest_inbox
from brokerlens.lake.catalog import read_catalog
from brokerlens.lake.layout import LakeLayout
from support.factories import (
    D1,
    D2,
    D3,
    D4,
    SATURDAY,
    fact_date,
    make_trade,
    query,
    reference_date,
    settings_for,
    write_feed,
    write_manifest,
)


def run(tmp_path: Path, **kw: object) -> IngestReport:
    settings = settings_for(tmp_path / "home", threshold=float(kw.pop("threshold", 1.0)))  # type: ignore[arg-type]
    return ingest_inbox(settings, tmp_path / "inbox", **kw)  # type: ignore[arg-type]


def base(tmp_path: Path) -> Path:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    fact_date(inbox, D1)
    return inbox


def only_d1_visible(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "home")
    assert query(settings, "select distinct biz_date from daily_assets") == [(D1,)]
    assert query(settings, "select count(*) from trades") == [(1,)]
    assert sorted(read_catalog(LakeLayout(settings.lake_dir)).dates) == [D1]
    dirs = sorted(p.name[:10] for p in (settings.lake_dir / "dates").iterdir())
    assert dirs == [D1.isoformat()]  # the rejected date left no directory behind


def rejected_reason(report: IngestReport) -> str:
    [result] = report.rejected
    assert result.status == "rejected" and result.rows_loaded == 0
    assert report.exit_code == 3
    return result.reason or ""


def test_unparseable_csv_names_file_line_and_column(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    path = fact_date(inbox, D2) / "trades.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1] + ",extra", ""]))  # line 3: too many columns
    reason = rejected_reason(run(tmp_path))
    assert "trades.csv" in reason and "line 3" in reason
    only_d1_visible(tmp_path)


def test_unterminated_quote_after_a_multiline_field(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    folder = fact_date(inbox, D2)
    rows = [make_trade("T1", D2, channel="app"), make_trade("T2", D2)]
    write_feed(folder, "trades", rows)
    text = (folder / "trades.csv").read_text()
    text = text.replace(",app,", ',"a\npp",', 1)  # a quoted newline: lines 2-3 hold row 1
    text += '2025-01-03,"T3,broken\n'  # line 5
    (folder / "trades.csv").write_text(text)
    reason = rejected_reason(run(tmp_path))
    assert "trades.csv" in reason and "line 5" in reason
    only_d1_visible(tmp_path)


def test_missing_column(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    rows = [make_trade("T1", D2)]
    columns = [c for c in rows[0] if c != "channel"]
    write_feed(inbox / D2.isoformat(), "trades", rows, columns=columns)
    reason = rejected_reason(run(tmp_path))
    assert "trades.csv" in reason and "line 1" in reason and "'channel'" in reason
    only_d1_visible(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    folder = fact_date(inbox, D2)
    (folder / "trades.csv").write_text("")
    assert "empty" in rejected_reason(run(tmp_path))
    only_d1_visible(tmp_path)


def test_manifest_row_count_mismatch(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    folder = fact_date(inbox, D2)
    manifest = write_manifest(folder, D2)
    raw = json.loads(manifest.read_text())
    raw["feeds"]["trades"]["rows"] = 2
    manifest.write_text(json.dumps(raw))
    reason = rejected_reason(run(tmp_path))
    assert "trades.csv" in reason and "1 data rows, the manifest says 2" in reason
    only_d1_visible(tmp_path)


def test_manifest_checksum_mismatch(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    folder = fact_date(inbox, D2)
    write_manifest(folder, D2)
    with (folder / "positions.csv").open("a") as fh:
        fh.write("\n")
    reason = rejected_reason(run(tmp_path))
    assert "positions.csv" in reason and "sha256" in reason
    only_d1_visible(tmp_path)


def test_manifest_names_a_missing_file(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    folder = fact_date(inbox, D2)
    write_manifest(folder, D2)
    (folder / "positions.csv").unlink()
    reason = rejected_reason(run(tmp_path))
    assert "_manifest.json" in reason and "positions" in reason
    only_d1_visible(tmp_path)


def test_manifest_of_another_date(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    write_manifest(fact_date(inbox, D2), D1)
    assert "business_date" in rejected_reason(run(tmp_path))


def test_threshold_exceeded(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    trades = [make_trade(f"T{i}", D2) for i in range(99)] + [make_trade("TX", D2, side="x")]
    fact_date(inbox, D2, trades=trades)
    assert run(tmp_path, threshold=0.01).exit_code == 1  # 1% is not beyond 1%
    trades.append(make_trade("TY", D2, side="y"))
    fact_date(inbox, D2, trades=trades)
    report = run(tmp_path, threshold=0.01)
    reason = rejected_reason(report)
    assert "trades.csv" in reason and "2 of 101 rows" in reason and "bad_enum on side" in reason
    # the earlier load of D2 stays as it was
    settings = settings_for(tmp_path / "home")
    assert query(settings, "select count(*) from trades where biz_date = DATE '2025-01-03'") == [
        (99,)
    ]


def test_non_trading_day(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    fact_date(inbox, SATURDAY)
    reason = rejected_reason(run(tmp_path))
    assert "2025-01-04" in reason and "not a trading day" in reason
    only_d1_visible(tmp_path)


def test_gap_names_the_missing_days_and_allow_gap_loads(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    fact_date(inbox, D4)  # D2 (01-03) and D3 (01-06) are missing
    reason = rejected_reason(run(tmp_path))
    assert "missing 2025-01-03, 2025-01-06" in reason
    only_d1_visible(tmp_path)
    report = run(tmp_path, allow_gap=True)
    assert [d.status for d in report.dates] == ["loaded", "loaded"]


def test_a_date_after_a_rejected_date_is_a_gap(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    fact_date(inbox, D2)
    (inbox / D2.isoformat() / "trades.csv").write_text("biz_date\n")  # missing columns
    fact_date(inbox, D3)
    report = run(tmp_path)
    assert [d.status for d in report.dates] == ["loaded", "rejected", "rejected"]
    assert "2025-01-03 rejected in this run" in (report.dates[2].reason or "")
    only_d1_visible(tmp_path)


def test_redelivery_of_an_earlier_date_needs_no_gap_check(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    fact_date(inbox, D2)
    fact_date(inbox, D3)
    assert run(tmp_path).exit_code == 0
    only_d2 = tmp_path / "again"
    fact_date(only_d2, D2)
    settings = settings_for(tmp_path / "home")
    assert ingest_inbox(settings, only_d2).exit_code == 0


def test_bad_parquet_file(tmp_path: Path) -> None:
    inbox = base(tmp_path)
    folder = fact_date(inbox, D2)
    (folder / "trades.csv").unlink()
    (folder / "trades.parquet").write_bytes(b"PAR1 not really")
    reason = rejected_reason(run(tmp_path))
    assert "trades.parquet" in reason and "Parquet" in reason


@pytest.mark.parametrize("name", ["trades.csv", "trades.parquet"])
def test_a_feed_delivered_twice(tmp_path: Path, name: str) -> None:
    inbox = base(tmp_path)
    folder = fact_date(inbox, D2)
    write_feed(folder, "trades", [make_trade("T1", D2)], fmt="parquet")
    assert "delivered twice" in rejected_reason(run(tmp_path))
    assert (folder / name).exists()
