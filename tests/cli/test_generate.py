"""`brokerlens generate` as a user meets it: clear parameter errors, no tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli import in_process


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    return in_process(monkeypatch, capsys, "generate", *args)


@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--customers", "0"], "--customers"),
        (["--start", "2025-01-10", "--end", "2025-01-03"], "--end"),
        (["--start", "2025-01-04"], "--start"),
        (["--start", "1990-01-04"], "--start"),
        (["--start", "2025-02-30"], "--start"),
        (["--end", "2031-01-01"], "--end"),
        (["--days", "0"], "--days"),
        (["--start", "2026-12-01", "--days", "100"], "--days"),
        (["--days", "3", "--end", "2025-01-10"], "--days"),
        (["--bad-rows", "0.9"], "--bad-rows"),
        (["--format", "xlsx"], "--format"),
        (["--encoding", "latin-1"], "--encoding"),
        (["--format", "parquet", "--encoding", "gbk"], "--encoding"),
    ],
)
def test_bad_parameters_are_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    args: list[str], names: str,
) -> None:  # fmt: skip
    code, text = _run(monkeypatch, capsys, "--out", str(tmp_path / "o"), *args)
    assert code != 0
    assert names in text
    assert "Traceback" not in text
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_refuses_a_foreign_non_empty_folder(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    code, text = _run(
        monkeypatch, capsys, "--out", str(tmp_path), "--customers", "20", "--days", "2"
    )
    assert code != 0 and "--force" in text and "Traceback" not in text
    code, text = _run(
        monkeypatch, capsys, "--out", str(tmp_path), "--customers", "20", "--days", "2", "--force"
    )
    assert code == 0, text
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert (tmp_path / "2025-01-03" / "_manifest.json").exists()


def test_summary_lists_rows_per_feed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, text = _run(
        monkeypatch, capsys, "--out", str(tmp_path / "o"), "--customers", "30", "--days", "2",
        "--bad-rows", "0.1",
    )  # fmt: skip
    assert code == 0, text
    for feed in ("daily_assets", "positions", "quotes", "customers"):
        assert feed in text
    assert "bad rows injected" in text and "done in" in text


def test_an_actions_file_is_read_and_a_bad_one_named_by_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    actions = tmp_path / "done.csv"
    actions.write_text("customer_id,date,action\nC000000003,2025-01-03,contact\n")
    out = str(tmp_path / "o")
    code, text = _run(monkeypatch, capsys, "--out", out, "--days", "2", "--actions", str(actions))
    assert code == 0, text
    assert "actions read: 1" in text and "effects.parquet" in text
    actions.write_text("customer_id,date,action\nC000000003,2025-01-03,phoned\n")
    code, text = _run(monkeypatch, capsys, "--out", out, "--days", "2", "--actions", str(actions))
    assert code != 0
    assert "done.csv, line 2, column 'action'" in text and "Traceback" not in text
    assert (tmp_path / "o" / "2025-01-03").exists()  # the previous output is left alone
