"""Suitability and service: risk assessments, agreements, contacts and complaints."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from brokerlens.generate.products import TYPES
from brokerlens.generate.tables import NULL_INT, build, ids, labels

N_QUESTIONS = 10
POINTS = np.array([1, 4, 7, 10])  # points of options A..D; the score is their sum (10..100)
CLASS_CUTS = np.array([20, 40, 60, 80])  # C1 0-19, C2 20-39, C3 40-59, C4 60-79, C5 80-100
SERVICES = ("advisory", "margin", "option", "chinext", "star", "bse", "hk_connect", "info_service")
CONTACT_CHANNELS = ("phone", "sms", "wechat", "visit", "email", "app_push")
PURPOSES = ("service", "marketing", "callback", "care", "complaint")
RESULTS = ("reached", "not_reached", "refused", "done")
COMPLAINT_CATEGORIES = (
    "交易系统故障",
    "佣金费用",
    "服务态度",
    "适当性管理",
    "产品亏损",
    "资金转账",
    "其他",
)
COMPLAINT_STATUS = ("open", "processing", "closed")
# product types a class may declare (risk level <= class)
TYPE_RISK = np.array([1, 2, 3, 4, 3, 4, 5, 3, 3, 3, 1])


def risk_class(score: np.ndarray) -> np.ndarray:
    """0..4 for C1..C5."""
    return np.searchsorted(CLASS_CUTS, score, side="right")


@dataclass
class Assessments:
    cust: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    answers: np.ndarray = field(default_factory=lambda: np.zeros((0, N_QUESTIONS), np.int8))

    def add(
        self, cust: np.ndarray, day: np.ndarray, appetite: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """New questionnaires; answers lean on the appetite (some answer more cautiously)."""
        n = len(cust)
        shy = rng.random(n) < 0.15
        level = np.where(shy, np.maximum(appetite - 2, 1), appetite).astype(np.float64)
        centre = (level - 1) * 0.75
        ans = np.clip(
            np.round(centre[:, None] + rng.normal(0, 0.7, (n, N_QUESTIONS))), 0, 3
        ).astype(np.int8)
        first = len(self.cust)
        self.cust = np.concatenate([self.cust, cust])
        self.day = np.concatenate([self.day, day])
        self.answers = np.concatenate([self.answers, ans])
        return np.arange(first, first + n)

    def table(self, rows: np.ndarray) -> pa.Table:
        ans = self.answers[rows]
        score = POINTS[ans].sum(axis=1)
        klass = risk_class(score)
        parts = []
        for q in range(N_QUESTIONS):
            parts.append(labels([f'"q{q + 1}":"{x}"' for x in "ABCD"], ans[:, q]))
        body = pc.binary_join_element_wise(*parts, ",")
        answers = pc.binary_join_element_wise(pa.scalar("{"), body, pa.scalar("}"), "")
        varieties_by_class = [
            "["
            + ",".join(f'"{TYPES[i]}"' for i in range(len(TYPES)) if TYPE_RISK[i] <= c + 1)
            + "]"
            for c in range(5)
        ]
        day = self.day[rows]
        return build(
            "risk_assessments",
            {
                "assessment_id": ids("Q", rows, 9),
                "customer_id": ids("C", self.cust[rows], 9),
                "assess_date": day,
                "questionnaire_version": labels(["V2021.2", "V2024.1"], day >= 19723),
                "answers": pa.array(answers, pa.string()),
                "score": score.astype(np.float64),
                "risk_class": labels(["C1", "C2", "C3", "C4", "C5"], klass),
                "horizon": labels(["short", "medium", "long"], np.minimum(ans[:, 2], 2)),
                "varieties": labels(varieties_by_class, klass),
                "expire_date": _plus_two_years(day),
            },
        )


def _plus_two_years(day: np.ndarray) -> np.ndarray:
    """Same calendar day two years later (29 Feb -> 1 Mar), as day numbers."""
    d = np.asarray(day, dtype=np.int64).astype("datetime64[D]")
    month = d.astype("datetime64[M]")
    offset = d - month.astype("datetime64[D]")
    return ((month + 24).astype("datetime64[D]") + offset).astype(np.int64)


@dataclass
class Agreements:
    cust: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    service: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    sign: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cancel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def add(self, cust: np.ndarray, service: np.ndarray, sign: np.ndarray) -> np.ndarray:
        first = len(self.cust)
        self.cust = np.concatenate([self.cust, cust])
        self.service = np.concatenate([self.service, service])
        self.sign = np.concatenate([self.sign, sign])
        self.cancel = np.concatenate([self.cancel, np.full(len(cust), NULL_INT)])
        return np.arange(first, first + len(cust))

    def table(self, rows: np.ndarray) -> pa.Table:
        return build(
            "service_agreements",
            {
                "agreement_id": ids("G", rows, 9),
                "customer_id": ids("C", self.cust[rows], 9),
                "service": labels(SERVICES, self.service[rows]),
                "sign_date": self.sign[rows],
                "cancel_date": self.cancel[rows],
            },
        )


@dataclass
class Complaints:
    """Open complaints: delivered when opened and on each status change."""

    cust: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    open_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    category: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    status: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    next_t: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    close_day: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def open(self, cust: np.ndarray, day: int, t: int, rng: np.random.Generator) -> np.ndarray:
        first = len(self.cust)
        n = len(cust)
        self.cust = np.concatenate([self.cust, cust])
        self.open_day = np.concatenate([self.open_day, np.full(n, day)])
        self.category = np.concatenate(
            [self.category, rng.integers(0, len(COMPLAINT_CATEGORIES), n)]
        )
        self.status = np.concatenate([self.status, np.zeros(n, np.int64)])
        self.next_t = np.concatenate([self.next_t, t + rng.integers(1, 4, n)])
        self.close_day = np.concatenate([self.close_day, np.full(n, NULL_INT)])
        return np.arange(first, first + n)

    def advance(self, day: int, t: int, rng: np.random.Generator) -> np.ndarray:
        due = np.flatnonzero((self.status < 2) & (self.next_t == t))
        self.status[due] += 1
        closing = due[self.status[due] == 2]
        self.close_day[closing] = day
        self.next_t[due] = t + rng.integers(2, 25, len(due))  # some stay open for weeks
        return due

    def table(self, rows: np.ndarray) -> pa.Table:
        return build(
            "complaints",
            {
                "complaint_id": ids("K", rows, 8),
                "customer_id": ids("C", self.cust[rows], 9),
                "open_date": self.open_day[rows],
                "category": labels(COMPLAINT_CATEGORIES, self.category[rows]),
                "status": labels(COMPLAINT_STATUS, self.status[rows]),
                "close_date": self.close_day[rows],
            },
        )


def contacts_table(
    biz: int, first_id: int, cust: np.ndarray, staff: np.ndarray, channel: np.ndarray,
    purpose: np.ndarray, result: np.ndarray, duration: np.ndarray,
) -> pa.Table:  # fmt: skip
    n = len(cust)
    return build(
        "contacts",
        {
            "biz_date": np.full(n, biz),
            "contact_id": ids("N", first_id + np.arange(n), 10),
            "customer_id": ids("C", cust, 9),
            "staff_id": ids("S", staff, 6),
            "channel": labels(CONTACT_CHANNELS, channel),
            "purpose": labels(PURPOSES, purpose),
            "result": labels(RESULTS, result),
            "duration_s": duration,
        },
    )
