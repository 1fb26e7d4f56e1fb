"""Typed settings files: the defaults shipped in a package, or the installation's own file under
the data home that replaces them; both read the same way, a problem naming the file and field.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from brokerlens.errors import ConfigError

Model = TypeVar("Model", bound=BaseModel)


def parse_settings(model: type[Model], text: str, file: str, hint: str) -> Model:
    """`text` (YAML; empty means all defaults) as `model`, or a ConfigError naming each field."""
    try:
        return model.model_validate(yaml.safe_load(text) or {})
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"field `{'.'.join(map(str, e['loc']))}`: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"{file}: {problems}", hint=hint) from None


def shipped_settings(model: type[Model], package: str, name: str, hint: str) -> Model:
    text = resources.files(package).joinpath(name).read_text("utf-8")
    return parse_settings(model, text, f"{package.replace('.', '/')}/{name}", hint)


def installed_or_shipped(
    model: type[Model], installed: Path | None, package: str, name: str, hint: str
) -> Model:
    """The installation's file when it exists, else the package's."""
    if installed is not None and installed.exists():
        return parse_settings(model, installed.read_text("utf-8"), str(installed), hint)
    return shipped_settings(model, package, name, hint)
