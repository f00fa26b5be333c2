from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from cases import deadlines as deadline_rules
from cases.models import Case, Deadline, DeadlineKind, DeadlineStatus
from childprotect.accounts.models import Role, User
from childprotect.accounts.policy import acts_for_agency, can_refer
from childprotect.accounts.selectors import user_reaches_unit
from childprotect.audit.actions import AgencyAction, GrantAction, ReferralAction, referral_step
from childprotect.audit.services import audit_diff, audit_record, audit_snapshot
from childprotect.core.services import notify
from childprotect.places.models import AdminUnit
from childprotect.workdays.calendar import add_hours

from .models import Agency, Consent, OutcomeOption, Referral, ReferralEvent, ResponseRule, Urgency
from .models import ReferralStatus as R
from .workflow import BY_ACTION, SHARED, Step

AGENCY_FIELDS = ["name", "agency_type", "unit", "address", "phone", "email", "is_active"]


def agency_ensure(*, actor: Any, name: str, agency_type: str, unit: AdminUnit, **details: Any) -> tuple[Agency, bool]:
    """Create the agency `name` in `unit`, or bring its details up to date; nothing changes if they already are."""
    with transaction.atomic():
        agency = Agency.objects.select_for_update().filter(unit=unit, name=name).first()
        created = agency is None
        before = {} if agency is None else audit_snapshot(agency, AGENCY_FIELDS)
        agency = agency or Agency(unit=unit, name=name)
        agency.agency_type = agency_type
        for key, value in details.items():
            setattr(agency, key, value)
        agency.full_clean()
        after = audit_snapshot(agency, AGENCY_FIELDS)
        if created or after != before:
            agency.save()
            audit_record(
                actor=actor,
                action=AgencyAction.CREATE if created else AgencyAction.UPDATE,
                obj=agency,
                changes=audit_diff(before, after),
            )
    return agency, created


# --- Referrals -----------------------------------------------------------------------------------------------------

REFERRED_CASE_PERM = "cases.view_referred_case"
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


def agency_partners(agency_id: int) -> QuerySet[User]:
    return User.objects.filter(role=Role.PARTNER, agency_id=agency_id, is_active=True)


def _child_age(case: Case, on: dt.date) -> int:
    child = case.child
    if child.date_of_birth:
        born = child.date_of_birth
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return on.year - child.birth_year


def _check_draft(case: Case, data: ReferralData) -> None:
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


def referral_create(*, actor: User, case: Case, data: ReferralData) -> Referral:
    """A draft referral from the case's commune; nothing is shared until it is sent."""
    if not can_refer(actor) or not user_reaches_unit(actor, case.unit):
        raise ValidationError("Chỉ cán bộ, lãnh đạo UBND cấp xã phụ trách hồ sơ mới lập chuyển tuyến.", code="refused")
    _check_draft(case, data)
    now = timezone.now()
    with transaction.atomic():
        referral = Referral.objects.create(
            case=case,
            created_by=actor,
            created_at=now,
            agency=data.agency,
            urgency=data.urgency,
            services_requested=data.services_requested.strip(),
            message=data.message.strip(),
            child_consent=data.child_consent,
            carer_consent=data.carer_consent,
            consent_note=data.consent_note.strip(),
        )
        ReferralEvent.objects.create(
            referral=referral, action="create", from_status=R.DRAFT, to_status=R.DRAFT, actor=actor, at=now
        )
        audit_record(
            actor=actor,
            action=ReferralAction.CREATE,
            obj=referral,
            changes={"case": case.pk, "agency": data.agency.pk, "urgency": data.urgency},
        )
    return referral


def step_refusal(actor: User, referral: Referral, step: Step) -> str | None:
    """Why `actor` may not take `step` on `referral` now, in Vietnamese; None when they may."""
    if actor.role not in step.roles:
        return f"Vai trò của bạn không thực hiện được “{step.label}”."
    if acts_for_agency(actor):
        if actor.agency_id != referral.agency_id:
            return "Chuyển tuyến này không gửi đến cơ quan của bạn."
    elif not user_reaches_unit(actor, referral.case.unit):
        return "Hồ sơ này nằm ngoài địa bàn bạn phụ trách."
    if referral.status not in step.sources:
        return f"Không thể “{step.label}” khi chuyển tuyến đang ở trạng thái “{R(referral.status).label}”."
    return None


def referral_record_view(
    *,
    actor: User,
    referral: Referral,
    details: dict[str, Any] | None = None,
    action: ReferralAction = ReferralAction.VIEW,
) -> None:
    """Every page that shows a referral (its page, its step forms) is recorded once per view (NĐ 56 Đ33); so is every
    print of its letter (ReferralAction.PRINT)."""
    audit_record(actor=actor, action=action, obj=referral, changes=details or {})


def _grant(referral: Referral, actor: User) -> list[int]:
    """Give the agency's active partners their need-to-know view of the case; audited per referral."""
    users = list(agency_partners(referral.agency_id))
    for user in users:
        assign_perm(REFERRED_CASE_PERM, user, referral.case)
    audit_record(
        actor=actor,
        action=GrantAction.GRANT,
        obj=referral,
        changes={"case": referral.case_id, "users": [u.pk for u in users]},
    )
    return [u.pk for u in users]


def _still_needed(case_id: int, agency_id: int, excluding: int) -> bool:
    """Another referral of the same case to the same agency still justifies its partners' access."""
    return (
        Referral.objects.filter(case_id=case_id, agency_id=agency_id, status__in=SHARED, access_revoked_at__isnull=True)
        .exclude(pk=excluding)
        .exists()
    )


def _grant_holders(case: Case) -> QuerySet[User]:
    """The people holding the referral grant on a case (django-guardian's user object permissions)."""
    grants = UserObjectPermission.objects.filter(
        permission__codename="view_referred_case",
        content_type=ContentType.objects.get_for_model(Case),
        object_pk=str(case.pk),
    )
    return User.objects.filter(pk__in=grants.values("user_id"))


def _revoke(referral: Referral, actor: User | None, now: dt.datetime, reason: str) -> list[int]:
    """Remove the partners' view of the case, unless another referral to the same agency still needs it."""
    referral.access_revoked_at = now
    removed: list[int] = []
    if not _still_needed(referral.case_id, referral.agency_id, referral.pk):
        for user in _grant_holders(referral.case):
            if user.agency_id == referral.agency_id or not acts_for_agency(user):
                remove_perm(REFERRED_CASE_PERM, user, referral.case)
                removed.append(user.pk)
    audit_record(
        actor=actor,
        action=GrantAction.REVOKE,
        obj=referral,
        changes={"case": referral.case_id, "users": removed, "reason": reason},
    )
    return removed


def _settle(referral: Referral, now: dt.datetime, *, cancel: bool) -> tuple[dt.datetime | None, bool | None]:
    deadline = Deadline.objects.filter(referral=referral, status=DeadlineStatus.OPEN).first()
    if deadline is None:
        return None, None
    late = now > deadline.due_at
    if cancel:
        deadline.status = DeadlineStatus.CANCELLED
    else:
        deadline.status = DeadlineStatus.LATE if late else DeadlineStatus.MET
    deadline.settled_at = now
    deadline.save(update_fields=["status", "settled_at"])
    return deadline.due_at, None if cancel else not late


def _edit(referral: Referral, data: dict[str, Any], now: dt.datetime) -> str:
    draft = ReferralData(**{k: data[k] for k in REFERRAL_FIELDS if k in data})
    _check_draft(referral.case, draft)
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


def referral_act(
    *, actor: User, referral: Referral, action: str, version: int, data: dict[str, Any] | None = None
) -> ReferralEvent:
    """Take `action` of the referral table on `referral`, as edited from `version`."""
    step = BY_ACTION.get(action)
    if step is None:
        raise ValidationError(f"Không có bước “{action}” trong quy trình chuyển tuyến.")
    data = dict(data or {})
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Referral.objects.select_for_update(of=("self",))
            .select_related("case__unit", "case__child", "agency__unit", "outcome")
            .get(pk=referral.pk)
        )
        if locked.version != version:
            raise ValidationError(
                "Chuyển tuyến vừa được người khác cập nhật. Hãy xem lại trạng thái hiện tại rồi gửi lại.", code="stale"
            )
        refusal = step_refusal(actor, locked, step)
        if refusal:
            raise ValidationError(refusal, code="refused")
        from_status = locked.status
        note = ""
        if action == "edit":
            note = _edit(locked, data, now)
        elif action == "send":
            _check_consent(locked, timezone.localdate())
            note = str(data.get("note", "")).strip()
            locked.sent_by, locked.sent_at = actor, now
            due, remind = response_due(locked.agency, locked.urgency, now)
            Deadline.objects.create(
                case=locked.case,
                referral=locked,
                kind=DeadlineKind.REFERRAL_RESPONSE,
                started_at=now,
                due_at=due,
                remind_at=remind,
            )
        elif action == "decline":
            note = locked.decline_reason = _reason(data)
        elif action == "withdraw":
            note = locked.withdrawn_reason = _reason(data)
        elif action == "note":
            note = _reason(data, "note")
        elif action == "complete":
            note = _complete(locked, data, now)
        else:
            note = str(data.get("note", "")).strip()
        if step.settles or step.cancels:
            if step.settles:
                locked.responded_at = now
            _settle(locked, now, cancel=step.cancels)
        locked.status = step.target
        locked.version += 1
        if step.revokes and from_status in SHARED:
            _revoke(locked, actor, now, reason=action)
        locked.save()
        granted = _grant(locked, actor) if step.grants else []
        event = ReferralEvent.objects.create(
            referral=locked,
            action=action,
            from_status=from_status,
            to_status=locked.status,
            actor=actor,
            at=now,
            note=note,
            on_behalf=actor.role != Role.PARTNER and actor.role in step.roles and Role.PARTNER in step.roles,
        )
        audit_record(
            actor=actor,
            action=referral_step(action),
            obj=locked,
            changes={"status": [from_status, locked.status]},
        )
        _tell(locked, step, actor, granted)
    referral.refresh_from_db()
    return event


def _tell(referral: Referral, step: Step, actor: User, granted: list[int]) -> None:
    """Notify the other side: the agency when the commune sends or withdraws, the sender when the agency answers."""
    label = f"{referral} ({referral.case})"
    partner_url = reverse("referrals:referral_detail", args=[referral.pk])
    if step.action == "send":
        notify(
            recipients=User.objects.filter(pk__in=granted),
            title=f"Chuyển tuyến mới {label}" + (" – KHẨN CẤP" if referral.urgency == Urgency.URGENT else ""),
            body=f"Từ {referral.case.unit.name}. Đề nghị: {referral.services_requested[:200]}",
            url=partner_url,
            key=f"referral:{referral.pk}:sent",
        )
    elif step.action == "withdraw" and referral.sent_at:
        notify(
            recipients=agency_partners(referral.agency_id),
            title=f"Chuyển tuyến {label} đã được rút lại",
            body=f"Lý do: {referral.withdrawn_reason[:300]}",
            url=reverse("referrals:referral_list"),
            key=f"referral:{referral.pk}:withdrawn",
        )
    elif step.action in ("accept", "decline", "complete"):
        # The agency's answer goes to whoever sent the referral and the officer in charge; one of them recording a
        # paper answer is not told of it, anyone else recording it for the agency is (marked as such).
        sender = referral.sent_by or referral.created_by
        verdict = {"accept": "đã tiếp nhận", "decline": "từ chối", "complete": "đã hoàn thành"}[step.action]
        on_behalf = "" if acts_for_agency(actor) else f" (ghi nhận thay: {actor.full_name or actor.username})"
        notify(
            recipients=[u for u in (sender, referral.case.officer) if u is not None and u.pk != actor.pk],
            title=f"{referral.agency.name} {verdict} chuyển tuyến {label}{on_behalf}",
            body=referral.decline_reason or (referral.outcome.label if referral.outcome else ""),
            url=reverse("cases:case_detail", args=[referral.case_id]),
            key=f"referral:{referral.pk}:{step.action}",
        )


def referral_access_expire(now: dt.datetime | None = None) -> int:
    """The periodic job: end the partners' view of cases whose referral was completed long enough ago.

    Safe to run twice: a referral whose access has been removed is not picked again.
    """
    now = now or timezone.now()
    count = 0
    due = Referral.objects.filter(
        status=R.COMPLETED, access_until__lte=now, access_revoked_at__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            referral = Referral.objects.select_for_update().filter(pk=pk, access_revoked_at__isnull=True).first()
            if referral is None:
                continue
            _revoke(referral, None, now, reason="access_period_ended")
            referral.save(update_fields=["access_revoked_at"])
            count += 1
    return count


def partner_access_sync(*, actor: Any, user: User) -> tuple[int, int]:
    """Bring a person's referral grants in line with their account: an active partner of an agency holds the cases
    the agency's shared referrals need; anyone else holds none. (added, removed)"""
    wanted: set[int] = set()
    if user.is_active and acts_for_agency(user) and user.agency_id:
        wanted = set(
            Referral.objects.filter(
                agency_id=user.agency_id, status__in=SHARED, access_revoked_at__isnull=True
            ).values_list("case_id", flat=True)
        )
    held = {
        int(pk)
        for pk in UserObjectPermission.objects.filter(
            user=user, permission__codename="view_referred_case", permission__content_type__app_label="cases"
        ).values_list("object_pk", flat=True)
    }
    add, remove = wanted - held, held - wanted
    if not add and not remove:
        return 0, 0
    with transaction.atomic():
        for case in Case.objects.filter(pk__in=add):
            assign_perm(REFERRED_CASE_PERM, user, case)
        for case in Case.objects.filter(pk__in=remove):
            remove_perm(REFERRED_CASE_PERM, user, case)
        audit_record(
            actor=actor,
            action=GrantAction.ACCESS_SYNC,
            obj=user,
            changes={"added": sorted(add), "removed": sorted(remove)},
        )
    return len(add), len(remove)
