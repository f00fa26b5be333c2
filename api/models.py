"""Other systems that talk to the product (docs/api.md): API clients, their tokens, the idempotency record of each
keyed request, and the webhook events sent back with the log of every delivery attempt.

A client is an organisation (Tổng đài 111, a provincial police command, a provincial agency), not a person: it acts
through an account of role `api_client` whose unit is its scope (none: the whole country). Tokens belong to an
account: a client's, or a person's own (the product's own clients, such as the field app). A token is shown once and
only its SHA-256 digest is stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClientKind(models.TextChoices):
    HOTLINE = "hotline", _("Tổng đài quốc gia bảo vệ trẻ em 111")
    POLICE = "police", _("Cơ quan công an")
    PROVINCE = "province", _("Cơ quan cấp tỉnh")
    OTHER = "other", _("Hệ thống khác")


class ApiClient(models.Model):
    name = models.CharField("tên hệ thống đối tác", max_length=150, unique=True)
    kind = models.CharField("loại", max_length=20, choices=ClientKind.choices)
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="api_client", verbose_name="tài khoản hệ thống"
    )
    contact = models.CharField("đầu mối liên hệ", max_length=255, blank=True)
    rate_limit = models.PositiveIntegerField("giới hạn yêu cầu mỗi phút", default=120)
    webhook_url = models.URLField("địa chỉ nhận thông báo (webhook)", max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, blank=True, editable=False)  # the HMAC key, shown once
    is_active = models.BooleanField("đang hoạt động", default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "hệ thống đối tác"
        verbose_name_plural = "hệ thống đối tác"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


_CLIENT_MEMO = "_api_client_memo"


def client_of(account: models.Model) -> ApiClient | None:
    """The API client `account` acts for (None for a person: no query), read once per account object: the
    authentication, the rate limit and the audit entry of one call all ask it."""
    if getattr(account, "role", None) != "api_client":
        return None
    if _CLIENT_MEMO not in account.__dict__:
        account.__dict__[_CLIENT_MEMO] = ApiClient.objects.filter(account_id=account.pk).first()
    found: ApiClient | None = account.__dict__[_CLIENT_MEMO]
    return found


class ApiToken(models.Model):
    account = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    label = models.CharField("tên gợi nhớ", max_length=100, blank=True)
    prefix = models.CharField(max_length=16, db_index=True)  # the token's first characters, shown in lists
    digest = models.CharField(max_length=64, unique=True)  # SHA-256 of the whole token, hex
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    expires_at = models.DateTimeField("hết hạn")
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    last_used_at = models.DateTimeField("dùng lần cuối", null=True, blank=True)

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.label})" if self.label else f"{self.prefix}…"


class IdempotentRequest(models.Model):
    """The first answer to a request sent with an `Idempotency-Key`: a retry with the same key and body gets it back;
    the same key with another body is refused (409)."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=200)
    body_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "key"], name="idempotency_key_per_account")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Đang chờ gửi")
    DELIVERED = "delivered", _("Đã gửi")
    FAILED = "failed", _("Gửi không thành công")


class WebhookEvent(models.Model):
    """A status change of a report a client sent, to be POSTed to its webhook: numbered per (client, report) and
    delivered in that order, each until acknowledged (2xx) or out of attempts."""

    client = models.ForeignKey(ApiClient, models.CASCADE, related_name="events")
    report = models.ForeignKey("cases.Report", models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField()
    kind = models.CharField(max_length=30)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["client", "report", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["client", "report", "sequence"], name="webhook_event_sequence"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_event_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.sequence} ({self.client_id}/{self.report_id})"


class WebhookAttempt(models.Model):
    """One POST of an event: what the receiver answered (or why it could not be reached)."""

    event = models.ForeignKey(WebhookEvent, models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    replayed_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.at:%d/%m/%Y %H:%M} {self.status_code or self.error}"
