"""The one helper every service calls to write the audit log, and the masked diff it stores."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connections, models, transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from .actions import AuditLogAction
from .context import current_ip
from .models import AuditEntry

if TYPE_CHECKING:  # accounts imports this module
    from django.contrib.auth.models import AnonymousUser

    from childprotect.accounts.models import User

MASK = "***"


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    changes: Mapping[str, Any] | None = None,
    object_repr: str | None = None,
    ip: str | None = None,
) -> AuditEntry:
    """Record that `actor` (a user, or None for the system; an anonymous user is recorded as no one) did `action` to
    `obj`.

    Call it inside the service's `transaction.atomic` block, after the write it describes.
    """
    user = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=user,
        actor_repr=user.get_username() if user else "",
        action=action,
        object_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr if object_repr is not None else (str(obj) if obj is not None else ""))[:200],
        ip=ip if ip is not None else current_ip.get(),
        changes=dict(changes or {}),
    )


def audit_record_many(
    *, actor: User | None, action: str, entries: Iterable[tuple[models.Model, Mapping[str, Any], str]]
) -> int:
    """What `audit_record` does, for many objects at once in one statement (a scan that must not cost a query per
    row): each entry is (obj, changes, object_repr). Returns how many were written."""
    rows = [
        AuditEntry(
            actor=actor,
            actor_repr=actor.get_username() if actor else "",
            action=action,
            object_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            object_repr=repr_[:200],
            ip=current_ip.get(),
            changes=dict(changes),
        )
        for obj, changes, repr_ in entries
    ]
    AuditEntry.objects.bulk_create(rows)
    return len(rows)


def audit_snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The values of `fields` as the diff stores them (foreign keys by id, dates as ISO text)."""
    concrete = {f.name: f for f in instance._meta.concrete_fields}
    values: dict[str, Any] = {}
    for name in fields:
        value = getattr(instance, concrete[name].attname)
        values[name] = value if value is None or isinstance(value, bool | int | float | str) else str(value)
    return values


def audit_diff(before: Mapping[str, Any], after: Mapping[str, Any], *, masked: Iterable[str] = ()) -> dict[str, Any]:
    """{field: [old, new]} for the fields that changed; protected fields say that they changed, never to what."""
    hidden = set(masked)
    diff: dict[str, Any] = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            diff[name] = [MASK, MASK] if name in hidden else [old, new]
    return diff


# --- The one procedure that changes old entries ----------------------------------------------------------------------
REDACTED = "[đã xoá theo yêu cầu]"


def retention_cutoff() -> datetime:
    """Entries before this moment are past CHILDPROTECT_AUDIT_RETENTION_YEARS and may be purged."""
    now = timezone.now()
    years = settings.CHILDPROTECT_AUDIT_RETENTION_YEARS
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _maintenance_on(using: str, token: str) -> None:
    """Mark this transaction as the maintenance procedure's: the database's triggers let it change entries."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('childprotect.audit_maintenance', %s, true)", [token])
        elif connection.vendor == "sqlite":
            cursor.execute("INSERT INTO audit_maintenance_flag (token) VALUES (%s)", [token])


def _maintenance_off(using: str) -> None:
    """The mark removed before the procedure's own entry (and whatever its caller does next in the transaction)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config('childprotect.audit_maintenance', '', true)")
        elif connection.vendor == "sqlite":
            cursor.execute("DELETE FROM audit_maintenance_flag")


def _redacted(changes: Any) -> Any:
    """The diff's keys (what changed) kept, every value (which could name or describe a person) replaced."""
    if isinstance(changes, dict):
        return {key: _redacted(value) for key, value in changes.items()}
    if isinstance(changes, list):
        return [_redacted(value) for value in changes]
    return REDACTED if changes not in (None, "", MASK) else changes


def audit_maintain(
    *,
    actor: User,
    reason: str,
    mode: Literal["purge", "redact"],
    before: datetime | None = None,
    subject: models.Model | None = None,
    entries: Collection[int] | None = None,
) -> AuditEntry:
    """Retention and legal erasure, the only change ever made to written entries; returns the run's own entry.

    - purge: delete the entries older than `before` (by default, and at the latest, the retention cutoff); or, with
      `entries`, exactly those ids (the development benchmarks remove the entries their runs wrote);
    - redact: for the entries about `subject` (a record erased by law), replace the record's name and every value of
      the diff with a marker; who did what, when and from where stays.

    One transaction: the database's triggers are told that this transaction may change entries, the change is made,
    the mark is removed, and one entry says who did it, why, and how many entries from when to when (that entry is
    written after the purge, so the run never removes it).
    """
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise ValidationError("Thủ tục bảo trì nhật ký phải ghi rõ người thực hiện.", code="actor")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Ghi rõ lý do (văn bản, quyết định hoặc yêu cầu) của việc bảo trì nhật ký."})
    cutoff = retention_cutoff()
    details: dict[str, Any] = {"reason": reason[:500]}
    if mode == "purge":
        if entries is not None:
            selected = AuditEntry.objects.filter(pk__in=list(entries))
            details["entries"] = len(entries)
        else:
            if before is not None and before > cutoff:
                years = settings.CHILDPROTECT_AUDIT_RETENTION_YEARS
                raise ValidationError(
                    {"before": f"Chỉ xoá được các mục nhật ký đã quá thời hạn lưu trữ ({years} năm)."}
                )
            before = before or cutoff
            selected = AuditEntry.objects.filter(at__lt=before)
            details["before"] = before.isoformat(timespec="seconds")
            details["retention_years"] = settings.CHILDPROTECT_AUDIT_RETENTION_YEARS
        action, target = AuditLogAction.PURGE, None
    elif mode == "redact":
        if subject is None or subject.pk is None:
            raise ValidationError({"subject": "Chọn hồ sơ cần xoá dữ liệu cá nhân trong nhật ký."})
        selected = AuditEntry.objects.filter(
            object_type=ContentType.objects.get_for_model(subject), object_id=str(subject.pk)
        ).exclude(action__in=[m.value for m in AuditLogAction])
        action, target = AuditLogAction.REDACT, subject
    else:
        raise ValueError(mode)
    using = AuditEntry.objects.db
    with transaction.atomic(using=using):
        span = selected.aggregate(count=Count("id"), first=Min("at"), last=Max("at"))
        _maintenance_on(using, uuid.uuid4().hex)
        try:
            if mode == "purge":
                selected.maintenance_delete()
            else:
                for pk, changes in selected.select_for_update().values_list("id", "changes"):
                    AuditEntry.objects.filter(pk=pk).maintenance_update(
                        object_repr=REDACTED, changes=_redacted(changes)
                    )
        finally:
            _maintenance_off(using)
        details["count"] = span["count"]
        if span["count"]:
            details["first_at"] = span["first"].isoformat(timespec="seconds")
            details["last_at"] = span["last"].isoformat(timespec="seconds")
        return audit_record(
            actor=actor,
            action=action,
            obj=target,
            object_repr=f"{target._meta.verbose_name} #{target.pk}" if target is not None else "",
            changes=details,
        )
