"""`brokerlens serve`: the web workbench and REST API under uvicorn."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from brokerlens.cli.main import app, settings_of


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
) -> None:
    """Serve the workbench (pages) and the REST API (OpenAPI at /docs)."""
    import uvicorn

    from brokerlens.store import open_store

    settings = settings_of(ctx)
    # Migrate once here, not racing in every worker; then each worker builds the app from
    # settings it reads from the environment (factory mode), so pass them on through it.
    open_store(settings)
    os.environ["BROKERLENS_HOME"] = str(settings.home.resolve())
    if settings.database_url:
        os.environ["BROKERLENS_DATABASE_URL"] = settings.database_url
    if settings.secure_cookies:
        os.environ["BROKERLENS_SECURE_COOKIES"] = "true"
    os.environ["BROKERLENS_TRUSTED_PROXIES"] = settings.trusted_proxies
    uvicorn.run(
        "brokerlens.web.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # X-Forwarded-* are read by the app, and only from Settings.trusted_proxies
        # (brokerlens.web.security); uvicorn's own default would believe 127.0.0.1.
        proxy_headers=False,
        log_level="info",
    )
