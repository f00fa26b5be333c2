"""Every access is recorded: views of children, reports, cases, referrals and periodic reports; changes (masked);
exports; imports; logins and failures; grants. Supervisors see who accessed a record; administrators filter and
export the log; nobody edits or deletes it, and the reporters' identity leaves only on an administrator's explicit,
audited request."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from childprotect.audit.models import AuditEntry
from tests.cases.conftest import *  # noqa: F403  (frozen clock, Celery, builders)
from tests.cases.conftest import REPORTER_NAME
from tests.cases.test_workflow import open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(officer_a, make_report, make_child):
    return open_case(officer_a, make_report, make_child)


def entries(**filters) -> list[tuple[str, str]]:
    return list(AuditEntry.objects.filter(**filters).values_list("action", "object_id"))


def test_each_record_page_view_is_recorded_with_actor_time_and_ip(client, case, supervisor):
    from referrals.services import ReferralData, referral_act, referral_create
    from reporting.services import report_prepare
    from tests.factories import AgencyFactory

    agency = AgencyFactory(name="Trạm Y tế phường Hạc Thành", unit=case.unit)
    referral = referral_create(
        actor=case.officer,
        case=case,
        data=ReferralData(agency=agency, services_requested="Khám.", child_consent="given"),
    )
    referral_act(actor=case.officer, referral=referral, action="send", version=referral.version)
    report = report_prepare(actor=case.officer, unit=case.unit, kind="annual", year=2026)
    client.force_login(supervisor)
    pages = {
        "child.view": reverse("cases:child_detail", args=[case.child_id]),
        "report.view": reverse("cases:report_detail", args=[case.report_id]),
        "case.view": reverse("cases:case_detail", args=[case.pk]),
        "referral.view": reverse("referrals:referral_detail", args=[referral.pk]),
        "periodicreport.view": reverse("reporting:report_detail", args=[report.pk]),
    }
    for action, url in pages.items():
        assert client.get(url, REMOTE_ADDR="10.0.0.7").status_code == 200, url
        entry = AuditEntry.objects.filter(action=action, actor=supervisor).latest("id")
        assert (entry.actor_repr, entry.ip) == ("supervisor", "10.0.0.7"), action
        assert entry.at is not None


def test_a_change_is_recorded_with_a_masked_diff(case, officer_a):
    from cases.services import ChildData, child_update

    child = case.child
    child_update(
        actor=officer_a,
        child=child,
        data=ChildData(
            full_name="Nguyễn Văn Ân",
            sex="male",
            residence_unit=child.residence_unit,
            date_of_birth=child.date_of_birth,
            address="Tổ 9",
        ),
        version=child.version,
    )

    entry = AuditEntry.objects.filter(action="child.update", object_id=str(child.pk)).latest("id")
    assert "Nguyễn" not in str(entry.changes) and "Tổ 9" not in str(entry.changes)
    assert set(entry.changes) >= {"full_name", "address"}


def test_logins_failures_grants_exports_and_imports_are_recorded(client, sent_referral, officer_a, supervisor):
    client.post(reverse("login"), {"username": "officer_a", "password": "sai-mat-khau"})
    client.post(reverse("login"), {"username": "officer_a", "password": PASSWORD})
    client.get(reverse("cases:child_export"), {"format": "csv"})

    assert AuditEntry.objects.filter(action="auth.login_failed", object_repr="officer_a").exists()
    assert AuditEntry.objects.filter(action="auth.login", actor=officer_a).exists()
    assert AuditEntry.objects.filter(action="export.children", actor=officer_a).exists()
    assert AuditEntry.objects.filter(action="referral.grant", object_id=str(sent_referral.pk)).exists()

    from childprotect.core.imports import job_create

    job_create(actor=supervisor, kind="children", filename="x.csv", content=b"")
    assert AuditEntry.objects.filter(action="import.upload", actor=supervisor).exists()


@pytest.fixture
def sent_referral(officer_a, case, police):
    from referrals.models import Agency
    from referrals.services import ReferralData, referral_act, referral_create

    referral = referral_create(
        actor=officer_a,
        case=case,
        data=ReferralData(
            agency=Agency.objects.get(name="Công an phường Hạc Thành"),
            services_requested="Xác minh.",
            child_consent="given",
        ),
    )
    referral_act(actor=officer_a, referral=referral, action="send", version=referral.version)
    return referral


# --- who accessed this record ----------------------------------------------------------------------------------------


def test_supervisors_see_who_accessed_a_record_and_commune_staff_do_not(
    client, case, officer_a, supervisor, sent_referral, police
):
    client.force_login(police)
    client.get(reverse("referrals:referral_detail", args=[sent_referral.pk]))
    client.force_login(officer_a)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Ai đã truy cập hồ sơ này" not in page

    client.force_login(supervisor)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Ai đã truy cập hồ sơ này" in page
    assert "Hoàng Văn Cường" in page and "Xem phiếu chuyển tuyến" in page  # the partner's view of its referral
    assert "Nguyễn Thị Hoà" in page and "Xem hồ sơ vụ việc" in page
    child_page = client.get(reverse("cases:child_detail", args=[case.child_id])).content.decode()
    assert "Ai đã truy cập hồ sơ này" in child_page and "Đăng ký trẻ em" in child_page


# --- the log itself ----------------------------------------------------------------------------------------------


def test_the_log_cannot_be_edited_or_deleted(case, client, administrator):
    entry = AuditEntry.objects.first()
    entry.action = "sửa"
    with pytest.raises(ValueError, match="không thể sửa"):
        entry.save()
    with pytest.raises(ValueError, match="không thể xoá"):
        entry.delete()
    client.force_login(administrator)
    assert client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).status_code == 200  # view only
    response = client.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"action": "sửa"})
    assert response.status_code == 403
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).action != "sửa"


def test_administrators_filter_the_log_by_person_record_and_date_and_export_it(client, case, officer_a, administrator):
    client.force_login(administrator)
    changelist = reverse("admin:audit_auditentry_changelist")
    by_person = client.get(changelist, {"actor__id__exact": officer_a.pk})
    assert by_person.status_code == 200
    shown = by_person.context["cl"].result_list
    assert shown and all(e.actor_id == officer_a.pk for e in shown)
    by_record = client.get(changelist, {"q": str(case.pk)})
    assert by_record.status_code == 200
    by_date = client.get(changelist, {"at__year": "2026", "at__month": "11", "at__day": "20"})
    assert by_date.status_code == 200 and by_date.context["cl"].result_count > 0

    ids = [str(e.pk) for e in shown]
    response = client.post(changelist, {"action": "export_csv", "_selected_action": ids})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Thời điểm", "Tài khoản", "Hành động"]
    assert len(rows) == len(ids) + 1
    assert AuditEntry.objects.filter(action="audit.export", actor=administrator).latest("id").changes == {
        "rows": len(ids)
    }


def test_non_administrators_cannot_reach_the_log(client, cast):
    for who in ("officer_a", "supervisor", "police"):
        client.force_login(cast[who])
        response = client.get(reverse("admin:audit_auditentry_changelist"))
        assert response.status_code == 302 and "/admin/login/" in response.url


# --- the reporter's identity -------------------------------------------------------------------------------------


def test_the_reporters_identity_leaves_only_on_an_administrators_explicit_audited_request(client, case, cast):
    url = reverse("cases:report_export")
    for who in ("officer_a", "supervisor", "admin"):
        client.force_login(cast[who])
        assert REPORTER_NAME not in client.get(url, {"format": "csv"}).content.decode("utf-8-sig")
    for who in ("officer_a", "supervisor", "police"):
        client.force_login(cast[who])
        assert client.get(url, {"format": "csv", "reporter": "1"}).status_code == 404

    client.force_login(cast["admin"])
    content = client.get(url, {"format": "csv", "reporter": "1"}).content.decode("utf-8-sig")

    assert REPORTER_NAME in content
    entry = AuditEntry.objects.filter(action="export.reports", actor=cast["admin"]).latest("id")
    assert entry.changes["reporter"] is True
