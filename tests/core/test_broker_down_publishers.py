"""Work queued on commit while the broker is down: the request does not fail, and nothing waits for a task that was
never queued (docs/architecture.md#broker-outages-and-killed-workers). E-mails and webhooks have their sweeps
(tests/alerts, tests/api); these are the jobs a person asked for and sees."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from childprotect.core.imports import NOT_QUEUED
from childprotect.core.models import ImportJob, ImportStatus
from tests.support.builders import child_row, csv_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def test_an_upload_while_the_broker_is_down_ends_failed_with_a_message_not_checking_forever(
    client, supervisor, django_capture_on_commit_callbacks, request
):
    request.getfixturevalue("dead_broker")
    client.force_login(supervisor)
    content = csv_file([child_row("Nguyễn Văn An")])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("imports"), {"kind": "children", "file": SimpleUploadedFile("tre-em.csv", content)}
        )
    assert response.status_code == 302
    job = ImportJob.objects.latest("id")
    assert job.status == ImportStatus.FAILED
    assert job.result == {"message": NOT_QUEUED}
    assert job.finished_at is not None


def test_a_confirmation_while_the_broker_is_down_ends_failed_and_imports_nothing(
    import_upload, client, supervisor, django_capture_on_commit_callbacks, request
):
    job = import_upload(supervisor, csv_file([child_row("Nguyễn Văn An")]))
    assert job.status == ImportStatus.CHECKED
    request.getfixturevalue("dead_broker")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import_confirm", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.result) == (ImportStatus.FAILED, {"message": NOT_QUEUED})
