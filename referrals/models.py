"""Response rules and outcome lists by agency type, and referrals from a case to an agency (docs/law.md#referrals);
the agencies themselves are childprotect/agencies."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from childprotect.agencies.models import Agency, AgencyType


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Khẩn cấp")
    NORMAL = "normal", _("Thông thường")


class ResponseRule(models.Model):
    """How soon an agency of a type must answer a referral: the province's coordination rules (quy chế phối hợp
    liên ngành), or the national default when a province has issued none (province empty)."""

    agency_type = models.CharField("loại cơ quan", max_length=20, choices=AgencyType.choices)
    province = models.ForeignKey(
        "places.AdminUnit",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="tỉnh, thành phố (để trống: mặc định toàn quốc)",
    )
    urgent_hours = models.PositiveSmallIntegerField("khẩn cấp: phản hồi trong (giờ)", default=24)
    normal_working_days = models.PositiveSmallIntegerField("thông thường: phản hồi trong (ngày làm việc)", default=3)

    class Meta:
        verbose_name = "thời hạn phản hồi chuyển tuyến"
        verbose_name_plural = "thời hạn phản hồi chuyển tuyến"
        ordering = ["province_id", "agency_type"]
        constraints = [
            models.UniqueConstraint(fields=["agency_type", "province"], name="responserule_one_per_province_and_type"),
            models.UniqueConstraint(
                fields=["agency_type"], condition=Q(province__isnull=True), name="responserule_one_default_per_type"
            ),
            models.CheckConstraint(
                condition=Q(urgent_hours__gte=1) & Q(normal_working_days__gte=1), name="responserule_positive"
            ),
        ]

    def __str__(self) -> str:
        where = self.province.name if self.province else "mặc định"
        return f"{AgencyType(self.agency_type).label} ({where})"


class OutcomeOption(models.Model):
    """One outcome an agency of a type may record when it completes a referral (administrators keep the list)."""

    agency_type = models.CharField("loại cơ quan", max_length=20, choices=AgencyType.choices)
    code = models.CharField("mã", max_length=40)
    label = models.CharField("kết quả", max_length=150)
    needs_reference = models.BooleanField("cần số quyết định, số văn bản", default=False)
    sort_order = models.PositiveSmallIntegerField("thứ tự", default=0)
    is_active = models.BooleanField("đang dùng", default=True)

    class Meta:
        verbose_name = "kết quả xử lý chuyển tuyến"
        verbose_name_plural = "kết quả xử lý chuyển tuyến"
        ordering = ["agency_type", "sort_order", "label"]
        constraints = [models.UniqueConstraint(fields=["agency_type", "code"], name="outcome_code_unique_per_type")]

    def __str__(self) -> str:
        return self.label


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Dự thảo")
    SENT = "sent", _("Đã gửi, chờ phản hồi")
    ACCEPTED = "accepted", _("Đã tiếp nhận")
    DECLINED = "declined", _("Từ chối")
    IN_PROGRESS = "in_progress", _("Đang xử lý")
    COMPLETED = "completed", _("Đã hoàn thành")
    WITHDRAWN = "withdrawn", _("Đã rút lại")


class Consent(models.TextChoices):
    GIVEN = "given", _("Đồng ý")
    REFUSED = "refused", _("Không đồng ý")
    NOT_APPLICABLE = "not_applicable", _("Không áp dụng")


class Referral(models.Model):
    """A request from the commune to an agency to act for the child of a case (docs/law.md#referrals).

    Its states and who may move it are in referrals/workflow.py; sending it grants the agency's partners a
    need-to-know view of the case (django-guardian), withdrawal, decline or the end of the access period remove it.
    """

    case = models.ForeignKey("cases.Case", models.PROTECT, related_name="referrals")
    agency = models.ForeignKey(Agency, models.PROTECT, related_name="referrals", verbose_name="cơ quan nhận")
    status = models.CharField(max_length=12, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT)
    urgency = models.CharField("mức độ", max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    services_requested = models.TextField("dịch vụ, hỗ trợ đề nghị")
    message = models.TextField("thông tin cần thiết để thực hiện", blank=True)
    child_consent = models.CharField("ý kiến của trẻ (từ đủ 7 tuổi)", max_length=15, choices=Consent.choices)
    carer_consent = models.CharField("ý kiến của cha mẹ, người chăm sóc", max_length=15, choices=Consent.choices)
    consent_note = models.CharField("ghi chú về sự đồng ý", max_length=255, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    sent_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField("lý do từ chối", blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.ForeignKey(
        OutcomeOption, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="kết quả"
    )
    outcome_reference = models.CharField("số quyết định, văn bản", max_length=100, blank=True)
    actions_taken = models.TextField("việc đã làm", blank=True)
    withdrawn_reason = models.TextField("lý do rút lại", blank=True)
    # Partner access: granted on sending; removed on withdrawal, decline, or at access_until after completion.
    access_until = models.DateTimeField(null=True, blank=True)
    access_revoked_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "chuyển tuyến"
        verbose_name_plural = "chuyển tuyến"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["agency", "status"], name="referral_agency_status_idx"),
            models.Index(fields=["access_until"], name="referral_access_until_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(outcome__isnull=False), name="referral_completed_has_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"CT-{self.pk:06d}" if self.pk else "CT-mới"


class ReferralEvent(models.Model):
    """The referral's own history, seen by the sender and the agency; the case timeline shows it too."""

    referral = models.ForeignKey(Referral, models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    to_status = models.CharField(max_length=12, choices=ReferralStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    # The agency's answer recorded by commune staff from a paper reply (the agency has no account, or used none).
    on_behalf = models.BooleanField(default=False)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["referral", "at"], name="referralevent_referral_at_idx")]

    def __str__(self) -> str:
        return f"{self.referral} {self.action}"


# Statuses in which the agency's partners hold a view of the case (completed: until the access period ends).
SHARED = (ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS, ReferralStatus.COMPLETED)
OPEN = (ReferralStatus.DRAFT, ReferralStatus.SENT, ReferralStatus.ACCEPTED, ReferralStatus.IN_PROGRESS)
