"""Transferring a case between communes when the child moves (docs/architecture.md#moves): the sending commune asks,
the receiving commune's officer or chair (or a supervisor over it, of any province) accepts or declines; a supervisor
over both moves it directly. Deadlines, plans, referrals and history go with the case; the old commune loses the
child and keeps a trace."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from cases.models import (
    CaseCustody,
    CaseState,
    CaseTransfer,
    Child,
    DeadlineStatus,
    TransferKind,
    TransferStatus,
)
from cases.services import case_act
from cases.services.retention import record_delete
from childprotect.accounts.models import Role
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from childprotect.places.models import AdminUnit, UnitLevel
from tests.support.builders import act, send_referral, snapshot
from tests.support.pages import client_for, html, version_on

from ..factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

S = CaseState
LIST = "/cases/transfers/"


def open_deadlines(case):
    return list(case.deadlines.filter(status=DeadlineStatus.OPEN).order_by("id").values_list("kind", "due_at"))


def requested(case, officer_a, **data):
    act(officer_a, case, "request_transfer", **data)
    return CaseTransfer.objects.get(case=case, status=TransferStatus.REQUESTED)


def act_url(transfer, action):
    return reverse("cases:transfer_act", args=[transfer.pk, action])


# --- the paths --------------------------------------------------------------------------------------------------------


def test_officer_a_requests_and_officer_b_accepts_the_case_moves_with_its_deadlines(
    case_at, officer_a, officer_b, commune_a, commune_b, clock
):
    case = case_at(S.INITIAL_ASSESSED)
    deadlines, next_due = open_deadlines(case), (case.next_due_at, case.next_due_kind)

    transfer = requested(case, officer_a)

    case.refresh_from_db()
    assert (case.unit, case.officer) == (commune_a, officer_a)
    assert (transfer.from_unit, transfer.to_unit) == (commune_a, commune_b)
    assert (transfer.kind, transfer.requested_by) == (TransferKind.REQUEST, officer_a)
    told = Notification.objects.get(recipient=officer_b)
    assert (told.url, "Phường Hạc Thành" in told.title) == (LIST, True)

    clock.shift(3600)
    step = act(officer_b, case, "accept_transfer")

    case.refresh_from_db()
    transfer.refresh_from_db()
    assert (case.unit, case.officer, case.state) == (commune_b, officer_b, S.INITIAL_ASSESSED)
    assert open_deadlines(case) == deadlines  # kept, not restarted
    assert (case.next_due_at, case.next_due_kind) == next_due
    assert (transfer.status, transfer.decided_by, transfer.officer) == (TransferStatus.ACCEPTED, officer_b, officer_b)
    assert Child.objects.get(pk=case.child_id).residence_unit == commune_b  # the child lived in the old commune
    stays = list(CaseCustody.objects.filter(case=case).order_by("id").values_list("unit", "since", "until"))
    assert stays == [(commune_a.pk, None, step.at), (commune_b.pk, step.at, None)]
    assert [s.action for s in case.steps.order_by("at", "id")][-2:] == ["request_transfer", "accept_transfer"]
    entry = AuditEntry.objects.get(action="case.accept_transfer", object_id=str(case.pk))
    assert entry.changes["unit"] == [commune_a.pk, commune_b.pk]
    assert entry.changes["officer"] == [officer_a.pk, officer_b.pk]
    assert Notification.objects.filter(recipient=officer_a, title__contains="đã tiếp nhận hồ sơ", url=LIST).exists()


def test_the_residence_stays_when_the_child_lived_elsewhere(case_at, officer_a, officer_b, commune_b, commune_x):
    case = case_at(S.RECEIVED)
    Child.objects.filter(pk=case.child_id).update(residence_unit=commune_x)
    requested(case, officer_a)
    act(officer_b, case, "accept_transfer")
    assert Child.objects.get(pk=case.child_id).residence_unit == commune_x


def test_plans_referrals_and_history_go_with_the_case(case_at, officer_a, officer_b, police_agency):
    case = case_at(S.IMPLEMENTING)
    referral = send_referral(officer_a, case, police_agency)
    steps, plans = case.steps.count(), list(case.plans.values_list("pk", flat=True))
    requested(case, officer_a)
    act(officer_b, case, "accept_transfer")
    referral.refresh_from_db()
    assert referral.case_id == case.pk
    assert list(case.plans.values_list("pk", flat=True)) == plans
    assert case.steps.count() == steps + 2


def test_the_chair_of_the_receiving_commune_picks_the_officer_with_fewest_open_cases_by_default(
    case_at, new_case, officer_a, officer_b, chair_b, commune_b
):
    busy = new_case(child_name="Lý Văn Bận")
    requested(busy, officer_a)
    act(officer_b, busy, "accept_transfer")  # officer_b now holds one open case in commune B
    free = UserFactory(username="officer_b2", full_name="Đinh Thị Rảnh", role=Role.COMMUNE_OFFICER, unit=commune_b)
    case = case_at(S.RECEIVED)
    requested(case, officer_a)

    act(chair_b, case, "accept_transfer")

    case.refresh_from_db()
    assert case.officer == free
    assert Notification.objects.filter(recipient=free, title__startswith="Bạn được giao phụ trách").exists()


def test_the_chair_may_choose_the_officer(case_at, officer_a, officer_b, chair_b):
    case = case_at(S.RECEIVED)
    requested(case, officer_a)
    act(chair_b, case, "accept_transfer", officer=officer_b)
    case.refresh_from_db()
    assert case.officer == officer_b


def test_the_supervisor_of_the_receiving_area_may_accept(case_at, officer_a, officer_b, supervisor, commune_b):
    case = case_at(S.RECEIVED)
    requested(case, officer_a)
    act(supervisor, case, "accept_transfer")
    case.refresh_from_db()
    assert (case.unit, case.officer) == (commune_b, officer_b)


def test_two_provinces_hand_over_the_other_provinces_supervisor_accepts(
    case_at, officer_a, officer_x, supervisor_x, commune_x
):
    case = case_at(S.EMERGENCY_DECIDED)
    requested(case, officer_a, to_unit=commune_x)

    act(supervisor_x, case, "accept_transfer")

    case.refresh_from_db()
    assert (case.unit, case.officer) == (commune_x, officer_x)


def test_the_receiving_side_declines_with_a_reason_and_nothing_moves(case_at, officer_a, officer_b, commune_a):
    case = case_at(S.RECEIVED)
    transfer = requested(case, officer_a)
    with pytest.raises(ValidationError) as exc:
        act(officer_b, case, "decline_transfer", reason="  ")
    assert "lý do từ chối" in exc.value.message_dict["reason"][0].lower()

    act(officer_b, case, "decline_transfer", reason="Gia đình chưa đến ở.")

    case.refresh_from_db()
    transfer.refresh_from_db()
    assert (case.unit, case.officer) == (commune_a, officer_a)
    assert (transfer.status, transfer.decline_reason) == (TransferStatus.DECLINED, "Gia đình chưa đến ở.")
    assert not CaseCustody.objects.filter(case=case).exists()
    assert Notification.objects.filter(recipient=officer_a, title__contains="từ chối tiếp nhận").exists()
    requested(case, officer_a)  # a new request may follow


def test_the_requesting_side_withdraws_its_request(case_at, officer_a, chair_a, officer_b):
    case = case_at(S.RECEIVED)
    transfer = requested(case, officer_a)
    with pytest.raises(ValidationError, match="ngoài địa bàn"):
        act(officer_b, case, "cancel_transfer")

    act(chair_a, case, "cancel_transfer")

    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by) == (TransferStatus.CANCELLED, chair_a)
    with pytest.raises(ValidationError, match="không có đề nghị chuyển"):
        act(officer_b, case, "accept_transfer")


def test_a_supervisor_over_both_communes_transfers_directly(case_at, supervisor, officer_a, officer_b, commune_b):
    case = case_at(S.PLAN_DRAFTED)
    deadlines = open_deadlines(case)

    act(supervisor, case, "transfer")

    case.refresh_from_db()
    transfer = CaseTransfer.objects.get(case=case)
    assert (case.unit, case.officer) == (commune_b, officer_b)
    assert (transfer.kind, transfer.status, transfer.decided_by) == (
        TransferKind.DIRECT,
        TransferStatus.ACCEPTED,
        supervisor,
    )
    assert open_deadlines(case) == deadlines
    assert Notification.objects.filter(recipient=officer_b, title__startswith="Bạn được giao phụ trách").exists()
    assert Notification.objects.filter(recipient=officer_a, title__contains="đã chuyển đến").exists()


def test_the_request_reaches_the_supervisors_when_the_receiving_commune_has_no_active_staff(
    case_at, officer_a, officer_b, supervisor
):
    officer_b.is_active = False
    officer_b.save(update_fields=["is_active"])
    case = case_at(S.RECEIVED)
    requested(case, officer_a)
    told = Notification.objects.filter(title__startswith="Đề nghị chuyển")
    assert list(told.values_list("recipient", flat=True)) == [supervisor.pk]


# --- bad input: a Vietnamese message, nothing changed -----------------------------------------------------------------


def _refused(actor, case, action, **data) -> ValidationError:
    before = (snapshot(case), CaseTransfer.objects.count(), CaseCustody.objects.count())
    with pytest.raises(ValidationError) as exc:
        act(actor, case, action, **data)
    assert (snapshot(case), CaseTransfer.objects.count(), CaseCustody.objects.count()) == before
    return exc.value


def test_to_the_same_commune(case_at, officer_a, commune_a):
    error = _refused(officer_a, case_at(S.RECEIVED), "request_transfer", to_unit=commune_a)
    assert error.message_dict["to_unit"] == ["Hồ sơ đang thuộc Phường Hạc Thành; hãy chọn một xã, phường khác."]


def test_to_a_unit_that_is_not_a_commune(case_at, officer_a, province):
    error = _refused(officer_a, case_at(S.RECEIVED), "request_transfer", to_unit=province)
    assert "không phải đơn vị cấp xã" in error.message_dict["to_unit"][0]


def test_to_a_commune_of_an_old_list(case_at, officer_a):
    old_province = AdminUnit.objects.create(list_version=2024, code="38", name="Tỉnh Thanh Hóa", level="province")
    old = AdminUnit.objects.create(
        list_version=2024, code="14800", name="Phường Đông Thọ", level=UnitLevel.COMMUNE, parent=old_province
    )
    error = _refused(officer_a, case_at(S.RECEIVED), "request_transfer", to_unit=old)
    assert "danh mục đơn vị hành chính 2024, không còn sử dụng" in error.message_dict["to_unit"][0]


def test_a_direct_transfer_outside_the_supervisors_area(case_at, supervisor, officer_x, commune_x):
    error = _refused(supervisor, case_at(S.RECEIVED), "transfer", to_unit=commune_x)
    assert "nằm ngoài địa bàn bạn phụ trách" in error.message_dict["to_unit"][0]


def test_a_closed_case(case_at, officer_a):
    error = _refused(officer_a, case_at(S.CLOSED), "request_transfer")
    assert error.messages == [
        "Không thể thực hiện “Chuyển hồ sơ sang xã, phường khác” khi hồ sơ đang ở bước “Đã đóng hồ sơ”."
    ]


def test_a_deleted_case(case_at, officer_a, administrator):
    case = case_at(S.RECEIVED)
    version = case.version
    record_delete(actor=administrator, obj=case, reason="Nhập trùng")
    with pytest.raises(ValidationError, match="đã bị xoá"):
        case_act(actor=officer_a, case=case, action="request_transfer", version=version, data={})
    assert not CaseTransfer.objects.exists()


def test_a_second_request_while_one_is_open(case_at, officer_a, supervisor, commune_x):
    case = case_at(S.RECEIVED)
    requested(case, officer_a)
    error = _refused(officer_a, case, "request_transfer", to_unit=commune_x)
    assert "đang có đề nghị chuyển đến Phường Hàm Rồng chờ tiếp nhận" in error.messages[0]
    assert "đang có đề nghị chuyển" in _refused(supervisor, case, "transfer").messages[0]


def test_the_database_refuses_two_open_requests_too(case_at, officer_a, commune_a, commune_b):
    case = case_at(S.RECEIVED)
    transfer = requested(case, officer_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseTransfer.objects.create(
            case=case,
            kind=TransferKind.REQUEST,
            status=TransferStatus.REQUESTED,
            from_unit=commune_a,
            to_unit=commune_b,
            reason="x",
            requested_by=officer_a,
            requested_at=timezone.now(),
        )
    assert CaseTransfer.objects.get() == transfer


def test_a_stale_version(case_at, officer_a, commune_b):
    case = case_at(S.RECEIVED)
    with pytest.raises(ValidationError) as exc:
        case_act(
            actor=officer_a,
            case=case,
            action="request_transfer",
            version=case.version - 1,
            data={"to_unit": commune_b, "reason": "Chuyển nhà."},
        )
    assert exc.value.code == "stale"
    assert not CaseTransfer.objects.exists()


@pytest.mark.parametrize("who", ["officer_a", "chair_a", "officer_x", "supervisor_x"])
def test_accept_by_someone_of_neither_receiving_side(who, request, case_at, officer_a, officer_b):
    case = case_at(S.RECEIVED)
    requested(case, officer_a)
    error = _refused(request.getfixturevalue(who), case, "accept_transfer")
    assert "Phường Hàm Rồng" in error.messages[0]


def test_no_active_officer_in_the_receiving_commune(case_at, officer_a, officer_b, chair_b):
    case = case_at(S.RECEIVED)
    requested(case, officer_a)
    officer_b.is_active = False
    officer_b.save(update_fields=["is_active"])
    error = _refused(chair_b, case, "accept_transfer")
    assert "chưa có cán bộ bảo vệ trẻ em nào đang làm việc" in error.messages[0]


def test_an_officer_of_another_commune_is_not_chosen(case_at, officer_a, chair_b):
    case = case_at(S.RECEIVED)
    requested(case, officer_a)
    error = _refused(chair_b, case, "accept_transfer", officer=officer_a)
    assert "Chỉ giao được cho cán bộ bảo vệ trẻ em của Phường Hàm Rồng" in error.message_dict["officer"][0]


# --- reach before and after -------------------------------------------------------------------------------------------


def test_the_old_commune_loses_the_case_and_the_child_the_new_one_gains_them(
    case_at, officer_a, chair_a, officer_b, client
):
    case = case_at(S.INITIAL_ASSESSED)
    a, b, chair = client_for(officer_a), client_for(officer_b), client_for(chair_a)
    urls = [reverse("cases:case_detail", args=[case.pk]), reverse("cases:child_detail", args=[case.child_id])]
    assert [b.get(u).status_code for u in urls] == [404, 404]
    transfer = requested(case, officer_a)
    assert [b.get(u).status_code for u in urls] == [404, 404]  # not before acceptance

    act(officer_b, case, "accept_transfer")

    assert [a.get(u).status_code for u in urls] == [404, 404]
    assert [chair.get(u).status_code for u in urls] == [404, 404]
    assert [b.get(u).status_code for u in urls] == [200, 200]
    report = reverse("cases:report_detail", args=[case.report_id])
    # The report stays with the commune where the incident happened; the old commune sees where the child went.
    page = a.get(report)
    assert page.status_code == 200
    assert case.child.full_name not in html(page)
    assert "đã được chuyển hồ sơ đến Phường Hàm Rồng ngày 20/11/2026" in html(page)
    assert case.child.full_name in html(b.get(report))  # the receiving commune opens the report of its case
    assert transfer.case_id == case.pk


def test_the_children_list_follows_the_case(case_at, officer_a, officer_b):
    case = case_at(S.RECEIVED)
    name = case.child.full_name
    assert name in html(client_for(officer_a).get("/children/"))
    requested(case, officer_a)
    act(officer_b, case, "accept_transfer")
    assert name not in html(client_for(officer_a).get("/children/"))
    assert name in html(client_for(officer_b).get("/children/"))


# --- the pages --------------------------------------------------------------------------------------------------------


def test_the_case_page_offers_the_transfer_and_the_form_takes_a_commune_code(case_at, officer_a, officer_b):
    case = case_at(S.RECEIVED)
    client = client_for(officer_a)
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert [t.action for t in page.context["transfer_actions"]] == ["request_transfer"]
    assert ">Chuyển hồ sơ</a>" in html(page)
    url = reverse("cases:case_act", args=[case.pk, "request_transfer"])
    form = client.get(url)

    response = client.post(url, {"version": version_on(form), "to_unit": "14758", "reason": "Chuyển nhà."})

    assert response.status_code == 302
    transfer = CaseTransfer.objects.get(case=case)
    assert transfer.to_unit.name == "Phường Hàm Rồng"
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert "Đang chờ Phường Hàm Rồng tiếp nhận hồ sơ" in html(page)
    assert [t.action for t in page.context["actions"]] == ["assess_initial"]
    assert [t.action for t in page.context["transfer_actions"]] == ["cancel_transfer"]


def test_the_case_page_refuses_the_receiving_sides_steps(case_at, officer_a, supervisor):
    case = case_at(S.RECEIVED)
    requested(case, officer_a)
    url = reverse("cases:case_act", args=[case.pk, "accept_transfer"])
    assert client_for(supervisor).get(url).status_code == 404  # answered from the transfer's page


def test_the_transfers_page_shows_each_side_what_it_needs(case_at, officer_a, officer_b, police, administrator):
    case = case_at(S.RECEIVED)
    transfer = requested(case, officer_a, reason="Gia đình chuyển đến tổ 5.")
    name = case.child.full_name

    incoming = client_for(officer_b).get(LIST)
    outgoing = client_for(officer_a).get(LIST)

    assert [t.pk for t in incoming.context["lists"].incoming] == [transfer.pk]
    assert name in html(incoming) and "Gia đình chuyển đến tổ 5." in html(incoming)
    assert [t.pk for t in outgoing.context["lists"].outgoing] == [transfer.pk]
    assert name not in html(outgoing)
    assert client_for(police).get(LIST).status_code == 404
    assert client_for(administrator).get(LIST).status_code == 404

    act(officer_b, case, "accept_transfer")
    past = client_for(officer_a).get(LIST)
    assert [t.pk for t in past.context["lists"].past] == [transfer.pk]
    assert name not in html(past)
    assert "Phường Hàm Rồng" in html(past) and "Đã tiếp nhận" in html(past)


def test_officer_b_accepts_on_the_transfer_page(case_at, officer_a, officer_b, chair_a, officer_x, commune_b):
    case = case_at(S.RECEIVED)
    transfer = requested(case, officer_a)
    url = act_url(transfer, "accept_transfer")
    assert client_for(chair_a).get(url).status_code == 403  # the sending side does not accept its own request
    assert client_for(officer_x).get(url).status_code == 404  # neither side
    client = client_for(officer_b)
    form = client.get(url)
    assert form.status_code == 200
    assert case.child.full_name in html(form)
    assert "officer" not in form.context["form"].fields  # the officer takes it himself

    response = client.post(url, {"version": version_on(form)})

    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_detail", args=[case.pk])
    case.refresh_from_db()
    assert case.unit == commune_b
    assert client.get(url).status_code == 302  # answered: back to the list


def test_a_stale_page_is_refused_on_the_transfer_page(case_at, officer_a, officer_b):
    case = case_at(S.RECEIVED)
    transfer = requested(case, officer_a)
    client = client_for(officer_b)
    form = client.get(act_url(transfer, "decline_transfer"))
    act(officer_a, case, "assess_initial")  # the sending commune works on meanwhile

    response = client.post(act_url(transfer, "decline_transfer"), {"version": version_on(form), "reason": "Không."})

    assert response.status_code == 200
    assert "vừa được người khác cập nhật" in html(response)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REQUESTED


def test_the_chair_picks_the_officer_on_the_page_the_least_loaded_first(case_at, officer_a, officer_b, chair_b):
    case = case_at(S.RECEIVED)
    transfer = requested(case, officer_a)
    client = client_for(chair_b)
    form = client.get(act_url(transfer, "accept_transfer"))
    field = form.context["form"].fields["officer"]
    assert (field.initial, [label for _pk, label in field.choices]) == (
        officer_b.pk,
        ["Trần Thị Thuỷ (0 hồ sơ đang mở)"],
    )

    response = client.post(act_url(transfer, "accept_transfer"), {"version": version_on(form), "officer": officer_b.pk})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.officer == officer_b


def test_the_sending_side_withdraws_on_the_transfers_page(case_at, officer_a, officer_b):
    case = case_at(S.RECEIVED)
    transfer = requested(case, officer_a)
    assert client_for(officer_b).get(act_url(transfer, "cancel_transfer")).status_code == 403
    client = client_for(officer_a)
    form = client.get(act_url(transfer, "cancel_transfer"))

    response = client.post(act_url(transfer, "cancel_transfer"), {"version": version_on(form)})

    assert response["Location"] == LIST
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert Notification.objects.filter(recipient=officer_b, title__contains="đã rút đề nghị").exists()
