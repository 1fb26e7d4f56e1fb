"""Load one date folder: read, validate and stage every feed, then commit it to the lake."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb

from brokerlens.errors import DateRejected
from brokerlens.ingest.discover import DateFolder, check_manifest, list_feed_files
from brokerlens.ingest.read import read_feed_file
from brokerlens.ingest.summary import LOADED, LOADED_WITH_QUARANTINE
from brokerlens.ingest.validate import DateValidator, FeedOutcome
from brokerlens.lake.catalog import Catalog, DateEntry, FeedCounts
from brokerlens.lake.layout import LakeLayout


def connect(workdir: Path) -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB for one date; it spills to `workdir` when memory runs short."""
    conn = duckdb.connect(":memory:")
    conn.execute("SET temp_directory = $dir", {"dir": str(workdir / "spill")})
    conn.execute("SET preserve_insertion_order = true")
    return conn


def stage_date(
    layout: LakeLayout, catalog: Catalog, folder: DateFolder, threshold: float, workdir: Path
) -> DateEntry:
    """Write the date's directory (not yet visible) and return its catalog entry.

    Raises DateRejected (and leaves nothing behind) when the date must be refused.
    """
    list_feed_files(folder)
    manifest = check_manifest(folder)
    encoding = manifest.encoding if manifest else "utf-8"
    stage = layout.new_date_dir(folder.day)
    stage.mkdir(parents=True)
    outcomes: list[FeedOutcome] = []
    conn = connect(workdir)
    try:
        validator = DateValidator(conn, layout, catalog, folder.day, stage, threshold)
        for ff in folder.files:
            raw = read_feed_file(conn, ff, encoding, f"raw_{ff.feed}", workdir)
            expected = manifest.feeds.get(ff.feed) if manifest else None
            if expected is not None and expected.rows != raw.rows:
                raise DateRejected(
                    f"{raw.rows} data rows, the manifest says {expected.rows}",
                    file=str(ff.path),
                    hint="the file is incomplete or the manifest is wrong",
                )
            outcomes.append(validator.validate(raw))
        validator.write_quarantine()
    except duckdb.Error as exc:
        shutil.rmtree(stage, ignore_errors=True)
        raise DateRejected(f"the date could not be loaded: {exc}", file=str(folder.path)) from exc
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    finally:
        conn.close()
    quarantined = sum(o.quarantined for o in outcomes)
    return DateEntry(
        dirname=stage.name,
        status=LOADED_WITH_QUARANTINE if quarantined else LOADED,
        loaded_at=dt.datetime.now().isoformat(timespec="seconds"),
        feeds={o.feed: FeedCounts(o.loaded, o.quarantined) for o in outcomes},
    )
