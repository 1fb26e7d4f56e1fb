"""The optional `_manifest.json` of a date folder: encoding, and rows and sha256 per file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from brokerlens.errors import InputError

MANIFEST_NAME = "_manifest.json"
ENCODINGS = ("utf-8", "gbk")


@dataclass
class FeedEntry:
    rows: int
    sha256: str


@dataclass
class Manifest:
    business_date: str
    encoding: str = "utf-8"
    feeds: dict[str, FeedEntry] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "business_date": self.business_date,
                "encoding": self.encoding,
                "feeds": {
                    name: {"rows": e.rows, "sha256": e.sha256} for name, e in self.feeds.items()
                },
            },
            ensure_ascii=False,
            indent=2,
        )

    def write(self, folder: Path) -> None:
        (folder / MANIFEST_NAME).write_text(self.to_json(), encoding="utf-8")


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest, or None when it has none. A malformed manifest is an InputError."""
    path = folder / MANIFEST_NAME
    if not path.exists():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8-sig"))
        encoding = str(raw.get("encoding", "utf-8")).lower()
        if encoding not in ENCODINGS:
            raise InputError(
                f"encoding {encoding!r} is not supported", file=str(path), hint="use utf-8 or gbk"
            )
        feeds = {
            str(name): FeedEntry(rows=int(e["rows"]), sha256=str(e["sha256"]).lower())
            for name, e in dict(raw.get("feeds", {})).items()
        }
        return Manifest(str(raw["business_date"]), encoding, feeds)
    except InputError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(
            f"manifest is malformed ({exc})",
            file=str(path),
            hint='expected {"business_date", "encoding", "feeds": {name: {"rows", "sha256"}}}',
        ) from exc
