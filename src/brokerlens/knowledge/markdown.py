"""Markdown to HTML, safely: a subset written here (no Markdown library is a dependency).

Every character of the source is escaped; the only tags produced are the fixed ones below, and
the only attributes a link's or a picture's address, kept when it is `http(s):`, `mailto:`, a
path on this site (`/kb/articles/12`) or an anchor (`#`). Raw HTML shows as text, so an
article can neither run a script nor change the page (the site's Content-Security-Policy
forbids inline scripts as well).

Blocks: headings (`#` .. `######`, one level below the page's title), paragraphs (a line break
kept), lists (`-`, `*`, `+`, `1.`), quotes (`>`), fenced code (```), rules (`---`), tables
(`| a | b |` with a `|---|---|` line). Inline: `code`, **bold**, *italic*, ~~struck~~,
[links](https://...) and ![pictures](/kb/...).
"""

from __future__ import annotations

import re

from markupsafe import escape

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*\d{1,9}[.)]\s+(.*)$")
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_QUOTE = re.compile(r"^\s*>\s?(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$")
_INLINE = re.compile(
    r"`(?P<code>[^`\n]+)`"
    r"|!\[(?P<alt>[^\]\n]*)\]\((?P<src>[^)\s]+)\)"
    r"|\[(?P<text>[^\]\n]+)\]\((?P<href>[^)\s]+)\)"
    r"|\*\*(?P<strong>[^\n]+?)\*\*"
    r"|~~(?P<del>[^\n]+?)~~"
    r"|\*(?P<em>[^*\n]+)\*"
)
_SAFE_SCHEMES = ("http://", "https://", "mailto:")
_NOT_IN_URL = re.compile(r"[\s\"'<>`\\\x00-\x1f\x7f]")
MAX_DEPTH = 8


def safe_url(url: str) -> str | None:
    """The address when a link may point there (this site, http(s), mail), else None."""
    if not url or _NOT_IN_URL.search(url):
        return None
    if url.startswith("#") or (url.startswith("/") and not url.startswith("//")):
        return url
    if url.lower().startswith(_SAFE_SCHEMES):
        return url
    return None


def _inline(text: str, depth: int = 0) -> str:
    if depth > MAX_DEPTH:
        return str(escape(text))
    out: list[str] = []
    position = 0
    for found in _INLINE.finditer(text):
        out.append(str(escape(text[position : found.start()])))
        out.append(_one(found, depth))
        position = found.end()
    out.append(str(escape(text[position:])))
    return "".join(out)


def _one(found: re.Match[str], depth: int) -> str:
    part = found.groupdict()
    if part["code"] is not None:
        return f"<code>{escape(part['code'])}</code>"
    if part["src"] is not None:
        src = safe_url(part["src"])
        if src is None or not src.startswith("/"):  # pictures from this site only (CSP)
            return str(escape(found.group(0)))
        return f'<img src="{escape(src)}" alt="{escape(part["alt"])}" loading="lazy">'
    if part["href"] is not None:
        href = safe_url(part["href"])
        if href is None:
            return str(escape(found.group(0)))
        outside = "" if href.startswith(("/", "#")) else ' rel="noopener noreferrer nofollow"'
        return f'<a href="{escape(href)}"{outside}>{_inline(part["text"], depth + 1)}</a>'
    for group, tag in (("strong", "strong"), ("del", "del"), ("em", "em")):
        if part[group] is not None:
            return f"<{tag}>{_inline(part[group], depth + 1)}</{tag}>"
    return str(escape(found.group(0)))


def _cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") else inner
    return [c.strip() for c in inner.split("|")]


def _table(lines: list[str], start: int) -> tuple[str, int] | None:
    if start + 1 >= len(lines) or "|" not in lines[start]:
        return None
    if not _TABLE_SEPARATOR.match(lines[start + 1]) or "|" not in lines[start + 1]:
        return None
    head = _cells(lines[start])
    rows, end = [], start + 2
    while end < len(lines) and "|" in lines[end] and lines[end].strip():
        rows.append(_cells(lines[end]))
        end += 1
    width = len(head)
    head_html = "".join(f"<th>{_inline(c)}</th>" for c in head)
    body_html = "".join(
        "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in (r + [""] * width)[:width]) + "</tr>"
        for r in rows
    )
    html = f'<div class="table-wrap"><table class="data"><thead><tr>{head_html}</tr></thead>'
    return f"{html}<tbody>{body_html}</tbody></table></div>", end


def _list(lines: list[str], start: int, item: re.Pattern[str], tag: str) -> tuple[str, int]:
    items: list[str] = []
    end = start
    while end < len(lines):
        found = item.match(lines[end])
        if found is not None:
            items.append(found.group(1))
        elif lines[end].strip() and items and lines[end].startswith((" ", "\t")):
            items[-1] += "\n" + lines[end].strip()  # a continued item
        else:
            break
        end += 1
    inner = "".join(f"<li>{_lines(i)}</li>" for i in items)
    return f"<{tag}>{inner}</{tag}>", end


def _lines(text: str) -> str:
    return "<br>".join(_inline(line) for line in text.split("\n"))


def _fence(lines: list[str], start: int) -> tuple[str, int]:
    marker = _FENCE.match(lines[start])
    assert marker is not None
    end = start + 1
    while end < len(lines) and not lines[end].strip().startswith(marker.group(1)):
        end += 1
    code = "\n".join(lines[start + 1 : end])
    return f"<pre><code>{escape(code)}</code></pre>", min(end + 1, len(lines))


def _quote(lines: list[str], start: int, depth: int) -> tuple[str, int]:
    inner, end = [], start
    while end < len(lines):
        found = _QUOTE.match(lines[end])
        if found is None:
            break
        inner.append(found.group(1))
        end += 1
    return f"<blockquote>{render(chr(10).join(inner), _depth=depth + 1)}</blockquote>", end


def _paragraph(lines: list[str], start: int) -> tuple[str, int]:
    end = start
    while end < len(lines) and lines[end].strip() and not _starts_block(lines, end):
        end += 1
    end = max(end, start + 1)
    return f"<p>{_lines(chr(10).join(x.strip() for x in lines[start:end]))}</p>", end


def _starts_block(lines: list[str], at: int) -> bool:
    line = lines[at]
    return bool(
        _HEADING.match(line)
        or _FENCE.match(line)
        or _QUOTE.match(line)
        or _RULE.match(line)
        or _BULLET.match(line)
        or _NUMBERED.match(line)
        or _table(lines, at) is not None
    )


def _heading(line: str) -> str:
    found = _HEADING.match(line)
    assert found is not None
    level = min(len(found.group(1)) + 1, 6)  # the page's title is the h1
    return f"<h{level}>{_inline(found.group(2))}</h{level}>"


def _block(lines: list[str], at: int, depth: int) -> tuple[str, int]:
    line = lines[at]
    if _FENCE.match(line):
        return _fence(lines, at)
    if _HEADING.match(line):
        return _heading(line), at + 1
    if _RULE.match(line):
        return "<hr>", at + 1
    if _QUOTE.match(line) and depth < MAX_DEPTH:
        return _quote(lines, at, depth)
    if _BULLET.match(line):
        return _list(lines, at, _BULLET, "ul")
    if _NUMBERED.match(line):
        return _list(lines, at, _NUMBERED, "ol")
    table = _table(lines, at)
    if table is not None:
        return table
    return _paragraph(lines, at)


def render(text: str, *, _depth: int = 0) -> str:
    """The Markdown `text` as HTML made only of the tags above, everything else escaped."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    out: list[str] = []
    at = 0
    while at < len(lines):
        if not lines[at].strip():
            at += 1
            continue
        html, at = _block(lines, at, _depth)
        out.append(html)
    return "\n".join(out)
