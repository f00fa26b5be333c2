"""Back after saving, then Save again: every create form carries a one-time token, and sending
it again goes to the record already made instead of creating a second one; two submissions of one token at the same
moment make exactly one record."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cases.models import Attachment, CaseComment, Child, Report
from childprotect.audit.models import AuditEntry
from referrals.models import Referral
from tests.support.builders import open_case
from tests.support.concurrency import race, race_db
from tests.support.pages import child_post, client_for

pytestmark = pytest.mark.usefixtures("clock", "eager_celery")

SAVED = "Hồ sơ này đã được lưu"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def token_on(response) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', response.content.decode())
    assert match, "the form carries no one-time token"
    return match.group(1)


def send_twice(client: Client, page: str, data: dict, *, post_to: str | None = None, files=None):
    """Load the form, send it, go Back and send the same page again: the two responses."""
    token = token_on(client.get(page))

    def send():
        payload = {**data, "form_token": token}
        if files is not None:
            payload.update(files())
        return client.post(post_to or page, payload)

    return send(), send()


def assert_replay_shows_the_record(client: Client, first, second) -> None:
    assert first.status_code == second.status_code == 302
    assert second.url == first.url
    assert SAVED in client.get(second.url).content.decode()


@pytest.mark.django_db
def test_back_then_save_on_mau_01_makes_one_report(client, officer_a, report_post):
    client.force_login(officer_a)
    first, second = send_twice(client, reverse("cases:report_create"), report_post())
    assert Report.objects.count() == 1
    assert AuditEntry.objects.filter(action="report.receive").count() == 1
    assert_replay_shows_the_record(client, first, second)


@pytest.mark.django_db
def test_a_report_refused_for_an_error_keeps_its_token_and_saves_once_corrected(
    client,
    officer_a,
    report_post,
):
    client.force_login(officer_a)
    token = token_on(client.get(reverse("cases:report_create")))
    refused = client.post(reverse("cases:report_create"), {**report_post(description=""), "form_token": token})
    assert refused.status_code == 200 and token_on(refused) == token
    assert client.post(reverse("cases:report_create"), {**report_post(), "form_token": token}).status_code == 302
    assert Report.objects.count() == 1


@pytest.mark.django_db
def test_back_then_save_on_child_registration_makes_one_child(client, officer_a):
    client.force_login(officer_a)
    data = {**child_post(), "confirm_new": "on"}
    first, second = send_twice(client, reverse("cases:child_create"), data)
    assert Child.objects.count() == 1
    assert_replay_shows_the_record(client, first, second)


@pytest.mark.django_db
def test_back_then_save_on_registering_a_child_for_a_report_makes_one_child(client, officer_a, make_report):
    report = make_report(officer_a)
    client.force_login(officer_a)
    data = {**child_post(), "confirm_new": "on"}
    first, second = send_twice(client, reverse("cases:report_children", args=[report.pk]), data)
    assert Child.objects.count() == 1 and report.cases.count() == 1
    assert_replay_shows_the_record(client, first, second)


@pytest.mark.django_db
def test_back_then_save_on_a_referral_draft_makes_one_referral(
    client, officer_a, police_agency, make_report, make_child
):
    case = open_case(officer_a, make_report, make_child)
    client.force_login(officer_a)
    data = {
        "agency": str(police_agency.pk),
        "urgency": "urgent",
        "services_requested": "Điều tra, xác minh hành vi bạo lực.",
        "message": "",
        "child_consent": "given",
        "carer_consent": "given",
        "consent_note": "",
    }
    first, second = send_twice(client, reverse("referrals:referral_create", args=[case.pk]), data)
    assert Referral.objects.count() == 1
    assert_replay_shows_the_record(client, first, second)


@pytest.mark.django_db
def test_back_then_send_on_an_attachment_or_a_comment_adds_one(client, officer_a, make_report, make_child, settings):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    case = open_case(officer_a, make_report, make_child)
    client.force_login(officer_a)
    page = reverse("cases:case_detail", args=[case.pk])
    first, second = send_twice(
        client,
        page,
        {"description": "Quyết định"},
        post_to=reverse("cases:attachment_upload", args=[case.pk]),
        files=lambda: {"file": SimpleUploadedFile("qd.pdf", PDF, content_type="application/pdf")},
    )
    assert Attachment.objects.filter(case=case).count() == 1
    assert SAVED in client.get(second.url).content.decode()
    send_twice(client, page, {"text": "Đã gọi cho gia đình."}, post_to=reverse("cases:case_comment", args=[case.pk]))
    assert CaseComment.objects.filter(case=case).count() == 1


@race_db
def test_two_submissions_of_one_token_at_the_same_moment_make_one_report(officer_a, report_post):
    for _round in range(3):
        a, b = client_for(officer_a), client_for(officer_a)
        token = token_on(a.get(reverse("cases:report_create")))
        data = {**report_post(), "form_token": token}
        before = Report.objects.count()
        results = race(
            lambda a=a, data=data: a.post(reverse("cases:report_create"), data),
            lambda b=b, data=data: b.post(reverse("cases:report_create"), data),
        )
        assert all(not isinstance(r, BaseException) for r in results), results
        assert [r.status_code for r in results] == [302, 302]
        assert Report.objects.count() == before + 1
        assert results[0].url == results[1].url
