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
from tests.factories import PASSWORD
from tests.support.builders import REPORTER_NAME, open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


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
    from childprotect.agencies.models import Agency
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


def test_every_export_of_the_django_admin_is_audited_once(client, administrator, police_agency):
    """The admin's exports (django-import-export) are exports like the lists': one entry each, with format and rows."""
    from django.contrib import admin
    from import_export.admin import ExportMixin

    exporters = [model_admin for model_admin in admin.site._registry.values() if isinstance(model_admin, ExportMixin)]
    assert exporters
    client.force_login(administrator)
    for model_admin in exporters:
        meta = model_admin.model._meta
        resource = model_admin.resource_classes[0]
        fields = {f"{resource.__name__.lower()}_{key}": "on" for key in resource.Meta.fields}
        last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

        response = client.post(reverse(f"admin:{meta.app_label}_{meta.model_name}_export"), {"format": "0", **fields})

        assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment;")
        [entry] = AuditEntry.objects.filter(id__gt=last)
        assert entry.action.startswith("export.") and entry.actor == administrator
        assert entry.changes["rows"] == model_admin.model.objects.count() and entry.changes["format"] == "csv"


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
    entry = AuditEntry.objects.all()[0]
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
        assert REPORTER_NAME not in b"".join(client.get(url, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    for who in ("officer_a", "supervisor", "police"):
        client.force_login(cast[who])
        assert client.get(url, {"format": "csv", "reporter": "1"}).status_code == 404

    client.force_login(cast["admin"])
    content = b"".join(client.get(url, {"format": "csv", "reporter": "1"}).streaming_content).decode("utf-8-sig")

    assert REPORTER_NAME in content
    entry = AuditEntry.objects.filter(action="export.reports", actor=cast["admin"]).latest("id")
    assert entry.changes["reporter"] is True


# --- every page that shows a child's protected data is audited, once per view ------------------------------------
# Driven by the access matrix (tests/security): every URL pattern of the resolver has a rule there, so a new page is
# requested here as every role inside its reach, with no list to keep up to date.

# The audit entries that record a read (a page, a print, a download, an export), as opposed to a change.
READ_SUFFIXES = (".view", ".print", ".pdf_download", ".xlsx", ".attachment_download")


def is_read(action: str) -> bool:
    return action.endswith(READ_SUFFIXES) or action.startswith("export.")


def _protected_records(world) -> dict[tuple[type, int], str]:
    """The world's records whose page is a view of a child's protected data: children, reports, cases, referrals,
    periodic reports (their figures lead to the children)."""
    records: dict[tuple[type, int], str] = {}
    for kind in ("children", "reports", "cases", "referrals", "periodic"):
        for place, obj in getattr(world, kind).items():
            records[(obj._meta.concrete_model, obj.pk)] = f"{obj._meta.model_name} {place}"
    return records


def shown_protected(response, world, records, kwargs) -> list[str]:
    """What makes this 200 a view of protected data: a protected detail of a world child in the body (ID number,
    address, carer's phone), the record the address names (its pk in the URL) in the page's context (a record's page,
    its forms, drill-downs, status page), or a file (a PDF, a spreadsheet, a scan: its bytes are not searched).
    Lists name records but are not a view of one: their exports are audited, not their pages."""
    from tests.support.matrix import TEXT_TYPES, context_values
    from tests.support.world import PROTECTED

    found: list[str] = []
    content_type = response.get("Content-Type", "")
    if getattr(response, "streaming", False) or not content_type.startswith(TEXT_TYPES):
        return ["a file"]
    body = response.content.decode("utf-8", errors="replace")
    found += [f"{value!r} of child {p}" for p, values in PROTECTED.items() for value in values if value in body]
    named = set(kwargs.values())
    for value in context_values(response):
        key = (value._meta.concrete_model, value.pk) if hasattr(value, "_meta") else None
        if key in records and value.pk in named:
            found.append(f"the page of {records[key]}")
    return found


def unaudited_views(world, names: tuple[str, ...] = ()) -> list[str]:
    """Every GET of the matrix (or of the rules `names`) answered 200 to a role inside reach that shows protected data
    without exactly one read entry in the audit log (by that user, for that request)."""
    from django.test import Client

    from tests.support.matrix import LOGGED_IN, RULES

    records = _protected_records(world)
    clients: dict[str, Client] = {}
    wrong: list[str] = []
    for name, rule in sorted(RULES.items()):
        if rule.post_only or (names and name not in names):
            continue
        for target in rule.targets:
            if "GET" not in target.methods:
                continue
            kwargs = target.kwargs(world)
            url = reverse(name, kwargs=kwargs) + (f"?{rule.query}" if rule.query else "")
            for role in LOGGED_IN:
                if role not in target.reach or rule.expected(role, target, "GET") != 200:
                    continue
                if role not in clients:
                    clients[role] = Client(raise_request_exception=False)
                    clients[role].force_login(world.users[role])
                last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
                response = clients[role].get(url)
                if response.status_code != 200:
                    continue  # the matrix says what each role gets
                shown = shown_protected(response, world, records, kwargs)
                written = AuditEntry.objects.filter(id__gt=last)
                reads = [e.action for e in written if is_read(e.action) and e.actor_id == world.users[role].pk]
                if shown and len(reads) != 1:
                    wrong.append(f"{name} [{target.label}] as {role}: shows {shown[0]}; read entries {reads}")
    return wrong


@pytest.fixture
def world():
    """The access matrix's world (tests/support/world.py), built in this test's transaction at its own date."""
    import time_machine

    from tests.support.world import NOW, build_world

    with time_machine.travel(NOW, tick=False):
        yield build_world()


def test_every_page_that_shows_a_childs_protected_data_is_audited_once_per_view(world):
    wrong = unaudited_views(world)

    assert not wrong, "\n".join(wrong)


def _skipping(original, page: str, times: int = 0):
    """The view-recording helper, recording the views of `page` `times` times (0: the audit call taken away)."""

    def record(*, details=None, **kwargs):
        for _ in range(1 if (details or {}).get("page") != page else times):
            original(details=details, **kwargs)

    return record


def test_the_completeness_check_fails_when_a_view_is_not_audited_or_audited_twice(world, monkeypatch):
    import cases.services
    import referrals.services
    import reporting.services

    pages = ("cases:child_edit", "reporting:report_figure", "referrals:referral_act")
    assert unaudited_views(world, pages) == []  # whole, it passes
    breaks = {
        "cases:child_edit": (cases.services, "record_view", "edit"),
        "reporting:report_figure": (reporting.services, "periodic_report_record_view", "figure"),
        "referrals:referral_act": (referrals.services, "referral_record_view", "act"),
    }
    for name, (module, helper, page) in breaks.items():
        for times in (0, 2):
            with monkeypatch.context() as patch:
                patch.setattr(module, helper, _skipping(getattr(module, helper), page, times))
                wrong = unaudited_views(world, (name,))
            assert wrong and all(line.startswith(name) for line in wrong), (name, times)
