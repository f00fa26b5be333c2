from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.models import UserObjectPermission
from guardian.shortcuts import assign_perm, remove_perm

from cases.deadlines import refresh_next_due
from cases.models import Case, Deadline, DeadlineStatus
from cases.responsible import CommuneHeads, absent_reason, case_reminded
from childprotect.accounts.models import User
from childprotect.accounts.policy import COMMUNE_STAFF, PARTNERS, acts_for_agency, can_refer
from childprotect.accounts.selectors import agency_partners, user_reaches_unit
from childprotect.alerts.models import AlertKind
from childprotect.audit.actions import GrantAction, ReferralAction, referral_step
from childprotect.audit.services import audit_record
from childprotect.core.services import notify
from childprotect.workflow import StepContext, Workflow

from .handlers import ReferralData as ReferralData  # the referral's content and its rules: referrals/handlers.py
from .handlers import agencies_for_case as agencies_for_case
from .handlers import check_draft
from .handlers import province_of as province_of
from .handlers import response_due as response_due
from .handlers import response_rule as response_rule
from .models import SHARED, Referral, ReferralEvent, Urgency
from .models import ReferralStatus as R
from .workflow import TRANSITIONS, Transition

# --- Referrals -----------------------------------------------------------------------------------------------------

REFERRED_CASE_PERM = "cases.view_referred_case"


def referral_create(*, actor: User, case: Case, data: ReferralData) -> Referral:
    """A draft referral from the case's commune; nothing is shared until it is sent."""
    if not can_refer(actor) or not user_reaches_unit(actor, case.unit):
        raise ValidationError("Chỉ cán bộ, lãnh đạo UBND cấp xã phụ trách hồ sơ mới lập chuyển tuyến.", code="refused")
    check_draft(case, data)
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
    refresh_next_due(referral.case)
    return deadline.due_at, None if cancel else not late


def _who(actor: User, referral: Referral, transition: Transition) -> str | None:
    if actor.role not in transition.roles:
        return f"Vai trò của bạn không thực hiện được “{transition.label}”."
    if acts_for_agency(actor):
        if actor.agency_id != referral.agency_id:
            return "Chuyển tuyến này không gửi đến cơ quan của bạn."
    elif not user_reaches_unit(actor, referral.case.unit):
        return "Hồ sơ này nằm ngoài địa bàn bạn phụ trách."
    return None


def _flags(step: StepContext[Referral]) -> None:
    """The row's flags: the agency answered (the response deadline met or late) or no longer owes it; the partners'
    view of the case taken away or given."""
    referral, transition = step.record, step.transition
    if transition.settles or transition.cancels:
        if transition.settles:
            referral.responded_at = step.now
        _settle(referral, step.now, cancel=transition.cancels)
    if transition.revokes and step.from_state in SHARED:
        _revoke(referral, step.actor, step.now, reason=transition.action)
    step.extra["granted"] = _grant(referral, step.actor) if transition.grants else []


def _event(step: StepContext[Referral], note: str) -> dict[str, Any]:
    roles = step.transition.roles
    on_behalf = not acts_for_agency(step.actor) and step.actor.role in roles and bool(roles & PARTNERS)
    return {"note": note, "on_behalf": on_behalf}


REFERRALS: Workflow[Referral, Transition] = Workflow(
    transitions=TRANSITIONS,
    lock=lambda: Referral.objects.select_for_update(of=("self",)).select_related(
        "case__unit", "case__child", "agency__unit", "outcome"
    ),
    state_field="status",
    states=R,
    event_model=ReferralEvent,
    event_of="referral",
    audit_action=referral_step,
    unknown="Không có bước “{action}” trong quy trình chuyển tuyến.",
    stale="Chuyển tuyến vừa được người khác cập nhật. Hãy xem lại trạng thái hiện tại rồi gửi lại.",
    state_refusal="Không thể “{label}” khi chuyển tuyến đang ở trạng thái “{state}”.",
    who=_who,
    event=_event,
    apply=_flags,
    after=lambda step, event, note: _tell(step.record, step.transition, step.actor, step.extra["granted"]),
)


def referral_act(
    *, actor: User, referral: Referral, action: str, version: int, data: dict[str, Any] | None = None
) -> ReferralEvent:
    """Take `action` of the referral table on `referral`, as edited from `version` (childprotect/workflow.py)."""
    event: ReferralEvent = REFERRALS.act(actor=actor, record=referral, action=action, version=version, data=data)
    return event


def _tell(referral: Referral, step: Transition, actor: User, granted: list[int]) -> None:
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
            kind=AlertKind.REFERRAL,
            urgent=referral.urgency == Urgency.URGENT,
            unit=referral.case.unit_id,
            ref=str(referral),
            what=str(step.label),
            due_at=Deadline.objects.filter(referral=referral, status=DeadlineStatus.OPEN)
            .values_list("due_at", flat=True)
            .first(),
        )
    elif step.action == "withdraw" and referral.sent_at:
        notify(
            recipients=agency_partners(referral.agency_id),
            title=f"Chuyển tuyến {label} đã được rút lại",
            body=f"Lý do: {referral.withdrawn_reason[:300]}",
            url=reverse("referrals:referral_list"),
            key=f"referral:{referral.pk}:withdrawn",
            unit=referral.case.unit_id,
            ref=str(referral),
            what=str(step.label),
        )
    elif step.action in ("accept", "decline", "complete"):
        # The agency's answer goes to whoever sent the referral and the officer in charge; one of them recording a
        # paper answer is not told of it, anyone else recording it for the agency is (marked as such).
        verdict = {"accept": "đã tiếp nhận", "decline": "từ chối", "complete": "đã hoàn thành"}[step.action]
        on_behalf = "" if acts_for_agency(actor) else f" (ghi nhận thay: {actor.full_name or actor.username})"
        people, why = _commune_told(referral)
        body = referral.decline_reason or (referral.outcome.label if referral.outcome else "")
        notify(
            recipients=[u for u in people if u.pk != actor.pk],
            title=f"{referral.agency.name} {verdict} chuyển tuyến {label}{on_behalf}",
            body=" ".join([f"{w}." for w in why] + [body]).strip(),
            url=reverse("cases:case_detail", args=[referral.case_id]),
            key=f"referral:{referral.pk}:{step.action}",
            unit=referral.case.unit_id,
            ref=str(referral),
            what=str(step.label),
        )


def _commune_told(referral: Referral) -> tuple[list[User], list[str]]:
    """Who hears the agency's answer for the commune: the referral's sender and the case's officer in charge; one
    who can no longer act for the commune (deactivated, moved) is replaced by the commune's stand-ins
    (cases/responsible.py), and the reasons are given. Never only an account that left."""
    case = referral.case
    people, gone = case_reminded(case)
    why = [gone] if gone else []
    sender = referral.sent_by or referral.created_by
    if sender is not None and sender.pk != case.officer_id:
        left = absent_reason(sender, case.unit_id, COMMUNE_STAFF)
        if left:
            why.append(_("Người gửi chuyển tuyến không còn phụ trách: %(name)s") % {"name": sender})
            people = people + CommuneHeads([case.unit]).stand_ins(case.unit_id)
        else:
            people = [sender, *people]
    return list({u.pk: u for u in people}.values()), why


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


def partner_access_sync(*, actor: User | None, user: User) -> tuple[int, int]:
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
