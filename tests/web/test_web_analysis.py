"""Business analysis (issue 22 section 3) on the published small brokerage: RFM scores as
quintiles and their segment as a filter, the value (Pareto) analysis against a direct
computation on the same profile, and the cross-tab builder: scope, checks, export."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from brokerlens.access.snapshot import served_snapshot
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log
from web.conftest import Published, SignedIn

SEGMENT = "rfm_segment"


@pytest.fixture(scope="module")
def profile(published: Published) -> list[dict[str, Any]]:
    """The served profile's rows (its columnar copy, as publish wrote it)."""
    path = served_snapshot(open_store(published.settings)).columnar_path
    assert path is not None
    return pq.read_table(path).to_pylist()


def _traders(profile: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in profile if (r["trades_12m"] or 0) > 0]


# --- RFM -----------------------------------------------------------------------------------------


def test_rfm_scores_are_quintiles_of_the_traders(profile: list[dict[str, Any]]) -> None:
    traders = _traders(profile)
    assert len(traders) >= 100
    # M (commission amounts hardly tie): five quintiles of near-equal size
    sizes = [sum(1 for r in traders if r["rfm_m_score"] == s) for s in (1, 2, 3, 4, 5)]
    assert max(sizes) - min(sizes) <= 2, sizes
    # more trades never scores lower, equal trades score alike; F reaches 5
    by_trades = sorted(traders, key=lambda r: r["trades_12m"])
    f_scores = [r["rfm_f_score"] for r in by_trades]
    assert f_scores == sorted(f_scores) and f_scores[-1] == 5
    for score in ("rfm_r_score", "rfm_f_score", "rfm_m_score"):
        assert {r[score] for r in traders} <= {1, 2, 3, 4, 5}
    # fewer days since the last trade never scores lower on R
    by_days = sorted(traders, key=lambda r: -r["days_since_last_trade"])
    r_scores = [r["rfm_r_score"] for r in by_days]
    assert r_scores == sorted(r_scores)
    # customers without a trade in 12 months: not ranked, every score 1, their own segment
    idle = [r for r in profile if not r["trades_12m"]]
    assert idle and all(
        (r["rfm_r_score"], r["rfm_f_score"], r["rfm_m_score"]) == (1, 1, 1) for r in idle
    )
    assert {r[SEGMENT] for r in idle} == {"近12月无交易"}


def test_the_rfm_segment_is_a_list_filter_and_a_segment_condition(
    profile: list[dict[str, Any]], sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("hq_marketing")  # every customer
    best = sum(1 for r in profile if r[SEGMENT] == "重要价值客户")
    assert best > 0
    listed = me.client.get("/api/customers", params={"f": f"{SEGMENT}:eq:重要价值客户"})
    assert listed.status_code == 200, listed.text
    assert listed.json()["count"] == best
    counted = me.client.post(
        "/api/segments/count",
        json={"conditions": [{"field": "rfm_f_score", "op": "ge", "value": 4}]},
        headers=me.headers(),
    )
    assert counted.status_code == 200, counted.text
    assert counted.json()["count"] == sum(1 for r in profile if r["rfm_f_score"] >= 4)


# --- value and contribution ----------------------------------------------------------------------


def _pareto(amounts: list[float], share: Decimal = Decimal("0.8")) -> tuple[int, int, Decimal]:
    """(customers, the fewest making `share` of the positive commission, that commission)."""
    cents = sorted((round(a * 100) for a in amounts if round((a or 0) * 100) > 0), reverse=True)
    total = sum(cents)
    needed, running = 0, 0
    for c in cents:
        if running >= share * total:
            break
        needed += 1
        running += c
    return len(amounts), needed, Decimal(total) / 100


def test_pareto_matches_a_direct_computation(
    profile: list[dict[str, Any]], sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("hq_marketing")
    got = me.client.get("/api/analysis/value")
    assert got.status_code == 200, got.text
    body = got.json()
    customers, needed, total = _pareto([r["net_commission_12m"] or 0 for r in profile])
    overall = body["overall"]
    assert (overall["customers"], overall["needed"]) == (customers, needed)
    assert Decimal(str(overall["commission"])) == total
    assert 0 < overall["customer_share"] < 0.5  # commission is concentrated
    for key, groups in (("customer_tier", body["by_tier"]), ("branch_id", body["by_branch"])):
        assert sum(g["customers"] for g in groups) == len(profile)
        for group in groups:
            rows = [r["net_commission_12m"] or 0 for r in profile if r[key] == group["key"]]
            n, k, money = _pareto(rows)
            assert (group["customers"], group["needed"]) == (n, k), group
            assert Decimal(str(group["commission"])) == money
    curve = body["curve"]
    assert curve[0] == [0, 0] and curve[-1] == [1, 1]
    assert all(a[1] <= b[1] for a, b in itertools.pairwise(curve))


def test_a_branch_manager_sees_the_value_of_the_branch_only_audited(
    profile: list[dict[str, Any]], published: Published, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("branch_manager")
    mine = me.client.get("/api/customers", params={"page_size": 1}).json()["count"]
    body = me.client.get("/api/analysis/value", params={"top": 5}).json()
    assert body["overall"]["customers"] == mine < len(profile)
    branches = {g["key"] for g in body["by_branch"]}
    assert len(branches) == 1
    top = body["top"]
    assert len(top) == 5 and {r["branch_id"] for r in top} == branches
    lifetime = [r["net_commission_lifetime"] for r in top]
    assert lifetime == sorted(lifetime, reverse=True)
    in_branch = [r for r in profile if r["branch_id"] in branches]
    assert lifetime[0] == max(r["net_commission_lifetime"] for r in in_branch)
    assert "phone" not in top[0] and "id_no" not in top[0]
    with open_store(published.settings).connect() as connection:
        row = connection.execute(
            sa.select(audit_log.c.customer_ids)
            .where(audit_log.c.action == "view_value", audit_log.c.username == me.username)
            .order_by(audit_log.c.audit_id.desc())
        ).first()
    assert row is not None and row[0].split(",") == [r["customer_id"] for r in top]


# --- cross-tabs ----------------------------------------------------------------------------------


def test_crosstab_counts_add_up_to_the_scope_and_match_the_profile(
    profile: list[dict[str, Any]], sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("hq_marketing")
    got = me.client.get("/api/analysis/crosstab", params={"rows": "customer_tier", "cols": SEGMENT})
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["customers"] == body["total"]["count"] == len(profile)
    assert sum(c["count"] for c in body["cells"]) == len(profile)
    for cell in body["cells"]:
        expected = sum(
            1 for r in profile if r["customer_tier"] == cell["row"] and r[SEGMENT] == cell["col"]
        )
        assert cell["count"] == expected, cell
        assert cell["total_share"] == pytest.approx(expected / len(profile))
    rows = {v["key"] for v in body["rows"]["values"]}
    assert rows == {r["customer_tier"] for r in profile}
    # row shares of a row add up to 1
    first = body["rows"]["values"][0]["key"]
    assert sum(c["row_share"] or 0 for c in body["cells"] if c["row"] == first) == pytest.approx(1)


def test_crosstab_bands_quintiles_sums_and_exports(
    profile: list[dict[str, Any]], sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in("hq_marketing")
    banded = me.client.get(
        "/api/analysis/crosstab",
        params={
            "rows": "total_assets_t",
            "row_bands": "0,100000,1000000",
            "cols": "",
            "metric": "sum",
            "value": "net_commission_12m",
        },
    ).json()
    assert [v["label"] for v in banded["rows"]["values"]] == [
        "< 0",
        "0 – 100,000",
        "100,000 – 1,000,000",
        ">= 1,000,000",
    ]
    middle = [r for r in profile if 100_000 <= r["total_assets_t"] < 1_000_000]
    cell = next(c for c in banded["cells"] if c["row"] == 2)
    assert cell["count"] == len(middle)
    expected = sum(Decimal(str(round(r["net_commission_12m"], 2))) for r in middle)
    assert Decimal(str(cell["value"])) == expected
    quintiles = me.client.get(
        "/api/analysis/crosstab",
        params={"rows": "total_assets_t", "row_bands": "quintiles", "cols": ""},
    ).json()
    sizes = [c["count"] for c in quintiles["cells"]]
    assert len(sizes) == 5 and sum(sizes) == len(profile)
    assert max(sizes) - min(sizes) <= len(profile) // 10, sizes
    # exported as CSV and Excel: one line per cell, then the totals
    params = {"rows": "customer_tier", "cols": "service_level"}
    body = me.client.get("/api/analysis/crosstab", params=params).json()
    got = me.client.get("/api/analysis/crosstab/export.csv", params=params)
    assert got.status_code == 200, got.text
    lines = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["行", "列", "客户数"]
    total = next(line for line in lines if line[0] == line[1] == "合计")
    assert int(total[2]) == body["total"]["count"]
    cells = len(body["rows"]["values"]) * len(body["cols"]["values"])
    assert sum(int(line[2]) for line in lines[1 : 1 + cells]) == body["total"]["count"]
    excel = me.client.get("/api/analysis/crosstab/export.xlsx", params=params)
    assert excel.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(excel.content)).active
    assert sheet is not None and sheet.cell(1, 1).value == "行"
    assert sheet.max_row == len(lines)


# (parameters, status, the name the message gives)
REFUSED: list[tuple[dict[str, str], int, str]] = [
    ({"rows": "no_such_field"}, 422, "rows"),
    ({"cols": "no_such_field"}, 422, "cols"),
    ({"rows": "total_assets_t"}, 422, "row_bands"),
    ({"rows": "total_assets_t", "row_bands": "9,1"}, 422, "row_bands"),
    ({"rows": "customer_tier", "row_bands": "1,2"}, 422, "row_bands"),
    ({"metric": "median"}, 422, "metric"),
    ({"metric": "sum", "value": "customer_tier"}, 422, "value"),
    ({"metric": "sum"}, 422, "value"),
    ({"rows": "name"}, 422, "rows"),
    ({"rows": "phone"}, 403, "phone"),
    ({"cols": "id_no"}, 403, "id_no"),
]


def test_crosstab_refuses_bad_parameters_naming_them(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("compliance")  # may reveal personal data, and is still refused here
    for params, status, named in REFUSED:
        got = me.client.get("/api/analysis/crosstab", params=params)
        assert got.status_code == status, (params, got.text)
        assert named in got.json()["error"], params


def test_a_branch_manager_cross_tabs_the_branch_only_on_pages_in_both_languages(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("branch_manager")
    mine = me.client.get("/api/customers", params={"page_size": 1}).json()["count"]
    body = me.client.get(
        "/api/analysis/crosstab", params={"rows": "branch_id", "cols": "service_level"}
    ).json()
    assert body["customers"] == mine
    assert len(body["rows"]["values"]) == 1
    home = me.client.get("/").text
    assert 'id="nav-group-analysis"' in home and 'href="/analysis/value"' in home
    for lang, title in (("zh", "交叉分析"), ("en", "Cross-tabs")):
        me.client.cookies.set("lang", lang)
        page = me.client.get(
            "/analysis/crosstab", params={"rows": "rfm_segment", "cols": "customer_tier"}
        )
        assert page.status_code == 200 and title in page.text
        value = me.client.get("/analysis/value")
        assert value.status_code == 200 and 'data-kind="pareto"' in value.text
    bad = me.client.get("/analysis/crosstab", params={"rows": "no_such_field"})
    assert bad.status_code == 422 and 'id="crosstab-form"' in bad.text


def test_the_store_and_the_columnar_copy_answer_alike(
    reader: str, profile: list[dict[str, Any]], sign_in: Callable[[str], SignedIn]
) -> None:
    """Both readers (the served Parquet copy by DuckDB, the store's table): the same Pareto,
    the same cross-tab with quintile bands and an exact sum."""
    me = sign_in("hq_marketing")
    body = me.client.get("/api/analysis/value", params={"top": 3}).json()
    _, needed, total = _pareto([r["net_commission_12m"] or 0 for r in profile])
    assert body["overall"]["needed"] == needed, reader
    assert Decimal(str(body["overall"]["commission"])) == total
    top = max(profile, key=lambda r: r["net_commission_lifetime"])
    assert body["top"][0]["net_commission_lifetime"] == top["net_commission_lifetime"]
    params = {
        "rows": "avg_assets_3m",
        "row_bands": "五分位",
        "cols": "customer_tier",
        "metric": "sum",
        "value": "total_assets_t",
    }
    cross = me.client.get("/api/analysis/crosstab", params=params)
    assert cross.status_code == 200, cross.text
    found = cross.json()
    assert found["total"]["count"] == len(profile)
    assert len(found["rows"]["values"]) == 5
    exact = sum(Decimal(str(round(r["total_assets_t"], 2))) for r in profile)
    assert Decimal(str(found["total"]["value"])) == exact
