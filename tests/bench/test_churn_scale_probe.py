"""The churn_scale probe (issue 21): a fitted home's churn features tiled to N customers (ids
made unique, values repeated, the labels tiled alike) and scored by the `churn` step's
function, the first copy exactly as the untiled table; on the churn tests' hand-built home."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pytest

from brokerlens.bench.churn_scale import main, tile
from brokerlens.churn.service import fit_model
from churn.conftest import ChurnHome, churn_home, copy_home  # noqa: F401  (the fixture)


def test_tiling_repeats_the_rows_under_new_ids() -> None:
    table = pa.table({"customer_id": ["a", "b", "c"], "x": [1.0, None, 3.0], "n": [1, 2, 3]})
    out = tile(table, 8)
    ids = out.column("customer_id").to_pylist()
    assert out.num_rows == 8 and out.schema == table.schema
    assert ids == ["a", "b", "c", "a~1", "b~1", "c~1", "a~2", "b~2"]
    assert len(set(ids)) == 8
    assert out.column("x").to_pylist() == [1.0, None, 3.0] * 2 + [1.0, None]
    assert out.column("n").to_pylist() == [1, 2, 3] * 2 + [1, 2]
    assert tile(table, 2).equals(table.slice(0, 2))
    with pytest.raises(ValueError, match="no rows"):
        tile(table.slice(0, 0), 5)


@pytest.mark.slow  # the hand-built home loaded and a model fitted: ~10 s
def test_the_probe_scores_the_tiled_features_as_the_untiled_ones(
    churn_home: ChurnHome,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = copy_home(churn_home, tmp_path / "home")
    fit_model(settings, seed=3)
    assert main(["--home", str(settings.home), "--customers", "200"]) == 0
    figures = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    # 46 customers on the books at the last day, 14 of them known to have churned: 32 scored
    assert figures["home_customers"] == 46 and figures["first_copy_rows"] == 32
    assert figures["customers"] == 200 and figures["copies"] == 5  # 4 x 46 + 16
    assert figures["first_copy_same"] is True
    assert 4 * 32 < figures["scored"] < 5 * 32  # each copy's known churners left out too
    assert figures["explained"] == figures["explained_expected"] > 0
    assert figures["wall_s"] >= 0 and figures["peak_rss_mb"] > 0
    assert [p.name for p in tmp_path.iterdir()] == ["home"]  # the scratch folder is gone
