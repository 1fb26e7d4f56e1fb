"""The Jinja2 environment: templates from the package, number filters, `t()` per request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from starlette.responses import HTMLResponse

from brokerlens import __version__
from brokerlens.indicators import load_indicators
from brokerlens.web import formatting
from brokerlens.web.i18n import column_label, enum_label, translator

WEB_DIR = Path(__file__).parent
TEMPLATE_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"


def _tojson_attr(value: Any) -> Markup:
    """JSON for a data-* attribute or a <script type=application/json> block."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


@pass_context
def _column_label(context: Context, name: str, language: str) -> str:
    """`column_label` with the installation's indicators (the app's settings) when known."""
    settings = getattr(getattr(context.get("request"), "app", None), "state", None)
    try:
        indicators = load_indicators(settings.settings) if settings is not None else None
    except AttributeError:  # an app without settings (tests)
        indicators = None
    return column_label(name, language, indicators)


@pass_context
def _enum(context: Context, column: str, value: object) -> str:
    """An enumerated value in the page's language: `enum('op', 'ge')` -> 大于等于."""
    found = enum_label(column, value, context.get("lang") or "zh")
    return str(value) if found is None else found


def _build() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
    env = templates.env
    env.filters["num"] = formatting.num
    env.filters["amount"] = formatting.amount
    env.filters["pct"] = formatting.pct
    env.filters["date"] = formatting.date
    env.filters["cell"] = formatting.cell
    env.filters["yuan"] = formatting.yuan
    env.filters["change"] = formatting.change_html
    env.filters["jsondata"] = _tojson_attr
    env.globals["is_amount_column"] = formatting.is_amount_column
    env.globals["value_html"] = formatting.value_html
    env.globals["column_label"] = _column_label
    env.globals["enum"] = _enum
    env.globals["version"] = __version__
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates


_templates: Jinja2Templates | None = None


def templates() -> Jinja2Templates:
    """Built on first use, not at import."""
    global _templates
    if _templates is None:
        _templates = _build()
    return _templates


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    language: str,
    status_code: int = 200,
) -> HTMLResponse:
    full = {"t": translator(language), "lang": language, **context}
    response = templates().TemplateResponse(request, name, full, status_code=status_code)
    assert isinstance(response, HTMLResponse)
    return response
