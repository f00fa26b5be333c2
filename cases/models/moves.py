"""Cases and reports that move between communes (docs/architecture.md#moves).

A report is forwarded to the commune where the incident happened (NĐ 56 Đ26 k1): its history (`ReportStep`) keeps
who forwarded it, when, from where and to where. A case is transferred when the child moves: `CaseTransfer` is the
request and its answer (or a supervisor's direct transfer); once a case has left a commune, `CaseCustody` keeps its
stays, so that a period's figures count each case where it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .casework import Case
from .intake import Report, ReportStatus


class ReportStep(models.Model):
    """One line of a report's history taken by the intake workflow (cases/intake_workflow.py): a forward."""

    report = models.ForeignKey(Report, models.CASCADE, related_name="steps")
    action = models.CharField("việc", max_length=30)
    from_status = models.CharField(max_length=10, choices=ReportStatus.choices)
    to_status = models.CharField(max_length=10, choices=ReportStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField("thời điểm")
    record = models.JSONField("nội dung", default=dict, blank=True)
    # A forward: the commune it left and the one it went to (the trace the sending commune keeps).
    from_unit = models.ForeignKey(
        "places.AdminUnit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="từ"
    )
    to_unit = models.ForeignKey(
        "places.AdminUnit", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="đến"
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["from_unit", "-at"], name="reportstep_from_unit_idx")]

    def __str__(self) -> str:
        return f"{self.report} · {self.action}"


class TransferKind(models.TextChoices):
    REQUEST = "request", _("Đề nghị chuyển, chờ xã nhận đồng ý")
    DIRECT = "direct", _("Chuyển trực tiếp (cán bộ giám sát)")


class TransferStatus(models.TextChoices):
    REQUESTED = "requested", _("Chờ tiếp nhận")
    ACCEPTED = "accepted", _("Đã tiếp nhận")
    DECLINED = "declined", _("Từ chối tiếp nhận")
    CANCELLED = "cancelled", _("Đã rút đề nghị")


class CaseTransfer(models.Model):
    """A case moving from one commune to another: asked for, then accepted or declined; or done directly."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="transfers")
    kind = models.CharField("hình thức", max_length=10, choices=TransferKind.choices)
    status = models.CharField("trạng thái", max_length=10, choices=TransferStatus.choices)
    from_unit = models.ForeignKey(
        "places.AdminUnit", models.PROTECT, related_name="+", verbose_name="xã, phường chuyển đi"
    )
    to_unit = models.ForeignKey("places.AdminUnit", models.PROTECT, related_name="+", verbose_name="xã, phường nhận")
    reason = models.TextField("lý do chuyển")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="người đề nghị"
    )
    requested_at = models.DateTimeField("thời điểm đề nghị")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người quyết định",
    )
    decided_at = models.DateTimeField("thời điểm quyết định", null=True, blank=True)
    decline_reason = models.TextField("lý do từ chối", blank=True)
    # The officer in charge at the receiving commune, from the acceptance on.
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="cán bộ nhận"
    )

    class Meta:
        verbose_name = "chuyển hồ sơ"
        verbose_name_plural = "chuyển hồ sơ"
        ordering = ["-requested_at", "-id"]
        constraints = [
            # Twice at once is refused by the database too: one open request per case.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="requested"), name="transfer_one_open_request_per_case"
            ),
            models.CheckConstraint(condition=~Q(from_unit=models.F("to_unit")), name="transfer_between_two_units"),
        ]
        indexes = [
            models.Index(fields=["to_unit", "status"], name="transfer_to_unit_idx"),
            models.Index(fields=["from_unit", "status"], name="transfer_from_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.to_unit}"


class CaseCustody(models.Model):
    """One stay of a case in a commune. Written only once a case moves (cases/custody.py): a case that never moved
    has no row and was always where `Case.unit` says; a moved one has a row per stay, the first from the beginning
    (`since` empty) and the current one open (`until` empty)."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="custody")
    unit = models.ForeignKey("places.AdminUnit", models.PROTECT, related_name="+", verbose_name="xã, phường")
    since = models.DateTimeField("từ", null=True, blank=True)
    until = models.DateTimeField("đến", null=True, blank=True)

    class Meta:
        verbose_name = "thời gian quản lý hồ sơ"
        verbose_name_plural = "thời gian quản lý hồ sơ"
        ordering = ["case", "since"]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(until__isnull=True), name="custody_one_open_stay"),
        ]
        indexes = [models.Index(fields=["unit", "case"], name="custody_unit_case_idx")]

    def __str__(self) -> str:
        return f"{self.case} @ {self.unit}"
