"""Log lines: one JSON object a line with the request id and the user's numeric id, the traceback as text, and no
request data; the production settings choose JSON; a task's lines carry the id of the request that queued it."""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from kombu.connection import Connection

from childprotect.celery import app as celery_app
from childprotect.logs.context import current_request, current_request_id, current_task_user_id
from childprotect.logs.task_context import REQUEST_ID_HEADER, USER_ID_HEADER
from tests.support.log_tasks import LOG_LINE, log_line

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock", "eager_celery"),
    pytest.mark.urls("tests.support.failing_urls"),
]

REPO_ROOT = Path(__file__).resolve().parents[2]
CHILD_NAME = "Lò Thị Bích Ngọc"
KEYS = {"time", "level", "logger", "message", "request_id", "user_id"}


def test_a_line_carries_the_request_id_and_the_user_id(client, officer_a, json_log):
    client.force_login(officer_a)

    response = client.get("/test/logged/", headers={"X-Request-ID": "trace-7"})

    line = next(line for line in json_log.lines() if line["message"] == "đã xem trang thử")
    assert set(line) == KEYS
    assert line["request_id"] == response["X-Request-ID"] == "trace-7"
    assert line["user_id"] == officer_a.pk
    assert line["level"] == "INFO" and line["logger"] == "tests.failing"
    assert line["time"].endswith("Z")


def test_an_anonymous_line_has_no_user_id(client, json_log):
    response = client.get("/test/logged/")

    line = next(line for line in json_log.lines() if line["message"] == "đã xem trang thử")
    assert line["request_id"] == response["X-Request-ID"]
    assert line["user_id"] is None


def test_a_server_error_is_one_line_with_its_traceback_and_no_posted_data(officer_a, json_log):
    client = Client(raise_request_exception=False)
    client.force_login(officer_a)
    client.cookies["ghi_chu"] = CHILD_NAME.encode().hex()

    response = client.post(
        f"/test/logged/?fail=1&q={CHILD_NAME}", {"child_name": CHILD_NAME, "reporter_phone": "0912345678"}
    )

    assert response.status_code == 500
    raw = json_log.raw()
    assert len(raw.splitlines()) == len(json_log.lines())  # every line is one JSON object, tracebacks included
    error = next(line for line in json_log.lines() if line["level"] == "ERROR")
    assert error["logger"] == "django.request"
    assert error["request_id"] == response["X-Request-ID"]
    assert error["user_id"] == officer_a.pk
    assert error["exc_info"].startswith("Traceback") and "RuntimeError: lỗi thử" in error["exc_info"]
    for protected in (CHILD_NAME, "0912345678", CHILD_NAME.encode().hex(), officer_a.username, officer_a.full_name):
        assert protected not in raw


def test_a_newline_in_a_message_does_not_make_a_second_line(json_log):
    logging.getLogger("tests.failing").warning('dòng một\n{"level": "ERROR"}')

    assert len(json_log.raw().splitlines()) == 1
    assert json_log.lines()[0]["message"] == 'dòng một\n{"level": "ERROR"}'


def test_a_task_queued_by_a_request_logs_its_request_id(json_log, officer_a):
    token_request = current_request_id.set("queued-by-9")
    token_user = current_task_user_id.set(officer_a.pk)
    try:
        log_line.delay("trong tác vụ")  # eager: in the request's context
    finally:
        current_task_user_id.reset(token_user)
        current_request_id.reset(token_request)

    line = next(line for line in json_log.lines() if line["message"] == "trong tác vụ")
    assert (line["request_id"], line["user_id"]) == ("queued-by-9", officer_a.pk)


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task publishes, eager or not
def test_the_request_id_travels_in_the_task_message_and_is_taken_up_by_the_worker(json_log, officer_a):
    token = current_request_id.set("queued-by-10")
    token_user = current_task_user_id.set(officer_a.pk)
    try:
        with Connection("memory://") as connection:
            queue = connection.SimpleQueue("log-tests")
            celery_app.send_task(LOG_LINE, args=["x"], connection=connection, queue="log-tests")
            message = queue.get(timeout=2)
            headers = message.headers
            message.ack()
            queue.close()
    finally:
        current_task_user_id.reset(token_user)
        current_request_id.reset(token)
    assert headers[REQUEST_ID_HEADER] == "queued-by-10"
    assert headers[USER_ID_HEADER] == officer_a.pk

    # The worker's side: outside any request, the headers name the request and its user.
    assert current_request.get() is None and current_request_id.get() is None
    log_line.apply(args=["ở worker"], headers={REQUEST_ID_HEADER: "queued-by-10", USER_ID_HEADER: officer_a.pk})

    line = next(line for line in json_log.lines() if line["message"] == "ở worker")
    assert (line["request_id"], line["user_id"]) == ("queued-by-10", officer_a.pk)
    assert current_request_id.get() is None  # put back after the task


def _log_from_a_new_process(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """A new process that sets Django up from childprotect.settings in this environment, then logs one line."""
    unset = {"DEBUG", "CHILDPROTECT_LOG_FORMAT", "DJANGO_PRODUCTION"}
    environ = {k: v for k, v in os.environ.items() if k not in unset}
    environ.update(
        {
            "ALLOWED_HOSTS": "childprotect.example.vn",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SETTINGS_MODULE": "childprotect.settings",
            "CHILDPROTECT_VAR_DIR": str(tmp_path / "var"),
            **env,
        }
    )
    code = "import django, logging; django.setup(); logging.getLogger('probe').warning('xin chào %s', 1)"
    return subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_logs_json_lines_to_standard_output(tmp_path):
    done = _log_from_a_new_process(tmp_path, DJANGO_PRODUCTION="1")

    assert done.returncode == 0, done.stderr
    line = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(line) == KEYS
    assert (line["level"], line["logger"], line["message"]) == ("WARNING", "probe", "xin chào 1")


def test_production_can_log_text_and_development_logs_text(tmp_path):
    production_text = _log_from_a_new_process(tmp_path, DJANGO_PRODUCTION="1", CHILDPROTECT_LOG_FORMAT="text")
    development = _log_from_a_new_process(tmp_path)

    for done in (production_text, development):
        assert done.returncode == 0, done.stderr
        last = done.stderr.strip().splitlines()[-1]  # text goes to standard error, beside a command's output
        assert "WARNING probe [- user=-] xin chào 1" in last  # no request, no user: dashes
        assert not last.startswith("{")


def test_an_unknown_log_format_stops_the_start(tmp_path):
    done = _log_from_a_new_process(tmp_path, CHILDPROTECT_LOG_FORMAT="xml")

    assert done.returncode != 0
    assert "CHILDPROTECT_LOG_FORMAT" in done.stderr


def test_an_api_request_with_a_token_logs_the_token_s_account_id(hotline, json_log):
    # The API authenticates inside the view (DRF), after the middleware: the line still gets the account's id.
    response = hotline.call("get", "/api/v1/reports/2026-14797-999999/", HTTP_X_REQUEST_ID="api-req-3")

    assert response.status_code == 404
    line = next(line for line in json_log.lines() if line["logger"] == "django.request")
    assert line["level"] == "WARNING" and line["request_id"] == "api-req-3"
    assert line["user_id"] == hotline.client.account.pk
