"""A question file (CSV or YAML) read into checked questions, all or nothing: the first problem
is refused with the file, the line and the column (field) named.

CSV: a header row, then one question a row (UTF-8, a BOM allowed, or GBK). Columns, in any
order, by their English or Chinese names: `kind` 题型, `stem` 题干, `A` .. `H` (the options'
texts; empty ones are left out), `answer` 答案, `category` 分类, `difficulty` 难度 (optional),
`explanation` 解析 (optional).

YAML: a list of questions (or a mapping with the list under `questions`), each a mapping with
`kind`, `stem`, `options` (a list of texts), `answer` (a text such as `AC` or a list),
`category`, and optionally `difficulty` and `explanation`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from brokerlens.brokers.training.questions import (
    KEYS,
    CheckedQuestion,
    QuestionInput,
    QuestionRejected,
    check_question,
)
from brokerlens.errors import InvalidRequest
from brokerlens.settings_file import YamlProblem, read_yaml

MAX_FILE_BYTES = 2_000_000
MAX_QUESTIONS = 2_000
FORMATS = ("csv", "yaml")
COLUMN_NAMES = {
    "kind": "kind",
    "题型": "kind",
    "stem": "stem",
    "题干": "stem",
    "question": "stem",
    "answer": "answer",
    "答案": "answer",
    "category": "category",
    "分类": "category",
    "difficulty": "difficulty",
    "难度": "difficulty",
    "explanation": "explanation",
    "解析": "explanation",
    **{k: k for k in KEYS},
    **{k.lower(): k for k in KEYS},
    **{f"选项{k}": k for k in KEYS},
}
REQUIRED_COLUMNS = ("kind", "stem", "answer", "category")
FIELDS = ("kind", "stem", "options", "answer", "category", "difficulty", "explanation")


class QuestionFileRejected(InvalidRequest):
    """A question file is unusable (422): the message names the file, line and column."""

    def __init__(
        self, file: str, problem: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        where = ", ".join(
            p
            for p in (file, f"line {line}" if line else None, column and f"column {column!r}")
            if p
        )
        super().__init__(
            f"{where}: {problem}",
            hint="fix that line and import the file again; nothing of it was imported",
        )
        self.file, self.line, self.column, self.problem = file, line, column, problem


@dataclass(frozen=True)
class FileQuestion:
    line: int
    question: CheckedQuestion


def file_format(name: str, declared: str | None = None) -> str:
    """csv or yaml, from a declared format or content type, else the file name's ending."""
    hint = (declared or "").lower()
    for fmt, words in (("csv", ("csv",)), ("yaml", ("yaml", "yml"))):
        if any(w in hint for w in words):
            return fmt
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".yaml", ".yml")):
        return "yaml"
    raise QuestionFileRejected(name, "say whether it is CSV or YAML (a .csv or .yaml file)")


def _decode(data: bytes, name: str) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise QuestionFileRejected(name, f"larger than {MAX_FILE_BYTES:,} bytes")
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise QuestionFileRejected(name, "neither UTF-8 nor GBK text")


def _checked(name: str, line: int, entry: QuestionInput) -> FileQuestion:
    try:
        return FileQuestion(line, check_question(entry))
    except QuestionRejected as exc:
        raise QuestionFileRejected(name, exc.problem, line=line, column=exc.field) from None


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise QuestionFileRejected(name, "empty: no header row")
        columns = [COLUMN_NAMES.get(h.strip().lower(), COLUMN_NAMES.get(h.strip())) for h in header]
        unknown = [h for h, c in zip(header, columns, strict=True) if c is None and h.strip()]
        if unknown:
            raise QuestionFileRejected(
                name, f"unknown column {unknown[0][:40]!r}", line=1, column=unknown[0][:40]
            )
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise QuestionFileRejected(name, f"no column {missing[0]!r}", line=1)
        start = reader.line_num + 1
        for row in reader:
            if any(cell.strip() for cell in row):
                if len(row) > len(columns):
                    raise QuestionFileRejected(
                        name, f"{len(row)} fields, the header has {len(columns)}", line=start
                    )
                yield start, {c: v for c, v in zip(columns, row, strict=False) if c}
            start = reader.line_num + 1
    except csv.Error as exc:
        raise QuestionFileRejected(name, f"not valid CSV: {exc}", line=reader.line_num) from None


def _from_csv(text: str, name: str) -> list[FileQuestion]:
    out = []
    for line, row in _csv_rows(text, name):
        entry = QuestionInput(
            kind=row.get("kind", ""),
            stem=row.get("stem", ""),
            category=row.get("category", ""),
            answer=row.get("answer", ""),
            options=[row.get(k, "") for k in KEYS],
            difficulty=row.get("difficulty") or None,
            explanation=row.get("explanation") or None,
        )
        out.append(_checked(name, line, entry))
        if len(out) > MAX_QUESTIONS:
            raise QuestionFileRejected(name, f"more than {MAX_QUESTIONS:,} questions", line=line)
    return out


def _yaml_items(text: str, name: str) -> list[tuple[int, Any]]:
    try:
        data = read_yaml(text)
    except YamlProblem as exc:
        raise QuestionFileRejected(name, f"not valid YAML: {exc.problem}", line=exc.line) from None
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    if isinstance(data, dict) and "questions" in data and isinstance(node, yaml.MappingNode):
        data = data["questions"]
        node = next(v for k, v in node.value if k.value == "questions")
    if not isinstance(data, list) or not isinstance(node, yaml.SequenceNode):
        raise QuestionFileRejected(name, "a list of questions (or `questions:` with one)")
    return [(n.start_mark.line + 1, item) for n, item in zip(node.value, data, strict=True)]


def _field(item: dict[str, Any], key: str) -> Any:
    value = item.get(key)
    return value if value is None or isinstance(value, str | list) else str(value)


def _from_yaml(text: str, name: str) -> list[FileQuestion]:
    out = []
    items = _yaml_items(text, name)
    if len(items) > MAX_QUESTIONS:
        raise QuestionFileRejected(name, f"more than {MAX_QUESTIONS:,} questions")
    for line, item in items:
        if not isinstance(item, dict):
            raise QuestionFileRejected(name, "a question is a mapping (kind, stem ...)", line=line)
        extra = sorted(str(k) for k in item if k not in FIELDS)
        if extra:
            raise QuestionFileRejected(name, "unknown field", line=line, column=extra[0][:40])
        options = item.get("options") or []
        if not isinstance(options, list) or any(isinstance(o, dict | list) for o in options):
            raise QuestionFileRejected(name, "a list of texts", line=line, column="options")
        answer = _field(item, "answer")
        entry = QuestionInput(
            kind=str(item.get("kind") or ""),
            stem=str(item.get("stem") or ""),
            category=str(item.get("category") or ""),
            answer=[str(a) for a in answer] if isinstance(answer, list) else (answer or ""),
            options=[str(o) for o in options if o is not None],
            difficulty=_field(item, "difficulty"),
            explanation=_field(item, "explanation"),
        )
        out.append(_checked(name, line, entry))
    return out


def read_question_file(data: bytes, name: str, fmt: str | None = None) -> list[FileQuestion]:
    """Every question of the file, checked; QuestionFileRejected at the first problem."""
    kind = file_format(name, fmt)
    text = _decode(data, name)
    found = _from_csv(text, name) if kind == "csv" else _from_yaml(text, name)
    if not found:
        raise QuestionFileRejected(name, "no question in it")
    return found
