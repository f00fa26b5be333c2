"""Soft delete for case data (children, reports, cases): deleting hides a record and is audited; nothing is lost.

The default manager (`objects`) shows only live records, so every selector, list, report figure and related set
leaves deleted ones out without a change; `all_objects` sees everything, for restoring and for the administrators'
list of deleted records (cases/services/retention.py).
"""

from __future__ import annotations

from typing import TypeVar

from django.conf import settings
from django.db import models

_M = TypeVar("_M", bound=models.Model)


class LiveManager(models.Manager[_M]):
    def get_queryset(self) -> models.QuerySet[_M]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class SoftDeletable(models.Model):
    deleted_at = models.DateTimeField("thời điểm xoá", null=True, blank=True, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="người xoá"
    )
    deletion_reason = models.CharField("lý do xoá", max_length=255, blank=True)

    all_objects = models.Manager()
    objects = LiveManager()

    class Meta:
        abstract = True
        default_manager_name = "objects"  # live records only, for every query and related set
