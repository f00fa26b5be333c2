"""Flags on cases (a supervisor's "needs attention", with a note): added one case at a time or many at once from
the cases list (each case its own transaction and audit entry), cleared by those who may add them."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case, CaseFlag, FlagKind
from cases.selectors import cases_visible_to
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_flag_cases
from childprotect.accounts.selectors import user_reaches_unit
from childprotect.audit.actions import CaseAction
from childprotect.audit.services import audit_record

__all__ = ["case_flag", "case_unflag", "case_flag_many", "Flagged", "NOTE_MAX"]

NOTE_MAX = 1000


def _check(actor: User, case: Case) -> None:
    if not can_flag_cases(actor) or not user_reaches_unit(actor, case.unit):
        raise ValidationError(_("Vai trò của bạn không đánh dấu hồ sơ này."), code="forbidden")


def case_flag(*, actor: User, case: Case, kind: str, note: str = "", version: int | None = None) -> CaseFlag:
    """Flag `case` (one open flag of each kind), as of the version the page showed when given: a case changed since
    is refused as stale. The case itself is not changed (its version stays)."""
    _check(actor, case)
    if kind not in FlagKind.values:
        raise ValidationError({"kind": _("Loại đánh dấu không hợp lệ.")}, code="invalid")
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Ghi chú quá dài (tối đa 1000 ký tự).")}, code="invalid")
    with transaction.atomic():
        locked = Case.objects.select_for_update().get(pk=case.pk)
        if version is not None and locked.version != version:
            raise ValidationError(
                _("Hồ sơ đã được người khác cập nhật sau khi trang được mở; hãy xem lại."), code="stale"
            )
        if CaseFlag.objects.filter(case=locked, kind=kind, cleared_at__isnull=True).exists():
            raise ValidationError(_("Hồ sơ đã mang đánh dấu này."), code="duplicate")
        flag = CaseFlag.objects.create(case=locked, kind=kind, note=note, created_by=actor, created_at=timezone.now())
        audit_record(actor=actor, action=CaseAction.FLAG, obj=locked, changes={"kind": kind, "note": note})
    return flag


def case_unflag(*, actor: User, flag: CaseFlag) -> CaseFlag:
    """Clear a flag (it stays on the case's record, cleared by whom and when)."""
    _check(actor, flag.case)
    with transaction.atomic():
        locked = CaseFlag.objects.select_for_update().get(pk=flag.pk)
        if locked.cleared_at is not None:
            raise ValidationError(_("Đánh dấu này đã được gỡ."), code="cleared")
        locked.cleared_by, locked.cleared_at = actor, timezone.now()
        locked.save(update_fields=["cleared_by", "cleared_at"])
        audit_record(actor=actor, action=CaseAction.UNFLAG, obj=flag.case, changes={"kind": locked.kind})
    return locked


@dataclass(frozen=True)
class Flagged:
    flagged: list[Case]
    refused: list[tuple[int, str]]  # (case id, why), in the order asked


def case_flag_many(*, actor: User, cases: dict[int, int | None], kind: str, note: str = "") -> Flagged:
    """Flag each case (`cases`: id to the version the preview showed), one transaction and audit entry each: a case
    out of reach is refused as not found, one changed since the preview as stale; the others go on."""
    flagged: list[Case] = []
    refused: list[tuple[int, str]] = []
    for pk, version in cases.items():
        case = cases_visible_to(actor).select_related("unit").filter(pk=pk).first()
        if case is None:
            refused.append((pk, _("Không tìm thấy hồ sơ trong địa bàn bạn phụ trách.")))
            continue
        if version is None:
            refused.append((pk, _("Hồ sơ đã được người khác cập nhật sau khi trang được mở; hãy xem lại.")))
            continue
        try:
            case_flag(actor=actor, case=case, kind=kind, note=note, version=version)
        except ValidationError as error:
            refused.append((pk, " ".join(error.messages)))
        else:
            flagged.append(case)
    return Flagged(flagged, refused)
