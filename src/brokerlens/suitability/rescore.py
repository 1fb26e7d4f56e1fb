"""Re-score every delivered risk assessment against its questionnaire version, and track
validity. Disagreements with the source system are findings: listed, never silently fixed.

Finding kinds: `unknown_version` (no definition for the version), `unscorable` (answers the
version cannot score), `score`, `class` (by the version's cut-offs), `horizon`,
`lowest_category` (the answers place the investor in the lowest category, which sits in C1, but
the source delivered a higher class) and `expire_date` (not the assessment date plus the
version's validity).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from brokerlens.atomic import atomic_file
from brokerlens.engine.sqltext import literal
from brokerlens.suitability.errors import AnswersError
from brokerlens.suitability.lake import parse_answers, rows
from brokerlens.suitability.questionnaire import Definition, Scored, age_on, score_answers

KINDS = (
    "unknown_version",
    "unscorable",
    "score",
    "class",
    "horizon",
    "lowest_category",
    "expire_date",
)
STATES = ("valid", "expiring", "expired", "missing")

DELIVERED = """
SELECT a.assessment_id, a.customer_id, c.branch_id, c.birth_date, a.assess_date,
       a.questionnaire_version, CAST(a.answers AS VARCHAR) AS answers, a.score, a.risk_class,
       a.horizon, a.expire_date
FROM risk_assessments a LEFT JOIN customers c USING (customer_id)
WHERE a.assess_date <= $as_of
"""
ASSESSMENTS_SQL = DELIVERED + "ORDER BY a.assessment_id\n"
# Everything a finding depends on besides the definitions: a cached finding stays right while
# this and the definitions' fingerprint are unchanged.
FINGERPRINT = (
    "md5(to_json(struct_pack(customer_id, branch_id, birth_date, assess_date, "
    "questionnaire_version, answers, score, risk_class, horizon, expire_date)))"
)
CACHE_COLUMNS = ("assessment_id", "fingerprint", "definitions", "findings")

# Every open customer's latest assessment as of T and its state: the one place the states are
# worked out (the run's kept reports select from it in DuckDB, a live report makes rows of it).
VALIDITY_SQL = """
WITH latest AS (
    SELECT customer_id, assessment_id, expire_date FROM risk_assessments
    WHERE assess_date <= $as_of
    QUALIFY row_number() OVER (
        PARTITION BY customer_id ORDER BY assess_date DESC, assessment_id DESC) = 1
), dated AS (
    SELECT c.customer_id, c.branch_id, l.assessment_id, l.expire_date,
           CASE WHEN l.assessment_id IS NOT NULL THEN l.expire_date - $as_of END AS days_left
    FROM customers c LEFT JOIN latest l USING (customer_id)
    WHERE c.status IS DISTINCT FROM 'closed' AND (c.open_date IS NULL OR c.open_date <= $as_of)
)
SELECT customer_id, branch_id,
       CASE WHEN assessment_id IS NULL THEN 'missing'
            WHEN days_left IS NULL THEN 'valid'
            WHEN days_left < 0 THEN 'expired'
            WHEN days_left <= $expiring_days THEN 'expiring'
            ELSE 'valid' END AS state,
       assessment_id, expire_date, CAST(days_left AS BIGINT) AS days_left
FROM dated
"""
# The customers not valid, in `due_order`; and the counts per branch, as `branches()` has them.
DUE_SQL = (
    f"SELECT * FROM ({VALIDITY_SQL}) WHERE state <> 'valid' "
    "ORDER BY coalesce(branch_id, ''), coalesce(days_left, -1000000000), customer_id"
)
BRANCHES_SQL = f"""
SELECT branch_id, count(*) AS customers,
       count(*) FILTER (state = 'valid') AS valid,
       count(*) FILTER (state = 'expiring') AS expiring,
       count(*) FILTER (state = 'expired') AS expired,
       count(*) FILTER (state = 'missing') AS missing
FROM ({VALIDITY_SQL}) GROUP BY branch_id ORDER BY coalesce(branch_id, ''), branch_id NULLS FIRST
"""


@dataclass(frozen=True)
class Finding:
    assessment_id: str
    customer_id: str
    branch_id: str | None
    version: str
    kind: str
    delivered: str
    rescored: str
    detail: str


@dataclass(frozen=True)
class Validity:
    customer_id: str
    branch_id: str | None
    state: str  # valid, expiring, expired, missing
    assessment_id: str | None
    expire_date: dt.date | None
    days_left: int | None


@dataclass(frozen=True)
class BranchValidity:
    branch_id: str | None
    customers: int
    valid: int
    expiring: int
    expired: int
    missing: int


def due_order(v: Validity) -> tuple[str, float, str]:
    return (v.branch_id or "", v.days_left if v.days_left is not None else -1e9, v.customer_id)


@dataclass(frozen=True)
class RescoreReport:
    as_of: dt.date
    assessments: int
    findings: list[Finding]
    validity: list[Validity]  # every customer's; a kept report holds only those not valid
    # A kept report (`daily.py`) may hold the first rows only, with the totals kept beside.
    branch_counts: list[BranchValidity] | None = None
    kind_counts: dict[str, int] | None = None
    finding_total: int | None = None
    due_total: int | None = None

    def counts(self) -> dict[str, int]:
        if self.kind_counts is not None:
            return self.kind_counts
        found = Counter(f.kind for f in self.findings)
        return {k: found[k] for k in KINDS if found[k]}

    def total_findings(self) -> int:
        return len(self.findings) if self.finding_total is None else self.finding_total

    def due(self) -> list[Validity]:
        """Customers whose assessment is expiring, expired or missing, by branch, most
        overdue first."""
        found = [v for v in self.validity if v.state != "valid"]
        return sorted(found, key=due_order)

    def total_due(self) -> int:
        return len(self.due()) if self.due_total is None else self.due_total

    def branches(self) -> list[BranchValidity]:
        if self.branch_counts is not None:
            return self.branch_counts
        by: dict[str | None, Counter[str]] = {}
        for v in self.validity:
            by.setdefault(v.branch_id, Counter())[v.state] += 1
        return [
            BranchValidity(
                b, sum(c.values()), c["valid"], c["expiring"], c["expired"], c["missing"]
            )
            for b, c in sorted(by.items(), key=lambda item: item[0] or "")
        ]


def rescore(
    conn: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    definitions: dict[str, Definition],
    *,
    expiring_days: int = 30,
    cache: Path | None = None,
) -> RescoreReport:
    """Every assessment delivered up to `as_of` re-scored; every customer's validity.

    With a `cache` file (kept by `brokerlens run`), an assessment re-scored before against the
    same definitions, and delivered the same since, keeps its findings: only the new and the
    changed ones are scored again, and the cache is rewritten."""
    if cache is None:
        delivered = rows(conn, ASSESSMENTS_SQL, {"as_of": as_of})
        findings = [f for r in delivered for f in rescore_row(r, definitions)]
        count = len(delivered)
    else:
        count, findings = rescore_findings(conn, as_of, definitions, cache)
    params = {"as_of": as_of, "expiring_days": expiring_days}
    validity = [Validity(**r) for r in rows(conn, VALIDITY_SQL + "ORDER BY customer_id", params)]
    return RescoreReport(as_of, count, findings, validity)


def validity_tables(
    conn: duckdb.DuckDBPyConnection, as_of: dt.date, expiring_days: int
) -> tuple[pa.Table, pa.Table]:
    """`RescoreReport.due()` and `.branches()` as columns of `Validity` and `BranchValidity`,
    worked out by DuckDB: at 3,000,000 customers a row object each took most of the reports'
    minute."""
    params = {"as_of": as_of, "expiring_days": expiring_days}
    due = conn.sql(DUE_SQL, params=params).to_arrow_table()
    branches = conn.sql(BRANCHES_SQL, params=params).to_arrow_table()
    return due, branches


def _definitions_key(definitions: dict[str, Definition]) -> str:
    text = "\n".join(f"{v}:{d.model_dump_json()}" for v, d in sorted(definitions.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def rescore_findings(
    conn: duckdb.DuckDBPyConnection,
    as_of: dt.date,
    definitions: dict[str, Definition],
    cache: Path,
) -> tuple[int, list[Finding]]:
    """The assessments delivered up to `as_of` and their findings, re-scoring only those new or
    changed since `cache` was written (see `rescore`)."""
    key = _definitions_key(definitions)
    conn.execute(
        f"CREATE OR REPLACE TEMP TABLE delivered AS SELECT *, {FINGERPRINT} AS fingerprint "
        f"FROM ({DELIVERED})",
        {"as_of": as_of},
    )
    old = f"read_parquet({literal(str(cache))})" if cache.exists() else None
    if old is None:
        conn.execute(
            "CREATE OR REPLACE TEMP TABLE kept AS SELECT * FROM (VALUES "
            "(NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR, NULL::VARCHAR)) "
            f"v({', '.join(CACHE_COLUMNS)}) WHERE false"
        )
    else:
        conn.execute(
            f"CREATE OR REPLACE TEMP TABLE kept AS SELECT * FROM {old} WHERE definitions = $key",
            {"key": key},
        )
    same = "k.assessment_id = d.assessment_id AND k.fingerprint = d.fingerprint"
    fresh = rows(
        conn,
        f"SELECT d.* FROM delivered d ANTI JOIN kept k ON {same} ORDER BY d.assessment_id",
        {},
    )
    scored = {r["assessment_id"]: rescore_row(r, definitions) for r in fresh}
    reused = rows(
        conn,
        "SELECT d.assessment_id, d.customer_id, d.branch_id, d.questionnaire_version, "
        f"k.findings FROM delivered d JOIN kept k ON {same} WHERE k.findings <> '[]'",
        {},
    )
    for r in reused:
        version = r["questionnaire_version"] or ""
        scored[r["assessment_id"]] = [
            Finding(r["assessment_id"], r["customer_id"], r["branch_id"], version, *item)
            for item in json.loads(r["findings"])
        ]
    _write_cache(conn, cache, key, fresh, scored)
    count = conn.execute("SELECT count(*) FROM delivered").fetchall()[0]
    conn.execute("DROP TABLE delivered")
    conn.execute("DROP TABLE kept")
    findings = [f for aid in sorted(scored) for f in scored[aid]]
    return (int(count[0]) if count else 0), findings


def _write_cache(
    conn: duckdb.DuckDBPyConnection,
    cache: Path,
    key: str,
    fresh: list[dict[str, Any]],
    scored: dict[str, list[Finding]],
) -> None:
    """Every delivered assessment's fingerprint and findings (the fresh ones just scored)."""

    def listed(assessment_id: str) -> str:
        items = [[f.kind, f.delivered, f.rescored, f.detail] for f in scored[assessment_id]]
        return json.dumps(items, ensure_ascii=False)

    new = pa.table(
        {
            "assessment_id": pa.array([r["assessment_id"] for r in fresh], pa.string()),
            "findings": pa.array([listed(r["assessment_id"]) for r in fresh], pa.string()),
        }
    )
    conn.register("fresh_findings", new)
    try:
        table = conn.sql(
            "SELECT d.assessment_id, d.fingerprint, $key AS definitions, "
            "coalesce(n.findings, k.findings) AS findings FROM delivered d "
            "LEFT JOIN fresh_findings n ON n.assessment_id = d.assessment_id "
            "LEFT JOIN kept k ON k.assessment_id = d.assessment_id "
            "AND k.fingerprint = d.fingerprint",
            params={"key": key},
        ).to_arrow_table()
        with atomic_file(cache) as scratch:
            pq.write_table(table, scratch)
    finally:
        conn.unregister("fresh_findings")


def rescore_row(r: dict[str, Any], definitions: dict[str, Definition]) -> list[Finding]:
    """The findings of one delivered assessment (none when it agrees)."""
    version = r["questionnaire_version"] or ""

    def finding(kind: str, delivered: object, rescored: object, detail: str) -> Finding:
        return Finding(
            r["assessment_id"], r["customer_id"], r["branch_id"], version, kind,
            str(delivered), str(rescored), detail,
        )  # fmt: skip

    definition = definitions.get(version)
    if definition is None:
        known = ", ".join(sorted(definitions))
        return [finding("unknown_version", version, "", f"无此问卷版本的定义 (已知: {known})")]
    try:
        age = age_on(r["birth_date"], r["assess_date"]) if r["assess_date"] else None
        scored = score_answers(definition, parse_answers(r["answers"]), age=age)
    except AnswersError as exc:
        return [finding("unscorable", r["answers"], "", exc.message)]
    return [finding(*f) for f in _differences(r, scored, definition)]


def _differences(
    r: dict[str, Any], scored: Scored, definition: Definition
) -> list[tuple[str, object, object, str]]:
    out: list[tuple[str, object, object, str]] = []
    if r["score"] is None or abs(float(r["score"]) - scored.score) > 1e-6:
        out.append(("score", _num(r["score"]), _num(scored.score), "得分与按答案重算不符"))
    if r["risk_class"] != scored.risk_class:
        detail = f"按 {definition.version} 的分档, {_num(scored.score)} 分应为 {scored.risk_class}"
        out.append(("class", r["risk_class"], scored.risk_class, detail))
    elif scored.lowest_category and r["risk_class"] != "C1":
        detail = "最低类别 (只可购买 R1): " + "; ".join(scored.lowest_reasons)
        out.append(("lowest_category", r["risk_class"], "C1", detail))
    if r["horizon"] != scored.horizon:
        out.append(("horizon", r["horizon"], scored.horizon, "投资期限与答案不符"))
    expected = add_months(r["assess_date"], definition.valid_months) if r["assess_date"] else None
    if expected is not None and r["expire_date"] != expected:
        detail = f"有效期应为测评日起 {definition.valid_months} 个月"
        out.append(("expire_date", r["expire_date"], expected, detail))
    return out


def _num(value: object) -> str:
    return "" if value is None else f"{float(value):g}"  # type: ignore[arg-type]


def add_months(day: dt.date, months: int) -> dt.date:
    """Same day `months` later; a day past the month's end runs into the next (29 Feb -> 1 Mar)."""
    index = day.year * 12 + day.month - 1 + months
    first = dt.date(index // 12, index % 12 + 1, 1)
    return first + dt.timedelta(days=day.day - 1)
