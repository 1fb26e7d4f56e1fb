"""Reading the care rules: the shipped `care.yaml`, or the installation's
`<home>/marketing/care.yaml` that replaces it whole. Errors name the file, the rule and the field.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from brokerlens.config import Settings
from brokerlens.marketing.care.errors import CareError
from brokerlens.marketing.care.model import OCCASIONS, CareFile, CareRule
from brokerlens.marketing.care.text import check_template
from brokerlens.settings_file import YamlProblem, read_yaml

SHIPPED = "care.yaml"
HINT = "fix the care rules file (the shipped one is brokerlens/marketing/care/care.yaml)"


def rules_path(settings: Settings) -> Path:
    return settings.home / "marketing" / "care.yaml"


def parse_rules(text: str, file: str) -> list[CareRule]:
    """Checked rules from YAML text; `file` names it in every error."""
    return list(_parse(text, file))


@lru_cache(maxsize=8)
def _parse(text: str, file: str) -> tuple[CareRule, ...]:
    try:
        data = read_yaml(text)
    except YamlProblem as exc:
        raise CareError(f"{file}{exc.where()}: not valid YAML: {exc.problem}", hint=HINT) from None
    if not isinstance(data, dict):
        raise CareError(f"{file}: expected a mapping with `rules:` at the top", hint=HINT)
    try:
        parsed = CareFile.model_validate(data)
    except ValidationError as exc:
        raise CareError(f"{file}: {_describe(exc, data)}", hint=HINT) from None
    for rule in parsed.rules:
        known = OCCASIONS[rule.occasion]
        for field in ("subject", "template_zh"):
            try:
                check_template(getattr(rule, field), known)
            except ValueError as exc:
                raise CareError(
                    f"{file}: rule {rule.id!r}, field `{field}`: {exc}", hint=HINT
                ) from None
    return tuple(parsed.rules)


def shipped_rules() -> list[CareRule]:
    text = resources.files("brokerlens.marketing.care").joinpath(SHIPPED).read_text("utf-8")
    return parse_rules(text, f"brokerlens/marketing/care/{SHIPPED}")


def load_rules(settings: Settings) -> list[CareRule]:
    """The installation's rules when it has a file, else the shipped ones."""
    path = rules_path(settings)
    if not path.exists():
        return shipped_rules()
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CareError(f"{path}: cannot read the care rules file: {exc}", hint=HINT) from None
    return parse_rules(text, str(path))


def _describe(exc: ValidationError, data: dict[str, object]) -> str:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        parts = []
        if loc[:1] == ["rules"] and len(loc) > 1 and isinstance(loc[1], int):
            parts.append(_rule_name(data, loc[1]))
            loc = loc[2:]
        if loc:
            parts.append(f"field `{'.'.join(map(str, loc))}`")
        problems.append(f"{', '.join(parts) or 'top level'}: {error['msg']}")
    return "; ".join(problems)


def _rule_name(data: dict[str, object], index: int) -> str:
    try:
        item = data["rules"][index]  # type: ignore[index]
        return f"rule {item['id']!r}"
    except (KeyError, IndexError, TypeError):
        return f"rule #{index + 1}"
