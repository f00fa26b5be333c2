"""XLSX exports as jobs: the request records the job and its audit entry and sends the user to the job's page; the task
makes the file for the owner's reach as it is when it runs, with progress once per chunk; only the owner sees the job
and downloads its file; failures end the job with a Vietnamese message; files expire."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Child
from childprotect.audit.models import AuditEntry
from childprotect.core.export_jobs import (
    FAILED_LOST,
    FAILED_REFUSED,
    FAILED_SYSTEM,
    export_job_run,
    export_jobs_expire,
)
from childprotect.core.models import ExportJob, ExportStatus
from tests.support.builders import open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

CHILD_A = "Nguyễn Văn An"
CHILD_B = "Lê Thị Bình"


@pytest.fixture
def children(officer_a, officer_b, commune_b, make_child):
    """One child in commune A, one in commune B."""
    return (
        make_child(officer_a, full_name=CHILD_A, national_id="038215001234"),
        make_child(officer_b, full_name=CHILD_B, sex="female", residence_unit=commune_b),
    )


def ask(client, user, name: str = "child", **params) -> ExportJob:
    """The XLSX export asked for (the task not run: no commit happens), the job it recorded."""
    client.force_login(user)
    response = client.get(reverse(f"cases:{name}_export"), {"format": "xlsx", **params})
    job = ExportJob.objects.latest("id")
    assert response.status_code == 302 and response.url == reverse("export_detail", args=[job.pk])
    return job


def status(client, job: ExportJob) -> dict:
    response = client.get(reverse("export_detail", args=[job.pk]), {"format": "json"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store, private"
    return response.json()


def sheet_rows(content: bytes) -> list[dict]:
    headers, *rows = list(openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    return [dict(zip(headers, row, strict=True)) for row in rows]


def download(client, job: ExportJob):
    return client.get(reverse("export_download", args=[job.pk]))


def file_of(response) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)


# --- the lifecycle -------------------------------------------------------------------------------------------------


def test_the_request_records_the_job_and_its_audit_entry_and_the_task_makes_the_file(
    client, officer_a, children, django_capture_on_commit_callbacks
):
    client.force_login(officer_a)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        response = client.get(reverse("cases:child_export"), {"format": "xlsx", "sex": "male", "page": "2"})

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response.url == f"/exports/{job.pk}/"
    assert len(queued) == 1  # the task, after commit
    assert (job.owner, job.list_name, job.format, job.params, job.protected) == (
        officer_a,
        "children",
        "xlsx",
        {"sex": ["male"]},
        True,
    )
    entry = AuditEntry.objects.get(action="export.children")
    assert entry.object_id == str(job.pk) and entry.actor == officer_a
    assert entry.changes == {"format": "xlsx", "filters": {"sex": "male"}, "rows": 1, "protected": True}

    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and (job.rows_done, job.rows_total) == (1, 1)
    assert job.file.name.startswith("exports/") and job.size > 0 and job.finished_at == timezone.now()
    assert status(client, job) == {
        "id": job.pk,
        "list": "children",
        "title": "Trẻ em",
        "format": "xlsx",
        "status": "done",
        "status_label": "Đã tạo xong",
        "done": 1,
        "total": 1,
        "percent": 100,
        "finished": True,
        "download_url": f"/exports/{job.pk}/download/",
        "filename": "tre-em-20261120-0900.xlsx",
        "size": job.size,
        "error": "",
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat(),
    }
    page = client.get(reverse("export_detail", args=[job.pk])).content.decode()
    assert f'href="/exports/{job.pk}/download/"' in page and 'http-equiv="refresh"' not in page
    assert f'href="{reverse("cases:child_list")}?sex=male"' in page  # the way back, to the list as it was

    response = download(client, job)
    assert response["Content-Disposition"] == 'attachment; filename="tre-em-20261120-0900.xlsx"'
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Cache-Control"] == "no-store, private" and response["X-Content-Type-Options"] == "nosniff"
    (row,) = sheet_rows(file_of(response))
    assert row["Họ và tên"] == CHILD_A and row["Mã định danh cá nhân"] == "038215001234"
    assert row["Ngày đăng ký"] == "20/11/2026 09:00"
    took = AuditEntry.objects.get(action="export.download")
    assert took.actor == officer_a and took.object_id == str(job.pk)
    assert took.changes == {"list": "children", "format": "xlsx", "rows": 1, "protected": True}


def test_a_waiting_job_refreshes_its_page_and_has_no_file_yet(client, officer_a, children):
    job = ask(client, officer_a)  # no commit: the task is not run

    page = client.get(reverse("export_detail", args=[job.pk])).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "Đang chờ tạo tệp" in page
    assert "/download/" not in page
    assert status(client, job)["status"] == "pending" and status(client, job)["download_url"] is None
    as_json = client.get(reverse("export_detail", args=[job.pk]), HTTP_ACCEPT="application/json")
    assert as_json.json()["status"] == "pending"
    assert download(client, job).status_code == 404


def test_progress_is_recorded_once_per_chunk_while_the_rows_are_written(client, officer_a, make_child, monkeypatch):
    from cases.resources import ChildExportResource

    monkeypatch.setattr("childprotect.exports.CHUNK_SIZE", 2)
    for i in range(5):
        make_child(officer_a, full_name=f"Trẻ số {i}")
    job = ask(client, officer_a)
    seen: list[tuple[str, int, int]] = []
    carers = ChildExportResource.dehydrate_carers

    def watching(self, child):  # what the job's page would say while each row is made
        fresh = ExportJob.objects.get(pk=job.pk)
        seen.append((fresh.status, fresh.rows_done, fresh.rows_total))
        return carers(self, child)

    monkeypatch.setattr(ChildExportResource, "dehydrate_carers", watching)
    assert export_job_run(job.pk) == "done"

    assert seen == [("running", 0, 5), ("running", 0, 5), ("running", 2, 5), ("running", 2, 5), ("running", 4, 5)]
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.rows_total) == ("done", 5, 5)
    assert len(sheet_rows(file_of(download(client, job)))) == 5


def test_a_job_already_made_is_not_made_again(client, officer_a, children):
    job = ask(client, officer_a)
    assert export_job_run(job.pk) == "done"
    job.refresh_from_db()
    made = job.file.name

    assert export_job_run(job.pk) == "done"
    job.refresh_from_db()
    assert job.file.name == made


# --- who sees the job ----------------------------------------------------------------------------------------------


def test_only_the_owner_sees_the_job_and_downloads_its_file(
    client, officer_a, officer_b, chair_a, supervisor, administrator, police, children
):
    job = ask(client, officer_a)
    export_job_run(job.pk)
    before = AuditEntry.objects.filter(action="export.download").count()

    for other in (officer_b, chair_a, supervisor, administrator, police):
        client.force_login(other)
        assert client.get(reverse("export_detail", args=[job.pk])).status_code == 404, other
        assert client.get(reverse("export_detail", args=[job.pk]), {"format": "json"}).status_code == 404, other
        assert download(client, job).status_code == 404, other
    assert AuditEntry.objects.filter(action="export.download").count() == before
    client.logout()
    assert "/login" in download(client, job).url

    client.force_login(officer_a)
    assert download(client, job).status_code == 200


def test_the_task_selects_the_rows_for_the_owner_never_another_communes(client, officer_b, commune_a, children):
    # Officer B asks for commune A's children by its code: the list gives none of them, and neither does the file.
    job = ask(client, officer_b, unit=commune_a.code)
    assert export_job_run(job.pk) == "done"
    job.refresh_from_db()
    assert job.rows_done == 0 and sheet_rows(file_of(download(client, job))) == []

    everything = ask(client, officer_b)
    export_job_run(everything.pk)
    assert [row["Họ và tên"] for row in sheet_rows(file_of(download(client, everything)))] == [CHILD_B]


def test_the_task_applies_the_owners_reach_as_it_is_when_it_runs(client, supervisor, commune_b, children):
    job = ask(client, supervisor)
    assert AuditEntry.objects.get(action="export.children").changes["rows"] == 2
    # Moved from the province to commune B after asking, before the file is made.
    supervisor.unit = commune_b
    supervisor.save()

    assert export_job_run(job.pk) == "done"
    assert [row["Họ và tên"] for row in sheet_rows(file_of(download(client, job)))] == [CHILD_B]


def test_protected_columns_follow_the_owners_rights_when_the_task_runs(client, officer_a, children):
    from childprotect.accounts.models import Role

    left_out = ask(client, officer_a, protected="0")
    export_job_run(left_out.pk)
    assert "Mã định danh cá nhân" not in sheet_rows(file_of(download(client, left_out)))[0]

    asked = ask(client, officer_a)
    officer_a.role = Role.COMMUNE_CHAIR  # still commune staff: the same rights to protected data
    officer_a.save()
    export_job_run(asked.pk)
    assert sheet_rows(file_of(download(client, asked)))[0]["Mã định danh cá nhân"] == "038215001234"


# --- failures ------------------------------------------------------------------------------------------------------


def test_an_owner_deactivated_before_the_task_gets_a_failed_job_and_no_file(client, officer_a, children):
    job = ask(client, officer_a)
    officer_a.is_active = False
    officer_a.save()

    assert export_job_run(job.pk) == "failed"

    job.refresh_from_db()
    assert (job.status, job.error, job.file.name) == ("failed", FAILED_REFUSED, "")
    officer_a.is_active = True
    officer_a.save()
    client.force_login(officer_a)
    page = client.get(reverse("export_detail", args=[job.pk]))
    assert page.status_code == 200 and FAILED_REFUSED in page.content.decode()
    assert status(client, job)["status"] == "failed" and status(client, job)["error"] == FAILED_REFUSED
    assert download(client, job).status_code == 404


def test_an_administrator_no_longer_one_gets_no_reporters(client, administrator, make_report, officer_a, commune_a):
    from childprotect.accounts.models import Role

    make_report(officer_a)
    job = ask(client, administrator, "report", reporter="1")
    assert job.params == {"reporter": ["1"]}
    assert AuditEntry.objects.get(action="export.reports").changes["reporter"] is True
    administrator.role, administrator.unit, administrator.is_superuser = Role.SUPERVISOR, commune_a.parent, False
    administrator.save()

    assert export_job_run(job.pk) == "failed"
    job.refresh_from_db()
    assert job.error == FAILED_REFUSED


def test_an_error_while_making_the_file_fails_the_job_with_a_message_not_a_500(
    client, officer_a, children, exported, monkeypatch, caplog
):
    from cases.resources import ChildExportResource

    def broken(self, child):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(ChildExportResource, "dehydrate_carers", broken)

    response = exported(officer_a, reverse("cases:child_export"), format="xlsx")

    assert response.status_code == 200  # the job's page, saying why
    job = ExportJob.objects.get()
    assert (job.status, job.error, job.file.name) == ("failed", FAILED_SYSTEM, "")
    assert FAILED_SYSTEM in response.content.decode()
    assert "the disk is full" in caplog.text  # the worker logs the exception


# --- the file ------------------------------------------------------------------------------------------------------


def test_the_xlsx_neutralises_formulas_and_drops_characters_a_workbook_cannot_hold(
    client, officer_a, make_child, exported
):
    make_child(officer_a, full_name='=HYPERLINK("http://evil.example","Nhấn")', notes="@SUM(1)\nhai dòng")
    odd = make_child(officer_a, full_name="Trẻ có ký tự lạ")
    Child.objects.filter(pk=odd.pk).update(full_name="Trẻ\x0bcó\x0cký tự lạ", other_names="-1+2")

    content = file_of(exported(officer_a, reverse("cases:child_export"), format="xlsx"))

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    values = {c.value for c in cells}
    assert {'\'=HYPERLINK("http://evil.example","Nhấn")', "'@SUM(1)\nhai dòng", "Trẻcóký tự lạ", "'-1+2"} <= values
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b


# --- expiry --------------------------------------------------------------------------------------------------------


def test_files_expire_after_the_keep_hours_and_lost_jobs_are_given_up(client, officer_a, children, settings):
    settings.CHILDPROTECT_EXPORT_KEEP_HOURS = 24
    old, fresh = ask(client, officer_a), ask(client, officer_a)
    for job in (old, fresh):
        export_job_run(job.pk)
    lost = ask(client, officer_a)
    now = timezone.now()
    ExportJob.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(hours=25))
    ExportJob.objects.filter(pk=lost.pk).update(created_at=now - dt.timedelta(hours=3))
    old.refresh_from_db()
    storage, name = old.file.storage, old.file.name
    assert storage.exists(name)

    assert export_jobs_expire() == 2

    old.refresh_from_db()
    assert (old.status, old.file.name) == ("expired", "") and not storage.exists(name)
    assert ExportJob.objects.get(pk=lost.pk).status == "failed"
    assert ExportJob.objects.get(pk=lost.pk).error == FAILED_LOST
    assert ExportJob.objects.get(pk=fresh.pk).status == "done"
    assert download(client, old).status_code == 404
    assert "Tệp đã được xoá" in client.get(reverse("export_detail", args=[old.pk])).content.decode()
    assert export_jobs_expire() == 0


def test_the_expiry_is_a_periodic_job():
    from childprotect.schedule import BEAT_SCHEDULE

    assert BEAT_SCHEDULE["expire-exports"]["task"] == "childprotect.core.tasks.expire_exports"


def test_the_cases_export_as_a_job_is_the_list_of_the_user(client, supervisor, officer_a, make_report, make_child):
    case = open_case(officer_a, make_report, make_child, child_name=CHILD_A)
    job = ask(client, supervisor, "case", state="received")
    export_job_run(job.pk)
    (row,) = sheet_rows(file_of(download(client, job)))
    assert row["Hồ sơ"] == str(case) and row["Bước hiện tại"] == "Mới tiếp nhận"
