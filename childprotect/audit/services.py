"""The one helper every service calls to write the audit log, and the masked diff it stores."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

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
