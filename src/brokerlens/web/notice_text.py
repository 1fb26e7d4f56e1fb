"""A notice's body as HTML, safely: Markdown (CommonMark with tables and strikethrough) with every
raw HTML tag escaped, links only to safe schemes (markdown-it drops javascript:, vbscript:,
file: and data: links) and no images (a page loads nothing from elsewhere); plain text escaped,
its line breaks kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

_markdown: MarkdownIt | None = None


def _link_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "noopener noreferrer nofollow")
    return str(renderer.renderToken(tokens, idx, options, env))


def _parser() -> MarkdownIt:
    global _markdown
    if _markdown is None:
        md = MarkdownIt("commonmark", {"html": False, "breaks": True, "linkify": False})
        md.enable(["table", "strikethrough"]).disable("image")
        md.add_render_rule("link_open", _link_open)
        _markdown = md
    return _markdown


def notice_html(body: str, body_format: str) -> Markup:
    """The body to show: rendered Markdown, or the plain text escaped in a paragraph."""
    if body_format == "markdown":
        return Markup(_parser().render(body))  # raw HTML escaped by the parser (html=False)
    return Markup('<p class="notice-plain">{}</p>').format(body)
