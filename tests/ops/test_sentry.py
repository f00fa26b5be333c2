"""Sentry: a server error reaches a real ingestion endpoint (tests/support/sentry_server.py) as an envelope with the
exception's type, the request id and the user id, and without the request's data: the posted child's name, the
reporter's phone, the query string, cookies, the username, the exception's message, local variables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import sentry_sdk
from django.test import Client

from childprotect.logs.context import SAFE_HEADERS
from childprotect.logs.sentry import SCRUBBED, scrub_event, sentry_start
from childprotect.logs.task_context import REQUEST_ID_HEADER, USER_ID_HEADER
from tests.support.log_tasks import fail_with
from tests.support.wsgi import wsgi_post

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock", "eager_celery"),
    pytest.mark.urls("tests.support.failing_urls"),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
CHILD_NAME = "Lò Thị Bích Ngọc"
REPORTER_PHONE = "0912345678"
CSRF_SECRET = "a" * 32  # Django takes the cookie's secret itself as the form's token


@pytest.fixture
def sentry_on(sentry_server):
    sentry_start(dsn=sentry_server.dsn, environment="kiem-thu", release="childprotect@abc123")
    yield sentry_server
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.get_global_scope().set_client(None)


def forms_of(text: str) -> list[bytes]:
    """The ways a string can appear in an envelope: UTF-8, JSON-escaped, percent-encoded."""
    return [text.encode(), json.dumps(text)[1:-1].encode(), quote(text).encode(), quote(text, safe="").encode()]


def test_a_server_error_reaches_sentry_with_the_ids_and_without_protected_data(sentry_on, client, officer_a):
    client.force_login(officer_a)
    session = client.cookies["sessionid"].value

    response = wsgi_post(
        "/test/boom/",
        {"child_name": CHILD_NAME, "reporter_phone": REPORTER_PHONE, "csrfmiddlewaretoken": CSRF_SECRET},
        query=urlencode({"tim": CHILD_NAME}),
        headers={"X-Request-ID": "sentry-req-1", "X-Reporter": REPORTER_PHONE, "User-Agent": "Firefox/140"},
        cookies={"sessionid": session, "csrftoken": CSRF_SECRET, "ghi_chu": "cookie-value-7f3a"},
    )
    assert response.status == 500
    sentry_sdk.flush(timeout=10)
    assert sentry_on.got_event.wait(10)

    events = [event for event in sentry_on.events() if event.get("exception")]
    assert len(events) == 1
    event = events[0]
    exception = event["exception"]["values"][-1]
    assert exception["type"] == "ChildSaveError"
    assert exception["value"] == SCRUBBED
    assert event["tags"]["request_id"] == "sentry-req-1" == response.headers["X-Request-ID"]
    assert event["tags"]["user_id"] == str(officer_a.pk)
    assert event["user"] == {"id": str(officer_a.pk)}
    assert (event["environment"], event["release"]) == ("kiem-thu", "childprotect@abc123")
    assert event["request"]["url"] == "http://testserver/test/boom/"
    assert event["request"]["method"] == "POST"
    assert set(event["request"]) == {"url", "method", "headers"}
    headers = {name.lower(): value for name, value in event["request"]["headers"].items()}
    assert headers["user-agent"] == "Firefox/140" and headers["x-request-id"] == "sentry-req-1"
    assert set(headers) <= SAFE_HEADERS
    frames = exception["stacktrace"]["frames"]
    assert any(frame.get("function") == "boom" for frame in frames)
    assert all("vars" not in frame for frame in frames)
    assert any("sentry_key=publickey" in header for header in sentry_on.auth_headers)

    raw = sentry_on.raw()
    who = (officer_a.username, officer_a.full_name)
    protected_values = (CHILD_NAME, REPORTER_PHONE, "cookie-value-7f3a", session, *who)
    for protected in protected_values:
        for form in forms_of(protected):
            assert form not in raw, protected
    assert b"tim=" not in raw and b"ghi_chu" not in raw


def test_without_a_dsn_nothing_is_sent(sentry_server, officer_a):
    client = Client(raise_request_exception=False)
    client.force_login(officer_a)

    assert client.post("/test/boom/", {"child_name": CHILD_NAME}).status_code == 500
    sentry_sdk.flush(timeout=2)

    assert sentry_server.envelopes == []


def test_the_scrubber_drops_what_an_integration_may_add():
    event = {
        "request": {
            "url": f"https://bvte.example.vn/children/?q={CHILD_NAME}",
            "method": "GET",
            "query_string": f"q={CHILD_NAME}",
            "data": {"child_name": CHILD_NAME},
            "cookies": {"sessionid": "s3cr3t"},
            "headers": {"Cookie": "sessionid=s3cr3t", "Referer": f"/?q={CHILD_NAME}", "User-Agent": "Firefox"},
            "env": {"REMOTE_ADDR": "10.0.0.7"},
        },
        "exception": {"values": [{"type": "IntegrityError", "value": CHILD_NAME, "stacktrace": {
            "frames": [{"function": "save", "vars": {"name": CHILD_NAME}}]}}]},
        "threads": {"values": [{"stacktrace": {"frames": [{"vars": {"name": CHILD_NAME}}]}}]},
        "logentry": {"message": "Lỗi %s", "params": [CHILD_NAME], "formatted": f"Lỗi {CHILD_NAME}"},
        "breadcrumbs": {"values": [{"message": f"SELECT … '{CHILD_NAME}'"}]},
        "extra": {"celery-job": {"args": [CHILD_NAME]}},
        "contexts": {"runtime": {"name": "CPython"}, "response": {"body": CHILD_NAME}},
        "user": {"username": "officer_a", "email": "a@example.vn", "ip_address": "10.0.0.7"},
    }  # fmt: skip

    scrubbed = scrub_event(event, {})

    assert CHILD_NAME not in json.dumps(scrubbed, ensure_ascii=False)
    for secret in ("s3cr3t", "officer_a", "a@example.vn", "10.0.0.7"):
        assert secret not in json.dumps(scrubbed)
    assert scrubbed["request"] == {
        "url": "https://bvte.example.vn/children/",
        "method": "GET",
        "headers": {"User-Agent": "Firefox"},
    }
    assert scrubbed["logentry"] == {"message": "Lỗi %s"}
    assert scrubbed["contexts"] == {"runtime": {"name": "CPython"}}
    assert "user" not in scrubbed


def test_the_settings_start_sentry_from_the_environment(tmp_path, sentry_server):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CHILDPROTECT_SENTRY")}
    environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "childprotect.settings",
            "CHILDPROTECT_VAR_DIR": str(tmp_path / "var"),
            "CHILDPROTECT_SENTRY_DSN": sentry_server.dsn,
            "CHILDPROTECT_SENTRY_RELEASE": "childprotect@def456",
        }
    )
    code = (
        "import django, json, sentry_sdk; django.setup(); o = sentry_sdk.get_client().options; "
        "print(json.dumps({k: o[k] for k in ('dsn', 'environment', 'release', 'send_default_pii', "
        "'include_local_variables', 'max_request_body_size', 'max_breadcrumbs', 'data_collection')} | {'before_send': "
        "o['before_send'].__qualname__, 'integrations': sorted(sentry_sdk.get_client().integrations)}))"
    )
    done = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=environ, capture_output=True, text=True, timeout=120
    )

    assert done.returncode == 0, done.stderr
    options = json.loads(done.stdout.strip().splitlines()[-1])
    assert options["dsn"] == sentry_server.dsn
    assert (options["environment"], options["release"]) == ("development", "childprotect@def456")
    assert options["send_default_pii"] in (None, False) and options["include_local_variables"] is False
    collection = options["data_collection"]
    assert collection["user_info"] is False and collection["http_bodies"] == []
    assert collection["cookies"]["mode"] == collection["url_query_params"]["mode"] == "off"
    assert collection["http_headers"]["request"]["mode"] == "allowlist"
    assert collection["stack_frame_variables"] is False and collection["database_query_data"] is False
    assert (options["max_request_body_size"], options["max_breadcrumbs"]) == ("never", 0)
    assert options["before_send"] == "scrub_event"
    assert {"django", "celery"} <= set(options["integrations"])


def test_a_failing_task_reaches_sentry_with_the_request_id_and_without_its_arguments(sentry_on):
    headers = {REQUEST_ID_HEADER: "task-req-1", USER_ID_HEADER: 77}

    result = fail_with.apply(args=[CHILD_NAME], headers=headers, throw=False)

    assert result.failed()
    sentry_sdk.flush(timeout=10)
    assert sentry_on.got_event.wait(10)
    (event,) = [event for event in sentry_on.events() if event.get("exception")]
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert event["tags"]["request_id"] == "task-req-1" and event["user"] == {"id": "77"}
    for form in forms_of(CHILD_NAME):
        assert form not in sentry_on.raw()
