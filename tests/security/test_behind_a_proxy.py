"""The production settings behind the production proxy, for real: gunicorn with DJANGO_PRODUCTION=1 (the bench's
production server, on the test database) behind Debian's Caddy running the repository's Caddyfile with `tls internal`,
on 127.0.0.1. Browsers connect from other loopback addresses (127.0.0.3, 127.0.0.4), so the address the application
records can be told from the proxy's (127.0.0.1, the only trusted proxy here).

Through the proxy: the site answers over HTTPS without a redirect loop, its cookies are Secure, a login works, and
failed logins, the lockout and the audit log see each browser's own address, whatever X-Forwarded-For it sends.
Straight to gunicorn from an untrusted address: X-Forwarded-Proto and X-Forwarded-For are not believed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command
from django.test import override_settings

from childprotect.audit.actions import AuthAction
from childprotect.audit.models import AuditEntry
from devtools.bench.serving import Server, production_server
from tests.factories import PASSWORD
from tests.support.tls_proxy import CADDY, Client, Proxy, caddy_proxy, csrf_token_in
from tests.support.worker_process import database_url, wait_for

# Committed, so that the server's own connections see the user; the migrations' rows are put back after.
pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("eager_celery"),
    pytest.mark.skipif(not Path(CADDY).exists(), reason="needs Debian's caddy (.ci/system-packages test)"),
    pytest.mark.skipif(not shutil.which("gunicorn", path=str(Path(sys.executable).parent)), reason="needs gunicorn"),
]

LOGIN = "/accounts/login/"
HEALTHCHECK = Path(__file__).resolve().parents[2] / "childprotect" / "deploy" / "healthcheck.py"
PROXY_ADDRESS = "127.0.0.1"


@dataclass
class Site:
    server: Server
    proxy: Proxy

    def browser(self, source: str) -> Client:
        return Client(self.proxy.https_port, self.proxy.root_ca, source=source)

    def straight(self, source: str) -> Client:
        """A client of gunicorn itself, not through the proxy."""
        return Client(self.server.port, source=source, tls=False)


@pytest.fixture
def site(tmp_path, monkeypatch) -> Iterator[Site]:
    monkeypatch.setenv("DATABASE_URL", database_url())
    monkeypatch.delenv("CACHE_URL", raising=False)  # the server's cache in its own folder
    var = tmp_path / "var"
    # The production storage reads the manifest of hashed names; made here without whitenoise's compression (which
    # takes half a minute and changes nothing this test looks at).
    manifest = {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}
    with override_settings(STATIC_ROOT=var / "staticfiles", STORAGES={"staticfiles": manifest}):
        call_command("collectstatic", interactive=False, verbosity=0)
    env = {
        "CHILDPROTECT_VAR_DIR": str(var),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "TRUSTED_PROXIES": PROXY_ADDRESS,
        "CHILDPROTECT_SITE_URL": "https://localhost",
    }
    with production_server(lambda _: None, workers=1, threads=4, static=False, extra_env=env) as server:
        (tmp_path / "caddy").mkdir()
        with caddy_proxy(f"127.0.0.1:{server.port}", tmp_path / "caddy") as proxy:
            yield Site(server, proxy)


@pytest.fixture
def officer(officer_a):
    """Officer A with a password the production settings can check (the tests' own hasher is MD5, theirs not)."""
    officer_a.password = PBKDF2PasswordHasher().encode(PASSWORD, "proxytestsalt")
    officer_a.save(update_fields=["password"])
    return officer_a


def login(browser: Client, password: str, headers: dict[str, str] | None = None):
    page = browser.get(LOGIN)
    assert page.status == 200, page.text[:500]
    fields = {"username": "officer_a", "password": password}
    return browser.post_form(LOGIN, fields, token=csrf_token_in(page.text), headers=headers)


def test_through_the_proxy_the_site_is_https_with_secure_cookies_and_a_login_works(site, officer):
    browser = site.browser("127.0.0.3")

    page = browser.get(LOGIN)
    assert page.status == 200  # no redirect: Django believes the proxy's X-Forwarded-Proto
    assert 'name="csrfmiddlewaretoken"' in page.text
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    csrf = page.set_cookies()["csrftoken"]
    assert "; Secure" in csrf and "SameSite" in csrf

    answer = browser.post_form(LOGIN, {"username": "officer_a", "password": PASSWORD}, token=csrf_token_in(page.text))
    assert answer.status == 302, answer.text[:1000]
    assert answer.headers["Location"].startswith("/")  # a path on this site, never http://
    session = answer.set_cookies()["sessionid"]
    assert "; Secure" in session and "; HttpOnly" in session
    assert browser.get("/").status == 200  # signed in, over the proxy, with that cookie
    (entry,) = AuditEntry.objects.filter(action=AuthAction.LOGIN)
    assert entry.ip == "127.0.0.3"

    # The proxy's plain HTTP port only redirects to HTTPS.
    plain = Client(site.proxy.http_port, source="127.0.0.3", tls=False).get(LOGIN)
    assert plain.status in (301, 308) and plain.headers["Location"] == f"https://localhost{LOGIN}"


def test_failed_logins_and_the_lockout_count_each_browser_by_its_own_address(site, officer):
    spoofing = site.browser("127.0.0.3")
    # What a browser says in X-Forwarded-For is replaced by the proxy with the address it came from.
    for _ in range(4):
        answer = login(spoofing, "sai-mật-khẩu", headers={"X-Forwarded-For": "1.2.3.4"})
        assert answer.status == 200 and "Tên đăng nhập hoặc mật khẩu không đúng" in answer.text
    assert set(AuditEntry.objects.filter(action=AuthAction.LOGIN_FAILED).values_list("ip", flat=True)) == {"127.0.0.3"}
    assert login(spoofing, "sai-mật-khẩu").status == 429  # the fifth: locked out
    assert login(spoofing, PASSWORD).status == 429
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.ip_address == "127.0.0.3" and attempt.username == "officer_a"
    assert set(AuditEntry.objects.filter(action=AuthAction.LOCKED).values_list("ip", flat=True)) == {"127.0.0.3"}

    # The lockout is for that name from that address: had the application seen the proxy's address, every browser
    # would be locked out with it.
    other = site.browser("127.0.0.4")
    assert login(other, PASSWORD).status == 302
    assert AuditEntry.objects.get(action=AuthAction.LOGIN).ip == "127.0.0.4"


def test_straight_to_gunicorn_the_forwarding_headers_are_not_believed(site, officer):
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "1.2.3.4", "X-Forwarded-Host": "evil.example"}
    outsider = site.straight("127.0.0.2")

    page = outsider.get(LOGIN, headers=forged)
    assert page.status == 301  # plain HTTP, whatever the request says: sent to HTTPS
    assert page.headers["Location"] == f"https://localhost:{site.server.port}{LOGIN}"  # its own Host, not evil.example
    answer = outsider.post_form(LOGIN, {"username": "officer_a", "password": "sai"}, headers=forged)
    assert answer.status == 301
    assert not AuditEntry.objects.filter(action=AuthAction.LOGIN_FAILED).exists()

    # The same request from the trusted proxy's address is believed: what differs is only who sent it.
    proxy = site.straight(PROXY_ADDRESS)
    page = proxy.get(LOGIN, headers=forged | {"X-Forwarded-Host": "localhost"})
    assert page.status == 200
    answer = proxy.post_form(
        LOGIN, {"username": "officer_a", "password": "sai"}, token=csrf_token_in(page.text),
        headers=forged | {"X-Forwarded-Host": "localhost", "Origin": "https://localhost:" + str(site.server.port),
                          "Referer": f"https://localhost:{site.server.port}{LOGIN}"},
    )  # fmt: skip
    assert answer.status == 200, answer.text[:500]
    assert AuditEntry.objects.get(action=AuthAction.LOGIN_FAILED).ip == "1.2.3.4"


def test_the_proxy_refuses_a_body_larger_than_the_largest_upload_before_it_reaches_gunicorn(site, officer):
    browser = site.browser("127.0.0.3")

    assert browser.declared_body(LOGIN, 33_000_000) == 413  # at once, with the body not sent
    assert browser.declared_body(LOGIN, 10**10) == 413
    assert browser.get(LOGIN).status == 200
    assert wait_for(lambda: "GET /accounts/login/" in site.server.log())  # gunicorn's access log
    assert "POST /accounts/login/" not in site.server.log()

    # The largest import allowed (30 MiB) and its form are let through to gunicorn.
    assert browser.declared_body(LOGIN, 30 * 1024 * 1024 + 100_000) != 413
    assert wait_for(lambda: "POST /accounts/login/" in site.server.log())


def test_the_compose_health_check_of_web_asks_gunicorn_as_the_proxy_would(site):
    def check(path: str) -> subprocess.CompletedProcess[str]:
        env = site.server.env | {"PORT": str(site.server.port), "ALLOWED_HOSTS": "localhost,127.0.0.1"}
        return subprocess.run(  # noqa: S603
            [sys.executable, str(HEALTHCHECK), "web", path], env=env, capture_output=True, text=True, timeout=60,
            check=False,
        )  # fmt: skip

    # Production settings, plain HTTP from the container's loopback: neither refused for its Host nor redirected.
    assert check(LOGIN).returncode == 0
    missing = check("/no-such-page/")
    assert missing.returncode == 1 and "HTTP 404" in missing.stderr
