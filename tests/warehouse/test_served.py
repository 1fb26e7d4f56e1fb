"""warehouse.served: what the service layer reads of the warehouse, by kind and date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.config import load_settings
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.served import (
    kept_dates,
    kept_file,
    newest_date,
    parquet_source,
    row_count,
    served_profile_file,
)

D1, D2 = dt.date(2025, 1, 2), dt.date(2025, 1, 3)


def test_kept_files_by_kind_and_date(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path)
    layout = WarehouseLayout(settings.warehouse_dir)
    for day in (D1, D2):
        path = layout.churn_scores_file(day)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table({"customer_id": ["C1", "C2"]}), path)
    (layout.churn_scores_file(D2).parent / ".2025-01-04.parquet.1-ab.partial").write_text("")
    assert kept_dates(settings, "churn_scores") == [D1, D2]
    assert newest_date(settings, "churn_scores") == D2
    assert newest_date(settings, "churn_scores", up_to=D1) == D1
    assert newest_date(settings, "churn_scores", up_to=D1 - dt.timedelta(days=1)) is None
    assert newest_date(settings, "profile") is None
    found = kept_file(settings, "churn_scores", D2)
    assert found == layout.churn_scores_file(D2) and row_count(found) == 2
    assert kept_file(settings, "activation", D2) is None


def test_the_served_copy_and_its_sql(tmp_path: Path) -> None:
    copy = tmp_path / "it's.parquet"
    assert served_profile_file(str(copy)) is None and served_profile_file(None) is None
    copy.write_text("")
    assert served_profile_file(str(copy)) == str(copy)
    assert parquet_source(copy) == f"read_parquet('{tmp_path}/it''s.parquet')"
