"""Children and reports (intake, NĐ 56 Mẫu 01). Cases and the statutory workflow come with the workflow issue.

Vocabularies that provinces extend (report channel, perpetrator's relation, ethnicity) are rows of Term; the lists the
law fixes (forms of abuse, Điều 10 groups, environments) are choices, because the periodic report counts by them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from childprotect.text import fold

from .retention import SoftDeletable


class TermKind(models.TextChoices):
    CHANNEL = "channel", _("Kênh tiếp nhận")
    RELATION = "relation", _("Quan hệ với trẻ em")
    ETHNICITY = "ethnicity", _("Dân tộc")


class Term(models.Model):
    kind = models.CharField("loại", max_length=20, choices=TermKind.choices)
    code = models.CharField("mã", max_length=40)
    label = models.CharField("tên", max_length=120)
    sort_order = models.PositiveSmallIntegerField("thứ tự", default=0)
    is_active = models.BooleanField("đang dùng", default=True)

    class Meta:
        verbose_name = "danh mục dùng chung"
        verbose_name_plural = "danh mục dùng chung"
        ordering = ["kind", "sort_order", "label"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="term_unique_kind_code")]

    def __str__(self) -> str:
        return self.label


class Sex(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")
    UNKNOWN = "unknown", _("Không rõ")


class SpecialCircumstance(models.TextChoices):
    """Luật Trẻ em 2016 Điều 10 k1: the 14 groups of children in special circumstances (letters a–o)."""

    A = "a", _("a) Mồ côi cả cha và mẹ")
    B = "b", _("b) Bị bỏ rơi")
    C = "c", _("c) Không nơi nương tựa")
    D = "d", _("d) Khuyết tật")
    DD = "dd", _("đ) Nhiễm HIV/AIDS")
    E = "e", _("e) Vi phạm pháp luật")
    G = "g", _("g) Nghiện ma túy")
    H = "h", _("h) Phải bỏ học kiếm sống chưa hoàn thành phổ cập giáo dục THCS")
    I = "i", _("i) Bị tổn hại nghiêm trọng về thể chất và tinh thần do bị bạo lực")  # noqa: E741
    K = "k", _("k) Bị bóc lột")
    L = "l", _("l) Bị xâm hại tình dục")
    M = "m", _("m) Bị mua bán")
    N = "n", _("n) Mắc bệnh hiểm nghèo hoặc bệnh phải điều trị dài ngày thuộc hộ nghèo, cận nghèo")
    O = "o", _("o) Di cư, lánh nạn, tị nạn chưa xác định được cha mẹ hoặc không có người chăm sóc")  # noqa: E741


class Child(SoftDeletable):
    full_name = models.CharField("họ và tên", max_length=150)
    name_folded = models.CharField(max_length=150, editable=False, db_index=True)
    other_names = models.CharField("tên gọi khác", max_length=150, blank=True)
    other_names_folded = models.CharField(max_length=150, editable=False, blank=True)
    date_of_birth = models.DateField("ngày sinh", null=True, blank=True)
    birth_year = models.PositiveSmallIntegerField("năm sinh")
    birth_year_estimated = models.BooleanField("năm sinh ước tính", default=False)
    sex = models.CharField("giới tính", max_length=10, choices=Sex.choices)
    ethnicity = models.ForeignKey(
        Term,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": TermKind.ETHNICITY},
        verbose_name="dân tộc",
    )
    national_id = models.CharField("mã định danh cá nhân", max_length=12, blank=True)
    residence_unit = models.ForeignKey(
        "places.AdminUnit", models.PROTECT, related_name="+", verbose_name="xã, phường nơi cư trú"
    )
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    school = models.CharField("trường", max_length=150, blank=True)
    school_class = models.CharField("lớp", max_length=30, blank=True)
    notes = models.TextField("ghi chú", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)  # optimistic lock: edits carry the version they started from

    class Meta:
        verbose_name = "trẻ em"
        verbose_name_plural = "trẻ em"
        ordering = ["name_folded", "id"]
        constraints = [
            # Not unique: one number on two records outside one person's reach is allowed and flagged, never
            # refused, or the refusal would tell an officer that the number exists elsewhere (services.intake).
            models.CheckConstraint(
                condition=Q(national_id="") | Q(national_id__regex=r"^[0-9]{12}$"), name="child_national_id_12_digits"
            ),
        ]
        indexes = [
            models.Index(
                fields=["national_id"], condition=~Q(national_id=""), name="child_national_id_idx"
            ),  # registration's duplicate check, the search by ID, the "same ID" flag
            # The children list and name search read live children from these two without touching the table
            # (index-only scans): a jurisdiction's children by commune, and the whole registry in name order; the
            # registry import's duplicate check reads a file's communes (name, birth date and year) from the first
            # (docs/query-plans.md#children-list-and-search).
            models.Index(
                fields=["residence_unit", "name_folded", "id"],
                include=["other_names_folded", "date_of_birth", "birth_year"],
                condition=Q(deleted_at__isnull=True),
                name="child_live_unit_name_idx",
            ),
            models.Index(
                fields=["name_folded", "id"],
                include=["other_names_folded"],
                condition=Q(deleted_at__isnull=True),
                name="child_live_name_idx",
            ),
            # The children a jurisdiction reaches through its reports are looked up by id (one per report): this one
            # answers those lookups (where they live, their names) without reading the table.
            models.Index(
                fields=["id"],
                include=["residence_unit", "name_folded", "other_names_folded"],
                condition=Q(deleted_at__isnull=True),
                name="child_live_id_idx",
            ),
            # Duplicate detection: same birth year, name starting with the family name (a prefix: pattern ops).
            models.Index(
                fields=["birth_year", "name_folded"],
                name="child_year_name_idx",
                opclasses=["int2_ops", "varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: object, **kwargs: object) -> None:
        # Derived columns kept in step with the row (search and duplicate detection read them).
        self.name_folded = fold(self.full_name)
        self.other_names_folded = fold(self.other_names)
        if self.date_of_birth:
            self.birth_year, self.birth_year_estimated = self.date_of_birth.year, False
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Carer(models.Model):
    child = models.ForeignKey(Child, models.CASCADE, related_name="carers")
    full_name = models.CharField("họ và tên người chăm sóc", max_length=150)
    relation = models.CharField("quan hệ với trẻ", max_length=60, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    phone_digits = models.CharField(max_length=30, editable=False, blank=True, db_index=True)

    class Meta:
        verbose_name = "người chăm sóc"
        verbose_name_plural = "người chăm sóc"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: object, **kwargs: object) -> None:
        self.phone_digits = phone_digits(self.phone)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


def phone_digits(phone: str) -> str:
    """0912 345 678, 0912.345.678, (091) 234-5678, +84 912 345 678, 0084 912 345 678, 84912345678 and 912345678 are
    one number: compare the national form's digits (the leading 0, no country code). The search box reads what is
    typed into it the same way (cases.selectors `phone_query`)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("0084") and len(digits) >= 13:
        digits = "0" + digits[4:]
    elif digits.startswith("84") and len(digits) >= 11:
        digits = "0" + digits[2:]
    elif len(digits) == 9 and not digits.startswith("0"):
        digits = "0" + digits  # the leading 0 left out
    return digits


class ChildCircumstance(models.Model):
    child = models.ForeignKey(Child, models.CASCADE, related_name="circumstances")
    group = models.CharField("nhóm", max_length=2, choices=SpecialCircumstance.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "group"], name="circumstance_unique")]
        indexes = [models.Index(fields=["group", "child"], name="circumstance_group_idx")]

    def __str__(self) -> str:
        return self.get_group_display()


class ReportType(models.TextChoices):
    # A context: "Thông báo" is also the menu's notifications.
    INFORMATION = "thong_tin", pgettext_lazy("report type", "Thông tin")
    NOTIFICATION = "thong_bao", pgettext_lazy("report type", "Thông báo")
    DENUNCIATION = "to_giac", pgettext_lazy("report type", "Tố giác")


class Environment(models.TextChoices):
    FAMILY = "family", _("Gia đình")
    SCHOOL = "school", _("Trường học")
    COMMUNITY = "community", _("Cộng đồng")
    ONLINE = "online", _("Môi trường mạng")
    CARE_FACILITY = "care_facility", _("Cơ sở chăm sóc, trợ giúp xã hội")
    OTHER = "other", _("Khác")


class AbuseForm(models.TextChoices):
    """Luật Trẻ em Điều 4 k5, with the sexual-abuse subtypes NĐ 56 uses (stored with the prefix sexual_)."""

    VIOLENCE = "violence", _("Bạo lực")
    EXPLOITATION = "exploitation", _("Bóc lột")
    # Luật Trẻ em Điều 4 k8: making a child work against the labour law is one kind of exploitation; counted apart.
    EXPLOITATION_LABOUR = "exploitation_labour", _("Bóc lột sức lao động (lao động trái pháp luật)")
    SEXUAL_ABUSE = "sexual_abuse", _("Xâm hại tình dục")
    TRAFFICKING = "trafficking", _("Mua bán")
    ABANDONMENT = "abandonment", _("Bỏ rơi")
    NEGLECT = "neglect", _("Bỏ mặc")
    OTHER = "other", _("Hình thức gây tổn hại khác")
    SEXUAL_RAPE = "sexual_rape", _("Hiếp dâm")
    SEXUAL_COERCION = "sexual_coercion", _("Cưỡng dâm")
    SEXUAL_INTERCOURSE = "sexual_intercourse", _("Giao cấu")
    SEXUAL_MOLESTATION = "sexual_molestation", _("Dâm ô")
    SEXUAL_PROSTITUTION = "sexual_prostitution", _("Sử dụng vào mục đích mại dâm, khiêu dâm")


MAIN_FORMS = [(v, label) for v, label in AbuseForm.choices if not v.startswith("sexual_") or v == "sexual_abuse"]
SEXUAL_SUBTYPES = [(v, label) for v, label in AbuseForm.choices if v.startswith("sexual_") and v != "sexual_abuse"]


class ReportStatus(models.TextChoices):
    RECEIVED = "received", _("Mới tiếp nhận")
    HANDLING = "handling", _("Đang xử lý")
    CLOSED = "closed", _("Đã kết thúc")


OPEN_STATUSES = [ReportStatus.RECEIVED, ReportStatus.HANDLING]


class Report(SoftDeletable):
    reference = models.CharField("số tiếp nhận", max_length=30, blank=True, db_index=True)
    report_type = models.CharField("loại", max_length=10, choices=ReportType.choices)
    channel = models.ForeignKey(
        Term,
        models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": TermKind.CHANNEL},
        verbose_name="kênh tiếp nhận",
    )
    received_at = models.DateTimeField("thời điểm tiếp nhận")
    # Logged in the offline field app (docs/api.md#the-field-app): `received_at` is the time the officer recorded, and
    # `created_at` the time it reached the server; the pages show both.
    entered_offline = models.BooleanField("ghi ngoại tuyến", default=False)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="người tiếp nhận"
    )
    # The reporter's identity is confidential (NĐ 56 Đ25; docs/law.md#reporting-abuse): read it only through
    # cases.policy.
    reporter_anonymous = models.BooleanField("người báo tin giấu tên", default=False)
    reporter_name = models.CharField("họ tên người báo tin", max_length=150, blank=True)
    reporter_phone = models.CharField("điện thoại người báo tin", max_length=30, blank=True)
    # The reporter's phone in the national form (`phone_digits`), written on save: the reports list's search by phone,
    # for those who may see reporters only (cases.selectors `reports_list`).
    reporter_phone_digits = models.CharField(max_length=30, editable=False, blank=True, db_index=True)
    reporter_address = models.CharField("địa chỉ người báo tin", max_length=255, blank=True)
    reporter_relation = models.CharField("quan hệ với trẻ em", max_length=100, blank=True)
    description = models.TextField("nội dung sự việc")
    environment = models.CharField("môi trường xảy ra", max_length=20, choices=Environment.choices)
    incident_date = models.DateField("ngày xảy ra", null=True, blank=True)
    incident_unit = models.ForeignKey(
        "places.AdminUnit", models.PROTECT, related_name="+", verbose_name="xã, phường nơi xảy ra"
    )
    incident_place = models.CharField("địa điểm cụ thể", max_length=255, blank=True)
    injury = models.BooleanField("trẻ bị thương tích", default=False)
    ongoing_danger = models.BooleanField("trẻ đang gặp nguy hiểm", default=False)
    carer_is_perpetrator = models.BooleanField("người chăm sóc là người xâm hại", default=False)
    # NĐ 56 Mẫu 01, A.2 "Thông tin về trẻ em": what the reporter could say of the child and the family, each optional
    # (the form asks for them "nếu biết"). One value for the report: the children of one report share a family and
    # an incident; each child's name, birth date and sex are on the child's record. Protected data (Đ33): read them
    # only where cases.policy.can_see_child_protected allows.
    child_age_estimate = models.PositiveSmallIntegerField("ước lượng tuổi của trẻ em", null=True, blank=True)
    child_condition = models.TextField("tình trạng hiện tại của trẻ em", blank=True)
    likely_consequences = models.TextField("hậu quả có thể xảy ra nếu không được hỗ trợ, can thiệp", blank=True)
    father_name = models.CharField("họ và tên cha", max_length=150, blank=True)
    father_age = models.PositiveSmallIntegerField("tuổi của cha", null=True, blank=True)
    father_occupation = models.CharField("nghề nghiệp của cha", max_length=100, blank=True)
    mother_name = models.CharField("họ và tên mẹ", max_length=150, blank=True)
    mother_age = models.PositiveSmallIntegerField("tuổi của mẹ", null=True, blank=True)
    mother_occupation = models.CharField("nghề nghiệp của mẹ", max_length=100, blank=True)
    family_situation = models.TextField("hoàn cảnh gia đình", blank=True)
    current_carer = models.CharField("người đang chăm sóc trẻ em", max_length=255, blank=True)
    prior_actions = models.TextField("hành động hỗ trợ, can thiệp đã thực hiện trước khi nhận thông tin", blank=True)
    status = models.CharField("trạng thái", max_length=10, choices=ReportStatus.choices, default=ReportStatus.RECEIVED)
    children: models.ManyToManyField[Child, ReportChild] = models.ManyToManyField(
        Child, through="ReportChild", related_name="reports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = "thông tin, thông báo, tố giác"
        verbose_name_plural = "thông tin, thông báo, tố giác"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["incident_unit", "status", "-received_at"], name="report_inbox_idx"),
            models.Index(fields=["-received_at"], name="report_received_idx"),
        ]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"

    @property
    def is_urgent(self) -> bool:
        return self.injury or self.ongoing_danger or self.carer_is_perpetrator

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.reporter_phone_digits = phone_digits(self.reporter_phone)
        fields = kwargs.get("update_fields")
        if fields is not None and "reporter_phone" in fields:
            kwargs["update_fields"] = {*fields, "reporter_phone_digits"}
        super().save(*args, **kwargs)


class ReportChild(models.Model):
    report = models.ForeignKey(Report, models.CASCADE, related_name="report_children")
    child = models.ForeignKey(Child, models.PROTECT, related_name="report_links")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "child"], name="report_child_unique")]

    def __str__(self) -> str:
        return f"{self.report} · {self.child}"


class ReportAbuse(models.Model):
    report = models.ForeignKey(Report, models.CASCADE, related_name="abuse_forms")
    form = models.CharField("hình thức", max_length=30, choices=AbuseForm.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "form"], name="report_abuse_unique")]
        indexes = [models.Index(fields=["form", "report"], name="report_abuse_form_idx")]

    def __str__(self) -> str:
        return self.get_form_display()


class Perpetrator(models.Model):
    report = models.ForeignKey(Report, models.CASCADE, related_name="perpetrators")
    name = models.CharField("họ tên (nếu biết)", max_length=150, blank=True)
    relation = models.ForeignKey(
        Term,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"kind": TermKind.RELATION},
        verbose_name="quan hệ với trẻ em",
    )
    sex = models.CharField("giới tính", max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    approx_age = models.PositiveSmallIntegerField("tuổi (ước tính)", null=True, blank=True)
    lives_with_child = models.BooleanField("sống cùng trẻ em", default=False)

    class Meta:
        verbose_name = "người bị nghi xâm hại"
        verbose_name_plural = "người bị nghi xâm hại"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name or str(self.relation or "")
