"""Publish: the profile and reference data as of T from the warehouse into the operational store.

Data flows warehouse profile Parquet + lake reference (DuckDB) -> the store: `profile_<id>`
loaded in short transactions, then one short flip (reference differences, scope_daily, the
`serving` row). See `service` and docs/serving-contract.md."""

from brokerlens.publish.service import PublishError, Publishing, PublishReport, publish

__all__ = ["PublishError", "PublishReport", "Publishing", "publish"]
