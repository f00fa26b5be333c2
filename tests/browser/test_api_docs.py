"""The API's browsable docs (/api/v1/docs/, Swagger UI vendored by drf-spectacular-sidecar) render in Chromium from
the server alone: no CDN, nothing the Content-Security-Policy (childprotect/security.py) blocks."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .journey import DESKTOP, TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_swagger_ui_shows_the_api_from_the_server_alone(chromium, live_server):
    context = chromium.new_context(viewport=DESKTOP, locale="vi-VN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    requested: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{live_server.url}/api/v1/docs/")

        expect(page.locator(".swagger-ui .info .title")).to_contain_text("childprotect API")
        expect(page.locator(".opblock-summary-path").filter(has_text="/api/v1/me/")).to_be_visible()
    finally:
        context.close()

    assert requested and all(url.startswith(live_server.url) for url in requested), requested
    assert not problems, problems  # a CSP violation is a console error
