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
    suitability,
    thresholds,
)
from brokerlens.access.approvals import kinds

BUILTIN = (
    campaigns.LAUNCH_KIND,
    thresholds.THRESHOLD_KIND,
    catalog.CATALOG_KIND,
    suitability.CLASS_APPROVAL,
    handovers.HANDOVER_KIND,  # issue 19 handover
)


def builtin_kinds() -> list[str]:
    """The kinds registered now (the built-in ones and any an installation added)."""
    return [k.name for k in kinds()]
