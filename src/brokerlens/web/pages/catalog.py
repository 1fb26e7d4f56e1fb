"""The catalog page: classifications with their rules; HQ edits YAML and previews who moves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from brokerlens.auth.principal import Permission
from brokerlens.classify.loader import active_path, default_catalog_text
from brokerlens.web.api.catalog import catalog_public, preview_of
from brokerlens.web.deps import CsrfDep
from brokerlens.web.pages.common import EditorPageDep, ReaderPageDep

router = APIRouter(include_in_schema=False, dependencies=[CsrfDep])


@router.get("/catalog")
def catalog_page(page: ReaderPageDep) -> Response:
    can_edit = page.principal.can(Permission.EDIT_CATALOG)
    yaml_text = ""
    if can_edit:
        path = active_path(page.settings)
        yaml_text = path.read_text("utf-8") if path.exists() else default_catalog_text()
    context = {
        "catalog": catalog_public(page.settings, page.db),
        "can_edit": can_edit,
        "yaml_text": yaml_text,
    }
    return page.render("catalog.html", context, active="catalog")


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
    return page.render("_catalog_preview.html", {"preview": preview}, active="catalog")
