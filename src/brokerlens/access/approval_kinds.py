"""The built-in approval kinds (issue 18 section 3). Each registers itself through
`register_kind` beside the change it guards (as an installation's own kind would), so a request
can be made wherever that module is loaded; this module loads them all, for whoever decides (the
pages, the API, the CLI). `relationship_handover` (issue 19) registers the same way when built.
"""

from __future__ import annotations

from brokerlens.access import (
    campaigns,
    catalog,
    handovers,  # issue 19 handover
    knowledge,  # issue 23 section 2
    kpi_schemes,  # issue 19 part D
    points_adjust,  # issue 23 points
    statement_settle,  # issue 19 C
    suitability,
    thresholds,
)
from brokerlens.access.approvals import kinds
from brokerlens.access.tree_request import TREE_KIND  # issue 19 part A

BUILTIN = (
    campaigns.LAUNCH_KIND,
    thresholds.THRESHOLD_KIND,
    catalog.CATALOG_KIND,
    suitability.CLASS_APPROVAL,
    TREE_KIND,  # issue 19 part A: broker_tree_change
    kpi_schemes.SCHEME_KIND,  # issue 19 part D
    statement_settle.ADJUSTMENT_KIND,  # issue 19 C
    handovers.HANDOVER_KIND,  # issue 19 handover
    knowledge.PUBLISH_KIND,  # issue 23 section 2: kb_publish
    points_adjust.ADJUSTMENT_KIND,  # issue 23 points
)


def builtin_kinds() -> list[str]:
    """The kinds registered now (the built-in ones and any an installation added)."""
    return [k.name for k in kinds()]
