"""Staff and unit pages' data as JSON (issue 19 part E): `/api/staff/{id}` (who they are),
`/api/staff/{id}/book`, `/api/staff/{id}/risk`, `/api/units/{unit_id}`, and
`/api/broker-risk` (the flags in scope)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.encoders import jsonable_encoder

from brokerlens.access.broker_risk import RiskView, risk_flags, staff_risk
from brokerlens.access.staff_profile import Book, staff_book, staff_page
from brokerlens.access.unit_profile import unit_page
from brokerlens.web.deps import CsrfDep, DbDep, LanguageDep, ReaderDep, SettingsDep, customer_reader

router = APIRouter(prefix="/api", tags=["staff"], dependencies=[CsrfDep, Depends(customer_reader)])


def book_json(book: Book | None) -> Any:
    if book is None:
        return None
    data = jsonable_encoder(book)
    data["customers"], data["assets"] = book.customers, str(book.assets)
    return data


def risk_json(view: RiskView, language: str) -> Any:
    return {
        "served": view.served,
        "as_of_date": view.as_of_date,
        "data": [
            {
                **jsonable_encoder(line),
                "name": line.name(language),
                "explanation": line.text(language),
            }
            for line in view.lines
        ],
        "count": len(view.lines),
    }


@router.get("/staff/{staff_id}")
def staff(staff_id: str, db: DbDep, principal: ReaderDep) -> Any:
    return jsonable_encoder(staff_page(db, principal, staff_id))


@router.get("/staff/{staff_id}/book")
def book(staff_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep) -> Any:
    slot = staff_book(db, settings, principal, staff_id)
    return {"served": slot.served, "book": book_json(slot.book), "alerts": slot.alerts}


@router.get("/staff/{staff_id}/risk")
def risk(
    staff_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep, language: LanguageDep
) -> Any:
    return jsonable_encoder(risk_json(staff_risk(db, settings, principal, staff_id), language))


@router.get("/units/{unit_id}")
def unit(
    unit_id: str, db: DbDep, settings: SettingsDep, principal: ReaderDep, language: LanguageDep
) -> Any:
    found = unit_page(db, settings, principal, unit_id)
    data = jsonable_encoder(
        {
            k: getattr(found, k)
            for k in ("served", "unit", "parent", "children", "leaders", "staff", "alerts")
        }
    )
    data["book"] = book_json(found.book)
    data["risk"] = jsonable_encoder(risk_json(found.risk, language))
    return data


@router.get("/broker-risk")
def broker_risk(
    db: DbDep,
    settings: SettingsDep,
    principal: ReaderDep,
    language: LanguageDep,
    all_measures: bool = False,
) -> Any:
    """The broker risk flags of the staff in scope (`all_measures=true`: every measure)."""
    view = risk_flags(db, settings, principal, flagged_only=not all_measures)
    return jsonable_encoder(risk_json(view, language))
