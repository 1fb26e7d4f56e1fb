"""Catalog: the classifications and their rules, why a customer got a value, change previews."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from brokerlens.access import explain_customer, served_snapshot
from brokerlens.access.catalog import request_catalog_change
from brokerlens.classify import (
    catalog_version,
    compile_catalog,
    load_active_catalog,
    parse_catalog,
    preview_catalog,
)
from brokerlens.classify.explain import display
from brokerlens.errors import InvalidRequest, NotFound
from brokerlens.indicators import load_indicators
from brokerlens.web.api.approvals import ApprovalPublic, approval_public
from brokerlens.web.deps import (
    CatalogEditorDep,
    CsrfDep,
    DbDep,
    LanguageDep,
    ReaderDep,
    SettingsDep,
    customer_reader,
)

router = APIRouter(
    prefix="/api/catalog", tags=["catalog"], dependencies=[CsrfDep, Depends(customer_reader)]
)

MAX_CATALOG_BYTES = 1_000_000
YAML_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/yaml": {"schema": {"type": "string"}}},
    }
}


class RulePublic(BaseModel):
    when: str
    value: str


class ClassificationPublic(BaseModel):
    id: str
    zh: str
    en: str
    meaning: str
    meaning_zh: str | None = None
    rules: list[RulePublic]
    default: str


class CatalogPublic(BaseModel):
    version: str
    served_version: str | None
    data: list[ClassificationPublic]
    count: int


def catalog_public(settings: Any, db: Any) -> CatalogPublic:
    """The active catalog (what a preview compares against), its rules written out."""
    catalog = load_active_catalog(settings)
    try:
        served: str | None = str(served_snapshot(db).catalog_version)
    except (NotFound, AttributeError):
        served = None
    data = []
    for compiled in compile_catalog(catalog, indicators=load_indicators(settings)):
        item = compiled.classification
        rules = [RulePublic(when=_display(r.condition), value=r.rule.label) for r in compiled.rules]
        data.append(
            ClassificationPublic(
                id=item.id,
                zh=item.zh,
                en=item.en,
                meaning=item.meaning,
                meaning_zh=item.meaning_zh,
                rules=rules,
                default=item.default,
            )
        )
    return CatalogPublic(
        version=catalog_version(settings), served_version=served, data=data, count=len(data)
    )


def _display(condition: Any) -> str:
    return display(condition)


@router.get("", response_model=CatalogPublic)
def get_catalog(settings: SettingsDep, db: DbDep) -> CatalogPublic:
    return catalog_public(settings, db)


@router.get("/why/{customer_id}")
def why(
    customer_id: str,
    db: DbDep,
    principal: ReaderDep,
    classification: Annotated[str | None, Query(description="one classification id")] = None,
) -> Any:
    """The same answer as GET /api/customers/{id}/why: rules tried with their figures."""
    return jsonable_encoder(explain_customer(db, principal, customer_id, classification))


def preview_of(settings: Any, text: str, classification: str | None) -> Any:
    if not text.strip():
        raise InvalidRequest("the catalog YAML is empty", hint="paste the edited catalog")
    candidate = parse_catalog(text, "the edited catalog", load_indicators(settings))
    return preview_catalog(settings, candidate, classification_id=classification)


def preview_public(preview: Any) -> dict[str, Any]:
    return {
        "as_of": preview.as_of,
        "changes": [
            {
                "id": c.id,
                "status": c.status,
                "moved": c.moved,
                "customers": c.customers,
                "transitions": [
                    {"old": t.old, "new": t.new, "customers": t.customers} for t in c.transitions
                ],
            }
            for c in preview.changes
        ],
        "unchanged": list(preview.unchanged),
    }


async def _yaml_of(request: Request) -> str:
    body = await request.body()
    if len(body) > MAX_CATALOG_BYTES:
        raise InvalidRequest("the catalog is larger than 1 MB", hint="send only the catalog YAML")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest("the catalog is not UTF-8", hint="send UTF-8 YAML") from None


@router.post("/preview", openapi_extra=YAML_BODY)
async def preview(
    request: Request,
    settings: SettingsDep,
    _editor: CatalogEditorDep,
    classification: Annotated[str | None, Query(description="only this classification")] = None,
) -> Any:
    """Who would move if this catalog YAML (the request body) were applied (HQ only)."""
    text = await _yaml_of(request)
    result = await run_in_threadpool(preview_of, settings, text, classification)
    return jsonable_encoder(preview_public(result))


@router.post("/apply", response_model=ApprovalPublic, status_code=202, openapi_extra=YAML_BODY)
async def apply(
    request: Request,
    settings: SettingsDep,
    db: DbDep,
    editor: CatalogEditorDep,
    language: LanguageDep,
    note: Annotated[str | None, Query(max_length=500, description="why, kept in history")] = None,
) -> Any:
    """Ask for this catalog YAML (the request body, validated now) to become the active
    catalog (HQ only): a `catalog_change` request in 待审批 (202, the request). Another HQ user
    approves it, which stores it as the next version and makes it active; the next `brokerlens
    run` classifies with it. Audited."""
    text = await _yaml_of(request)
    if not text.strip():
        raise InvalidRequest("the catalog YAML is empty", hint="send the edited catalog")
    asked = await run_in_threadpool(
        request_catalog_change, db, settings, editor, text, "the edited catalog", note
    )
    return approval_public(settings, asked, language)
