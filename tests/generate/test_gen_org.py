# ruff: noqa: E501
"""Org tree, broker tree and relationships that change over time."""

from __future__ import annotations

import duckdb
from gen_checks import generated


def test_org_and_relationship_history() -> None:
    out = generated(customers=6000, days=45)
    con = duckdb.connect()
    for feed in ("org_units", "staff", "relationships", "customers"):
        con.execute(
            f"create table {feed} as select *, regexp_extract(filename, '(\\d{{4}}-\\d{{2}}-\\d{{2}})', 1)"
            f" as delivered from read_csv('{out}/20*/{feed}.csv', header=true, filename=true)"
        )
    units = con.execute("select unit_type, count(*) from org_units group by 1").fetchall()
    counts = dict(units)
    assert counts["hq"] == 1 and 3 <= counts["region"] <= 6 and counts["branch"] >= counts["region"]
    # every team under a branch, every branch under a region
    bad_parent = con.execute(
        """select count(*) from org_units c join org_units p on c.parent_id = p.unit_id
           where (c.unit_type, p.unit_type) not in (('region','hq'),('branch','region'),('team','branch'))"""
    ).fetchone()
    assert bad_parent == (0,)
    # brokers report to team leads, team leads to branch managers
    tree = con.execute(
        """select s.position, m.position, count(*) from staff s join staff m on s.manager_id = m.staff_id
           group by all"""
    ).fetchall()
    pairs = {(a, b) for a, b, _ in tree}
    assert ("broker", "team_lead") in pairs and ("team_lead", "branch_manager") in pairs
    brokers = con.execute("select count(*) from staff where position = 'broker'").fetchone()
    assert brokers is not None and 6000 / 300 <= brokers[0] <= 6000 / 150 + 5
    # reassignments: an ended row has a successor for the same customer and role starting that day
    orphans = con.execute(
        """select count(*) from relationships r where r.end_date is not null and not exists (
             select 1 from relationships n where n.customer_id = r.customer_id and n.role = r.role
               and n.start_date = r.end_date and n.staff_id <> r.staff_id)"""
    ).fetchone()
    ended = con.execute("select count(*) from relationships where end_date is not null").fetchone()
    assert ended is not None and ended[0] > 10
    assert orphans == (0,)
    # staff who left hold no relationship that starts after they left
    late = con.execute(
        """select count(*) from relationships r join staff s on r.staff_id = s.staff_id
           where s.leave_date is not null and r.start_date > cast(s.leave_date as date)"""
    ).fetchone()
    assert late == (0,)
