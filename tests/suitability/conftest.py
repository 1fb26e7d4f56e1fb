"""A hand-built suitability lake, loaded once for the package's tests."""

from __future__ import annotations

import pytest

from brokerlens.config import Settings


@pytest.fixture(scope="session")
def suitability_lake(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from suitability_lake import load

    return load(tmp_path_factory.mktemp("suitability_lake"))
