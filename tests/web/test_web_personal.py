"""Issue 14 F1 over HTTP: a broker without reveal_pii cannot filter, sort, count or export by a
personal field (403 naming it), on both readers; compliance can, and each use is audited."""

from __future__ import annotations

from collections.abc import Callable

from web.conftest import SignedIn


def _mine(broker: SignedIn) -> str:
    rows = broker.client.get("/api/customers", params={"page_size": 1}).json()["data"]
    return str(rows[0]["customer_id"])


def test_the_probes_id_number_oracle_is_refused(
    reader: str, other_client: Callable[[str], SignedIn]
) -> None:
    broker = other_client("broker")
    cid = _mine(broker)
    for guess in ("5506282003062608", "5506292003062608"):
        response = broker.client.get(
            "/api/customers", params={"f": [f"customer_id:eq:{cid}", f"id_no:ge:{guess}"]}
        )
        assert response.status_code == 403, response.text
        assert "id_no" in response.json()["error"]


def test_personal_filters_sorts_counts_and_exports_are_refused(
    reader: str, other_client: Callable[[str], SignedIn]
) -> None:
    broker = other_client("broker")
    gets = [
        ("/api/customers", {"f": "phone:ge:138"}, "phone"),
        ("/api/customers", {"f": "email:eq:a@example.com"}, "email"),
        ("/api/customers", {"f": "birth_date:between:1980-01-01,1990-01-01"}, "birth_date"),
        ("/api/customers", {"sort": "phone"}, "phone"),
        ("/api/customers", {"sort": "id_no", "desc": "true"}, "id_no"),
        ("/api/customers/export.csv", {"f": "id_no:lt:2"}, "id_no"),
        ("/api/customers/export.csv", {"sort": "birth_date"}, "birth_date"),
    ]
    for path, params, field in gets:
        response = broker.client.get(path, params=params)
        assert response.status_code == 403, (path, params, response.text)
        assert field in response.json()["error"], (path, params)
    page = broker.client.get("/customers", params={"f": "id_no:ge:1"})
    assert page.status_code == 403 and "id_no" in page.text
    condition = {"field": "id_no", "op": "ge", "value": "5506282003062608"}
    counted = broker.client.post(
        "/api/segments/count", json={"conditions": [condition]}, headers=broker.headers()
    )
    assert counted.status_code == 403 and "id_no" in counted.json()["error"]
    created = broker.client.post(
        "/api/segments",
        json={"name": "guess", "conditions": [condition]},
        headers=broker.headers(),
    )
    assert created.status_code == 403 and "id_no" in created.json()["error"]
    # Whether a value is there shows anyway: still open.
    present = broker.client.get("/api/customers", params={"f": "phone:not_null"})
    assert present.status_code == 200


def test_with_reveal_pii_a_personal_filter_works_and_is_audited(
    reader: str, other_client: Callable[[str], SignedIn]
) -> None:
    compliance = other_client("compliance")
    response = compliance.client.get(
        "/api/customers", params={"f": "id_no:ge:0", "sort": "phone", "page_size": 5}
    )
    assert response.status_code == 200, response.text
    assert response.json()["count"] > 0
    audit = compliance.client.get(
        "/api/audit", params={"action": "personal_filter", "username": compliance.username}
    ).json()["data"]
    assert audit, "no personal_filter audit row"
    assert audit[0]["detail"]["fields"] == {"id_no": ["condition ge"], "phone": ["sort"]}
