"""Browser journeys: Playwright drives Debian's Chromium against pytest-django's live server.

- The browser is Debian's (`apt-get install chromium`, .ci/system-packages test); Playwright never downloads one.
- Every journey is a transactional test (the live server's thread has its own connection): the demo world is loaded
  at its start (demo_load: the 2026 units, the demo accounts, agencies, children, reports, cases), with the rows the
  migrations wrote brought back by a serialized rollback. Celery runs tasks eagerly, in the thread that queues them.
- A failed journey leaves a full-page screenshot (and the page's HTML) of the step it failed in at
  var/artifacts/<test>-<step>.png. Key pages are also photographed, at phone and at desktop size, into
  var/artifacts/screens/ (for people to look at; nothing is asserted on pixels).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

from childprotect.places.models import AdminUnit
from childprotect.places.services import units_load_list

from .journey import DESKTOP, TIMEOUT_MS, Journey

CHROMIUM = os.environ.get("CHILDPROTECT_CHROMIUM", "/usr/bin/chromium")
# No proxy (the machines reach only package registries) and nothing the journeys do not need.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--proxy-server=direct://",
    "--proxy-bypass-list=*",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item (item.rep_setup, rep_call, rep_teardown) for the fixtures' finalizers."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="module", autouse=True)
def journeys_data_put_back(data_put_back):
    """After the journeys, the database as the session set it up (each transactional test ends by emptying every
    table; the tests that run after these expect the migrations' rows and the 2026 units): the shared `data_put_back`.
    """
    yield


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for the module's journeys (a fresh context, i.e. fresh cookies, for each)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}: apt-get install chromium (bash .ci/system-packages test)"
        )
    # While Playwright's sync API is started, this thread counts as running an event loop (asyncio's running loop is
    # set). Django then refuses ORM calls as "async unsafe" (the test's own calls: setting up data, reading it back)
    # and asgiref hands out other database connections than the thread's own: pytest-django's flush at the end of each
    # test would then not see the serialized rollback's contents, nor close what it opened. Hence the setting, and the
    # thread's own connections put where the "async" lookups find them.
    own = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            for alias, conn in own.items():
                connections[alias] = conn
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()


@dataclass
class World:
    password: str


@pytest.fixture
def world(live_server, eager_celery) -> World:
    """The demo world in the live server's database (demo_load, as `make run` loads it)."""
    from devtools.demo import demo_load, demo_password

    if not AdminUnit.objects.filter(list_version=2026).exists():  # emptied by the previous transactional test
        units_load_list(2026, actor=None)
    demo_load()
    return World(password=demo_password())


@pytest.fixture
def journey(request, chromium, live_server, world):
    context = chromium.new_context(viewport=DESKTOP, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    walk = Journey(page, live_server.url, world.password, request.node.name)
    yield walk
    try:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            walk.keep_failure()
    finally:
        context.close()
