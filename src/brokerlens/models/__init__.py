"""Warehouse SQL models: one per file in `sql/`, canonical dialect DuckDB, `:name` parameters."""

from brokerlens.models.loader import Model, load_model, model_names

__all__ = ["Model", "load_model", "model_names"]
