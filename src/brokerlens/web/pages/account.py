"""修改密码: the user's own password change, the one page open while it must change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from brokerlens.auth.policy import MIN_KINDS, MIN_LENGTH, password_problems
from brokerlens.errors import InvalidRequest
from brokerlens.web.account import WrongCurrentPassword, change_own_password
from brokerlens.web.deps import (
    PASSWORD_PAGE,
    DbDep,
    LanguageDep,
    SettingsDep,
    SignedInCsrfDep,
    SignedInDep,
    SignedInPrincipalDep,
)
from brokerlens.web.i18n import error_text, translate
from brokerlens.web.pages.common import Page, safe_next

router = APIRouter(include_in_schema=False, dependencies=[SignedInCsrfDep])


def account_page(
    request: Request,
    session: SignedInDep,
    principal: SignedInPrincipalDep,
    language: LanguageDep,
    db: DbDep,
    settings: SettingsDep,
) -> Page:
    """Like PageDep, but open to a user whose password must change (PageDep redirects here)."""
    return Page(request, principal, session.csrf_token, language, db, settings)


AccountPageDep = Annotated[Page, Depends(account_page)]


def _render(
    page: Page,
    *,
    required: bool,
    next_url: str,
    errors: list[str] | None = None,
    changed: bool = False,
    status_code: int = 200,
) -> Response:
    context: dict[str, Any] = {
        "required": required,
        "next": next_url,
        "errors": errors or [],
        "changed": changed,
        "rules": translate("pw.rules", page.language, n=MIN_LENGTH, kinds=MIN_KINDS),
    }
    if required:
        context["nav"] = []  # every link would only lead back here
    return page.render("account_password.html", context, active="", status_code=status_code)


@router.get(PASSWORD_PAGE)
def password_form(
    page: AccountPageDep,
    session: SignedInDep,
    next: str | None = None,
    changed: bool = False,
) -> Response:
    return _render(
        page,
        required=session.must_change_password,
        next_url=safe_next(next),
        changed=changed and not session.must_change_password,
    )


def _problems(page: Page, old: str, new: str, again: str) -> list[str]:
    """What is wrong with the form, in the page's language, before asking auth to change it
    (auth's own messages are bilingual in one string; the page shows one language)."""
    lang = page.language
    if new != again:
        return [translate("pw.mismatch", lang)]
    if new == old:
        return [translate("pw.same", lang)]
    problems = password_problems(new, page.principal.username)
    if problems:
        index = 1 if lang == "en" else 0
        return [translate("pw.policy", lang), *(p[index] for p in problems)]
    return []


@router.post(PASSWORD_PAGE)
def password_submit(
    page: AccountPageDep,
    session: SignedInDep,
    old_password: Annotated[str, Form(max_length=1024)],
    new_password: Annotated[str, Form(max_length=1024)],
    new_password_again: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    required = session.must_change_password
    target = safe_next(next)
    problems = _problems(page, old_password, new_password, new_password_again)
    if not problems:
        try:
            change_own_password(
                page.db,
                page.request,
                page.principal,
                old_password,
                new_password,
                required=required,
            )
        except WrongCurrentPassword:
            problems = [translate("pw.wrong_old", page.language)]
        except InvalidRequest as exc:  # a rule auth knows and this page did not check
            problems = [error_text(422, exc.message, page.language)]
    if problems:
        return _render(page, required=required, next_url=target, errors=problems, status_code=422)
    if required:  # done with the detour: on to where the user was going
        return RedirectResponse(target, status_code=303)
    return RedirectResponse(f"{PASSWORD_PAGE}?changed=true", status_code=303)
