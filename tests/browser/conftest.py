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
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections
from playwright.sync_api import expect, sync_playwright

from childprotect.places.models import AdminUnit
from childprotect.places.services import units_load_list

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "var" / "artifacts"
SCREENS = ARTIFACTS / "screens"
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
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
TIMEOUT_MS = 15_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item (item.rep_setup, rep_call, rep_teardown) for the fixtures' finalizers."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="module", autouse=True)
def data_put_back(django_db_setup, django_db_blocker):
    """After the journeys, the database as the session set it up: the migrations' rows and the 2026 units (each
    transactional test ends by emptying every table; the tests that run after these expect both)."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            connection.creation.deserialize_db_from_string(contents)
        units_load_list(2026, actor=None)


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


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "step"


class Journey:
    """One person-at-a-browser walk through the live server, step by named step (the name goes into the file name
    of the screenshot taken if the journey fails there)."""

    def __init__(self, page: Any, base_url: str, password: str, test_name: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")
        self.password = password
        self.test_name = test_name
        self.step_name = "00-start"
        self._steps = 0
        self.server_errors: list[str] = []
        self.console_errors: list[str] = []
        page.on("response", self._on_response)
        page.on("console", self._on_console)
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))

    def _on_response(self, response: Any) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")

    def _on_console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def step(self, name: str) -> None:
        self._steps += 1
        self.step_name = f"{self._steps:02d}-{_slug(name)}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def go(self, path: str) -> Any:
        return self.page.goto(self.url(path))

    @property
    def main(self) -> Any:
        return self.page.locator("main")

    def login(self, username: str) -> None:
        """Through the login form (the navbar's first submit button is the logout button: use main's)."""
        self.step(f"login {username}")
        self.page.context.clear_cookies()
        self.go("/accounts/login/")
        self.page.get_by_label("Tên đăng nhập").fill(username)
        self.page.get_by_label("Mật khẩu").fill(self.password)
        self.main.get_by_role("button", name="Đăng nhập").click()
        expect(self.page.get_by_role("button", name="Đăng xuất")).to_be_visible()
        expect(self.page).to_have_url(self.url("/"))

    def logout(self) -> None:
        self.step("logout")
        self.page.get_by_role("button", name="Đăng xuất").click()
        expect(self.main.get_by_role("button", name="Đăng nhập")).to_be_visible()

    def nav(self, name: str) -> None:
        """Follow a link of the navbar (desktop width: the menu is open)."""
        self.page.get_by_label("Điều hướng chính").get_by_role("link", name=name, exact=True).click()

    def screens(self, name: str) -> None:
        """The page as it is, at phone and at desktop size, for people to look at (nothing is asserted on them)."""
        SCREENS.mkdir(parents=True, exist_ok=True)
        size = self.page.viewport_size or DESKTOP
        try:
            self.page.set_viewport_size(PHONE)
            self.page.screenshot(path=SCREENS / f"{name}-phone.png", full_page=True)
        finally:
            self.page.set_viewport_size(size)
        self.page.screenshot(path=SCREENS / f"{name}-desktop.png", full_page=True)

    def keep_failure(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = ARTIFACTS / f"{self.test_name}-{self.step_name}"
        try:
            self.page.screenshot(path=stem.with_suffix(".png"), full_page=True)
            stem.with_suffix(".html").write_text(self.page.content(), encoding="utf-8")
        except Exception as exc:  # the test has failed already: say why there is no picture, keep its error
            print(f"no screenshot of the failed journey: {exc}")
            return
        print(f"failed journey at step {self.step_name} ({self.page.url}): {stem.with_suffix('.png')}")
        for error in self.server_errors:
            print(f"server error: {error}")
        for error in self.console_errors:
            print(f"console error: {error}")


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
