"""Deleting and restoring case data: administrators only, with a reason, audited; nothing is removed from the database.

Deleting a report or a child also hides the cases that hang on it (marked with the same moment); restoring it brings
those back. A deleted record is out of every list, page, export and report figure (the default manager leaves it out)
and its pages are a 404 like any record out of reach.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import Case, Child, Report
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_delete_records
from childprotect.audit.actions import record_action
from childprotect.audit.services import audit_record

__all__ = ["record_delete", "record_restore", "deleted_records"]

Record = Child | Report | Case


def _label(obj: Record) -> str:
    return f"Trẻ em #{obj.pk}" if isinstance(obj, Child) else str(obj)


def _dependents(obj: Record) -> Any:
    if isinstance(obj, Report):
        return Case.all_objects.filter(report=obj)
    if isinstance(obj, Child):
        return Case.all_objects.filter(child=obj)
    return Case.all_objects.none()


def record_delete(*, actor: User, obj: Record, reason: str) -> int:
    """Hide `obj` (and the cases hanging on it); returns how many records were hidden."""
    if not can_delete_records(actor):
        raise ValidationError("Chỉ quản trị hệ thống mới xoá được hồ sơ.", code="refused")
    if not reason.strip():
        raise ValidationError({"reason": "Ghi rõ lý do xoá (ví dụ: nhập trùng, nhập nhầm)."})
    now = timezone.now()
    model = type(obj)
    with transaction.atomic():
        locked = model.all_objects.select_for_update().get(pk=obj.pk)
        if locked.deleted_at is not None:
            raise ValidationError("Hồ sơ này đã bị xoá trước đó.")
        fields = {"deleted_at": now, "deleted_by": actor, "deletion_reason": reason.strip()[:255]}
        model.all_objects.filter(pk=obj.pk).update(**fields)
        hidden = _dependents(locked).filter(deleted_at__isnull=True)
        cases = list(hidden.values_list("pk", flat=True))
        hidden.update(**{**fields, "deletion_reason": f"Kèm theo khi xoá {_label(locked)}"})
        audit_record(
            actor=actor,
            action=record_action(model, "delete"),
            obj=locked,
            object_repr=_label(locked),
            changes={"reason": reason.strip(), "cases": cases},
        )
    return 1 + len(cases)


def record_restore(*, actor: User, obj: Record) -> int:
    """Bring back `obj` and the cases hidden with it; returns how many records came back."""
    if not can_delete_records(actor):
        raise ValidationError("Chỉ quản trị hệ thống mới khôi phục được hồ sơ.", code="refused")
    model = type(obj)
    with transaction.atomic():
        locked = model.all_objects.select_for_update().get(pk=obj.pk)
        if locked.deleted_at is None:
            raise ValidationError("Hồ sơ này không ở trạng thái đã xoá.")
        cases = list(_dependents(locked).filter(deleted_at=locked.deleted_at).values_list("pk", flat=True))
        cleared = {"deleted_at": None, "deleted_by": None, "deletion_reason": ""}
        Case.all_objects.filter(pk__in=cases).update(**cleared)
        model.all_objects.filter(pk=obj.pk).update(**cleared)
        audit_record(
            actor=actor,
            action=record_action(model, "restore"),
            obj=locked,
            object_repr=_label(locked),
            changes={"cases": cases},
        )
    return 1 + len(cases)


def deleted_records(actor: User) -> dict[str, Any]:
    """The deleted children, reports and cases, for the administrators' page."""
    if not can_delete_records(actor):
        return {"children": [], "reports": [], "cases": []}
    deleted = {"deleted_at__isnull": False}
    return {
        "children": Child.all_objects.filter(**deleted).select_related("deleted_by").order_by("-deleted_at"),
        "reports": Report.all_objects.filter(**deleted).select_related("deleted_by").order_by("-deleted_at"),
        "cases": Case.all_objects.filter(**deleted).select_related("deleted_by").order_by("-deleted_at"),
    }
