"""The built-in approval kinds (issue 18 section 3), registered through `register_kind` as an
installation's own would be. Import this module (the pages, the API and the CLI do) before
deciding a request; `relationship_handover` (issue 19) registers here the same way when built.
"""

from __future__ import annotations

from brokerlens.access import campaigns, catalog, suitability, thresholds
from brokerlens.access.approvals import ApprovalKind, kinds, register_kind
from brokerlens.auth.principal import Permission, Role

BUILTIN = (
    register_kind(
        ApprovalKind(
            name=campaigns.APPROVAL_KIND,
            zh="营销活动上线",
            en="Campaign launch",
            apply=campaigns.launch_approved,
            roles=frozenset({Role.HQ_MARKETING}),
            describe=campaigns.describe_launch,
            close=campaigns.back_to_draft,
            deciders="head office marketing",
        )
    ),
    register_kind(
        ApprovalKind(
            name=thresholds.KIND,
            zh="告警阈值调整",
            en="Alert thresholds",
            apply=thresholds.apply_thresholds,
            permission=Permission.EDIT_ALERT_THRESHOLDS,
            describe=thresholds.describe_thresholds,
            deciders="head office (edit_alert_thresholds)",
        )
    ),
    register_kind(
        ApprovalKind(
            name=catalog.KIND,
            zh="分类目录变更",
            en="Catalog change",
            apply=catalog.apply_catalog_request,
            permission=Permission.EDIT_CATALOG,
            describe=catalog.describe_catalog,
            deciders="another head office user with edit_catalog",
        )
    ),
    register_kind(
        ApprovalKind(
            name=suitability.CLASS_KIND,
            zh="投资者分类认定",
            en="Investor class",
            apply=suitability.apply_class_approval,
            permission=Permission.DECIDE_INVESTOR_CLASS,
            describe=suitability.describe_class_request,
            check=suitability.check_class_approval,
            close=suitability.close_class_approval,
            deciders="compliance (decide_investor_class)",
        )
    ),
)


def builtin_kinds() -> list[str]:
    """The kinds registered now (the built-in ones and any an installation added)."""
    return [k.name for k in kinds()]
