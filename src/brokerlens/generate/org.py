"""The organisation: HQ -> regions (分公司) -> branches (营业部) -> teams, and its staff."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from brokerlens.generate import names as nm
from brokerlens.generate.tables import NULL_INT, build, ids

POSITIONS = ("broker", "advisor", "team_lead", "branch_manager", "service", "hq_marketing")
BROKER, ADVISOR, TEAM_LEAD, BRANCH_MANAGER, SERVICE, HQ_MARKETING = range(6)
UNIT_TYPES = ("hq", "region", "branch", "team")


@dataclass
class Org:
    unit_parent: np.ndarray  # -1 for the root
    unit_type: np.ndarray  # index into UNIT_TYPES
    unit_name: list[str]
    unit_city: list[str]
    unit_open: np.ndarray  # day numbers
    branch_units: np.ndarray  # unit index of each branch
    # staff (growing: new hires are appended)
    staff_unit: np.ndarray
    staff_position: np.ndarray
    staff_manager: np.ndarray  # -1 at the top
    staff_hire: np.ndarray
    staff_leave: np.ndarray  # NULL_INT while employed
    staff_branch: np.ndarray  # branch index (into branch_units), -1 for HQ staff
    staff_grade: np.ndarray
    staff_name: list[str]

    @property
    def n_units(self) -> int:
        return len(self.unit_parent)

    @property
    def n_staff(self) -> int:
        return len(self.staff_unit)

    def hire(self, like: int, day: int) -> int:
        """A new staff member in the same unit and position as `like`; returns its index."""
        self.staff_unit = np.append(self.staff_unit, self.staff_unit[like])
        self.staff_position = np.append(self.staff_position, self.staff_position[like])
        self.staff_manager = np.append(self.staff_manager, self.staff_manager[like])
        self.staff_hire = np.append(self.staff_hire, day)
        self.staff_leave = np.append(self.staff_leave, NULL_INT)
        self.staff_branch = np.append(self.staff_branch, self.staff_branch[like])
        self.staff_grade = np.append(self.staff_grade, 1)
        self.staff_name.append(self.staff_name[(like * 7 + day) % len(self.staff_name)])
        return self.n_staff - 1


def build_org(rng: np.random.Generator, customers: int, start_day: int) -> Org:
    n_brokers = max(4, customers // 220)
    n_branches = max(3, -(-n_brokers // 24))
    n_regions = int(np.clip(2 + n_branches // 20, 3, 6))
    n_teams = max(n_branches, -(-n_brokers // 8))
    parent: list[int] = [-1]
    utype: list[int] = [0]
    uname: list[str] = ["总部"]
    ucity: list[str] = ["上海"]
    cities = rng.permutation(len(nm.CITIES))
    region_units = []
    for r in range(n_regions):
        city = nm.CITIES[int(cities[r % len(cities)])]
        region_units.append(len(parent))
        parent.append(0)
        utype.append(1)
        uname.append(f"{city}分公司")
        ucity.append(city)
    branch_units = []
    for b in range(n_branches):
        reg = region_units[b % n_regions]
        city = ucity[reg]
        road = nm.ROADS[b // n_regions % len(nm.ROADS)]
        branch_units.append(len(parent))
        suffix = "" if b < n_regions * len(nm.ROADS) else str(b)
        parent.append(reg)
        utype.append(2)
        ucity.append(city)
        uname.append(f"{city}{road}{suffix}证券营业部")
    team_units = []
    for t in range(n_teams):
        br = branch_units[t % n_branches]
        team_units.append(len(parent))
        parent.append(br)
        utype.append(3)
        ucity.append(ucity[br])
        uname.append(f"{uname[br]}财富{t // n_branches + 1}组")
    n_units = len(parent)
    unit_open = start_day - rng.integers(400, 8000, n_units)
    # staff
    s_unit: list[int] = []
    s_pos: list[int] = []
    s_mgr: list[int] = []
    s_branch: list[int] = []
    for _ in range(max(1, n_branches // 4)):
        s_unit.append(0)
        s_pos.append(HQ_MARKETING)
        s_mgr.append(-1)
        s_branch.append(-1)
    managers = {}
    for b, bu in enumerate(branch_units):
        managers[bu] = len(s_unit)
        s_unit.append(bu)
        s_pos.append(BRANCH_MANAGER)
        s_mgr.append(-1)
        s_branch.append(b)
        for _ in range(1 + (b % 2)):
            s_unit.append(bu)
            s_pos.append(ADVISOR)
            s_mgr.append(managers[bu])
            s_branch.append(b)
        s_unit.append(bu)
        s_pos.append(SERVICE)
        s_mgr.append(managers[bu])
        s_branch.append(b)
    brokers_left = n_brokers
    for t, tu in enumerate(team_units):
        bu = parent[tu]
        b = t % n_branches
        lead = len(s_unit)
        s_unit.append(tu)
        s_pos.append(TEAM_LEAD)
        s_mgr.append(managers[bu])
        s_branch.append(b)
        k = min(brokers_left, -(-n_brokers // n_teams)) if t < n_teams - 1 else max(1, brokers_left)
        brokers_left -= k
        for _ in range(max(1, k)):
            s_unit.append(tu)
            s_pos.append(BROKER)
            s_mgr.append(lead)
            s_branch.append(b)
    n = len(s_unit)
    return Org(
        unit_parent=np.array(parent),
        unit_type=np.array(utype),
        unit_name=uname,
        unit_city=ucity,
        unit_open=unit_open,
        branch_units=np.array(branch_units),
        staff_unit=np.array(s_unit),
        staff_position=np.array(s_pos),
        staff_manager=np.array(s_mgr),
        staff_hire=start_day - rng.integers(30, 6000, n),
        staff_leave=np.full(n, NULL_INT, dtype=np.int64),
        staff_branch=np.array(s_branch),
        staff_grade=rng.integers(1, 7, n),
        staff_name=nm.person_names(rng, n).to_pylist(),
    )


def org_units_table(org: Org, idx: np.ndarray) -> pa.Table:
    parent = org.unit_parent[idx]
    return build(
        "org_units",
        {
            "unit_id": ids("U", idx, 5),
            "parent_id": pa.array(
                [None if p < 0 else f"U{p:05d}" for p in parent.tolist()], pa.string()
            ),
            "unit_type": pa.array([UNIT_TYPES[t] for t in org.unit_type[idx].tolist()]),
            "name": pa.array([org.unit_name[i] for i in idx.tolist()]),
            "city": pa.array([org.unit_city[i] for i in idx.tolist()]),
            "open_date": org.unit_open[idx],
            "close_date": np.full(len(idx), NULL_INT),
        },
    )


def staff_table(org: Org, idx: np.ndarray) -> pa.Table:
    pos = org.staff_position[idx]
    mgr = org.staff_manager[idx]
    licensed = np.isin(pos, (BROKER, ADVISOR, TEAM_LEAD, BRANCH_MANAGER))
    cert = [
        f"S{1000000000000 + int(i) * 7919:013d}" if lic else None
        for i, lic in zip(idx, licensed, strict=True)
    ]
    return build(
        "staff",
        {
            "staff_id": ids("S", idx, 6),
            "name": pa.array([org.staff_name[i] for i in idx.tolist()], pa.string()),
            "unit_id": ids("U", org.staff_unit[idx], 5),
            "position": pa.array([POSITIONS[p] for p in pos.tolist()], pa.string()),
            "manager_id": pa.array(
                [None if m < 0 else f"S{m:06d}" for m in mgr.tolist()], pa.string()
            ),
            "hire_date": org.staff_hire[idx],
            "leave_date": org.staff_leave[idx],
            "sac_cert_no": pa.array(cert, pa.string()),
            "grade": pa.array([f"P{g}" for g in org.staff_grade[idx].tolist()], pa.string()),
        },
    )
