"""Property-based fuzzing of every endpoint (issue 14 F6): no input gives a 500.

The operations are those of the OpenAPI schema, the pages' routes included (they are left out
of /openapi.json but take input alike). For each one Hypothesis draws its path, query and body
parameters from their schemas, mixed with values of the wrong type and the edges that once
answered 500 (64-bit overflows, far dates, long names, wrong arities, deep nesting), and sends
them as a signed-in user of a drawn role, with the CSRF token. Any answer of 500 or more, or a
traceback in the body, fails with the request that caused it.

BROKERLENS_FUZZ_EXAMPLES sets the examples per operation (8 in `make test`). The draws are the
same on every run (a red CI run is a new 500, found again by the next run, never chance);
BROKERLENS_FUZZ_RANDOM=1 draws afresh each run, to hunt for more. It runs on a
copy of the published brokerage's home, so what the fuzzing changes (users reset or disabled,
segments, thresholds, sign-in failures) never reaches the other tests.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*httpx2.*")
    from fastapi.testclient import TestClient

from brokerlens.classify.loader import default_catalog_text
from brokerlens.config import load_settings
from brokerlens.store import dispose_engines
from brokerlens.web import api, pages
from brokerlens.web.app import create_app
from brokerlens.web.pages import suitability as suitability_pages
from web.conftest import Published

# Per operation: about 100 operations, well under a minute together. Set more to hunt longer.
EXAMPLES = int(os.environ.get("BROKERLENS_FUZZ_EXAMPLES", "8"))
RANDOM = bool(os.environ.get("BROKERLENS_FUZZ_RANDOM"))
ROLES = ["compliance", "hq_marketing", "branch_manager", "broker", "admin"]
SPARE_USERS = ["demo_advisor", "demo_team_lead", "demo_region_manager"]  # not signed in here


def _schema() -> dict[str, Any]:
    routes = []
    for router in (*api.routers(), *pages.routers(), suitability_pages.router):
        for route in router.routes:
            if isinstance(route, APIRoute):
                shown = copy.copy(route)
                shown.include_in_schema = True
                routes.append(shown)
    return get_openapi(title="fuzz", version="1", routes=routes)


SCHEMA = _schema()


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


OPERATIONS = [
    Operation(method.upper(), path, spec)
    for path, methods in SCHEMA["paths"].items()
    for method, spec in methods.items()
]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = SCHEMA["components"]["schemas"][name]
    return schema


# --- values ---------------------------------------------------------------------------------

EDGE_INTS = [0, -1, 1, 2, 2**31 - 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64 + 1, 10**30]
EDGE_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "1e999",
    "NaN",
    "null",
    "true",
    "9999-12-31",
    "0001-01-01",
    "2025-02-30",
    "x" * 101,
    "y" * 5000,
    "中文名称",
    "'; DROP TABLE users; --",
    "%_\\",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "a,b,c",
    "\u0000",
    "\ud7ff\ue000",
]
FIELDS = ["total_assets_t", "service_level", "customer_tier", "birth_date", "open_date", "name"]
OPS = ["eq", "ne", "in", "gt", "ge", "lt", "le", "between", "is_null", "not_null", "like"]
DEEP_CATALOG = default_catalog_text().replace(
    "total_assets_t >= 1000000", "(" * 400 + "total_assets_t >= 1000000" + ")" * 400, 1
)

any_scalar = st.one_of(
    st.sampled_from(EDGE_INTS),
    st.sampled_from(EDGE_TEXT),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.booleans(),
    st.none(),
)
field_names = st.one_of(st.sampled_from(FIELDS), st.sampled_from(EDGE_TEXT), st.text(max_size=20))
filter_texts = st.one_of(
    st.builds(
        lambda f, o, v: f"{f}:{o}:{v}",
        field_names,
        st.sampled_from(OPS),
        st.one_of(st.sampled_from(EDGE_TEXT), st.text(max_size=20), st.just("1,2")),
    ),
    st.builds(lambda f, o: f"{f}:{o}", field_names, st.sampled_from(OPS)),
    st.sampled_from(EDGE_TEXT),
)
conditions = st.fixed_dictionaries(
    {"field": field_names, "op": st.sampled_from(OPS)},
    optional={"value": st.one_of(any_scalar, st.lists(any_scalar, max_size=3))},
)
yaml_texts = st.one_of(
    st.sampled_from(["", "classifications: []", "[" * 3000 + "]" * 3000, DEEP_CATALOG]),
    st.just(default_catalog_text()),
    st.text(max_size=200),
)


@dataclass(frozen=True)
class Known:
    """Real values of the fuzzed home, so that requests get past the lookups."""

    customer_ids: list[str]


def _named(name: str, known: Known) -> st.SearchStrategy[Any] | None:
    if name == "customer_id":
        return st.one_of(st.sampled_from(known.customer_ids), st.sampled_from(EDGE_TEXT))
    if name == "username":
        return st.one_of(st.sampled_from(SPARE_USERS), st.sampled_from(EDGE_TEXT))
    if name == "f":
        return st.lists(filter_texts, max_size=3)
    if name in ("field", "sort"):
        return field_names
    if name == "conditions":
        return st.lists(conditions, max_size=3)
    if name in ("date_from", "date_to"):
        return st.one_of(st.dates().map(str), st.sampled_from(EDGE_TEXT))
    return None


def values(schema: dict[str, Any], name: str, known: Known) -> st.SearchStrategy[Any]:
    named = _named(name, known)
    if named is not None:
        return st.one_of(named, any_scalar)
    schema = _resolve(schema)
    if "anyOf" in schema:
        return st.one_of(*[values(s, name, known) for s in schema["anyOf"]])
    if "enum" in schema:
        return st.one_of(st.sampled_from(schema["enum"]), any_scalar)
    kind = schema.get("type")
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.one_of(st.integers(low, high), st.sampled_from(EDGE_INTS), any_scalar)
    if kind == "number":
        return st.one_of(st.floats(), st.sampled_from(EDGE_INTS), any_scalar)
    if kind == "boolean":
        return st.one_of(st.booleans(), any_scalar)
    if kind == "string":
        if schema.get("format") == "date":
            return st.one_of(st.dates().map(str), st.sampled_from(EDGE_TEXT))
        return st.one_of(st.text(max_size=40), st.sampled_from(EDGE_TEXT))
    if kind == "array":
        return st.lists(values(schema.get("items", {}), name, known), max_size=4)
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: values(v, k, known) for k, v in properties.items() if k in required},
            optional={k: values(v, k, known) for k, v in properties.items() if k not in required},
        )
    return any_scalar


FORM_KEYS = [
    "name", "description", "visibility", "field", "op", "value", "alert_id", "branch_id",
    "param:min_assets", "status", "note", "target", "context", "reason", "catalog_yaml",
    "username", "password", "role", "permissions", "display_name", "staff_id", "unit_id",
    "old_password", "new_password", "new_password_again", "next",
]  # fmt: skip


@dataclass(frozen=True)
class Request:
    role: str
    method: str
    url: str
    query: list[tuple[str, str]]
    json_body: Any = None
    form: dict[str, Any] | None = None
    content: bytes | None = None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _query_pairs(name: str, value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    if isinstance(value, list):
        return [(name, _text(v)) for v in value if v is not None]
    return [(name, _text(value))]


@st.composite
def requests(draw: st.DrawFn, operation: Operation, known: Known) -> Request:
    role = draw(st.sampled_from(ROLES))
    path, query = operation.path, []
    for parameter in operation.spec.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        value = draw(values(parameter.get("schema", {}), name, known))
        if where == "path":
            text = _text(value) if value is not None else ""
            path = path.replace("{" + name + "}", quote(text, safe="") or "x")
        elif where == "query" and (parameter.get("required") or draw(st.booleans())):
            query += _query_pairs(name, value)
    content = operation.spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        body = draw(values(content["application/json"].get("schema", {}), "", known))
        return Request(role, operation.method, path, query, json_body=body)
    if "application/yaml" in content:
        return Request(role, operation.method, path, query, content=draw(yaml_texts).encode())
    if "application/x-www-form-urlencoded" in content or operation.method in ("POST", "PATCH"):
        schema = content.get("application/x-www-form-urlencoded", {}).get("schema", {})
        form = draw(values(schema, "", known)) if schema else {}
        extra = draw(st.dictionaries(st.sampled_from(FORM_KEYS), any_scalar, max_size=6))
        fields = {**extra, **(form if isinstance(form, dict) else {})}
        flat = {
            k: [_text(x) for x in v if x is not None] if isinstance(v, list) else _text(v)
            for k, v in fields.items()
            if v is not None
        }
        return Request(role, operation.method, path, query, form=flat)
    return Request(role, operation.method, path, query)


# --- the fuzzed app -------------------------------------------------------------------------


@dataclass
class Fuzzed:
    clients: dict[str, tuple[TestClient, str]]  # role -> (client, csrf token)
    anonymous: TestClient
    known: Known


@pytest.fixture(scope="module")
def fuzzed(published: Published, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    home = tmp_path_factory.mktemp("fuzz") / "home"
    dispose_engines()
    shutil.copytree(published.home, home)
    app = create_app(load_settings(home=home))
    made: list[TestClient] = []

    def client(number: int) -> TestClient:
        # Each its own address, so the fuzzed sign-ins' failures lock out none of the others.
        made.append(
            TestClient(
                app,
                follow_redirects=False,
                raise_server_exceptions=False,
                client=(f"10.77.0.{number}", 50000),
            )
        )
        made[-1].__enter__()
        return made[-1]

    clients = {}
    for number, role in enumerate(ROLES, start=1):
        signed = client(number)
        username, password = published.users[role]
        response = signed.post("/api/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        clients[role] = (signed, response.json()["csrf_token"])
    hq = clients["hq_marketing"][0]
    listed = hq.get("/api/customers", params={"page_size": 20}).json()["data"]
    yield Fuzzed(clients, client(99), Known([r["customer_id"] for r in listed]))
    for each in made:
        each.__exit__(None, None, None)
    dispose_engines()


def _send(fuzzed: Fuzzed, request: Request) -> Any:
    if "logout" in request.url or request.url.endswith("/login"):
        # Signing a fuzzing client out would leave the rest of its examples answering 401.
        client, csrf = fuzzed.anonymous, "no-session"
    else:
        client, csrf = fuzzed.clients[request.role]
    headers = {"X-CSRF-Token": csrf}
    content = request.content
    if content is not None:
        headers["content-type"] = "application/yaml"
    elif request.json_body is not None:
        # Python's JSON, as the server reads it: NaN and Infinity included.
        content = json.dumps(request.json_body, default=str).encode()
        headers["content-type"] = "application/json"
    form = request.form
    if form is not None:
        form = {**form, "csrf_token": csrf}
    return client.request(
        request.method,
        request.url,
        params=request.query,
        data=form,
        content=content,
        headers=headers,
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_no_input_gives_a_server_error(fuzzed: Fuzzed, operation: Operation) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=not RANDOM,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.data())
    def check(data: st.DataObject) -> None:
        request = data.draw(requests(operation, fuzzed.known), label="request")
        response = _send(fuzzed, request)
        shown = json.dumps(request.__dict__, default=str, ensure_ascii=False)[:1500]
        assert response.status_code < 500, f"{response.status_code} for {shown}"
        assert "Traceback" not in response.text, shown

    check()


def test_every_endpoint_is_fuzzed() -> None:
    """The pages are in the fuzzed schema as well as the API."""
    paths = {op.path for op in OPERATIONS}
    assert {"/api/customers", "/customers", "/api/segments/{segment_id}", "/audit"} <= paths
    assert len(OPERATIONS) >= 90


def test_the_fuzzed_home_is_a_copy(fuzzed: Fuzzed, published: Published) -> None:
    assert Path(published.home).exists() and fuzzed.known.customer_ids
