"""What an ingest run did: one result per date, the exit code, and the printed table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from rich.table import Table

LOADED = "loaded"
LOADED_WITH_QUARANTINE = "loaded_with_quarantine"
REJECTED = "rejected"

EXIT_CLEAN = 0
EXIT_QUARANTINE = 1
EXIT_REJECTED = 3


@dataclass
class DateResult:
    day: dt.date
    status: str
    feeds: dict[str, tuple[int, int]] = field(default_factory=dict)  # feed -> (loaded, quar.)
    reason: str | None = None
    duration_s: float = 0.0
    replaced: bool = False  # the date was loaded before and this load replaced it

    @property
    def rows_loaded(self) -> int:
        return sum(loaded for loaded, _ in self.feeds.values())

    @property
    def rows_quarantined(self) -> int:
        return sum(q for _, q in self.feeds.values())


@dataclass
class IngestReport:
    inbox: str
    dates: list[DateResult] = field(default_factory=list)
    garbage_collected: list[str] = field(default_factory=list)
    already_loaded: int = 0  # dates of the inbox the lake held already (`new_only`)

    @property
    def rejected(self) -> list[DateResult]:
        return [d for d in self.dates if d.status == REJECTED]

    @property
    def exit_code(self) -> int:
        """0 all loaded clean, 1 some rows quarantined, 3 some date rejected."""
        if self.rejected:
            return EXIT_REJECTED
        if any(d.status == LOADED_WITH_QUARANTINE for d in self.dates):
            return EXIT_QUARANTINE
        return EXIT_CLEAN

    def feed_totals(self) -> dict[str, tuple[int, int]]:
        totals: dict[str, tuple[int, int]] = {}
        for d in self.dates:
            for feed, (loaded, quarantined) in d.feeds.items():
                a, b = totals.get(feed, (0, 0))
                totals[feed] = (a + loaded, b + quarantined)
        return totals


def date_table(report: IngestReport, *, max_rows: int = 40) -> Table:
    """One line per date: status, rows loaded and quarantined, reason (last dates when many)."""
    table = Table(title=f"ingest of {report.inbox}", title_justify="left")
    for name, justify in (
        ("date", "left"),
        ("status", "left"),
        ("loaded", "right"),
        ("quarantined", "right"),
        ("seconds", "right"),
        ("reason", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    shown = report.dates
    hidden = [d for d in shown if d.status != REJECTED][: max(0, len(shown) - max_rows)]
    if hidden:
        shown = [d for d in shown if d not in hidden]
        table.caption = f"{len(hidden)} more loaded date(s) not shown"
    style = {LOADED: "green", LOADED_WITH_QUARANTINE: "yellow", REJECTED: "red"}
    for d in shown:
        status = d.status + (" (replaced)" if d.replaced else "")
        table.add_row(
            d.day.isoformat(),
            f"[{style[d.status]}]{status}[/]",
            f"{d.rows_loaded:,}",
            f"{d.rows_quarantined:,}",
            f"{d.duration_s:.1f}",
            d.reason or "",
        )
    return table


def feed_table(report: IngestReport) -> Table:
    """Rows loaded and quarantined per feed over the whole run."""
    table = Table(title="rows by feed", title_justify="left")
    table.add_column("feed")
    table.add_column("loaded", justify="right")
    table.add_column("quarantined", justify="right")
    for feed, (loaded, quarantined) in report.feed_totals().items():
        table.add_row(feed, f"{loaded:,}", f"{quarantined:,}")
    return table
