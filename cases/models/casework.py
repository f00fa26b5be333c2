"""Casework under NĐ 56/2017 Chương III: one case per child per report, its steps, deadlines, plans and reviews.

The states and who may move a case between them are in cases/workflow.py (one table); this module holds the data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .retention import SoftDeletable


class CaseState(models.TextChoices):
    RECEIVED = "received", _("Mới tiếp nhận")
    INITIAL_ASSESSED = "initial_assessed", _("Đã đánh giá nguy cơ ban đầu")
    EMERGENCY_DECIDED = "emergency_decided", _("Đã quyết định về bảo vệ khẩn cấp")
    ASSESSED = "assessed", _("Đã đánh giá cụ thể, cần kế hoạch")
    PLAN_DRAFTED = "plan_drafted", _("Kế hoạch chờ phê duyệt")
    IMPLEMENTING = "implementing", _("Đang thực hiện kế hoạch")
    REVIEWED = "reviewed", _("Đã rà soát")
    CLOSURE_PROPOSED = "closure_proposed", _("Đề xuất đóng hồ sơ")
    CLOSED = "closed", _("Đã đóng hồ sơ")


class ProtectionLevel(models.TextChoices):
    """Luật Trẻ em Điều 47–50: the level a case is handled at."""

    PREVENTION = "prevention", _("Phòng ngừa")
    SUPPORT = "support", _("Hỗ trợ")
    INTERVENTION = "intervention", _("Can thiệp")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("Cao")
    MEDIUM = "medium", _("Trung bình")
    LOW = "low", _("Thấp")


class AbuseFinding(models.TextChoices):
    """What the assessment concluded about abuse (Mẫu 02, refined by Mẫu 03): the periodic report counts a child as
    harmed (TT 13/2021 indicator 0101) only once abuse is established, apart from children at risk
    (docs/law.md#indicators)."""

    ESTABLISHED = "established", _("Xác định trẻ em bị xâm hại")
    AT_RISK = "at_risk", _("Trẻ em có nguy cơ bị xâm hại")
    NOT_FOUND = "not_found", _("Không có dấu hiệu xâm hại hay nguy cơ")


class Case(SoftDeletable):
    report = models.ForeignKey("cases.Report", models.PROTECT, related_name="cases")
    child = models.ForeignKey("cases.Child", models.PROTECT, related_name="cases")
    state = models.CharField("bước hiện tại", max_length=20, choices=CaseState.choices, default=CaseState.RECEIVED)
    level = models.CharField("mức độ bảo vệ", max_length=20, choices=ProtectionLevel.choices, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="cán bộ phụ trách"
    )
    # Denormalised from the report: the jurisdiction filter and the deadline scan read it without a join.
    unit = models.ForeignKey("places.AdminUnit", models.PROTECT, related_name="+", verbose_name="xã, phường")
    # The assessment's conclusion ("" until one is recorded) and when it was last recorded (cases/handlers.py).
    abuse_finding = models.CharField(
        "kết luận về việc xâm hại", max_length=12, choices=AbuseFinding.choices, blank=True, default=""
    )
    finding_at = models.DateTimeField("thời điểm kết luận", null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Denormalised from the deadlines: the earliest open one (the case's own clocks and its referrals'), written in the
    # transaction of every write that opens, settles or cancels a deadline (cases/deadlines.py `refresh_next_due`).
    # The case list sorts on it and "overdue" is `next_due_at <= now`, without reading the deadlines of every case.
    next_due_at = models.DateTimeField("hạn tiếp theo", null=True, blank=True)
    next_due_kind = models.CharField("việc đến hạn", max_length=20, blank=True)

    class Meta:
        verbose_name = "hồ sơ vụ việc"
        verbose_name_plural = "hồ sơ vụ việc"
        ordering = ["-opened_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["report", "child"], name="case_one_per_child_per_report")]
        indexes = [
            models.Index(fields=["unit", "state"], name="case_unit_state_idx"),
            # The case list's order (next_due_at ASC NULLS LAST, id DESC: PostgreSQL puts NULLs last in an ascending
            # index) and its "overdue" range, read from the top nationally.
            models.Index(fields=["next_due_at", "-id"], name="case_next_due_idx"),
            models.Index(fields=["state", "next_due_at", "-id"], name="case_state_next_due_idx"),  # ?state=...
            # The deadlines due soon of an area (home page): its cases whose next deadline falls due by a time.
            models.Index(fields=["unit", "next_due_at"], name="case_unit_next_due_idx"),
        ]
        # Granted per case with django-guardian to the partners of an agency the case is referred to (referrals).
        permissions = [("view_referred_case", "Xem phần hồ sơ được chuyển tuyến đến cơ quan mình")]

    def __str__(self) -> str:
        return f"HS-{self.pk:06d}" if self.pk else "HS-mới"


class CaseStep(models.Model):
    """One line of a case's timeline: what was done (a workflow action), by whom, when, with its record."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="steps")
    action = models.CharField("việc", max_length=30)
    from_state = models.CharField(max_length=20, choices=CaseState.choices)
    to_state = models.CharField(max_length=20, choices=CaseState.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField("thời điểm")
    record = models.JSONField("nội dung", default=dict, blank=True)
    # The deadline this step settled, if any, and whether it was in time (kept: later edits to deadlines change
    # nothing in the history).
    deadline_due = models.DateTimeField(null=True, blank=True)
    on_time = models.BooleanField(null=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="casestep_case_at_idx")]

    def __str__(self) -> str:
        return f"{self.case} {self.action}"


class DeadlineKind(models.TextChoices):
    EMERGENCY = "emergency", _("Đánh giá nguy cơ ban đầu và quyết định bảo vệ khẩn cấp (12 giờ)")
    PLAN = "plan", _("Xây dựng kế hoạch hỗ trợ, can thiệp")
    APPROVAL = "approval", _("Phê duyệt kế hoạch")
    REVIEW = "review", _("Rà soát định kỳ")
    SEPARATION_END = "separation_end", _("Kết thúc cách ly tạm thời (15 ngày)")
    REFERRAL_RESPONSE = "referral", _("Cơ quan phối hợp phản hồi chuyển tuyến")


# The statutory clocks of the case itself (closing the case ends them); a referral's clock ends with the referral.
CASE_DEADLINE_KINDS = tuple(k for k in DeadlineKind if k != DeadlineKind.REFERRAL_RESPONSE)


class DeadlineStatus(models.TextChoices):
    OPEN = "open", _("Đang chờ")
    MET = "met", _("Đúng hạn")
    LATE = "late", _("Quá hạn rồi mới xong")
    CANCELLED = "cancelled", _("Không còn áp dụng")


class Deadline(models.Model):
    case = models.ForeignKey(Case, models.CASCADE, related_name="deadlines")
    kind = models.CharField(max_length=20, choices=DeadlineKind.choices)
    referral = models.ForeignKey("referrals.Referral", models.CASCADE, null=True, blank=True, related_name="deadlines")
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            # One open deadline of a kind per case: a step restarts it by settling the old one first.
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(status="open", referral__isnull=True), name="deadline_one_open"
            ),
            models.UniqueConstraint(
                fields=["referral"],
                condition=Q(status="open", referral__isnull=False),
                name="deadline_one_open_referral",
            ),
            models.CheckConstraint(
                condition=Q(kind="referral", referral__isnull=False) | (~Q(kind="referral") & Q(referral__isnull=True)),
                name="deadline_referral_kind",
            ),
        ]
        indexes = [models.Index(fields=["status", "remind_at"], name="deadline_scan_idx")]

    def __str__(self) -> str:
        return f"{self.case} {self.kind} {self.due_at:%d/%m/%Y %H:%M}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Sắp đến hạn")
    OVERDUE = "overdue", _("Quá hạn")


class Reminder(models.Model):
    """Exactly once: a reminder of a kind is sent at most once per deadline, however often the scan runs."""

    deadline = models.ForeignKey(Deadline, models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["deadline", "kind"], name="reminder_once")]

    def __str__(self) -> str:
        return f"{self.deadline} {self.kind}"


class EmergencyMeasure(models.Model):
    case = models.ForeignKey(Case, models.CASCADE, related_name="emergency_measures")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    measures = models.TextField("biện pháp")
    placement = models.CharField("nơi trẻ được bố trí", max_length=255, blank=True)
    separation = models.BooleanField("cách ly tạm thời khỏi người chăm sóc", default=False)
    separation_until = models.DateField("cách ly đến ngày", null=True, blank=True)
    extension_decision = models.CharField("quyết định gia hạn (nếu có)", max_length=255, blank=True)
    # NĐ 56 Đ32 k3, Đ30: a separation ends by the chair's decision (number and date); the case cannot close before.
    ended_on = models.DateField("ngày quyết định chấm dứt", null=True, blank=True)
    end_decision = models.CharField("số quyết định chấm dứt", max_length=60, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self) -> str:
        return self.measures[:60]


class PlanStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Chờ phê duyệt")
    RETURNED = "returned", _("Trả lại để sửa")
    APPROVED = "approved", _("Đã phê duyệt")
    SUPERSEDED = "superseded", _("Đã thay bằng kế hoạch mới")


class Plan(models.Model):
    case = models.ForeignKey(Case, models.CASCADE, related_name="plans")
    number = models.PositiveSmallIntegerField("kế hoạch số")
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.SUBMITTED)
    goals = models.TextField("mục tiêu")
    drafted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    drafted_at = models.DateTimeField()
    end_date = models.DateField("thời hạn kế hoạch")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    decision_number = models.CharField("số quyết định phê duyệt", max_length=60, blank=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="plan_number_unique")]

    def __str__(self) -> str:
        return f"Kế hoạch {self.number}"


class PlanActivity(models.Model):
    plan = models.ForeignKey(Plan, models.CASCADE, related_name="activities")
    activity = models.CharField("hoạt động", max_length=255)
    responsible = models.CharField("người, cơ quan thực hiện", max_length=255)
    start = models.DateField("từ ngày")
    end = models.DateField("đến ngày")
    resources = models.CharField("nguồn lực", max_length=255, blank=True)

    class Meta:
        ordering = ["start", "id"]

    def __str__(self) -> str:
        return self.activity


# NĐ 56/2017 Mẫu số 06 ("Rà soát, đánh giá tình trạng của trẻ em sau khi thực hiện kế hoạch hỗ trợ, can thiệp"),
# part 1a: the three harm criteria, each rated Cao / Trung bình / Thấp, and their totals (docs/law.md#review-form-06).
HARM_CRITERIA: tuple[tuple[str, str], ...] = (
    ("harm_severity", "Mức độ tổn hại của trẻ em có còn nghiêm trọng không"),
    ("abuser_access", "Khả năng tiếp cận trẻ em của đối tượng xâm hại"),
    ("care_obstacles", "Những trở ngại trong môi trường chăm sóc trẻ em đối với việc bảo đảm an toàn cho trẻ em"),
)
# What each rating of a harm criterion means, in the form's words.
HARM_SCALE: dict[str, dict[str, str]] = {
    "harm_severity": {
        "high": "tổn hại của trẻ em vẫn còn rất nghiêm trọng, ảnh hưởng đến sự phát triển của trẻ em",
        "medium": "tổn hại của trẻ em còn ít nghiêm trọng",
        "low": "tổn hại của trẻ em không còn nghiêm trọng",
    },
    "abuser_access": {
        "high": "đối tượng xâm hại vẫn có khả năng tiếp cận trẻ em và thường xuyên",
        "medium": "đối tượng xâm hại có cơ hội tiếp cận trẻ em, nhưng không thường xuyên",
        "low": "đối tượng xâm hại ít hoặc không có khả năng tiếp cận trẻ em",
    },
    "care_obstacles": {
        "high": "môi trường chăm sóc vẫn có nhiều trở ngại đáng kể để bảo đảm an toàn cho trẻ em",
        "medium": "có một vài trở ngại, nhưng trẻ em vẫn có được sự bảo vệ nhất định",
        "low": "có ít hoặc không có trở ngại nào cho việc bảo vệ trẻ em",
    },
}
# Part 1b: the child's capacity to protect themself and to recover, rated on the same scale (Cao: a strong capacity).
RESILIENCE_CRITERIA: tuple[tuple[str, str], ...] = (
    ("self_protection", "Khả năng tự bảo vệ của trẻ em"),
    ("recovery_level", "Khả năng phục hồi của trẻ em"),
)
MAU06_CRITERIA = tuple(name for name, _label in (*HARM_CRITERIA, *RESILIENCE_CRITERIA))
RATING_ORDER = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


class Review(models.Model):
    """Mẫu 06: where the child stands; the basis for continuing, a new plan or closing (NĐ 56 Đ30).

    Reviews recorded before the form's criteria were kept (`harm_level`, `abuser_has_access` and the texts) have the
    five ratings empty: they stay readable and printable, and closing the case waits for a review on the form."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="reviews")
    plan = models.ForeignKey(Plan, models.PROTECT, related_name="reviews")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    # Mẫu 06 part 1a and 1b, each Cao / Trung bình / Thấp ("": a review made before the criteria were recorded).
    harm_severity = models.CharField(HARM_CRITERIA[0][1], max_length=10, choices=RiskLevel.choices, blank=True)
    abuser_access = models.CharField(HARM_CRITERIA[1][1], max_length=10, choices=RiskLevel.choices, blank=True)
    care_obstacles = models.CharField(HARM_CRITERIA[2][1], max_length=10, choices=RiskLevel.choices, blank=True)
    self_protection = models.CharField(RESILIENCE_CRITERIA[0][1], max_length=10, choices=RiskLevel.choices, blank=True)
    recovery_level = models.CharField(RESILIENCE_CRITERIA[1][1], max_length=10, choices=RiskLevel.choices, blank=True)
    # Kept from the first version of the review (and filled from the criteria since: the first criterion, and an
    # abuser's access rated above Thấp), for whatever reads them.
    harm_level = models.CharField("mức độ tổn hại", max_length=10, choices=RiskLevel.choices)
    abuser_has_access = models.BooleanField("người xâm hại còn tiếp cận được trẻ", default=False)
    care_environment = models.TextField("môi trường chăm sóc", blank=True)
    recovery = models.TextField("mức độ phục hồi", blank=True)
    # NĐ 56 Đ30 k1 b, c: no risk of abuse remains; the child's body, mind, understanding and feelings are stable.
    risk_remains = models.BooleanField("còn nguy cơ", default=True)
    child_stable = models.BooleanField("trẻ đã ổn định về thể chất, tinh thần, tâm lý", default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Rà soát {self.at:%d/%m/%Y}"

    @property
    def on_mau06(self) -> bool:
        """Whether the review rated every criterion of Mẫu 06 (False for the reviews made before)."""
        return all(getattr(self, name) for name in MAU06_CRITERIA)

    def harm_totals(self) -> dict[str, int]:
        """Mẫu 06's "Tổng số" row: how many of the three harm criteria are rated Cao, Trung bình, Thấp."""
        ratings = [getattr(self, name) for name, _label in HARM_CRITERIA]
        return {level: ratings.count(level) for level in (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)}


class CaseComment(models.Model):
    case = models.ForeignKey(Case, models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField()
    text = models.TextField("ý kiến")
    requests_changes = models.BooleanField("đề nghị sửa", default=False)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.text[:60]


def attachment_path(instance: Attachment, filename: str) -> str:
    # Random name on disk: the original name (which may itself identify a child) lives only in the database.
    import uuid

    return f"attachments/{instance.case_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A scanned decision, minutes or medical paper, kept outside the web root and served only through a view."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="attachments")
    step = models.ForeignKey(CaseStep, models.SET_NULL, null=True, blank=True, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField("tên tệp", max_length=255)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    description = models.CharField("mô tả", max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class FlagKind(models.TextChoices):
    """A flag's kind: a short vocabulary, so that a list can be filtered by it (`?flag=<kind>`)."""

    ATTENTION = "attention", _("Cần chú ý")
    REVIEW_QUALITY = "review_quality", _("Cần xem lại chất lượng")
    PRIORITY = "priority", _("Ưu tiên")


class CaseFlag(models.Model):
    """A mark on a case for those who work it (a supervisor's "needs attention"), with a note; cleared, it stays as
    history (cleared_by/at). A case carries one open flag of each kind at most."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="flags")
    kind = models.CharField("loại đánh dấu", max_length=20, choices=FlagKind.choices)
    note = models.TextField("ghi chú", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+")
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "đánh dấu hồ sơ"
        verbose_name_plural = "đánh dấu hồ sơ"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"], condition=Q(cleared_at__isnull=True), name="caseflag_one_open_per_kind"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "case"], condition=Q(cleared_at__isnull=True), name="caseflag_open_idx")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
