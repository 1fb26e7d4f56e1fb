"""The catalog page: each classification's rules as sentences (the expressions in an advanced
fold); HQ edits the YAML, behind an advanced fold too, and previews who moves."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from brokerlens.auth.principal import Permission
from brokerlens.classify.loader import active_path, default_catalog_text
from brokerlens.web.api.catalog import CatalogPublic, catalog_public, preview_of
from brokerlens.web.deps import CsrfDep
from brokerlens.web.i18n import translate
from brokerlens.web.pages.common import EditorPageDep, ReaderPageDep
from brokerlens.web.rules import Vocabulary, sentence, value_label

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


@dataclass(frozen=True)
class RuleView:
    number: int
    sentence: str
    when: str  # the expression, for the advanced fold
    value: str


@dataclass(frozen=True)
class ClassificationView:
    id: str
    name: str
    meaning: str  # in the page's language; empty when the catalog has no `meaning_zh`
    rules: list[RuleView]
    default: str


def version_label(version: str | None, language: str) -> str:
    """`default` is the shipped catalog (no installation file); a number an applied version."""
    if not version:
        return ""
    if version == "default":
        return translate("cat.version_default", language)
    if version.isdigit():
        return translate("cat.version_n", language, n=version)
    return translate("cat.version_local", language)


def catalog_view(public: CatalogPublic, vocab: Vocabulary) -> list[ClassificationView]:
    language = vocab.language
    out = []
    for item in public.data:
        rules = [
            RuleView(n, sentence(r.when, vocab), r.when, value_label(r.value, vocab))
            for n, r in enumerate(item.rules, start=1)
        ]
        meaning = item.meaning if language == "en" else (item.meaning_zh or "")
        name = item.en if language == "en" else item.zh
        out.append(ClassificationView(item.id, name, meaning, rules, item.default))
    return out


@router.get("/catalog")
def catalog_page(page: ReaderPageDep) -> Response:
    can_edit = page.principal.can(Permission.EDIT_CATALOG)
    yaml_text = ""
    if can_edit:
        path = active_path(page.settings)
        yaml_text = path.read_text("utf-8") if path.exists() else default_catalog_text()
    public = catalog_public(page.settings, page.db)
    snapshot = page.snapshot()
    served: dict[str, Any] | None = None
    if snapshot is not None:
        served = {
            "as_of": snapshot.as_of_date,
            "version": version_label(public.served_version, page.language),
            "behind": public.served_version not in (None, public.version),
        }
    context = {
        "catalog": public,
        "classifications": catalog_view(public, Vocabulary.of(page.indicators(), page.language)),
        "active_version": version_label(public.version, page.language),
        "served": served,
        "can_edit": can_edit,
        "yaml_text": yaml_text,
    }
    return page.render("catalog.html", context, active="catalog", snapshot=snapshot)


@router.post("/catalog/preview")
async def preview_partial(
    page: EditorPageDep,
    catalog_yaml: Annotated[str, Form(max_length=1_000_000)],
    classification: Annotated[str, Form()] = "",
) -> Response:
    preview = await run_in_threadpool(
        preview_of,
        page.settings,
        catalog_yaml,
        classification or None,
    )
    public = catalog_public(page.settings, page.db)
    class_names = {c.id: (c.en if page.language == "en" else c.zh) for c in public.data}
    context = {"preview": preview, "class_names": class_names}
    return page.render("_catalog_preview.html", context, active="catalog")
