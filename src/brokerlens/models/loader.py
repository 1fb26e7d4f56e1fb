"""The SQL models shipped in `brokerlens/models/sql/`, read by the one loader
(`engine.sqlfiles`)."""

from __future__ import annotations

from brokerlens.engine.sqlfiles import SqlFile, load_sql, sql_names

Model = SqlFile


def model_names() -> list[str]:
    return sql_names("brokerlens.models")


def load_model(name: str) -> Model:
    return load_sql("brokerlens.models", name)
