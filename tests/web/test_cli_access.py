"""The CLI acts as a named workbench user through the same `brokerlens.access` functions as the
web: a writing command without `--user` is refused, and with it the audit log gets the same
row (action, user, role, customers) as the same action on the web. Run against the published
small brokerage, the CLI in-process (the entry point the installed command runs) beside a
signed-in TestClient on the same store.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from brokerlens.classify.loader import default_catalog_text
from brokerlens.console import console, err_console
from brokerlens.store import open_store
from brokerlens.store.schema import audit_log
from web.conftest import Published, SignedIn

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def cli(
    published: Published, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """`cli(*args, stdin=None)`: `brokerlens --home HOME *args` in-process."""
    from brokerlens.cli.main import run

    monkeypatch.setattr(console, "_width", 250)
    monkeypatch.setattr(err_console, "_width", 250)

    def call(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = ["brokerlens", "--home", str(published.home), *args]
        monkeypatch.setattr(sys, "argv", argv)
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", _Lines(stdin))
        code: int | str | None = 0
        try:
            run()
        except SystemExit as exc:
            code = exc.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(args, int(code or 0), out, err)

    return call


class _Lines:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines(keepends=True)

    def readline(self) -> str:
        return self.lines.pop(0) if self.lines else ""


def _last(published: Published, username: str, action: str) -> dict[str, Any]:
    """The newest audit row of `username` with `action`: what makes two rows 'the same'."""
    db = open_store(published.settings)
    with db.connect() as connection:
        row = (
            connection.execute(
                sa.select(audit_log)
                .where(audit_log.c.username == username, audit_log.c.action == action)
                .order_by(audit_log.c.audit_id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    assert row is not None, f"no {action} row of {username}"
    return dict(row)


def _same(web: dict[str, Any], cli: dict[str, Any], *detail: str) -> None:
    keys = ("action", "user_id", "username", "role", "customer_count", "customer_ids")
    assert {k: cli[k] for k in keys} == {k: web[k] for k in keys}
    assert {k: cli["detail"].get(k) for k in detail} == {k: web["detail"].get(k) for k in detail}
    assert cli["audit_id"] != web["audit_id"]
    assert cli["user_agent"] == "brokerlens-cli"


def _refused(done: subprocess.CompletedProcess[str], message: str) -> None:
    assert done.returncode == 2, done.stdout
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def _mine(me: SignedIn) -> list[str]:
    rows = me.client.get("/api/customers", params={"page_size": 200}).json()["data"]
    return [str(r["customer_id"]) for r in rows]


def _mismatch(me: SignedIn) -> tuple[str, str]:
    """A customer of `me` for whom margin is a mismatch, and the class request they may make."""
    for cid in _mine(me)[:80]:
        body = me.client.get(f"/api/customers/{cid}/suitability").json()
        reg = body["regulatory"]
        if (
            reg["state"] in ("valid", "expiring")
            and not reg["lowest_category"]
            and reg["effective_class"] in ("C1", "C2", "C3")
        ):
            ordinary = body["investor_class"]["treated"] == "ordinary"
            return cid, "to_professional" if ordinary else "to_ordinary"
    pytest.fail("no customer of the broker validly assessed C1..C3: the seeded fixture changed")


def test_suitability_workflow_as_on_the_web(
    published: Published, other_client: Callable[[str], SignedIn], cli: Cli
) -> None:
    broker = other_client("broker")
    name = broker.username
    cid, direction = _mismatch(broker)
    check = broker.client.post(
        f"/api/customers/{cid}/suitability/check",
        json={"target": "margin"},
        headers=broker.headers(),
    )
    assert check.status_code == 200, check.text
    web_check = check.json()["check_id"]
    web = _last(published, name, "suitability_check")
    _refused(cli("suitability", "check", cid, "margin", "--record"), "Missing option '--user'")
    done = cli("suitability", "check", cid, "margin", "--record", "--user", name)
    assert done.returncode == 0, done.stderr
    assert f"recorded as check {web_check + 1} by {name}" in done.stdout
    _same(web, _last(published, name, "suitability_check"), "target", "context")
    cli_check = str(web_check + 1)
    for step, command in (("warning", "warn"), ("confirmation", "confirm"), ("sale", "sale")):
        answer = broker.client.post(
            f"/api/suitability/checks/{web_check}/{step}", json={}, headers=broker.headers()
        )
        assert answer.status_code == 200, answer.text
        web = _last(published, name, f"suitability_{step}")
        _refused(cli("suitability", command, cli_check), "Missing option '--user'")
        done = cli("suitability", command, cli_check, "--user", name)
        assert done.returncode == 0, done.stderr
        cli_row = _last(published, name, f"suitability_{step}")
        _same(web, cli_row)
        assert cli_row["detail"] == {"check_id": int(cli_check)}

    # reading commands audit as their web reads do
    for command, path, action in (
        ("eligibility", f"/api/customers/{cid}/eligibility", "view_eligibility"),
        ("class", f"/api/customers/{cid}/suitability", "view_suitability"),
    ):
        assert broker.client.get(path).status_code == 200
        web = _last(published, name, action)
        _refused(cli("suitability", command, cid), "Missing option '--user'")
        done = cli("suitability", command, cid, "--user", name)
        assert done.returncode == 0, done.stderr
        _same(web, _last(published, name, action))

    # class request by the broker, decided (rejected) by compliance
    requests = f"/api/customers/{cid}/investor-class/requests"
    made = broker.client.post(requests, json={"direction": direction}, headers=broker.headers())
    assert made.status_code == 201, made.text
    web = _last(published, name, "investor_class_request")
    _refused(cli("suitability", "request-class", cid, direction), "Missing option '--user'")
    done = cli("suitability", "request-class", cid, direction, "--user", name)
    assert done.returncode == 0, done.stderr
    _same(web, _last(published, name, "investor_class_request"), "direction")
    cli_request = made.json()["request_id"] + 1
    assert f"class request {cli_request} recorded" in done.stdout

    compliance = other_client("compliance")
    decided = compliance.client.post(
        f"/api/suitability/class-requests/{made.json()['request_id']}/decision",
        json={"approve": False, "note": "web"},
        headers=compliance.headers(),
    )
    assert decided.status_code == 200, decided.text
    web = _last(published, compliance.username, "investor_class_decision")
    decide = ("suitability", "decide-class", str(cli_request), "--reject", "--note", "cli")
    _refused(cli(*decide), "Missing option '--user'")
    _refused(cli(*decide, "--user", name), "decide_investor_class permission")  # a broker
    done = cli(*decide, "--user", compliance.username)
    assert done.returncode == 0, done.stderr
    assert f"rejected by {compliance.username}" in done.stdout
    _same(web, _last(published, compliance.username, "investor_class_decision"), "approve")


def test_scope_and_users_are_checked(
    published: Published, other_client: Callable[[str], SignedIn], cli: Cli
) -> None:
    broker = other_client("broker")
    hq = other_client("hq_marketing")
    mine = set(_mine(broker))
    outsider = next(c for c in _mine(hq) if c not in mine)
    assert broker.client.get(f"/api/customers/{outsider}/eligibility").status_code == 404
    for args in (
        ("suitability", "check", outsider, "margin", "--record"),
        ("suitability", "eligibility", outsider),
        ("suitability", "request-class", outsider, "to_professional"),
        ("catalog", "why", outsider),
    ):
        _refused(cli(*args, "--user", broker.username), f"no customer '{outsider}'")
    _refused(cli("suitability", "eligibility", outsider, "--user", "nobody"), "no user 'nobody'")
    admin = published.users["admin"][0]
    _refused(cli("suitability", "eligibility", outsider, "--user", admin), "administrator")
    _refused(cli("suitability", "warn", "1", "--by", broker.username), "No such option: --by")


def _withdraw_on_the_web(me: SignedIn, request_id: int) -> None:
    """Take a request back, so the shared store has none waiting for the next test."""
    gone = me.client.post(f"/api/approvals/{request_id}/withdraw", json={}, headers=me.headers())
    assert gone.status_code == 200, gone.text


def test_thresholds_and_catalog_as_on_the_web(
    published: Published, other_client: Callable[[str], SignedIn], cli: Cli, tmp_path: Path
) -> None:
    hq = other_client("hq_marketing")
    name = hq.username
    first = hq.client.get("/api/alerts/thresholds").json()["alerts"][0]
    alert_id, params = first["alert_id"], first["defaults"]
    saved = hq.client.post(
        "/api/alerts/thresholds",
        json={"alert_id": alert_id, "params": params},
        headers=hq.headers(),
    )
    assert saved.status_code == 202, saved.text  # a request (issue 18): HQ approves it
    web = _last(published, name, "approval_request")
    _withdraw_on_the_web(hq, saved.json()["request_id"])
    values = [f"{k}={v:g}" for k, v in params.items()]
    _refused(cli("alerts", "set", alert_id, *values, "--yes"), "Missing option '--user'")
    broker = published.users["broker"][0]
    _refused(
        cli("alerts", "set", alert_id, *values, "--yes", "--user", broker),
        "edit_alert_thresholds permission",
    )
    done = cli("alerts", "set", alert_id, *values, "--yes", "--user", name)
    assert done.returncode == 0, done.stderr
    cli_row = _last(published, name, "approval_request")
    _same(web, cli_row, "approval_kind")
    _withdraw_on_the_web(hq, cli_row["detail"]["request_id"])

    text = default_catalog_text()
    asked = hq.client.post(
        "/api/catalog/apply",
        content=text.encode(),
        params={"note": "same"},
        headers={**hq.headers(), "content-type": "application/yaml"},
    )
    assert asked.status_code == 202, asked.text
    assert asked.json()["requested_by"] == name and asked.json()["kind"] == "catalog_change"
    web = _last(published, name, "approval_request")
    _withdraw_on_the_web(hq, asked.json()["request_id"])
    file = tmp_path / "catalog.yaml"
    file.write_text(text, "utf-8")
    apply = ("catalog", "apply", str(file), "--yes", "--no-recompute", "--note", "same")
    _refused(cli(*apply), "Missing option '--user'")
    _refused(cli(*apply, "--user", broker), "edit_catalog permission")
    done = cli(*apply, "--user", name)
    assert done.returncode == 0, done.stderr
    cli_row = _last(published, name, "approval_request")
    _same(web, cli_row, "approval_kind")
    assert cli_row["detail"]["request_id"] == asked.json()["request_id"] + 1
    _withdraw_on_the_web(hq, cli_row["detail"]["request_id"])

    cid = _mine(hq)[0]
    assert hq.client.get(f"/api/customers/{cid}/why").status_code == 200
    web = _last(published, name, "view_why")
    _refused(cli("catalog", "why", cid), "Missing option '--user'")
    done = cli("catalog", "why", cid, "--user", name)
    assert done.returncode == 0, done.stderr
    _same(web, _last(published, name, "view_why"))

    assert hq.client.get("/api/activation", params={"page_size": 5}).status_code == 200
    web = _last(published, name, "view_activation")
    done = cli("activation", "list", "--limit", "5", "--user", name)
    assert done.returncode == 0, done.stderr
    _same(web, _last(published, name, "view_activation"))


def test_user_management_as_on_the_web(
    published: Published, other_client: Callable[[str], SignedIn], cli: Cli
) -> None:
    admin = other_client("admin")
    name = admin.username
    body = {
        "username": "web_made",
        "display_name": "Web",
        "role": "hq_marketing",
        "password": "Correct-horse-9",
        "permissions": ["export"],
    }
    assert admin.client.post("/api/users", json=body, headers=admin.headers()).status_code == 201
    web = _last(published, name, "user_create")
    assert web["detail"]["username"] == "web_made"
    add = ("user", "add", "cli_made", "--role", "hq_marketing", "--permission", "export")
    _refused(cli(*add, "--password-stdin", stdin="Correct-horse-9\n"), "needs --user ADMIN")
    hq = published.users["hq_marketing"][0]
    refused = cli(*add, "--password-stdin", "--user", hq, stdin="Correct-horse-9\n")
    _refused(refused, "manage_users permission")
    done = cli(*add, "--password-stdin", "--user", name, stdin="Correct-horse-9\n")
    assert done.returncode == 0, done.stderr
    cli_row = _last(published, name, "user_create")
    _same(web, cli_row, "role", "permissions", "staff_id", "unit_id")
    assert cli_row["detail"]["username"] == "cli_made"

    for action in ("disable", "enable", "reset"):
        path = f"/api/users/web_made/{action}"
        answer = admin.client.post(path, json={}, headers=admin.headers())
        assert answer.status_code in (200, 204), answer.text
        web = _last(published, name, f"user_{action}")
        assert web["detail"]["username"] == "web_made"
        _refused(cli("user", action, "cli_made"), "Missing option '--user'")
        _refused(cli("user", action, "cli_made", "--user", hq), "manage_users permission")
        done = cli("user", action, "cli_made", "--user", name)
        assert done.returncode == 0, done.stderr
        cli_row = _last(published, name, f"user_{action}")
        _same(web, cli_row)
        assert cli_row["detail"]["username"] == "cli_made"
        if action == "reset":
            temporary = answer.json()["temporary_password"]
            assert temporary and temporary not in str(web["detail"])
            assert web["detail"] == {"username": "web_made", "generated": True}


def test_churn_and_riskpref_show_as_on_the_web(
    published: Published, other_client: Callable[[str], SignedIn], cli: Cli
) -> None:
    """No churn model is fitted on the test brokerage: the web answers 404 and the CLI exits 2,
    both after the same `view_churn` row; `riskpref show` is refused the same way without one."""
    broker = other_client("broker")
    cid = _mine(broker)[0]
    assert broker.client.get(f"/api/customers/{cid}/churn").status_code == 404
    web = _last(published, broker.username, "view_churn")
    _refused(cli("churn", "show", cid), "Missing option '--user'")
    done = cli("churn", "show", cid, "--user", broker.username)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    _same(web, _last(published, broker.username, "view_churn"))
    _refused(cli("riskpref", "show", cid), "Missing option '--user'")
    done = cli("riskpref", "show", cid, "--user", broker.username)
    assert done.returncode == 2 and "no risk preference model" in done.stderr, done.stderr
    assert _last(published, broker.username, "view_riskpref")["customer_ids"] == cid
