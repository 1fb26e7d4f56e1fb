"""`python -m brokerlens.bench.groups_probe {setup,publish,refresh,reads} --home HOME`: the steps
of the bench suite `groups` (issue 25) over a published home.

- `setup --groups N --seed S`: N dynamic groups (the bench's own, named `bench-groups NNNN`;
  those of an earlier run deleted first, through access, audited), 2-6 conditions each over
  real published columns with values drawn from the served profile's quantiles and commonest
  categories (so groups are not empty), some `any` / `not` nesting, some alert, served_by and
  no_contact leaves and a few `in_group`; owned by bench users of four roles (head office, a
  region, a branch, a broker) so each is evaluated within its owner's scope.
- `publish`: publish the newest computed date without the groups' refresh (timed on its own).
- `refresh`: every dynamic group's membership on the served date (`refresh_group_members`);
  prints the groups, members and changes written.
- `reads`: the live count of a nested five-condition tree (50 calls, values differing), a
  group's history and one date's change page (20 groups each), as the head-office user and a
  branch manager; p50 / p95 per read.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import sqlalchemy as sa

from brokerlens.access import served_snapshot
from brokerlens.access.columnar import columnar_file
from brokerlens.access.groups import (
    group_changes,
    group_history,
    preview_tree,
    refresh_group_members,
)
from brokerlens.access.masking import PERSONAL_FIELDS
from brokerlens.access.segments import create_segment, delete_segment
from brokerlens.auth import add_user, get_user, list_users, principal_of
from brokerlens.auth.principal import Principal, Role
from brokerlens.config import Settings, load_settings
from brokerlens.publish import publish
from brokerlens.store import open_store
from brokerlens.store.alerts_schema import alerts
from brokerlens.store.schema import org_units, relationships, segments, users
from brokerlens.warehouse.served import group_state_path, kept_dates, kept_file, parquet_source

PREFIX = "bench-groups "
NUMERIC = (
    "total_assets_t",
    "available_cash_t",
    "avg_assets_3m",
    "net_commission_12m",
    "net_commission_ytd",
    "trades_12m",
    "days_since_last_trade",
    "monthly_turnover",
    "position_value_t",
    "rfm_r_score",
    "rfm_f_score",
    "rfm_m_score",
    "holdings_risk",
    "net_commission_lifetime",
)
CATEGORICAL = (
    "customer_tier",
    "asset_bucket_current",
    "asset_bucket_cash",
    "activity",
    "service_level",
    "product_preference",
    "rfm_segment",
    "investor_class",
    "customer_type",
    "open_channel",
    "risk_mismatch",
    "regulatory_class",
    "stock_habit",
)
USERS = {  # bench user -> role; share of the groups it owns
    "bench_hq": (Role.HQ_MARKETING, 0.5),
    "bench_region": (Role.REGION_MANAGER, 0.15),
    "bench_branch": (Role.BRANCH_MANAGER, 0.25),
    "bench_broker": (Role.BROKER, 0.10),
}
READS = 50  # live counts timed
SAMPLE = 20  # groups whose history and change page are read


# --- the data the groups draw on ------------------------------------------------------------------


class Domain:
    """Quantiles of the numeric columns and the commonest values of the categorical ones, over
    the served profile's columnar copy; the store's alert ids, teams and staff."""

    def __init__(self, settings: Settings) -> None:
        db = open_store(settings)
        snapshot = served_snapshot(db)
        path = columnar_file(snapshot)
        if path is None:
            raise SystemExit("the served snapshot has no columnar copy: publish first")
        self.path = path
        names = set(snapshot.names()) - PERSONAL_FIELDS
        duck = duckdb.connect()
        source = parquet_source(path)
        self.numeric: dict[str, list[float]] = {}
        for name in (n for n in NUMERIC if n in names):
            row = duck.execute(
                f"SELECT quantile_cont({name}, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]) "
                f"FROM {source} WHERE {name} IS NOT NULL"
            ).fetchone()
            if row and row[0] and len({round(v, 2) for v in row[0]}) > 2:
                self.numeric[name] = [round(float(v), 2) for v in row[0]]
        self.categorical: dict[str, list[str]] = {}
        for name in (n for n in CATEGORICAL if n in names):
            found = duck.execute(
                f"SELECT {name} FROM {source} WHERE {name} IS NOT NULL "
                "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 6"
            ).fetchall()
            if len(found) >= 2:
                self.categorical[name] = [str(r[0]) for r in found]
        with db.connect() as connection:
            self.alert_ids = sorted(
                str(a) for a in connection.execute(sa.select(alerts.c.alert_id).distinct())
            )[:20]
            self.teams = sorted(
                str(u)
                for u in connection.execute(
                    sa.select(org_units.c.unit_id).where(org_units.c.unit_type == "team")
                ).scalars()
            )
            self.busy_staff = [
                str(s)
                for s in connection.execute(
                    sa.select(relationships.c.staff_id)
                    .group_by(relationships.c.staff_id)
                    .order_by(sa.func.count().desc(), relationships.c.staff_id)
                    .limit(20)
                ).scalars()
            ]
        self.branch = _commonest(duck, source, "branch_id")
        self.region = _commonest(duck, source, "region_id")
        duck.close()


def _commonest(duck: duckdb.DuckDBPyConnection, source: str, column: str) -> str | None:
    row = duck.execute(
        f"SELECT {column} FROM {source} WHERE {column} IS NOT NULL "
        "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    ).fetchone()
    return str(row[0]) if row else None


def profile_leaf(rng: random.Random, domain: Domain) -> dict[str, Any]:
    """One leaf over a real column, wide enough that a few of them keep members."""
    if domain.categorical and (not domain.numeric or rng.random() < 0.4):
        name = rng.choice(sorted(domain.categorical))
        values = domain.categorical[name]
        if rng.random() < 0.5:
            return {"field": name, "op": "in", "value": rng.sample(values, min(3, len(values)))}
        return {"field": name, "op": "ne" if rng.random() < 0.3 else "eq", "value": values[0]}
    name = rng.choice(sorted(domain.numeric))
    q = domain.numeric[name]
    kind = rng.random()
    if kind < 0.45:
        return {"field": name, "op": "ge", "value": q[rng.randrange(0, 5)]}
    if kind < 0.8:
        return {"field": name, "op": "le", "value": q[rng.randrange(4, 9)]}
    low = rng.randrange(0, 3)
    return {"field": name, "op": "between", "value": [q[low], q[low + rng.randrange(4, 6)]]}


def special_leaf(rng: random.Random, domain: Domain) -> dict[str, Any] | None:
    """An alert, served_by or no_contact leaf (None when the home has none to draw on)."""
    kind = rng.random()
    if kind < 0.4 and domain.alert_ids:
        k = min(len(domain.alert_ids), rng.randrange(1, 4))
        return {"alert": rng.sample(domain.alert_ids, k), "days": rng.choice([7, 30, 90])}
    if kind < 0.6 and domain.teams:
        return {"served_by_team": rng.choice(domain.teams)}
    if kind < 0.7 and domain.busy_staff:
        return {"served_by_staff": rng.choice(domain.busy_staff)}
    return {"no_contact_days": rng.choice([30, 90, 180])}


def group_tree(rng: random.Random, domain: Domain, earlier: list[int]) -> list[dict[str, Any]]:
    """2-6 conditions: profile leaves, now and then an `any` of two, a `not`, a special leaf or
    membership of an earlier group of the same owner."""
    size = rng.randrange(2, 7)
    nodes: list[dict[str, Any]] = []
    while len(nodes) < size:
        roll = rng.random()
        if roll < 0.2 and size - len(nodes) >= 2:
            nodes.append({"any": [profile_leaf(rng, domain), profile_leaf(rng, domain)]})
        elif roll < 0.3:
            nodes.append({"not": profile_leaf(rng, domain)})
        elif roll < 0.42:
            special = special_leaf(rng, domain)
            nodes.append({"any": [special, profile_leaf(rng, domain)]} if special else {})
        elif roll < 0.44 and earlier:
            nodes.append({"in_group": rng.choice(earlier)})
        else:
            nodes.append(profile_leaf(rng, domain))
        nodes = [n for n in nodes if n]
    return nodes


# --- setup ----------------------------------------------------------------------------------------


def _bench_user(db: sa.Engine, username: str, role: Role, domain: Domain) -> Principal:
    unit = {Role.BRANCH_MANAGER: domain.branch, Role.REGION_MANAGER: domain.region}.get(role)
    staff = domain.busy_staff[0] if role is Role.BROKER and domain.busy_staff else None
    if not any(u.username == username for u in list_users(db)):
        add_user(
            db,
            username=username,
            display_name=f"bench {role.value}",
            role=role,
            password="Bench-" + secrets.token_urlsafe(12),
            staff_id=staff,
            unit_id=unit,
        )
    else:
        with db.begin() as connection:
            connection.execute(
                sa.update(users)
                .where(users.c.username == username)
                .values(staff_id=staff, unit_id=unit)
            )
    return principal_of(get_user(db, username))


def setup(home: Path, groups: int, seed: int) -> str:
    settings = load_settings(home=home)
    db = open_store(settings)
    domain = Domain(settings)
    owners = {name: _bench_user(db, name, role, domain) for name, (role, _) in USERS.items()}
    with db.connect() as connection:
        old = connection.execute(
            sa.select(segments.c.segment_id, users.c.username)
            .select_from(segments.join(users, users.c.user_id == segments.c.owner_user_id))
            .where(segments.c.name.startswith(PREFIX), users.c.username.in_(list(owners)))
            .order_by(segments.c.segment_id.desc())  # those referring to others first
        ).all()
    for segment_id, username in old:
        delete_segment(db, owners[username], int(segment_id))
    rng = random.Random(seed)
    weights = [share for _, share in USERS.values()]
    made: dict[str, list[int]] = {name: [] for name in owners}
    started = time.perf_counter()
    for i in range(groups):
        name = rng.choices(list(owners), weights)[0]
        tree = group_tree(rng, domain, made[name][-50:])
        segment = create_segment(
            db, owners[name], f"{PREFIX}{i + 1:04d}", tree, visibility="private", settings=settings
        )
        made[name].append(segment.segment_id)
    return (
        f"deleted {len(old):,} bench group(s) of an earlier run; created {groups:,} in "
        f"{time.perf_counter() - started:.1f} s ("
        + ", ".join(f"{n} {len(ids)}" for n, ids in made.items())
        + ")"
    )


# --- publish and refresh --------------------------------------------------------------------------


def publish_only(home: Path) -> str:
    report = publish(load_settings(home=home))
    return f"published {report.rows:,} customers as of {report.as_of_date}"


def refresh(home: Path) -> str:
    settings = load_settings(home=home)
    db = open_store(settings)
    day = served_snapshot(db).as_of_date
    started = time.perf_counter()
    refreshed = refresh_group_members(db, settings)
    seconds = time.perf_counter() - started
    members = pq.ParquetFile(group_state_path(settings, day) / "members.parquet").metadata.num_rows
    path = kept_file(settings, "group_changes", day)
    changes = pq.ParquetFile(path).metadata.num_rows if path is not None else 0
    return (
        f"refreshed {refreshed:,} group(s) as of {day} in {seconds:.1f} s: "
        f"{members:,} members, {changes:,} changes written"
    )


# --- reads ----------------------------------------------------------------------------------------


def _p(values: list[float]) -> str:
    if not values:
        return "n/a"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):.0f} ms, p95 {p95:.0f} ms"


def five_condition_tree(rng: random.Random, domain: Domain, i: int) -> list[dict[str, Any]]:
    """all(any(a >= x, b in [..]), not(c <= y), d between, e eq): values differ per call."""
    numeric = sorted(domain.numeric)
    cats = sorted(domain.categorical)
    a, c, d = (
        numeric[i % len(numeric)],
        numeric[(i + 3) % len(numeric)],
        numeric[(i + 5) % len(numeric)],
    )
    b, e = cats[i % len(cats)], cats[(i + 2) % len(cats)]
    qa, qc, qd = domain.numeric[a], domain.numeric[c], domain.numeric[d]
    jitter = 1 + i / 1000  # no two calls ask the same question (no answer kept)
    return [
        {
            "any": [
                {"field": a, "op": "ge", "value": round(qa[rng.randrange(3, 8)] * jitter, 2)},
                {"field": b, "op": "in", "value": domain.categorical[b][:2]},
            ]
        },
        {"not": {"field": c, "op": "le", "value": round(qc[rng.randrange(0, 3)] * jitter, 2)}},
        {"field": d, "op": "between", "value": [qd[0] * jitter, qd[rng.randrange(5, 9)] * jitter]},
        {"field": e, "op": "ne", "value": domain.categorical[e][-1]},
    ]


def reads(home: Path, seed: int) -> str:
    settings = load_settings(home=home)
    db = open_store(settings)
    domain = Domain(settings)
    rng = random.Random(seed)
    hq = principal_of(get_user(db, "bench_hq"))
    branch = principal_of(get_user(db, "bench_branch"))
    figures: dict[str, Any] = {}
    counts = []
    for who, principal in (("hq", hq), ("branch", branch)):
        trees = [
            five_condition_tree(rng, domain, i + (0 if who == "hq" else 500)) for i in range(READS)
        ]
        times = []
        for tree in trees:
            started = time.perf_counter()
            found = preview_tree(db, principal, tree, settings)
            times.append((time.perf_counter() - started) * 1000)
            counts.append(found.total)
        figures[f"preview_{who}"] = _p(times)
    by_owner: dict[str, list[int]] = {}
    with db.connect() as connection:
        for gid, username in connection.execute(
            sa.select(segments.c.segment_id, users.c.username)
            .select_from(segments.join(users, users.c.user_id == segments.c.owner_user_id))
            .where(segments.c.name.startswith(PREFIX))
            .order_by(segments.c.segment_id)
        ):
            by_owner.setdefault(str(username), []).append(int(gid))
    dates = kept_dates(settings, "group_changes")
    if not dates:
        return "no group changes kept: run the refresh first"
    day = dates[-1]
    for who, principal in (("hq", hq), ("branch", branch)):
        ids = by_owner.get(f"bench_{who}", [])
        sample = rng.sample(ids, min(SAMPLE, len(ids)))
        history, page = [], []
        for g in sample:
            started = time.perf_counter()
            group_history(db, principal, g, settings)
            history.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            group_changes(db, principal, g, settings, day)
            page.append((time.perf_counter() - started) * 1000)
        figures[f"history_{who}"] = _p(history)
        figures[f"changes_{who}"] = _p(page)
    figures["preview_nonempty"] = f"{sum(1 for c in counts if c)}/{len(counts)}"
    figures["dates"] = [d.isoformat() for d in dates]
    sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")
    return (
        f"live count (5 conditions, nested) hq {figures['preview_hq']}; branch "
        f"{figures['preview_branch']}; history hq {figures['history_hq']}, branch "
        f"{figures['history_branch']}; changes page of {day} hq {figures['changes_hq']}, "
        f"branch {figures['changes_branch']}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m brokerlens.bench.groups_probe")
    parser.add_argument("what", choices=["setup", "publish", "refresh", "reads"])
    parser.add_argument("--home", required=True, type=Path)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.what == "setup":
        line = setup(args.home, args.groups, args.seed)
    elif args.what == "publish":
        line = publish_only(args.home)
    elif args.what == "refresh":
        line = refresh(args.home)
    else:
        line = reads(args.home, args.seed)
    sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
