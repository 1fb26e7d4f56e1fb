"""`brokerlens churn fit` as a user runs it: the exit code, the table of the fitted model's
figures (those stored), where it went; and a lake too short or a bad date said plainly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from brokerlens.churn.service import churn_models
from churn.churn_handbox import DAYS
from churn.conftest import ChurnHome, copy_home
from support.cli import in_process


def _cells(out: str, first: str) -> list[str]:
    """The cells of the table row that starts with `first` (rich's box drawing aside)."""
    rows = [re.findall(r"[^\s│┃]+", line) for line in out.splitlines()]
    found = [cells for cells in rows if cells and cells[0] == first]
    assert len(found) == 1, (first, out)
    return found[0]


def test_churn_fit_prints_the_stored_models_figures(
    churn_home: ChurnHome,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = copy_home(churn_home, tmp_path / "home")
    monkeypatch.setenv("COLUMNS", "200")
    code, out = in_process(monkeypatch, capsys, "--home", str(settings.home), "churn", "fit")
    assert code == 0, out
    model = churn_models(settings).read_model(1)
    assert f"churn model v1 (lake through {DAYS[-1].isoformat()})" in out
    assert model.lake_through == DAYS[-1].isoformat()
    split = {name: len(dates) for name, dates in model.split.items()}
    assert (
        f"{sum(split.values())} as-of dates: train {split['train']}, calibrate "
        f"{split['calibration']}, test {split['test']}"
    ) in out
    for name in ("train", "calibration", "test"):
        cells = _cells(out, name)
        figures = model.metrics[name]
        assert int(cells[1].replace(",", "")) > 0 and cells[2] == f"{figures['positives']:,.0f}"
        assert cells[3] == str(figures.get("roc_auc", "-"))
    assert f"stored in {settings.home}" in out.replace("\n", "")
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--as-of", DAYS[35].isoformat()], ["too short", "load at least"]),
        (["--as-of", "2025-02-30"], ["--as-of", "2025-02-30"]),
    ],
    ids=["too-short", "bad-date"],
)
def test_churn_fit_refusals_say_why_without_a_traceback(
    args: list[str],
    says: list[str],
    churn_home: ChurnHome,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = copy_home(churn_home, tmp_path / "home")
    code, out = in_process(monkeypatch, capsys, "--home", str(settings.home), "churn", "fit", *args)
    assert code != 0 and all(text in out for text in says), out
    assert "Traceback" not in out
    assert churn_models(settings).versions() == []  # nothing stored
