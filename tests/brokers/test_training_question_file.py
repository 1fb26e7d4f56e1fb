"""A question file (CSV or YAML) is read whole or refused at its first problem, with the file,
the line and the column named; Chinese column names and words work as the English ones."""

from __future__ import annotations

import pytest

from brokerlens.brokers.training.question_file import QuestionFileRejected, read_question_file

CSV = """kind,category,difficulty,stem,A,B,C,D,answer,explanation
single,合规,easy,客户风险等级为C1时可购买的产品风险等级上限是？,R1,R2,R3,R4,A,C1 对应 R1
multiple,合规,medium,"以下哪些属于适当性管理的内容？",了解客户,了解产品,收益承诺,匹配销售,"A,B,D",
true_false,产品,hard,货币基金保本保收益。,,,,,错,
"""

CSV_ZH = """题型,分类,难度,题干,A,B,C,答案,解析
单选,合规,易,开户需要？,身份证,户口本,驾照,A,
判断,合规,难,可以代客理财。,,,,×,
"""

YAML = """questions:
  - kind: single
    category: 合规
    stem: 两融业务开户资产要求是？
    options: [五十万, 三十万, 十万]
    answer: A
  - kind: multiple
    category: 产品
    difficulty: hard
    stem: 以下哪些是权益类基金？
    options: [股票型, 货币型, 偏股混合型]
    answer: [A, C]
    explanation: 货币基金不是
  - kind: true_false
    category: 产品
    stem: ETF 可以在场内交易。
    answer: true
"""


def test_a_csv_file_reads_every_question() -> None:
    found = read_question_file(CSV.encode(), "bank.csv")
    assert [f.line for f in found] == [2, 3, 4]
    single, multiple, true_false = (f.question for f in found)
    assert single.answer == ["A"] and [o["text"] for o in single.options][:2] == ["R1", "R2"]
    assert multiple.answer == ["A", "B", "D"] and multiple.explanation is None
    assert true_false.options == [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
    assert true_false.answer == ["F"] and true_false.difficulty == "hard"


def test_chinese_headers_and_words_and_a_gbk_file() -> None:
    found = read_question_file(CSV_ZH.encode("gbk"), "题库.csv")
    assert [(f.question.kind, f.question.difficulty) for f in found] == [
        ("single", "easy"),
        ("true_false", "hard"),
    ]
    assert found[1].question.answer == ["F"]


def test_a_yaml_file_reads_every_question_with_its_line() -> None:
    found = read_question_file(YAML.encode(), "bank.yaml")
    assert [f.line for f in found] == [2, 7, 14]
    assert found[1].question.answer == ["A", "C"] and found[2].question.answer == ["T"]


@pytest.mark.parametrize(
    ("text", "name", "line", "column", "words"),
    [
        (CSV.replace("A,B,D", "A"), "bank.csv", 3, "answer", "at least two"),
        (CSV.replace(",A,C1", ",E,C1"), "bank.csv", 2, "answer", "not an option"),
        (CSV.replace("single,合规", "essay,合规"), "bank.csv", 2, "kind", "single, multiple"),
        (CSV.replace("true_false,产品,hard", "true_false,,hard"), "bank.csv", 4, "category", ""),
        (CSV.replace(",错,", ",也许,"), "bank.csv", 4, "answer", "T or F"),
        (CSV.replace("kind,", "kind,colour,", 1), "bank.csv", 1, "colour", "unknown column"),
        (YAML.replace("answer: [A, C]", "answer: [A, D]"), "bank.yaml", 7, "answer", "D"),
        (YAML.replace("    answer: A\n", "    answer: A\n    points: 3\n"), "bank.yaml", 2,
         "points", "unknown field"),
        (YAML.replace("options: [五十万, 三十万, 十万]", "options: [五十万]"), "bank.yaml", 2,
         "options", "1 options"),
    ],
)  # fmt: skip
def test_a_problem_names_the_file_line_and_column(
    text: str, name: str, line: int, column: str, words: str
) -> None:
    with pytest.raises(QuestionFileRejected) as refused:
        read_question_file(text.encode(), name)
    problem = refused.value
    assert (problem.file, problem.line, problem.column) == (name, line, column)
    assert f"{name}, line {line}, column {column!r}" in str(problem) and words in str(problem)


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "bank.csv", "no header"),
        (b"kind,stem,answer,category\n", "bank.csv", "no question"),
        (b"kind,stem,answer\n", "bank.csv", "no column 'category'"),
        (b"[" * 3000, "bank.yaml", "not valid YAML"),
        (b"a: b", "bank.yaml", "a list of questions"),
        (b"x", "bank.txt", "CSV or YAML"),
        (b"\xff\xfe\xfa\x00\x81", "bank.csv", "neither UTF-8 nor GBK"),
    ],
)
def test_an_unusable_file_is_refused_clearly(data: bytes, name: str, words: str) -> None:
    with pytest.raises(QuestionFileRejected, match=words):
        read_question_file(data, name)
