"""The application: `create_app(settings)` wires routers, static files, errors and the store.

Nothing happens at import; the store is opened (and migrated) when the app starts. Under
uvicorn's factory mode each worker calls `app_from_env()` and reads settings from the
environment, which `brokerlens serve` fills in.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from anyio import to_thread
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse

from brokerlens import __version__
from brokerlens.config import Settings, load_settings
from brokerlens.store import fill_pool, open_store
from brokerlens.web import api, errors, pages, security
from brokerlens.web.pages import suitability as suitability_pages
from brokerlens.web.templating import STATIC_DIR

TAGS = [
    {"name": "auth", "description": "Sign in and out; who am I; change your password."},
    {
        "name": "customers",
        "description": "Customer list with filters, customer 360, reveal, export.",
    },
    {"name": "catalog", "description": "Classifications, why a customer got a value, previews."},
    {"name": "segments", "description": "Saved conditions over the profile, counts and members."},
    {
        "name": "suitability",
        "description": "Suitability (适当性): class, eligibility, checks; compliance reports.",
    },
    {"name": "products", "description": "The product centre: products, a product's sales."},
    {"name": "org", "description": "Organisation tree and staff."},
    {"name": "audit", "description": "The audit log (compliance)."},
    {"name": "users", "description": "Accounts (administrator)."},
    {"name": "home", "description": "The workbench summary."},
    {"name": "notices", "description": "Notices (通知公告): publish, read, read receipts."},
    {
        "name": "knowledge",
        "description": "The knowledge base (知识库): search, articles, approval.",
    },
    {
        "name": "analysis",
        "description": "Business analysis (经营分析): value and contribution, cross-tabs.",
    },
]


def create_app(settings: Settings, *, warm: bool = False) -> FastAPI:
    """The app; `warm`: prepare every route before the first request (`brokerlens serve`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.db = open_store(settings)
        # the threads that run the (sync) endpoints: see Settings.serve_threads
        to_thread.current_default_thread_limiter().total_tokens = settings.serve_threads
        if warm:
            await _prepare_routes(app)
            # the request threads' store connections, opened before the first request
            await to_thread.run_sync(fill_pool, app.state.db, settings.serve_threads)
        yield

    app = FastAPI(
        title="brokerlens",
        version=__version__,
        description="Customer analytics for securities brokerages. Sign in with POST /api/login; "
        "send the returned csrf_token as X-CSRF-Token on every POST, PUT, PATCH and DELETE.",
        docs_url=None,  # served below from the vendored swagger-ui, so it works offline
        redoc_url=None,
        openapi_tags=TAGS,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(app)
    security.install(app, settings)
    for router in (*api.routers(), *pages.routers()):
        app.include_router(router)
    app.include_router(suitability_pages.router)

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="brokerlens API",
            swagger_js_url="/static/vendor/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui.css",
            swagger_favicon_url="/static/vendor/swagger-favicon.png",
            swagger_ui_parameters={"validatorUrl": None},  # no call to validator.swagger.io
        )
        # The page starts swagger-ui with an inline script: allow that one script by its hash.
        page.headers["content-security-policy"] = security.policy_for_inline_scripts(
            bytes(page.body).decode()
        )
        return page

    return app


WARM_UP_PATH = "/_warm-up"  # a path no route matches


async def _prepare_routes(app: FastAPI) -> None:
    """Ask the app once for a path no route matches, before the worker takes connections.

    The framework prepares a route (its dependencies' and parameters' validators) the first
    time a request is matched against it: a worker just started paid 0.15-1.7 s on its first
    requests, while they queued behind (a fresh server at 200 requests/s). A path that matches
    nothing is tried against every route, so every route is prepared here."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        await client.get(WARM_UP_PATH)


def app_from_env() -> FastAPI:
    """uvicorn factory: settings from the environment (BROKERLENS_HOME, _DATABASE_URL ...)."""
    return create_app(load_settings(), warm=True)
