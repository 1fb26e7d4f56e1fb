"""The customer population: static attributes, accounts, and their reference rows."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brokerlens.generate import archetypes as ar
from brokerlens.generate import names as nm
from brokerlens.generate.org import Org
from brokerlens.generate.tables import NULL_INT, build, ids, labels

CTYPES = ("individual", "institution", "product")
STATUS = ("normal", "dormant", "frozen", "closed")
ACC_TYPES = ("cash", "margin", "option", "otc", "hk_connect")
ACC_STATUS = ("normal", "closed", "transferred_out", "designation_cancelled")
CHANNELS = ("app", "pc", "phone", "counter", "api")
OPEN_CHANNELS = ("branch", "online", "bank", "app", "referral")


@dataclass
class Population:
    n: int
    arch: np.ndarray
    appetite: np.ndarray
    ctype: np.ndarray
    branch: np.ndarray  # index into org.branch_units
    open_day: np.ndarray
    open_t: np.ndarray  # trading-day index of opening; -1 = before the window
    rate: np.ndarray  # commission rate
    channel: np.ndarray
    salary_dom: np.ndarray  # day of month of a salary-like inflow, 0 = none
    status: np.ndarray
    close_day: np.ndarray
    margin: np.ndarray
    has_otc: np.ndarray
    has_option: np.ndarray
    has_hk: np.ndarray
    wealth: np.ndarray  # initial assets in cents
    name: pa.Array
    id_no: pa.Array
    phone: pa.Array
    gender: np.ndarray
    birth_day: np.ndarray
    city: pa.Array
    open_channel: np.ndarray
    professional: np.ndarray
    acc_status: np.ndarray  # per customer x ACC_TYPES (the status of each account they have)
    acc_close: np.ndarray

    def trade_account(self, cust: np.ndarray) -> np.ndarray:
        """Account number holding a customer's securities: margin account for margin users."""
        return cust.astype(np.int64) * 10 + np.where(self.margin[cust], 1, 0)


def build_population(
    rng: np.random.Generator, n: int, org: Org, start_day: int, n_days: int
) -> Population:
    arch = rng.choice(len(ar.ARCHETYPES), size=n, p=ar.shares())
    appetite = ar.column("appetite")[arch]
    ctype = np.searchsorted([0.995, 0.999], rng.random(n), side="right")
    branch = rng.integers(0, len(org.branch_units), n)
    n_new = round(n * min(0.2, 0.0006 * n_days)) if n_days > 1 else 0
    open_t = np.full(n, -1, dtype=np.int64)
    new = rng.choice(n, size=n_new, replace=False) if n_new else np.zeros(0, np.int64)
    open_t[new] = rng.integers(1, n_days, n_new)
    age_days = np.minimum(rng.exponential(2000, n).astype(np.int64) + 5, 9000)
    open_day = start_day - age_days
    wealth_median = ar.column("median_assets")[arch]
    wealth = np.round(rng.lognormal(np.log(np.maximum(wealth_median, 1)), 1.1, n) * 100).astype(
        np.int64
    )
    wealth[ar.column("median_assets")[arch] == 0] = 0
    rich = ctype > 0
    wealth[rich] *= 20
    # new accounts: younger, smaller and cheaper
    wealth[new] = wealth[new] // 3
    rate = np.where(
        age_days > 1500, rng.uniform(0.00018, 0.0003, n), rng.uniform(0.00012, 0.00025, n)
    )
    rate[new] = rng.uniform(0.0001, 0.00015, n_new)
    rate = np.round(rate, 6)
    channel = np.searchsorted([0.6, 0.82, 0.9, 0.96], rng.random(n), side="right")
    channel[ctype > 0] = 4
    salary_dom = np.where(rng.random(n) < 0.3, rng.integers(1, 29, n), 0)
    salary_dom[arch == ar.EMPTY] = 0
    status = np.zeros(n, dtype=np.int64)
    dormant = arch == ar.DORMANT
    status[dormant & (rng.random(n) < 0.6)] = 1
    status[(~dormant) & (rng.random(n) < 0.002)] = 2
    margin = arch == ar.MARGIN
    mix = ar.mix_matrix()[arch]
    has_otc = (mix[:, ar.OTC_EQUITY :].sum(axis=1) > 0) | (rng.random(n) < 0.1)
    has_option = (wealth > 50_000_000) & (rng.random(n) < 0.3)
    has_hk = (wealth > 50_000_000) & (rng.random(n) < 0.3)
    gender = np.where(rng.random(n) < 0.55, 0, 1)
    birth = start_day - rng.integers(20 * 365, 75 * 365, n)
    cities = np.asarray(org.unit_city, dtype=object)[org.branch_units[branch]]
    away = rng.random(n) < 0.1
    cities[away] = np.asarray(nm.CITIES, dtype=object)[rng.integers(0, len(nm.CITIES), away.sum())]
    names = nm.person_names(rng, n)
    inst = np.flatnonzero(ctype == 1)
    prod = np.flatnonzero(ctype == 2)
    if len(inst) or len(prod):
        names_list = names.to_pylist()
        heads = nm.STOCK_HEADS
        for i in inst.tolist():
            names_list[i] = f"{heads[i % len(heads)]}{heads[(i // 7) % len(heads)]}投资有限公司"
        for i in prod.tolist():
            names_list[i] = f"{heads[i % len(heads)]}盈{i % 97}号资产管理计划"
        names = pa.array(names_list, pa.string())
    region = pc.cast(pa.array(rng.integers(110000, 660000, n)), pa.string())
    birth_txt = pc.strftime(pa.array(birth.astype(np.int32), pa.date32()), format="%Y%m%d")
    tail = pc.utf8_lpad(pc.cast(pa.array(rng.integers(0, 10000, n)), pa.string()), 4, "0")
    id_card = nm.join(region, birth_txt, tail)
    licence = nm.join("91", pc.utf8_lpad(pc.cast(pa.array(np.arange(n)), pa.string()), 16, "0"))
    id_no = pc.if_else(pa.array(ctype == 0), id_card, licence)
    phone = nm.join(
        "13", pc.utf8_lpad(pc.cast(pa.array(rng.integers(0, 10**9, n)), pa.string()), 9, "0")
    )
    professional = (wealth >= 500_000_000) | (ctype > 0)
    open_channel = rng.integers(0, len(OPEN_CHANNELS), n)
    acc_status = np.zeros((n, len(ACC_TYPES)), dtype=np.int8)
    acc_close = np.full(n, NULL_INT, dtype=np.int64)
    return Population(
        n=n, arch=arch, appetite=appetite, ctype=ctype, branch=branch, open_day=open_day,
        open_t=open_t, rate=rate, channel=channel, salary_dom=salary_dom, status=status,
        close_day=np.full(n, NULL_INT, dtype=np.int64), margin=margin, has_otc=has_otc,
        has_option=has_option, has_hk=has_hk, wealth=wealth, name=names, id_no=id_no,
        phone=phone, gender=gender, birth_day=birth, city=pa.array(cities, pa.string()),
        open_channel=open_channel, professional=professional, acc_status=acc_status,
        acc_close=acc_close,
    )  # fmt: skip


def set_open_days(pop: Population, day_numbers: list[int]) -> None:
    new = pop.open_t >= 0
    pop.open_day[new] = np.asarray(day_numbers)[pop.open_t[new]]


def customers_table(pop: Population, idx: np.ndarray, org: Org) -> pa.Table:
    ind = pop.ctype[idx] == 0
    take = pa.array(idx)
    email_mask = idx % 5 < 2
    email = nm.join(ids("u", idx, 8), "@example.com")
    return build(
        "customers",
        {
            "customer_id": ids("C", idx, 9),
            "name": pop.name.take(take),
            "customer_type": labels(CTYPES, pop.ctype[idx]),
            "id_type": labels(["id_card", "business_license", "other"], pop.ctype[idx]),
            "id_no": pop.id_no.take(take),
            "gender": pc.if_else(
                pa.array(ind), labels(["M", "F"], pop.gender[idx]), pa.scalar(None, pa.string())
            ),
            "birth_date": np.where(ind, pop.birth_day[idx], NULL_INT),
            "phone": pop.phone.take(take),
            "email": pc.if_else(pa.array(email_mask), email, pa.scalar(None, pa.string())),
            "city": pop.city.take(take),
            "branch_id": ids("U", org.branch_units[pop.branch[idx]], 5),
            "open_date": pop.open_day[idx],
            "open_channel": labels(OPEN_CHANNELS, pop.open_channel[idx]),
            "investor_class": labels(["ordinary", "professional"], pop.professional[idx]),
            "status": labels(STATUS, pop.status[idx]),
            "close_date": pop.close_day[idx],
        },
    )


def accounts_of(pop: Population, cust: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(customer, account type) pairs of the accounts these customers hold."""
    has = np.stack(
        [
            np.ones(len(cust), bool),
            pop.margin[cust],
            pop.has_option[cust],
            pop.has_otc[cust],
            pop.has_hk[cust],
        ],
        axis=1,
    )
    c, k = np.nonzero(has)
    return cust[c], k


def accounts_table(pop: Population, cust: np.ndarray, kind: np.ndarray) -> pa.Table:
    status = pop.acc_status[cust, kind]
    return build(
        "accounts",
        {
            "account_id": ids("A", cust.astype(np.int64) * 10 + kind, 10),
            "customer_id": ids("C", cust, 9),
            "account_type": labels(ACC_TYPES, kind),
            "open_date": pop.open_day[cust],
            "status": labels(ACC_STATUS, status),
            "close_date": np.where(status > 0, pop.acc_close[cust], NULL_INT),
        },
    )
