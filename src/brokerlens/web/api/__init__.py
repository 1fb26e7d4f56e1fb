"""REST API routers, one per resource, all under /api."""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.api import (
    activation,
    alerts,
    approvals,
    audit,
    auth,
    callbacks,
    campaigns,
    care,
    catalog,
    churn,
    complaints,
    customers,
    home,
    org,
    products,
    recommendations,
    records,
    segments,
    staff,  # issue 19 part E
    suitability,
    users,
    work_orders,
    worklist,
)


def routers() -> list[APIRouter]:
    return [
        auth.router,
        home.router,
        customers.router,
        suitability.customer_router,
        suitability.router,
        churn.customer_router,
        alerts.customer_router,
        activation.router,
        products.router,
        recommendations.router,
        alerts.router,
        catalog.router,
        segments.router,
        org.router,
        audit.router,
        users.router,
        worklist.router,
        records.router,
        campaigns.router,
        care.router,
        callbacks.router,
        complaints.router,
        approvals.router,
        work_orders.router,
        staff.router,  # issue 19 part E
    ]
