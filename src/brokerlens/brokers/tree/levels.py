"""The levels of the broker tree, defined here and nowhere else.

A position's level is its rank in the tree: broker and advisor 1, team lead 2, branch manager
3. The no-skip-level rule: a member's manager is exactly one level up; a branch manager (the
top) has no manager in the tree. Positions without a level (service staff, head office
marketing) are not in the broker tree: they are shown in the organisation, never moved by it.
"""

from __future__ import annotations

LEVELS: dict[str, int] = {
    "broker": 1,
    "advisor": 1,
    "team_lead": 2,
    "branch_manager": 3,
}
TOP_LEVEL = max(LEVELS.values())
POSITION_ZH: dict[str, str] = {
    "broker": "经纪人",
    "advisor": "投资顾问",
    "team_lead": "团队长",
    "branch_manager": "营业部经理",
    "service": "客服专员",
    "hq_marketing": "总部营销",
}
# promote: the position one level up (an advisor too becomes a team lead)
PROMOTION: dict[str, str] = {
    "broker": "team_lead",
    "advisor": "team_lead",
    "team_lead": "branch_manager",
}


def level_of(position: str | None) -> int | None:
    """The position's level, or None for a position outside the broker tree."""
    return LEVELS.get(position or "")


def in_tree(position: str | None) -> bool:
    return level_of(position) is not None
