"""What the call-back step reads of the operational store: the year's sample as drawn (its
strata), how many of its tasks are live per stratum (pending or completed: an unreachable one
is to be replaced) and which customers it has tasked already. Bound values only."""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from brokerlens.compliance.callbacks.quota import Stratum
from brokerlens.store.compliance_schema import callback_samples, callbacks

SAMPLE = "annual_sample"
LIVE = ("pending", "completed")


@dataclass(frozen=True)
class SampleState:
    """The store's sample of one year; `strata` empty: not drawn yet."""

    strata: list[Stratum] = field(default_factory=list)
    live: dict[tuple[str, str], int] = field(default_factory=dict)  # (branch, tier) -> tasks

    @property
    def drawn(self) -> bool:
        return bool(self.strata)


def read_sample_state(db: sa.Engine, year: int) -> SampleState:
    with db.connect() as connection:
        strata = [
            Stratum(str(r.branch_id), str(r.tier), int(r.base), int(r.quota))
            for r in connection.execute(
                sa.select(
                    callback_samples.c.branch_id,
                    callback_samples.c.tier,
                    callback_samples.c.base,
                    callback_samples.c.quota,
                ).where(callback_samples.c.year == year)
            )
        ]
        if not strata:
            return SampleState()
        live = connection.execute(
            sa.select(callbacks.c.branch_id, callbacks.c.tier, sa.func.count())
            .where(
                callbacks.c.kind == SAMPLE,
                callbacks.c.source_ref == str(year),
                callbacks.c.status.in_(LIVE),
            )
            .group_by(callbacks.c.branch_id, callbacks.c.tier)
        ).all()
    return SampleState(strata, {(str(b), str(t)): int(n) for b, t, n in live})


def read_tasked(db: sa.Engine, year: int) -> list[str]:
    """Every customer the year's sample has tasked (whatever became of the task)."""
    with db.connect() as connection:
        return [
            str(c)
            for c in connection.execute(
                sa.select(callbacks.c.customer_id).where(
                    callbacks.c.kind == SAMPLE, callbacks.c.source_ref == str(year)
                )
            ).scalars()
        ]
