"""The indicator registry: the shipped indicators, then the installation's own, one mechanism.

The shipped file is `builtin.yaml` beside this module (each entry names the SQL model computing
it); an installation adds derived indicators in `<home>/indicators/indicators.yaml`, each an
`expression` over indicators defined before it (the built-in ones, or additions listed earlier),
written in the expression language of `brokerlens.indicators.expression`. Both files are read by
`parse_indicators`; every error names the file, the indicator and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from pydantic import ValidationError

from brokerlens.config import Settings
from brokerlens.indicators.errors import ExpressionError, IndicatorError
from brokerlens.indicators.expression import check_value
from brokerlens.indicators.model import KEY_COLUMNS, Indicator, IndicatorFile
from brokerlens.settings_file import YamlProblem, installation_file, read_yaml

BUILTIN_NAME = "builtin.yaml"
HINT = "see README, `Where state lives`: <home>/indicators/indicators.yaml"

Indicators = Mapping[str, Indicator]


def additions_path(settings: Settings) -> Path:
    return settings.home / "indicators" / "indicators.yaml"


def parse_indicators(
    text: str, file: str, known: Indicators | None = None, *, shipped: bool = False
) -> Indicators:
    """`known` followed by the checked indicators of YAML `text`; `file` names it in each error.

    Only the shipped file may name a SQL `model`; any entry may be an `expression`."""
    return _parse(text, file, tuple((known or {}).values()), shipped)


@lru_cache(maxsize=16)
def _parse(text: str, file: str, known: tuple[Indicator, ...], shipped: bool) -> Indicators:
    try:
        data = read_yaml(text)
    except YamlProblem as exc:
        raise IndicatorError(
            f"{file}{exc.where()}: not valid YAML: {exc.problem}", hint=HINT
        ) from None
    if data is None:
        data = {"indicators": []}
    if not isinstance(data, dict):
        raise IndicatorError(f"{file}: expected a mapping with `indicators:` at the top", hint=HINT)
    try:
        parsed = IndicatorFile.model_validate(data)
    except ValidationError as exc:
        raise IndicatorError(f"{file}: {_describe(exc, data)}", hint=HINT) from None
    found = {i.id: i for i in known}
    builtin = set(found)
    for indicator in parsed.indicators:
        where = f"{file}: indicator {indicator.id!r}"
        if indicator.id in found:
            earlier = "built in" if indicator.id in builtin else "earlier in this file"
            raise IndicatorError(f"{where}, field `id`: already defined ({earlier})", hint=HINT)
        if indicator.id in KEY_COLUMNS:
            raise IndicatorError(
                f"{where}, field `id`: {indicator.id!r} is a key column of customer_indicators",
                hint=HINT,
            )
        if indicator.model is not None and not shipped:
            raise IndicatorError(
                f"{where}, field `model`: only the shipped indicators name a SQL model; "
                "an installation's indicator is an `expression`",
                hint=HINT,
            )
        if indicator.expression is not None:
            _check_expression(indicator, found, f"{where}, field `expression`")
        found[indicator.id] = indicator
    return MappingProxyType(found)


def _check_expression(indicator: Indicator, known: Indicators, where: str) -> None:
    assert indicator.expression is not None
    try:
        _, kind = check_value(indicator.expression, known, where)
    except ExpressionError as exc:
        raise IndicatorError(exc.message, hint=exc.hint) from None
    if kind != indicator.type:
        raise IndicatorError(
            f"{where}: type mismatch: the expression gives {_kind_name(kind)}, "
            f"the indicator's `type` is {indicator.type}",
            hint=f"in `{indicator.expression}`",
        )


def _kind_name(kind: str) -> str:
    return {"bool": "true/false", "null": "only NULL"}.get(kind, kind)


@cache
def builtin_indicators() -> Indicators:
    """The shipped indicators by id, in catalog order."""
    text = resources.files("brokerlens.indicators").joinpath(BUILTIN_NAME).read_text("utf-8")
    return parse_indicators(text, f"brokerlens/indicators/{BUILTIN_NAME}", shipped=True)


def load_indicators(settings: Settings | None = None) -> Indicators:
    """Every indicator by id: the shipped ones, then the installation's additions (in file order).

    Without `settings`, the shipped ones only. The additions file is read again only when its
    modification time or size changes, so a request does not re-read it."""
    builtins = builtin_indicators()
    if settings is None:
        return builtins
    found = installation_file(
        additions_path(settings), _parse_installed, IndicatorError, "indicators"
    )
    return builtins if found is None else found


def _parse_installed(text: str, path: str) -> Indicators:
    return parse_indicators(text, path, builtin_indicators())


def derived_indicators(indicators: Indicators) -> list[Indicator]:
    return [i for i in indicators.values() if i.derived]


def _describe(exc: ValidationError, data: dict[str, Any]) -> str:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        parts = []
        if loc[:1] == ["indicators"] and len(loc) > 1 and isinstance(loc[1], int):
            parts.append(_indicator_name(data, loc[1]))
            loc = loc[2:]
        if loc:
            parts.append(f"field `{'.'.join(map(str, loc))}`")
        problems.append(f"{', '.join(parts) or 'top level'}: {error['msg']}")
    return "; ".join(problems)


def _indicator_name(data: dict[str, Any], index: int) -> str:
    try:
        item = data["indicators"][index]
        return f"indicator {item['id']!r}"
    except (KeyError, IndexError, TypeError):
        return f"indicator #{index + 1}"
