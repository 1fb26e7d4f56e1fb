"""The contract as data matches feeds.md (the repository's copy, spec/): every feed, key and
reference is consistent."""

import pytest

from brokerlens.contract import FACT_FEEDS, FEEDS, LOAD_ORDER, REFERENCE_FEEDS, feed
from brokerlens.contract.feeds import EXTENSION_FEEDS, LAKE_TYPES, ColumnType
from support.spec import spec_file

SPEC = spec_file("feeds.md")


def test_every_feed_of_the_spec_is_in_the_contract() -> None:
    spec_feeds = {
        line.split("|")[1].strip()
        for line in SPEC.read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and not line.startswith("| feed") and "---" not in line
    }
    assert spec_feeds == set(FEEDS) - set(EXTENSION_FEEDS)


def test_every_spec_column_is_in_the_contract_in_order() -> None:
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) < 4 or cells[1] not in FEEDS:
            continue
        # The columns cell lists names, each optionally followed by a parenthesised note.
        names, depth, current = [], 0, ""
        for ch in cells[3]:
            depth += ch == "("
            depth -= ch == ")"
            if ch == "," and depth == 0:
                names.append(current.strip().split(" ")[0])
                current = ""
            else:
                current += ch
        names.append(current.strip().split(" ")[0])
        assert list(feed(cells[1]).column_names) == names, cells[1]


def test_keys_are_columns_and_not_nullable() -> None:
    for f in FEEDS.values():
        for k in f.key:
            assert k in f.column_names
            assert not f.column(k).nullable, (f.name, k)


def test_references_point_at_keys_of_reference_feeds_loaded_earlier() -> None:
    for f in FEEDS.values():
        for col in f.columns:
            if col.references:
                target = FEEDS[col.references.feed]
                assert target.is_reference
                assert target.key == (col.references.column,)
                assert LOAD_ORDER.index(target.name) <= LOAD_ORDER.index(f.name)


def test_fact_feeds_have_their_date_column_and_types_map_to_the_lake() -> None:
    assert {f.name for f in REFERENCE_FEEDS}.isdisjoint(f.name for f in FACT_FEEDS)
    for f in FACT_FEEDS:
        if f.date_column:
            assert f.column(f.date_column).type is ColumnType.DATE
    assert set(LAKE_TYPES) == set(ColumnType)


def test_unknown_feed_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="daily_assets"):
        feed("daily_asset")


def test_extension_feeds_are_backfills_of_a_dated_fact_feed_with_its_columns() -> None:
    assert EXTENSION_FEEDS == ("product_nav_backfill",)
    for name in EXTENSION_FEEDS:
        f = feed(name)
        target = feed(f.backfills or "")
        assert target.date_column and f.date_column is None
        assert f.column_names == target.column_names and f.key == target.key
        assert LOAD_ORDER.index(target.name) < LOAD_ORDER.index(name)
