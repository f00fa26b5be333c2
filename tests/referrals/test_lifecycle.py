"""The referral lifecycle through the services: the table walked row by row, consent before sharing, the guardian
grants and their removal (withdrawal, decline, the end of the access period, account changes), and the audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.models import DeadlineKind, DeadlineStatus
from cases.services import case_act
from childprotect.accounts.models import Role
from childprotect.accounts.services import account_ensure
from childprotect.agencies.models import AgencyType
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from referrals.models import Consent, OutcomeOption, Referral, ReferralStatus, Urgency
from referrals.selectors import referrals_visible_to, referred_cases_for
from referrals.services import partner_access_sync, referral_access_expire, referral_act, referral_create
from referrals.workflow import TRANSITIONS, Transition
from tests.factories import AgencyFactory, UserFactory, unit
from tests.support.builders import referral_step as act
from tests.support.builders import walk
from tests.support.clock import local

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

R = ReferralStatus


def outcome(agency_type: str, code: str) -> OutcomeOption:
    return OutcomeOption.objects.get(agency_type=agency_type, code=code)


def holds(user, referral: Referral) -> bool:
    """Does `user` reach the referral and hold the grant on its case? (fresh user: guardian caches per object)"""
    user = type(user).objects.get(pk=user.pk)
    return (
        referrals_visible_to(user).filter(pk=referral.pk).exists()
        and referred_cases_for(user).filter(pk=referral.case_id).exists()
        and user.has_perm("cases.view_referred_case", referral.case)
    )


# What each step needs, and a referral in each status built through the services.
STEP_DATA = {
    "edit": {},
    "send": {},
    "accept": {"note": "Đã phân công điều tra viên."},
    "decline": {"reason": "Không thuộc thẩm quyền."},
    "start": {},
    "note": {"note": "Đã lấy lời khai của người làm chứng."},
    "complete": {},
    "withdraw": {"reason": "Gia đình đã chuyển đi nơi khác."},
}
PATH: dict[str, list[str]] = {
    R.DRAFT: [],
    R.SENT: ["send"],
    R.ACCEPTED: ["send", "accept"],
    R.IN_PROGRESS: ["send", "accept", "start"],
    R.DECLINED: ["send", "decline"],
    R.COMPLETED: ["send", "accept", "complete"],
    R.WITHDRAWN: ["withdraw"],
}


@pytest.fixture
def at_status(draft, officer_a, police, referral_data):
    def build(status: str) -> Referral:
        referral = draft()
        for action in PATH[status]:
            actor = officer_a if action in ("send", "withdraw") else police
            act(actor, referral, action, **data_for(action, referral))
        assert referral.status == status
        return referral

    return build


def data_for(action: str, referral: Referral) -> dict:
    if action == "edit":
        return {
            "agency": referral.agency,
            "urgency": Urgency.NORMAL,
            "services_requested": "Điều tra, xác minh.",
            "message": "",
            "child_consent": Consent.GIVEN,
            "carer_consent": Consent.GIVEN,
            "consent_note": "",
        }
    if action == "complete":
        return {
            "outcome": outcome(AgencyType.POLICE, "administrative_fine"),
            "outcome_reference": "15/QĐ-XPHC",
            "actions_taken": "Đã xác minh, lập biên bản và ra quyết định xử phạt người cha.",
        }
    return STEP_DATA[action]


def _ids(value) -> str:
    return value.action if isinstance(value, Transition) else str(value)


CASES = [(step, source) for step in TRANSITIONS for source in step.sources]


@pytest.mark.parametrize(("step", "source"), CASES, ids=[f"{s.action}-{src}" for s, src in CASES])
def test_each_row_moves_a_referral_from_each_of_its_statuses(step, source, at_status, officer_a, police):
    referral = at_status(source)
    actor = police if Role.PARTNER in step.roles else officer_a

    act(actor, referral, step.action, **data_for(step.action, referral))

    assert referral.status == step.target
    event = referral.events.order_by("-id").first()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        step.action,
        source,
        step.target,
        actor,
    )
    assert AuditEntry.objects.filter(action=f"referral.{step.action}", object_id=str(referral.pk)).exists()


@pytest.mark.parametrize("step", TRANSITIONS, ids=_ids)
def test_each_row_refuses_a_referral_in_a_status_it_does_not_start_from(step, at_status, officer_a, police):
    for status in set(R) - set(step.sources):
        referral = at_status(status)
        actor = police if Role.PARTNER in step.roles else officer_a
        if actor == police and not holds(police, referral) and status != R.DRAFT:
            continue  # a declined or withdrawn referral is out of the partner's reach altogether (views: 404)
        with pytest.raises(ValidationError) as refused:
            act(actor, referral, step.action, **data_for(step.action, referral))
        assert f"khi chuyển tuyến đang ở trạng thái “{R(status).label}”" in refused.value.messages[0]
        assert Referral.objects.get(pk=referral.pk).status == status


@pytest.mark.parametrize("step", TRANSITIONS, ids=_ids)
def test_each_row_refuses_the_roles_it_does_not_name(step, at_status, supervisor, administrator, police, chair_a):
    referral = at_status(step.sources[0])
    for user in (supervisor, administrator, police, chair_a):
        if user.role in step.roles:
            continue
        with pytest.raises(ValidationError, match="Vai trò của bạn không thực hiện được"):
            act(user, referral, step.action, **data_for(step.action, referral))
    assert Referral.objects.get(pk=referral.pk).status == step.sources[0]


def test_an_officer_of_another_commune_and_a_partner_of_another_agency_are_refused(
    at_status, officer_b, health, referral_data
):
    referral = at_status(R.SENT)

    with pytest.raises(ValidationError, match="ngoài địa bàn"):
        act(officer_b, referral, "withdraw", reason="x")
    with pytest.raises(ValidationError, match="không gửi đến cơ quan của bạn"):
        act(health, referral, "accept")


# --- drafting and consent ------------------------------------------------------------------------------------------


def test_a_draft_shares_nothing(draft, police):
    referral = draft()

    assert referral.status == R.DRAFT
    assert not holds(police, referral)
    assert not referral.deadlines.exists()
    assert not Notification.objects.filter(recipient=police).exists()


def test_only_the_cases_commune_staff_may_draft(case, referral_data, officer_b, supervisor, police, chair_a):
    for user in (officer_b, supervisor, police):
        with pytest.raises(ValidationError, match="Chỉ cán bộ, lãnh đạo UBND cấp xã"):
            referral_create(actor=user, case=case, data=referral_data())
    assert referral_create(actor=chair_a, case=case, data=referral_data()).status == R.DRAFT
    assert Referral.objects.count() == 1


def test_an_agency_outside_the_province_or_inactive_is_refused(case, officer_a, referral_data, police_agency):
    hanoi = AgencyFactory(name="Công an phường Ba Đình", unit=unit("2026:00004"))
    with pytest.raises(ValidationError) as refused:
        referral_create(actor=officer_a, case=case, data=referral_data(agency=hanoi))
    assert "không phục vụ tỉnh, thành phố của hồ sơ" in refused.value.message_dict["agency"][0]

    police_agency.is_active = False
    police_agency.save()
    with pytest.raises(ValidationError):
        referral_create(actor=officer_a, case=case, data=referral_data())
    with pytest.raises(ValidationError) as empty:
        referral_create(actor=officer_a, case=case, data=referral_data(agency=hanoi, services_requested="  "))
    assert set(empty.value.message_dict) == {"agency", "services_requested"}
    assert not Referral.objects.exists()


def test_an_agency_elsewhere_in_the_province_may_receive(case, officer_a, referral_data):
    hospital = AgencyFactory(name="Bệnh viện Nhi Thanh Hóa", agency_type=AgencyType.HEALTH, unit=unit("2026:38"))

    referral = referral_create(actor=officer_a, case=case, data=referral_data(agency=hospital))

    assert referral.agency == hospital


def test_sending_needs_the_consent_of_a_child_aged_7_or_more(draft, officer_a, police):
    referral = draft(child_consent=Consent.NOT_APPLICABLE)  # the child is 11

    with pytest.raises(ValidationError) as refused:
        act(officer_a, referral, "send")

    assert refused.value.message_dict["child_consent"] == [
        "Trẻ đã 11 tuổi: cần ghi nhận ý kiến của trẻ trước khi chia sẻ thông tin."
    ]
    assert referral.status == R.DRAFT and not holds(police, referral)


def test_a_child_under_7_needs_no_consent_of_their_own(officer_a, make_report, make_child, referral_data, police):
    from tests.support.builders import open_case

    case = open_case(officer_a, make_report, make_child, child_name="Lê Bảo Ngọc")
    child = case.child
    child.date_of_birth, child.birth_year = dt.date(2021, 1, 10), 2021
    child.save()
    referral = referral_create(actor=officer_a, case=case, data=referral_data(child_consent=Consent.NOT_APPLICABLE))

    assert act(officer_a, referral, "send").status == R.SENT


def test_a_refusal_or_a_carer_not_asked_needs_the_grounds_for_sending_anyway(draft, officer_a):
    refused = draft(carer_consent=Consent.REFUSED)
    with pytest.raises(ValidationError) as error:
        act(officer_a, refused, "send")
    assert "consent_note" in error.value.message_dict

    grounds = "Người cha là người bị nghi xâm hại; vụ việc có dấu hiệu tội phạm (Luật Trẻ em Điều 33)."
    justified = draft(carer_consent=Consent.NOT_APPLICABLE, consent_note=grounds)
    assert act(officer_a, justified, "send").status == R.SENT


def test_editing_a_draft_is_audited_with_what_changed(draft, officer_a):
    referral = draft()

    act(officer_a, referral, "edit", **{**data_for("edit", referral), "services_requested": "Bảo vệ an toàn cho trẻ."})

    assert referral.services_requested == "Bảo vệ an toàn cho trẻ." and referral.urgency == Urgency.NORMAL
    assert "services_requested" in referral.events.get(action="edit").note


def test_a_stale_version_is_refused_and_changes_nothing(sent, officer_a, police):
    referral = sent()
    old_version = referral.version
    act(police, referral, "accept")

    with pytest.raises(ValidationError) as stale:
        referral_act(actor=officer_a, referral=referral, action="withdraw", version=old_version, data={"reason": "x"})

    assert stale.value.code == "stale"
    assert Referral.objects.get(pk=referral.pk).status == R.ACCEPTED


# --- grants --------------------------------------------------------------------------------------------------------


def test_sending_grants_every_active_partner_of_the_agency_and_nobody_else(
    sent, police, police_agency, health, officer_b
):
    colleague = UserFactory(username="police2", role=Role.PARTNER, unit=None, agency=police_agency)
    retired = UserFactory(username="police3", role=Role.PARTNER, unit=None, agency=police_agency, is_active=False)

    referral = sent()

    assert holds(police, referral) and holds(colleague, referral)
    assert not holds(retired, referral) and not holds(health, referral) and not holds(officer_b, referral)
    grant = AuditEntry.objects.get(action="referral.grant", object_id=str(referral.pk))
    assert sorted(grant.changes["users"]) == sorted([police.pk, colleague.pk])
    titles = Notification.objects.filter(key=f"referral:{referral.pk}:sent").values_list("recipient__username", "title")
    assert sorted(titles) == sorted(
        [(u, f"Chuyển tuyến mới {referral} ({referral.case}) – KHẨN CẤP") for u in ("police", "police2")]
    )


def test_withdrawal_revokes_the_grant_cancels_the_deadline_and_tells_the_agency(sent, officer_a, police):
    referral = sent()

    act(officer_a, referral, "withdraw", reason="Gia đình đã chuyển đi nơi khác.")

    assert not holds(police, referral)
    assert referral.access_revoked_at is not None
    assert referral.deadlines.get().status == DeadlineStatus.CANCELLED
    revoke = AuditEntry.objects.get(action="referral.revoke", object_id=str(referral.pk))
    assert revoke.changes == {"case": referral.case_id, "users": [police.pk], "reason": "withdraw"}
    told = Notification.objects.get(recipient=police, key=f"referral:{referral.pk}:withdrawn")
    assert "Gia đình đã chuyển đi nơi khác." in told.body
    assert referral.case.child.full_name not in told.title + told.body


def test_a_decline_revokes_the_grant_and_tells_the_sender(sent, police, officer_a):
    referral = sent()

    act(police, referral, "decline", reason="Không thuộc địa bàn.")

    assert not holds(police, referral)
    assert referral.deadlines.get().status == DeadlineStatus.MET
    told = Notification.objects.get(recipient=officer_a, key=f"referral:{referral.pk}:decline")
    assert told.body == "Không thuộc địa bàn."


def test_a_second_open_referral_to_the_same_agency_keeps_the_grant_when_one_is_withdrawn(sent, officer_a, police):
    first, second = sent(), sent(urgency=Urgency.NORMAL)

    act(officer_a, first, "withdraw", reason="Trùng.")

    assert not referrals_visible_to(police).filter(pk=first.pk).exists()
    assert holds(police, second)


def test_completion_keeps_access_for_the_configured_days_then_the_periodic_job_removes_it(
    sent, police, officer_a, clock, settings
):
    settings.CHILDPROTECT_REFERRAL_ACCESS_DAYS = 30
    referral = sent()
    act(police, referral, "accept")
    act(police, referral, **{"action": "complete"}, **data_for("complete", referral))

    assert referral.access_until == local(2026, 12, 20, 9, 0)
    clock.move_to(local(2026, 12, 20, 8, 59))
    assert referral_access_expire() == 0 and holds(police, referral)

    clock.move_to(local(2026, 12, 20, 9, 0))
    assert referral_access_expire() == 1
    assert not holds(police, referral)
    assert referral_access_expire() == 0  # the next run finds nothing left to do
    entry = AuditEntry.objects.get(action="referral.revoke", object_id=str(referral.pk))
    assert entry.actor is None and entry.changes["reason"] == "access_period_ended"
    # The commune still sees the referral and its outcome.
    assert referrals_visible_to(officer_a).filter(pk=referral.pk).exists()


def test_the_periodic_task_is_scheduled_and_runs_the_expiry(sent, police, clock, settings):
    from childprotect.schedule import BEAT_SCHEDULE
    from referrals.tasks import expire_referral_access

    assert BEAT_SCHEDULE["expire-referral-access"]["task"] == "referrals.tasks.expire_referral_access"
    settings.CHILDPROTECT_REFERRAL_ACCESS_DAYS = 1
    referral = sent()
    act(police, referral, "accept")
    act(police, referral, "complete", **data_for("complete", referral))
    clock.move_to(local(2026, 11, 21, 9, 0))

    assert expire_referral_access.delay().get() == 1
    assert not holds(police, referral)


def test_a_partner_account_created_later_gets_the_agencys_open_referrals(sent, police_agency, commune_a):
    referral = sent()

    result = account_ensure(
        actor=None,
        username="police_new",
        role=Role.PARTNER,
        full_name="Vũ Văn Nam",
        agency=police_agency,
        password="Mật-khẩu-mới-2026",
    )

    assert holds(result.user, referral)
    assert AuditEntry.objects.filter(action="referral.access_sync", object_id=str(result.user.pk)).exists()


def test_a_partner_deactivated_or_moved_to_another_agency_loses_the_grant(sent, police, health_agency):
    referral = sent()

    account_ensure(actor=None, username="police", role=Role.PARTNER, full_name=police.full_name, agency=health_agency)

    police.refresh_from_db()
    assert not holds(police, referral)
    assert partner_access_sync(actor=None, user=police) == (0, 0)  # already in line


def test_a_partner_only_ever_sees_shared_referrals_of_their_own_agency(at_status, police, health):
    shared = [at_status(s) for s in (R.SENT, R.ACCEPTED, R.IN_PROGRESS, R.COMPLETED)]
    hidden = [at_status(s) for s in (R.DRAFT, R.DECLINED, R.WITHDRAWN)]

    assert set(referrals_visible_to(police)) == set(shared)
    assert not referrals_visible_to(health).exists()
    assert all(not holds(police, r) for r in hidden)


# --- answering on the agency's behalf; the case timeline -----------------------------------------------------------


def test_commune_staff_may_record_a_paper_answer_marked_as_on_the_agencys_behalf(sent, officer_a, police):
    referral = sent()

    act(officer_a, referral, "accept", note="Công an phường trả lời bằng văn bản số 12/CV.")

    event = referral.events.get(action="accept")
    assert event.on_behalf and event.actor == officer_a
    assert not Notification.objects.filter(key=f"referral:{referral.pk}:accept").exists()  # no one to tell
    assert not referral.events.get(action="send").on_behalf


def test_completion_needs_an_outcome_of_the_agencys_type_and_a_reference_where_the_outcome_has_one(sent, police):
    referral = sent()
    act(police, referral, "accept")

    wrong_type = {"outcome": outcome(AgencyType.HEALTH, "forensic"), "actions_taken": "Đã giám định."}
    with pytest.raises(ValidationError) as error:
        act(police, referral, "complete", **wrong_type)
    assert "outcome" in error.value.message_dict

    prosecuted = {"outcome": outcome(AgencyType.POLICE, "prosecuted"), "actions_taken": "Đã khởi tố."}
    with pytest.raises(ValidationError) as error:
        act(police, referral, "complete", **prosecuted)
    assert error.value.message_dict["outcome_reference"] == [
        "Kết quả “Khởi tố vụ án hình sự” cần số quyết định, số văn bản."
    ]
    assert Referral.objects.get(pk=referral.pk).status == R.ACCEPTED

    act(police, referral, "complete", **prosecuted, outcome_reference="08/QĐ-KTVA")
    assert (referral.status, referral.outcome_reference) == (R.COMPLETED, "08/QĐ-KTVA")
    assert referral.events.get(action="complete").note == "Khởi tố vụ án hình sự (08/QĐ-KTVA)"


def test_closing_the_case_leaves_an_open_referral_and_its_deadline_alone(sent, officer_a, chair_a, police):
    referral = sent()
    case = walk(referral.case, "closed", officer=officer_a, chair=chair_a)

    assert case.state == "closed"
    assert referral.deadlines.get().status == DeadlineStatus.OPEN
    assert holds(police, referral)
    assert act(police, referral, "accept").status == R.ACCEPTED


def test_the_response_deadline_follows_the_agency_types_rule_and_the_provinces_own(
    draft, officer_a, police_agency, province
):
    from referrals.models import ResponseRule

    urgent = act(officer_a, draft(), "send")  # police default: 24 hours
    assert urgent.deadlines.get().due_at == local(2026, 11, 21, 9, 0)
    normal = act(officer_a, draft(urgency=Urgency.NORMAL), "send")  # 3 working days from Fri 20/11
    assert normal.deadlines.get().due_at == local(2026, 11, 25, 23, 59, 59)

    ResponseRule.objects.create(agency_type=AgencyType.POLICE, province=province, urgent_hours=8, normal_working_days=1)
    stricter = act(officer_a, draft(), "send")
    assert stricter.deadlines.get().due_at == local(2026, 11, 20, 17, 0)
    assert stricter.deadlines.get().kind == DeadlineKind.REFERRAL_RESPONSE


def test_an_accept_after_the_deadline_is_recorded_late(sent, police, clock):
    referral = sent()  # urgent: due 21/11 09:00
    clock.move_to(local(2026, 11, 21, 10, 0))

    act(police, referral, "accept")

    deadline = referral.deadlines.get()
    assert (deadline.status, deadline.settled_at) == (DeadlineStatus.LATE, local(2026, 11, 21, 10, 0))


def test_case_act_is_unaffected_by_referrals(sent, officer_a):
    referral = sent()
    case = referral.case
    case_act(actor=officer_a, case=case, action="assess_initial", version=case.version, data={"summary": "x"})
    assert referral.deadlines.get().status == DeadlineStatus.OPEN
