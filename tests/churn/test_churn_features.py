"""Point-in-time features: figures of T come from dates <= T only."""

from __future__ import annotations

from brokerlens.churn.reasons import feature_names
from churn.churn_handbox import DAYS
from churn.conftest import PIT_DAY, ChurnHome, features_of


def test_a_feature_as_of_t_does_not_change_when_later_dates_are_loaded(
    churn_home: ChurnHome,
) -> None:
    # the 20 days loaded after T close an account (H_LATE), drain G-customers and move money
    after = features_of(churn_home.settings, PIT_DAY)
    assert after.num_rows == churn_home.features_before.num_rows > 40
    assert after.to_pylist() == churn_home.features_before.to_pylist()


def test_features_by_hand(churn_home: ChurnHome) -> None:
    rows = {r["customer_id"]: r for r in features_of(churn_home.settings, DAYS[22]).to_pylist()}
    out = rows["S_OUT"]  # 100,000 cash, 80,000 out on day 20
    assert out["assets_t"] == 20_000 and out["assets_20"] == 100_000
    assert out["net_out_20"] == 80_000 and out["net_out_share_20"] == 0.8
    assert out["out_days_20"] == 1 and out["out_5"] == 80_000
    assert out["assets_change_20"] == -0.8 and out["return_20"] == 0.0
    back = rows["S_BACK"]  # 80,000 out on day 20, 60,000 in on day 22
    assert back["net_out_20"] == 20_000 and back["in_20"] == 60_000
    stay = rows["STAY"]
    assert stay["trades_20"] == 0 and stay["days_since_trade"] == 25  # the lookback: none seen
    # a hard churn delivered by T takes the customer off the books; a later one does not
    assert "H_CLOSED" not in rows and "H_CUST" not in rows and "H_DESIG" not in rows
    assert "H_LATE" in rows and "H_MARGIN" in rows
    assert rows["H_MARGIN"]["accounts_closed"] == 1


def test_every_feature_has_a_reason_group(churn_home: ChurnHome) -> None:
    table = features_of(churn_home.settings, DAYS[30])
    columns = set(table.column_names) - {"customer_id", "branch_id"}
    assert sorted(feature_names(25)) == sorted(columns)
