"""The 500 mail to ADMINS: one mail per server error, with the request id and the user id, and none of the request's
data (a posted child's name, the query string, cookies, the username), nor the exception's message (a database
error's DETAIL quotes the row)."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.views.debug import ExceptionReporter, get_exception_reporter_class

from childprotect.logs.addresses import admins_from
from childprotect.logs.reporter import ProtectedDataReporter

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("clock", "eager_celery"),
    pytest.mark.urls("tests.support.failing_urls"),
]

CHILD_NAME = "Lò Thị Bích Ngọc"
REPORTER_PHONE = "0912345678"
ADMINS = [("Quản trị", "quantri@example.vn")]


def post_the_failing_form(user) -> tuple:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    client.cookies["ghi_chu"] = "cookie-value-7f3a"
    response = client.post(
        f"/test/boom/?tim={CHILD_NAME}",
        {"child_name": CHILD_NAME, "reporter_phone": REPORTER_PHONE},
        headers={"X-Request-ID": "mail-req-1"},
    )
    return client, response


@override_settings(ADMINS=ADMINS)
def test_a_server_error_mails_the_admins_once_with_the_ids_and_no_data(officer_a):
    client, response = post_the_failing_form(officer_a)

    assert response.status_code == 500
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["quantri@example.vn"]
    assert message.subject.startswith("[childprotect] ERROR")
    assert "Request ID: mail-req-1" in message.body
    assert f"User ID: {officer_a.pk}" in message.body
    assert "ChildSaveError" in message.body
    assert "failing_urls.py" in message.body  # where in the code
    assert not getattr(message, "alternatives", [])  # no HTML part (it would list the request's data)
    everything = message.message().as_bytes().decode("utf-8", "replace") + message.subject + message.body
    session = client.cookies["sessionid"].value
    who = (officer_a.username, officer_a.full_name)
    protected_values = (CHILD_NAME, REPORTER_PHONE, "cookie-value-7f3a", session, *who)
    for protected in protected_values:
        assert protected not in everything
    assert "tim=" not in everything


def test_without_admins_no_mail_is_sent(officer_a):
    _, response = post_the_failing_form(officer_a)

    assert response.status_code == 500
    assert mail.outbox == []


@override_settings(ADMINS=ADMINS)
def test_django_s_own_reporter_also_hides_the_request_s_data(rf, officer_a):
    request = rf.post(f"/test/boom/?tim={CHILD_NAME}", {"child_name": CHILD_NAME})
    request.COOKIES["ghi_chu"] = "cookie-value-7f3a"
    request.META["HTTP_X_REPORTER"] = REPORTER_PHONE
    request.user = officer_a
    child_name = CHILD_NAME  # a local variable of the failing frame
    try:
        raise RuntimeError("x")
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
    data = reporter.get_traceback_data()

    assert set(data["filtered_POST_items"]) == {("child_name", "********************")}
    assert dict(data["request_COOKIES_items"])["ghi_chu"] == "********************"
    assert data["request_meta"]["HTTP_X_REPORTER"] == "********************"
    frame_vars = dict(data["frames"][-1]["vars"])
    assert frame_vars["child_name"].strip("'") == "********************" and child_name


def test_without_debug_the_default_reporter_is_the_one_without_data(rf, officer_a):
    request = rf.post(f"/test/boom/?tim={CHILD_NAME}", {"child_name": CHILD_NAME})
    request.user = officer_a
    try:
        raise RuntimeError(CHILD_NAME)
    except RuntimeError:
        reporter_class: Any = get_exception_reporter_class(request)
        reporter = reporter_class(request, *sys.exc_info())

    assert isinstance(reporter, ProtectedDataReporter)
    text = reporter.get_traceback_text() + reporter.get_traceback_html()
    assert "RuntimeError" in text and CHILD_NAME not in text and "tim=" not in text
    assert f"User ID: {officer_a.pk}" in text


@pytest.mark.parametrize(
    ("value", "admins"),
    [
        ("", []),
        ("a@example.vn", [("a@example.vn", "a@example.vn")]),
        (
            "Nguyễn Quản Trị <qt@example.vn>, b@example.vn",
            [("Nguyễn Quản Trị", "qt@example.vn"), ("b@example.vn", "b@example.vn")],
        ),
    ],
)
def test_admins_are_read_from_the_environment_s_list(value, admins):
    assert admins_from(value) == admins
