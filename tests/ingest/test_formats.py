"""Encodings and formats: GBK with a manifest, a UTF-8 BOM, Parquet, quoted line breaks."""

from __future__ import annotations

from pathlib import Path

from brokerlens.ingest import ingest_inbox
from support.factories import (
    D1,
    D2,
    fact_date,
    make_customer,
    make_trade,
    quarantine_rows,
    query,
    reference_date,
    settings_for,
    write_feed,
    write_manifest,
)


def test_gbk_with_manifest(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    folder = inbox / D1.isoformat()
    customers = [
        make_customer("C1", name="张三丰", city="北京"),
        make_customer("C2"),
        make_customer("C3"),
    ]
    reference_date(inbox, D1, encoding="gbk", customers=customers)
    write_manifest(folder, D1, encoding="gbk")
    assert "张三丰".encode("gbk") in (folder / "customers.csv").read_bytes()
    settings = settings_for(tmp_path / "home")
    assert ingest_inbox(settings, inbox).exit_code == 0
    assert query(settings, "select name, city from customers where customer_id = 'C1'") == [
        ("张三丰", "北京")
    ]


def test_gbk_bytes_without_manifest_are_refused_as_invalid_utf8(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    write_feed(inbox / D1.isoformat(), "customers", [make_customer(name="张三")], encoding="gbk")
    report = ingest_inbox(settings_for(tmp_path / "home"), inbox)
    assert report.exit_code == 3
    assert "customers.csv" in (report.rejected[0].reason or "")


def test_invalid_gbk_names_the_line(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    folder = reference_date(inbox, D1, encoding="gbk")
    with (folder / "customers.csv").open("ab") as fh:
        fh.write(b"C3,\x80\xff\n")
    write_manifest(folder, D1, encoding="gbk")
    report = ingest_inbox(settings_for(tmp_path / "home"), inbox)
    assert "line 5" in (report.rejected[0].reason or "")


def test_utf8_bom(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    folder = reference_date(inbox, D1)
    write_feed(folder, "customers", [make_customer("C1"), make_customer("C2"), make_customer("C3")])
    data = (folder / "customers.csv").read_bytes()
    (folder / "customers.csv").write_bytes(b"\xef\xbb\xbf" + data)
    settings = settings_for(tmp_path / "home")
    assert ingest_inbox(settings, inbox).exit_code == 0
    assert query(settings, "select count(*) from customers") == [(3,)]


def test_parquet_input_with_manifest(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    folder = inbox / D2.isoformat()
    trades = [make_trade("T1", D2), make_trade("T2", D2, side="hold"), make_trade("T3", D2)]
    write_feed(folder, "trades", trades, fmt="parquet")
    write_manifest(folder, D2)
    settings = settings_for(tmp_path / "home")
    assert ingest_inbox(settings, inbox).exit_code == 1
    assert query(
        settings, "select trade_id, price, trade_time::varchar from trades order by 1"
    ) == [
        ("T1", 10, "2025-01-03 10:30:00"),
        ("T3", 10, "2025-01-03 10:30:00"),
    ]
    # Parquet has no lines: `line` is the row's line in a CSV rendering (row number + 1)
    assert [(r[0], r[1], r[3]) for r in quarantine_rows(settings, "trades")] == [
        (3, "bad_enum", "hold")
    ]


def test_quoted_line_breaks_keep_physical_line_numbers(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    customers = [
        make_customer("C1", city="上海\n浦东"),  # lines 2-3
        make_customer("C2", email="a\r\nb\nc"),  # lines 4-6
        make_customer("C3", status="bad"),  # line 7
    ]
    write_feed(inbox / D1.isoformat(), "customers", customers)
    settings = settings_for(tmp_path / "home")
    ingest_inbox(settings, inbox)
    assert [(r[0], r[1]) for r in quarantine_rows(settings, "customers")] == [(7, "bad_enum")]
    assert query(settings, "select city from customers where customer_id = 'C1'") == [
        ("上海\n浦东",)
    ]


def test_extra_columns_are_ignored_but_kept_in_quarantine_raw(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    trades = [make_trade("T1", D2, note="vip"), make_trade("T2", D2, side="x", note="n2")]
    write_feed(inbox / D2.isoformat(), "trades", trades)
    settings = settings_for(tmp_path / "home")
    ingest_inbox(settings, inbox)
    [row] = quarantine_rows(settings, "trades")
    assert row[4]["note"] == "n2"
    columns = [c for (c,) in query(settings, "select column_name from (describe trades)")]
    assert "note" not in columns


def test_header_only_file_loads_zero_rows(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    fact_date(inbox, D2, trades=[])
    settings = settings_for(tmp_path / "home")
    report = ingest_inbox(settings, inbox)
    assert report.exit_code == 0
    assert report.dates[1].feeds["trades"] == (0, 0)
