"""The one loader of the SQL files shipped in a package's `sql/` folder.

Each file starts with a comment header: `-- <name>: <purpose>`, `-- grain: ...`,
`-- columns: ...`. The header is documentation a person reads; the engine runs the SQL, in the
canonical dialect (DuckDB's) with `:name` placeholders (see `engine.render`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from brokerlens.engine.render import placeholders


@dataclass(frozen=True)
class SqlFile:
    name: str
    sql: str
    purpose: str
    grain: str

    @property
    def params(self) -> set[str]:
        return placeholders(self.sql)


def _header(sql: str, key: str) -> str:
    for line in sql.splitlines():
        text = line.removeprefix("--").strip()
        if text.startswith(f"{key}:"):
            return text.split(":", 1)[1].strip()
    return ""


def sql_names(package: str) -> list[str]:
    """The SQL files of `package` (e.g. "brokerlens.models"), by name."""
    folder = resources.files(package).joinpath("sql")
    return sorted(p.name.removesuffix(".sql") for p in folder.iterdir() if p.name.endswith(".sql"))


@cache
def load_sql(package: str, name: str) -> SqlFile:
    """`<package>/sql/<name>.sql` with its header."""
    sql = resources.files(package).joinpath("sql", f"{name}.sql").read_text("utf-8")
    return SqlFile(name=name, sql=sql, purpose=_header(sql, name), grain=_header(sql, "grain"))
