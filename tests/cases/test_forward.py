"""Forwarding a report to the commune where the incident happened (NĐ 56 Đ26 k1; cases/intake_workflow.py): who may,
where to, what moves with it (its cases, their custody, their officer), what does not (the clocks, the reference),
who sees it afterwards, the sending commune's trace, the notifications, and every refusal leaving nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases.models import Case, CaseCustody, CaseState, Report, ReportStatus, ReportStep
from cases.selectors import cases_visible_to, children_visible_to, reports_forwarded_from, reports_visible_to
from cases.services import intake_act, report_attach_child
from cases.services.retention import record_delete
from childprotect.accounts.models import Role
from childprotect.agencies.models import AgencyType
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from childprotect.places.models import AdminUnit, UnitLevel
from tests.support.builders import REPORTER_NAME, act
from tests.support.clock import RECEIVED_AT
from tests.support.pages import client_for, html

from ..factories import AgencyFactory, UserFactory, unit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

CHILD = "Lò Văn Khánh"  # lives in commune B, where the incident happened
REASON = "Sự việc xảy ra tại phường Hàm Rồng, nơi trẻ sống."
DESCRIPTION = "Hàng xóm nghe thấy trẻ bị đánh nhiều lần vào buổi tối."
MUONG_LAT = "2026:14845"  # a commune of the province without any account


@pytest.fixture
def logged(officer_a, make_report, make_child):
    """A report logged by officer A in commune A, about a child living in commune B: its case, at its first step."""
    report = make_report(officer_a)
    child = make_child(officer_a, standalone=False, full_name=CHILD, residence_unit=unit("2026:14758"))
    report_attach_child(actor=officer_a, report=report, child=child)
    report.refresh_from_db()
    return report


def forward(actor, report: Report, to: AdminUnit, reason: str = REASON, version: int | None = None) -> ReportStep:
    report.refresh_from_db()
    return intake_act(
        actor=actor,
        report=report,
        action="forward",
        version=report.version if version is None else version,
        data={"to_unit": to, "reason": reason},
    )


def state(report: Report) -> dict[str, Any]:
    """Everything a forward could change, to show that a refusal changed nothing."""
    fresh = Report.all_objects.get(pk=report.pk)
    cases = Case.all_objects.filter(report=report).order_by("id")
    return {
        "report": (fresh.incident_unit_id, fresh.status, fresh.version, fresh.received_at, fresh.reference),
        "cases": list(cases.values_list("unit_id", "officer_id", "version", "state")),
        "deadlines": [list(c.deadlines.order_by("id").values_list("kind", "due_at", "status")) for c in cases],
        "steps": ReportStep.objects.count(),
        "custody": CaseCustody.objects.count(),
        "notifications": Notification.objects.count(),
        "audit": AuditEntry.objects.filter(action="report.forward").count(),
    }


def refused(actor, report: Report, to: AdminUnit, *, reason: str = REASON, version: int | None = None) -> str:
    before = state(report)
    with pytest.raises(ValidationError) as caught:
        forward(actor, report, to, reason=reason, version=version)
    assert state(report) == before
    return " ".join(caught.value.messages)


# --- what moves and what does not ----------------------------------------------------------------------------------


def test_the_officer_forwards_the_report_with_its_case_and_the_clocks_keep_running(
    logged, officer_a, officer_b, commune_a, commune_b, clock
):
    case = logged.cases.get()
    deadlines = list(case.deadlines.order_by("id").values_list("kind", "due_at", "status"))
    reference, received_at, version = logged.reference, logged.received_at, case.version
    clock.shift(3600)

    step = forward(officer_a, logged, commune_b)

    logged.refresh_from_db()
    case.refresh_from_db()
    assert (logged.incident_unit, logged.reference, logged.received_at) == (commune_b, reference, received_at)
    assert logged.status == ReportStatus.RECEIVED
    assert (case.unit, case.officer, case.state) == (commune_b, officer_b, CaseState.RECEIVED)
    assert case.version == version + 1
    assert list(case.deadlines.order_by("id").values_list("kind", "due_at", "status")) == deadlines
    stays = list(case.custody.order_by("id").values_list("unit", "since", "until"))
    assert stays == [(commune_a.pk, None, step.at), (commune_b.pk, step.at, None)]
    assert (step.action, step.actor, step.from_unit, step.to_unit) == ("forward", officer_a, commune_a, commune_b)
    assert step.record["reason"] == REASON
    entry = AuditEntry.objects.get(action="report.forward", object_id=str(logged.pk), object_type__model="report")
    assert entry.changes["incident_unit"] == ["2026:14797", "2026:14758"]
    assert entry.changes["cases"] == [case.pk]
    moved = AuditEntry.objects.get(action="report.forward", object_type__model="case")
    assert moved.changes["officer"] == [officer_a.pk, officer_b.pk]


def test_the_cases_go_to_the_officer_with_the_fewest_open_cases(
    logged, officer_a, officer_b, commune_b, make_report, make_child
):
    second = UserFactory(username="officer_b2", role=Role.COMMUNE_OFFICER, unit=commune_b)
    busy = make_report(officer_b, incident_unit=commune_b)
    report_attach_child(
        actor=officer_b, report=busy, child=make_child(officer_b, full_name="Hà Thị Mơ", residence_unit=commune_b)
    )
    UserFactory(username="gone_b", role=Role.COMMUNE_OFFICER, unit=commune_b, is_active=False)

    forward(officer_a, logged, commune_b)

    assert logged.cases.get().officer == second  # officer_b has one open case, officer_b2 none; the inactive: never


def test_a_report_without_children_is_forwarded_alone(officer_a, make_report):
    report = make_report(officer_a)
    step = forward(officer_a, report, unit(MUONG_LAT))  # no officer there: no case needs one
    report.refresh_from_db()
    assert report.incident_unit.key == MUONG_LAT
    assert step.to_unit == unit(MUONG_LAT)


# --- who sees it afterwards ----------------------------------------------------------------------------------------


def test_the_sender_loses_the_report_and_the_child_and_the_receiver_gains_them(logged, officer_a, officer_b, commune_b):
    case, child = logged.cases.get(), logged.children.get()
    assert not reports_visible_to(officer_b).filter(pk=logged.pk).exists()

    forward(officer_a, logged, commune_b)

    for user, sees in ((officer_a, False), (officer_b, True)):
        assert reports_visible_to(user).filter(pk=logged.pk).exists() is sees
        assert cases_visible_to(user).filter(pk=case.pk).exists() is sees
        assert children_visible_to(user).filter(pk=child.pk).exists() is sees
    a, b = client_for(officer_a), client_for(officer_b)
    assert a.get(reverse("cases:report_detail", args=[logged.pk])).status_code == 404
    assert a.get(reverse("cases:child_detail", args=[child.pk])).status_code == 404
    assert a.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    page = b.get(reverse("cases:report_detail", args=[logged.pk]))
    assert page.status_code == 200
    assert "Đã chuyển từ Phường Hạc Thành đến Phường Hàm Rồng lúc" in html(page)
    assert "bởi Nguyễn Thị Hoà" in html(page)
    assert b.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200


def test_the_trace_shows_where_it_went_and_nothing_of_the_child(logged, officer_a, chair_a, commune_b, officer_b):
    forward(officer_a, logged, commune_b)

    for person in (officer_a, chair_a):
        page = html(client_for(person).get(reverse("cases:report_forwarded")))
        assert logged.reference in page
        assert "Phường Hàm Rồng" in page and "Nguyễn Thị Hoà" in page and REASON in page
        for secret in (CHILD, DESCRIPTION, REPORTER_NAME, "0987 654 321"):
            assert secret not in page
        assert reverse("cases:report_detail", args=[logged.pk]) not in page
    assert logged.reference not in html(client_for(officer_b).get(reverse("cases:report_forwarded")))
    assert list(reports_forwarded_from(officer_a).values_list("report__reference", flat=True)) == [logged.reference]
    assert not reports_forwarded_from(officer_b).exists()


def test_the_receiving_communes_active_staff_are_told_when_the_12_hours_started(
    logged, officer_a, officer_b, chair_b, commune_b
):
    UserFactory(username="gone_b", role=Role.COMMUNE_OFFICER, unit=commune_b, is_active=False)

    forward(officer_a, logged, commune_b)

    told = Notification.objects.filter(url=reverse("cases:report_detail", args=[logged.pk]))
    told = told.filter(title__contains="được chuyển đến")
    assert {n.recipient for n in told} == {officer_b, chair_b}
    assert RECEIVED_AT.strftime("%H:%M %d/%m/%Y") in told[0].body
    assert "12 giờ" in told[0].body and REASON in told[0].body


# --- who may forward, and where to ---------------------------------------------------------------------------------


def test_the_chair_and_the_supervisor_may_forward(logged, chair_a, supervisor, officer_b, commune_b, commune_a):
    forward(chair_a, logged, commune_b)
    forward(supervisor, logged, commune_a)  # back: the supervisor reaches both
    logged.refresh_from_db()
    assert logged.incident_unit == commune_a
    assert [s.actor for s in logged.steps.all()] == [chair_a, supervisor]


def test_commune_staff_forward_anywhere_in_the_country(officer_x, officer_a, make_report, commune_a):
    """Forwarding is an obligation of whoever received the report, wherever the incident happened."""
    report = make_report(officer_x, incident_unit=unit("2026:00004"))
    forward(officer_x, report, commune_a)
    report.refresh_from_db()
    assert report.incident_unit == commune_a
    assert reports_visible_to(officer_a).filter(pk=report.pk).exists()
    assert not reports_visible_to(officer_x).filter(pk=report.pk).exists()


def test_outsiders_and_the_administrator_may_not(logged, officer_b, officer_x, administrator, police, commune_b):
    assert "ngoài địa bàn" in refused(officer_b, logged, commune_b)
    assert "ngoài địa bàn" in refused(officer_x, logged, commune_b)
    assert "Chỉ" in refused(administrator, logged, commune_b)
    assert "người đã tiếp nhận" in refused(police, logged, commune_b)


@pytest.fixture
def provincial_partner(province):
    agency = AgencyFactory(name="Công an tỉnh Thanh Hóa", agency_type=AgencyType.POLICE, unit=province)
    return UserFactory(username="police_p", role=Role.PARTNER, unit=province, agency=agency)


def test_a_partner_forwards_what_they_logged_within_their_agencys_area(
    provincial_partner, officer_b, make_report, commune_a, commune_b
):
    report = make_report(provincial_partner, incident_unit=commune_a)
    forward(provincial_partner, report, commune_b)
    report.refresh_from_db()
    assert report.incident_unit == commune_b
    assert reports_visible_to(provincial_partner).filter(pk=report.pk).exists()  # they logged it: they still see it
    assert not reports_forwarded_from(provincial_partner).exists()  # no trace by place: they have no place


def test_a_partner_may_not_forward_outside_their_agencys_area(police, make_report, commune_b):
    report = make_report(police)
    assert "ngoài địa bàn cơ quan" in refused(police, report, commune_b)


# --- bad input: a Vietnamese message, nothing changed --------------------------------------------------------------


def test_the_same_commune_is_refused(logged, officer_a, commune_a):
    assert "đã thuộc Phường Hạc Thành" in refused(officer_a, logged, commune_a)


def test_a_unit_that_is_not_a_commune_is_refused(logged, officer_a, province):
    assert "không phải là xã, phường" in refused(officer_a, logged, province)


def test_a_unit_of_an_old_list_is_refused(logged, officer_a):
    old_province = AdminUnit.objects.create(
        list_version=2024, code="98", name="Tỉnh Cũ", unit_type="Tỉnh", level=UnitLevel.PROVINCE
    )
    district = AdminUnit.objects.create(
        list_version=2024, code="998", name="Huyện Cũ", unit_type="Huyện", level=UnitLevel.DISTRICT, parent=old_province
    )
    old = AdminUnit.objects.create(
        list_version=2024, code="99998", name="Xã Cũ", unit_type="Xã", level=UnitLevel.COMMUNE, parent=district
    )
    assert "không còn hiệu lực" in refused(officer_a, logged, old)


def test_a_closed_report_is_refused(logged, officer_a, commune_b):
    Report.objects.filter(pk=logged.pk).update(status=ReportStatus.CLOSED)
    assert "Đã kết thúc" in refused(officer_a, logged, commune_b)


def test_a_deleted_report_is_refused(logged, officer_a, administrator, commune_b):
    record_delete(actor=administrator, obj=logged, reason="Nhập trùng")
    assert "đã bị xoá" in refused(officer_a, logged, commune_b)


def test_a_reason_is_required(logged, officer_a, commune_b):
    assert "lý do" in refused(officer_a, logged, commune_b, reason="  ")


def test_a_case_past_its_first_step_is_transferred_instead(logged, officer_a, commune_b):
    act(officer_a, logged.cases.get(), "assess_initial")
    assert "chuyển hồ sơ vụ việc" in refused(officer_a, logged, commune_b)


def test_a_commune_without_an_active_officer_is_refused_by_name(logged, officer_a):
    message = refused(officer_a, logged, unit(MUONG_LAT))
    assert "Xã Mường Lát" in message and "chưa có cán bộ" in message


def test_the_second_of_two_people_forwarding_at_once_gets_the_stale_message(
    logged, officer_a, officer_b, commune_b, supervisor
):
    version = logged.version
    forward(officer_a, logged, commune_b, version=version)
    assert "vừa được người khác cập nhật" in refused(supervisor, logged, unit(MUONG_LAT), version=version)


# --- the pages -----------------------------------------------------------------------------------------------------


def test_the_report_page_offers_the_button_to_those_who_may(logged, officer_a, chair_a, administrator, officer_b):
    url = reverse("cases:report_detail", args=[logged.pk])
    button = reverse("cases:report_act", args=[logged.pk, "forward"])
    for person in (officer_a, chair_a):
        assert button in html(client_for(person).get(url))
    assert button not in html(client_for(administrator).get(url))
    act(officer_a, logged.cases.get(), "assess_initial")
    page = html(client_for(officer_a).get(url))
    assert button not in page
    assert "hãy chuyển hồ sơ vụ việc" in page  # why not, in place of the button


def test_forwarding_through_the_page(logged, officer_a, officer_b, commune_b):
    client = client_for(officer_a)
    url = reverse("cases:report_act", args=[logged.pk, "forward"])
    page = client.get(url)
    assert page.status_code == 200
    assert "12 giờ" in html(page)

    response = client.post(url, {"version": logged.version, "to_unit": "14758", "reason": REASON})

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:report_forwarded")  # the report is no longer theirs to open
    logged.refresh_from_db()
    assert logged.incident_unit == commune_b


def test_once_the_chair_forwarded_it_the_officers_form_finds_nothing(logged, officer_a, chair_a, officer_b, commune_b):
    url = reverse("cases:report_act", args=[logged.pk, "forward"])
    version = logged.version
    forward(chair_a, logged, commune_b)
    # Officer A no longer holds the report: 404, as for any outsider, and nothing more is changed.
    response = client_for(officer_a).post(url, {"version": version, "to_unit": "14845", "reason": REASON})
    assert response.status_code == 404


def test_the_page_says_stale_when_the_supervisor_posts_an_old_version(
    logged, supervisor, officer_a, officer_b, commune_b
):
    url = reverse("cases:report_act", args=[logged.pk, "forward"])
    version = logged.version
    forward(officer_a, logged, commune_b)
    response = client_for(supervisor).post(url, {"version": version, "to_unit": "14797", "reason": REASON})
    assert response.status_code == 200
    assert "vừa được người khác cập nhật" in html(response)
    assert REASON in html(response)  # the input kept
    logged.refresh_from_db()
    assert logged.incident_unit == commune_b


def test_bad_units_on_the_form_are_refused_in_words(logged, officer_a):
    url = reverse("cases:report_act", args=[logged.pk, "forward"])
    client = client_for(officer_a)
    for typed, words in (("14797", "đã thuộc"), ("99999", "Không có xã, phường mã"), ("", "Cần chọn xã, phường")):
        response = client.post(url, {"version": logged.version, "to_unit": typed, "reason": REASON})
        assert response.status_code == 200
        assert words in html(response)
    logged.refresh_from_db()
    assert logged.incident_unit.key == "2026:14797"


def test_an_unknown_step_is_missing(logged, officer_a):
    assert client_for(officer_a).get(reverse("cases:report_act", args=[logged.pk, "close"])).status_code == 404


def test_the_trace_page_runs_the_same_queries_for_one_forward_or_many(
    officer_a, make_report, commune_b, officer_b, django_assert_num_queries
):
    client = client_for(officer_a)
    url = reverse("cases:report_forwarded")
    forward(officer_a, make_report(officer_a), commune_b)
    assert client.get(url).status_code == 200  # the session warmed
    # The session, the user and their commune, the bell, the reach, the count, the page of forwards with their
    # communes and actors.
    with django_assert_num_queries(7):
        client.get(url)
    for _ in range(4):
        forward(officer_a, make_report(officer_a), commune_b)
    with django_assert_num_queries(7):
        client.get(url)
