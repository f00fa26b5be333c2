"""Heartbeats (one row per component, updated in place) and alarms (one row per incident)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Component(models.TextChoices):
    BEAT = "beat", _("Bộ lập lịch (beat)")
    WORKER = "worker", _("Tiến trình xử lý nền (worker)")
    SCAN = "scan", _("Lượt quét thời hạn")
    QUEUE = "queue", _("Hàng đợi")


class Heartbeat(models.Model):
    """The last sign of life of one component: beat ("beat"), a worker (its Celery hostname, `jobs@host`), the
    deadline scan ("deadlines"), a broker queue (its name; `details` holds its last lengths). Upserted, never
    appended: the table has a row per component; workers not seen for CHILDPROTECT_HEARTBEAT_KEEP_DAYS are deleted
    (a container's hostname changes at each deploy)."""

    kind = models.CharField(_("thành phần"), max_length=10, choices=Component.choices)
    name = models.CharField(_("tên"), max_length=200)
    first_seen = models.DateTimeField(_("lần đầu"))
    last_seen = models.DateTimeField(_("lần cuối"))
    details = models.JSONField(_("chi tiết"), default=dict, blank=True)

    class Meta:
        verbose_name = _("nhịp hoạt động")
        verbose_name_plural = _("nhịp hoạt động")
        constraints = [models.UniqueConstraint(fields=["kind", "name"], name="health_heartbeat_one_per_component")]

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"


class AlarmKind(models.TextChoices):
    SCAN_STALE = "scan_stale", _("Lịch quét thời hạn đã dừng")
    NO_WORKER = "no_worker", _("Không còn tiến trình xử lý nền nào hoạt động")
    QUEUE_GROWING = "queue_growing", _("Hàng đợi công việc tăng liên tục")


class Alarm(models.Model):
    """One incident: opened when its condition is first seen, closed when it clears. At most one open per kind
    (the constraint makes the opening race-free between workers); `notified_at` is claimed by the one process that
    e-mails the administrators, so they get one e-mail per incident (and one when it is resolved)."""

    kind = models.CharField(_("loại"), max_length=20, choices=AlarmKind.choices)
    since = models.DateTimeField(_("từ lúc"), null=True, blank=True)  # the last sign of life, if there was one
    subject = models.CharField(_("đối tượng"), max_length=200, blank=True)  # a queue's name
    opened_at = models.DateTimeField(_("phát hiện lúc"))
    closed_at = models.DateTimeField(_("hết lúc"), null=True, blank=True)
    notified_at = models.DateTimeField(_("đã báo lúc"), null=True, blank=True)
    resolved_notified_at = models.DateTimeField(_("đã báo hết lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("cảnh báo hệ thống")
        verbose_name_plural = _("cảnh báo hệ thống")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(closed_at__isnull=True), name="health_alarm_one_open_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.opened_at:%d/%m/%Y %H:%M})"


class Lease(models.Model):
    """Who may do a thing that must be done by one process at a time: "beat", the beat that sends the periodic tasks
    (childprotect/health/scheduler.py). Its holder renews it; another may take it once `until` has passed."""

    name = models.CharField(_("tên"), max_length=50, primary_key=True)
    holder = models.CharField(_("tiến trình giữ"), max_length=200)
    until = models.DateTimeField(_("giữ đến"))

    class Meta:
        verbose_name = _("quyền chạy một mình")
        verbose_name_plural = _("quyền chạy một mình")

    def __str__(self) -> str:
        return f"{self.name}: {self.holder}"
