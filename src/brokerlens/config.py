"""Typed settings, read once and passed in. Everything lives under one data home."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from brokerlens.errors import ConfigError

DEFAULT_HOME = Path("brokerlens-data")


class Settings(BaseSettings):
    """Settings from the environment (prefix BROKERLENS_) and the command line."""

    model_config = SettingsConfigDict(env_prefix="BROKERLENS_", extra="ignore")

    home: Path = Field(default=DEFAULT_HOME, description="data home holding all state")
    quarantine_threshold: float = Field(
        default=0.01,
        ge=0.0,
        le=1.0,
        description="share of a feed's rows that may be quarantined before the date is rejected",
    )

    database_url: str | None = Field(
        default=None,
        description="operational store: a SQLAlchemy URL (postgresql+psycopg://...); "
        "unset = a SQLite file in the home",
    )
    secure_cookies: bool = Field(
        default=False, description="mark session cookies Secure (serve over HTTPS)"
    )

    @property
    def store_url(self) -> str:
        """The operational store's URL: BROKERLENS_DATABASE_URL, or SQLite in the home."""
        return self.database_url or f"sqlite:///{(self.home / 'brokerlens.db').resolve()}"

    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"

    @property
    def bench_dir(self) -> Path:
        return self.home / "bench"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def catalog_dir(self) -> Path:
        """The installation's classification catalog: the active file and every earlier version."""
        return self.home / "catalog"


def load_settings(home: Path | None = None, **overrides: object) -> Settings:
    """Build settings once; explicit arguments win over the environment."""
    values: dict[str, object] = {k: v for k, v in overrides.items() if v is not None}
    if home is not None:
        values["home"] = home
    try:
        return Settings(**values)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"BROKERLENS_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(
            f"invalid setting: {problems}", hint="fix the environment variable"
        ) from None
