"""The audit log page (compliance): filters by user, action, customer and dates; paged.

Each row reads in words: the action's name, the detail as labelled values (names for unit and
staff codes), the time in Beijing time; the raw record stays one hover away for auditors."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from markupsafe import Markup, escape
from starlette.responses import Response

from brokerlens.access.alerts import alert_names
from brokerlens.analysis.metrics.catalog import builtin_metrics
from brokerlens.errors import InvalidRequest
from brokerlens.web.api.audit import AuditParams, audit_page
from brokerlens.web.bounds import MAX_PAGE, check_day
from brokerlens.web.deps import CsrfDep
from brokerlens.web.formatting import num
from brokerlens.web.i18n import (
    AUDIT_DETAIL_KEYS,
    ENUMS,
    MESSAGES,
    column_label,
    enum_label,
    label,
    parameter_label,
    translate,
)
from brokerlens.web.pages.common import AuditorPageDep, OrgLabels
from brokerlens.web.pages.customers import column_label as customers_column_label

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

ACTIONS = tuple(ENUMS["action"])
BEIJING = dt.timezone(dt.timedelta(hours=8))
UNIT_KEYS = ("unit_id", "branch_id", "region_id", "team_id")
# Detail keys whose values are codes of a vocabulary (i18n.ENUMS).
ENUM_KEYS = {
    "permissions": "permission",
    "reason": "login_reason",
    "action": "action",
    "group": "audit_group",
    "kind": "export_kind",
    "report": "report",
    "purpose": "filter_purpose",
    "direction": "class_direction",
    "product_type": "product_type",
    "risk_level": "risk_level",
    "product_status": "product_status",
    "metric": "crosstab_metric",
}
# Free text a user wrote (a note, a reason to reveal, a search): data, shown as written.
TEXT_KEYS = ("note", "reason", "search", "q", "name", "description", "title")
USER_KEYS = ("username", "by", "owner", "assignee")
CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]*")  # a code, not words: shown as data
FIELD_KEYS = ("classification", "classification_id", "field", "sort", "rows", "cols", "value")


def beijing(value: Any) -> str:
    """An instant (ISO text or datetime, UTC when naive) as Beijing time, to the second."""
    at = value
    if isinstance(value, str):
        try:
            at = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(at, dt.datetime):
        return "" if value is None else str(value)
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S")


class _Detail:
    """Renders one audit row's detail: labels for keys, names for codes, words for values."""

    def __init__(
        self,
        language: str,
        names: OrgLabels,
        field_label: Any,
        alert_names: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.language = language
        self.names = names
        self.field_label = field_label  # column name -> its label (the served catalog's)
        self.alert_names = alert_names or {}  # alert id -> {"zh", "en", ...}

    def key(self, key: str) -> str:
        found = label(AUDIT_DETAIL_KEYS, key, self.language) or self.field_label(key)
        if found == key and CODE.fullmatch(key):  # a key no one labelled: shown as the code it is
            return Markup('<span class="mono" translate="no">{}</span>').format(key)
        return found

    def value(self, key: str, value: Any) -> Markup:
        language = self.language
        if isinstance(value, bool):
            return Markup(escape(translate("common.yes" if value else "common.no", language)))
        if value is None or value == "" or value == [] or value == {}:
            return Markup('<span class="faint">—</span>')
        if isinstance(value, list | tuple):
            return Markup("、").join(self.value(key, v) for v in value)
        if key == "params" and isinstance(value, dict):  # thresholds: the name on hover
            return Markup("、").join(
                Markup('<span title="{}">{}</span>').format(k, self.value(k, v))
                for k, v in value.items()
            )
        if isinstance(value, dict):
            return self._mapping(key, value)
        if key == "alert_id" and value in self.alert_names:
            name = self.alert_names[value].get(language) or self.alert_names[value].get("zh")
            return Markup('<span title="{}">{}</span>').format(value, name)
        if key in UNIT_KEYS:
            return self.names.unit(value)
        if key == "staff_id":
            return self.names.person(value)
        if key in USER_KEYS:
            return Markup('<span class="mono" translate="no">{}</span>').format(value)
        if key == "role":
            role = translate(f"role.{value}", language)
            return Markup(escape(value if role == f"role.{value}" else role))
        if key in FIELD_KEYS and isinstance(value, str):
            return Markup('<span title="{}">{}</span>').format(value, self.field_label(value))
        if key in ("from", "status") and f"alerts.status.{value}" in MESSAGES:
            status = translate(f"alerts.status.{value}", language)
            return Markup('<span title="{}">{}</span>').format(value, status)
        if key == "status" and value in ENUMS["request_status"]:
            status = enum_label("request_status", value, language) or value
            return Markup('<span title="{}">{}</span>').format(value, status)
        if isinstance(value, str) and f"enum.{key}.{value}" in MESSAGES:  # issue 18's words
            found = translate(f"enum.{key}.{value}", language)
            return Markup('<span title="{}">{}</span>').format(value, found)
        if key in ENUM_KEYS and value in ENUMS[ENUM_KEYS[key]]:
            found = enum_label(ENUM_KEYS[key], value, language) or value
            return Markup('<span title="{}">{}</span>').format(value, found)
        if isinstance(value, int | float):
            return Markup(escape(num(value, 0 if float(value).is_integer() else 2)))
        if key == "business_metric":  # issue 22: a dashboard's metric, by its name
            metric = builtin_metrics().get(str(value))
            if metric is not None:
                return Markup('<span title="{}">{}</span>').format(value, metric.label(language))
            return Markup('<span translate="no">{}</span>').format(value)
        if key in TEXT_KEYS:
            return Markup('<span translate="no">{}</span>').format(value)
        if isinstance(value, str) and CODE.fullmatch(value):  # a code of no known vocabulary
            return Markup('<span class="mono" translate="no">{}</span>').format(value)
        return Markup(escape(str(value)))

    def _mapping(self, key: str, value: dict[str, Any]) -> Markup:
        if "field" in value and "op" in value:  # a condition: 客户级别 等于 VIP
            op = enum_label("op", value["op"], self.language) or value["op"]
            shown = value.get("value")
            text = "、".join(map(str, shown)) if isinstance(shown, list) else shown
            words = [self.field_label(str(value["field"])), op]
            return Markup(escape(" ".join([*words, *([str(text)] if text is not None else [])])))
        if key == "fields":  # personal fields used, and how
            return Markup("、").join(Markup(escape(self.field_label(k))) for k in value)
        parts = [
            Markup("{}：{}").format(self.key(k), self.value(k, v))
            for k, v in value.items()
            if v not in (None, "", [], {}, False)
        ]
        return Markup("；").join(parts) if parts else Markup('<span class="faint">—</span>')

    def items(self, detail: Any) -> list[tuple[str, str, Markup]]:
        """(label, key, value) of the detail, in the order it was written."""
        if isinstance(detail, str):
            try:
                detail = json.loads(detail)
            except ValueError:
                return [("", "", Markup(escape(detail)))]
        if not isinstance(detail, dict):
            return [] if detail is None else [("", "", Markup(escape(str(detail))))]
        return [(self.key(k), k, self.value(k, v)) for k, v in detail.items()]


def detail_items(
    detail: Any,
    language: str,
    names: OrgLabels,
    field_label: Any = None,
    alert_names: dict[str, dict[str, str]] | None = None,
) -> list[tuple[str, str, Markup]]:
    """(label, key, value) of an audit row's detail; `field_label` names profile columns,
    `alert_names` the alerts (access.alerts.alert_names)."""
    labels = field_label or (lambda name: column_label(name, language))
    return _Detail(language, names, labels, alert_names).items(detail)


def _day(name: str, text: str | None, language: str, errors: dict[str, str]) -> dt.date | None:
    """A date field of the form; a bad one is noted beside its field, not a bare error page."""
    if not text:
        return None
    try:
        return check_day(name, dt.date.fromisoformat(text.strip()[:10]))
    except (ValueError, InvalidRequest):
        errors[name] = translate("error.date", language, field=parameter_label(name, language))
        return None


@router.get("/audit")
def audit(
    page: AuditorPageDep,
    request: Request,
    page_number: Annotated[int, Query(alias="page", ge=1, le=MAX_PAGE)] = 1,
    username: Annotated[str | None, Query(max_length=64)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
    date_from: Annotated[str | None, Query(max_length=32)] = None,
    date_to: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    language = page.language
    errors: dict[str, str] = {}
    params = AuditParams(
        username=username,
        action=action,
        customer_id=customer_id,
        date_from=_day("date_from", date_from, language, errors),
        date_to=_day("date_to", date_to, language, errors),
        page=page_number,
    )
    if errors:  # the form again, every filter kept, the message beside the field
        result: dict[str, Any] = {"data": [], "count": 0, "page": 1, "page_size": 50}
    else:
        result = audit_page(page.db, page.principal, params)
    kept = [(k, v) for k, v in request.query_params.multi_items() if v and k != "page"]
    pages = max(1, -(-result["count"] // result["page_size"]))
    names = OrgLabels(page.db)
    snapshot = page.snapshot()
    indicators = page.indicators()
    alerts = alert_names(page.settings)

    def field_label(name: str) -> str:
        return customers_column_label(name, snapshot, language, indicators)

    actions = sorted(ACTIONS, key=lambda a: enum_label("action", a, language) or a)
    context = {
        "result": result,
        "params": params,
        "typed": {"date_from": date_from or "", "date_to": date_to or ""},
        "errors": errors,
        "pages": pages,
        "actions": actions,
        "names": names,
        "beijing": beijing,
        "detail_items": lambda detail: detail_items(detail, language, names, field_label, alerts),
        "raw": lambda detail: json.dumps(detail, ensure_ascii=False, default=str),
        "url": lambda n: "/audit?" + urlencode([*kept, ("page", str(n))]),
    }
    status = 422 if errors else 200
    if page.htmx and request.headers.get("HX-Target") == "audit-table" and not errors:
        return page.render("_audit_table.html", context, active="audit")
    return page.render("audit.html", context, active="audit", status_code=status)
