"""Level history over two quarters of the hand-built brokerage, and the `riskpref` commands."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from riskpref_handbox import CUSTOMERS, build_inbox

from brokerlens.access import AuditQuery, Role, search_audit
from brokerlens.access.users import acting_principal
from brokerlens.auth import add_user
from brokerlens.config import Settings, load_settings
from brokerlens.errors import NotFound
from brokerlens.ingest import ingest_inbox
from brokerlens.pipeline import run_pipeline
from brokerlens.publish import publish
from brokerlens.riskpref import LEVELS
from brokerlens.riskpref.quarter import Quarter
from brokerlens.riskpref.service import customer_history, fit_quarter, riskpref_models
from brokerlens.store import dispose_engines, open_store
from support.cli import brokerlens

K = (2, 3)
PASSWORD = "Correct-horse-9"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("riskpref_history")
    settings = load_settings(home=root / "home")
    report = ingest_inbox(settings, build_inbox().write(root / "inbox"))
    assert report.exit_code == 0
    fit_quarter(settings, Quarter(2025, 1), seed=1, k_range=K)
    fit_quarter(settings, Quarter(2025, 2), seed=1, partial=True, k_range=K)
    return settings


def test_every_customer_has_a_level_per_quarter(home: Settings) -> None:
    for cid in CUSTOMERS:
        rows = customer_history(home, cid)
        assert [r["quarter"] for r in rows] == ["2025Q1", "2025Q2"], cid
        assert all(r["level"] in LEVELS and r["description"] for r in rows)


def test_a_refit_is_a_new_version_and_history_takes_it(home: Settings) -> None:
    report = fit_quarter(home, Quarter(2025, 1), seed=1, k_range=K)
    assert report.version == 2
    store = riskpref_models(home)
    assert store.versions(Quarter(2025, 1)) == [1, 2]
    rows = customer_history(home, "CMIX")
    assert [(r["quarter"], r["version"]) for r in rows] == [("2025Q1", 2), ("2025Q2", 1)]


def test_unknown_customer(home: Settings) -> None:
    with pytest.raises(NotFound, match="NOBODY"):
        customer_history(home, "NOBODY")


def test_cli_fit_shows_progress_and_the_clusters(home: Settings) -> None:
    args = ("--home", str(home.home), "riskpref", "fit", "--quarter", "2025Q2", "--partial")
    fitted = brokerlens(*args, "--k-min", "2", "--k-max", "3", "--seed", "1")
    assert fitted.returncode == 0, fitted.stderr
    assert "k=2: silhouette" in fitted.stderr and "stored 2025Q2 version 2" in fitted.stderr
    assert "clusters of 2025Q2" in fitted.stdout and "最低" in fitted.stdout
    incomplete = brokerlens(*args[:-1])
    assert incomplete.returncode == 2 and "--partial" in incomplete.stderr


def test_cli_show_models_and_clear_errors(home: Settings, tmp_path: Path) -> None:
    # `show` acts as a workbench user on the published profile: publish a copy, add HQ
    published = load_settings(home=tmp_path / "published")
    shutil.copytree(home.home, published.home)
    run_pipeline(published)
    publish(published)
    db = open_store(published)
    add_user(db, username="hqm", display_name="HQ", role="hq_marketing", password=PASSWORD)
    dispose_engines()
    show = ("--home", str(published.home), "riskpref", "show", "CMIX")
    bare = brokerlens(*show)
    assert bare.returncode == 2 and "Missing option '--user'" in bare.stderr
    shown = brokerlens(*show, "--user", "hqm")
    assert shown.returncode == 0, shown.stderr
    assert "2025Q1" in shown.stdout and "2025Q2" in shown.stdout
    audited = search_audit(
        open_store(published),
        dataclasses.replace(acting_principal(open_store(published), "hqm"), role=Role.COMPLIANCE),
        AuditQuery(action="view_riskpref"),
    )
    assert [(r["username"], r["customer_ids"]) for r in audited.rows] == [("hqm", ["CMIX"])]
    dispose_engines()
    unknown = brokerlens(
        "--home", str(published.home), "riskpref", "show", "NOBODY", "--user", "hqm"
    )
    assert unknown.returncode == 2 and "no customer 'NOBODY'" in unknown.stderr
    listed = brokerlens("--home", str(home.home), "riskpref", "models")
    assert listed.returncode == 0 and "2025Q2" in listed.stdout
    bad = brokerlens("--home", str(home.home), "riskpref", "fit", "--quarter", "2025-1")
    assert bad.returncode == 2 and "--quarter '2025-1' is not a quarter" in bad.stderr
    assert "Traceback" not in bad.stderr
    empty = brokerlens("--home", str(tmp_path), "riskpref", "fit", "--quarter", "2025Q1")
    assert empty.returncode == 2 and "Traceback" not in empty.stderr
    assert "holds no loaded dates" in empty.stderr
