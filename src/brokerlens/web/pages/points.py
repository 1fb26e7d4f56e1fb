"""积分 pages (issue 23 section 1), through `brokerlens.access.points*` (scope, audit):

- the 360's 积分 panel (`/customers/{id}/points`, htmx): balance, what lapses within 30 days,
  兑换 (an order from the catalogue, redeem_points), 积分调整 (a request with a reason,
  adjust_points), and the ledger newest first;
- /points/catalogue: the redemption catalogue; head office (manage_points) adds items, changes
  price and stock, and takes items off or back;
- /points/orders: the orders of the customers in scope, by status; 完成 (manage_points) and
  取消 (its placer or manage_points, with a reason);
- /points/report: points issued, adjusted, redeemed, expired and outstanding by branch as of a
  day, with CSV / Excel export (managers and head office).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query
from starlette.responses import RedirectResponse, Response

from brokerlens.access import points as service
from brokerlens.access import points_adjust as adjust_service
from brokerlens.access import points_orders as orders_service
from brokerlens.access import points_report as report_service
from brokerlens.auth.principal import Permission
from brokerlens.errors import Conflict, FieldRejected, Forbidden, InvalidRequest
from brokerlens.store.points_schema import ITEM_KINDS, ORDER_STATUSES
from brokerlens.web.bounds import DayQuery, IdPath, PageQuery
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import Page, ReaderPageDep, permission_page
from brokerlens.web.pages.customer360 import fragment_or_page

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])

PANEL = "points-panel"
CustomerPath = Annotated[str, Path(min_length=1, max_length=64)]
FormShort = Annotated[str | None, Form(max_length=100)]
FormText = Annotated[str | None, Form(max_length=500)]
# the catalogue's changes: head office (manage_points), refused before the form is read
ManagerPageDep = Annotated[Page, Depends(permission_page(Permission.MANAGE_POINTS))]


def _maybe(field: str, text: str | None) -> int | None:
    """A whole number typed in a form, or None when left empty."""
    value = (text or "").strip().replace(",", "")
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise FieldRejected(field, f"{value[:20]!r} is not a whole number / 须为整数") from None


def _whole(field: str, text: str | None) -> int:
    found = _maybe(field, text)
    if found is None:
        raise FieldRejected(field, "required / 必填")
    return found


def _rule_label(names: dict[str, dict[str, str]], source: str, language: str) -> str | None:
    found = names.get(source)
    return found.get(language) or found.get("zh") if found else None


# --- the 360 panel ----------------------------------------------------------------------------


def _panel(
    page: Page,
    customer_id: str,
    *,
    said: str | None = None,
    said_ref: int | None = None,
    problem: str | None = None,
    field: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = service.customer_points(page.settings, page.db, page.principal, customer_id)
    may_redeem = page.principal.can(Permission.REDEEM_POINTS)
    context: dict[str, Any] = {
        "p": found,
        "items": orders_service.list_items(page.db, page.principal) if may_redeem else [],
        "may_redeem": may_redeem,
        "may_adjust": page.principal.can(Permission.ADJUST_POINTS),
        "rule_names": service.rule_names(page.settings),
        "rule_label": _rule_label,
        "said": said,
        "said_ref": said_ref,
        "problem": problem,
        "field": field,
        "typed": typed or {},
        "soon_days": service.EXPIRING_DAYS,
    }
    return page.render(
        "_customer_points.html", context, active="customers", status_code=status_code
    )


@router.get("/customers/{customer_id}/points")
def customer_panel(customer_id: CustomerPath, page: ReaderPageDep) -> Response:
    """The 360's 积分 panel (a fragment; opened on its own: the 360 at the panel)."""
    moved = fragment_or_page(page, customer_id, PANEL)
    if moved is not None:
        return moved
    return _panel(page, customer_id)


@router.post("/customers/{customer_id}/points/redeem")
def redeem(
    customer_id: CustomerPath,
    page: ReaderPageDep,
    item_id: FormShort = None,
    quantity: FormShort = None,
    note: FormText = None,
) -> Response:
    """兑换: an order from the catalogue; the panel again with the balance after it, or the
    problem (balance, stock, a field) in place."""
    typed = {"item_id": item_id or "", "quantity": quantity or "1", "note": note or ""}
    try:
        item = _whole("item_id", item_id)
        count = _maybe("quantity", quantity) or 1
        made = orders_service.place_order(
            page.settings, page.db, page.principal, customer_id, item, count, note
        )
    except FieldRejected as exc:
        return _panel(
            page, customer_id, problem=exc.problem, field=exc.field, typed=typed, status_code=422
        )
    except Conflict as exc:
        return _panel(page, customer_id, problem=exc.message, typed=typed, status_code=409)
    return _panel(page, customer_id, said="points.redeemed", said_ref=made.order_id)


@router.post("/customers/{customer_id}/points/adjust")
def adjust(
    customer_id: CustomerPath,
    page: ReaderPageDep,
    points: FormShort = None,
    reason: FormText = None,
) -> Response:
    """积分调整: a request with a reason for head office to decide; the panel says so."""
    typed = {"points": points or "", "reason": reason or ""}
    try:
        amount = _whole("points", points)
        made = adjust_service.request_adjustment(
            page.settings, page.db, page.principal, customer_id, amount, reason or ""
        )
    except FieldRejected as exc:
        return _panel(
            page, customer_id, problem=exc.problem, field=exc.field, typed=typed, status_code=422
        )
    except Conflict as exc:
        return _panel(page, customer_id, problem=exc.message, typed=typed, status_code=409)
    return _panel(page, customer_id, said="points.adjust_requested", said_ref=made.request_id)


# --- the catalogue ----------------------------------------------------------------------------


def _catalogue(
    page: Page,
    *,
    problem: str | None = None,
    field: str | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    manages = page.principal.can(Permission.MANAGE_POINTS)
    context = {
        "items": orders_service.list_items(page.db, page.principal, include_inactive=manages),
        "manages": manages,
        "kinds": ITEM_KINDS,
        "problem": problem,
        "field": field,
        "typed": typed or {},
    }
    return page.render(
        "points_catalogue.html", context, active="points_catalogue", status_code=status_code
    )


@router.get("/points/catalogue")
def catalogue(page: ReaderPageDep) -> Response:
    return _catalogue(page)


def _item_input(
    name_zh: str | None,
    kind: str | None,
    points_price: str | None,
    stock: str | None,
    description: str | None,
    active: str | None,
) -> orders_service.ItemInput:
    return orders_service.ItemInput(
        name_zh=name_zh or "",
        kind=kind or "goods",
        points_price=_whole("points_price", points_price),
        stock=_maybe("stock", stock),
        description=description,
        active=active != "off",
    )


@router.post("/points/catalogue")
def add_item(
    page: ManagerPageDep,
    name_zh: FormShort = None,
    kind: FormShort = None,
    points_price: FormShort = None,
    stock: FormShort = None,
    description: FormText = None,
) -> Response:
    """新增商品 (manage_points); the catalogue again, or the refused field in place."""
    typed = {
        "name_zh": name_zh or "",
        "kind": kind or "goods",
        "points_price": points_price or "",
        "stock": stock or "",
        "description": description or "",
    }
    try:
        values = _item_input(name_zh, kind, points_price, stock, description, None)
        orders_service.add_item(page.db, page.principal, values)
    except FieldRejected as exc:
        return _catalogue(page, problem=exc.problem, field=exc.field, typed=typed, status_code=422)
    return RedirectResponse("/points/catalogue", status_code=303)


@router.post("/points/catalogue/{item_id}")
def edit_item(
    item_id: IdPath,
    page: ManagerPageDep,
    name_zh: FormShort = None,
    kind: FormShort = None,
    points_price: FormShort = None,
    stock: FormShort = None,
    description: FormText = None,
    active: FormShort = None,
) -> Response:
    """保存 an item's values, or 下架 / 上架 it (manage_points)."""
    try:
        values = _item_input(name_zh, kind, points_price, stock, description, active)
        orders_service.update_item(page.db, page.principal, item_id, values)
    except FieldRejected as exc:  # said above the table: the row's form is folded away
        return _catalogue(page, problem=exc.message, status_code=422)
    return RedirectResponse("/points/catalogue", status_code=303)


# --- orders -----------------------------------------------------------------------------------


def _orders(
    page: Page,
    status: str | None,
    page_no: int,
    *,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    if status is not None and status not in ORDER_STATUSES:
        raise InvalidRequest(f"status: one of {', '.join(ORDER_STATUSES)} / 订单状态无效")
    found = orders_service.list_orders(page.db, page.principal, status=status, page=page_no)
    context = {
        "found": found,
        "status": status,
        "statuses": ORDER_STATUSES,
        "pages": max(1, -(-found.total // found.page_size)),
        "qs": lambda **changes: urlencode(
            {k: v for k, v in {"status": status, **changes}.items() if v}
        ),
        "problem": problem,
    }
    return page.render(
        "points_orders.html", context, active="points_orders", status_code=status_code
    )


@router.get("/points/orders")
def orders(
    page: ReaderPageDep,
    status: Annotated[str | None, Query(max_length=20)] = None,
    p: PageQuery = 1,
) -> Response:
    return _orders(page, status or None, p)


def _back(page: Page) -> str:
    status = page.request.query_params.get("status")
    return "/points/orders" + (f"?{urlencode({'status': status})}" if status else "")


@router.post("/points/orders/{order_id}/fulfil")
def fulfil(order_id: IdPath, page: ReaderPageDep) -> Response:
    """完成: a placed order fulfilled (manage_points)."""
    try:
        orders_service.fulfil_order(page.db, page.principal, order_id)
    except Conflict as exc:
        return _orders(page, None, 1, problem=exc.message, status_code=409)
    return RedirectResponse(_back(page), status_code=303)


@router.post("/points/orders/{order_id}/cancel")
def cancel(order_id: IdPath, page: ReaderPageDep, reason: FormText = None) -> Response:
    """取消 with a reason (its placer, or manage_points): the points and stock come back."""
    try:
        orders_service.cancel_order(page.db, page.principal, order_id, reason or "")
    except FieldRejected as exc:
        return _orders(page, None, 1, problem=exc.message, status_code=422)
    except (Conflict, Forbidden) as exc:
        return _orders(page, None, 1, problem=exc.message, status_code=409)
    return RedirectResponse(_back(page), status_code=303)


# --- the report -------------------------------------------------------------------------------


@router.get("/points/report")
def report(page: ReaderPageDep, as_of: DayQuery = None) -> Response:
    """积分报表: issued, redeemed and outstanding (the liability) by branch as of a day."""
    found = report_service.points_liability(page.settings, page.db, page.principal, as_of=as_of)
    query = urlencode({"as_of": found.as_of.isoformat()})
    context = {
        "r": found,
        "may_export": page.principal.can(Permission.EXPORT),
        "export_query": query,
        "today": service.today_in_beijing(),
        "soon_days": service.EXPIRING_DAYS,
    }
    return page.render("points_report.html", context, active="points_report")
