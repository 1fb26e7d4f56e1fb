"""Small helpers to build SQL safely: quoted identifiers, escaped literals, bound parameters."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def ident(name: str) -> str:
    """A quoted SQL identifier (DuckDB, SQLite, PostgreSQL)."""
    return '"' + name.replace('"', '""') + '"'


def spark_ident(name: str) -> str:
    """A quoted Spark SQL identifier."""
    return "`" + name.replace("`", "``") + "`"


def literal(value: str) -> str:
    """A SQL string literal (only for values DuckDB cannot take as a parameter, e.g. options)."""
    return "'" + value.replace("'", "''") + "'"


def path_list(paths: Iterable[Path]) -> str:
    """A SQL list of file paths, for read_parquet([...])."""
    return "[" + ", ".join(literal(str(p)) for p in paths) + "]"


class Params:
    """Collects values bound as named parameters ($p0, $p1, ...)."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def bind(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"

    def bind_all(self, values: Iterable[object]) -> str:
        return ", ".join(self.bind(v) for v in values)
