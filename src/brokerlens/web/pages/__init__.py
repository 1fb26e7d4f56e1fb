"""Server-rendered pages, one router per page group."""

from __future__ import annotations

from fastapi import APIRouter

from brokerlens.web.pages import (
    account,
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
    churn,  # issue 20 churn
    complaints,
    customers,
    dashboard,  # issue 22
    groups,  # issue 25
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
    segment_groups,  # issue 25: static groups, shares
    segments,
    staff,  # issue 19 part E
    statements,
    thresholds,
    training,  # issue 23 section 3
    units,  # issue 19 part E
    users,
    work_orders,
    worklist,
)


def routers() -> list[APIRouter]:
    return [
        auth.router,
        home.router,
        segment_groups.router,  # before segments: /segments/new-static is no segment id
        customers.router,
        groups.router,  # issue 25: before segments (/segments/builder is no id)
        segments.router,
        catalog.router,
        audit.router,
        org.router,
        broker_tree.router,  # issue 19 part A
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
        kpi.router,  # issue 19 part D
        statements.router,  # issue 19 C
        handovers.router,  # issue 19 handover
        staff.router,  # issue 19 part E
        units.router,  # issue 19 part E
        churn.router,  # issue 20 churn
        analysis.router,  # issue 22 section 3
        channels.router,  # issue 22 section 3
        reports.router,  # issue 22 section 4
        dashboard.router,  # issue 22
        notices.router,  # issue 23 section 4
        knowledge.router,  # issue 23 section 2
        training.router,  # issue 23 section 3
        points.router,  # issue 23
    ]
