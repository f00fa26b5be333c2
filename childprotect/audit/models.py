"""The audit log: who did what to which record, when, from where, with a masked diff.

Rows are only ever added. Every service writes its entry in the same transaction as the change it records, so a
rolled-back change leaves no entry and a committed change always has one.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone


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
