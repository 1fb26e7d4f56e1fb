"""Reading earning rules: the shipped `rules.yaml` and an installation's
`<home>/points/rules.yaml`, one parser and one check for both.

An installation's file has the same form. A rule id it gives replaces every shipped version of
that id (to change a rate from a date, or retire a rule, give its versions again with their
validity); other ids are added. Versions of one id must differ and their validity must not
overlap. Errors name the file, the rule (and version) and the field.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from brokerlens.config import Settings
from brokerlens.points.errors import PointsRuleError
from brokerlens.points.model import PointsRule, RulesFile
from brokerlens.settings_file import YamlProblem, installation_file, read_yaml

PACKAGE = "brokerlens.points"
SHIPPED_NAME = "rules.yaml"
SHIPPED_FILE = f"brokerlens/points/{SHIPPED_NAME}"


@dataclass(frozen=True)
class RuleSet:
    """Every version of every rule in force for the installation, by id then version."""

    rules: tuple[PointsRule, ...]
    sources: tuple[str, ...]  # the files read, shipped first

    def on(self, day: dt.date) -> list[PointsRule]:
        """The versions that apply on `day` (at most one per id), by id."""
        return sorted((r for r in self.rules if r.applies_on(day)), key=lambda r: r.id)

    def get(self, rule_id: str, version: int | None = None) -> PointsRule | None:
        found = [r for r in self.rules if r.id == rule_id]
        if version is not None:
            found = [r for r in found if r.version == version]
        return max(found, key=lambda r: r.version) if found else None

    def names(self) -> dict[str, dict[str, str]]:
        """rule id -> {"zh": ..., "en": ...} of its newest version."""
        out: dict[str, dict[str, str]] = {}
        for rule in sorted(self.rules, key=lambda r: r.version):
            out[rule.id] = {"zh": rule.zh, "en": rule.en}
        return out


def additions_path(settings: Settings) -> Path:
    return settings.home / "points" / "rules.yaml"


def shipped_text() -> str:
    return resources.files(PACKAGE).joinpath(SHIPPED_NAME).read_text("utf-8")


@lru_cache(maxsize=16)
def parse_rules(text: str, file: str) -> tuple[PointsRule, ...]:
    """Checked rules from YAML text (cached by content; rules are frozen); `file` names it in
    every error."""
    try:
        data = read_yaml(text)
    except YamlProblem as exc:
        raise PointsRuleError(f"{file}{exc.where()}: not valid YAML: {exc.problem}") from None
    if not isinstance(data, dict):
        raise PointsRuleError(f"{file}: expected a mapping with `rules:` at the top")
    try:
        parsed = RulesFile.model_validate(data)
    except ValidationError as exc:
        raise PointsRuleError(f"{file}: {_describe(exc, data)}") from None
    check_versions(parsed.rules, file)
    return tuple(parsed.rules)


def check_versions(rules: Iterable[PointsRule], file: str) -> None:
    """Versions of one id differ, and their validity does not overlap."""
    by_id: dict[str, list[PointsRule]] = {}
    for rule in rules:
        by_id.setdefault(rule.id, []).append(rule)
    for rule_id, versions in by_id.items():
        numbers = [r.version for r in versions]
        twice = sorted({n for n in numbers if numbers.count(n) > 1})
        if twice:
            raise PointsRuleError(
                f"{file}: rule {rule_id!r}, field `version`: version {twice[0]} is given twice"
            )
        ordered = sorted(versions, key=lambda r: r.valid_from)
        for before, after in itertools.pairwise(ordered):
            if before.valid_to is None or before.valid_to >= after.valid_from:
                raise PointsRuleError(
                    f"{file}: rule {rule_id!r} version {after.version}, field `valid_from`: "
                    f"{after.valid_from} overlaps version {before.version} "
                    f"({before.valid_from} .. {before.valid_to or 'open'})",
                    hint="end the earlier version (valid_to) the day before",
                )


def shipped_rules() -> tuple[PointsRule, ...]:
    return parse_rules(shipped_text(), SHIPPED_FILE)


def load_rules(settings: Settings | None = None) -> RuleSet:
    """The shipped rules, with the installation's file (when there is one) laid over them."""
    found = list(shipped_rules())
    sources = [SHIPPED_FILE]
    added = None
    if settings is not None:
        path = additions_path(settings)
        added = installation_file(path, parse_rules, PointsRuleError, "points rules")
        if added is not None:
            sources.append(str(path))
    if added:
        replaced = {r.id for r in added}
        found = [r for r in found if r.id not in replaced] + list(added)
    return RuleSet(tuple(sorted(found, key=lambda r: (r.id, r.version))), tuple(sources))


def _describe(exc: ValidationError, data: dict[str, Any]) -> str:
    problems = []
    for error in exc.errors():
        loc = list(error["loc"])
        parts = []
        if loc[:1] == ["rules"] and len(loc) > 1 and isinstance(loc[1], int):
            parts.append(_rule_name(data, loc[1]))
            loc = loc[2:]
        message = str(error["msg"]).removeprefix("Value error, ")
        if loc:
            parts.append(f"field `{'.'.join(map(str, loc))}`")
        problems.append(f"{', '.join(parts) or 'top level'}: {message}")
    return "; ".join(problems)


def _rule_name(data: dict[str, Any], index: int) -> str:
    try:
        item = data["rules"][index]
        version = item.get("version")
        return f"rule {item['id']!r}" + (f" version {version}" if version is not None else "")
    except (KeyError, IndexError, TypeError, AttributeError):
        return f"rule #{index + 1}"
