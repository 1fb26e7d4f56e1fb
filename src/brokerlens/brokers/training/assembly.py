"""A paper drawn from the question bank.

A fixed exam's paper is its questions in the order given. A random exam draws, for each rule
in turn, `count` questions of the rule's category from the active questions of the bank, with
the attempt's seed: the same seed over the same bank draws the same paper, question for
question (the pool is sorted by question id before drawing, so the store's row order does not
matter). An attempt's seed is derived from the exam, the staff member and the attempt's number
(`attempt_seed`), and kept with the attempt with the paper as drawn.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from brokerlens.errors import Conflict

MAX_DRAW_RULES = 20
MAX_QUESTIONS = 200  # on one paper


@dataclass(frozen=True)
class DrawRule:
    category: str
    count: int


class BankTooSmall(Conflict):
    """The bank has fewer active questions of a category than a rule draws (409)."""

    def __init__(self, category: str, have: int, need: int) -> None:
        super().__init__(
            f"the question bank has {have} active questions of category {category!r}, "
            f"the exam draws {need}",
            hint="add questions of that category or draw fewer",
        )
        self.category = category
        self.have = have
        self.need = need


def attempt_seed(exam_id: int, staff_id: str, number: int) -> int:
    """A 48-bit seed, the same for the same exam, staff member and attempt number."""
    digest = hashlib.sha256(f"{exam_id}:{staff_id}:{number}".encode()).hexdigest()
    return int(digest[:12], 16)


def draw(bank: Mapping[str, Sequence[int]], rules: Sequence[DrawRule], seed: int) -> list[int]:
    """Question ids for the rules (category -> active question ids), in the rules' order."""
    rng = random.Random(seed)
    picked: list[int] = []
    for rule in rules:
        pool = sorted(set(bank.get(rule.category, ())) - set(picked))
        if len(pool) < rule.count:
            raise BankTooSmall(rule.category, len(pool), rule.count)
        picked += rng.sample(pool, rule.count)
    return picked
