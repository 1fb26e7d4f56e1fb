"""Reading catalog files: the shipped default, an installation's active file, any candidate.

A file is valid only if it parses as YAML, matches the typed model and every condition compiles;
each error names the file, the classification, the rule and the field.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from brokerlens.classify.compile import compile_catalog
from brokerlens.classify.errors import CatalogError
from brokerlens.classify.model import Catalog
from brokerlens.config import Settings
from brokerlens.indicators import Indicators, load_indicators
from brokerlens.settings_file import YamlProblem, read_yaml

DEFAULT_NAME = "default_catalog.yaml"


def default_catalog_text() -> str:
    return resources.files("brokerlens.classify").joinpath(DEFAULT_NAME).read_text("utf-8")


def parse_catalog(text: str, file: str, indicators: Indicators | None = None) -> Catalog:
    """A checked catalog from YAML text; `file` names it in every error. Its conditions may
    name `indicators` (the installation's: `load_indicators(settings)`; None: the shipped)."""
    try:
        data = read_yaml(text)
    except YamlProblem as exc:
        raise CatalogError(f"{file}{exc.where()}: not valid YAML: {exc.problem}") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{file}: expected a mapping with `classifications:` at the top")
    try:
        catalog = Catalog.model_validate(data)
    except ValidationError as exc:
        raise CatalogError(f"{file}: {_describe(exc, data)}") from None
    compile_catalog(catalog, file, indicators)
    return catalog


def load_catalog(path: Path, indicators: Indicators | None = None) -> Catalog:
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CatalogError(f"{path}: the catalog file is not UTF-8") from None
    return parse_catalog(text, str(path), indicators)


def load_default_catalog() -> Catalog:
    return parse_catalog(default_catalog_text(), f"brokerlens/classify/{DEFAULT_NAME}")


def active_path(settings: Settings) -> Path:
    return settings.catalog_dir / "catalog.yaml"


def load_active_catalog(settings: Settings) -> Catalog:
    """The installation's catalog if it has one, else the shipped default."""
    path = active_path(settings)
    return (
        load_catalog(path, load_indicators(settings)) if path.exists() else load_default_catalog()
    )


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _describe(exc: ValidationError, data: dict[str, Any]) -> str:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        parts = []
        if loc[:1] == ["classifications"] and len(loc) > 1 and isinstance(loc[1], int):
            parts.append(_classification_name(data, loc[1]))
            loc = loc[2:]
            if loc[:1] == ["rules"] and len(loc) > 1 and isinstance(loc[1], int):
                parts.append(f"rule {loc[1] + 1}")
                loc = loc[2:]
        if loc:
            parts.append(f"field `{'.'.join(map(str, loc))}`")
        where = ", ".join(parts) or "top level"
        problems.append(f"{where}: {error['msg']}")
    return "; ".join(problems)


def _classification_name(data: dict[str, Any], index: int) -> str:
    try:
        item = data["classifications"][index]
        return f"classification {item['id']!r}"
    except (KeyError, IndexError, TypeError):
        return f"classification #{index + 1}"
