"""Reading alert definitions: the shipped file and an installation's additions, one mechanism.

Every definition is checked as a classification rule is (its `when` in the expression language
over indicators, the installation's added indicators included, its threshold names standing for
numbers), its shown indicators must exist
and its wording may name only those and its thresholds. Errors name the file, alert and field.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError
from sqlglot import exp

from brokerlens.alerts.errors import AlertError
from brokerlens.alerts.model import AlertDefinition, AlertFile
from brokerlens.alerts.text import check_template
from brokerlens.config import Settings
from brokerlens.indicators import (
    ExpressionError,
    Indicator,
    Indicators,
    builtin_indicators,
    check_condition,
    load_indicators,
)
from brokerlens.settings_file import YamlProblem, read_yaml

DEFAULT_NAME = "default_alerts.yaml"


def additions_path(settings: Settings) -> Path:
    return settings.home / "alerts" / "alerts.yaml"


def parse_alerts(
    text: str, file: str, indicators: Indicators | None = None
) -> list[AlertDefinition]:
    """Checked definitions from YAML text; `file` names it in every error. Conditions may name
    `indicators` (the installation's: `load_indicators(settings)`; None: the shipped ones)."""
    known = indicators if indicators is not None else builtin_indicators()
    return list(_parse_alerts(text, file, tuple(known.values())))


@lru_cache(maxsize=16)
def _parse_alerts(
    text: str, file: str, indicators: tuple[Indicator, ...]
) -> tuple[AlertDefinition, ...]:
    # Cached by content (definitions are frozen): the inbox reads the names on every request,
    # and checking 12 conditions costs about 0.1 s.
    try:
        data = read_yaml(text)
    except YamlProblem as exc:
        raise AlertError(f"{file}{exc.where()}: not valid YAML: {exc.problem}") from None
    if not isinstance(data, dict):
        raise AlertError(f"{file}: expected a mapping with `alerts:` at the top")
    try:
        parsed = AlertFile.model_validate(data)
    except ValidationError as exc:
        raise AlertError(f"{file}: {_describe(exc, data)}") from None
    known = {i.id: i for i in indicators}
    for definition in parsed.alerts:
        compile_condition(definition, file, known)
    return tuple(parsed.alerts)


def compile_condition(
    definition: AlertDefinition, file: str = "alerts", indicators: Indicators | None = None
) -> exp.Expr:
    """The checked condition tree; threshold names stay as (quoted) columns to be replaced."""
    indicators = indicators if indicators is not None else builtin_indicators()
    where = f"{file}: alert {definition.id!r}"
    clash = sorted(set(definition.params) & set(indicators))
    if clash:
        raise AlertError(f"{where}, field `params`: {clash} are indicator ids; rename them")
    try:
        tree = check_condition(
            definition.when, indicators, f"{where}, field `when`", definition.params
        )
    except ExpressionError as exc:
        raise AlertError(exc.message, hint=exc.hint) from None
    unknown = [name for name in definition.shows if name not in indicators]
    if unknown:
        raise AlertError(f"{where}, field `shows`: {unknown} are not indicator ids")
    for field in ("text_zh", "text_en"):
        try:
            check_template(getattr(definition, field), {*definition.shows, *definition.params})
        except ValueError as exc:
            raise AlertError(f"{where}, field `{field}`: {exc}") from None
    return tree


def load_definitions(settings: Settings) -> list[AlertDefinition]:
    """The shipped alerts, then the installation's additions (an id may not appear twice)."""
    text = resources.files("brokerlens.alerts").joinpath(DEFAULT_NAME).read_text("utf-8")
    indicators = load_indicators(settings)
    found = parse_alerts(text, f"brokerlens/alerts/{DEFAULT_NAME}", indicators)
    path = additions_path(settings)
    if path.exists():
        try:
            added = parse_alerts(path.read_text("utf-8"), str(path), indicators)
        except (OSError, UnicodeDecodeError) as exc:
            raise AlertError(f"{path}: cannot read the alerts file: {exc}") from None
        ids = {d.id for d in found}
        twice = [d.id for d in added if d.id in ids]
        if twice:
            raise AlertError(f"{path}: alert ids {twice} are already defined (built in)")
        found = [*found, *added]
    return found


def _describe(exc: ValidationError, data: dict[str, object]) -> str:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        parts = []
        if loc[:1] == ["alerts"] and len(loc) > 1 and isinstance(loc[1], int):
            parts.append(_alert_name(data, loc[1]))
            loc = loc[2:]
        if loc:
            parts.append(f"field `{'.'.join(map(str, loc))}`")
        problems.append(f"{', '.join(parts) or 'top level'}: {error['msg']}")
    return "; ".join(problems)


def _alert_name(data: dict[str, object], index: int) -> str:
    try:
        item = data["alerts"][index]  # type: ignore[index]
        return f"alert {item['id']!r}"
    except (KeyError, IndexError, TypeError):
        return f"alert #{index + 1}"
