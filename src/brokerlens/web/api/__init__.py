"""REST API routers, one per resource, all under /api."""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.api import (
    activation,
    alerts,
    analysis,  # issue 22 section 3
    approvals,
    audit,
    auth,
    broker_tree,
    callbacks,
    campaigns,
    care,
    catalog,
    channels,  # issue 22 section 3
    churn,
    complaints,
    customers,
    dashboard,  # issue 22
    handovers,  # issue 19 handover
    home,
    knowledge,  # issue 23 section 2
    kpi,  # issue 19 part D
    notices,  # issue 23 section 4
    org,
    points,  # issue 23
    products,
    recommendations,
    records,
    reports,  # issue 22 section 4
    segments,
    staff,  # issue 19 part E
    statements,
    suitability,
    training,  # issue 23 section 3
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
        broker_tree.router,  # issue 19 part A
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
        kpi.router,  # issue 19 part D
        statements.router,  # issue 19 C
        handovers.router,  # issue 19 handover
        staff.router,  # issue 19 part E
        analysis.router,  # issue 22 section 3
        channels.router,  # issue 22 section 3
        reports.router,  # issue 22 section 4
        dashboard.router,  # issue 22
        notices.router,  # issue 23 section 4
        knowledge.router,  # issue 23 section 2
        training.router,  # issue 23 section 3
        points.customer_router,  # issue 23
        points.router,  # issue 23
    ]
