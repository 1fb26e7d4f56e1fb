"""The password policy: >= 10 characters, 3 of 4 kinds of character, not the username."""

from __future__ import annotations

from brokerlens.errors import InvalidRequest

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 takes any length; this only bounds the work a request can cause
MIN_KINDS = 3

_KIND_NAMES = {
    "lower": ("小写字母", "lowercase letters"),
    "upper": ("大写字母", "uppercase letters"),
    "digit": ("数字", "digits"),
    "symbol": ("符号", "symbols"),
}


def _kinds(password: str) -> set[str]:
    kinds = set()
    for char in password:
        if char.islower():
            kinds.add("lower")
        elif char.isupper():
            kinds.add("upper")
        elif char.isdigit():
            kinds.add("digit")
        else:  # punctuation, spaces, and letters without case such as 汉字
            kinds.add("symbol")
    return kinds


def password_problems(password: str, username: str | None = None) -> list[tuple[str, str]]:
    """What the password lacks, each as (Chinese, English); empty when it passes."""
    problems: list[tuple[str, str]] = []
    if len(password) < MIN_LENGTH:
        problems.append(
            (
                f"至少 {MIN_LENGTH} 个字符（现为 {len(password)}）",
                f"at least {MIN_LENGTH} characters (it has {len(password)})",
            )
        )
    if len(password) > MAX_LENGTH:
        problems.append((f"最多 {MAX_LENGTH} 个字符", f"at most {MAX_LENGTH} characters"))
    have = _kinds(password)
    if len(have) < MIN_KINDS:
        missing = [kind for kind in _KIND_NAMES if kind not in have]
        zh = "、".join(_KIND_NAMES[k][0] for k in missing)
        en = ", ".join(_KIND_NAMES[k][1] for k in missing)
        need = MIN_KINDS - len(have)
        problems.append(
            (
                f"小写字母、大写字母、数字、符号中至少 {MIN_KINDS} 类"
                f"（还差 {need} 类，可加：{zh}）",
                f"{MIN_KINDS} of 4 kinds of character (add {need} more of: {en})",
            )
        )
    if username and username.strip().lower() in password.lower():
        problems.append(("不能包含用户名", "must not contain the username"))
    return problems


def check_password_policy(password: str, username: str | None = None) -> None:
    """Raise InvalidRequest saying everything the password lacks."""
    problems = password_problems(password, username)
    if problems:
        zh = "；".join(p[0] for p in problems)
        en = "; ".join(p[1] for p in problems)
        raise InvalidRequest(
            f"密码不符合要求：{zh} / password: {en}",
            hint="e.g. mix upper and lower case with digits or symbols, 10 characters or more",
        )
