"""why, preview and versions through the service functions, on a small indicators file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from classify_rows import AS_OF, write_indicators

from brokerlens.classify import (
    CatalogError,
    UnknownName,
    apply_catalog,
    catalog_version,
    explain,
    history,
    load_active_catalog,
    load_default_catalog,
    load_version,
    parse_catalog,
    preview_catalog,
)
from brokerlens.classify.loader import default_catalog_text
from brokerlens.config import Settings, load_settings

ROWS = [
    {"customer_id": "RICH", "total_assets_t": 1_234_567, "net_commission_last_year": 100},
    {"customer_id": "EDGE", "total_assets_t": 999_999.99, "net_commission_last_year": 0},
    {"customer_id": "NONE"},
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    settings = load_settings(home=tmp_path / "home")
    write_indicators(settings, ROWS)
    return settings


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "edited.yaml"
    path.write_text(default_catalog_text().replace(old, new), "utf-8")
    return path


def test_why_matched_rule_with_values(settings: Settings) -> None:
    [explanation] = explain(settings, "RICH", "service_level")
    assert (explanation.value, explanation.matched_rule, explanation.as_of) == ("金手指", 1, AS_OF)
    assert explanation.indicators["total_assets_t"] == 1_234_567
    first = explanation.rules[0].checks[0]
    assert first.truth is True
    assert first.text == "total_assets_t = 1,234,567 >= 1,000,000 ✓"
    assert "金手指 matched: total_assets_t = 1,234,567 >= 1,000,000 ✓" in explanation.render()


def test_why_default_lists_every_failing_rule(settings: Settings) -> None:
    [explanation] = explain(settings, "NONE", "service_level")
    assert explanation.value == "金钥匙" and explanation.matched_rule is None
    assert [r.truth for r in explanation.rules] == [None, None]
    assert "default: no rule matched" in explanation.render()


def test_why_agrees_with_the_profile_for_every_classification(settings: Settings) -> None:
    from classify_rows import classify

    ordered = sorted(ROWS, key=lambda r: r["customer_id"])  # classify() orders by customer_id
    for row, profile in zip(ordered, classify(ordered), strict=True):
        explanations = explain(settings, row["customer_id"])
        assert {e.classification_id: e.value for e in explanations} == profile


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("GHOST", None, None), "no customer 'GHOST'"),
        (("RICH", "nope", None), "unknown classification 'nope'"),
        (("RICH", None, dt.date(2024, 1, 2)), "no indicators computed as of 2024-01-02"),
    ],
)
def test_why_unknown_names(settings: Settings, args: tuple, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(UnknownName, match=message):
        explain(settings, *args)


def test_preview_transitions_against_the_active_catalog(settings: Settings, tmp_path: Path) -> None:
    text = default_catalog_text().replace("total_assets_t >= 1000000", "total_assets_t >= 999999")
    result = preview_catalog(settings, parse_catalog(text, "edited.yaml"))
    [change] = result.changes
    assert (change.id, change.status, change.moved, change.customers) == (
        "service_level",
        "changed",
        1,
        3,
    )
    moved = [t for t in change.transitions if t.old != t.new]
    assert [(t.old, t.new, t.customers) for t in moved] == [("金算盘", "金手指", 1)]
    assert "customer_tier" in result.unchanged


def test_preview_unchanged_catalog_moves_nobody(settings: Settings) -> None:
    assert preview_catalog(settings, load_default_catalog()).changes == ()


def test_apply_keeps_versions_and_history(settings: Settings, tmp_path: Path) -> None:
    assert catalog_version(settings) == "default"
    first = apply_catalog(
        settings, _edited(tmp_path, "金钥匙", "金钥匙"), user="alice", note="same"
    )
    edited = _edited(tmp_path, "total_assets_t >= 1000000", "total_assets_t >= 999999")
    second = apply_catalog(settings, edited, user="bob")
    assert (first.version, second.version) == (1, 2)
    assert [r.applied_by for r in history(settings)] == ["alice", "bob"]
    assert catalog_version(settings) == "2"
    assert (settings.catalog_dir / "versions" / "0001.yaml").read_text(
        "utf-8"
    ) == default_catalog_text()
    assert load_active_catalog(settings) == load_version(settings, 2)
    assert load_version(settings, 0) == load_default_catalog()
    [explanation] = explain(settings, "EDGE", "service_level")
    assert explanation.value == "金手指"  # why reads the active catalog


def test_apply_refuses_an_invalid_file_and_changes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    bad = _edited(tmp_path, "total_assets_t >= 1000000", "total_assets_t >= 1000000; DROP TABLE x")
    with pytest.raises(CatalogError, match="classification 'service_level', rule 1"):
        apply_catalog(settings, bad)
    assert history(settings) == [] and catalog_version(settings) == "default"


def test_unknown_version(settings: Settings) -> None:
    with pytest.raises(UnknownName, match="no catalog version 7"):
        load_version(settings, 7)
