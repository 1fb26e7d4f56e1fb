"""The catalog as typed data: classifications, their ordered rules, and the bucket short form.

A classification is either a list of `rules` (first satisfied wins) or a `buckets` block, which
`buckets.py` turns into the same rules, so a built-in and an installation's addition run through
one mechanism. `default` catches every customer no rule matched, including NULL indicators.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

IDENT = r"^[a-z][a-z0-9_]*$"


class Rule(BaseModel):
    """`when` holds -> `value`; or, with `value_from`, the value of that text indicator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    when: str
    value: str | None = Field(default=None, min_length=1)
    value_en: str | None = None
    value_from: str | None = None

    @model_validator(mode="after")
    def _one_value(self) -> Rule:
        if (self.value is None) == (self.value_from is None):
            raise ValueError("give exactly one of `value` or `value_from`")
        if self.value_from is not None and self.value_en is not None:
            raise ValueError("`value_en` goes with `value`, not with `value_from`")
        return self

    @property
    def label(self) -> str:
        """How a person reads the rule's value: the label, or `<indicator>` for value_from."""
        return self.value if self.value is not None else f"<{self.value_from}>"


class Buckets(BaseModel):
    """Ranges of one number indicator; lower bound inclusive, labels[0] is below bounds[0]."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    indicator: str
    bounds: list[float] = Field(min_length=1)
    labels: list[str]
    labels_en: list[str] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Buckets:
        if any(hi <= lo for lo, hi in zip(self.bounds, self.bounds[1:], strict=False)):
            raise ValueError("`bounds` must be strictly increasing")
        if len(self.labels) != len(self.bounds) + 1:
            raise ValueError(
                f"{len(self.bounds)} bounds need {len(self.bounds) + 1} labels, "
                f"got {len(self.labels)}"
            )
        if self.labels_en is not None and len(self.labels_en) != len(self.labels):
            raise ValueError("`labels_en` must have as many entries as `labels`")
        return self


class Classification(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=IDENT)
    zh: str
    en: str
    meaning: str
    meaning_zh: str | None = None  # the meaning in Chinese, for the catalog page
    rules: list[Rule] = Field(default_factory=list)
    buckets: Buckets | None = None
    default: str = Field(min_length=1)
    default_en: str | None = None

    @model_validator(mode="after")
    def _rules_or_buckets(self) -> Classification:
        if bool(self.rules) == (self.buckets is not None):
            raise ValueError("give either `rules` or `buckets`, not both and not neither")
        return self


class Catalog(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    classifications: list[Classification] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Catalog:
        seen: set[str] = set()
        for item in self.classifications:
            if item.id in seen:
                raise ValueError(f"classification id {item.id!r} appears twice")
            seen.add(item.id)
        return self

    def get(self, classification_id: str) -> Classification | None:
        return next((c for c in self.classifications if c.id == classification_id), None)

    @property
    def ids(self) -> list[str]:
        return [c.id for c in self.classifications]
