"""Every alert says its kind, whether it is urgent, its commune (the chain it escalates along), the record's reference,
what is due and when; and SMS carry only those: never the child's name, the reporter's or the abuse."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.escalation import escalations_scan
from cases.models import DeadlineKind
from cases.services import case_comment, deadlines_scan, intake_act
from childprotect.alerts.messages import plain
from childprotect.alerts.models import AlertKind, Delivery
from childprotect.alerts.services import deliveries_sweep
from childprotect.core.models import Notification
from referrals.models import Consent, Urgency
from referrals.services import ReferralData, referral_act, referral_create
from reporting.services import due_reminders_scan
from tests.support.builders import REPORTER_NAME, act, open_case
from tests.support.clock import RECEIVED_AT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

CHILD = "Lê Thị Hồng Nhung"
ABUSE = "Bố dượng đánh trẻ bằng roi mây nhiều lần vào buổi tối"


def of(user, **filters) -> Notification:
    return Notification.objects.get(recipient=user, **filters)


def send(officer, case, agency, urgency=Urgency.NORMAL):
    data = ReferralData(
        agency=agency,
        services_requested="Khám sức khoẻ cho trẻ.",
        urgency=urgency,
        child_consent=Consent.GIVEN,
        carer_consent=Consent.GIVEN,
    )
    referral = referral_create(actor=officer, case=case, data=data)
    referral_act(actor=officer, referral=referral, action="send", version=referral.version)
    referral.refresh_from_db()
    return referral


def test_a_new_report_is_urgent_for_its_commune_with_its_twelve_hour_limit(officer_a, chair_a, make_report):
    report = make_report(officer_a)

    n = of(chair_a, key=f"report-received:{report.pk}")
    assert (n.kind, n.urgent, n.unit_id, n.ref) == (
        AlertKind.NEW_REPORT,
        True,
        report.incident_unit_id,
        report.reference,
    )
    assert n.what == str(DeadlineKind.EMERGENCY.label)
    assert n.due_at == RECEIVED_AT + dt.timedelta(hours=12)


def test_a_forwarded_report_is_new_and_urgent_for_the_commune_it_reaches(officer_a, officer_b, commune_b, make_report):
    report = make_report(officer_a)
    report.refresh_from_db()
    intake_act(actor=officer_a, report=report, action="forward", version=report.version,
               data={"to_unit": commune_b, "reason": "Vụ việc xảy ra ở xã B."})  # fmt: skip

    n = of(officer_b, key__startswith=f"report:{report.pk}:step:")
    assert (n.kind, n.urgent, n.unit_id, n.ref) == (AlertKind.NEW_REPORT, True, commune_b.pk, report.reference)


def test_the_chairs_turn_is_my_turn_named_by_its_step(officer_a, chair_a, new_case):
    case = new_case()
    act(officer_a, case, "assess_initial")

    n = Notification.objects.filter(recipient=chair_a, key__startswith=f"case:{case.pk}:step:").latest("id")
    assert (n.kind, n.urgent, n.unit_id, n.ref) == (AlertKind.MY_TURN, False, case.unit_id, str(case))
    assert n.what and n.what in n.title


def test_a_comment_asking_for_changes_is_the_officers_turn_and_a_plain_one_is_not(officer_a, supervisor, new_case):
    case = new_case()
    case_comment(actor=supervisor, case=case, text="Bổ sung biên bản xác minh.", requests_changes=True)
    case_comment(actor=supervisor, case=case, text="Đã xem.")

    kinds = list(Notification.objects.filter(recipient=officer_a, ref=str(case)).order_by("id").values_list("kind"))
    assert kinds[-2:] == [(AlertKind.MY_TURN,), (AlertKind.OTHER,)]


def test_deadline_reminders_say_due_soon_or_overdue_and_only_the_emergency_is_urgent(
    officer_a, chair_a, supervisor, new_case, clock
):
    case = new_case()
    clock.move_to(RECEIVED_AT + dt.timedelta(hours=11))  # the emergency's reminder time, before its limit
    deadlines_scan()
    soon = of(officer_a, kind=AlertKind.DUE_SOON)
    assert (soon.urgent, soon.unit_id, soon.ref, soon.what) == (True, case.unit_id, str(case),
                                                                str(DeadlineKind.EMERGENCY.label))  # fmt: skip

    clock.move_to(RECEIVED_AT + dt.timedelta(days=14))  # every limit of the case has passed
    deadlines_scan()
    late = Notification.objects.filter(kind=AlertKind.OVERDUE, ref=str(case))
    emergency = {n.recipient_id: n.urgent for n in late if n.what == str(DeadlineKind.EMERGENCY.label)}
    assert emergency == {officer_a.pk: True, chair_a.pk: True, supervisor.pk: True}
    assert {n.urgent for n in late if n.what != str(DeadlineKind.EMERGENCY.label)} == {False}
    assert {n.unit_id for n in late} == {case.unit_id}


@pytest.mark.parametrize(("urgency", "urgent"), [(Urgency.URGENT, True), (Urgency.NORMAL, False)])
def test_a_referral_reaches_its_agency_as_a_referral_urgent_when_marked_so(
    officer_a, police, police_agency, new_case, urgency, urgent
):
    case = new_case()
    referral = send(officer_a, case, police_agency, urgency)

    n = of(police, key=f"referral:{referral.pk}:sent")
    assert (n.kind, n.urgent, n.unit_id, n.ref) == (AlertKind.REFERRAL, urgent, case.unit_id, str(referral))
    assert n.due_at == referral.deadlines.get().due_at


def test_no_sms_names_the_child_the_reporter_or_the_abuse(
    officer_a, chair_a, supervisor, police, police_agency, make_report, make_child, clock, sms_channel, phones_verified,
    settings,
):  # fmt: skip
    settings.CHILDPROTECT_SMS_UNICODE = True  # the names as typed; and below, without diacritics too
    case = open_case(officer_a, make_report, make_child, child_name=CHILD, description=ABUSE)
    report = case.report
    assert report.reporter_name == REPORTER_NAME
    referral = send(officer_a, case, police_agency, Urgency.URGENT)
    clock.move_to(RECEIVED_AT + dt.timedelta(hours=11))
    deadlines_scan()
    clock.move_to(RECEIVED_AT + dt.timedelta(days=14))
    deadlines_scan()
    escalations_scan()
    clock.move_to(RECEIVED_AT + dt.timedelta(days=14, minutes=5))
    deliveries_sweep()

    assert Delivery.objects.filter(channel="sms").exclude(status="sent").count() == 0
    assert len(sms_channel.sent) == Delivery.objects.filter(channel="sms").count() > 5
    to = {m.to for m in sms_channel.sent}
    assert to == set(phones_verified.values())  # officer, chair, supervisor and police all had messages
    refs = {report.reference, str(case), str(referral)}
    secrets = [CHILD, REPORTER_NAME, ABUSE, *CHILD.split()[-2:], "roi mây"]
    for message in sms_channel.sent:
        said = " ".join([message.text, *message.params.values()])
        for secret in secrets:
            assert secret.lower() not in said.lower(), (secret, said)
            assert plain(secret).lower() not in plain(said).lower(), (secret, said)
        assert any(ref in message.text for ref in refs), message.text
        assert "/a/" in message.text and message.text.startswith("BVTE:")


def test_a_periodic_report_due_is_report_due_for_its_unit(officer_a, commune_a):
    due_reminders_scan(dt.date(2026, 6, 15))  # the first six months' report is due today

    n = Notification.objects.filter(recipient=officer_a, key__startswith="report:").latest("id")
    assert (n.kind, n.urgent, n.unit_id, n.ref) == (AlertKind.REPORT_DUE, False, commune_a.pk, "semiannual-2026")
    assert n.due_at is not None and n.due_at.date() == dt.date(2026, 6, 15)
