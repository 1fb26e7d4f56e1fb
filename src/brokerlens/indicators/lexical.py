"""The lexical gate an expression over indicators passes before it is parsed: one expression,
no comments.

Checked on SQLGlot's tokens and on the raw text outside string literals, so a comment or a second
statement is refused even where the parser would quietly keep or drop it.
"""

from __future__ import annotations

import re
from typing import NoReturn

import sqlglot
from sqlglot.errors import TokenError
from sqlglot.tokens import Token, TokenType

from brokerlens.indicators.errors import ExpressionError

_FORBIDDEN_TEXT = {";": "a `;` (a second statement)", "--": "a comment", "/*": "a comment"}
_NUMERAL = re.compile(r"^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
# A condition is a line or two (the shipped ones have at most 13 tokens, 1 level of brackets);
# bounded so parsing, checking and compiling it never recurse past Python's stack.
MAX_TOKENS = 200
MAX_NESTING = 16


def position(text: str, offset: int) -> str:
    """`line L, column C` (1-based) of a character offset in the condition."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def tokens_of(text: str, where: str) -> list[Token]:
    """The condition's tokens, after refusing comments, `;` and non-SQL numerals."""
    try:
        tokens = sqlglot.tokenize(text, read="duckdb")
    except TokenError as exc:
        raise ExpressionError(f"{where}: cannot read the condition: {exc}") from None
    depth = 0
    for token in tokens:
        depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(token.token_type, 0)
        if depth > MAX_NESTING:
            refuse(
                where,
                f"brackets nested more than {MAX_NESTING} deep / 括号嵌套过深",
                text,
                token.start,
                "(",
            )
    if len(tokens) > MAX_TOKENS:
        raise ExpressionError(
            f"{where}: the condition is too long ({len(tokens)} tokens, at most {MAX_TOKENS}) "
            "/ 条件过长",
            hint="split it into simpler rules",
        )
    strings = [(t.start, t.end) for t in tokens if t.token_type == TokenType.STRING]
    for needle, what in _FORBIDDEN_TEXT.items():
        for match in re.finditer(re.escape(needle), text):
            if not any(lo <= match.start() <= hi for lo, hi in strings):
                refuse(where, what, text, match.start(), needle)
    for token in tokens:
        if token.comments:
            refuse(where, "a comment", text, token.start, token.text)
        if token.token_type == TokenType.SEMICOLON:
            refuse(where, "a `;` (a second statement)", text, token.start, ";")
        raw = text[token.start : token.end + 1]
        if token.token_type == TokenType.NUMBER and not _NUMERAL.match(raw):
            refuse(
                where,
                "write numbers as plain SQL numerals (1000000 or 1e6)",
                text,
                token.start,
                raw,
            )
    return tokens


def refuse(where: str, what: str, text: str, offset: int | None, token: str) -> NoReturn:
    at = f" at {position(text, offset)}" if offset is not None else ""
    raise ExpressionError(f"{where}: refused {what}{at}: `{token}`", hint=f"in `{text}`")
