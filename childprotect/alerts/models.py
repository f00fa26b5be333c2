"""The outbox of alert messages and what each user chose: channels per kind of alert, quiet hours, a verified phone.

A notification (childprotect.core.models.Notification) is the event for one person, shown by the bell; each of its
messages by another channel is a Delivery row, made in the notification's transaction and sent after the commit,
exactly once per (notification, channel) (docs/alerts.md#delivery).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AlertKind(models.TextChoices):
    """What an alert is about: the user chooses channels per kind (docs/alerts.md#kinds)."""

    NEW_REPORT = "new_report", _("Tin báo mới ở địa bàn của tôi")
    MY_TURN = "my_turn", _("Đến lượt tôi xử lý")
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")
    REFERRAL = "referral", _("Chuyển tuyến đến cơ quan tôi")
    REPORT_DUE = "report_due", _("Báo cáo định kỳ đến hạn")
    OTHER = "other", _("Thông báo khác")


class Channel(models.TextChoices):
    """A way a message leaves the product. The bell is not one of them: every alert is in the bell."""

    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo")


PHONE_CHANNELS = (Channel.SMS, Channel.ZALO)


class AlertProfile(models.Model):
    """A user's alert settings beside their preferences: quiet hours and the phone number SMS and Zalo go to.

    The number is used only once verified: a code sent to it and typed back (services.phone_verify_*)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, models.CASCADE, related_name="alert_profile")
    # Quiet hours, local time (Asia/Ho_Chi_Minh): a non-urgent message made then waits for their end; both empty:
    # none. A start after the end spans midnight (22:00–06:00).
    quiet_start = models.TimeField(_("bắt đầu giờ yên lặng"), null=True, blank=True)
    quiet_end = models.TimeField(_("kết thúc giờ yên lặng"), null=True, blank=True)
    phone = models.CharField(_("số điện thoại nhận tin"), max_length=16, blank=True)  # E.164: +84912345678
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    # The pending verification: the code's hash, when it was sent, how many wrong codes were typed.
    code_hash = models.CharField(max_length=128, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "cài đặt thông báo"
        verbose_name_plural = "cài đặt thông báo"

    def __str__(self) -> str:
        return str(self.user)

    @property
    def verified_phone(self) -> str:
        return self.phone if self.phone and self.phone_verified_at else ""


class AlertPreference(models.Model):
    """The channels a user chose for one kind of alert; a kind with no row takes the role's default
    (childprotect/alerts/preferences.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="alert_preferences")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    email = models.BooleanField(default=False)
    sms = models.BooleanField(default=False)
    zalo = models.BooleanField(default=False)

    class Meta:
        verbose_name = "kênh nhận thông báo"
        verbose_name_plural = "kênh nhận thông báo"
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="alertpreference_once")]

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"

    def channels(self) -> set[str]:
        return {c for c in Channel.values if getattr(self, c)}


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Chờ gửi")  # due at next_attempt_at (now, after quiet hours, or after a retry's wait)
    SENDING = "sending", _("Đang gửi")  # claimed by one sender at claimed_at
    SENT = "sent", _("Đã gửi")  # accepted by the provider (provider_id)
    DELIVERED = "delivered", _("Đã đến máy người nhận")  # the provider's receipt said so
    FAILED = "failed", _("Gửi không được")  # given up: error says why
    CANCELLED = "cancelled", _("Đã huỷ")  # nobody to send to any more (the account deactivated, the number removed)


class Delivery(models.Model):
    """One message of one notification by one channel: the outbox row its sender claims, sends and records.

    Exactly once per (notification, channel): the row is unique, and a sender claims it with one conditional UPDATE
    before talking to the provider (services.delivery_send)."""

    # The notification it carries; none for a message of its own (a phone's verification code, a test message),
    # whose template's variables are in `params` until it is sent.
    notification = models.ForeignKey(
        "core.Notification", models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(_("địa chỉ nhận"), max_length=254)  # the e-mail address or the E.164 number
    template = models.CharField(max_length=40)  # childprotect/alerts/messages.py TEMPLATES
    params = models.JSONField(default=dict, blank=True)  # emptied once sent (a verification code is not kept)
    provider = models.CharField(max_length=30, blank=True)  # the adapter that sent it ("smtp", "esms", "zns"…)
    provider_id = models.CharField(max_length=100, blank=True)  # the provider's id of the message, for receipts
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(_("lỗi"), max_length=300, blank=True)  # the last failure, for the administrators' page
    test = models.BooleanField(default=False)  # a test message sent by an administrator from the channels page

    class Meta:
        verbose_name = "tin gửi đi"
        verbose_name_plural = "tin gửi đi"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status__in=["pending", "sending"]), name="delivery_due_idx"
            ),
            models.Index(fields=["channel", "status", "-created_at"], name="delivery_channel_idx"),
            models.Index(fields=["provider", "provider_id"], condition=~Q(provider_id=""), name="delivery_receipt_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address} ({self.get_status_display()})"


class ProviderToken(models.Model):
    """A provider's rotating credentials kept between processes: Zalo's access token and the refresh token that
    replaces itself at each use (channels/zalo.py)."""

    provider = models.CharField(max_length=30, unique=True)
    access_token = models.TextField(blank=True)
    refresh_token = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "khoá truy cập nhà cung cấp"
        verbose_name_plural = "khoá truy cập nhà cung cấp"

    def __str__(self) -> str:
        return self.provider
