"""Read the SQL models shipped in `brokerlens/models/sql/`.

Each file starts with a comment header: `-- <name>: <purpose>`, `-- grain: ...`,
`-- columns: ...`. The header is documentation a person reads; the engine runs the SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from brokerlens.engine.render import placeholders


@dataclass(frozen=True)
class Model:
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


def model_names() -> list[str]:
    folder = resources.files("brokerlens.models").joinpath("sql")
    return sorted(p.name.removesuffix(".sql") for p in folder.iterdir() if p.name.endswith(".sql"))


@cache
def load_model(name: str) -> Model:
    sql = resources.files("brokerlens.models").joinpath("sql", f"{name}.sql").read_text("utf-8")
    return Model(name=name, sql=sql, purpose=_header(sql, name), grain=_header(sql, "grain"))
