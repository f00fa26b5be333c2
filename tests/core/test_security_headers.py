"""Hardening: security headers and the Content-Security-Policy on every response, templates that the policy
does not break (no inline script, no event handler, nothing from a CDN), and no secret in the repository."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from cases.models import Environment, ReportType, Term, TermKind
from cases.services import ReportData, report_receive
from childprotect.security import CONTENT_SECURITY_POLICY, SECURITY_HEADERS, SecurityHeadersMiddleware

REPO_ROOT = Path(__file__).resolve().parents[2]
MIDDLEWARE_PATH = "childprotect.security.SecurityHeadersMiddleware"
EXPECTED_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
EXPECTED_HEADERS = {
    "Content-Security-Policy": EXPECTED_CSP,
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


@pytest.fixture
def with_headers():
    """The middleware in the chain, whether settings.MIDDLEWARE has it yet or not."""
    middleware = list(settings.MIDDLEWARE)
    if MIDDLEWARE_PATH not in middleware:
        middleware.append(MIDDLEWARE_PATH)
    with override_settings(MIDDLEWARE=middleware):
        yield


def assert_security_headers(response) -> None:
    for name, value in EXPECTED_HEADERS.items():
        assert response.headers.get(name) == value, name


# --- the headers ----------------------------------------------------------------------------------------------------


def test_the_policy_constant_is_the_documented_one():
    assert CONTENT_SECURITY_POLICY == EXPECTED_CSP
    assert {"Content-Security-Policy": CONTENT_SECURITY_POLICY, **SECURITY_HEADERS} == EXPECTED_HEADERS


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("user", "page", "status"),
    [(None, "login", 200), ("officer_a", "home", 200), ("officer_a", "/this-page-does-not-exist/", 404)],
    ids=["a-page", "a-page-of-a-logged-in-user", "a-404"],
)
def test_headers_on(user, page, status, client, with_headers, request):
    if user:
        client.force_login(request.getfixturevalue(user))
    response = client.get(page if page.startswith("/") else reverse(page))
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.django_db
def test_headers_on_a_pdf(client, with_headers, officer_a, commune_a):
    report = report_receive(
        actor=officer_a,
        data=ReportData(
            report_type=ReportType.NOTIFICATION,
            channel=Term.objects.get(kind=TermKind.CHANNEL, code="phone"),
            received_at=timezone.now() - dt.timedelta(hours=1),
            description="Hàng xóm nghe thấy trẻ bị đánh nhiều lần vào buổi tối.",
            environment=Environment.FAMILY,
            incident_unit=commune_a,
            forms=["violence"],
            reporter_name="Đỗ Thị Mai",
        ),
    )
    client.force_login(officer_a)
    response = client.get(reverse("cases:report_form_pdf", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert_security_headers(response)


def _view(request):
    return HttpResponse("ok")


def test_the_setting_replaces_the_policy_and_an_empty_one_sends_none():
    middleware = SecurityHeadersMiddleware(_view)
    request = RequestFactory().get("/")
    with override_settings(CHILDPROTECT_CSP="default-src 'none'"):
        assert middleware(request)["Content-Security-Policy"] == "default-src 'none'"
    with override_settings(CHILDPROTECT_CSP=""):
        response = middleware(request)
        assert "Content-Security-Policy" not in response
        assert response["Permissions-Policy"] == EXPECTED_HEADERS["Permissions-Policy"]


def test_a_header_set_by_the_view_is_kept():
    def view(request):
        response = HttpResponse("ok")
        response["Content-Security-Policy"] = "default-src 'none'"
        response["Referrer-Policy"] = "no-referrer"
        return response

    response = SecurityHeadersMiddleware(view)(RequestFactory().get("/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["X-Content-Type-Options"] == "nosniff"


# --- templates the policy does not break ------------------------------------------------------------------------------

TAG = re.compile(r"<(?P<name>[a-zA-Z][a-zA-Z0-9-]*)\b(?P<attrs>[^<>]*)>", re.S)
SCRIPT_TAG = re.compile(r"<script\b(?P<attrs>[^>]*)>", re.I | re.S)
DATA_SCRIPT = re.compile(r"""\btype\s*=\s*["']?application/(?:ld\+)?json\b""", re.I)
EVENT_HANDLER = re.compile(r"""(?:^|\s)(?P<attr>on[a-z]+)\s*=""", re.I)
JAVASCRIPT_URL = re.compile(r"""\b(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
# What a page would load from another origin: src/href of anything but a link (<a>), CSS url() and @import.
REMOTE_ATTR = re.compile(r"""\b(?:src|srcset|href|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
REMOTE_CSS = re.compile(r"""(?:url\(\s*["']?\s*|@import\s+["']?)(?:https?:)?//""", re.I)
CDN_HOSTS = re.compile(
    r"cdn\.jsdelivr\.net|cdnjs\.cloudflare\.com|unpkg\.com|code\.jquery\.com|ajax\.googleapis\.com|"
    r"fonts\.googleapis\.com|fonts\.gstatic\.com|[a-z]+\.bootstrapcdn\.com|use\.fontawesome\.com|"
    r"kit\.fontawesome\.com|cdn\.tailwindcss\.com|cdn\.datatables\.net|ajax\.aspnetcdn\.com|stackpath\.",
    re.I,
)
STYLE_ATTR = re.compile(r"""(?:^|\s)style\s*=""", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)

# Rendered by WeasyPrint on the server (childprotect/pdf.py) or sent as email text: never served as a web page, so the
# policy does not apply to them. They still must not load anything from the network.
NOT_WEB_PAGES = ("pdf/", "core/email/")
# Web templates allowed to keep style="..." attributes that style-src 'self' blocks (none). The list only shrinks:
# a template not listed may not gain one, and a listed template that no longer has one must leave it.
STYLE_ATTRIBUTES_TO_REMOVE: set[str] = set()  # none left: every template styles by class


def template_files() -> dict[str, str]:
    """name -> text of every template of the project (templates/ and any app's templates/ folder)."""
    found: dict[str, str] = {}
    for folder in sorted(REPO_ROOT.glob("**/templates")):
        relative = folder.relative_to(REPO_ROOT).parts
        if any(part.startswith(".") or part in {"var", "node_modules", "static"} for part in relative):
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in {".html", ".txt", ".xml", ".svg", ".js", ".css"}:
                found[path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8")
    return found


def csp_problems(text: str) -> list[str]:
    """What the policy would block, or what loads from another origin, in one template's text."""
    problems = []
    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group("attrs")
        if not re.search(r"\bsrc\s*=", attrs, re.I) and not DATA_SCRIPT.search(attrs):
            problems.append(f"inline <script>: {match.group(0)[:80]}")
    for match in TAG.finditer(text):
        name, attrs = match.group("name").lower(), match.group("attrs")
        handler = EVENT_HANDLER.search(attrs)
        if handler:
            problems.append(f"event handler {handler.group('attr')}= on <{name}>")
        if JAVASCRIPT_URL.search(attrs):
            problems.append(f"javascript: URL on <{name}>")
        if name != "a" and REMOTE_ATTR.search(attrs):
            problems.append(f"remote resource on <{name}>: {match.group(0)[:100]}")
    problems += [f"remote CSS: {m.group(0)}" for m in REMOTE_CSS.finditer(text)]
    problems += [f"CDN: {m.group(0)}" for m in CDN_HOSTS.finditer(text)]
    return problems


def has_inline_style(text: str) -> bool:
    return STYLE_BLOCK.search(text) is not None or any(STYLE_ATTR.search(m.group("attrs")) for m in TAG.finditer(text))


def test_the_template_scanner_finds_what_the_policy_blocks():
    assert csp_problems("<script src=\"{% static 'app.js' %}\" defer></script>") == []
    assert csp_problems('<script type="application/json" id="data">{}</script>') == []
    assert csp_problems('<a href="https://thuvienphapluat.vn/">Luật</a>') == []
    assert csp_problems('<p class="small">Gọi ngay, online=có</p>') == []  # text between tags is not an attribute
    for bad in (
        "<script>alert(1)</script>",
        '<button type="button" onclick="go()">Đi</button>',
        '<form onsubmit="return check()">',
        '<a href="javascript:void(0)">x</a>',
        '<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.8/dist/js/bootstrap.bundle.min.js"></script>',
        '<link rel="stylesheet" href="//fonts.googleapis.com/css2?family=Roboto">',
        '<img src="http://example.com/logo.png" alt="">',
        "<style>@import url(https://example.com/a.css);</style>",
        "<!-- unpkg.com/htmx.org -->",
    ):
        assert csp_problems(bad), bad
    assert has_inline_style('<p style="white-space: pre-line">x</p>')
    assert has_inline_style("<style>p { color: red }</style>")
    assert not has_inline_style('<p class="pre-line" data-style="x">style=</p>')


def test_templates_have_no_inline_script_event_handler_or_cdn():
    templates = template_files()
    assert "base.html" in templates
    problems = [f"{name}: {problem}" for name, text in templates.items() for problem in csp_problems(text)]
    assert problems == [], "\n".join(problems)


def test_web_templates_gain_no_inline_style():
    with_style = {
        name
        for name, text in template_files().items()
        if not name.startswith(NOT_WEB_PAGES) and name.endswith(".html") and has_inline_style(text)
    }
    assert with_style - STYLE_ATTRIBUTES_TO_REMOVE == set(), "style-src 'self' blocks style attributes: use a class"
    assert STYLE_ATTRIBUTES_TO_REMOVE - with_style == set(), "fixed: remove it from STYLE_ATTRIBUTES_TO_REMOVE"


# --- no secret in the repository -------------------------------------------------------------------------------------

# Values that are documented as not secret: the development fallback of settings.py, the key the Dockerfile uses for
# collectstatic only, and the Makefile's placeholder for `docker-compose config`.
NOT_SECRET_KEYS = {
    "dev-only-insecure-key-do-not-use-in-production",
    "build-only-collectstatic-key-not-used-at-run-time-0123456789",
    "placeholder",
}
SECRET_PATTERNS = {
    "private key": re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    "AWS access key id": re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"),
    "AWS secret key": re.compile(r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+=]{40}"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{36,}\b"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "Google API key": re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"),
}
# An assignment of the secret key in Python, YAML, shell or .env syntax. An environment lookup, a call or a shell or
# compose variable is fine; a literal must be one of NOT_SECRET_KEYS. (Not the name inside ${...:?message}.)
SECRET_KEY_ASSIGNMENT = re.compile(
    r"""(?<!\$\{)\bSECRET_KEY["']?\s*[:=](?!=)\s*(?P<quote>["']?)(?P<value>[^\s"'`,)]*)"""
)
SECRET_KEY_DEFAULT = re.compile(r"""\bSECRET_KEY\b.*\bdefault\s*=\s*["'](?P<value>[^"']*)["']""")
# Files that hold keys or data and never belong in the repository (backups hold children's records).
FORBIDDEN_FILES = re.compile(
    r"(?:^|/)(?:\.env|id_rsa|id_dsa|id_ecdsa|id_ed25519)$|\.(?:pem|key|p12|pfx|jks|dump|sqlite3|sqlite|db)$"
)
COMPOSE_FILE = re.compile(r"(?:^|/)(?:docker-)?compose[\w.-]*\.ya?ml$")
COMPOSE_SECRET = re.compile(
    r"""^\s*-?\s*["']?(?P<key>[A-Za-z_][A-Za-z0-9_]*(?:PASSWORD|PASSWD|SECRET|SECRET_KEY|TOKEN|API_KEY))["']?"""
    r"""\s*[:=]\s*(?P<value>.*?)\s*(?:#.*)?$"""
)
URL_PASSWORD = re.compile(r"://[^/\s:@]+:(?P<password>[^@\s]*)@")


def secret_problems(path: str, text: str) -> list[str]:
    problems = [f"{name}" for name, pattern in SECRET_PATTERNS.items() if pattern.search(text)]
    for line_number, line in enumerate(text.splitlines(), 1):
        for match in SECRET_KEY_ASSIGNMENT.finditer(line):
            value, quoted = match.group("value"), bool(match.group("quote"))
            lookup = not quoted and (value.startswith("$") or re.match(r"[A-Za-z_][\w.]*\(", value) is not None)
            if value and not lookup and value not in NOT_SECRET_KEYS:
                problems.append(f"line {line_number}: a SECRET_KEY literal")
        default = SECRET_KEY_DEFAULT.search(line)
        if default and default.group("value") not in NOT_SECRET_KEYS:
            problems.append(f"line {line_number}: an undocumented SECRET_KEY default")
        if COMPOSE_FILE.search(path):
            secret = COMPOSE_SECRET.match(line)
            if (
                secret
                and secret.group("value").strip("\"'")
                and not secret.group("value").strip("\"'").startswith("${")
            ):
                problems.append(f"line {line_number}: {secret.group('key')} is not a ${{...}} variable")
            for url in URL_PASSWORD.finditer(line):
                if url.group("password") and not url.group("password").startswith("${"):
                    problems.append(f"line {line_number}: a password in a URL")
    return problems


def repository_files() -> list[str]:
    """Tracked files, and new ones git does not ignore (so that a secret is caught before it is committed)."""
    git = shutil.which("git")
    if git is None or not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [git, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return sorted({name for name in result.stdout.decode().split("\0") if name})


def test_the_secret_scanner_finds_secrets():
    key_line = "SECRET" + "_KEY = 'k3y-" + "x" * 40 + "'"
    assert secret_problems("childprotect/settings.py", key_line)
    assert secret_problems(".env", "SECRET" + "_KEY=abcdefghij0123456789")
    assert secret_problems("a.py", "-----BEGIN " + "RSA PRIVATE KEY-----\nMIIE...")
    assert secret_problems("a.py", "-----BEGIN " + "OPENSSH PRIVATE KEY-----")
    assert secret_problems("a.cfg", "aws_access_key_id = " + "AKIA" + "ABCDEFGHIJKLMNOP")
    assert secret_problems("docker-compose.yml", "      POSTGRES_PASSWORD: hunter2hunter2")
    assert secret_problems("docker-compose.yml", "  DATABASE_URL: postgres://app:hunter2@db:5432/app")
    assert secret_problems("docker-compose.yml", "  - EMAIL_HOST_PASSWORD=hunter2")
    for fine in (
        'SECRET_KEY = env.str("SECRET_KEY")',
        'SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production")',
        "SECRET_KEY: ${SECRET_KEY:?set SECRET_KEY}",
        "SECRET_KEY=$$(python -c 'import secrets')",
        '"SECRET_KEY": secrets.token_urlsafe(50),',
        'if settings.SECRET_KEY == "x":',
    ):
        assert secret_problems("docker-compose.yml", fine) == [], fine
    assert secret_problems("docker-compose.yml", "  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}") == []
    assert secret_problems("docker-compose.yml", "  DATABASE_URL: postgres://app:${POSTGRES_PASSWORD}@db/app") == []


def test_no_secret_in_the_repository():
    files = repository_files()
    assert "childprotect/settings.py" in files
    problems = [f"{name}: a file that must not be in the repository" for name in files if FORBIDDEN_FILES.search(name)]
    for name in files:
        path = REPO_ROOT / name
        if not path.is_file() or path.stat().st_size > 5 * 1024 * 1024:
            continue
        content = path.read_bytes()
        if b"\0" in content[:8192]:
            continue  # binary (fonts, compiled catalogues)
        problems += [f"{name}: {problem}" for problem in secret_problems(name, content.decode("utf-8", "replace"))]
    assert problems == [], "\n".join(problems)


def test_docker_compose_takes_its_passwords_from_variables():
    text = (REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "${POSTGRES_PASSWORD:?" in text
    assert "${SECRET_KEY:?" in text
    assert secret_problems("docker-compose.yml", text) == []
