"""In-app notifications (the bell), each also sent by the channels its recipient chose (childprotect/alerts);
import and export jobs; one-time form tokens."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="notifications")
    title = models.CharField("tiêu đề", max_length=200)
    body = models.TextField("nội dung", blank=True)
    url = models.CharField("liên kết", max_length=300, blank=True)
    # Exactly once: a notification with a key is created at most once per recipient (retries, repeated scans).
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # What it is about, for the channels (childprotect/alerts): the user's choice of channels per kind; an urgent one
    # passes quiet hours and, unread and unopened for CHILDPROTECT_ALERT_ESCALATE_MINUTES, goes up the chain
    # (officer → chair → supervisor) of the commune `unit` (docs/alerts.md#escalation).
    kind = models.CharField(max_length=20, default="other")  # alerts.models.AlertKind
    urgent = models.BooleanField(default=False)
    unit = models.ForeignKey("places.AdminUnit", models.SET_NULL, null=True, blank=True, related_name="+")
    # What may leave the product by SMS and Zalo (docs/alerts.md#what-leaves): the record's reference, what is due
    # (a phrase of a registered vocabulary) and when; never the title or the body, which may name the child.
    ref = models.CharField(max_length=30, blank=True)
    what = models.CharField(max_length=120, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)  # the link in a message was followed
    escalated_at = models.DateTimeField(null=True, blank=True)  # claimed by the escalation that went up from it
    escalated_from = models.ForeignKey("self", models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "thông báo"
        verbose_name_plural = "thông báo"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], condition=~Q(key=""), name="notification_once"),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"),
            models.Index(
                fields=["created_at"],
                condition=Q(urgent=True, read_at__isnull=True, opened_at__isnull=True, escalated_at__isnull=True),
                name="notification_escalate_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ImportStatus(models.TextChoices):
    CHECKING = "checking", "Đang kiểm tra"
    CHECKED = "checked", "Đã kiểm tra, chờ xác nhận"
    REFUSED = "refused", "Tệp không nhập được"
    APPLYING = "applying", "Đang nhập"
    DONE = "done", "Đã nhập xong"
    FAILED = "failed", "Lỗi khi nhập"
    CANCELLED = "cancelled", "Đã huỷ"


def import_file_path(instance: ImportJob, filename: str) -> str:
    import uuid

    return f"imports/{uuid.uuid4().hex}"


class ImportJob(models.Model):
    """One uploaded file: checked (a dry run, the preview), then imported as previewed on confirmation, or not.

    The file stays as uploaded (its SHA-256 kept), so that the confirmation imports exactly the file previewed.
    """

    kind = models.CharField("loại dữ liệu", max_length=20)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to=import_file_path)
    filename = models.CharField("tên tệp", max_length=255)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    # The preview: {"rows", "create", "update", "skip", "errors": [[row, message], ...], "error_count", "message"}
    plan = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    # When the current step (the preview, or the confirmed import) was queued or last started: a job still checking or
    # applying long after it, with no progress reported since, lost its worker (imports.jobs_fail_stale).
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lượt nhập dữ liệu"
        verbose_name_plural = "lượt nhập dữ liệu"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class FormSubmission(models.Model):
    """A create form's one-time token, consumed in the transaction that created the record (childprotect.core.once).

    Back after saving, then Save again, sends the same token: the unique constraint turns the replay (or a second
    submission racing the first) into "already saved", and `url` shows the record that was made.
    """

    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    url = models.CharField("liên kết", max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "biểu mẫu đã gửi"
        verbose_name_plural = "biểu mẫu đã gửi"

    def __str__(self) -> str:
        return self.url


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ tạo tệp")
    RUNNING = "running", _("Đang tạo tệp")
    DONE = "done", _("Đã tạo xong")
    FAILED = "failed", _("Không tạo được tệp")
    EXPIRED = "expired", _("Đã hết hạn, tệp đã xoá")


def export_file_path(instance: ExportJob, filename: str) -> str:
    return f"exports/{uuid.uuid4().hex}.{instance.format}"


class ExportJob(models.Model):
    """A list's file asked for by its owner, made by a Celery task (childprotect/core/export_jobs.py), kept for
    CHILDPROTECT_EXPORT_KEEP_HOURS, downloaded only by its owner.

    The job keeps the list's name and the filters as the request gave them, never rows or a query: the task selects
    the rows again for the owner, through the list's selector.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    list_name = models.CharField("danh sách", max_length=30)
    format = models.CharField("định dạng", max_length=10, default="xlsx")
    params = models.JSONField(default=dict, blank=True)  # {query parameter: [values]}: the list's filters, options
    protected = models.BooleanField(default=False)  # the protected columns were asked for and the owner may see them
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to=export_file_path, blank=True)
    filename = models.CharField("tên tệp", max_length=255)  # the download's name
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)  # why it failed, in Vietnamese, for the owner
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "lượt xuất danh sách"
        verbose_name_plural = "lượt xuất danh sách"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The hourly expiry reads the jobs not yet expired (expired ones stay, small, for their page).
            models.Index(fields=["created_at"], condition=~Q(status="expired"), name="exportjob_live_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class SavedList(models.TextChoices):
    """The lists whose filters can be saved (their pages and selectors: home/saved_searches.py)."""

    CASES = "cases", "Hồ sơ vụ việc"
    CHILDREN = "children", "Trẻ em"
    REPORTS = "reports", "Báo cáo tiếp nhận"
    REFERRALS = "referrals", "Chuyển tuyến"


SAVED_SEARCH_CAP = 20  # per user: the home page counts every one of them


class SavedSearch(models.Model):
    """A list's filters saved under a name by a user (their home page shows it with its current count).

    `query` holds the list's own query-string keys and values, as the list reads them; they are checked again each
    time they are used (a commune removed, a state renamed), never trusted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="saved_searches")
    name = models.CharField("tên", max_length=80)
    list_name = models.CharField("danh sách", max_length=20, choices=SavedList.choices)
    query = models.JSONField(default=dict, blank=True)  # {key: value}
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "tìm kiếm đã lưu"
        verbose_name_plural = "tìm kiếm đã lưu"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="savedsearch_unique_name")]

    def __str__(self) -> str:
        return self.name
