"""Where the knowledge base's files live under the home: `<home>/kb/` (`Settings.kb_dir`).

- `attachments/<article id>/<attachment id>.bin`: an uploaded file as it came, under ids the
  store gave (never a name a user chose, so no upload reaches outside its folder); its name,
  type and checksum are in `kb_attachments`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class KnowledgeLayout:
    root: Path  # Settings.kb_dir

    @property
    def attachments_dir(self) -> Path:
        return self.root / "attachments"

    def attachment_file(self, article_id: int, attachment_id: int) -> Path:
        return self.attachments_dir / str(int(article_id)) / f"{int(attachment_id)}.bin"
