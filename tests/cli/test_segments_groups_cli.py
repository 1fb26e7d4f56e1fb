"""`brokerlens segments ...` as the named user, on the hand-built store (access/builders.py): a
broker makes a static group, adds customers from a file (the report names those not found and
outside scope), removes one, shares it editable with a colleague who then sees it; refusals say
why."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.segments_support import Run


@pytest.mark.parametrize("store_settings", ["sqlite"], indirect=True)
def test_static_group_by_the_cli(cli: Run, tmp_path: Path) -> None:
    code, out = cli("create-static", "--user", "broker", "--name", "我的重点")
    assert code == 0, out
    sid = out.split("static group ", 1)[1].split(":", 1)[0]
    ids = tmp_path / "ids.csv"
    ids.write_text("customer_id\nC001\nC002\nC003\nZZZ\n", encoding="utf-8")
    code, out = cli("add-members", sid, "--user", "broker", "--file", str(ids))
    assert code == 0, out
    assert "2 added" in out and "1 not found" in out and "1 outside your scope" in out
    assert "ZZZ" in out and "C003" in out
    code, out = cli("remove-members", sid, "--user", "broker", "--id", "C002")
    assert code == 0 and "1 removed" in out, out
    code, out = cli("share", sid, "--user", "broker", "--with", "broker2", "--edit")
    assert code == 0 and "editable" in out, out
    code, out = cli("list", "--user", "broker2")
    assert code == 0 and "我的重点" in out and "shared (edit)" in out, out
    code, out = cli("shares", sid, "--user", "broker")
    assert code == 0 and "broker2" in out, out
    code, out = cli("share", sid, "--user", "broker2", "--with", "lead")
    assert code != 0 and "owner" in out, out  # an editor does not re-share
    code, out = cli("unshare", sid, "--user", "broker", "--with", "broker2")
    assert code == 0, out
    code, out = cli("add-members", sid, "--user", "broker2", "--id", "C003")
    assert code != 0 and "no segment" in out, out
    code, out = cli("add-members", sid, "--user", "broker")
    assert code != 0 and "--id or --file" in out, out
