"""Rule conditions over generated text (issue 24): whatever a catalog's author writes, the
checker either refuses it with a CatalogError naming where, or returns SQL made only of the
catalog's indicator names (quoted), whitelisted operators and functions, numerals and string
literals that read back as the literals written; never another exception."""

from __future__ import annotations

import re
from collections import Counter

import sqlglot
from hypothesis import example, given, settings
from hypothesis import strategies as st
from sqlglot import exp
from sqlglot.tokens import TokenType

from brokerlens.classify import CatalogError
from brokerlens.classify.expression import check_condition
from brokerlens.indicators import builtin_indicators

INDICATORS = builtin_indicators()
NUMBER_NAMES = sorted(k for k, v in INDICATORS.items() if v.type == "number")[:8]
TEXT_NAMES = sorted(k for k, v in INDICATORS.items() if v.type == "text")
WHERE = "probe.yaml: classification 'p', rule 1, field `when`"

# What the rendered SQL may hold, token by token.
PUNCTUATION = {
    TokenType.L_PAREN, TokenType.R_PAREN, TokenType.COMMA, TokenType.PLUS, TokenType.DASH,
    TokenType.STAR, TokenType.SLASH, TokenType.EQ, TokenType.NEQ, TokenType.LT, TokenType.LTE,
    TokenType.GT, TokenType.GTE,
}  # fmt: skip
KEYWORDS = {
    TokenType.AND, TokenType.OR, TokenType.NOT, TokenType.IS, TokenType.NULL, TokenType.IN,
    TokenType.BETWEEN, TokenType.TRUE, TokenType.FALSE,
}  # fmt: skip
FUNCTIONS = {"greatest", "least", "abs", "coalesce", "round", "nullif"}
NUMERAL = re.compile(r"^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


NAMES = st.one_of(
    st.sampled_from(NUMBER_NAMES + TEXT_NAMES),
    st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True),  # unknown (or keyword) names
    st.text(min_size=1, max_size=8).map(lambda t: '"' + t.replace('"', '""') + '"'),
    st.sampled_from(["x.total_assets_t", "*", "main.total_assets_t", "rowid"]),
)
LITERALS = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(["1_000", "0x1F", "1e", ".5", "1.", "NULL", "TRUE", "FALSE", "1e400"]),
    st.text(max_size=12).map(_quoted),  # any text as a string literal
    st.sampled_from(["';-- /*'", "'a'' OR ''1''=''1'", "E'\\x41'", "$$x$$"]),
)
JUNK = st.sampled_from(
    [";", "--", "/*", "*/", "'", '"', "::", "||", "?", "$1", "@", "(", ")", ",", "\n", "DROP"]
)
FUNCTION_NAMES = st.sampled_from(
    ["greatest", "least", "abs", "coalesce", "round", "nullif", "now", "read_csv", "random",
     "getenv", "upper", "count", "system"]
)  # fmt: skip
BINARY = st.sampled_from(
    ["+", "-", "*", "/", "=", "<>", "!=", "<", "<=", ">", ">=", "AND", "OR", "||", "%", "LIKE"]
)


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, BINARY, inner).map(" ".join),
            inner.map(lambda e: f"NOT {e}"),
            inner.map(lambda e: f"-{e}"),
            inner.map(lambda e: f"({e})"),
            st.tuples(FUNCTION_NAMES, st.lists(inner, max_size=3)).map(
                lambda f: f"{f[0]}({', '.join(f[1])})"
            ),
            st.tuples(inner, st.lists(LITERALS, min_size=1, max_size=3)).map(
                lambda f: f"{f[0]} IN ({', '.join(f[1])})"
            ),
            st.tuples(inner, inner, inner).map(lambda f: f"{f[0]} BETWEEN {f[1]} AND {f[2]}"),
            inner.map(lambda e: f"{e} IS NULL"),
            inner.map(lambda e: f"{e} IS NOT NULL"),
            inner.map(lambda e: f"(SELECT {e})"),
            st.tuples(inner, JUNK, inner).map(" ".join),
        )

    return st.recursive(st.one_of(NAMES, LITERALS), extend, max_leaves=8)


def _conditions() -> st.SearchStrategy[str]:
    """Mostly well-typed conditions (so most are accepted), a name now and then unknown."""
    numbers = st.recursive(
        st.one_of(
            st.sampled_from(NUMBER_NAMES),
            st.integers(-(10**9), 10**9).map(str),
            st.floats(0, 1e9).map(lambda f: f"{f:.3f}"),
            st.from_regex(r"unknown_[a-z]{1,4}", fullmatch=True),
        ),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from("+-*/"), inner).map(" ".join),
            inner.map(lambda e: f"abs({e})"),
            st.tuples(inner, st.integers(0, 4)).map(lambda f: f"round({f[0]}, {f[1]})"),
            st.tuples(st.sampled_from(["greatest", "least", "coalesce"]), inner, inner).map(
                lambda f: f"{f[0]}({f[1]}, {f[2]})"
            ),
            inner.map(lambda e: f"-({e})"),
        ),
        max_leaves=4,
    )
    texts = st.one_of(st.sampled_from(TEXT_NAMES), st.text(max_size=10).map(_quoted))
    comparisons = st.one_of(
        st.tuples(numbers, st.sampled_from(["=", "<>", "<", "<=", ">", ">="]), numbers).map(
            " ".join
        ),
        st.tuples(texts, st.sampled_from(["=", "<>"]), texts).map(" ".join),
        st.tuples(
            st.sampled_from(TEXT_NAMES), st.lists(st.text(max_size=8), min_size=1, max_size=3)
        ).map(lambda f: f"{f[0]} IN ({', '.join(_quoted(v) for v in f[1])})"),
        st.tuples(numbers, numbers, numbers).map(lambda f: f"{f[0]} BETWEEN {f[1]} AND {f[2]}"),
        st.tuples(st.one_of(numbers, texts), st.sampled_from(["IS NULL", "IS NOT NULL"])).map(
            " ".join
        ),
    )
    return st.recursive(
        comparisons,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(" ".join),
            inner.map(lambda e: f"NOT ({e})"),
        ),
        max_leaves=3,
    )


def _strings(tree: exp.Expr) -> Counter[str]:
    return Counter(n.this for n in tree.find_all(exp.Literal) if n.is_string)


def _only_whitelisted(text: str) -> None:
    """Check `text` as a rule's condition: refused with a CatalogError that names where, or
    rendered to SQL holding nothing but whitelisted tokens."""
    try:
        tree = check_condition(text, INDICATORS, WHERE)
    except CatalogError as exc:
        assert str(exc).startswith(WHERE)
        return
    sql = tree.sql("duckdb")
    for token in sqlglot.tokenize(sql, read="duckdb"):
        kind, word = token.token_type, token.text
        if kind == TokenType.IDENTIFIER:
            assert word in INDICATORS, (text, sql, word)
        elif kind == TokenType.VAR:
            assert word.lower() in FUNCTIONS, (text, sql, word)
        elif kind == TokenType.NUMBER:
            assert NUMERAL.match(word), (text, sql, word)
        else:
            assert kind == TokenType.STRING or kind in PUNCTUATION | KEYWORDS, (text, sql, kind)
    # Each string literal written reads back from the SQL as written: no quote escaped from one.
    assert _strings(sqlglot.parse_one(sql, read="duckdb")) == _strings(
        sqlglot.parse_one(text, read="duckdb")
    )
    # Every name in the SQL is quoted: an unquoted word would be read as a name or keyword.
    for column in tree.find_all(exp.Column):
        assert column.this.quoted and column.name in INDICATORS


@settings(max_examples=100, deadline=None)
@given(_expressions())
def test_generated_conditions_are_refused_or_whitelisted(text: str) -> None:
    _only_whitelisted(text)


@settings(max_examples=100, deadline=None)
@given(_conditions())
def test_well_typed_conditions_are_refused_or_whitelisted(text: str) -> None:
    _only_whitelisted(text)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=60))
# found by this property (issue 24): `@` (DuckDB's absolute value) alone parsed to an operator
# without an operand and the checker raised AttributeError
@example("@")
@example("total_assets_t > @")
@example("ELSE")  # ... and a ParseError without errors listed raised IndexError
def test_any_text_is_refused_or_whitelisted(text: str) -> None:
    _only_whitelisted(text)


@settings(max_examples=50, deadline=None)
@given(
    st.sampled_from(TEXT_NAMES),
    st.lists(st.text(max_size=12), min_size=1, max_size=4),
)
def test_text_literals_are_kept_whole(name: str, values: list[str]) -> None:
    """Any text compared with a text indicator is accepted and kept as one literal each, quotes,
    semicolons and comment marks included."""
    text = f"{name} IN ({', '.join(_quoted(v) for v in values)})"
    tree = check_condition(text, INDICATORS, WHERE)
    assert _strings(tree) == Counter(values)
    _only_whitelisted(text)
