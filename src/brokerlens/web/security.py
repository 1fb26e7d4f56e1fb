"""HTTP hardening, applied to every answer by one ASGI middleware (`install`):

- the client address and scheme come from X-Forwarded-For / X-Forwarded-Proto only when the
  connection comes from a proxy named in `Settings.trusted_proxies` (default: none), so a
  forged header can neither change the address written to the audit log nor get round the
  per-address sign-in limit;
- headers: a Content-Security-Policy allowing only this site's own (vendored) scripts, frames
  refused (X-Frame-Options DENY, frame-ancestors 'none'), no MIME sniffing, no Referer to other
  sites, and `Cache-Control: no-store` on everything but the static assets (pages and JSON
  carry customer data);
- requests from another site are refused (403) except for the entry pages (ENTRY_PATHS); a link
  followed to a page gets a 403 page with a button to go on from here (the click is then a
  request from this site, made by the user, not by the other site).

Why the cross-site refusal rather than a SameSite=Strict session cookie: with SameSite=Lax a
link on another site (a mail, a chat, a forum) opens a page here signed in, so it could start an
export or a customer 360 view that writes audit rows in the victim's name. SameSite=Strict
would stop that only by signing the user out on every such link (the cookie is not sent on the
first navigation), and would protect nothing if the cookie ever had to be Lax again. The
browser says where a request comes from (Sec-Fetch-Site, sent by every current browser; Origin
or Referer by older ones), so every route but the entry pages refuses cross-site requests
here, in one place, including the audited GETs added later.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from brokerlens.config import Settings
from brokerlens.web.errors import error_response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",  # only /static: no inline script, no eval
        # ECharts and htmx set inline styles, and some templates use style attributes.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}

# Where a link from another site may land: nothing here reads customer data or writes audit.
ENTRY_PATHS = frozenset({"/", "/login", "/docs", "/openapi.json", "/favicon.ico"})
ENTRY_PREFIXES = ("/static/", "/lang/")

FOLLOWED_LINK_MESSAGE = (
    "此链接来自其他网站：为防止他人借您的身份查看或导出客户数据，请确认后再打开 / this link came "
    "from another site: confirm to open it, so that no other site can open customer data in "
    "your name"
)
CROSS_SITE_MESSAGE = (
    "此请求来自其他网站，已拒绝；请在工作台内打开 / this request came from another site and "
    "was refused: open it from within the workbench"
)


def trusted_proxies(settings: Settings) -> list[str]:
    """The proxies named in the settings, as addresses or networks (validated there)."""
    return [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]


def policy_for_inline_scripts(html: str) -> str:
    """CONTENT_SECURITY_POLICY also allowing exactly the inline scripts of `html` (by hash)."""
    hashes = [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html)
        if body.strip()
    ]
    return CONTENT_SECURITY_POLICY.replace(
        "script-src 'self'", " ".join(["script-src 'self'", *hashes])
    )


def is_entry_path(path: str) -> bool:
    return path in ENTRY_PATHS or path.startswith(ENTRY_PREFIXES)


def is_cross_site(request: Request) -> bool:
    """Whether the browser says this request was started by another site."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        # "none": typed, bookmarked or opened by the user; "same-site" is a sibling host.
        return site.strip().lower() not in ("same-origin", "none")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return False  # not a browser (API clients), or one that says nothing
    if source.strip() == "null":
        return True
    host = request.headers.get("host", "")
    return urlsplit(source).netloc.lower() != host.lower()


class HardeningMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        static = path.startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if not static:
                    headers["cache-control"] = "no-store"
            await send(message)

        request = Request(scope)
        if not is_entry_path(path) and is_cross_site(request):
            hint = "open the workbench yourself and go there from within it"
            # A link followed from a mail or a chat: the page offers to go on, which the user
            # does by a click on this site (a same-origin request), never by the other site.
            if request.method == "GET" and request.headers.get("sec-fetch-mode") == "navigate":
                target = path + (f"?{request.url.query}" if request.url.query else "")
                response = error_response(
                    request, 403, FOLLOWED_LINK_MESSAGE, None, continue_to=target
                )
            else:
                response = error_response(request, 403, CROSS_SITE_MESSAGE, hint)
            await response(scope, receive, send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware; the proxy headers middleware outside it, only for named proxies."""
    app.add_middleware(HardeningMiddleware)
    proxies = trusted_proxies(settings)
    if proxies:
        # Added last, so it runs first: the address and scheme are settled before anything.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
