"""The kept reports on the web (issue 22 section 4): `/api/reports`, a report's download and
the `/reports` page, in scope (head office everything, a branch manager their branch's, a
region manager their region's branches', other roles nothing), audited, and bad input answered
400/404/422, never 500."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from brokerlens.console import console, err_console
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log
from support.page_text import problems, visible_text
from web.conftest import Published, SignedIn

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _listed(me: SignedIn, **params: str) -> dict[str, Any]:
    answer = me.client.get("/api/reports", params=params)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _unit(me: SignedIn) -> str:
    return str(me.client.get("/api/me").json()["user"]["unit_id"])


def test_head_office_lists_every_report_and_downloads_a_workbook(
    sign_in: Callable[[str], SignedIn], published: Published
) -> None:
    me = sign_in("compliance")
    body = _listed(me)
    assert body["dates"] and body["as_of"] == body["dates"][0]  # newest first
    reports = {r["report"] for r in body["data"]}
    assert {"kpi_monthly", "suitability_daily", "complaints_daily"} <= reports
    assert {"branch_kpi_monthly", "branch_complaints_daily"} <= reports
    kpi = next(r for r in body["data"] if r["report"] == "kpi_monthly")
    assert len(kpi["sha256"]) == 64
    got = me.client.get(kpi["workbook_url"])
    assert got.status_code == 200 and got.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(got.content))
    assert book.sheetnames == [s["title"] for s in kpi["sheets"]]
    # one report over its dates
    only = _listed(me, report="suitability_daily")
    assert {r["report"] for r in only["data"]} == {"suitability_daily"}
    db = open_store(published.settings)
    with db.connect() as connection:
        actions = set(
            connection.execute(
                sa.select(audit_log.c.action).where(audit_log.c.username == me.username)
            ).scalars()
        )
    assert {"view_reports", "download_report"} <= actions


@pytest.mark.parametrize("role", ["branch_manager", "region_manager"])
def test_a_manager_sees_the_reports_of_their_units_only(
    role: str, sign_in: Callable[[str], SignedIn], other_client: Callable[[str], SignedIn]
) -> None:
    hq = other_client("hq_marketing")
    every = _listed(hq)["data"]
    me = sign_in(role)
    mine = _listed(me)["data"]
    assert mine, "a manager sees their branch's reports"
    assert all(r["level"] != "hq" for r in mine)  # no head-office report
    units = {r["unit_id"] for r in mine}
    if role == "branch_manager":
        assert units == {_unit(me)}
    else:  # the region's branches, not every branch
        assert units < {r["unit_id"] for r in every if r["unit_id"]}
    theirs = next(r for r in every if r["unit_id"] and r["unit_id"] not in units)
    refused = me.client.get(theirs["workbook_url"])
    assert refused.status_code == 404, refused.text  # out of reach reads as not there
    hq_report = next(r for r in every if r["level"] == "hq")
    assert me.client.get(hq_report["workbook_url"]).status_code == 404
    own = me.client.get(mine[0]["workbook_url"])
    assert own.status_code == 200 and own.headers["content-type"] == XLSX


def test_other_roles_see_no_kept_report(sign_in: Callable[[str], SignedIn]) -> None:
    for role in ("broker", "call_center"):
        me = sign_in(role)
        answer = me.client.get("/api/reports")
        assert answer.status_code == 403, answer.text
        assert me.client.get("/reports").status_code == 403


def test_bad_dates_reports_and_file_names_are_refused_clearly(
    sign_in: Callable[[str], SignedIn],
) -> None:
    me = sign_in("compliance")
    day = _listed(me)["as_of"]
    cases = {
        "/api/reports?date=2001-01-02": 404,  # no reports that day
        "/api/reports?date=not-a-date": 422,
        "/api/reports?report=no_such_report": 422,
        f"/api/reports/{day}/no_such_report.xlsx": 404,
        f"/api/reports/{day}/kpi_monthly.txt": 422,
        f"/api/reports/{day}/..%5Cbrokerlens.json": 422,
        f"/api/reports/{day}/.kpi_monthly.xlsx": 422,
        "/api/reports/2001-01-02/kpi_monthly.xlsx": 404,
        "/api/reports/20xx-01-02/kpi_monthly.xlsx": 422,
        "/reports?date=31-12-2025": 422,
        "/reports?date=2001-01-02": 404,
    }
    for url, status in cases.items():
        answer = me.client.get(url)
        assert answer.status_code == status, (url, answer.status_code, answer.text[:300])
    for traversal in ("../../brokerlens.db", "..%2F..%2Fbrokerlens.db", "%2E%2E%2Fx.json"):
        answer = me.client.get(f"/api/reports/{day}/{traversal}")
        assert answer.status_code in (404, 422), traversal  # never the store's file


@pytest.mark.parametrize("role", ["compliance", "branch_manager"])
def test_the_reports_page_reads_in_chinese_and_in_english(
    role: str, sign_in: Callable[[str], SignedIn]
) -> None:
    me = sign_in(role)
    me.client.cookies.set("lang", "zh")
    page = me.client.get("/reports")
    assert page.status_code == 200, page.text[:500]
    assert 'id="reports-table"' in page.text and "报表中心" in page.text
    assert 'href="/reports"' in page.text  # the navigation's link
    assert problems(page.text) == []
    body = _listed(me)
    first = body["data"][0]
    assert first["workbook_url"] in page.text and first["sha256"][:16] in page.text
    filtered = me.client.get("/reports", params={"date": body["as_of"], "report": first["report"]})
    assert filtered.status_code == 200 and f'data-report="{first["report"]}"' in filtered.text
    me.client.cookies.set("lang", "en")
    english = me.client.get("/reports")
    assert english.status_code == 200 and "Reports" in english.text
    assert not [t for t in visible_text(english.text) if t.startswith("reports.")]


def _cli(
    published: Published,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
) -> tuple[int, str, str]:
    from brokerlens.cli.main import run

    monkeypatch.setattr(console, "_width", 300)
    monkeypatch.setattr(err_console, "_width", 300)
    monkeypatch.setattr(sys, "argv", ["brokerlens", "--home", str(published.home), *args])
    code: int | str | None = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return int(code or 0), out, err


def test_the_cli_lists_and_exports_as_a_named_user(
    published: Published,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    hq, manager = published.users["hq_marketing"][0], published.users["branch_manager"][0]
    code, out, _ = _cli(published, monkeypatch, capsys, "reports", "list", "--user", hq)
    assert code == 0 and "kpi_monthly.xlsx" in out and "suitability_daily" in out
    code, out, _ = _cli(
        published,
        monkeypatch,
        capsys,
        "reports",
        "export",
        "kpi_monthly",
        "--user",
        hq,
        "--out",
        str(tmp_path),
    )
    assert code == 0, out
    assert openpyxl.load_workbook(tmp_path / "kpi_monthly.xlsx").sheetnames
    code, out, err = _cli(
        published,
        monkeypatch,
        capsys,
        "reports",
        "export",
        "kpi_monthly",
        "--user",
        manager,
        "--out",
        str(tmp_path / "x.xlsx"),
    )
    assert code != 0 and "no kept kpi_monthly report" in err  # head office's, out of reach
    assert not (tmp_path / "x.xlsx").exists()
