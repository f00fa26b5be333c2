"""What each step of a referral's lifecycle does beyond the table (referrals/workflow.py `TRANSITIONS`), and the rules
of a referral's content it checks: the draft, the consent, the agency's answer, its time limit.

A handler gets the `StepContext` of the step (the locked referral as `record`) inside the transaction of
`referrals.services.referral_act`; it validates (a `ValidationError` in Vietnamese), writes what the step records on
the referral and returns the note its `ReferralEvent` (the referral's event row) keeps.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from cases import deadlines as deadline_rules
from cases.models import Case, Deadline, DeadlineKind
from childprotect.agencies.models import Agency
from childprotect.audit.services import audit_diff, audit_snapshot
from childprotect.places.models import AdminUnit
from childprotect.workdays.calendar import add_hours
from childprotect.workflow import StepContext

from .models import Consent, OutcomeOption, Referral, ResponseRule, Urgency

Step = StepContext[Referral]

REFERRAL_FIELDS = [
    "agency",
    "urgency",
    "services_requested",
    "message",
    "child_consent",
    "carer_consent",
    "consent_note",
]


@dataclass
class ReferralData:
    """What the commune writes in a referral (the draft form's cleaned data)."""

    agency: Agency
    services_requested: str
    urgency: str = Urgency.NORMAL
    message: str = ""
    child_consent: str = Consent.NOT_APPLICABLE
    carer_consent: str = Consent.GIVEN
    consent_note: str = ""


def province_of(unit: AdminUnit) -> AdminUnit:
    """The province a unit lies in (itself when it is one)."""
    ancestors = unit.ancestors()
    return ancestors[0] if ancestors else unit


def response_rule(agency: Agency) -> tuple[int, int]:
    """(urgent hours, normal working days) for an agency: its province's rule for its type, else the default."""
    province = province_of(agency.unit)
    rule = (
        ResponseRule.objects.filter(agency_type=agency.agency_type)
        .filter(Q(province=province) | Q(province__isnull=True))
        .order_by(F("province_id").asc(nulls_last=True))
        .first()
    )
    if rule is None:
        return settings.CHILDPROTECT_REFERRAL_URGENT_HOURS, settings.CHILDPROTECT_REFERRAL_WORKING_DAYS
    return rule.urgent_hours, rule.normal_working_days


def response_due(agency: Agency, urgency: str, start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(due_at, remind_at) of the agency's answer to a referral sent at `start`."""
    hours, days = response_rule(agency)
    if urgency == Urgency.URGENT:
        due = add_hours(start, hours)
        return due, max(start, due - dt.timedelta(hours=settings.CHILDPROTECT_REMIND_HOURS_BEFORE))
    return deadline_rules.working_days(start, days)


def agencies_for_case(case: Case) -> QuerySet[Agency]:
    """The active agencies a case may be referred to: those serving its province or any unit in it."""
    province = province_of(case.unit)
    return (
        Agency.objects.filter(is_active=True)
        .filter(Q(unit=province) | Q(unit__path__startswith=province.path + "/"))
        .select_related("unit")
    )


def _child_age(case: Case, on: dt.date) -> int:
    child = case.child
    if child.date_of_birth:
        born = child.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return on.year - child.birth_year


def check_draft(case: Case, data: ReferralData) -> None:
    errors: dict[str, str] = {}
    if not data.services_requested.strip():
        errors["services_requested"] = "Ghi rõ dịch vụ, hỗ trợ đề nghị cơ quan thực hiện."
    if not agencies_for_case(case).filter(pk=data.agency.pk).exists():
        errors["agency"] = "Cơ quan này không hoạt động hoặc không phục vụ tỉnh, thành phố của hồ sơ."
    if errors:
        raise ValidationError(errors)


def _check_consent(referral: Referral, today: dt.date) -> None:
    """NĐ 56 Đ33 (docs/law.md#referrals): consent of the child (aged 7 and above) and of the carer, recorded before
    sharing."""
    age = _child_age(referral.case, today)
    errors: dict[str, str] = {}
    if age >= 7 and referral.child_consent == Consent.NOT_APPLICABLE:
        errors["child_consent"] = f"Trẻ đã {age} tuổi: cần ghi nhận ý kiến của trẻ trước khi chia sẻ thông tin."
    refused = Consent.REFUSED in (referral.child_consent, referral.carer_consent)
    not_asked = referral.carer_consent == Consent.NOT_APPLICABLE
    if (refused or not_asked) and not referral.consent_note.strip():
        errors["consent_note"] = (
            "Trẻ hoặc người chăm sóc không đồng ý, hoặc không hỏi ý kiến người chăm sóc: ghi rõ căn cứ vẫn chuyển "
            "tuyến (ví dụ người chăm sóc là người xâm hại, vụ việc có dấu hiệu tội phạm)."
        )
    if errors:
        raise ValidationError(errors)


def _edit(referral: Referral, data: dict[str, Any], now: dt.datetime) -> str:
    draft = ReferralData(**{k: data[k] for k in REFERRAL_FIELDS if k in data})
    check_draft(referral.case, draft)
    before = audit_snapshot(referral, REFERRAL_FIELDS)
    for name in REFERRAL_FIELDS:
        value = getattr(draft, name)
        setattr(referral, name, value.strip() if isinstance(value, str) else value)
    return ", ".join(audit_diff(before, audit_snapshot(referral, REFERRAL_FIELDS)))


def _complete(referral: Referral, data: dict[str, Any], now: dt.datetime) -> str:
    outcome = data.get("outcome")
    errors: dict[str, str] = {}
    if not str(data.get("actions_taken", "")).strip():
        errors["actions_taken"] = "Ghi rõ những việc cơ quan đã làm."
    if not isinstance(outcome, OutcomeOption) or outcome.agency_type != referral.agency.agency_type:
        errors["outcome"] = "Chọn một kết quả trong danh mục của loại cơ quan này."
        raise ValidationError(errors)
    if outcome.needs_reference and not str(data.get("outcome_reference", "")).strip():
        errors["outcome_reference"] = f"Kết quả “{outcome.label}” cần số quyết định, số văn bản."
    if errors:
        raise ValidationError(errors)
    referral.outcome = outcome
    referral.outcome_reference = str(data.get("outcome_reference", "")).strip()
    referral.actions_taken = str(data["actions_taken"]).strip()
    referral.completed_at = now
    referral.access_until = now + dt.timedelta(days=settings.CHILDPROTECT_REFERRAL_ACCESS_DAYS)
    return f"{outcome.label}" + (f" ({referral.outcome_reference})" if referral.outcome_reference else "")


def _reason(data: dict[str, Any], field: str = "reason") -> str:
    text = str(data.get(field, "")).strip()
    if not text:
        raise ValidationError({field: "Ghi rõ lý do."})
    return text


def edit(step: Step) -> str:
    return _edit(step.record, step.data, step.now)


def send(step: Step) -> str:
    """Consent is recorded before anything is shared; the agency's time to answer starts now."""
    referral, now = step.record, step.now
    _check_consent(referral, timezone.localdate())
    referral.sent_by, referral.sent_at = step.actor, now
    due, remind = response_due(referral.agency, referral.urgency, now)
    Deadline.objects.create(
        case=referral.case,
        referral=referral,
        kind=DeadlineKind.REFERRAL_RESPONSE,
        started_at=now,
        due_at=due,
        remind_at=remind,
    )
    deadline_rules.refresh_next_due(referral.case)
    return str(step.data.get("note", "")).strip()


def decline(step: Step) -> str:
    step.record.decline_reason = _reason(step.data)
    return step.record.decline_reason


def withdraw(step: Step) -> str:
    step.record.withdrawn_reason = _reason(step.data)
    return step.record.withdrawn_reason


def note(step: Step) -> str:
    return _reason(step.data, "note")


def complete(step: Step) -> str:
    return _complete(step.record, step.data, step.now)


def optional_note(step: Step) -> str:
    return str(step.data.get("note", "")).strip()
