"""The scales suitability speaks in: risk classes C1..C5, risk grades R1..R5, horizons.

Each is a small ordered scale: its values, a Chinese label for people, and parsing that names
what it was given and what it accepts.
"""

from __future__ import annotations

from brokerlens.errors import InvalidRequest

CLASSES = ("C1", "C2", "C3", "C4", "C5")
CLASS_LABELS = {"C1": "保守型", "C2": "谨慎型", "C3": "稳健型", "C4": "积极型", "C5": "激进型"}
GRADES = ("R1", "R2", "R3", "R4", "R5")
GRADE_LABELS = {"R1": "低风险", "R2": "中低风险", "R3": "中风险", "R4": "中高风险", "R5": "高风险"}
HORIZONS = ("short", "medium", "long")
HORIZON_LABELS = {"short": "0-1年", "medium": "1-5年", "long": "5年以上"}
LOWEST_CATEGORY = "风险承受能力最低类别"


def _parse(value: str, scale: tuple[str, ...], what: str) -> str:
    text = str(value).strip().upper() if scale is not HORIZONS else str(value).strip().lower()
    if text not in scale:
        raise InvalidRequest(
            f"{what} {value!r} is not one of {', '.join(scale)}",
            hint=f"give the {what} as one of {', '.join(scale)}",
        )
    return text


def risk_class(value: str) -> str:
    return _parse(value, CLASSES, "risk class")


def risk_grade(value: str) -> str:
    return _parse(value, GRADES, "risk grade")


def horizon(value: str) -> str:
    return _parse(value, HORIZONS, "horizon")


def class_rank(value: str) -> int:
    """1 for C1 .. 5 for C5."""
    return CLASSES.index(risk_class(value)) + 1


def grade_rank(value: str) -> int:
    """1 for R1 .. 5 for R5."""
    return GRADES.index(risk_grade(value)) + 1


def horizon_rank(value: str) -> int:
    """1 short .. 3 long."""
    return HORIZONS.index(horizon(value)) + 1


def describe_class(value: str) -> str:
    return f"{value} {CLASS_LABELS.get(value, '')}".strip()


def describe_grade(value: str) -> str:
    return f"{value} {GRADE_LABELS.get(value, '')}".strip()


def yuan(amount: float) -> str:
    """412300.4 -> '412,300' (whole yuan, thousands separated)."""
    return f"{amount:,.0f}"
