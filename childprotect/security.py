"""Security headers on every response: a Content-Security-Policy that allows only the project's own files, and more.

The offices may work offline and the pages hold children's data: nothing is loaded from another origin (Bootstrap is
vendored under static/vendor), no inline script or style runs, no page may be framed, and forms post only here.
`tests/core/test_security_headers.py` scans templates/ for what this policy would block.

The policy is CONTENT_SECURITY_POLICY unless the setting CHILDPROTECT_CSP gives another one (an empty string sends
none). A header a view has set itself is kept; Django's SecurityMiddleware sends X-Content-Type-Options,
Referrer-Policy and Cross-Origin-Opener-Policy too, from the SECURE_* settings, with the same values.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "PRIVATE_CACHE_CONTROL",
    "SECURITY_HEADERS",
    "PrivatePagesMiddleware",
    "SecurityHeadersMiddleware",
    "content_security_policy",
]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # Bootstrap draws its icons (select arrow, close button) as data: SVG in the CSS
        "font-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS = {
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


# What a page for a signed-in person says to browsers and proxies: keep no copy (the back button of a shared office
# computer, a proxy's cache), the same header as the PDFs and exports.
PRIVATE_CACHE_CONTROL = "no-store, private"


def content_security_policy() -> str:
    """The policy sent: the setting CHILDPROTECT_CSP when there is one, else CONTENT_SECURITY_POLICY."""
    policy = getattr(settings, "CHILDPROTECT_CSP", None)
    return CONTENT_SECURITY_POLICY if policy is None else str(policy)


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and SECURITY_HEADERS to every response that does not carry them already.

    Place it right after django.middleware.security.SecurityMiddleware, before WhiteNoise, so that static files get
    the headers as well.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        policy = content_security_policy()  # read per response: override_settings in tests, no restart needed
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response


class PrivatePagesMiddleware:
    """`Cache-Control: no-store, private` on every response to a signed-in person, unless the view set its own.

    Every page a signed-in person gets is made for them and most hold protected data (a child, a case, a report, a
    referral, a periodic report, the lists and the home page that name them): one rule here rather than a decorator
    on each view, so a new page cannot forget it. Anonymous pages (the login page sets its own header) and the static
    files WhiteNoise serves before the session is read are left as they are. Place it right after
    SecurityHeadersMiddleware: it reads `request.user`, which the inner AuthenticationMiddleware sets.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = PRIVATE_CACHE_CONTROL
        return response
