"""The repository's copies of the specification (spec/) are there, and identical to the shared
specification when it sits beside the checkout (a clean checkout has the copies alone)."""

from __future__ import annotations

from support.spec import COPIED, SHARED_SPEC_DIR, spec_file


def test_the_spec_copies_exist_and_equal_the_shared_spec_beside_the_checkout() -> None:
    for name in COPIED:
        copy = spec_file(name)
        assert copy.is_file() and copy.stat().st_size > 1000, copy
        beside = SHARED_SPEC_DIR / name
        if beside.exists():  # beside a development checkout: the copy must be current
            assert copy.read_bytes() == beside.read_bytes(), f"copy {beside} to {copy} again"
