"""Cheaper argon2id parameters for the test suite's passwords.

Every sign-in verifies a password and every user added hashes one: with brokerlens's parameters
(argon2-cffi's RFC 9106 low-memory profile: t=3, 64 MiB, p=4) each costs ~0.13 s of CPU, over
thousands of sign-ins and users in the suite. Tests hash with argon2id at t=1, 1 MiB, p=1 instead
(as Django's test settings swap in a fast hasher); the hashes are still argon2id, verified by
their own parameters. The production parameters are asserted on `PRODUCTION` by
tests/auth/test_auth_passwords.py, and a hash made with other parameters still asks for a rehash.
"""

from __future__ import annotations

from argon2 import PasswordHasher

from brokerlens.auth import passwords

PRODUCTION = passwords._hasher


def install() -> None:
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
