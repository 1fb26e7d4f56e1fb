"""Read a page as a Chinese user sees it and say what does not read as Chinese.

`problems(html)` takes the visible text (no <script>/<style>, nothing aria-hidden, no hidden
input; `placeholder` included, `title` not: a hover may carry a code) and lists:

- an English word (two or more ASCII letters) outside `ALLOWED_WORDS`;
- a snake_case code (`customer_tier`, `view_360`);
- a unit or staff code (U00007, S000081) shown as text instead of a name;
- a number that bypassed the formatter: four or more digits without thousands separators
  (not a year, a date, a time, a six-digit ticker, a masked value or an id glued to letters),
  or more than two decimals.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# Words a Chinese page may show: product and market terms, file formats, the brand, tier names.
ALLOWED_WORDS = frozenset(
    {
        "brokerlens",
        "API",
        "App",
        "APP",  # APP推送: how a Chinese page names a push to the brokerage's app
        "CSV",
        "Excel",
        "ETF",
        "LOF",
        "QDII",
        "REITs",
        "VIP",
        "IP",
        "PC",
        "SH",
        "SZ",
        "ST",  # special-treatment shares: ST信材, *ST兴药
        "BJ",
        "YAML",
    }
)

SKIPPED_TAGS = frozenset({"script", "style", "head"})
VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)

# Removed before the number check: dates, times, IPv4 addresses, version strings, masked values
# (138****1234), and four digits before 万/亿 (1000万 is how a bucket reads, not 1,000万).
_NOT_NUMBERS = re.compile(
    r"\b\d{4}(?=[万亿])|\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}(?::\d{2})?|\b\d{1,3}(?:\.\d{1,3}){3}\b|\bv\d+(?:\.\d+)+"
    r"|[\d*]*\*[\d*]*"
)
_YEAR = re.compile(r"^(19|20)\d{2}$")
_TOKENS = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|\d[\d,]*(?:\.\d+)?")
_ORG_CODE = re.compile(r"^(?:U\d{5}|S\d{6})$")
_TICKER = re.compile(r"^\d{6}$")


class _Text(HTMLParser):
    """Collects visible text runs; a skipped element's text is dropped with its children."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = []
        self._stack: list[bool] = []  # per open element: is it skipped

    def _skipping(self) -> bool:
        return any(self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skipped = (
            tag in SKIPPED_TAGS
            or values.get("aria-hidden") == "true"
            or values.get("translate") == "no"  # a name or username: data, not words
            or not (values.get("lang") or "zh").startswith("zh")  # the language switch
        )
        if not self._skipping() and not skipped:
            if values.get("placeholder"):
                self.runs.append(values["placeholder"] or "")
            if (
                tag == "input"
                and values.get("type") in ("submit", "button")
                and values.get("value")
            ):
                self.runs.append(values["value"] or "")
        if tag not in VOID_TAGS:
            self._stack.append(skipped)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_TAGS and self._stack:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID_TAGS or not self._stack:
            return
        self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping() and data.strip():
            self.runs.append(data.strip())


def visible_text(html: str) -> list[str]:
    """The page's visible text runs, in order."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.runs


def run_problems(text: str) -> list[str]:
    """What is wrong with one run of visible text."""
    found: list[str] = []
    for match in _TOKENS.finditer(_NOT_NUMBERS.sub(" ", text)):
        token = match.group()
        if token[0].isdigit():
            found += _number_problems(token)
            continue
        letters = sum(c.isalpha() for c in token)
        if "_" in token.strip("_") and letters:
            found.append(f"code {token!r}")
        elif _ORG_CODE.match(token):
            found.append(f"unit/staff code {token!r}")
        elif any(c.isdigit() for c in token):
            continue  # an id: C000000123, T00012345, R3, 2025Q4
        elif letters >= 2 and token not in ALLOWED_WORDS:
            found.append(f"English {token!r}")
    return found


def _number_problems(token: str) -> list[str]:
    whole, _, decimals = token.partition(".")
    if "," not in whole and len(whole) >= 5 and not _TICKER.match(whole):
        return [f"number without separators {token!r}"]
    if "," not in whole and len(whole) == 4 and not _YEAR.match(whole):
        return [f"number without separators {token!r}"]  # 4828, not a year
    if "," in whole and not re.fullmatch(r"\d{1,3}(,\d{3})+", whole):
        return []  # a list "1,2,3", not a number
    if len(decimals) > 2:
        return [f"number with {len(decimals)} decimals {token!r}"]
    return []


def problems(html: str) -> list[str]:
    """Every problem of the page, each with the text it was found in."""
    out: list[str] = []
    for run in visible_text(html):
        out += [f"{p} in {run[:80]!r}" for p in run_problems(run)]
    return out
