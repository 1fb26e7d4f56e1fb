"""Alert thresholds: the definitions' defaults, edited defaults and per-branch overrides.

Versioned like the catalog, under `<home>/alerts/thresholds/`:
- `NNNN.json`: the whole threshold state after each save, never rewritten:
  `{"defaults": {alert: {name: value}}, "branches": {alert: {branch: {name: value}}}}`;
- `history.jsonl`: one record per save (version, alert, branch, params, saved_by, saved_at).
The active state is the newest version. Saves are serialised by an flock, so two never take the
same number. A branch's value of a threshold wins over the default.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import math
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brokerlens.alerts.errors import AlertError
from brokerlens.alerts.loader import load_definitions
from brokerlens.alerts.model import AlertDefinition
from brokerlens.config import Settings
from brokerlens.indicators import Indicators, builtin_indicators, load_indicators

Overrides = dict[str, dict[str, dict[str, float]]]  # alert -> branch -> name -> value


@dataclass(frozen=True)
class AlertSet:
    """The definitions (their `params` are the effective defaults) and the branch overrides."""

    definitions: list[AlertDefinition]
    overrides: Overrides = field(default_factory=dict)
    version: int = 0  # the threshold version in force; 0 = only the definitions' defaults
    # what the conditions may name: the installation's indicators (`load_indicators(settings)`)
    indicators: Indicators = field(default_factory=builtin_indicators)

    def get(self, alert_id: str) -> AlertDefinition:
        for item in self.definitions:
            if item.id == alert_id:
                return item
        known = ", ".join(d.id for d in self.definitions)
        raise AlertError(f"no alert {alert_id!r}", hint=f"one of {known}")


def thresholds_dir(settings: Settings) -> Path:
    return settings.home / "alerts" / "thresholds"


def _version_path(settings: Settings, version: int) -> Path:
    return thresholds_dir(settings) / f"{version:04d}.json"


def _versions(settings: Settings) -> list[int]:
    folder = thresholds_dir(settings)
    if not folder.exists():
        return []
    return sorted(int(p.stem) for p in folder.glob("[0-9][0-9][0-9][0-9].json"))


def _read_state(settings: Settings) -> tuple[int, dict[str, Any]]:
    versions = _versions(settings)
    if not versions:
        return 0, {"defaults": {}, "branches": {}}
    path = _version_path(settings, versions[-1])
    try:
        state = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise AlertError(f"{path}: cannot read the alert thresholds: {exc}") from None
    return versions[-1], state


def load_alerts(settings: Settings) -> AlertSet:
    """Definitions with the saved defaults applied, and the saved branch overrides."""
    definitions = load_definitions(settings)
    version, state = _read_state(settings)
    by_id = {d.id: d for d in definitions}
    effective = []
    for item in definitions:
        saved = {k: v for k, v in state["defaults"].get(item.id, {}).items() if k in item.params}
        effective.append(item.model_copy(update={"params": {**item.params, **saved}}))
    overrides: Overrides = {}
    for alert_id, branches in state["branches"].items():
        if alert_id not in by_id:  # an addition since removed: its overrides sleep
            continue
        known = by_id[alert_id].params
        kept = {
            str(b): {k: float(v) for k, v in values.items() if k in known}
            for b, values in branches.items()
        }
        overrides[alert_id] = {b: v for b, v in kept.items() if v}
    return AlertSet(effective, overrides, version, load_indicators(settings))


def thresholds_for(alert_set: AlertSet, alert_id: str, branch_id: str | None) -> dict[str, float]:
    """The thresholds a customer of `branch_id` is judged by: the branch's values over defaults."""
    values = dict(alert_set.get(alert_id).params)
    if branch_id is not None:
        values |= alert_set.overrides.get(alert_id, {}).get(branch_id, {})
    return values


def check_params(definition: AlertDefinition, params: Mapping[str, Any]) -> dict[str, float]:
    """Threshold values as floats; an unknown name or a non-number names the parameter."""
    out: dict[str, float] = {}
    known = ", ".join(definition.params) or "(it has no thresholds)"
    for name, value in params.items():
        if name not in definition.params:
            raise AlertError(
                f"alert {definition.id!r}: unknown threshold {name!r}", hint=f"one of {known}"
            )
        number = _number(value)
        if number is None:
            raise AlertError(
                f"alert {definition.id!r}: threshold {name!r}: {value!r} is not a number"
            )
        out[name] = number
    if not out:
        raise AlertError(f"alert {definition.id!r}: give at least one threshold", hint=known)
    return out


def check_branch(branch_id: str | None) -> str | None:
    """A branch id as the store keeps it (String(32)); None edits the defaults."""
    if branch_id is None:
        return None
    branch = branch_id.strip()
    if not branch or len(branch) > 32:
        raise AlertError(f"branch {branch_id[:40]!r}: a branch id has 1 to 32 characters")
    return branch


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def with_params(
    alert_set: AlertSet, alert_id: str, branch_id: str | None, params: Mapping[str, float]
) -> AlertSet:
    """The set as it would be with `params` saved (for a preview; nothing is written)."""
    definitions = [
        d.model_copy(update={"params": {**d.params, **params}})
        if d.id == alert_id and branch_id is None
        else d
        for d in alert_set.definitions
    ]
    overrides = {a: {b: dict(v) for b, v in bs.items()} for a, bs in alert_set.overrides.items()}
    if branch_id is not None:
        branch = overrides.setdefault(alert_id, {}).setdefault(branch_id, {})
        branch.update(params)
    return AlertSet(definitions, overrides, alert_set.version, alert_set.indicators)


def save_thresholds(
    settings: Settings,
    alert_id: str,
    branch_id: str | None,
    params: Mapping[str, Any],
    username: str,
) -> int:
    """Save thresholds of one alert (the defaults, or one branch's); returns the new version."""
    definition = load_alerts(settings).get(alert_id)
    checked = check_params(definition, params)
    branch_id = check_branch(branch_id)
    with _save_lock(settings):
        version, state = _read_state(settings)
        if branch_id is None:
            state["defaults"].setdefault(alert_id, {}).update(checked)
        else:
            branches = state["branches"].setdefault(alert_id, {})
            branches.setdefault(branch_id, {}).update(checked)
        number = version + 1
        path = _version_path(settings, number)
        with path.open("x", encoding="utf-8") as out:  # "x": a kept version is never rewritten
            json.dump(state, out, ensure_ascii=False, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        record = {
            "version": number,
            "alert_id": alert_id,
            "branch_id": branch_id,
            "params": checked,
            "saved_by": username,
            "saved_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        with (thresholds_dir(settings) / "history.jsonl").open("a", encoding="utf-8") as log:
            log.write(json.dumps(record, ensure_ascii=False) + "\n")
    return number


def threshold_history(settings: Settings) -> list[dict[str, Any]]:
    """Every save, oldest first."""
    path = thresholds_dir(settings) / "history.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


@contextmanager
def _save_lock(settings: Settings) -> Iterator[None]:
    folder = thresholds_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".save.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
