"""Publish: the profile and reference data as of T from the warehouse into the operational store.

Data flows warehouse profile Parquet + lake reference (DuckDB) -> one store transaction:
`profile_<snapshot_id>`, org_units / staff / relationships, profile_changes, scope_daily, and
the `serving` flip. See docs/serving-contract.md."""

from brokerlens.publish.service import PublishError, PublishReport, publish

__all__ = ["PublishError", "PublishReport", "publish"]
