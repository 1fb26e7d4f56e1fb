"""`brokerlens sql` answers `churn_scores` (issue 20): every stored churn score date, one row
per customer and date with its probability and rank."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa

from brokerlens.churn.service import churn_models
from brokerlens.ingest import ingest_inbox
from support.factories import D1, D2, fact_date, query, reference_date, settings_for


def _scores(settings: object, day: dt.date, probabilities: dict[str, float]) -> None:
    ids = sorted(probabilities, key=lambda c: -probabilities[c])
    churn_models(settings).write_scores(  # type: ignore[arg-type]
        day,
        pa.table(
            {
                "as_of": pa.array([day] * len(ids), pa.date32()),
                "customer_id": ids,
                "probability": [probabilities[c] for c in ids],
                "rank": list(range(1, len(ids) + 1)),
                "model_version": pa.array([3] * len(ids), pa.int32()),
            }
        ),
    )


def test_churn_scores_of_every_stored_date(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    reference_date(inbox, D1)
    fact_date(inbox, D1)
    settings = settings_for(tmp_path / "home")
    assert ingest_inbox(settings, inbox).exit_code == 0
    _scores(settings, D1, {"C1": 0.2, "C2": 0.05})
    _scores(settings, D2, {"C1": 0.4, "C2": 0.6, "C3": 0.01})
    rows = query(
        settings,
        "select as_of_date, customer_id, probability, rank, model_version from churn_scores "
        "order by as_of_date, rank",
    )
    assert rows == [
        (D1, "C1", 0.2, 1, 3),
        (D1, "C2", 0.05, 2, 3),
        (D2, "C2", 0.6, 1, 3),
        (D2, "C1", 0.4, 2, 3),
        (D2, "C3", 0.01, 3, 3),
    ]
