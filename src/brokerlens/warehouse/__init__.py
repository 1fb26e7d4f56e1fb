"""The warehouse: DuckDB views over the lake and the read-only query service."""

from brokerlens.warehouse.query import QueryResult, open_warehouse, run_query
from brokerlens.warehouse.views import as_of_sql, create_views, reference_as_of

__all__ = [
    "QueryResult",
    "as_of_sql",
    "create_views",
    "open_warehouse",
    "reference_as_of",
    "run_query",
]
