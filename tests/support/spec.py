"""The specification's files the tests read: the copies kept in the repository (spec/), found
relative to the checkout, never through a machine path."""

from __future__ import annotations

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
SPEC_DIR = CHECKOUT / "spec"
# Where the shared specification sits when it is beside the checkout (not on a clean one).
SHARED_SPEC_DIR = CHECKOUT.parent / "shared" / "spec"
COPIED = ("feeds.md", "catalog.md")


def spec_file(name: str) -> Path:
    """The repository's copy of one spec file (`feeds.md`, `catalog.md`)."""
    assert name in COPIED, name
    return SPEC_DIR / name
