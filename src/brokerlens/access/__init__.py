"""The data access layer: every read of customer data goes through here, where scope is
enforced (`scope.customer_scope`), personal data masked and sensitive actions audited."""

from brokerlens.access.audit import AuditPage, AuditQuery, record_audit, search_audit
from brokerlens.access.conditions import Condition, CustomerQuery, parse_conditions, parse_query
from brokerlens.access.customers import (
    CustomerPage,
    count_customers,
    customer_360,
    customer_assets,
    list_customers,
)
from brokerlens.access.detail import AssetPoint, CustomerFacts
from brokerlens.access.exports import MAX_EXPORT_ROWS, export_customers, export_segment
from brokerlens.access.groups import (
    group_changes,
    group_history,
    group_members_as_of,
    preview_tree,
    refresh_group_members,
    refresh_groups,
)
from brokerlens.access.home import HomeSummary, home_summary
from brokerlens.access.masking import (
    age_band,
    mask_birth_date,
    mask_email,
    mask_id_no,
    mask_phone,
    reveal,
)
from brokerlens.access.org import OrgNames, list_staff, org_names, org_tree
from brokerlens.access.scope import customer_scope
from brokerlens.access.segments import (
    Segment,
    create_segment,
    delete_segment,
    get_segment,
    list_segments,
    refresh_segment_counts,
    segment_count,
    segment_members,
    update_segment,
)
from brokerlens.access.snapshot import ColumnInfo, Snapshot, served_snapshot
from brokerlens.access.suitability import (
    SuitabilityRefused,
    check_target,
    compliance_overview,
    customer_eligibility,
    customer_suitability,
    holdings_above_class,
    record_confirmation,
    record_warning,
    rescore_findings,
    validity_by_branch,
)
from brokerlens.access.why import explain_customer
from brokerlens.auth.principal import Permission, Principal, Role

__all__ = [
    "MAX_EXPORT_ROWS",
    "AssetPoint",
    "AuditPage",
    "AuditQuery",
    "ColumnInfo",
    "Condition",
    "CustomerFacts",
    "CustomerPage",
    "CustomerQuery",
    "HomeSummary",
    "OrgNames",
    "Permission",
    "Principal",
    "Role",
    "Segment",
    "Snapshot",
    "SuitabilityRefused",
    "age_band",
    "check_target",
    "compliance_overview",
    "count_customers",
    "create_segment",
    "customer_360",
    "customer_assets",
    "customer_eligibility",
    "customer_scope",
    "customer_suitability",
    "delete_segment",
    "explain_customer",
    "export_customers",
    "export_segment",
    "get_segment",
    "group_changes",
    "group_history",
    "group_members_as_of",
    "holdings_above_class",
    "home_summary",
    "list_customers",
    "list_segments",
    "list_staff",
    "mask_birth_date",
    "mask_email",
    "mask_id_no",
    "mask_phone",
    "org_names",
    "org_tree",
    "parse_conditions",
    "parse_query",
    "preview_tree",
    "record_audit",
    "record_confirmation",
    "record_warning",
    "refresh_group_members",
    "refresh_groups",
    "refresh_segment_counts",
    "rescore_findings",
    "reveal",
    "search_audit",
    "segment_count",
    "segment_members",
    "served_snapshot",
    "update_segment",
    "validity_by_branch",
]
