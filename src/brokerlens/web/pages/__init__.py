"""Server-rendered pages, one router per page group."""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.pages import (
    account,
    activation,
    alerts,
    approvals,
    audit,
    auth,
    callbacks,
    campaigns,
    care,
    catalog,
    complaints,
    customers,
    home,
    org,
    products,
    recommendations,
    records,
    segments,
    staff,  # issue 19 part E
    thresholds,
    units,  # issue 19 part E
    users,
    work_orders,
    worklist,
)


def routers() -> list[APIRouter]:
    return [
        auth.router,
        home.router,
        customers.router,
        segments.router,
        catalog.router,
        audit.router,
        org.router,
        users.router,
        account.router,
        thresholds.router,  # before alerts: /alerts/thresholds is not an alert
        alerts.router,
        activation.router,
        recommendations.router,
        products.router,
        worklist.router,
        records.router,
        campaigns.router,
        care.router,
        callbacks.router,
        complaints.router,
        approvals.router,
        work_orders.router,
        staff.router,  # issue 19 part E
        units.router,  # issue 19 part E
    ]
