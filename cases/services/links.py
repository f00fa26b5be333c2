"""Linking cases to each other (cases/models/links.py): both cases in the actor's reach, never one out of it.

A case out of reach is refused with the words a missing one gets: the refusal never confirms that it exists.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseLink, LinkKind
from cases.selectors import cases_visible_to
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_handle_cases
from childprotect.audit.actions import CaseAction
from childprotect.audit.services import audit_record

__all__ = ["case_link", "case_unlink"]

REASON_LIMIT = 1000


def _number(pk: int) -> str:
    return f"HS-{pk:06d}"


def _not_found(pk: int) -> ValidationError:
    return ValidationError({"other": _("Không tìm thấy hồ sơ %(n)s trong địa bàn của bạn.") % {"n": _number(pk)}})


def _reason(text: str, field: str, missing: str) -> str:
    text = text.strip()
    if not text:
        raise ValidationError({field: missing})
    if len(text) > REASON_LIMIT:
        raise ValidationError({field: _("Tối đa %(n)d ký tự.") % {"n": REASON_LIMIT}})
    return text


def _both_locked(actor: User, case: Case, other_pk: int) -> tuple[Case, Case]:
    """The two cases, locked in id order, when both are in the actor's reach; otherwise the "not found" refusal."""
    both = cases_visible_to(actor).filter(pk__in=[case.pk, other_pk]).order_by("pk").select_for_update()
    rows = {c.pk: c for c in both}
    if case.pk not in rows or other_pk not in rows:
        raise _not_found(other_pk)
    return rows[case.pk], rows[other_pk]


def case_link(*, actor: User, case: Case, other: int, kind: str, reason: str) -> CaseLink:
    """Link `case` to the case with id `other` (siblings, one perpetrator, a repeat victim's earlier case, other)."""
    if not can_handle_cases(actor):
        raise ValidationError(_("Vai trò của bạn không liên kết hồ sơ."))
    if other == case.pk:
        raise ValidationError({"other": _("Không thể liên kết một hồ sơ với chính nó.")})
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Chọn loại liên kết.")})
    text = _reason(reason, "reason", _("Cần ghi lý do liên kết."))
    with transaction.atomic():
        mine, theirs = _both_locked(actor, case, other)
        low, high = sorted([mine, theirs], key=lambda c: c.pk)
        if CaseLink.objects.filter(low=low, high=high, ended_at__isnull=True).exists():
            raise ValidationError({"other": _("Hai hồ sơ này đã được liên kết.")})
        link = CaseLink.objects.create(low=low, high=high, kind=kind, reason=text, by=actor, at=timezone.now())
        for this, that in ((mine, theirs), (theirs, mine)):
            audit_record(
                actor=actor,
                action=CaseAction.LINK,
                obj=this,
                changes={"link": link.pk, "other": that.pk, "kind": kind},
            )
    return link


def case_unlink(*, actor: User, case: Case, link: int, reason: str) -> CaseLink:
    """End a live link of `case` (kept with who ended it, when and why)."""
    if not can_handle_cases(actor):
        raise ValidationError(_("Vai trò của bạn không liên kết hồ sơ."))
    text = _reason(reason, "end_reason", _("Cần ghi lý do bỏ liên kết."))
    with transaction.atomic():
        row = (
            CaseLink.objects.select_for_update()
            .filter(Q(low_id=case.pk) | Q(high_id=case.pk), pk=link, ended_at__isnull=True)
            .first()
        )
        if row is None:
            raise ValidationError(_("Không tìm thấy liên kết này."))
        other_pk = row.high_id if row.low_id == case.pk else row.low_id
        if cases_visible_to(actor).filter(pk__in=[case.pk, other_pk]).count() != 2:
            raise ValidationError(_("Không tìm thấy liên kết này."))
        row.ended_by, row.ended_at, row.end_reason = actor, timezone.now(), text
        row.save(update_fields=["ended_by", "ended_at", "end_reason"])
        for this, that in ((case.pk, other_pk), (other_pk, case.pk)):
            audit_record(
                actor=actor,
                action=CaseAction.UNLINK,
                obj=Case(pk=this),
                object_repr=_number(this),
                changes={"link": row.pk, "other": that},
            )
    return row
