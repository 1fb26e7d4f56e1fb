"""工作台: the home page for each role."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from brokerlens.access import home_summary
from brokerlens.access.alerts import alert_counts, alert_names
from brokerlens.access.approvals import waiting_count
from brokerlens.auth.principal import Role
from brokerlens.errors import LakeError, NotFound
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import translate
from brokerlens.web.pages.common import PageDep
from brokerlens.web.pages.customers import column_label
from brokerlens.web.pages.notices import home_notices
from brokerlens.web.pages.worklist import today_context

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

TIER_ORDER = ("VIP", "核心A", "核心B", "潜力", "普通")
LEVEL_ORDER = ("金手指", "金算盘", "金钥匙")


def _ordered(counts: dict[str, int], order: tuple[str, ...]) -> list[tuple[str, int]]:
    known = [(k, counts[k]) for k in order if k in counts]
    rest = sorted(((k, v) for k, v in counts.items() if k not in order), key=lambda kv: -kv[1])
    return known + rest


def _new_alerts(page: Any) -> list[tuple[str, str, int]]:
    """(alert id, name, new alerts in scope), most first: the inbox's counts."""
    names = alert_names(page.settings)
    counts = alert_counts(page.db, page.principal, "new")
    rows = [
        (k, (names.get(k) or {}).get(page.language) or k, v.get("new", 0))
        for k, v in counts.items()
    ]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def _change_label(field: str, page: Any, snapshot: Any) -> str:
    """A changed field as a reader knows it: the classification's name (`_customer`: 客户)."""
    if field == "_customer":
        return translate("audit.customer", page.language)
    return column_label(field, snapshot, page.language, page.indicators())


def _change_value(field: str, value: Any, language: str) -> str | None:
    if field == "_customer" and value in ("new", "closed"):
        return translate("change.new_customer" if value == "new" else "change.closed", language)
    return value


@router.get("/")
def home(page: PageDep) -> Response:
    notices = home_notices(page)  # 未读通知 (issue 23): every role, the administrator too
    if page.principal.role is Role.ADMIN:
        context_admin = {"summary": None, "admin": True, **notices}
        return page.render("home.html", context_admin, active="home")

    try:
        today = today_context(page)  # 今日待办 first, for a broker or advisor
    except (NotFound, LakeError):  # an unreadable list must not take the summary down
        today = None
    waiting = waiting_count(page.db, page.principal)  # 待审批: requests for this user to decide
    try:
        summary = home_summary(page.db, page.principal)
    except NotFound:
        context: dict[str, Any] = {
            "summary": None,
            "admin": False,
            "today": today,
            "approvals_waiting": waiting,
            **notices,
        }
        return page.render("home.html", context, active="home")
    trend: dict[str, Any] = {
        "dates": [str(p["biz_date"]) for p in summary.trend],
        "series": [
            {
                "name": "总资产" if page.language == "zh" else "Total assets",
                "values": [p["total_assets"] for p in summary.trend],
            }
        ],
    }
    snapshot = page.snapshot()
    changes = [(_change_label(f, page, snapshot), f, n) for f, n in summary.changes.items()]
    examples = [
        {
            **e,
            "field_label": _change_label(e["field"], page, snapshot),
            "old_value": _change_value(e["field"], e["old_value"], page.language),
            "new_value": _change_value(e["field"], e["new_value"], page.language),
        }
        for e in summary.change_examples
    ]
    tiers = {
        "items": [{"name": k, "value": v} for k, v in _ordered(summary.by_tier, TIER_ORDER)],
        "unit": "count",  # customers, not money: the tooltip reads 1,234 人
    }
    context = {
        "summary": summary,
        "alerts": _new_alerts(page),
        "admin": False,
        "tiers": _ordered(summary.by_tier, TIER_ORDER),
        "levels": _ordered(summary.by_service_level, LEVEL_ORDER),
        "trend": trend,
        "tier_chart": tiers,
        "changes": changes,
        "change_examples": examples,
        "today": today,
        "approvals_waiting": waiting,
        **notices,
    }
    return page.render("home.html", context, active="home", snapshot=snapshot)
