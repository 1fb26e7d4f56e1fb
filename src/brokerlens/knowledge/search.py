"""Search words as the store's queries take them, and what a result shows of its match.

A query is split at spaces (half- or full-width) into terms that must all be found, each as a
substring of the title, the tags or the body. Chinese has no spaces between words, so a term is
matched as written: `基金定投` finds 基金定投 and not 定投基金; `基金 定投` finds both.

The stores' trigram indexes take a term of three characters or more (`FTS_MIN`); a shorter one
(常见的两字词: 基金, 两融) is matched by LIKE over the same columns, which reads every article
of the candidates (fast enough at the knowledge base's size: docs/knowledge.md has the bench).
Text for the store is always bound, never pasted: `fts_phrase` makes an FTS5 phrase string
(a bound parameter of MATCH), LIKE patterns are escaped by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_QUERY = 100  # characters of a query
MAX_TERMS = 8
FTS_MIN = 3  # the trigram indexes' shortest term
SNIPPET_BEFORE = 30
SNIPPET_LENGTH = 120

_SPACES = re.compile(r"[\s\u3000\x00-\x1f\x7f]+")  # control characters part terms too
_MARKUP = re.compile(r"!?\[([^\]\n]*)\]\([^)\s]*\)|[#>*_`|~]+|^\s*[-+]\s+|^\s*\d+[.)]\s+", re.M)


@dataclass(frozen=True)
class Part:
    """A piece of shown text; `match` when it is one of the query's terms."""

    text: str
    match: bool = False


def query_terms(text: str | None) -> list[str]:
    """The distinct terms of a query, in order (case ignored), at most MAX_TERMS."""
    terms: list[str] = []
    for term in _SPACES.split((text or "").strip()):
        if term and term.casefold() not in {t.casefold() for t in terms}:
            terms.append(term)
    return terms[:MAX_TERMS]


def fts_phrase(terms: list[str]) -> str:
    """An FTS5 query finding every term as a phrase (a substring, with the trigram tokenizer):
    each term an FTS5 string - in double quotes, a quote inside written twice - so no term is
    read as query syntax. The query is FTS5's language, bound as MATCH's parameter: never SQL
    text (SQL's own quoting is engine.sqltext's)."""
    return " AND ".join('"' + '""'.join(t.split('"')) + '"' for t in terms)


def plain_text(markdown: str) -> str:
    """Markdown without its marks, for a result's snippet (links keep their text)."""
    text = _MARKUP.sub(lambda m: m.group(1) or "", markdown)
    return _SPACES.sub(" ", text).strip()


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    ordered = sorted(terms, key=len, reverse=True)  # the longest term wins where two overlap
    return re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE)


def highlight(text: str, terms: list[str]) -> list[Part]:
    """`text` cut into parts, the terms' occurrences marked."""
    pattern = _pattern(terms)
    if pattern is None:
        return [Part(text)] if text else []
    parts: list[Part] = []
    position = 0
    for found in pattern.finditer(text):
        if found.start() > position:
            parts.append(Part(text[position : found.start()]))
        parts.append(Part(found.group(0), True))
        position = found.end()
    if position < len(text):
        parts.append(Part(text[position:]))
    return parts


def snippet(markdown: str, terms: list[str]) -> list[Part]:
    """About SNIPPET_LENGTH characters of the body's text around the first term found (the
    body's start when none is), the terms marked; `…` where it is cut."""
    text = plain_text(markdown)
    pattern = _pattern(terms)
    found = pattern.search(text) if pattern is not None else None
    start = max(0, found.start() - SNIPPET_BEFORE) if found is not None else 0
    end = min(len(text), start + SNIPPET_LENGTH)
    shown = ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")
    return highlight(shown, terms)


def occurrences(text: str, terms: list[str]) -> int:
    pattern = _pattern(terms)
    return 0 if pattern is None else sum(1 for _ in pattern.finditer(text))
