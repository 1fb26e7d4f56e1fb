"""`brokerlens generate --continue`: the next business dates of a generated brokerage, as the
run would have gone on, never rewriting a delivered date."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import gen_checks as checks
import pandas as pd
import pytest

from brokerlens.config import load_settings
from brokerlens.generate import ContinueOptions, GenerateOptions, continue_generation, generate
from brokerlens.ingest import ingest_inbox
from support.cli import in_process

START = dt.date(2025, 3, 3)


def _digests(out: Path) -> dict[str, str]:
    """sha256 of every file but the saved state (a pickle: same state, not always same bytes)."""
    return {
        str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(out.rglob("*"))
        if p.is_file() and "_generator_state" not in p.parts
    }


def _generated(out: Path, **kw: object) -> Path:
    options = {"customers": 300, "days": 6, "start": START, "seed": 21, **kw}
    generate(GenerateOptions(out=out, **options))  # type: ignore[arg-type]
    return out


def test_continuing_by_one_day_twice_is_continuing_by_two(tmp_path: Path) -> None:
    once = _generated(tmp_path / "once", customers=1000, format="parquet", bad_rows=0.02)
    twice = tmp_path / "twice"
    shutil.copytree(once, twice)
    delivered = _digests(once)
    continue_generation(ContinueOptions(once, 2))
    continue_generation(ContinueOptions(twice, 1))
    continue_generation(ContinueOptions(twice, 1))
    after = _digests(once)
    assert after == _digests(twice)
    new_dates = sorted({key.split("/")[0] for key in after} - {k.split("/")[0] for k in delivered})
    assert new_dates == ["2025-03-11", "2025-03-12"]
    # the delivered dates are untouched; the streamed ground truth grew
    assert {k: v for k, v in after.items() if k[:2] == "20" and k[:10] < "2025-03-11"} == {
        k: v for k, v in delivered.items() if k[:2] == "20"
    }
    assert after["_ground_truth/effects.parquet"] != delivered["_ground_truth/effects.parquet"]
    # past the planned days: accounts opened on the new dates, an IPO announced (extend.py)
    opened = checks.read(once / "2025-03-11", "customers")
    assert opened is not None
    assert opened[opened.open_date == "2025-03-11"].customer_id.tolist() == ["C000001000"]
    announced = checks.read(once / "2025-03-12", "securities")
    assert announced is not None
    assert announced.list_date.tolist() == ["2025-03-17"]


def _positions(out: Path, day: str) -> pd.DataFrame:
    frame = checks.read(out / day, "positions")
    assert frame is not None
    frame["quantity"] = frame["quantity"].astype(int)
    return frame.set_index(["customer_id", "security_id"])["quantity"]


def test_a_continued_inbox_ingests_after_the_original(tmp_path: Path) -> None:
    inbox = _generated(tmp_path / "inbox", customers=400, days=4)
    settings = load_settings(home=tmp_path / "home")
    assert ingest_inbox(settings, inbox).exit_code == 0
    continue_generation(ContinueOptions(inbox, 2))
    # only the new dates, as the next deliveries: no gap after the loaded ones
    following = tmp_path / "following"
    for day in ("2025-03-07", "2025-03-10"):
        shutil.copytree(inbox / day, following / day)
    report = ingest_inbox(settings, following)
    assert report.exit_code == 0, [d.reason for d in report.dates if d.reason]
    assert [(d.day.isoformat(), d.replaced) for d in report.dates] == [
        ("2025-03-07", False),
        ("2025-03-10", False),
    ]
    data = checks.check_contract(inbox)  # the feed contract over the six dates
    checks.check_reconciliations(data)
    # a holding of the last generated date carries to the first continued one unless traded
    before, after = _positions(inbox, "2025-03-06"), _positions(inbox, "2025-03-07")
    trades = checks.read(inbox / "2025-03-07", "trades")
    actions = checks.read(inbox / "2025-03-07", "corporate_actions")
    moved = set()
    if trades is not None:
        moved = set(zip(trades.customer_id, trades.security_id, strict=True))
    split = set() if actions is None else set(actions.security_id)
    kept = [key for key in before.index if key not in moved and key[1] not in split]
    assert len(kept) > 0.9 * len(before)
    carried = after.reindex(kept)
    gone = carried.isna()  # a customer who closed the account today
    assert gone.mean() < 0.02
    assert (carried[~gone] == before.loc[kept][~gone]).all()


def _cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    return in_process(monkeypatch, capsys, "generate", *args)


def test_bad_continuations_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    inbox = _generated(tmp_path / "inbox", customers=50, days=2)
    (tmp_path / "mine").mkdir()
    old = tmp_path / "old"
    shutil.copytree(inbox, old)
    shutil.rmtree(old / "_generator_state")
    cases = [
        (["--continue", str(tmp_path / "mine"), "--days", "1"], "not a generator output"),
        (["--continue", str(inbox)], "--days"),
        (["--continue", str(inbox), "--days", "0"], "--days"),
        (["--continue", str(old), "--days", "1"], "older brokerlens"),
        (["--continue", str(inbox), "--days", "1", "--customers", "9"], "--customers"),
        (["--continue", str(inbox), "--days", "1", "--out", str(inbox)], "--out"),
    ]
    delivered = _digests(inbox)
    for args, words in cases:
        code, text = _cli(monkeypatch, capsys, *args)
        assert code == 2, args
        assert words in " ".join(text.split()), (args, text)
        assert "Traceback" not in text
    assert _digests(inbox) == delivered
