"""Which files an article may carry, checked before anything is kept: at most
`MAX_ATTACHMENT_BYTES`, a name ending in an allowed extension, and content that looks like it
(a PDF starts `%PDF-`, an Office file is a ZIP, a picture has its signature, text is UTF-8).
Refusals are `AttachmentRejected` (422) naming the field `file`, in Chinese and English.

Kept files are written whole (`brokerlens.atomic`) under `KnowledgeLayout`; they are served
only as downloads (`Content-Disposition: attachment`), never shown in the page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from brokerlens.atomic import atomic_file
from brokerlens.errors import FieldRejected
from brokerlens.knowledge.layout import KnowledgeLayout

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # 10 MB
MAX_NAME = 200

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # the old .doc / .xls / .ppt
_TEXT: tuple[bytes, ...] = ()  # checked as UTF-8 text instead
_OFFICE = "application/vnd.openxmlformats-officedocument"

# extension -> (content type, the signatures its content may start with)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".docx": (f"{_OFFICE}.wordprocessingml.document", _ZIP),
    ".xlsx": (f"{_OFFICE}.spreadsheetml.sheet", _ZIP),
    ".pptx": (f"{_OFFICE}.presentationml.presentation", _ZIP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".ppt": ("application/vnd.ms-powerpoint", _OLE),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain; charset=utf-8", _TEXT),
    ".md": ("text/markdown; charset=utf-8", _TEXT),
    ".csv": ("text/csv; charset=utf-8", _TEXT),
}
ALLOWED_WORDS = "PDF、Word、Excel、PowerPoint、PNG/JPG 图片、TXT/MD/CSV 文本"
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]")


class AttachmentRejected(FieldRejected):
    """The upload cannot be kept (422): its `problem` reads "中文 / English"."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__("file", f"{zh} / {en}")
        self.zh = zh
        self.en = en


@dataclass(frozen=True)
class CheckedFile:
    filename: str  # the name shown and downloaded as (no folders, no control characters)
    content_type: str
    size_bytes: int
    sha256: str


def clean_name(filename: str | None) -> str:
    """The last part of an uploaded name, without characters a file name should not carry."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = _UNSAFE.sub("", name).strip().strip(".")
    if len(name) > MAX_NAME:  # shortened, its extension kept
        extension = Path(name).suffix[:10]
        name = name[: MAX_NAME - len(extension)] + extension
    return name


def _looks_like(data: bytes, signatures: tuple[bytes, ...]) -> bool:
    if signatures:
        return data.startswith(signatures)
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def check_upload(filename: str | None, data: bytes) -> CheckedFile:
    """The upload's name, type, size and checksum, or AttachmentRejected saying why not."""
    name = clean_name(filename)
    if not name:
        raise AttachmentRejected("请选择要上传的文件", "choose a file to upload")
    if len(data) > MAX_ATTACHMENT_BYTES:
        most = MAX_ATTACHMENT_BYTES // (1024 * 1024)
        raise AttachmentRejected(
            f"文件过大：最大 {most} MB", f"the file is larger than {most} MB, the most allowed"
        )
    if not data:
        raise AttachmentRejected("文件是空的", "the file is empty")
    extension = Path(name).suffix.lower()
    allowed = ALLOWED.get(extension)
    if allowed is None:
        shown = extension or "（无扩展名）"
        raise AttachmentRejected(
            f"不允许的文件类型 {shown}，允许：{ALLOWED_WORDS}",
            f"files of type {extension or '(none)'} are not allowed; allowed: "
            + ", ".join(sorted(ALLOWED)),
        )
    content_type, signatures = allowed
    if not _looks_like(data, signatures):
        raise AttachmentRejected(
            f"文件内容与扩展名 {extension} 不符", f"the content is not a {extension} file"
        )
    return CheckedFile(name, content_type, len(data), hashlib.sha256(data).hexdigest())


def keep_file(layout: KnowledgeLayout, article_id: int, attachment_id: int, data: bytes) -> Path:
    """Write the upload whole under its ids; a reader never finds half a file."""
    path = layout.attachment_file(article_id, attachment_id)
    with atomic_file(path) as scratch:
        scratch.write_bytes(data)
    return path


def read_file(layout: KnowledgeLayout, article_id: int, attachment_id: int) -> bytes | None:
    path = layout.attachment_file(article_id, attachment_id)
    return path.read_bytes() if path.is_file() else None
