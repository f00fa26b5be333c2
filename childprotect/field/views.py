"""The field app's three pages (docs/field.md): the shell, the service worker and the manifest. None of them holds
personal data: the shell is the same page for everyone (the app reads who is signed in from the API at run time), so
the service worker may keep a copy of it for offline use."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_safe

# The static files the shell uses, besides every file under static/field/ (the modules, the icons, the style sheet).
SHELL_TEMPLATE = "field/app.html"
SHELL_STATIC = ("vendor/bootstrap/bootstrap.min.css", "favicon.svg")
FIELD_STATIC_DIR = "field/"
SW_LOGIC = "field/sw.js"  # the service worker's code; the page /field/sw.js gives it its configuration
ICONS = (
    ("field/icons/icon-192.png", "192x192", "any"),
    ("field/icons/icon-512.png", "512x512", "any"),
    ("field/icons/icon-maskable-512.png", "512x512", "maskable"),
)


def _field_static_files() -> list[str]:
    """Every static file under static/field/ (all finders), sorted: the field-app's modules are found as they come."""
    found: set[str] = set()
    for finder in finders.get_finders():
        for path, _storage in finder.list(ignore_patterns=["CVS", ".*", "*~"]):
            path = path.replace("\\", "/")
            if path.startswith(FIELD_STATIC_DIR) and path != SW_LOGIC:
                found.add(path)
    return sorted(found)


def _digest(files: tuple[str, ...]) -> str:
    """A digest of the static files' contents and of the shell's template (the kept copy of the shell must follow)."""
    digest = hashlib.sha256()
    sources = [(path, finders.find(path)) for path in files]
    sources.append(("template", getattr(get_template(SHELL_TEMPLATE).origin, "name", None)))  # type: ignore[attr-defined]
    for name, located in sources:
        digest.update(name.encode())
        if isinstance(located, str):
            with open(located, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _files_and_digest() -> tuple[tuple[str, ...], str]:
    files = (*SHELL_STATIC, *_field_static_files(), SW_LOGIC)
    return files, _digest(files)


def catalog_url() -> str:
    """The JavaScript catalog as the shell links it: one URL per language, so the service worker keeps each apart."""
    return f"{reverse('javascript-catalog')}?lang={get_language()}"


def precache_list() -> tuple[list[str], str]:
    """The URLs the service worker keeps for offline use, and a version that changes when any of them does: their
    contents, their URLs (hashed in production), the shell's template and the language."""
    # In development files change under a running server: looked at each time then; else once per process.
    files, digest = _files_and_digest.__wrapped__() if settings.DEBUG else _files_and_digest()
    urls = [
        reverse("field:app"),
        reverse("field:manifest"),
        catalog_url(),
        *(static(path) for path in files if path != SW_LOGIC),
    ]
    version = hashlib.sha256("\n".join([digest, static(SW_LOGIC), *urls]).encode()).hexdigest()[:16]
    return urls, f"{version}-{get_language()}"


@login_required
@require_safe
def app(request: HttpRequest) -> HttpResponse:
    """The shell: the header, the tabs, the lock screen and an empty #view the modules fill."""
    return render(request, SHELL_TEMPLATE, {"catalog_url": catalog_url()})


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker: its configuration (the precache list with the static files' URLs, a cache version), then
    its code from static/field/sw.js. Never cached by the browser, so a new version is seen at once."""
    urls, version = precache_list()
    config = {
        "version": version,
        "scope": reverse("field:app"),
        "shell": reverse("field:app"),
        "staticUrl": settings.STATIC_URL,
        "catalogPath": reverse("javascript-catalog"),
        "precache": urls,
    }
    response = render(
        request,
        "field/sw.js",
        {"config": json.dumps(config).replace("<", "\\u003c"), "logic_url": static(SW_LOGIC)},
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = reverse("field:app")
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def manifest(request: HttpRequest) -> HttpResponse:
    """The web app manifest: installable, opens /field/ standalone."""
    start = reverse("field:app")
    data = {
        "id": start,
        "name": gettext("Bảo vệ trẻ em – Ghi ngoại tuyến"),
        "short_name": gettext("Ghi ngoại tuyến"),
        "description": gettext("Ghi thông tin, tố giác và công việc vụ việc khi không có mạng."),
        "lang": get_language(),
        "start_url": start,
        "scope": start,
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#ffffff",
        "theme_color": "#0d6efd",
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-cache"
    return response
