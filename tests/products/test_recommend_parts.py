"""The recommender's parts on hand-made inputs: EASE's weights, the top k, the metrics of the
evaluation, reasons in words."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse

from brokerlens.products.recommend.evaluate import _measure
from brokerlens.products.recommend.model import ease_weights
from brokerlens.products.recommend.reasons import reason_lists, suitability, word
from brokerlens.products.recommend.score import top_k


def test_ease_weights_follow_co_purchases() -> None:
    # products 0 and 1 are bought together, 2 alone, 3 by everyone
    seen = sparse.csr_matrix(
        np.array([[1, 1, 0, 1], [1, 1, 0, 1], [1, 1, 0, 1], [0, 0, 1, 1], [0, 0, 1, 1]], np.float32)
    )
    b = ease_weights(seen, lam=0.5)
    assert np.allclose(np.diag(b), 0)
    assert b[0, 1] > 0.3 and b[1, 0] > 0.3  # who bought 0 is recommended 1
    assert b[0, 2] < 0 and b[2, 0] < 0  # never together
    scores = np.asarray(sparse.csr_matrix([[1, 0, 0, 0]], dtype=np.float32) @ b)[0]
    assert int(np.argmax(scores)) == 1


def test_ease_is_deterministic() -> None:
    rng = np.random.default_rng(1)
    seen = sparse.csr_matrix((rng.random((200, 30)) < 0.1).astype(np.float32))
    assert np.array_equal(ease_weights(seen, 5.0), ease_weights(seen, 5.0))


def test_top_k_best_first_and_ties_by_position() -> None:
    z = np.array([[0.1, 0.9, 0.5, 0.9, -np.inf], [3.0, 2.0, 1.0, 0.0, -1.0]])
    assert top_k(z, 3).tolist() == [[1, 3, 2], [0, 1, 2]]
    assert top_k(z, 10).shape == (2, 5)


def test_metrics_by_hand() -> None:
    # customer 0 bought products 2 and 4, customer 1 bought product 0
    truth = np.zeros((2, 5), bool)
    truth[0, [2, 4]] = True
    truth[1, 0] = True
    top = np.array([[4, 1, 3], [1, 2, 3]])
    valid = np.ones_like(top, bool)
    hit, recall, ndcg = _measure(top, valid, truth, k=3)
    assert hit == 1.0  # customer 0 only
    assert recall == pytest.approx(0.5)
    ideal = 1 + 1 / math.log2(3)
    assert ndcg == pytest.approx(1 / ideal)
    # an invalid slot (nothing suitable left) is never a hit
    assert _measure(top, np.zeros_like(top, bool), truth, 3)[0] == 0.0


def test_reasons_in_words() -> None:
    codes = np.array(["same_type", "cash", "maturing", "chase", "pop", None], dtype=object)
    values = np.array([3.0, 125_000.0, 250_000_000.0, 0.2, np.nan, np.nan])
    texts = np.array([None] * 6, dtype=object)
    got = word(codes, values, texts).to_pylist()
    assert got == [
        "持有或买过同类产品 3 只",
        "可用资金 12.5万 待投资",
        "到期资金 2.5亿 待再投资",
        "近3月收益居同类前 20%",
        "全公司近期热销",
        None,
    ]
    fit = suitability(
        np.array(["R3", "R5"], dtype=object),
        np.array(["C3", None], dtype=object),
        np.array([False, True]),
    ).to_pylist()
    assert fit == ["风险等级 R3 与测评 C3 匹配", "专业投资者: 产品风险等级 R5 可匹配"]
    lists = reason_lists(
        [word(codes[:2], values[:2], texts[:2]), word(codes[4:], values[4:], texts[4:])]
    )
    assert lists.to_pylist() == [
        ["持有或买过同类产品 3 只", "全公司近期热销"],
        ["可用资金 12.5万 待投资"],
    ]
