"""Attachments and made files in an S3-compatible bucket (CHILDPROTECT_S3_BUCKET), against a real S3-protocol server:
moto's, run on 127.0.0.1 (a third-party implementation of the S3 API, like MinIO in production). Uploads land in the
bucket as private objects; downloads stream through the views that check access, never a bucket URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cases.models import Attachment
from cases.services import report_attach_child
from childprotect.core.models import ExportJob, ExportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

S3_PORT = 9354
ENDPOINT = f"http://127.0.0.1:{S3_PORT}"
KEYS = {"aws_access_key_id": "cp-test", "aws_secret_access_key": "cp-test-secret", "region_name": "us-east-1"}
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def s3_server():
    moto_server = pytest.importorskip("moto.server", reason="moto[server] (requirements-dev.txt) is not installed")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=S3_PORT, verbose=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def bucket(s3_server, settings) -> str:
    """A bucket of the test's own, and the default storage in it, as settings.py makes it from CHILDPROTECT_S3_*."""
    name = f"cp-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=ENDPOINT, **KEYS).create_bucket(Bucket=name)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": name,
                "endpoint_url": ENDPOINT,
                "access_key": KEYS["aws_access_key_id"],
                "secret_key": KEYS["aws_secret_access_key"],
                "region_name": KEYS["region_name"],
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
                "max_memory_size": 10 * 1024 * 1024,
                "addressing_style": "path",
            },
        },
    }
    return name


def objects(bucket: str) -> dict[str, bytes]:
    client = boto3.client("s3", endpoint_url=ENDPOINT, **KEYS)
    listed = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    return {item["Key"]: client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read() for item in listed}


def test_an_attachment_is_stored_in_the_bucket_and_downloaded_only_through_the_view(
    client, bucket, officer_a, officer_b, make_report, make_child
):
    report = make_report(officer_a)
    report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    case = report.cases.get()
    client.force_login(officer_a)
    upload = SimpleUploadedFile("quyet-dinh.pdf", PDF, content_type="application/pdf")
    response = client.post(reverse("cases:attachment_upload", args=[case.pk]), {"file": upload})
    assert response.status_code == 302

    attachment = Attachment.objects.get()
    stored = objects(bucket)
    assert stored == {attachment.file.name: PDF}  # in the bucket, under its random name
    assert attachment.file.name.startswith(f"attachments/{case.pk}/")
    acl = boto3.client("s3", endpoint_url=ENDPOINT, **KEYS).get_object_acl(Bucket=bucket, Key=attachment.file.name)
    assert not any("AllUsers" in grant["Grantee"].get("URI", "") for grant in acl["Grants"])  # private

    url = reverse("cases:attachment_download", args=[case.pk, attachment.pk])
    download = client.get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"] == 'attachment; filename="quyet-dinh.pdf"'
    assert download["Cache-Control"] == "no-store, private"
    assert ENDPOINT not in download.headers.get("Location", "")  # streamed, not sent to the bucket
    client.force_login(officer_b)
    assert client.get(url).status_code == 404


def test_an_attachment_whose_object_is_gone_is_a_404(client, bucket, officer_a, make_report, make_child):
    report = make_report(officer_a)
    report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    case = report.cases.get()
    client.force_login(officer_a)
    upload = SimpleUploadedFile("quyet-dinh.pdf", PDF, content_type="application/pdf")
    client.post(reverse("cases:attachment_upload", args=[case.pk]), {"file": upload})
    attachment = Attachment.objects.get()
    boto3.client("s3", endpoint_url=ENDPOINT, **KEYS).delete_object(Bucket=bucket, Key=attachment.file.name)
    assert client.get(reverse("cases:attachment_download", args=[case.pk, attachment.pk])).status_code == 404


def test_an_export_made_by_the_task_is_stored_in_the_bucket_and_streamed_to_its_owner(
    client, bucket, officer_a, officer_b, make_child, django_capture_on_commit_callbacks
):
    make_child(officer_a, full_name="Nguyễn Văn An")
    client.force_login(officer_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("cases:child_export"), {"format": "xlsx"})
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE
    stored = objects(bucket)
    assert list(stored) == [job.file.name]
    assert job.file.name.startswith("exports/")

    download = client.get(reverse("export_download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == stored[job.file.name]
    client.force_login(officer_b)
    assert client.get(reverse("export_download", args=[job.pk])).status_code == 404


def _settings_with(env: dict[str, str]) -> dict[str, object]:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'storage': s.STORAGES['default'], 'session': s.SESSION_ENGINE, 'databases': sorted(s.DATABASES),"
        "'routers': s.DATABASE_ROUTERS}, default=str))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHILDPROTECT_S3", "CACHE_URL", "DATABASE_"))}
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "childprotect.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def test_settings_switch_storage_sessions_and_replica_by_the_environment():
    plain = _settings_with({})
    assert plain["storage"] == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert plain["session"] == "childprotect.accounts.sessions"  # SQLite's busy handling kept
    assert plain["databases"] == ["default"]

    scaled = _settings_with(
        {
            "CHILDPROTECT_S3_BUCKET": "childprotect",
            "CHILDPROTECT_S3_ENDPOINT_URL": "http://minio:9000",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
            "DATABASE_URL": "postgres://cp:pw@db:5432/childprotect",
            "DATABASE_REPLICA_URL": "postgres://cp:pw@replica:5432/childprotect",
        }
    )
    storage = scaled["storage"]
    assert isinstance(storage, dict)
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "childprotect"
    assert storage["OPTIONS"]["default_acl"] == "private"
    assert storage["OPTIONS"]["addressing_style"] == "path"
    assert scaled["session"] == "django.contrib.sessions.backends.cached_db"
    assert scaled["databases"] == ["default", "replica"]
    assert scaled["routers"] == ["childprotect.db_router.ReplicaRouter"]
