import json
from pathlib import Path

import pytest

from brokerlens.contract.manifest import FeedEntry, Manifest, read_manifest, sha256_of
from brokerlens.errors import InputError


def test_manifest_round_trip(tmp_path: Path) -> None:
    data = tmp_path / "trades.csv"
    data.write_text("a\n1\n", encoding="utf-8")
    m = Manifest("2025-01-02", "gbk", {"trades": FeedEntry(1, sha256_of(data))})
    m.write(tmp_path)
    back = read_manifest(tmp_path)
    assert back == m


def test_no_manifest_is_none(tmp_path: Path) -> None:
    assert read_manifest(tmp_path) is None


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "malformed"),
        (json.dumps({"encoding": "utf-8"}), "malformed"),
        (json.dumps({"business_date": "2025-01-02", "encoding": "big5"}), "big5"),
    ],
)
def test_bad_manifest_names_the_file(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "_manifest.json").write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_manifest(tmp_path)
    assert "_manifest.json" in str(info.value)
