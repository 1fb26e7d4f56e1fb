"""The lowest-category (风险承受能力最低类别) triggers of the questionnaire versions, as data.

suitability's definitions (shipped and the installation's) say which answers, and which age at
the assessment, place an investor in the lowest category. They become two small relations the
risk indicators join on, so the SQL holds no version, question or option of its own:
`lowest_answer_triggers` (questionnaire_version, answer_path, option_id) with answer_path the
JSON path of the question in `risk_assessments.answers` (question ids are [A-Za-z0-9_]+), and
`lowest_age_limits` (questionnaire_version, min_age).
"""

from __future__ import annotations

from collections.abc import Mapping

import pyarrow as pa

from brokerlens.engine import Engine
from brokerlens.suitability.questionnaire import Definition

TRIGGER_COLUMNS = [
    ("questionnaire_version", "VARCHAR"),
    ("answer_path", "VARCHAR"),
    ("option_id", "VARCHAR"),
]
AGE_COLUMNS = [("questionnaire_version", "VARCHAR"), ("min_age", "BIGINT")]


def trigger_tables(definitions: Mapping[str, Definition]) -> tuple[pa.Table, pa.Table]:
    triggers = [
        (version, f"$.{t.question}", t.option)
        for version, d in sorted(definitions.items())
        for t in d.lowest_category.answers
    ]
    ages = [
        (version, d.lowest_category.min_age)
        for version, d in sorted(definitions.items())
        if d.lowest_category.min_age is not None
    ]
    names = [n for n, _ in TRIGGER_COLUMNS]
    answer_table = pa.table(
        {n: pa.array([t[i] for t in triggers], pa.string()) for i, n in enumerate(names)}
    )
    age_table = pa.table(
        {
            "questionnaire_version": pa.array([v for v, _ in ages], pa.string()),
            "min_age": pa.array([a for _, a in ages], pa.int64()),
        }
    )
    return answer_table, age_table


def register_triggers(engine: Engine, definitions: Mapping[str, Definition]) -> None:
    answers, ages = trigger_tables(definitions)
    engine.register_table("lowest_answer_triggers", answers)
    engine.register_table("lowest_age_limits", ages)
