"""Attachments: upload through the page (type by magic bytes, size, who), download only through the view, audited."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import override_settings
from django.urls import reverse

from cases.models import Attachment, Case
from cases.services import report_attach_child
from cases.services.attachments import attachment_add, detect_content_type
from childprotect.audit.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery", "fresh_storage")]

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64
TEXT = b"Bien ban hop ngay 20/11/2026\n" * 4

TYPE_REFUSED = "Chỉ nhận tệp PDF, PNG hoặc JPEG."


@pytest.fixture
def fresh_storage(settings):
    """A new in-memory storage for each test: what one test stores is not seen by the next."""
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def case(officer_a, make_report, make_child) -> Case:
    report = make_report(officer_a)
    report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    return report.cases.get()


@pytest.fixture
def other_case(officer_a, make_report, make_child) -> Case:
    report = make_report(officer_a, description="Trẻ bị bỏ rơi ở chợ.")
    child = make_child(officer_a, full_name="Lê Thị Bình", date_of_birth=None, birth_year=2016)
    report_attach_child(actor=officer_a, report=report, child=child)
    return report.cases.get()


def upload(name: str = "quyet-dinh.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def stored(case, officer_a) -> Attachment:
    return attachment_add(actor=officer_a, case=case, upload=upload(), description="Quyết định")


def upload_url(case: Case) -> str:
    return reverse("cases:attachment_upload", args=[case.pk])


def download_url(case: Case, attachment: Attachment) -> str:
    return reverse("cases:attachment_download", args=[case.pk, attachment.pk])


def case_url(case: Case) -> str:
    return reverse("cases:case_detail", args=[case.pk])


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]


def stored_files() -> list[str]:
    if not default_storage.exists("attachments"):
        return []
    names = []
    for folder in default_storage.listdir("attachments")[0]:
        names += [f"attachments/{folder}/{name}" for name in default_storage.listdir(f"attachments/{folder}")[1]]
    return names


def post_file(client, case: Case, file, **data):
    return client.post(upload_url(case), {"file": file, **data})


# --- Upload ----------------------------------------------------------------------------------------------------------


def test_officer_uploads_a_pdf(client, officer_a, case):
    client.force_login(officer_a)
    response = post_file(client, case, upload(), description="Quyết định")

    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    attachment = Attachment.objects.get()
    assert attachment.case == case
    assert attachment.step is None
    assert attachment.original_name == "quyet-dinh.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(PDF)
    assert attachment.description == "Quyết định"
    assert attachment.uploaded_by == officer_a
    # Random name on disk under the case's folder: the original name lives only in the database.
    assert attachment.file.name.startswith(f"attachments/{case.pk}/")
    assert "quyet" not in attachment.file.name
    with attachment.file.open("rb") as handle:
        assert handle.read() == PDF
    entry = AuditEntry.objects.get(action="case.attach")
    assert entry.actor == officer_a
    assert entry.object_id == str(case.pk)
    assert entry.changes == {"attachment": attachment.pk, "size": len(PDF), "type": "application/pdf"}
    assert messages_of(response) == [("success", "Đã đính kèm tệp “quyet-dinh.pdf”.")]


def test_upload_to_a_step_of_the_case(client, officer_a, case):
    step = case.steps.get(action="open")
    client.force_login(officer_a)
    post_file(client, case, upload("bien-ban.jpg", JPEG, "image/jpeg"), step=str(step.pk))

    attachment = Attachment.objects.get()
    assert attachment.step == step
    assert attachment.content_type == "image/jpeg"


def test_step_of_another_case_is_refused(client, officer_a, case, other_case):
    client.force_login(officer_a)
    response = post_file(client, case, upload(), step=str(other_case.steps.get().pk))

    assert response.status_code == 302
    assert messages_of(response) == [("error", "Bước này không thuộc hồ sơ.")]
    assert not Attachment.objects.exists()
    with pytest.raises(ValidationError, match="không thuộc hồ sơ"):
        attachment_add(actor=officer_a, case=case, upload=upload(), step=other_case.steps.get())


def test_png_named_pdf_is_stored_as_png(client, officer_a, case):
    client.force_login(officer_a)
    post_file(client, case, upload("giay-kham.pdf", PNG, "application/pdf"))

    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    assert attachment.original_name == "giay-kham.pdf"
    assert AuditEntry.objects.get(action="case.attach").changes["type"] == "image/png"


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("quyet-dinh.pdf", EXE, "application/pdf"),
        ("setup.exe", EXE, "application/x-msdownload"),
        ("bien-ban.pdf", TEXT, "application/pdf"),
        ("anh.png", TEXT, "image/png"),
    ],
)
def test_other_types_are_refused(client, officer_a, case, name, content, content_type):
    client.force_login(officer_a)
    response = post_file(client, case, upload(name, content, content_type))

    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    assert messages_of(response) == [("error", TYPE_REFUSED)]
    assert not Attachment.objects.exists()
    assert stored_files() == []
    assert not AuditEntry.objects.filter(action="case.attach").exists()


@override_settings(CHILDPROTECT_ATTACHMENT_MAX_BYTES=1024)
def test_too_large_is_refused(client, officer_a, case):
    client.force_login(officer_a)
    response = post_file(client, case, upload(content=PDF + b"0" * 2048))

    [(level, text)] = messages_of(response)
    assert level == "error"
    assert text.startswith("Tệp quá lớn")
    assert "tối đa 0,00098 MB" in text
    assert not Attachment.objects.exists()
    assert stored_files() == []


def test_limit_is_shown_in_whole_megabytes(officer_a, case, settings):
    settings.CHILDPROTECT_ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    big = SimpleUploadedFile("x.pdf", b"", content_type="application/pdf")
    big.size = 11 * 1024 * 1024  # the service trusts the upload handler's count; no need for 11 MB of bytes
    with pytest.raises(ValidationError, match=r"tối đa 10 MB\."):
        attachment_add(actor=officer_a, case=case, upload=big)


def test_file_at_the_limit_is_accepted(officer_a, case, settings):
    settings.CHILDPROTECT_ATTACHMENT_MAX_BYTES = len(PDF)
    assert attachment_add(actor=officer_a, case=case, upload=upload()).size == len(PDF)


def test_empty_file_is_refused(client, officer_a, case):
    client.force_login(officer_a)
    response = post_file(client, case, upload(content=b""))

    assert messages_of(response) == [("error", "Tệp rỗng.")]
    assert not Attachment.objects.exists()


def test_missing_file_is_refused(client, officer_a, case):
    client.force_login(officer_a)
    response = client.post(upload_url(case), {"description": "Quyết định"})

    assert response.status_code == 302
    assert messages_of(response) == [("error", "Cần chọn tệp để đính kèm.")]
    assert not Attachment.objects.exists()


def test_original_name_is_the_basename_in_nfc(officer_a, case):
    decomposed = unicodedata.normalize("NFD", "Quyết định bảo vệ khẩn cấp.pdf")
    file = upload(decomposed)
    file.name = "C:\\Users\\Hoa\\Scans\\" + decomposed  # old browsers on Windows send the whole path
    attachment = attachment_add(actor=officer_a, case=case, upload=file)
    assert attachment.original_name == "Quyết định bảo vệ khẩn cấp.pdf"

    long = attachment_add(actor=officer_a, case=case, upload=upload("a" * 300 + ".pdf"))
    assert len(long.original_name) <= 255
    assert long.original_name.endswith(".pdf")


def test_chair_and_supervisor_may_attach(officer_a, chair_a, supervisor, case):
    assert attachment_add(actor=chair_a, case=case, upload=upload()).uploaded_by == chair_a
    assert attachment_add(actor=supervisor, case=case, upload=upload()).uploaded_by == supervisor


def test_partner_and_other_commune_are_refused_by_the_service(officer_b, police, case):
    for actor in (officer_b, police):
        with pytest.raises(ValidationError, match="mới được đính kèm tệp"):
            attachment_add(actor=actor, case=case, upload=upload())
    assert not Attachment.objects.exists()


def test_get_on_upload_is_405(client, officer_a, case):
    client.force_login(officer_a)
    assert client.get(upload_url(case)).status_code == 405


# --- Download --------------------------------------------------------------------------------------------------------


def test_download_returns_the_file_and_is_audited(client, officer_a, case, stored):
    client.force_login(officer_a)
    response = client.get(download_url(case, stored))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="quyet-dinh.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"
    entry = AuditEntry.objects.get(action="case.attachment_download")
    assert entry.actor == officer_a
    assert entry.object_id == str(case.pk)
    assert entry.changes == {"attachment": stored.pk}


def test_download_keeps_a_vietnamese_name(client, officer_a, case):
    attachment = attachment_add(actor=officer_a, case=case, upload=upload("Biên bản.png", PNG, "image/png"))
    client.force_login(officer_a)
    response = client.get(download_url(case, attachment))

    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('Biên bản.png')}"
    assert b"".join(response.streaming_content) == PNG


def test_other_commune_gets_404(client, officer_b, case, stored):
    client.force_login(officer_b)
    assert client.get(download_url(case, stored)).status_code == 404
    assert post_file(client, case, upload()).status_code == 404
    assert Attachment.objects.count() == 1
    assert not AuditEntry.objects.filter(action="case.attachment_download").exists()


def test_police_cannot_reach_the_case(client, police, case, stored):
    client.force_login(police)
    assert client.get(download_url(case, stored)).status_code == 404
    assert post_file(client, case, upload()).status_code == 404
    assert Attachment.objects.count() == 1


def test_administrator_downloads_but_does_not_upload(client, administrator, case, stored):
    client.force_login(administrator)
    response = client.get(download_url(case, stored))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert AuditEntry.objects.get(action="case.attachment_download").actor == administrator

    response = post_file(client, case, upload("khac.pdf"))
    assert response.status_code == 302
    assert response["Location"] == case_url(case)
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert "mới được đính kèm tệp" in text
    assert list(Attachment.objects.values_list("pk", flat=True)) == [stored.pk]


def test_supervisor_downloads(client, supervisor, case, stored):
    client.force_login(supervisor)
    response = client.get(download_url(case, stored))
    assert response.status_code == 200


def test_anonymous_is_sent_to_login(client, case, stored):
    login = reverse("login")
    for response in (client.get(download_url(case, stored)), post_file(client, case, upload())):
        assert response.status_code == 302
        assert response["Location"].startswith(login + "?next=")
    assert Attachment.objects.count() == 1
    assert not AuditEntry.objects.filter(action="case.attachment_download").exists()


def test_attachment_of_another_case_is_404(client, officer_a, case, other_case):
    theirs = attachment_add(actor=officer_a, case=other_case, upload=upload())
    client.force_login(officer_a)
    response = client.get(reverse("cases:attachment_download", args=[case.pk, theirs.pk]))
    assert response.status_code == 404
    assert client.get(download_url(other_case, theirs)).status_code == 200


def test_missing_attachment_is_404(client, officer_a, case):
    client.force_login(officer_a)
    assert client.get(reverse("cases:attachment_download", args=[case.pk, 999999])).status_code == 404


def test_no_protected_access_gets_403(client, officer_a, case, stored, monkeypatch):
    monkeypatch.setattr("cases.attachment_views.can_see_child_protected", lambda user, child: False)
    client.force_login(officer_a)
    assert client.get(download_url(case, stored)).status_code == 403
    assert not AuditEntry.objects.filter(action="case.attachment_download").exists()


def test_file_gone_from_storage_is_404(client, officer_a, case, stored):
    stored.file.storage.delete(stored.file.name)
    client.force_login(officer_a)
    assert client.get(download_url(case, stored)).status_code == 404


# --- Type detection and the partial ------------------------------------------------------------------------------


def test_detect_content_type():
    assert detect_content_type(PDF) == "application/pdf"
    assert detect_content_type(PNG) == "image/png"
    assert detect_content_type(JPEG) == "image/jpeg"
    assert detect_content_type(EXE) is None
    assert detect_content_type(b"%PD") is None
    assert detect_content_type(b"") is None


def test_partial_lists_attachments_and_the_form(rf, officer_a, case, stored):
    request = rf.get("/")
    request.user = officer_a
    context = {"case": case, "attachments": [stored], "can_attach": True}
    html = render_to_string("cases/_attachments.html", context, request=request)

    assert "quyet-dinh.pdf" in html
    assert "Quyết định" in html
    assert "&lt; 1 KB" in html
    assert "Nguyễn Thị Hoà" in html
    assert "20/11/2026 09:00" in html
    assert f'href="{download_url(case, stored)}"' in html
    assert f'action="{upload_url(case)}"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'accept=".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"' in html
    assert "csrfmiddlewaretoken" in html

    html = render_to_string("cases/_attachments.html", {**context, "can_attach": False}, request=request)
    assert "<form" not in html
    assert "quyet-dinh.pdf" in html

    step = case.steps.get()
    html = render_to_string("cases/_attachments.html", {**context, "attachments": [], "step": step}, request=request)
    assert "Chưa có tài liệu đính kèm." in html
    assert f'name="step" value="{step.pk}"' in html
