"""Periodic reports (docs/law.md#periodic-reports): one per unit, kind and year; figures frozen when submitted."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .periods import Period, PeriodKind, period_for


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Đang soạn")
    SUBMITTED = "submitted", _("Đã gửi")
    RETURNED = "returned", _("Trả lại để sửa")
    APPROVED = "approved", _("Đã phê duyệt")


class PdfStatus(models.TextChoices):
    NONE = "", _("Chưa tạo")
    PENDING = "pending", _("Đang chờ tạo")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Đã tạo")
    FAILED = "failed", _("Lỗi khi tạo")


def report_pdf_path(instance: PeriodicReport, filename: str) -> str:
    return f"reports/{instance.pk}/{instance.kind}-{instance.year}-v{instance.version}.pdf"


class PeriodicReport(models.Model):
    unit = models.ForeignKey("places.AdminUnit", models.PROTECT, related_name="+", verbose_name="đơn vị")
    kind = models.CharField("loại kỳ", max_length=12, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField("năm")
    period_start = models.DateField("số liệu từ ngày")
    period_end = models.DateField("đến ngày")
    due_date = models.DateField("hạn gửi")
    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    number = models.CharField("số văn bản", max_length=40, blank=True)
    results = models.TextField("kết quả đạt được", blank=True)
    difficulties = models.TextField("khó khăn, vướng mắc", blank=True)
    proposals = models.TextField("kiến nghị, đề xuất", blank=True)
    # The figures (reporting/indicators.py): recomputed while the report is prepared, frozen when it is submitted.
    figures = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Who signs the sent report and in which position (accounts.Position: head or deputy, as it was when sent): the
    # commune's chair or vice-chair who sends it; for a district or province, the head or deputy of the agency the
    # sender named. None: not recorded, the PDF leaves the name blank under the head's title, to be signed on paper.
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="người ký"
    )
    signer_position = models.CharField("ký với chức vụ", max_length=10, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    pdf = models.FileField(upload_to=report_pdf_path, blank=True)
    pdf_status = models.CharField(max_length=10, choices=PdfStatus.choices, default=PdfStatus.NONE, blank=True)
    pdf_progress = models.PositiveSmallIntegerField(default=0)
    pdf_version = models.PositiveIntegerField(default=0)  # the report version the stored PDF shows

    class Meta:
        verbose_name = "báo cáo định kỳ"
        verbose_name_plural = "báo cáo định kỳ"
        ordering = ["-year", "kind", "unit__path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind", "year"], name="periodicreport_one_per_unit_period"),
        ]
        indexes = [models.Index(fields=["kind", "year", "status"], name="periodicreport_period_idx")]

    def __str__(self) -> str:
        return f"Báo cáo {self.period.label} – {self.unit.name}"

    @property
    def period(self) -> Period:
        return Period(self.kind, self.year, self.period_start, self.period_end, self.due_date)

    @property
    def frozen(self) -> bool:
        return self.status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)

    @staticmethod
    def period_fields(kind: str, year: int) -> dict[str, object]:
        period = period_for(kind, year)
        return {"period_start": period.start, "period_end": period.end, "due_date": period.due}


class ReportEvent(models.Model):
    """The report's history: prepared, recomputed, submitted, approved, returned (with the supervisor's comment)."""

    report = models.ForeignKey(PeriodicReport, models.CASCADE, related_name="events")
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=10, choices=ReportStatus.choices)
    to_status = models.CharField(max_length=10, choices=ReportStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField()
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.action}"

    @property
    def label(self) -> str:
        """What was done, in the words of the step's button (reporting/workflow.py); creating the report is no step."""
        from .workflow import BY_ACTION  # the workflow table imports this module's statuses

        step = BY_ACTION.get(self.action)
        return str(step.label) if step else str(_("Lập báo cáo")) if self.action == "prepare" else self.action


def sent_pdf_path(instance: SentVersion, filename: str) -> str:
    return f"reports/{instance.report_id}/sent-{instance.number}.pdf"


class SentVersion(models.Model):
    """One sending of a report, kept for good: its frozen figures and text, who sent and approved it, how it ended
    (returned or reopened, with the reason) and its official PDF. A reopened report sent again is a new version."""

    report = models.ForeignKey(PeriodicReport, models.CASCADE, related_name="sent_versions")
    number = models.PositiveIntegerField("lần gửi")
    report_version = models.PositiveIntegerField()  # PeriodicReport.version right after this sending
    figures = models.JSONField(default=dict)
    computed_at = models.DateTimeField(null=True, blank=True)
    doc_number = models.CharField("số văn bản", max_length=40, blank=True)
    results = models.TextField(blank=True)
    difficulties = models.TextField(blank=True)
    proposals = models.TextField(blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="người ký"
    )
    signer_position = models.CharField("ký với chức vụ", max_length=10, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    ended_by_action = models.CharField(max_length=20, blank=True)  # return | reopen
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_note = models.TextField(blank=True)
    pdf = models.FileField(upload_to=sent_pdf_path, blank=True)

    class Meta:
        verbose_name = "bản báo cáo đã gửi"
        verbose_name_plural = "các bản báo cáo đã gửi"
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="sentversion_one_number_per_report")]

    def __str__(self) -> str:
        return f"{self.report} – lần gửi {self.number}"

    @property
    def status(self) -> str:
        """What this version came to: approved, returned, reopened, or still waiting for the reviewer."""
        if self.ended_by_action == "reopen":
            return "Đã phê duyệt, sau đó mở lại"
        if self.ended_by_action == "return":
            return "Bị trả lại để sửa"
        return "Đã phê duyệt" if self.approved_at else "Đã gửi, chờ phê duyệt"

    def as_report(self) -> PeriodicReport:
        """The report as it stood when this version was sent (unsaved): what its PDF and page show."""
        snapshot = PeriodicReport(
            pk=self.report.pk,
            unit=self.report.unit,
            kind=self.report.kind,
            year=self.report.year,
            period_start=self.report.period_start,
            period_end=self.report.period_end,
            due_date=self.report.due_date,
            status=ReportStatus.APPROVED if self.approved_at else ReportStatus.SUBMITTED,
            number=self.doc_number,
            results=self.results,
            difficulties=self.difficulties,
            proposals=self.proposals,
            figures=self.figures,
            computed_at=self.computed_at,
            prepared_by_id=self.report.prepared_by_id,
            created_at=self.report.created_at,
            submitted_by=self.submitted_by,
            submitted_at=self.submitted_at,
            signed_by=self.signed_by,
            signer_position=self.signer_position,
            approved_by=self.approved_by,
            approved_at=self.approved_at,
            version=self.report_version,
        )
        return snapshot
