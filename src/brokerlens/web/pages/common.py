"""What every page shares: the signed-in user, the served snapshot, the left nav by role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from markupsafe import Markup
from sqlalchemy import Engine
from starlette.responses import HTMLResponse

from brokerlens.access import OrgNames, org_names, served_snapshot
from brokerlens.auth.principal import Permission, Principal, Role
from brokerlens.config import Settings
from brokerlens.errors import NotFound
from brokerlens.indicators import Indicators, load_indicators
from brokerlens.web.deps import (
    DbDep,
    LanguageDep,
    PrincipalDep,
    ReaderDep,
    SessionDep,
    SettingsDep,
    require,
)
from brokerlens.web.templating import render


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    label_id: str
    active: bool = False


@dataclass(frozen=True)
class NavGroup:
    """A titled group of the left nav: its items in order."""

    key: str
    label_id: str
    items: list[NavItem]


def _reads_customers(principal: Principal) -> bool:
    return principal.role is not Role.ADMIN


def _reads_dashboards(principal: Principal) -> bool:
    return principal.role not in (Role.ADMIN, Role.CALL_CENTER)


def _reads_channels(principal: Principal) -> bool:
    return principal.role in (
        Role.HQ_MARKETING,
        Role.COMPLIANCE,
        Role.CALL_CENTER,
        Role.BRANCH_MANAGER,
        Role.REGION_MANAGER,
    )


def _reads_reports(principal: Principal) -> bool:
    return principal.role in (
        Role.HQ_MARKETING,
        Role.COMPLIANCE,
        Role.BRANCH_MANAGER,
        Role.REGION_MANAGER,
    )


# The nav's titled groups, each a list of (key, href, label id, who sees it): a page joins its
# group by one line here. 经营分析 (business analysis, issue 22).
NavEntry = tuple[str, str, str, Callable[[Principal], bool]]
ANALYSIS_NAV: list[NavEntry] = [
    ("dashboard", "/dashboard", "nav.dashboard", _reads_dashboards),
    ("analysis_value", "/analysis/value", "nav.analysis_value", _reads_customers),
    ("analysis_crosstab", "/analysis/crosstab", "nav.analysis_crosstab", _reads_customers),
    ("channels", "/analysis/channels", "nav.channels", _reads_channels),
    ("timing", "/analysis/timing", "nav.timing", _reads_channels),
    ("reports", "/reports", "nav.reports", _reads_reports),
]
# 积分管理 (issue 23): the catalogue and orders for whoever reads customers, the report by
# branch for managers and head office (as the kept reports)
POINTS_NAV: list[NavEntry] = [
    ("points_catalogue", "/points/catalogue", "nav.points_catalogue", _reads_customers),
    ("points_orders", "/points/orders", "nav.points_orders", _reads_customers),
    ("points_report", "/points/report", "nav.points_report", _reads_reports),
]
NAV_GROUPS: list[tuple[str, str, list[NavEntry]]] = [
    ("analysis", "nav.group.analysis", ANALYSIS_NAV),
    ("points", "nav.group.points", POINTS_NAV),
]


def nav_groups_for(principal: Principal, active: str) -> list[NavGroup]:
    """The groups with the items `principal` may open (a group with none is left out)."""
    groups = []
    for key, label_id, entries in NAV_GROUPS:
        items = [
            NavItem(k, h, label, k == active) for k, h, label, shown in entries if shown(principal)
        ]
        if items:
            groups.append(NavGroup(key, label_id, items))
    return groups


def nav_for(principal: Principal, active: str) -> list[NavItem]:
    items: list[tuple[str, str, str]] = [("home", "/", "nav.home")]
    items.append(("notices", "/notices", "nav.notices"))  # issue 23: every signed-in user
    if principal.role is not Role.ADMIN:
        items += [
            ("customers", "/customers", "nav.customers"),
            ("products", "/products", "nav.products"),
            ("segments", "/segments", "nav.segments"),
            ("catalog", "/catalog", "nav.catalog"),
            ("org", "/org", "nav.org"),
            ("kb", "/kb", "nav.kb"),  # issue 23: 知识库
        ]
    if principal.can(Permission.READ_AUDIT):
        items.append(("audit", "/audit", "nav.audit"))
    if principal.can(Permission.MANAGE_USERS):
        items.append(("users", "/users", "nav.users"))
    return [NavItem(k, h, label, k == active) for k, h, label in items]


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


class OrgLabels:
    """Names for unit and staff codes in a template: `names.unit(code)`, `names.person(code)`.

    The name shows with its code on hover; an unknown code shows as itself. Read once per page,
    and only when a template asks."""

    def __init__(self, db: Engine) -> None:
        self._db = db
        self._names: OrgNames | None = None

    @property
    def names(self) -> OrgNames:
        if self._names is None:
            self._names = org_names(self._db)
        return self._names

    def _label(self, code: object, name: str | None) -> Markup:
        if code is None or code == "":
            return Markup('<span class="faint">—</span>')
        if name is None:
            return Markup('<span class="mono">{}</span>').format(code)
        return Markup('<span class="org-name" title="{}">{}</span>').format(code, name)

    def unit(self, code: object) -> Markup:
        return self._label(code, self.names.unit(code))

    def person(self, code: object) -> Markup:
        return self._label(code, self.names.person(code))

    def unit_text(self, code: object) -> str:
        """Plain text (an option label, an export cell): the name, else the code."""
        return self.names.unit(code) or ("" if code is None else str(code))

    def person_text(self, code: object) -> str:
        return self.names.person(code) or ("" if code is None else str(code))


@dataclass(frozen=True)
class Page:
    """One page request: who, in which language, against which store."""

    request: Request
    principal: Principal
    csrf_token: str
    language: str
    db: Engine
    settings: Settings

    def snapshot(self) -> Any | None:
        try:
            return served_snapshot(self.db)
        except NotFound:
            return None

    def indicators(self) -> Indicators:
        """The installation's indicators (read again only when its file changes)."""
        return load_indicators(self.settings)

    def render(
        self,
        name: str,
        context: dict[str, Any],
        *,
        active: str,
        snapshot: Any | None = None,
        status_code: int = 200,
    ) -> HTMLResponse:
        if snapshot is None and self.principal.role is not Role.ADMIN:
            snapshot = self.snapshot()
        full = {
            "principal": self.principal,
            "csrf_token": self.csrf_token,
            "snapshot": snapshot,
            "nav": nav_for(self.principal, active),
            "nav_groups": nav_groups_for(self.principal, active),
            "names": OrgLabels(self.db),
            **context,
        }
        return render(self.request, name, full, language=self.language, status_code=status_code)

    @property
    def htmx(self) -> bool:
        return self.request.headers.get("HX-Request") == "true"


def page_context(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    language: LanguageDep,
    db: DbDep,
    settings: SettingsDep,
) -> Page:
    return Page(request, principal, session.csrf_token, language, db, settings)


PageDep = Annotated[Page, Depends(page_context)]


def reader_page(page: PageDep, _reader: ReaderDep) -> Page:
    return page


ReaderPageDep = Annotated[Page, Depends(reader_page)]


def permission_page(permission: Permission) -> Callable[..., Page]:
    """A page dependency that lets through only users holding `permission`."""

    allowed = require(permission)

    # Annotations here name module-level aliases only: FastAPI resolves them as strings.
    def check(page: PageDep) -> Page:
        allowed(page.principal)
        return page

    return check


EditorPageDep = Annotated[Page, Depends(permission_page(Permission.EDIT_CATALOG))]
AuditorPageDep = Annotated[Page, Depends(permission_page(Permission.READ_AUDIT))]
AdminPageDep = Annotated[Page, Depends(permission_page(Permission.MANAGE_USERS))]
