"""Hashing and the password policy (no store needed)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from brokerlens.auth import (
    check_password_policy,
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from brokerlens.auth.policy import password_problems
from brokerlens.errors import InvalidRequest
from support.fast_hashes import PRODUCTION


def test_hash_is_argon2id_and_verifies() -> None:
    hashed = hash_password("Correct-horse-9")
    assert hashed.startswith("$argon2id$")
    assert "Correct-horse-9" not in hashed
    assert verify_password(hashed, "Correct-horse-9")
    assert not verify_password(hashed, "correct-horse-9")
    assert not verify_password("not a hash", "Correct-horse-9")
    assert hash_password("Correct-horse-9") != hashed  # salted


def test_brokerlens_hashes_with_the_rfc_9106_low_memory_profile() -> None:
    # the suite hashes with cheaper parameters (support/fast_hashes.py); brokerlens does not
    assert (PRODUCTION.time_cost, PRODUCTION.memory_cost, PRODUCTION.parallelism) == (3, 65536, 4)
    assert PRODUCTION.hash("Correct-horse-9").startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_weaker_parameters_need_a_rehash() -> None:
    old = PasswordHasher(time_cost=1, memory_cost=8192).hash("Correct-horse-9")
    assert needs_rehash(old)
    assert not needs_rehash(hash_password("Correct-horse-9"))


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Ab1-short", ["at least 10 characters (it has 9)", "至少 10 个字符"]),
        ("alllowercaseletters", ["3 of 4 kinds", "uppercase letters, digits, symbols"]),
        ("lowercase123456", ["add 1 more of: uppercase letters, symbols"]),
        ("Alice-Secret-99", ["must not contain the username", "不能包含用户名"]),
        ("abc", ["at least 10 characters", "add 2 more of"]),
    ],
)
def test_policy_says_what_is_missing(password: str, says: list[str]) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_password_policy(password, "alice")
    for text in says:
        assert text in str(caught.value)
    assert "password" in caught.value.message


@pytest.mark.parametrize(
    "password", ["Correct-horse-9", "correct horse 9", "CORRECT-HORSE-9x", "密码Secret2025"]
)
def test_policy_accepts(password: str) -> None:
    assert password_problems(password, "alice") == []
    check_password_policy(password, "alice")  # no refusal raised
    with pytest.raises(InvalidRequest, match="must not contain the username"):
        check_password_policy(password + "alice", "alice")  # the same, judged: one flaw added


def test_generated_passwords_meet_the_policy() -> None:
    made = [generate_password() for _ in range(200)]
    assert len(set(made)) == 200  # never the same twice
    for password in made:
        assert password_problems(password, "demo_broker") == [], password
        check_password_policy(password, "demo_broker")
