"""Care rules as typed data (issue 17 section 4): which occasion makes a message, how many days
before it, on which channels, and the words (a zh template with `{placeholder:format}` fields).

Each occasion offers its own placeholders (`OCCASIONS`); a template naming another is refused
when the file loads. The birthday offers the name only: the birth date finds the occasion and is
never printed, nor is any ID number, phone or e-mail (no occasion offers them).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from brokerlens.store.marketing_schema import MESSAGE_CHANNELS

IDENT = r"^[a-z][a-z0-9_]*$"

Occasion = Literal[
    "birthday", "assessment_expiring", "product_maturing", "ipo_allotment", "dividend"
]
Channel = Literal["sms", "app_push", "email"]

# occasion -> the placeholders its SQL gives (every occasion: name, occasion_date, days_left)
_COMMON = ("name", "days_left")
OCCASIONS: dict[str, tuple[str, ...]] = {
    "birthday": ("name",),
    "assessment_expiring": (*_COMMON, "occasion_date", "risk_class"),
    "product_maturing": (*_COMMON, "occasion_date", "product_name", "market_value"),
    "ipo_allotment": (
        *_COMMON,
        "occasion_date",
        "security_name",
        "security_id",
        "quantity",
        "amount",
    ),
    "dividend": (
        *_COMMON,
        "occasion_date",
        "security_name",
        "security_id",
        "quantity",
        "per_share",
        "amount",
    ),
}
assert set(MESSAGE_CHANNELS) == {"sms", "app_push", "email"}


class CareRule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENT, max_length=40)
    zh: str = Field(min_length=1, max_length=100)
    en: str = Field(min_length=1, max_length=100)
    occasion: Occasion
    days_before: int = Field(default=0, ge=0, le=60)  # made this many days before the occasion
    channels: list[Channel] = Field(min_length=1)
    subject: str = Field(min_length=1, max_length=200)  # the e-mail's subject, a push's title
    template_zh: str = Field(min_length=1, max_length=500)
    enabled: bool = True

    @field_validator("channels")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a channel is listed twice")
        return value


class CareFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rules: list[CareRule] = Field(min_length=1)

    @field_validator("rules")
    @classmethod
    def _ids_once(cls, value: list[CareRule]) -> list[CareRule]:
        seen: set[str] = set()
        for rule in value:
            if rule.id in seen:
                raise ValueError(f"rule id {rule.id!r} appears twice")
            seen.add(rule.id)
        return value
