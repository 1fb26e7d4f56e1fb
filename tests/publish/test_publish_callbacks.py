"""The call-back rules on a generated brokerage, run and published (SQLite and PostgreSQL).

The proof of the annual quota: the base is worked out here from the lake on its own terms (the
customers of the prior year-end, dormant ones excepted; the small brokerage's lake starts after
that year-end, so its first delivery stands for it), and for every branch the sample the store
took is at least the share of its base, every stratum exactly ceil(share x n), nobody outside
the base. The progress the service reports per branch agrees, and once a branch's sample is
called it has met its quota. A later date's publish adds only new accounts; a repeat nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from fractions import Fraction
from math import ceil
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from publish_home import Computed

from brokerlens.access.callback_quota import quota_progress
from brokerlens.auth.principal import Principal, Role
from brokerlens.compliance.callbacks.config import load_config
from brokerlens.config import Settings
from brokerlens.errors import Forbidden
from brokerlens.publish import publish
from brokerlens.publish.callbacks import publish_callbacks
from brokerlens.store import open_store
from brokerlens.store.compliance_schema import callback_samples, callbacks
from brokerlens.warehouse import open_warehouse
from brokerlens.warehouse.layout import WarehouseLayout

COMPLIANCE = Principal(1, "cmp", "合规", Role.COMPLIANCE)


def year_end_base(settings: Settings, as_of: dt.date) -> dict[tuple[str, str], set[str]]:
    """(branch, tier) -> the customers of the year's sample base, from the lake's customers."""
    year_end = dt.date(as_of.year - 1, 12, 31)
    conn = open_warehouse(settings)
    try:
        versions = conn.execute(
            "SELECT customer_id, branch_id, status, open_date, close_date, valid_from, valid_to "
            "FROM customers_history ORDER BY customer_id, valid_from"
        ).fetchall()
    finally:
        conn.close()
    chosen: dict[str, tuple[Any, ...]] = {}
    for v in versions:
        cid, valid_from, valid_to = v[0], v[5], v[6]
        on_year_end = valid_from <= year_end and (valid_to is None or valid_to > year_end)
        first_after = cid not in chosen and valid_from > year_end
        if on_year_end or first_after:
            chosen[cid] = v
    warehouse = WarehouseLayout(settings.warehouse_dir)
    dormant = {
        r["customer_id"]
        for r in pq.read_table(warehouse.activation_file(as_of)).to_pylist()
        if r["kind"] == "dormant"
    }
    profile = pq.read_table(warehouse.profile_file(as_of), columns=["customer_id", "customer_tier"])
    tiers = dict(zip(*(profile.column(c).to_pylist() for c in profile.column_names), strict=True))
    base: dict[tuple[str, str], set[str]] = {}
    for cid, branch, status, opened, closed, _, _ in chosen.values():
        open_then = closed > year_end if closed is not None else status != "closed"
        if opened <= year_end and open_then and status != "dormant" and cid not in dormant:
            base.setdefault((branch, tiers.get(cid) or "-"), set()).add(cid)
    return base


def test_the_years_sample_meets_the_quota_in_every_branch(
    pub_settings: Settings, computed: Computed
) -> None:
    db = open_store(pub_settings)
    report = publish(pub_settings, as_of=computed.earlier)
    base = year_end_base(pub_settings, computed.earlier)
    share = Fraction(str(load_config(pub_settings).annual_sample.share))
    with db.connect() as connection:
        sample = connection.execute(
            sa.select(callbacks.c.customer_id, callbacks.c.branch_id, callbacks.c.tier).where(
                callbacks.c.kind == "annual_sample"
            )
        ).all()
        strata = connection.execute(sa.select(callback_samples)).all()
    assert report.callbacks >= len(sample) > 0
    drawn: dict[tuple[str, str], set[str]] = {}
    for cid, branch, tier in sample:
        drawn.setdefault((branch, tier), set()).add(cid)
    assert set(drawn) == set(base)
    for stratum, members in base.items():
        assert drawn[stratum] <= members
        assert len(drawn[stratum]) == ceil(share * len(members)) >= share * len(members)
    assert {(s.branch_id, s.tier): (s.base, s.quota) for s in strata} == {
        k: (len(v), ceil(share * len(v))) for k, v in base.items()
    }
    branches = {b for b, _ in base}
    assert len(branches) > 1
    for branch in branches:
        n = sum(len(v) for (b, _), v in base.items() if b == branch)
        taken = sum(len(v) for (b, _), v in drawn.items() if b == branch)
        assert taken >= share * n  # the quota, for every branch

    # the service's progress agrees; a branch whose sample is called has met its quota
    progress = quota_progress(db, COMPLIANCE, computed.earlier.year)
    assert [r.branch_id for r in progress.rows] == sorted(branches)
    first = progress.rows[0]
    assert (first.reached, first.remaining, first.met) == (0, first.quota, False)
    assert first.sampled >= first.quota == ceil(share * first.base)
    with db.begin() as connection:
        connection.execute(
            callbacks.update()
            .where(callbacks.c.kind == "annual_sample", callbacks.c.branch_id == first.branch_id)
            .values(
                status="completed",
                closed_at=dt.datetime.combine(computed.earlier, dt.time(4), dt.UTC),
            )
        )
        # a call-back of another kind reaches a base customer of the second branch; a new
        # account's (opened this year: not of the base) counts nowhere
        second = progress.rows[1].branch_id
        unsampled = sorted(
            set().union(*(v for (b, _), v in base.items() if b == second))
            - set().union(*(v for (b, _), v in drawn.items() if b == second))
        )[0]
        closed = dt.datetime.combine(computed.earlier, dt.time(4), dt.UTC)
        connection.execute(
            callbacks.insert(),
            [
                _done(unsampled, "manual", "1", second, closed),
                _done(unsampled, "complaint", "K1", second, closed),  # the same customer
            ],
        )
        connection.execute(
            callbacks.update()
            .where(callbacks.c.kind == "new_account")
            .values(status="completed", closed_at=closed)
        )
    after = quota_progress(db, COMPLIANCE, computed.earlier.year)
    done = after.rows[0]
    assert (done.reached, done.remaining, done.met) == (first.sampled, 0, True)
    assert [(r.branch_id, r.reached) for r in after.rows[1:]] == [
        (r.branch_id, int(r.branch_id == second)) for r in after.rows[1:]
    ]
    assert after.total.reached == first.sampled + 1

    # a branch manager sees their branch; a broker is refused
    manager = Principal(2, "bm", "经理", Role.BRANCH_MANAGER, unit_id=first.branch_id)
    assert [r.branch_id for r in quota_progress(db, manager, computed.earlier.year).rows] == [
        first.branch_id
    ]
    with pytest.raises(Forbidden):
        quota_progress(db, Principal(3, "b", "经纪人", Role.BROKER, staff_id="S1"), 2025)
    # a year not drawn yet: the served profile's estimate, nothing sampled
    ahead = quota_progress(db, COMPLIANCE, computed.earlier.year + 1)
    assert ahead.drawn_on is None and ahead.rows
    assert all(r.sampled == 0 and r.quota == ceil(share * r.base) for r in ahead.rows)
    assert progress.drawn_on == computed.earlier and progress.rows[0].branch_name


def test_a_later_date_adds_only_its_new_accounts_and_a_repeat_nothing(
    pub_settings: Settings, computed: Computed
) -> None:
    db = open_store(pub_settings)
    first = publish_callbacks(db, pub_settings, computed.earlier)
    sample = _kinds(db)["annual_sample"]
    later = pq.read_table(
        WarehouseLayout(pub_settings.warehouse_dir).callbacks_file(computed.latest)
    ).to_pylist()
    # the run of the later date drew too (no store then): its draw is not loaded over the first
    assert any(r["kind"] == "annual_sample" for r in later)
    added = publish_callbacks(db, pub_settings, computed.latest)
    kinds = _kinds(db)
    assert kinds["annual_sample"] == sample
    assert first + added == sum(kinds.values())
    assert kinds["new_account"] == len(
        {(r["customer_id"], r["source_ref"]) for r in later if r["kind"] == "new_account"}
        | _new_accounts(pub_settings, computed.earlier)
    )
    assert publish_callbacks(db, pub_settings, computed.latest) == 0
    with db.connect() as connection:
        made = connection.execute(
            sa.select(callbacks.c.created_by, callbacks.c.status, callbacks.c.keep_until)
        ).all()
    assert {(m.created_by, m.status) for m in made} == {("run", "pending")}
    assert min(m.keep_until for m in made) >= computed.earlier.replace(
        year=computed.earlier.year + 3
    )


def _done(
    customer_id: str, kind: str, ref: str, branch: str, closed: dt.datetime
) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "kind": kind,
        "source_ref": ref,
        "branch_id": branch,
        "created_on": closed.date(),
        "due_date": closed.date(),
        "status": "completed",
        "attempts": 1,
        "closed_at": closed,
        "created_by": "cmp",
        "keep_until": dt.date(2099, 1, 1),
    }


def _kinds(db: sa.Engine) -> Counter[str]:
    with db.connect() as connection:
        return Counter(connection.execute(sa.select(callbacks.c.kind)).scalars())


def _new_accounts(settings: Settings, day: dt.date) -> set[tuple[str, str]]:
    rows = pq.read_table(WarehouseLayout(settings.warehouse_dir).callbacks_file(day)).to_pylist()
    return {(r["customer_id"], r["source_ref"]) for r in rows if r["kind"] == "new_account"}
