"""Reads of the audit log that reach a user: who accessed a record (supervisors and administrators only)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from childprotect.accounts.policy import Person, can_see_access_log

from .models import AuditEntry


def accesses_to(user: Person, obj: Any, *, related: dict[type, list[Any]] | None = None) -> QuerySet[AuditEntry]:
    """Every entry about `obj` (views, changes, prints, grants), and about the `related` records shown with it
    (a case's referrals), newest first; nothing for a user who may not see the log."""
    if not can_see_access_log(user):
        return AuditEntry.objects.none()
    about = Q(object_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk))
    for model, pks in (related or {}).items():
        if pks:
            about |= Q(object_type=ContentType.objects.get_for_model(model), object_id__in=[str(pk) for pk in pks])
    return AuditEntry.objects.filter(about).select_related("actor__unit", "actor__agency").order_by("-at", "-id")
