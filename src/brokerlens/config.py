"""Typed settings, read once and passed in. Everything lives under one data home."""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from brokerlens.errors import ConfigError

DEFAULT_HOME = Path("brokerlens-data")

# The master URLs Spark accepts: local threads, a standalone cluster (one master, or several
# for standby masters), YARN, Kubernetes' API server.
_SPARK_MASTER = re.compile(
    r"local(\[(\*|[1-9][0-9]*)(,[0-9]+)?\])?"
    r"|spark://[^\s/:,]+:[0-9]+(,[^\s/:,]+:[0-9]+)*"
    r"|yarn"
    r"|k8s://\S+"
)


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
        default=False,
        description="always mark cookies Secure (they are whenever a request came over HTTPS)",
    )
    serve_threads: int = Field(
        default=8,
        ge=1,
        le=200,
        description="threads per `serve` worker process that run requests; few, because "
        "Python runs one at a time: with 40 (the framework's default) a loaded worker spent "
        "its time handing the interpreter lock around and fell behind at 200 requests/s",
    )
    trusted_proxies: str = Field(
        default="",
        description="reverse proxies (addresses or networks, comma-separated) whose "
        "X-Forwarded-For and X-Forwarded-Proto are believed; empty = none, the connecting "
        "address is the client's",
    )

    # E-mail for care messages (issue 17): the SMTP relay the outbox sends through.
    smtp_host: str | None = Field(
        default=None, description="SMTP server for care e-mails; unset = e-mail is not sent"
    )
    smtp_port: int = Field(default=25, ge=1, le=65535, description="SMTP server port")
    smtp_sender: str | None = Field(
        default=None, description="the From address of care e-mails (required to send)"
    )
    smtp_tls: bool = Field(
        default=False, description="STARTTLS before sending (on for any relay off this host)"
    )
    smtp_timeout: float = Field(
        default=10.0, gt=0, le=300, description="seconds to wait for the SMTP server"
    )

    # DuckDB's buffer cap for the run steps and publish (issue 21): its own default is 80% of
    # RAM, which a first publish at 1M customers took whole (18.7 GB); past the cap it spills.
    duckdb_memory: str = Field(
        default="25%",
        pattern=r"^([1-9][0-9]?%|[1-9][0-9]*(\.[0-9]+)?\s*(MB|GB|TB|MiB|GiB|TiB))$",
        description="DuckDB's memory cap per run step and publish: a share of RAM (25%) or a "
        "size (6GB); past it DuckDB spills to <home>/tmp",
    )

    # The Spark engine (`run --engine spark`): where it runs and how big its driver is.
    spark_master: str = Field(
        default="local[*]",
        description="Spark master URL: local[*] (every core of this machine), local[N], "
        "spark://host:7077 (a standalone cluster), yarn, or k8s://https://host:443",
    )
    spark_driver_memory: str = Field(
        default="1g",
        pattern=r"^[1-9][0-9]*[kKmMgGtT]?$",
        description="the Spark driver's heap (JVM size: 512m, 2g)",
    )
    spark_shuffle_partitions: int = Field(
        default=4,
        ge=1,
        le=100_000,
        description="Spark SQL shuffle partitions: 4 suits one machine; on a cluster about "
        "two to three times its executor cores",
    )

    @field_validator("spark_master")
    @classmethod
    def _spark_master_is_a_url(cls, value: str) -> str:
        value = value.strip()
        if not _SPARK_MASTER.fullmatch(value):
            raise ValueError(
                f"{value!r} is not a Spark master URL (local[*], local[4], "
                "spark://host:7077, yarn or k8s://https://host:443)"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for entry in (p.strip() for p in value.split(",")):
            if not entry:
                continue
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(
                    f"{entry!r} is not an IP address or network (like 10.0.0.5 or 10.0.0.0/24)"
                ) from None
        return value

    @property
    def store_url(self) -> str:
        """The operational store's URL: BROKERLENS_DATABASE_URL, or SQLite in the home."""
        return self.database_url or f"sqlite:///{(self.home / 'brokerlens.db').resolve()}"

    @property
    def lake_dir(self) -> Path:
        return self.home / "lake"

    @property
    def spill_dir(self) -> Path:
        """Where DuckDB spills what exceeds `duckdb_memory` (emptied by DuckDB itself)."""
        return self.home / "tmp" / "duckdb"

    @property
    def bench_dir(self) -> Path:
        return self.home / "bench"

    @property
    def warehouse_dir(self) -> Path:
        return self.home / "warehouse"

    @property
    def reports_dir(self) -> Path:
        """The kept reports (issue 22): `<home>/reports/<T>/`, formed by `ReportsLayout`."""
        return self.home / "reports"

    @property
    def runs_dir(self) -> Path:
        """The daily job's lock, journal and one JSON report per run."""
        return self.home / "runs"

    @property
    def kb_dir(self) -> Path:
        """The knowledge base's files (issue 23): `<home>/kb/`, formed by `KnowledgeLayout`."""
        return self.home / "kb"

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


_UNITS = {"MB": 10**6, "GB": 10**9, "TB": 10**12, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def memory_share(cap: str, share: float) -> str:
    """`share` of a `duckdb_memory` value ("25%" of this machine's RAM, or a size), as a size
    DuckDB takes: two DuckDB instances working at once split one cap between them."""
    if cap.endswith("%"):
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * float(cap[:-1]) / 100
    else:
        number, unit = re.fullmatch(r"([0-9.]+)\s*([A-Za-z]+)", cap).groups()  # type: ignore[union-attr]
        total = float(number) * _UNITS[unit]
    return f"{max(1, int(total * share / 2**20))}MiB"
