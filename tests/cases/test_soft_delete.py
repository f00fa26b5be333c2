"""Soft delete of case data: administrators hide a child, report or case with a reason; it leaves every page, list,
export and figure, its pages are a 404, the audit log has it, and restoring brings everything back."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Case, Child, Report
from cases.services import record_delete, record_restore, report_attach_child
from childprotect.audit.models import AuditEntry
from tests.support.builders import open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


@pytest.fixture
def case(officer_a, make_report, make_child):
    return open_case(officer_a, make_report, make_child)


def test_deleting_a_report_hides_it_and_its_cases_everywhere_and_restoring_brings_them_back(
    client, case, administrator, officer_a, supervisor
):
    report = case.report

    assert record_delete(actor=administrator, obj=report, reason="Nhập trùng với thông tin số 12.") == 2

    assert not Report.objects.filter(pk=report.pk).exists() and not Case.objects.filter(pk=case.pk).exists()
    assert Report.all_objects.get(pk=report.pk).deleted_by == administrator  # nothing is lost
    for user in (officer_a, supervisor, administrator):
        client.force_login(user)
        assert client.get(reverse("cases:report_detail", args=[report.pk])).status_code == 404
        assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
        assert report.reference not in client.get(reverse("cases:report_list")).content.decode()
    entry = AuditEntry.objects.get(action="report.delete", object_id=str(report.pk))
    assert entry.changes == {"reason": "Nhập trùng với thông tin số 12.", "cases": [case.pk]}

    assert record_restore(actor=administrator, obj=Report.all_objects.get(pk=report.pk)) == 2
    assert Case.objects.filter(pk=case.pk).exists()
    assert AuditEntry.objects.filter(action="report.restore", object_id=str(report.pk)).exists()


def test_only_administrators_delete_and_a_reason_is_required(case, officer_a, chair_a, supervisor, administrator):
    for user in (officer_a, chair_a, supervisor):
        with pytest.raises(ValidationError, match="Chỉ quản trị hệ thống"):
            record_delete(actor=user, obj=case.child, reason="x")
    with pytest.raises(ValidationError) as no_reason:
        record_delete(actor=administrator, obj=case.child, reason=" ")
    assert "reason" in no_reason.value.message_dict
    assert Child.objects.filter(pk=case.child_id).exists()


def test_the_delete_pages_are_for_administrators_only(client, case, cast):
    url = reverse("cases:record_delete", args=["case", case.pk])
    for who in ("officer_a", "chair_a", "officer_b", "supervisor", "police"):
        client.force_login(cast[who])
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "x"}).status_code == 404
        assert client.get(reverse("cases:deleted_records")).status_code == 404
    assert Case.objects.filter(pk=case.pk).exists()

    client.force_login(cast["admin"])
    assert f'href="{url}"' in client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    response = client.post(url, {"reason": "Mở nhầm hồ sơ."})
    assert response.url == reverse("cases:deleted_records")
    page = client.get(reverse("cases:deleted_records")).content.decode()
    assert "Mở nhầm hồ sơ." in page
    client.post(reverse("cases:record_restore", args=["case", case.pk]))
    assert Case.objects.filter(pk=case.pk).exists()


def test_a_deleted_child_leaves_the_registry_and_a_deleted_case_is_not_opened_again(
    case, administrator, officer_a, make_report
):
    from cases.models import ReportChild
    from cases.services import case_open

    child = case.child
    record_delete(actor=administrator, obj=child, reason="Nhập nhầm.")

    assert not Child.objects.filter(pk=child.pk).exists()
    assert not Case.objects.filter(pk=case.pk).exists()
    # Attaching the same child again finds the link and opens nothing; opening the case directly is refused.
    report_attach_child(actor=officer_a, report=case.report, child=Child.all_objects.get(pk=child.pk))
    assert ReportChild.objects.filter(report=case.report).count() == 1
    with pytest.raises(ValidationError, match="đã bị xoá"):
        case_open(actor=officer_a, report=case.report, child=Child.all_objects.get(pk=child.pk))
    assert not Case.objects.filter(pk=case.pk).exists()
