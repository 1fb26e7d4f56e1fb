"""The composite risk characteristic (seed 002): the questionnaire's class governs matching;
behaviour stands beside it. `risk_mismatch` flags behaviour two or more levels more aggressive.
"""

from __future__ import annotations

from brokerlens.errors import InvalidRequest
from brokerlens.suitability.grades import class_rank

# Behavioural levels, least to most aggressive (seed 002: score 5 最低 .. 1 最高).
LEVELS = ("最低", "较低", "中等", "较高", "最高")
LEVELS_EN = ("lowest", "lower", "medium", "higher", "highest")


def behaviour_rank(level: str | int) -> int:
    """1 (最低) .. 5 (最高) from a level label (zh or en) or the seed's score 5 .. 1."""
    if isinstance(level, int) and not isinstance(level, bool):
        if 1 <= level <= 5:
            return 6 - level
    elif isinstance(level, str):
        text = level.strip().removesuffix("风险偏好")
        if text in LEVELS:
            return LEVELS.index(text) + 1
        if text.lower() in LEVELS_EN:
            return LEVELS_EN.index(text.lower()) + 1
    raise InvalidRequest(
        f"behavioural level {level!r} is not a level",
        hint=f"give one of {', '.join(LEVELS)} or a score 1 (最高) .. 5 (最低)",
    )


def risk_gap(regulatory_class: str, behavioural_level: str | int) -> int:
    """How many levels behaviour is more aggressive than the class (negative: more cautious)."""
    return behaviour_rank(behavioural_level) - class_rank(regulatory_class)


def risk_mismatch(regulatory_class: str, behavioural_level: str | int) -> bool:
    """True when behaviour is more aggressive than the class by two or more levels."""
    return risk_gap(regulatory_class, behavioural_level) >= 2
