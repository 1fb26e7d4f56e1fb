"""Markdown files as articles (`brokerlens kb import`): the title is the front matter's
`title`, else the first `# ` heading (taken out of the body), else the file's name; the front
matter (a `---` block of YAML at the top) may also give `category`, `tags`, `roles` and `units`,
which win over the command's options. The text is read as UTF-8."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from brokerlens.errors import InputError

_FRONT = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^#[ \t]+(.+?)[ \t#]*$", re.M)
KEYS = ("title", "category", "tags", "roles", "units")


@dataclass(frozen=True)
class ImportedArticle:
    path: Path
    title: str
    body: str
    category: str | None = None
    tags: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)


def _words(value: object, key: str, path: Path) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [w for w in re.split(r"[\s,，、]+", value) if w]
    if isinstance(value, list) and all(isinstance(v, str | int) for v in value):
        return [str(v) for v in value]
    raise InputError(f"`{key}` is a list of words", file=str(path))


def _front_matter(text: str, path: Path) -> tuple[dict[str, object], str]:
    found = _FRONT.match(text)
    if found is None:
        return {}, text
    try:
        values = yaml.safe_load(found.group(1)) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"the front matter is not YAML: {exc}", file=str(path)) from None
    if not isinstance(values, dict):
        raise InputError("the front matter is not a mapping of keys", file=str(path))
    unknown = sorted(str(k) for k in values if k not in KEYS)
    if unknown:
        raise InputError(
            f"unknown front matter key {unknown[0]!r}", file=str(path), hint=f"one of {KEYS}"
        )
    return values, text[found.end() :]


def parse_markdown(text: str, path: Path) -> ImportedArticle:
    """The article a Markdown file holds."""
    values, body = _front_matter(text.lstrip("\ufeff"), path)
    title = str(values.get("title") or "").strip()
    if not title:
        heading = _HEADING.search(body)
        if heading is not None and not body[: heading.start()].strip():
            title = heading.group(1).strip()
            body = body[heading.end() :]
        else:
            title = path.stem
    category = values.get("category")
    return ImportedArticle(
        path=path,
        title=title,
        body=body.strip(),
        category=None if category is None else str(category),
        tags=_words(values.get("tags"), "tags", path),
        roles=_words(values.get("roles"), "roles", path),
        units=_words(values.get("units"), "units", path),
    )


def markdown_files(paths: list[Path]) -> list[Path]:
    """The `.md` files named, and those in the folders named (sorted), each once."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.md") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise InputError("no such file or folder", file=str(path))
    if not found:
        raise InputError("no Markdown (.md) file found", hint="name .md files or folders of them")
    return list(dict.fromkeys(found))


def read_markdown(path: Path) -> ImportedArticle:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(path), hint="save it as UTF-8") from None
    return parse_markdown(text, path)
