"""Typed settings files: the defaults shipped in a package, or the installation's own file under
the data home that replaces them; both read the same way, a problem naming the file and field.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from brokerlens.errors import ConfigError

Model = TypeVar("Model", bound=BaseModel)
Parsed = TypeVar("Parsed")


class YamlProblem(ValueError):
    """Text that is not valid YAML; `line` (1-based) where the reader knows it."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem, self.line = problem, line

    def where(self) -> str:
        return f", line {self.line}" if self.line is not None else ""


def read_yaml(text: str) -> Any:
    """YAML text as data, or YamlProblem: a syntax error, a value YAML cannot build (a date
    such as 0000-00-00 or 2025-02-30) or nesting deeper than the reader can follow. Every
    settings, catalog, alert, indicator and questionnaire file is read through here."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise YamlProblem(str(getattr(exc, "problem", None) or exc), line) from None
    except ValueError as exc:  # the timestamp constructor: year 0, day 30 of February ...
        raise YamlProblem(f"a value YAML cannot read: {exc}") from None
    except RecursionError:  # the reader recurses once per level of nesting
        raise YamlProblem("nested too deeply / 层级嵌套过深") from None


def parse_settings(model: type[Model], text: str, file: str, hint: str) -> Model:
    """`text` (YAML; empty means all defaults) as `model`, or a ConfigError naming each field."""
    try:
        return model.model_validate(read_yaml(text) or {})
    except YamlProblem as exc:
        raise ConfigError(f"{file}{exc.where()}: not valid YAML: {exc.problem}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"field `{'.'.join(map(str, e['loc']))}`: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{file}: {problems}", hint=hint) from None


def shipped_settings(model: type[Model], package: str, name: str, hint: str) -> Model:
    """The package's file as `model`; a frozen model is parsed once per process (the shipped
    file does not change while it runs, and nobody can change the frozen result)."""
    if model.model_config.get("frozen"):
        return _shipped_frozen(model, package, name, hint)
    return _shipped(model, package, name, hint)


def _shipped(model: type[Model], package: str, name: str, hint: str) -> Model:
    text = resources.files(package).joinpath(name).read_text("utf-8")
    return parse_settings(model, text, f"{package.replace('.', '/')}/{name}", hint)


_shipped_frozen = cache(_shipped)


def installed_or_shipped(
    model: type[Model], installed: Path | None, package: str, name: str, hint: str
) -> Model:
    """The installation's file when it exists, else the package's."""
    if installed is not None and installed.exists():
        return parse_settings(model, installed.read_text("utf-8"), str(installed), hint)
    return shipped_settings(model, package, name, hint)


def installation_file(
    path: Path, parse: Callable[[str, str], Parsed], error: type[ConfigError], noun: str
) -> Parsed | None:
    """`parse(text, path)` of an installation's file under the data home, or None when there is
    none. Its text is read again only when its modification time or size changes (a request
    does not re-read it; `parse` caches by text); a file that cannot be read raises `error`
    naming it."""
    try:
        stat = path.stat()
        text = _text(str(path), stat.st_mtime_ns, stat.st_size)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise error(f"{path}: cannot read the {noun} file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise error(f"{path}: the {noun} file is not UTF-8") from None
    return parse(text, str(path))


@lru_cache(maxsize=16)
def _text(path: str, mtime_ns: int, size: int) -> str:
    return Path(path).read_text("utf-8")
