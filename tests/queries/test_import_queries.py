"""The children's registry import at a pinned number of queries, the same for 50 rows as for 500: the preview and the
confirmed import read the communes, the terms and the registry once per file (or per batch of thousands of rows) and
write in bulk, so an import that starts to query or insert per row fails here with the list of queries it ran.

Every file holds, besides its new children over two communes (with carers, groups and personal ID numbers), one row
that updates a registered child (same ID number, in reach), one that is skipped (same name, birth date and commune as
a registered child) and one whose ID number is also held outside the supervisor's province (flagged).
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Carer, Child, ChildCircumstance
from childprotect.accounts.models import Role
from childprotect.audit.models import AuditEntry
from childprotect.core.imports import job_confirm, job_create
from childprotect.core.models import ImportJob, ImportStatus
from tests.factories import UserFactory, unit
from tests.support.builders import child_row, csv_file
from tests.support.places import OTHER_PROVINCE_COMMUNE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

# The preview: the job saved and its upload audited (in a savepoint here, inside the test's transaction); then, in the
# task, the job read and its start recorded (the stale sweep's sign of life), the communes in reach (the supervisor's
# unit, then its communes), the ethnicity terms, the ID numbers and the registered names read once each, and the
# preview saved; then the task's success counted (childprotect/metrics: its UPSERT, in a savepoint here).
CHECK_QUERIES = 15
# The confirmation: the job locked, saved and audited; the task reads the job, records its start, locks the job's row
# for the import's transaction (the stale sweep skips it), reads the same as the preview, then inserts the children,
# carers, groups, audit entries and the flag of a shared ID, updates the registered child with its audit entry, and
# saves the outcome; then the task's success counted (3 queries, as above).
CONFIRM_QUERIES = 29


@pytest.fixture
def registry(supervisor, commune_a, make_child):
    ContentType.objects.get_for_models(Child, ImportJob)  # cached for the process: read here, whichever test runs first
    make_child(supervisor, full_name="Lê Thị Hoa", national_id="038219000123")  # updated by its ID number
    make_child(supervisor, full_name="Trần Văn Có")  # skipped: same name, birth date, commune
    elsewhere = UserFactory(username="supervisor_hn", role=Role.SUPERVISOR, unit=unit("2026:01"))
    hanoi = unit(OTHER_PROVINCE_COMMUNE)
    make_child(elsewhere, full_name="Đỗ Văn Xa", national_id="001219000777", residence_unit=hanoi)

    def file(rows: int) -> bytes:
        new = [
            child_row(
                f"Nguyễn Văn An {i}",
                code=("14797", "14758")[i % 2],
                **{"Mã định danh": f"0382190{i:05d}" if i % 3 == 0 else "", "Nhóm hoàn cảnh đặc biệt": "a; d"},
            )
            for i in range(1000, 1000 + rows - 3)
        ]
        return csv_file(
            [
                child_row("Lê Thị Hoà", "02/02/2015", **{"Mã định danh": "038219000123"}),
                child_row("Trần Văn Có"),
                child_row("Đỗ Văn Gần", **{"Mã định danh": "001219000777"}),
                *new,
            ]
        )

    return file


@pytest.mark.parametrize("rows", [50, 500])
def test_the_preview_and_the_import_run_the_same_queries_for_50_rows_as_for_500(
    registry, supervisor, django_capture_on_commit_callbacks, rows
):
    content = registry(rows)

    with CaptureQueriesContext(connection) as check, django_capture_on_commit_callbacks(execute=True):
        job = job_create(actor=supervisor, kind="children", filename="tre-em.csv", content=content)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.plan
    assert (job.plan["rows"], job.plan["create"], job.plan["update"], job.plan["skip"]) == (rows, rows - 2, 1, 1)

    with CaptureQueriesContext(connection) as confirm, django_capture_on_commit_callbacks(execute=True):
        assert job_confirm(actor=supervisor, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.result

    listing = "\n".join(q["sql"][:160] for q in [*check.captured_queries, *confirm.captured_queries])
    assert (len(check), len(confirm)) == (CHECK_QUERIES, CONFIRM_QUERIES), listing
    imported = Child.objects.filter(name_folded__startswith="nguyen van an ")
    assert imported.count() == rows - 3
    assert Carer.objects.filter(child__in=imported).count() == rows - 3
    assert ChildCircumstance.objects.filter(child__in=imported).count() == 2 * (rows - 3)
    assert AuditEntry.objects.filter(action="child.import").count() == rows - 2
    assert AuditEntry.objects.filter(action="child.import_update").count() == 1
    assert AuditEntry.objects.filter(action="child.national_id_shared").count() == 1
    assert Child.objects.get(national_id="038219000123").full_name == "Lê Thị Hoà"
