"""The audit log: who did what to which record, when, from where, with a masked diff.

Rows are only ever added: the model and its queryset refuse to change or delete them, and so does the database (a
trigger on UPDATE and DELETE, migration 0002_immutable_audit), except inside audit_maintain (services.py), the one
audited procedure for retention and legal erasure. Every service writes its entry in the same transaction as the
change it records, so a rolled-back change leaves no entry and a committed change always has one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .actions import same_action


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Filtering by an action finds it under every code it was written with (actions.py: a renamed code keeps its
    old one as an alias), so `filter(action="periodicreport.submit")` finds the entries written as `report.submit`
    under their old names, and the other way round. The admin's filter by action (a Q object) goes through here too."""

    def filter(self, *args: Any, **kwargs: Any) -> AuditEntryQuerySet:
        return super().filter(*_with_aliases_q(args, kwargs))

    def exclude(self, *args: Any, **kwargs: Any) -> AuditEntryQuerySet:
        return super().exclude(*_with_aliases_q(args, kwargs))

    # The log is only ever added to. These fail early with words; the database refuses the same change made any other
    # way (a trigger, migration 0002_immutable_audit). Only audit_maintain (services.py) changes old entries.
    def update(self, **kwargs: Any) -> int:
        raise ValueError("Nhật ký không thể sửa (chỉ thủ tục bảo trì nhật ký audit_maintain được sửa hoặc xoá).")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("Nhật ký không thể xoá (chỉ thủ tục bảo trì nhật ký audit_maintain được sửa hoặc xoá).")

    def maintenance_update(self, **kwargs: Any) -> int:
        """QuerySet.update, for audit_maintain only (the database refuses it anywhere else)."""
        return super().update(**kwargs)

    def maintenance_delete(self) -> int:
        """A plain DELETE of these rows, for audit_maintain only (the database refuses it anywhere else)."""
        return self._raw_delete(self.db)


def _with_aliases_q(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    """The filter's arguments as Q objects with the action lookups widened (kwargs as one Q: two lookups on the
    action at once stay two conditions); nothing at all for a filter without arguments."""
    return [_q_with_aliases(a) for a in (*args, *([Q(**kwargs)] if kwargs else []))]


def _with_aliases(lookups: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """action="x" / action__exact="x" / action__in=[...] made action__in=[x and its aliases ...]."""
    rewritten = []
    for key, value in lookups:
        if key in ("action", "action__exact") and isinstance(value, str):
            key, value = "action__in", same_action(value)
        elif key == "action__in" and isinstance(value, list | tuple | set | frozenset):
            value = list(dict.fromkeys(code for v in value for code in same_action(str(v))))
        rewritten.append((key, value))
    return rewritten


def _q_with_aliases(q: Any) -> Any:
    if not isinstance(q, Q):
        return q
    copy = Q(_connector=q.connector, _negated=q.negated)
    copy.children = [
        _q_with_aliases(c) if isinstance(c, Q) else _with_aliases([c])[0] if isinstance(c, tuple) else c
        for c in q.children
    ]
    return copy


class AuditEntry(models.Model):
    at = models.DateTimeField("thời điểm", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người thực hiện",
    )
    actor_repr = models.CharField("tài khoản", max_length=150, blank=True)
    action = models.CharField("hành động", max_length=64, db_index=True)
    object_type = models.ForeignKey(ContentType, models.PROTECT, null=True, blank=True, verbose_name="loại đối tượng")
    object_id = models.CharField("mã đối tượng", max_length=64, blank=True)
    object_repr = models.CharField("đối tượng", max_length=200, blank=True)
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    changes = models.JSONField("thay đổi", default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "mục nhật ký"
        verbose_name_plural = "nhật ký"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="audit_object_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.actor_repr or '—'} {self.action} {self.object_repr}"

    def save(self, *args: object, **kwargs: object) -> None:
        # Integrity, not workflow: an audit entry, once written, is never rewritten.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Nhật ký không thể sửa.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError("Nhật ký không thể xoá.")
