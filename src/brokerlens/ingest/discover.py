"""Find the date folders of an inbox and the feed files in each; check the calendar and manifest."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from brokerlens.contract.feeds import FEEDS, LOAD_ORDER
from brokerlens.contract.manifest import MANIFEST_NAME, Manifest, read_manifest, sha256_of
from brokerlens.errors import CalendarError, DateRejected, InputError
from brokerlens.market.calendar import is_trading_day, missing_between

DATE_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FORMATS = ("csv", "parquet")


@dataclass(frozen=True)
class FeedFile:
    feed: str
    path: Path
    format: str  # csv | parquet


@dataclass
class DateFolder:
    day: dt.date
    path: Path
    files: list[FeedFile] = field(default_factory=list)  # in LOAD_ORDER
    ignored: list[str] = field(default_factory=list)  # files that are not a contract feed


def discover_dates(inbox: Path) -> list[DateFolder]:
    """The inbox's date folders (`YYYY-MM-DD`), oldest first. Other entries are ignored."""
    if not inbox.is_dir():
        raise InputError("the inbox is not a directory", file=str(inbox))
    folders = []
    for path in inbox.iterdir():
        if not (path.is_dir() and DATE_FOLDER.match(path.name)):
            continue
        try:
            day = dt.date.fromisoformat(path.name)
        except ValueError:
            continue
        folders.append(DateFolder(day, path))
    folders.sort(key=lambda f: f.day)
    return folders


def list_feed_files(folder: DateFolder) -> None:
    """Fill folder.files (in load order); a feed delivered twice (csv and parquet) is refused."""
    found: dict[str, FeedFile] = {}
    for path in sorted(folder.path.iterdir()):
        if not path.is_file() or path.name == MANIFEST_NAME:
            continue
        stem, _, ext = path.name.partition(".")
        if stem in FEEDS and ext.lower() in FORMATS:
            if stem in found:
                raise DateRejected(
                    f"feed {stem} is delivered twice ({found[stem].path.name} and {path.name})",
                    file=str(path),
                    hint="deliver each feed once, as csv or parquet",
                )
            found[stem] = FeedFile(stem, path, ext.lower())
        else:
            folder.ignored.append(path.name)
    folder.files = [found[name] for name in LOAD_ORDER if name in found]


def check_calendar(
    day: dt.date, latest: dt.date | None, *, allow_gap: bool, rejected: set[dt.date]
) -> None:
    """A business date must be a trading day and follow the latest loaded date without a gap."""
    try:
        trading = is_trading_day(day)
    except CalendarError as exc:
        raise DateRejected(str(exc), file=day.isoformat()) from None
    if not trading:
        raise DateRejected(
            f"{day} ({day:%A}) is not a trading day of the SSE calendar", file=day.isoformat()
        )
    if latest is None or day <= latest or allow_gap:
        return
    missing = missing_between(latest, day)
    if missing:
        names = ", ".join(d.isoformat() for d in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        failed = [d.isoformat() for d in missing if d in rejected]
        why = f" ({', '.join(failed)} rejected in this run)" if failed else ""
        raise DateRejected(
            f"gap of {len(missing)} trading day(s) since the latest loaded date {latest}: "
            f"missing {names}{more}{why}",
            file=day.isoformat(),
            hint="deliver the missing dates first, or pass --allow-gap to load it anyway",
        )


def check_manifest(folder: DateFolder) -> Manifest | None:
    """Apply the folder's manifest, if any: business date, files present, rows later, sha256."""
    try:
        manifest = read_manifest(folder.path)
    except InputError as exc:
        raise DateRejected(exc.message, file=exc.file, hint=exc.hint) from None
    if manifest is None:
        return None
    where = str(folder.path / MANIFEST_NAME)
    if manifest.business_date != folder.day.isoformat():
        raise DateRejected(
            f"manifest business_date {manifest.business_date} differs from the folder's date",
            file=where,
        )
    present = {f.feed: f for f in folder.files}
    for name, entry in manifest.feeds.items():
        if name not in present:
            raise DateRejected(
                f"the manifest lists feed {name} but no {name}.csv or {name}.parquet is delivered",
                file=where,
            )
        actual = sha256_of(present[name].path)
        if actual != entry.sha256:
            raise DateRejected(
                f"sha256 {actual} differs from the manifest's {entry.sha256}",
                file=str(present[name].path),
                hint="the file is incomplete or changed after the manifest was written",
            )
    return manifest
