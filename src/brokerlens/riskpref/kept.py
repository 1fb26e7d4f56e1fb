"""Quarterly models under the warehouse, versioned, and every customer's level history.

`<warehouse>/riskpref/<quarter>/v<N>/`: `model.json` (everything needed to score a customer
again, the k scores, the clusters' descriptions and scores) and `levels.parquet` (one row per
customer scored). A refit of a quarter writes the next version; readers take the highest.
A version folder is written aside and renamed into place, so a reader sees it whole or not.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.atomic import atomic_dir
from brokerlens.errors import ConfigError, LakeError, NotFound
from brokerlens.riskpref.model import Clustering, KScore
from brokerlens.riskpref.profile import ClusterProfile
from brokerlens.riskpref.quarter import Quarter, parse_quarter
from brokerlens.warehouse.layout import WarehouseLayout
from brokerlens.warehouse.query import customer_rows

FORMAT = "brokerlens.riskpref/1"


@dataclass
class SubModel:
    clustering: Clustering
    adjust: list[int]  # score adjustment of each group


@dataclass
class RiskprefModel:
    quarter: str
    version: int
    as_of: str
    window_3m: list[str]
    window_12m: list[str]
    seed: int
    fitted_at: str
    assets_bounds: list[float]
    fit_sample: int
    scored: int
    product: Clustering
    k_range: list[int]
    k_rule: str
    clusters: list[ClusterProfile]
    timing: SubModel
    style: SubModel
    level_counts: dict[str, int] = field(default_factory=dict)
    timing_prior_buys: float = 0.0  # timing means shrunk by n / (n + this) before the sub-model
    sub_model_winsorize: float = 0.0  # sub-model features clipped to these quantiles
    # the absolute scale (scale.yaml) the levels were placed on; {} = a model before issue 20,
    # whose levels came from the clusters' scores
    scale: dict[str, Any] = field(default_factory=dict)
    format: str = FORMAT

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> RiskprefModel:
        raw = json.loads(text)
        raw["product"] = _clustering(raw["product"])
        raw["clusters"] = [ClusterProfile(**c) for c in raw["clusters"]]
        for sub in ("timing", "style"):
            raw[sub] = SubModel(_clustering(raw[sub]["clustering"]), raw[sub]["adjust"])
        return cls(**raw)


def _clustering(raw: dict[str, Any]) -> Clustering:
    raw = dict(raw)
    raw["k_scores"] = [KScore(**s) for s in raw.get("k_scores", [])]
    return Clustering(**raw)


@dataclass(frozen=True)
class RiskprefModels:
    """The quarterly models kept in the warehouse (paths: `WarehouseLayout`)."""

    warehouse: WarehouseLayout

    def quarter_dir(self, quarter: Quarter) -> Path:
        return self.warehouse.riskpref_quarter_dir(str(quarter))

    def versions(self, quarter: Quarter) -> list[int]:
        return self.warehouse.riskpref_versions(str(quarter))

    def quarters(self) -> list[Quarter]:
        """Quarters with at least one stored version, oldest first."""
        out = []
        for name in self.warehouse.riskpref_quarter_names():
            try:
                q = parse_quarter(name)
            except ConfigError:  # not a quarter's folder
                continue
            if self.versions(q):
                out.append(q)
        return sorted(out)

    def version_dir(self, quarter: Quarter, version: int | None = None) -> Path:
        versions = self.versions(quarter)
        if not versions:
            raise NotFound(
                f"no risk preference model for {quarter}",
                hint=f"fit one: brokerlens riskpref fit --quarter {quarter}",
            )
        if version is None:
            version = versions[-1]
        elif version not in versions:
            raise NotFound(
                f"{quarter} has no model version {version}", hint=f"versions: {versions}"
            )
        return self.warehouse.riskpref_model_dir(str(quarter), version)

    def next_version(self, quarter: Quarter) -> int:
        versions = self.versions(quarter)
        return versions[-1] + 1 if versions else 1

    def save(self, model: RiskprefModel, levels: pa.Table) -> Path:
        quarter = parse_quarter(model.quarter)
        final = self.warehouse.riskpref_model_dir(str(quarter), model.version)
        if final.exists():
            raise LakeError(f"{final} exists already", hint="another fit wrote it; fit again")
        try:
            with atomic_dir(final, replace=False) as partial:
                self.warehouse.model_json(partial).write_text(model.to_json(), encoding="utf-8")
                pq.write_table(levels, self.warehouse.riskpref_levels(partial), compression="zstd")
        except FileExistsError:
            raise LakeError(
                f"{final} exists already", hint="another fit wrote it; fit again"
            ) from None
        return final

    def read_model(self, quarter: Quarter, version: int | None = None) -> RiskprefModel:
        path = self.warehouse.model_json(self.version_dir(quarter, version))
        return RiskprefModel.from_json(path.read_text(encoding="utf-8"))

    def levels_file(self, quarter: Quarter, version: int | None = None) -> Path:
        return self.warehouse.riskpref_levels(self.version_dir(quarter, version))

    def read_levels(self, quarter: Quarter, version: int | None = None) -> pa.Table:
        return pq.read_table(self.levels_file(quarter, version))

    def history(self, customer_id: str) -> list[dict[str, Any]]:
        """The customer's level in every stored quarter (latest version of each), oldest first."""
        return customer_rows([self.levels_file(q) for q in self.quarters()], customer_id, "quarter")
