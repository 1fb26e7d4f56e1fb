"""What an edited catalog would change: per classification, old value -> new value -> customers.

Baseline: the active catalog's CASE evaluated on the same indicator rows (the latest as-of date),
not the stored profile column. Both sides then read identical inputs, so every move shown is due
to the catalog edit alone, never to a profile computed from older indicators or an older catalog;
and it works before any profile exists. One GROUP BY per changed classification over the
Parquet file, reading only the columns its rules use.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from sqlglot import exp

from brokerlens.classify.compile import CompiledClassification, compile_catalog
from brokerlens.classify.errors import UnknownName
from brokerlens.classify.loader import load_active_catalog
from brokerlens.classify.model import Catalog
from brokerlens.classify.source import VIEW, open_indicators, resolve_as_of
from brokerlens.config import Settings
from brokerlens.indicators import Indicators, load_indicators


@dataclass(frozen=True)
class Transition:
    old: str | None  # None: the classification is new
    new: str | None  # None: the classification is removed
    customers: int


@dataclass(frozen=True)
class ClassificationChange:
    id: str
    status: str  # changed, added or removed
    transitions: tuple[Transition, ...]  # largest first
    seconds: float

    @property
    def moved(self) -> int:
        return sum(t.customers for t in self.transitions if t.old != t.new)

    @property
    def customers(self) -> int:
        return sum(t.customers for t in self.transitions)


@dataclass(frozen=True)
class Preview:
    as_of: dt.date
    changes: tuple[ClassificationChange, ...]
    unchanged: tuple[str, ...]


def changed_ids(old: Catalog, new: Catalog, indicators: Indicators | None = None) -> dict[str, str]:
    """Classification id -> changed / added / removed, judged on the compiled CASE."""
    before = {c.id: _sql(c) for c in compile_catalog(old, indicators=indicators)}
    after = {c.id: _sql(c) for c in compile_catalog(new, indicators=indicators)}
    status = {i: "added" for i in after if i not in before}
    status |= {i: "removed" for i in before if i not in after}
    status |= {i: "changed" for i in after if i in before and after[i] != before[i]}
    return status


def preview_catalog(
    settings: Settings,
    candidate: Catalog,
    *,
    baseline: Catalog | None = None,
    classification_id: str | None = None,
    as_of: dt.date | None = None,
) -> Preview:
    baseline = baseline if baseline is not None else load_active_catalog(settings)
    indicators = load_indicators(settings)
    status = changed_ids(baseline, candidate, indicators)
    known = set(baseline.ids) | set(candidate.ids)
    if classification_id is not None:
        if classification_id not in known:
            raise UnknownName(f"unknown classification {classification_id!r}")
        status = {k: v for k, v in status.items() if k == classification_id}
    day = resolve_as_of(settings, as_of)
    old = {c.id: c for c in compile_catalog(baseline, indicators=indicators)}
    new = {c.id: c for c in compile_catalog(candidate, indicators=indicators)}
    with open_indicators(settings, day) as connection:
        changes = tuple(
            _transitions(connection, cid, state, old.get(cid), new.get(cid))
            for cid, state in status.items()
        )
    unchanged = tuple(
        i for i in candidate.ids if i not in status and classification_id in (None, i)
    )
    return Preview(day, changes, unchanged)


def _transitions(
    connection: object,
    cid: str,
    state: str,
    old: CompiledClassification | None,
    new: CompiledClassification | None,
) -> ClassificationChange:
    started = time.perf_counter()
    before = old.case() if old else exp.cast(exp.Null(), "VARCHAR")
    after = new.case() if new else exp.cast(exp.Null(), "VARCHAR")
    query = (
        exp.select(before.as_("old"), after.as_("new"), exp.func("count", exp.Star()).as_("n"))
        .from_(VIEW)
        .group_by("1", "2")
        .order_by("n DESC", "1", "2")
    )
    rows = connection.execute(query.sql("duckdb")).fetchall()  # type: ignore[attr-defined]
    transitions = tuple(Transition(o, n, int(c)) for o, n, c in rows)
    return ClassificationChange(cid, state, transitions, time.perf_counter() - started)


def _sql(compiled: CompiledClassification) -> str:
    return compiled.case().sql("duckdb")
