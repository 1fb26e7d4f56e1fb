"""The daily loop: market, customers' flows and trades, service, churn; one Day of tables each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TypeAlias

import numpy as np
import pyarrow as pa

from brokerlens.contract.feeds import REFERENCE_FEEDS
from brokerlens.errors import CalendarError
from brokerlens.generate import archetypes as ar
from brokerlens.generate import (
    churn,
    effects,
    extend,
    flows,
    ipo,
    org_events,
    otc,
    prices,
    service,
)
from brokerlens.generate import customers as cu
from brokerlens.generate.actions import CONTACT, KINDS, Actions
from brokerlens.generate.market import CLASSES, TYPE_ASSET_CLASS, build_market, securities_table
from brokerlens.generate.org import BROKER, build_org, org_units_table, staff_table
from brokerlens.generate.products import (
    backfill_table,
    build_products,
    nav_table,
    products_table,
    step_nav,
)
from brokerlens.generate.rand import Streams
from brokerlens.generate.relations import Relations, initial, reassign, staff_in_branch
from brokerlens.generate.state import State
from brokerlens.generate.tables import NULL_INT, build, day_number, empty, ids, labels
from brokerlens.generate.trading import (
    TRADE_TYPES,
    Fills,
    class_pickers,
    regular,
    sell,
)
from brokerlens.market import calendar

SESSION_SECONDS = np.concatenate(
    [np.arange(9 * 3600 + 1800, 11 * 3600 + 1800), np.arange(13 * 3600, 14 * 3600 + 3420)]
)


TableOrBuilder: TypeAlias = pa.Table | Callable[[], pa.Table]
# the oracle's purchase propensity: every ORACLE_EVERY trading days, the ORACLE_TOP products of
# each active customer (written to _ground_truth/product_propensity.parquet)
ORACLE_EVERY = 20
BROKER_LEAVES_P = 0.001  # a day, per broker
ORACLE_TOP = 20
ORACLE_CHUNK = 100_000
PROPENSITY_SCHEMA = pa.schema(
    [
        ("as_of_date", pa.date32()),
        ("customer_id", pa.string()),
        ("product_id", pa.string()),
        ("propensity", pa.float32()),
    ]
)


# contacts: the channel (phone, sms, wechat, visit, email, app_push) and result (reached,
# not_reached, refused, done) of a contact; by the broker (not sms / app_push) and reached or
# done, it has an effect (effects.py)
CONTACT_CHANNEL_P = [0.4, 0.15, 0.2, 0.05, 0.05, 0.15]
CONTACT_RESULT_P = [0.55, 0.2, 0.05, 0.2]
BROKER_REACHED_P = (1 - CONTACT_CHANNEL_P[1] - CONTACT_CHANNEL_P[5]) * (
    CONTACT_RESULT_P[0] + CONTACT_RESULT_P[3]
)


def _contact_chance(assets: np.ndarray, loss: np.ndarray) -> np.ndarray:
    """A reachable customer's chance of a contact a day (before the brokers' targeting of
    customers losing to the index): rich customers and losing churners more often."""
    return 0.004 + 0.015 * (assets > 100_000_000) + 0.03 * loss


def _accounts(pop: cu.Population, cust: np.ndarray) -> pa.Table:
    ac, ak = cu.accounts_of(pop, cust)
    return cu.accounts_table(pop, ac, ak)


@dataclass
class Day:
    t: int
    date: dt.date
    tables: dict[str, TableOrBuilder]  # a builder must be called before the next day is simulated
    propensity: pa.Table | None = None  # the oracle's purchase propensity as of this day
    effects: pa.Table | None = None  # contacts' and actions' effects applied (effects.py)
    churn_propensity: pa.Table | None = None  # the churn oracle (churn.propensity), checks only


class Simulation:
    def __init__(
        self, customers: int, days: tuple[dt.date, ...], seed: int, actions: Actions | None = None
    ) -> None:
        self.days = days
        self.st = Streams(seed)
        self.org_events = org_events.OrgEvents()  # issue 19, for the ground truth
        self.day_numbers = [day_number(d) for d in days]
        start = self.day_numbers[0]
        self.start = start
        self.org = build_org(self.st.get("org"), customers, start)
        self.m = build_market(self.st.get("market"), days, start)
        self.p = build_products(self.st.get("products"), start, len(days))
        self.pop = cu.build_population(
            self.st.get("customers"), customers, self.org, start, len(days)
        )
        cu.set_open_days(self.pop, self.day_numbers)
        self.s = State(customers, self.m.n, self.p.n)
        self.rel = Relations(customers)
        rng = self.st.get("relations")
        advisory = (self.pop.wealth > 10_000_000) & (rng.random(customers) < 0.08)
        initial(self.rel, self.org, self.pop.branch, self.pop.open_day, advisory, rng)
        self.assess = service.Assessments()
        self.agree = service.Agreements()
        self.complaints = service.Complaints()
        self.pending = ipo.Pending()
        self.drift = float(self.st.get("regime").normal(0.0003, 0.0008))
        self.mix_cdf = np.cumsum(ar.mix_matrix(), axis=1)
        self.otc_share = ar.mix_matrix()[:, ar.OTC_EQUITY :].sum(axis=1)
        self.cust_ids = ids("C", np.arange(customers), 9)
        self.acct_ids = ids("A", self.pop.trade_account(np.arange(customers)), 10)
        self.sec_ids = pa.array(self.m.code, pa.string())
        self.prod_ids = ids("P", np.arange(self.p.n), 5)
        self.contact_seq = 0
        self.churn_day = np.full(customers, NULL_INT, np.int64)
        self.products_changed = np.zeros(0, np.int64)
        self.aff = otc.Affinity.empty(customers, len(self.org.branch_units))
        self._suitability(np.flatnonzero(self.pop.open_t < 0), advisory, first=True)
        self._initial_holdings()
        self.aff.note(self.p, self.s.pbook.cust, self.s.pbook.item)
        self._initial_plans(self.st.get("plans"))
        self.fx = effects.Effects(customers)
        self.effect_rows: list[pa.Table] = []
        self._bind_actions(actions)
        # past the planned days (generate --continue), day by day (extend.py); no draw before
        self.planned = len(days)
        self.base_customers = customers
        self.securities_changed = np.zeros(0, np.int64)

    # ------------------------------------------------------------------ set-up
    def _suitability(
        self, cust: np.ndarray, advisory: np.ndarray, first: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        rng = self.st.get("suitability", int(first), len(self.assess.cust))
        pop = self.pop
        if first:
            day = np.maximum(self.start - rng.integers(1, 900, len(cust)), pop.open_day[cust])
        else:
            day = pop.open_day[cust]
        a_rows = self.assess.add(cust, day, pop.appetite[cust], rng)
        mix = ar.mix_matrix()[pop.arch[cust]]
        wants = {
            0: advisory[cust],
            1: pop.margin[cust],
            2: pop.has_option[cust],
            3: mix[:, CLASSES.index("chinext")] > 0,
            4: mix[:, CLASSES.index("star")] > 0,
            5: mix[:, CLASSES.index("bse")] > 0,
            6: pop.has_hk[cust],
            7: rng.random(len(cust)) < 0.03,
        }
        g_rows = []
        for service_id, mask in wants.items():
            c = cust[mask]
            sign = (
                np.maximum(self.start - rng.integers(1, 2000, len(c)), pop.open_day[c])
                if first
                else pop.open_day[c]
            )
            g_rows.append(self.agree.add(c, np.full(len(c), service_id), sign))
        return a_rows, np.concatenate(g_rows)

    def _bind_actions(self, actions: Actions | None) -> None:
        """Each action acts from the first generated date on or after its date (none after
        the last); rows of one day keep the file's order."""
        self.actions = actions
        t_of = np.searchsorted(np.asarray(self.day_numbers), actions.day if actions else [])
        self.act_order = np.argsort(t_of, kind="stable")
        self.act_bounds = np.searchsorted(t_of[self.act_order], np.arange(len(self.days) + 1))

    def _initial_holdings(self) -> None:
        rng = self.st.get("holdings")
        pop, s, m = self.pop, self.s, self.m
        old = np.flatnonzero(pop.open_t < 0)
        w = pop.wealth[old]
        cash_share = np.clip(
            ar.column("cash_share")[pop.arch[old]] * rng.uniform(0.5, 1.5, len(old)), 0, 1
        )
        cash = (w * cash_share).astype(np.int64)
        invested = w - cash
        liab = np.where(pop.margin[old], invested // 4, 0)
        k = np.clip(np.log10(np.maximum(w, 1) / 1e6).astype(np.int64) + 2, 1, 6)
        slots = np.where(invested > 100_000, k, 0)
        cust = np.repeat(old, slots)
        budget = np.repeat((invested + liab) // np.maximum(slots, 1), slots)
        u = rng.random(len(cust))
        cls = np.minimum(
            (u[:, None] > self.mix_cdf[pop.arch[cust]]).sum(axis=1), self.mix_cdf.shape[1] - 1
        )
        m.listed = m.list_t < 0
        pickers = class_pickers(m, rng)
        leftover = np.zeros(pop.n, np.int64)
        mk = np.flatnonzero(cls < 12)
        sec = np.full(len(mk), -1, np.int64)
        for c in range(12):
            sel = np.flatnonzero(cls[mk] == c)
            members, cdf = pickers[c]
            if len(sel) and len(members):
                sec[sel] = members[np.searchsorted(cdf, rng.random(len(sel)) * cdf[-1])]
        ok = sec >= 0
        mc, sec, mb = cust[mk][ok], sec[ok], budget[mk][ok]
        step = m.lot_step[sec]
        qty = (mb * 100 // m.close[sec] // step) * step
        good = qty >= m.lot_min[sec]
        spent = np.where(good, (qty * m.close[sec] + 50) // 100, 0)
        np.add.at(leftover, mc, mb - spent)
        s.book.add(
            mc[good],
            sec[good],
            qty[good],
            (spent[good] * rng.uniform(0.7, 1.3, good.sum())).astype(np.int64),
        )
        oc = np.flatnonzero(cls >= ar.OTC_EQUITY)
        group = cls[oc] - ar.OTC_EQUITY
        ob = budget[oc]
        # bought before the first date, for the same reasons as later (a closed product too)
        prod = otc.choose(self.p, pop, self.aff, -1, rng, cust[oc], group, closed_too=True, s=s)
        ok = (prod >= 0) & (ob >= self.p.min_amount[np.maximum(prod, 0)])
        units = np.where(ok, ob * 10000 // self.p.nav[np.maximum(prod, 0)], 0)
        spent = np.where(ok, (units * self.p.nav[np.maximum(prod, 0)] + 5000) // 10000, 0)
        np.add.at(leftover, cust[oc], ob - spent)
        s.pbook.add(cust[oc][ok], prod[ok], units[ok], spent[ok])
        used = np.zeros(len(cust), bool)
        used[mk] = True
        used[oc] = True
        other = np.flatnonzero(~used)
        np.add.at(leftover, cust[other], budget[other])
        s.cash[old] = cash
        s.cash += leftover
        s.liab[old] = liab
        s.cash[old] -= np.minimum(s.cash[old], 0)
        neglected = rng.random(pop.n) < 0.12
        s.neglected = neglected | (pop.arch == ar.DORMANT)
        s.last_contact = self.start - np.where(
            s.neglected, rng.integers(100, 400, pop.n), rng.integers(1, 60, pop.n)
        )
        s.assets = s.cash - s.liab

    # ------------------------------------------------------------------ the loop
    def run(self) -> Iterator[Day]:
        for t, day in enumerate(self.days):
            yield self.step(t, day)

    def add_days(self, days: tuple[dt.date, ...]) -> None:
        """The business dates after the last one, to simulate next (generate --continue)."""
        self.days = self.days + days
        self.day_numbers = self.day_numbers + [day_number(d) for d in days]
        self._bind_actions(self.actions)

    def step(self, t: int, day: dt.date) -> Day:
        if t >= self.planned:
            self._extend(t, self.day_numbers[t])
        st, pop, s, m, p = self.st, self.pop, self.s, self.m, self.p
        biz = self.day_numbers[t]
        tag = day.strftime("%Y%m%d")
        prices.step(m, t, day, st.get("prices", t), self.drift)
        step_nav(p, t, st.get("nav", t), float(m.index_level[1] / m.index_prev[1] - 1))
        self._corporate_actions()
        self.fx.expire(t, self.aff.push_prod)
        self._apply_actions(t, biz)
        rng = st.get("day", t)
        tables: dict[str, TableOrBuilder] = {}
        transfers: list[flows.Transfers] = []
        fills: list[Fills] = []
        orders: list[otc.Orders] = []
        # new customers open and deposit
        new = np.flatnonzero(pop.open_t == t)
        if len(new):
            transfers.append(flows.deposit(s, new, pop.wealth[new]))
        opened = pop.open_t <= t
        active = opened & ~s.closed & (pop.status == 0) & (s.ch_stage != 2) & (pop.open_t < t)
        # churners act first: forced sells, redemptions, withdrawals
        plan = churn.plan_today(s, t, rng)
        start, count = s.book.ranges(s.n)
        one = plan["sell_one"][count[plan["sell_one"]] > 0]
        rows_one = s.book.pick(rng, one, start, count)
        rows_all = np.flatnonzero(np.isin(s.book.cust, plan["sell_all"]))
        fills.append(sell(m, pop, s, day, rng, rows_all, np.ones(len(rows_all), bool)))
        fills.append(
            sell(
                m,
                pop,
                s,
                day,
                rng,
                rows_one[~np.isin(rows_one, rows_all)],
                np.zeros(len(rows_one), bool),
            )
        )
        prow = np.flatnonzero(np.isin(s.pbook.cust, plan["redeem_all"]))
        orders.append(otc.redeem(p, s, prow, True, rng))
        # termed products at the end of a period pay every holder out (no fee)
        prev_biz = self.day_numbers[t - 1] if t else biz - 1
        matured = otc.maturing(p, prev_biz, biz)
        mrows = np.flatnonzero(matured[s.pbook.item] & (s.pbook.qty > 0))
        paid_out = np.unique(s.pbook.cust[mrows])
        orders.append(otc.redeem(p, s, mrows, True, rng, free=True))
        if t == 0 or self.days[t - 1].month != day.month:
            self.aff.feature(p, t, st.get("featured", t))
        # IPOs
        fills.append(ipo.subscribe(m, pop, s, self.pending, t, active & (s.ch_stage == 0), rng))
        # ordinary trading
        rate = np.where(active, ar.column("trades_per_day")[pop.arch], 0.0) * churn.trade_damping(
            s, t
        )
        sells, buys, otc_cust, otc_group = regular(
            m, pop, s, day, rng, rate, self.mix_cdf, ar.column("sell_prob")[pop.arch]
        )
        fills += [sells, buys]
        # allotments after the day's sells: shares allotted today cannot be sold today (T+1)
        fills.append(ipo.allot(m, s, self.pending, t, rng))
        plan_rng = st.get("plans", t)
        orders.append(
            otc.purchase(
                p, pop, s, t, rng, otc_cust, otc_group, self.aff, plan_rng, day.day
            )
        )  # fmt: skip
        orders.append(self._extra_purchases(t, rate, active))
        # regular investment plans: instalments on the plan days since the previous trading day
        prev_day = self.days[t - 1] if t else day - dt.timedelta(days=1)
        due = np.arange(prev_day.toordinal() + 1, day.toordinal() + 1)
        due_days = np.array([dt.date.fromordinal(int(d)).day for d in due], np.int64)
        calm = active & (s.ch_stage == 0)
        orders.append(otc.plan_instalments(p, s, t, self.aff, calm, due_days, plan_rng))
        # reinvestment (its own stream): money freed by a maturity, idle cash
        orng = st.get("reinvest", t)
        calm_now = active & (s.ch_stage == 0)
        again = paid_out[calm_now[paid_out] & (orng.random(len(paid_out)) < otc.REINVEST_P)]
        avail = s.cash - s.frozen
        idle = np.flatnonzero(
            calm_now & (self.otc_share[pop.arch] > 0) & (avail * 2 > s.assets)
            & (avail >= 100_000_00) & (orng.random(s.n) < otc.IDLE_CASH_P)
        )  # fmt: skip
        orders.append(
            otc.purchase(
                p, pop, s, t, orng, np.concatenate([again, idle]),
                np.concatenate([np.full(len(again), 2, np.int64), np.ones(len(idle), np.int64)]),
                self.aff,
            )
        )  # fmt: skip
        hold_active = np.flatnonzero(active[s.pbook.cust] & (rng.random(len(s.pbook)) < 0.004))
        orders.append(otc.redeem(p, s, hold_active, False, rng))
        if t == 0 or self.days[t - 1].month != day.month:
            orders.append(otc.mmf_dividend(p, s))
        s.book.drop_empty()
        s.pbook.drop_empty()
        # transfers: churn withdrawals, salaries, everyday in and out
        transfers.append(
            flows.withdraw(s, plan["withdraw_all"], np.ones(len(plan["withdraw_all"])))
        )
        part = plan["withdraw_part"]
        transfers.append(flows.withdraw(s, part, rng.uniform(0.3, 0.8, len(part))))
        prev_dom = self.days[t - 1].day if t else day.day - 1
        if t and self.days[t - 1].month != day.month:
            paid = (pop.salary_dom > prev_dom) | (pop.salary_dom <= day.day)
        else:
            paid = (pop.salary_dom > prev_dom) & (pop.salary_dom <= day.day)
        calm = active & (s.ch_stage == 0)
        sal = np.flatnonzero(calm & paid & (pop.salary_dom > 0))
        amount = np.maximum(pop.wealth[sal] // 50, 50_000) * rng.lognormal(0, 0.3, len(sal))
        transfers.append(flows.deposit(s, sal, (amount // 100 * 100).astype(np.int64)))
        ins = np.flatnonzero(calm & (rng.random(s.n) < 0.004))
        transfers.append(
            flows.deposit(
                s,
                ins,
                (np.maximum(pop.wealth[ins], 100_000) * rng.uniform(0.02, 0.2, len(ins))).astype(
                    np.int64
                )
                // 100
                * 100,
            )
        )
        outs = np.flatnonzero(calm & (rng.random(s.n) < 0.004))
        transfers.append(flows.withdraw(s, outs, rng.uniform(0.05, 0.5, len(outs))))
        # churn outcomes
        ref = self._churn_outcomes(plan, t, biz)
        # service, staff, suitability
        ref_rows = self._service(t, biz, rng, new, tables)
        # valuation and facts
        tables.update(
            self._facts(
                t,
                biz,
                tag,
                rng,
                Fills.concat(fills),
                otc.Orders.concat(orders),
                flows.Transfers.concat(transfers),
            )
        )
        churn.snapshot(s, t, float(m.index_level[0]))
        damping = self.fx.churn_damping(t) if t % churn.EVAL_EVERY == 0 else None
        churn.evaluate(s, pop, t, biz, opened & ~s.closed, float(m.index_level[0]), rng, damping)
        tables.update(self._references(t, new, ref, ref_rows))
        if t == 0 and p.backfill is not None:
            tables["product_nav_backfill"] = partial(backfill_table, p)
        oracle = None
        if t % ORACLE_EVERY == 0:
            oracle = self._propensity(t, biz, active, rate)
        churn_oracle = None
        if t % churn.EVAL_EVERY == 0:
            churn_oracle = self._churn_propensity(t, biz)
        applied = pa.concat_tables(self.effect_rows) if self.effect_rows else None
        self.effect_rows = []
        return Day(t, day, tables, oracle, applied, churn_oracle)

    def _extend(self, t: int, biz: int) -> None:
        """Day t past the planned days: its IPO, fund launch, new customers (extend.py)."""
        rng = self.st.get("extend", t)
        m = self.m
        late = np.flatnonzero((m.list_t == t) & (m.list_day != biz))
        m.list_day[late] = biz  # the first run could only estimate it
        self.securities_changed = late
        if rng.random() < extend.IPO_P:
            try:
                listing = calendar.next_trading_days(self.days[t] + dt.timedelta(days=1), 3)[-1]
            except CalendarError:
                listing = None  # no IPO announced within three days of the calendar's end
            if listing is not None and extend.add_ipo(m, rng, t, day_number(listing)) >= 0:
                self.sec_ids = pa.array(m.code, pa.string())
                self.s.book.n_items = m.n
        if rng.random() < extend.LAUNCH_P:
            fund = extend.add_product(self.p, rng, t, biz)  # delivered by launch_t
            self.prod_ids = pa.concat_arrays([self.prod_ids, ids("P", np.array([fund]), 5)])
            self.s.pbook.n_items = self.p.n
        k = int(rng.poisson(extend.NEW_PER_DAY * self.base_customers))
        if k:
            self._open_customers(k, t, biz, rng)

    def _open_customers(self, k: int, t: int, biz: int, rng: np.random.Generator) -> None:
        first = self.pop.n
        extend.grow_population(self.pop, rng, k, self.org, t, biz)
        extend.grow_state(self.s, k)
        extend.grow_affinity(self.aff, k)
        extend.grow_effects(self.fx, k)
        extend.open_relations(self.rel, self.org, self.pop, first, rng)
        self.s.neglected[first:] = extend.neglected(self.pop, first, rng)
        self.s.last_contact[first:] = biz
        self.churn_day = np.concatenate([self.churn_day, np.full(k, NULL_INT, np.int64)])
        added = np.arange(first, self.pop.n)
        self.cust_ids = pa.concat_arrays([self.cust_ids, ids("C", added, 9)])
        self.acct_ids = pa.concat_arrays(
            [self.acct_ids, ids("A", self.pop.trade_account(added), 10)]
        )

    def _churn_propensity(self, t: int, biz: int) -> pa.Table:
        """The churn oracle (churn.propensity) of every open customer not churned, after day
        t's check. A signalled customer is rescued on a day when its broker reaches it
        (_contact_chance x BROKER_REACHED_P, x RESCUE_P); an unsignalled one losing to the index
        is taken to lose when signalled (the likeliest cause). The --actions file's rows to
        come are not foreseen. No draw: the feeds stay the same."""
        s, pop = self.s, self.pop
        live = (pop.open_t <= t) & ~s.closed & (s.ch_stage != 2)
        loss = np.where(s.ch_stage == 1, s.ch_cause == churn.LOSS, s.at_risk)
        rescue = (
            ~s.neglected * _contact_chance(s.assets, loss) * BROKER_REACHED_P * effects.RESCUE_P
        )
        p = churn.propensity(s, t, live, rescue, self.fx.churn_until, effects.CHURN_MULT)
        who = np.flatnonzero(live)
        return pa.table(
            {
                "as_of_date": pa.array(np.full(len(who), biz, np.int32), pa.date32()),
                "customer_id": self.cust_ids.take(pa.array(who)),
                "propensity": pa.array(p[who].astype(np.float32)),
            },
            schema=churn.PROPENSITY_SCHEMA,
        )

    # ------------------------------------------------------------------ effects
    def _apply_actions(self, t: int, biz: int) -> None:
        """The actions file's rows of day t act from today (effects.py)."""
        a = self.actions
        rows = self.act_order[self.act_bounds[t] : self.act_bounds[t + 1]]
        if a is None or not len(rows):
            return
        source = pa.array([f"{a.name}:{line}" for line in a.line[rows].tolist()], pa.string())
        self._affect(
            t, t, biz, a.cust[rows], a.kind[rows], 1, source, a.prod[rows],
            self.st.get("effects", t, 1),
        )  # fmt: skip

    def _affect(
        self, t: int, t_from: int, biz: int, cust: np.ndarray, kind: np.ndarray, source: int,
        source_id: pa.Array, push: np.ndarray, rng: np.random.Generator,
    ) -> None:  # fmt: skip
        """Start the effects of contacts or actions on `cust` from day t_from, rescue churns
        under way, and record each row with its odds without and with (ground truth)."""
        s, pop = self.s, self.pop
        n = len(cust)
        draw = rng.random(n)  # one per row, whatever happens, so the stream stays aligned
        if not n:
            return
        stage = np.where(pop.open_t[cust] > t, 3, np.where(s.closed[cust], 2, s.ch_stage[cust]))
        applied = stage <= 1
        trading = (stage == 0) & (pop.status[cust] == 0)  # not dormant, not churning
        r = effects.buy_rate(ar.column("trades_per_day")[pop.arch[cust]] * trading, pop.arch[cust])
        c_without, c_with = effects.churn_odds(stage, s.hazard[cust])
        b_without, b_with = effects.buy_odds(r)
        p_without, p_with = self._product_odds(t, cust, push, r)
        going = applied & (stage == 1) & (s.ch_churn_t[cust] > t) & (draw < effects.RESCUE_P)
        rescued = np.zeros(n, bool)
        if going.any():
            first = np.unique(cust[going], return_index=True)[1]
            rescued[np.flatnonzero(going)[first]] = True
            churn.rescue(s, t, cust[rescued])
        self.fx.start(cust[applied], t_from, self.aff.push_prod, push[applied])
        if source == 1:  # a contact logged in brokerlens is the customer's latest contact
            touched = cust[applied & (kind == CONTACT)]
            s.last_contact[touched] = np.maximum(s.last_contact[touched], biz)
        odds = {
            "p_churn_without": c_without, "p_churn_with": c_with,
            "p_buy_without": b_without, "p_buy_with": b_with,
            "p_product_without": p_without, "p_product_with": p_with,
        }  # fmt: skip
        self.effect_rows.append(
            pa.table(
                {
                    "date": pa.array(np.full(n, biz, np.int32), pa.date32()),
                    "customer_id": self.cust_ids.take(pa.array(cust)),
                    "kind": labels(KINDS, kind),
                    "source": labels(effects.SOURCES, np.full(n, source)),
                    "source_id": source_id,
                    "product_id": pa.array(
                        [f"P{x:05d}" if x >= 0 else None for x in push.tolist()], pa.string()
                    ),
                    "churn_stage": labels(effects.STAGES, stage),
                    "applied": pa.array(applied),
                    "rescued": pa.array(rescued),
                    **{
                        name: pa.array(v.astype(np.float32), mask=~applied | np.isnan(v))
                        for name, v in odds.items()
                    },
                },
                schema=effects.EFFECTS_SCHEMA,
            )
        )

    def _product_odds(
        self, t: int, cust: np.ndarray, push: np.ndarray, r: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """effects.product_odds of the pushed product (NaN on rows without one); its choice
        probability within its group comes from the drivers' utility (otc.utility)."""
        without, with_ = np.full(len(cust), np.nan), np.full(len(cust), np.nan)
        mix = ar.mix_matrix()[:, ar.OTC_EQUITY :]
        for g in range(3):
            cand = otc.candidates(self.p, t, g)
            sel = np.flatnonzero((push >= 0) & (self.p.group[np.maximum(push, 0)] == g))
            q = np.zeros(len(sel))
            for lo in range(0, len(sel) if len(cand) else 0, ORACLE_CHUNK):
                part = sel[lo : lo + ORACLE_CHUNK]
                u = otc.utility(self.p, self.pop, self.aff, cust[part], cand, g, self.s)
                e = np.exp(u - u.max(axis=1, keepdims=True))
                hit = cand[None, :] == push[part][:, None]
                q[lo : lo + len(part)] = (e * hit).sum(axis=1) / e.sum(axis=1)
            boosted = q * np.exp(effects.PRODUCT_BOOST)
            q_pushed = boosted / (1 - q + boosted)
            arch = self.pop.arch[cust[sel]]
            share = mix[arch, g] / np.maximum(mix[arch].sum(axis=1), 1e-12)
            without[sel], with_[sel] = effects.product_odds(r[sel], share, q, q_pushed)
        # a product outside the groups (a service) cannot be bought: zero either way
        other = (push >= 0) & (self.p.group[np.maximum(push, 0)] < 0)
        without[other], with_[other] = 0.0, 0.0
        return without, with_

    def _extra_purchases(self, t: int, rate: np.ndarray, active: np.ndarray) -> otc.Orders:
        """Purchase occasions added by the effects in force (effects.extra_occasions)."""
        s = self.s
        c = np.flatnonzero((self.fx.buy_until > t) & active & (s.ch_stage == 0))
        if not len(c):
            return otc.Orders.concat([])
        rng = self.st.get("effects", t)
        pushed = self.aff.push_prod[c]
        group = np.where(pushed >= 0, self.p.group[np.maximum(pushed, 0)], -1)
        cust, grp = effects.extra_occasions(rng, c, rate[c], self.pop.arch[c], group)
        return otc.purchase(self.p, self.pop, s, t, rng, cust, grp, self.aff)

    def _initial_plans(self, rng: np.random.Generator) -> None:
        """Regular investment plans (otc.PLAN_P) on funds held at the start."""
        p, b = self.p, self.s.pbook
        open_fund = (p.group >= 0) & (p.group <= 1) & (p.status == 0) & (p.launch_t <= 0)
        rows = np.flatnonzero(open_fund[b.item] & (b.qty > 0))
        rows = rows[rng.random(len(rows)) < otc.PLAN_P]
        amount = (b.cost[rows] * rng.uniform(0.02, 0.1, len(rows))).astype(np.int64)
        self.aff.start_plans(
            b.cust[rows], b.item[rows], amount, rng.integers(1, 29, len(rows)).astype(np.int64)
        )

    def _propensity(self, t: int, biz: int, active: np.ndarray, rate: np.ndarray) -> pa.Table:
        """The oracle (otc.propensity) for every active customer, in chunks; see ground_truth."""
        pop, s, p = self.pop, self.s, self.p
        soon = otc.maturing(p, biz, biz + 28)  # ~ the next HORIZON trading days
        holds = np.zeros(s.n)
        np.maximum.at(holds, s.pbook.cust, soon[s.pbook.item] & (s.pbook.qty > 0))
        buy_rate = rate * (1 - ar.column("sell_prob")[pop.arch])
        # a contact's extra occasions for the part of the horizon its effect still covers
        left = np.clip(self.fx.buy_until - t - 1, 0, otc.HORIZON) / otc.HORIZON
        buy_rate = buy_rate * (1 + (effects.BUY_MULT - 1) * left)
        who = np.flatnonzero(active & (s.ch_stage == 0))
        parts = []
        for lo in range(0, len(who), ORACLE_CHUNK):
            c = who[lo : lo + ORACLE_CHUNK]
            cc, pp, vv = otc.propensity(
                p, pop, s, self.aff, t, c, buy_rate[c], holds[c], ORACLE_TOP
            )
            parts.append(
                pa.table(
                    {
                        "as_of_date": pa.array(np.full(len(cc), biz, np.int32), pa.date32()),
                        "customer_id": self.cust_ids.take(pa.array(cc)),
                        "product_id": self.prod_ids.take(pa.array(pp)),
                        "propensity": pa.array(vv.astype(np.float32)),
                    }
                )
            )
        return pa.concat_tables(parts) if parts else PROPENSITY_SCHEMA.empty_table()

    def _corporate_actions(self) -> None:
        m, s = self.m, self.s
        b = s.book
        for sec, kind, value in zip(
            m.ca_sec.tolist(), m.ca_type.tolist(), m.ca_value.tolist(), strict=True
        ):
            rows = np.flatnonzero(b.item == sec)
            if kind == 0:
                np.add.at(
                    s.cash, b.cust[rows], np.round(b.qty[rows] * value * 100).astype(np.int64)
                )
            elif kind == 1:
                b.qty[rows] += (b.qty[rows] * value).astype(np.int64)

    def _churn_outcomes(
        self, plan: dict[str, np.ndarray], t: int, biz: int
    ) -> dict[str, np.ndarray]:
        s, pop = self.s, self.pop
        close = plan["close"]
        gone = close[s.ch_hard[close] == 2]
        s.book.drop_customers(gone)
        s.pbook.drop_customers(close)
        s.liab[close] = 0
        s.ch_stage[close] = 2
        s.closed[close] = True
        pop.status[close] = 3
        pop.close_day[close] = biz
        pop.acc_close[close] = biz
        pop.acc_status[close] = np.where(
            pop.acc_status[close] == 0, s.ch_hard[close][:, None], pop.acc_status[close]
        )
        done = plan["soft_done"]
        s.ch_stage[done] = 2
        self.churn_day[close] = biz
        self.churn_day[done] = biz
        # status changes: dormant accounts that wake up, quiet ones that go dormant
        rng = self.st.get("status", t)
        wake = np.flatnonzero(
            (pop.status == 1) & ~s.closed & (pop.open_t < t) & (rng.random(s.n) < 0.001)
        )
        sleep = np.flatnonzero(
            (pop.arch == ar.DORMANT) & (pop.status == 0) & ~s.closed & (pop.open_t < t)
            & (rng.random(s.n) < 0.002)
        )  # fmt: skip
        pop.status[wake] = 0
        pop.status[sleep] = 1
        # products: now and then one stops selling (delivered as a changed product row)
        self.products_changed = np.zeros(0, np.int64)
        if t > 0 and rng.random() < 0.03:
            on_sale = np.flatnonzero((self.p.status == 0) & (self.p.launch_t < t))
            if len(on_sale):
                closing = on_sale[rng.integers(0, len(on_sale), 1)]
                self.p.status[closing] = 1
                self.products_changed = closing
        return {"closed": close, "status": np.union1d(wake, sleep)}

    def _service(
        self,
        t: int,
        biz: int,
        rng: np.random.Generator,
        new: np.ndarray,
        tables: dict[str, pa.Table],
    ) -> dict[str, np.ndarray]:
        s, pop, org, rel = self.s, self.pop, self.org, self.rel
        opened = (pop.open_t <= t) & ~s.closed
        n_assess, n_agree = len(self.assess.cust), len(self.agree.cust)
        touched: list[np.ndarray] = []
        staff_rows: list[int] = []
        # staff who leave; their customers go to a new hire or a colleague
        brokers = np.flatnonzero((org.staff_position == BROKER) & (org.staff_leave == NULL_INT))
        leavers = brokers[rng.random(len(brokers)) < BROKER_LEAVES_P] if t > 0 else brokers[:0]
        for leaver in leavers.tolist():
            org.staff_leave[leaver] = biz
            hire = org.hire(leaver, biz)
            staff_rows += [leaver, hire]
            live = np.flatnonzero((rel.staff == leaver) & (rel.end == NULL_INT))
            live = live[~s.closed[rel.cust[live]]]
            colleague = staff_in_branch(
                org, np.full(len(live), org.staff_branch[leaver]), BROKER, rng
            )
            target = np.where(rng.random(len(live)) < 0.7, hire, colleague)
            target = np.where(target == leaver, hire, target)
            # a colleague who already holds the same role for the customer (a shared developer)
            # would make a second row of one key: the new hire takes those customers instead
            other = np.flatnonzero(
                np.isin(rel.cust, rel.cust[live]) & (rel.end == NULL_INT) & (rel.staff != leaver)
            )
            held = {
                (c, r, st)
                for c, r, st in zip(
                    rel.cust[other].tolist(),
                    rel.role[other].tolist(),
                    rel.staff[other].tolist(),
                    strict=True,
                )
            }
            taken = np.array(
                [
                    (c, r, st) in held
                    for c, r, st in zip(
                        rel.cust[live].tolist(),
                        rel.role[live].tolist(),
                        target.tolist(),
                        strict=True,
                    )
                ],
                bool,
            )
            target = np.where(taken, hire, target)
            seen = opened[rel.cust[live]]
            rel.staff[live[~seen]] = target[~seen]
            touched.append(reassign(rel, live[seen], target[seen], biz))
        # issue 19: team leads leaving with reports, cross-branch transfers (own stream)
        if t > 0:
            events_rng = self.st.get("org_events", t)
            day = self.days[t]
            replaced, inherited = org_events.leads_leave(
                org, rel, opened, s.closed, biz, events_rng, self.org_events, day
            )
            staff_rows += replaced
            touched += inherited
            moved, handed = org_events.transfers(
                org, rel, opened, s.closed, biz, events_rng, self.org_events, day
            )
            staff_rows += moved
            touched += handed
        # occasional servicer reassignment
        moving = (
            np.flatnonzero(opened & (rng.random(s.n) < 0.0003) & (rel.current[:, 1] >= 0))
            if t > 0
            else np.zeros(0, np.int64)
        )
        rows = rel.current[moving, 1]
        target = staff_in_branch(org, pop.branch[moving], BROKER, rng)
        differs = target != rel.staff[rows]
        touched.append(reassign(rel, rows[differs], target[differs], biz))
        # suitability for new customers, renewals of expiring questionnaires
        if len(new):
            self._suitability(new, np.zeros(s.n, bool), first=False)
        latest = np.full(s.n, -1, np.int64)
        latest[self.assess.cust] = np.arange(len(self.assess.cust))
        has = np.flatnonzero(opened & (latest >= 0))
        expire = service._plus_two_years(self.assess.day[latest[has]])
        due = has[
            (expire - biz >= -5)
            & (expire - biz <= 10)
            & (rng.random(len(has)) < 0.12)
            & (self.assess.day[latest[has]] < biz)
        ]
        self.assess.add(due, np.full(len(due), biz), pop.appetite[due], rng)
        # agreements: new permissions, cancellations (advisory, and everything of closed customers)
        signing = (
            np.flatnonzero(opened & (s.ch_stage == 0) & (rng.random(s.n) < 0.0003))
            if t > 0
            else np.zeros(0, np.int64)
        )
        self.agree.add(signing, rng.choice([3, 4, 7], len(signing)), np.full(len(signing), biz))
        live_ag = self.agree.cancel == NULL_INT
        cancel = live_ag & (
            (np.isin(self.agree.cust, np.flatnonzero(s.closed & (pop.close_day == biz))))
            | (
                (self.agree.service == 0)
                & (rng.random(len(self.agree.cust)) < 0.0005)
                & (self.agree.sign < biz)
            )
        )
        cancel &= self.agree.sign < biz
        self.agree.cancel[cancel] = biz
        # contacts and complaints
        reachable = opened & ~s.neglected & (pop.open_t < t)
        loss = (s.ch_stage == 1) & (s.ch_cause == churn.LOSS)
        rising = s.at_risk & (s.ch_stage == 0)  # brokers see the portfolio losing to the index
        p_contact = _contact_chance(s.assets, loss) + effects.TARGET_P * rising
        who = np.flatnonzero(reachable & (rng.random(s.n) < p_contact))
        k = len(who)
        channel = rng.choice(6, k, p=CONTACT_CHANNEL_P)
        purpose = np.where(loss[who], 3, rng.choice(5, k, p=[0.45, 0.3, 0.15, 0.08, 0.02]))
        result = rng.choice(4, k, p=CONTACT_RESULT_P)
        duration = np.select(
            [channel == 0, channel == 2, channel == 3],
            [rng.integers(20, 900, k), rng.integers(10, 400, k), rng.integers(900, 3600, k)],
            default=0,
        )
        duration = np.where((channel == 0) & (result == 1), 0, duration)
        serv = rel.staff[rel.current[who, 1]]
        desk = staff_in_branch(org, pop.branch[who], 4, rng)
        staff = np.where(np.isin(channel, (1, 5)), desk, serv)
        s.last_contact[who] = biz
        if k:
            tables["contacts"] = service.contacts_table(
                biz, self.contact_seq, who, staff, channel, purpose, result, duration
            )
            # a reached call, visit or WeChat message by the broker acts from the next day
            made = np.flatnonzero(~np.isin(channel, (1, 5)) & np.isin(result, (0, 3)))
            self._affect(
                t, t + 1, biz, who[made], np.full(len(made), CONTACT), 0,
                ids("N", self.contact_seq + made, 10), np.full(len(made), -1, np.int64),
                self.st.get("effects", t, 2),
            )  # fmt: skip
            self.contact_seq += k
        p_complain = 1 / 20000 + loss * 0.002
        opening = np.flatnonzero(opened & (pop.open_t < t) & (rng.random(s.n) < p_complain))
        c_rows = np.concatenate(
            [self.complaints.open(opening, biz, t, rng), self.complaints.advance(biz, t, rng)]
        )
        if len(c_rows):
            tables["complaints"] = self.complaints.table(np.sort(c_rows))
        return {
            "staff": first_occurrences(np.array(staff_rows, np.int64)),
            "relationships": np.concatenate(touched) if touched else np.zeros(0, np.int64),
            "assessments": np.arange(n_assess, len(self.assess.cust)),
            "agreements": np.union1d(
                np.arange(n_agree, len(self.agree.cust)), np.flatnonzero(cancel)
            ),
        }

    def _facts(
        self,
        t: int,
        biz: int,
        tag: str,
        rng: np.random.Generator,
        f: Fills,
        o: otc.Orders,
        tr: flows.Transfers,
    ) -> dict[str, pa.Table]:
        s, pop, m, p = self.s, self.pop, self.m, self.p
        out: dict[str, pa.Table] = {}
        # trades, in time order
        secs = rng.choice(SESSION_SECONDS, len(f)) + biz * 86400
        order = np.lexsort((np.arange(len(f)), secs))
        f = Fills(*(getattr(f, name)[order] for name in Fills.__dataclass_fields__))
        secs = secs[order]
        if len(f):
            chan = np.where(
                rng.random(len(f)) < 0.85, pop.channel[f.cust], rng.integers(0, 5, len(f))
            )
            out["trades"] = build(
                "trades",
                {
                    "biz_date": np.full(len(f), biz),
                    "trade_id": ids(f"T{tag}", np.arange(len(f)), 8),
                    "customer_id": self.cust_ids.take(pa.array(f.cust)),
                    "account_id": self.acct_ids.take(pa.array(f.cust)),
                    "security_id": self.sec_ids.take(pa.array(f.sec)),
                    "side": labels(["sell", "buy"], f.side == 0),
                    "trade_type": labels(TRADE_TYPES, f.ttype),
                    "quantity": f.qty,
                    "price": f.price,
                    "amount": f.amount,
                    "commission": f.commission,
                    "net_commission": f.net,
                    "stamp_duty": f.stamp,
                    "transfer_fee": f.transfer,
                    "other_fee": np.zeros(len(f), np.int64),
                    "channel": labels(cu.CHANNELS, chan),
                    "trade_time": secs,
                },
            )
        if len(tr.cust):
            out["fund_transfers"] = flows.table(biz, tag, tr, rng)
        if len(o):
            out["product_trades"] = build(
                "product_trades",
                {
                    "biz_date": np.full(len(o), biz),
                    "order_id": ids(f"O{tag}", np.arange(len(o)), 7),
                    "customer_id": self.cust_ids.take(pa.array(o.cust)),
                    "product_id": self.prod_ids.take(pa.array(o.prod)),
                    "action": labels(otc.ACTIONS, o.action),
                    "amount": o.amount,
                    "units": o.units / 100,
                    "fee": o.fee,
                    "channel": labels(["counter", "app"], o.cust % 3 == 0),
                },
            )
        # valuation
        b = s.book
        mv = (b.qty * m.close[b.item] + 50) // 100
        klass = TYPE_ASSET_CLASS[m.sec_type[b.item]]
        parts = (
            np.bincount(b.cust * 4 + klass, weights=mv, minlength=s.n * 4)
            .round()
            .astype(np.int64)
            .reshape(s.n, 4)
        )
        pb = s.pbook
        pmv = (pb.qty * p.nav[pb.item] + 5000) // 10000
        prod_value = np.bincount(pb.cust, weights=pmv, minlength=s.n).round().astype(np.int64)
        total = s.cash + parts.sum(axis=1) + prod_value - s.liab
        s.assets = total
        show = np.flatnonzero((pop.open_t <= t) & (~s.closed | (pop.close_day == biz)))
        out["daily_assets"] = build(
            "daily_assets",
            {
                "biz_date": np.full(len(show), biz),
                "customer_id": self.cust_ids.take(pa.array(show)),
                "cash": s.cash[show],
                "available_cash": s.cash[show] - s.frozen[show],
                "stock_value": parts[show, 0],
                "fund_value": parts[show, 1],
                "bond_value": parts[show, 2],
                "product_value": prod_value[show],
                "other_value": parts[show, 3],
                "liabilities": s.liab[show],
                "total_assets": total[show],
            },
        )
        out["positions"] = build(
            "positions",
            {
                "biz_date": np.full(len(b), biz),
                "customer_id": self.cust_ids.take(pa.array(b.cust)),
                "account_id": self.acct_ids.take(pa.array(b.cust)),
                "security_id": self.sec_ids.take(pa.array(b.item)),
                "quantity": b.qty,
                "cost_amount": b.cost,
                "market_value": mv,
            },
        )
        out["product_holdings"] = build(
            "product_holdings",
            {
                "biz_date": np.full(len(pb), biz),
                "customer_id": self.cust_ids.take(pa.array(pb.cust)),
                "product_id": self.prod_ids.take(pa.array(pb.item)),
                "units": pb.qty / 100,
                "market_value": pmv,
                "cost_amount": pb.cost,
            },
        )
        out["quotes"] = prices.quotes_table(m, biz)
        out["index_quotes"] = prices.index_table(m, biz)
        out["product_nav"] = nav_table(p, t, biz)
        if len(m.ca_sec):
            out["corporate_actions"] = prices.corporate_actions_table(m, biz)
        return out

    def _references(
        self, t: int, new: np.ndarray, ref: dict[str, np.ndarray], rows: dict[str, np.ndarray]
    ) -> dict[str, TableOrBuilder]:
        pop, org, rel, m, p = self.pop, self.org, self.rel, self.m, self.p
        out: dict[str, TableOrBuilder] = {}
        if t == 0:
            cust = np.flatnonzero(pop.open_t < 0)
            out["org_units"] = org_units_table(org, np.arange(org.n_units))
            staff = np.arange(org.n_staff)
            rel_rows = np.flatnonzero(pop.open_t[rel.cust] < 0)
            assess = np.flatnonzero(pop.open_t[self.assess.cust] < 0)
            agree = np.flatnonzero(pop.open_t[self.agree.cust] < 0)
            secs = np.flatnonzero(m.announce_t == 0)
            prods = np.flatnonzero(p.launch_t < 0)
        else:
            cust = np.union1d(np.union1d(new, ref["closed"]), ref["status"])
            staff = rows["staff"]
            rel_rows = np.union1d(np.flatnonzero(np.isin(rel.cust, new)), rows["relationships"])
            assess, agree = rows["assessments"], rows["agreements"]
            secs = np.flatnonzero((m.announce_t == t) & (m.list_t - 3 == t))
            if len(self.securities_changed):  # a listing date corrected (extend.py)
                secs = np.union1d(secs, self.securities_changed)
            prods = np.union1d(np.flatnonzero(p.launch_t == t), self.products_changed)
        # built when written (bounded memory for big snapshots); state does not move meanwhile
        if len(staff):
            out["staff"] = partial(staff_table, org, staff)
        if len(cust):
            out["customers"] = partial(cu.customers_table, pop, cust, org)
            out["accounts"] = partial(_accounts, pop, cust)
        if len(rel_rows):
            out["relationships"] = partial(rel.table, rel_rows)
        if len(secs):
            out["securities"] = partial(securities_table, m, secs)
        if len(prods):
            out["products"] = partial(products_table, p, prods)
        if len(assess):
            out["risk_assessments"] = partial(self.assess.table, assess)
        if len(agree):
            out["service_agreements"] = partial(self.agree.table, agree)
        if t == 0:  # the first delivery is a full snapshot of every reference feed
            for spec in REFERENCE_FEEDS:
                out.setdefault(spec.name, empty(spec.name))
        return out


def first_occurrences(rows: np.ndarray) -> np.ndarray:
    """Each index once, in the order first seen: a broker hired on the day their team lead
    leaves is both a hire and one of the reports moved under the successor, and two rows of
    one staff id in a day's feed is a duplicate key the loader quarantines (seen at 3M
    customers). Without repeats the rows come out as they went in, so the bytes do not move."""
    _, first = np.unique(rows, return_index=True)
    return rows[np.sort(first)]
