"""Churn models and scores under the warehouse, versioned.

`<warehouse>/churn/models/v<N>/`: `model.json` (version, features, configuration, split,
calibration, metrics) and `booster.txt` (the LightGBM trees). A fit writes the next version
aside and renames it into place, so a reader sees it whole or not. `<warehouse>/churn/scores/
<T>.parquet` holds the scores of as-of date T (the last scoring of T wins).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.atomic import atomic_dir, atomic_file
from brokerlens.errors import LakeError, NotFound
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.query import customer_rows

FORMAT = "brokerlens.churn/1"
NO_MODEL_HINT = "fit one first: brokerlens churn fit"


@dataclass
class ChurnModel:
    version: int
    fitted_at: str
    seed: int
    lake_through: str  # the last business date the fit read
    features: list[str]
    config: dict[str, Any]
    split: dict[str, list[str]]  # train / calibration / test as-of dates
    calibration: dict[str, list[float]]  # isotonic points x -> y
    metrics: dict[str, dict[str, float]]
    importance: dict[str, float] = field(default_factory=dict)  # total gain per feature
    format: str = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> ChurnModel:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class ChurnModels:
    """The churn models and scores kept in the warehouse (paths: `WarehouseLayout`)."""

    warehouse: WarehouseLayout

    def versions(self) -> list[int]:
        return self.warehouse.churn_versions()

    def next_version(self) -> int:
        versions = self.versions()
        return versions[-1] + 1 if versions else 1

    def version_dir(self, version: int | None = None) -> Path:
        versions = self.versions()
        if not versions:
            raise NotFound("no churn model is stored", hint=NO_MODEL_HINT)
        if version is None:
            version = versions[-1]
        elif version not in versions:
            raise NotFound(
                f"there is no churn model version {version}", hint=f"versions: {versions}"
            )
        return self.warehouse.churn_model_dir(version)

    def save(self, model: ChurnModel, booster_text: str) -> Path:
        final = self.warehouse.churn_model_dir(model.version)
        if final.exists():
            raise LakeError(f"{final} exists already", hint="another fit wrote it; fit again")
        try:
            with atomic_dir(final, replace=False) as partial:
                self.warehouse.model_json(partial).write_text(model.to_json(), encoding="utf-8")
                self.warehouse.churn_booster(partial).write_text(booster_text, encoding="utf-8")
        except FileExistsError:
            raise LakeError(
                f"{final} exists already", hint="another fit wrote it; fit again"
            ) from None
        return final

    def read_model(self, version: int | None = None) -> ChurnModel:
        path = self.warehouse.model_json(self.version_dir(version))
        return ChurnModel.from_json(path.read_text(encoding="utf-8"))

    def read_booster_text(self, version: int | None = None) -> str:
        return self.warehouse.churn_booster(self.version_dir(version)).read_text(encoding="utf-8")

    def scores_file(self, as_of: dt.date) -> Path:
        return self.warehouse.churn_scores_file(as_of)

    def write_scores(self, as_of: dt.date, table: pa.Table) -> Path:
        path = self.scores_file(as_of)
        with atomic_file(path) as partial:
            pq.write_table(table, partial, compression="zstd")
        return path

    def score_dates(self) -> list[dt.date]:
        return self.warehouse.churn_score_dates()

    def customer_scores(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's score on every stored as-of date, newest first."""
        files = [self.scores_file(d) for d in self.score_dates()]
        return customer_rows(files, customer_id, "as_of DESC")
