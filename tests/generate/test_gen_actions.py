"""A bad actions file stops `generate` before it writes anything, naming the line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from brokerlens.errors import ConfigError, InputError
from brokerlens.generate import GenerateOptions, generate

H = "customer_id,date,action,product_id\n"
GOOD = "C000000001,2025-01-03,contact,"


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("customer_id,date\nC000000001,2025-01-03\n", 1, None),
        (H + f"{GOOD}\nC12,2025-01-03,contact,\n", 3, "customer_id"),
        (H + f"{GOOD}\nC000000001,3.1.2025,contact,\n", 3, "date"),
        (H + "C000000001,2025-01-03,call,\n", 2, "action"),
        (H + "C000000001,2025-01-03,campaign,X1\n", 2, "product_id"),
        (H + "C000000001,2025-01-03,contact\n", 2, None),
        (H + f"{GOOD}\n\nC000000050,2025-01-03,contact,\n", 4, "customer_id"),
        (H + "C000000001,2025-01-03,campaign,P00090\n", 2, "product_id"),
        (H + "C000000001,2024-12-31,contact,\n", 2, "date"),
    ],
)  # fmt: skip
def test_bad_rows_are_named_and_nothing_is_written(
    tmp_path: Path, text: str, line: int, column: str | None
) -> None:
    actions = tmp_path / "actions.csv"
    actions.write_text(text)
    out = tmp_path / "out"
    with pytest.raises(InputError) as caught:
        generate(GenerateOptions(out=out, customers=50, days=3, actions=actions))
    message = str(caught.value)
    assert f"actions.csv, line {line}" in message
    if column:
        assert f"column {column!r}" in message
    assert caught.value.hint
    assert not out.exists()


def test_a_missing_or_non_utf8_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--actions"):
        generate(GenerateOptions(out=tmp_path / "o", customers=5, days=2, actions=tmp_path / "x"))
    odd = tmp_path / "gbk.csv"
    odd.write_bytes("customer_id,date,action\n客户,2025-01-03,contact\n".encode("gbk"))
    with pytest.raises(InputError, match="UTF-8"):
        generate(GenerateOptions(out=tmp_path / "o", customers=5, days=2, actions=odd))


def test_extra_columns_a_bom_and_dates_after_the_run_are_accepted(tmp_path: Path) -> None:
    actions = tmp_path / "export.csv"
    actions.write_text(
        "\ufeffcampaign_id,customer_id,date,action,grp\n"
        "7,C000000003,2025-01-03,campaign,treatment\n"
        "7,C000000004,2026-06-01,campaign,treatment\n",
        encoding="utf-8",
    )
    summary = generate(GenerateOptions(out=tmp_path / "o", customers=20, days=3, actions=actions))
    assert summary.actions == 2
