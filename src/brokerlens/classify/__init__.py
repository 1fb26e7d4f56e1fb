"""Classifications: the catalog of rules that turn per-customer indicators into labels.

Data flows model (typed file) -> expression (checked conditions) -> compile (CASE trees) ->
profile_select; why, preview and versions are the service functions the CLI calls.
"""

from brokerlens.classify.compile import compile_catalog, profile_select
from brokerlens.classify.errors import CatalogError, UnknownName
from brokerlens.classify.explain import Explanation
from brokerlens.classify.loader import (
    load_active_catalog,
    load_catalog,
    load_default_catalog,
    parse_catalog,
)
from brokerlens.classify.model import Buckets, Catalog, Classification, Rule
from brokerlens.classify.preview import Preview, preview_catalog
from brokerlens.classify.versions import (
    VersionRecord,
    apply_catalog,
    apply_catalog_text,
    catalog_version,
    history,
    load_version,
)
from brokerlens.classify.why import explain

__all__ = [
    "Buckets",
    "Catalog",
    "CatalogError",
    "Classification",
    "Explanation",
    "Preview",
    "Rule",
    "UnknownName",
    "VersionRecord",
    "apply_catalog",
    "apply_catalog_text",
    "catalog_version",
    "compile_catalog",
    "explain",
    "history",
    "load_active_catalog",
    "load_catalog",
    "load_default_catalog",
    "load_version",
    "parse_catalog",
    "preview_catalog",
    "profile_select",
]
