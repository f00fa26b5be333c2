"""Demo referrals (loaded by `manage.py loaddemo` after the demo cases; idempotent).

Nguyễn Văn An's case (commune A) was referred to the provincial children's hospital, which answered on paper: the
officer recorded its answer on its behalf. A second referral, to the provincial social-work centre, waits for an
answer. Nothing is referred to the police or the commune health station: the demo officer does that live, and the
`police` and `health` partners start with an empty list.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from cases.models import Case
from childprotect.accounts.models import User
from childprotect.agencies.models import Agency
from devtools.demo.cases import demo_clock
from referrals.models import Consent, OutcomeOption, Urgency
from referrals.services import ReferralData, referral_act, referral_create

HOSPITAL = "Bệnh viện Nhi Thanh Hóa"
SOCIAL_WORK = "Trung tâm Công tác xã hội tỉnh Thanh Hóa"


# When each step was taken: the hospital's referral a day after the plan was approved (the case's report received at
# R), answered on paper within days; the social-work centre's after the recent review (days before the load day).
HOSPITAL_AT = {
    "create": dt.timedelta(days=7, hours=1),
    "send": dt.timedelta(days=7, hours=1, minutes=10),
    "accept": dt.timedelta(days=7, hours=4),
    "complete": dt.timedelta(days=10, hours=2),
}
SOCIAL_WORK_AT = (2, "14:00")


def _act(actor: User, referral_pk: int, action: str, at: dt.datetime, **data: object) -> None:
    from referrals.models import Referral

    with demo_clock(at):
        referral = Referral.objects.get(pk=referral_pk)
        referral_act(actor=actor, referral=referral, action=action, version=referral.version, data=data)


def demo_referrals_load() -> int:
    """Create the demo referrals that are not there yet; returns how many were created."""
    officer = User.objects.filter(username="officer_a").first()
    case = Case.objects.filter(child__full_name="Nguyễn Văn An", unit=getattr(officer, "unit", None)).first()
    if officer is None or case is None:
        return 0
    created = 0
    received = case.report.received_at
    recent_day = timezone.localdate() - dt.timedelta(days=SOCIAL_WORK_AT[0])
    recent = timezone.make_aware(
        dt.datetime.combine(recent_day, dt.time.fromisoformat(SOCIAL_WORK_AT[1])), timezone.get_default_timezone()
    )
    hospital = Agency.objects.filter(name=HOSPITAL).first()
    if hospital and not case.referrals.filter(agency=hospital).exists():
        with demo_clock(received + HOSPITAL_AT["create"]):
            referral = referral_create(
                actor=officer,
                case=case,
                data=ReferralData(
                    agency=hospital,
                    urgency=Urgency.URGENT,
                    services_requested="Khám, đánh giá thương tích; giám định pháp y theo yêu cầu của Công an.",
                    message="Trẻ đang ở nhà bà nội (Tổ dân phố 7). Bà nội đưa trẻ đến khám.",
                    child_consent=Consent.GIVEN,
                    carer_consent=Consent.NOT_APPLICABLE,
                    consent_note="Người chăm sóc là người bị nghi xâm hại; bà nội (người chăm sóc thay thế) đồng ý.",
                ),
            )
        _act(officer, referral.pk, "send", received + HOSPITAL_AT["send"])
        _act(
            officer,
            referral.pk,
            "accept",
            received + HOSPITAL_AT["accept"],
            note="Bệnh viện gọi điện xác nhận tiếp nhận.",
        )
        examination = OutcomeOption.objects.get(agency_type=hospital.agency_type, code="examination")
        _act(
            officer,
            referral.pk,
            "complete",
            received + HOSPITAL_AT["complete"],
            outcome=examination,
            actions_taken="Đã khám: bầm tím ở lưng và tay, không gãy xương. Đã cấp giấy chứng nhận thương tích.",
        )
        created += 1
    centre = Agency.objects.filter(name=SOCIAL_WORK).first()
    if centre and not case.referrals.filter(agency=centre).exists():
        with demo_clock(recent):
            referral = referral_create(
                actor=officer,
                case=case,
                data=ReferralData(
                    agency=centre,
                    services_requested="Tư vấn, trị liệu tâm lý cho trẻ (4 buổi); tư vấn cho bà nội.",
                    child_consent=Consent.GIVEN,
                    carer_consent=Consent.NOT_APPLICABLE,
                    consent_note="Người chăm sóc là người bị nghi xâm hại; bà nội đồng ý.",
                ),
            )
        _act(officer, referral.pk, "send", recent + dt.timedelta(minutes=10))
        created += 1
    return created
