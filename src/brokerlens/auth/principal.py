"""Who is asking: a signed-in user's role and place in the organisation.

Roles follow seed 001: each sees customers through one rule of `brokerlens.access.scope`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from brokerlens.errors import Forbidden


class Role(StrEnum):
    BROKER = "broker"  # 营销代表/经纪人: customers in an active relationship with them
    ADVISOR = "advisor"  # 投资顾问: the same
    TEAM_LEAD = "team_lead"  # 团队长: customers of the staff in their team
    BRANCH_MANAGER = "branch_manager"  # 营业部经理: customers of their branch
    REGION_MANAGER = "region_manager"  # 分公司: customers of their region's branches
    HQ_MARKETING = "hq_marketing"  # 总部营销管理岗: every customer; edits the catalog
    COMPLIANCE = "compliance"  # 合规: every customer; reads the audit log
    # 客服回访专员: the call centre; every customer, to make call-backs and handle complaints
    CALL_CENTER = "call_center"
    ADMIN = "admin"  # 系统管理员: manages users; sees no customer data


ROLE_NAMES_ZH = {
    Role.BROKER: "营销代表/经纪人",
    Role.ADVISOR: "投资顾问",
    Role.TEAM_LEAD: "团队长",
    Role.BRANCH_MANAGER: "营业部经理",
    Role.REGION_MANAGER: "分公司负责人",
    Role.HQ_MARKETING: "总部营销管理岗",
    Role.COMPLIANCE: "合规",
    Role.CALL_CENTER: "客服回访专员",
    Role.ADMIN: "系统管理员",
}

# Roles anchored on a staff member (their unit comes from `staff`) or on an org unit.
STAFF_ROLES = frozenset({Role.BROKER, Role.ADVISOR, Role.TEAM_LEAD})
UNIT_ROLES = frozenset({Role.BRANCH_MANAGER, Role.REGION_MANAGER})
ALL_CUSTOMER_ROLES = frozenset({Role.HQ_MARKETING, Role.COMPLIANCE, Role.CALL_CENTER})


class Permission(StrEnum):
    REVEAL_PII = "reveal_pii"  # see an unmasked ID number, phone or e-mail (with a reason)
    EXPORT = "export"  # export customer lists and segment members
    EDIT_CATALOG = "edit_catalog"  # preview and apply classification changes
    READ_AUDIT = "read_audit"  # the audit log
    SUITABILITY_REPORTS = "suitability_reports"  # brokerage-wide suitability findings, by branch
    # decide an investor's application to be treated as professional (or as ordinary)
    DECIDE_INVESTOR_CLASS = "decide_investor_class"
    # alert thresholds: HQ the defaults and any branch, a branch manager their own branch
    EDIT_ALERT_THRESHOLDS = "edit_alert_thresholds"
    MANAGE_USERS = "manage_users"
    # export care messages for the SMS / app-push platform and send them by e-mail (they carry
    # phone numbers and e-mail addresses)
    SEND_MESSAGES = "send_messages"
    # compliance operations (issue 18): record call-back (回访) results and manage the call-back
    # sample; handle complaints (assign, resolve, escalate); see the work orders of a unit
    CALLBACKS = "callbacks"
    COMPLAINTS = "complaints"
    # issue 19: request broker-tree changes and customer handovers within one's units
    MANAGE_ORG = "manage_org"
    # issue 19: settle a month's commission statements and request adjusting entries
    SETTLE_COMMISSION = "settle_commission"
    # issue 19: change KPI schemes (through an approval, like the catalog)
    EDIT_KPI = "edit_kpi"
    # issue 23: publish notices (通知公告): head office to any unit, a manager to their unit
    # and the units below it
    PUBLISH_NOTICES = "publish_notices"
    # issue 23: write knowledge-base articles (head office: any; a unit: its own), and at head
    # office (compliance, marketing) approve their publishing
    EDIT_KB = "edit_kb"
    # issue 23: courses, the question bank and exams (head office everywhere; a branch or
    # region manager for their own units)
    MANAGE_TRAINING = "manage_training"
    # issue 23 points: place a redemption order for a customer in scope (on their behalf)
    REDEEM_POINTS = "redeem_points"
    # issue 23 points: ask for a manual adjustment of a customer's points (with a reason)
    ADJUST_POINTS = "adjust_points"
    # issue 23 points: the redemption catalogue, fulfilling orders, deciding adjustments
    MANAGE_POINTS = "manage_points"


DEFAULT_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.BROKER: frozenset({Permission.EXPORT, Permission.REDEEM_POINTS}),
    Role.ADVISOR: frozenset({Permission.EXPORT, Permission.REDEEM_POINTS}),
    Role.TEAM_LEAD: frozenset({Permission.EXPORT, Permission.REDEEM_POINTS}),
    Role.BRANCH_MANAGER: frozenset(
        {
            Permission.EXPORT,
            Permission.EDIT_ALERT_THRESHOLDS,
            Permission.COMPLAINTS,
            Permission.MANAGE_ORG,
            Permission.PUBLISH_NOTICES,
            Permission.EDIT_KB,
            Permission.MANAGE_TRAINING,
            Permission.REDEEM_POINTS,
            Permission.ADJUST_POINTS,
        }
    ),
    Role.REGION_MANAGER: frozenset(
        {
            Permission.EXPORT,
            Permission.MANAGE_ORG,
            Permission.PUBLISH_NOTICES,
            Permission.EDIT_KB,
            Permission.MANAGE_TRAINING,
            Permission.REDEEM_POINTS,
            Permission.ADJUST_POINTS,
        }
    ),
    Role.HQ_MARKETING: frozenset(
        {
            Permission.EXPORT,
            Permission.EDIT_CATALOG,
            Permission.SUITABILITY_REPORTS,
            Permission.EDIT_ALERT_THRESHOLDS,
            Permission.SEND_MESSAGES,
            Permission.MANAGE_ORG,
            Permission.SETTLE_COMMISSION,
            Permission.EDIT_KPI,
            Permission.PUBLISH_NOTICES,
            Permission.EDIT_KB,
            Permission.MANAGE_TRAINING,
            Permission.REDEEM_POINTS,
            Permission.ADJUST_POINTS,
            Permission.MANAGE_POINTS,
        }
    ),
    Role.COMPLIANCE: frozenset(
        {
            Permission.EXPORT,
            Permission.READ_AUDIT,
            Permission.REVEAL_PII,
            Permission.SUITABILITY_REPORTS,
            Permission.DECIDE_INVESTOR_CLASS,
            Permission.CALLBACKS,
            Permission.COMPLAINTS,
            Permission.PUBLISH_NOTICES,
            Permission.EDIT_KB,
        }
    ),
    Role.CALL_CENTER: frozenset(
        {Permission.CALLBACKS, Permission.COMPLAINTS, Permission.REDEEM_POINTS}
    ),
    Role.ADMIN: frozenset({Permission.MANAGE_USERS}),
}


@dataclass(frozen=True)
class Principal:
    """The signed-in user as every service function receives it."""

    user_id: int
    username: str
    display_name: str
    role: Role
    staff_id: str | None = None
    unit_id: str | None = None
    extra_permissions: frozenset[Permission] = field(default_factory=frozenset)
    ip: str | None = None
    user_agent: str | None = None
    language: str = "zh"

    @property
    def permissions(self) -> frozenset[Permission]:
        return DEFAULT_PERMISSIONS[self.role] | self.extra_permissions

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions


def customer_reader(principal: Principal) -> Principal:
    """Anyone but the administrator, who manages accounts and sees no customer data."""
    if principal.role is Role.ADMIN:
        raise Forbidden(
            "the administrator role sees no customer data",
            hint="sign in with a business role to work with customers",
        )
    return principal
