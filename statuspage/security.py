"""Security headers on every response, and trusting the reverse proxy in front of Herald.

One policy for the whole site: scripts and styles only from files on Herald's own origin
(templates carry no inline script, no `on*=` handler and no `style=`; tests/web/test_csp_guard.py
keeps it so), no framing except the embeddable widget, no MIME sniffing, and HSTS when the
request came over HTTPS. Public snapshots carry the same headers in their stored bytes, so the
snapshot fast path (public/caching.py) and 304s send them too.
"""

from __future__ import annotations

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

# Two years, the preload list's minimum; only ever sent over HTTPS (RFC 6797 §7.2: a browser
# ignores it over HTTP, and sending it there would only mislead whoever reads the headers).
HSTS = ("Strict-Transport-Security", "max-age=63072000; includeSubDomains")

_DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    # The page's logo is an https URL an owner chose (page.settings refuses anything else).
    "img-src 'self' data: https:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
)
CSP = "; ".join((*_DIRECTIVES, "frame-ancestors 'none'"))
# The widget page is made to be framed by any site (README: "frame /embed/status.html").
CSP_FRAMABLE = "; ".join((*_DIRECTIVES, "frame-ancestors *"))
# The dev mailbox shows a message's HTML in a sandboxed srcdoc iframe, which inherits this
# policy; email HTML is styled inline (mail clients ignore stylesheets), so that one admin page
# allows inline styles. Scripts stay blocked there, and the sandbox blocks them a second time.
CSP_INLINE_STYLES = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")

# Paths whose URL holds a secret token (subscription links, acknowledgements, sign-in links,
# private feeds): no Referer at all, so the token never reaches another site, not even its
# origin's logs through a link the page contains.
_SECRET_URL_PREFIXES = (
    "/subscriptions/",
    "/ack/",
    "/signin/",
    "/private/",
    "/subscribe/webhook/verify/",
)


def policy_headers(path: str) -> tuple[tuple[str, str], ...]:
    """The fixed security headers for a response to `path` (not HSTS: that needs the scheme)."""
    framable = path.startswith("/embed/")
    headers = [
        ("Content-Security-Policy", CSP_FRAMABLE if framable else CSP),
        ("X-Content-Type-Options", "nosniff"),
        (
            "Referrer-Policy",
            "no-referrer"
            if path.startswith(_SECRET_URL_PREFIXES)
            else "strict-origin-when-cross-origin",
        ),
    ]
    if not framable:  # X-Frame-Options has no "anyone" value: the widget page sends none
        headers.append(("X-Frame-Options", "DENY"))
    return tuple(headers)


def allow_inline_styles() -> None:
    """Let this request's page use inline styles (the dev mailbox's email preview only)."""
    g.csp_inline_styles = True


def _add_headers(response: Response) -> Response:
    # setdefault: a blueprint's stricter choice (the admin's same-origin Referrer-Policy) and the
    # headers a snapshot already carries stand.
    for name, value in policy_headers(request.path):
        response.headers.setdefault(name, value)
    if g.get("csp_inline_styles"):
        response.headers["Content-Security-Policy"] = CSP_INLINE_STYLES
    if request.is_secure:
        response.headers.setdefault(*HSTS)
    if response.status_code == 304:
        # No body, nothing to sniff, and the stored response keeps its own nosniff. Sent on a
        # 304, chromium applies it to whatever it revalidated, even an entry Clear-Site-Data
        # (sign-in, public/signin.py) just emptied, and then refuses the stylesheet it has
        # become (type ''): tests/e2e/test_private_viewer.py saw exactly that.
        del response.headers["X-Content-Type-Options"]
    return response


def register_security(app: Flask) -> None:
    """Security headers on every response; trust TRUSTED_PROXIES hops of X-Forwarded-*.

    Behind nginx (TRUSTED_PROXIES=1) the client's address (rate limits, audit, logs) and scheme
    (HSTS, https in generated URLs) come from the proxy's headers. With 0, the default, those
    headers are ignored: anyone could send them.
    """
    app.after_request(_add_headers)
    hops = app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        # Outermost layer, so the snapshot fast path inside sees the client's scheme too.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=0
        )
