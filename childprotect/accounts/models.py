"""People: a custom user with one role and one home unit (their jurisdiction), docs/law.md#people-and-places."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COMMUNE_OFFICER = "commune_officer", _("Cán bộ phụ trách bảo vệ trẻ em cấp xã")
    COMMUNE_CHAIR = "commune_chair", _("Chủ tịch / Phó Chủ tịch UBND xã")
    SUPERVISOR = "supervisor", _("Cán bộ giám sát (cấp huyện / tỉnh)")
    PARTNER = "partner", _("Cán bộ cơ quan phối hợp")
    ADMIN = "admin", _("Quản trị hệ thống")
    # Not a person: the account an API client (Tổng đài 111, a police command, a provincial agency) acts through
    # (api/models.py). Its unit is the scope it may send reports for (none: the whole country); it signs in with
    # tokens only and reaches no record by place.
    API_CLIENT = "api_client", _("Hệ thống đối tác (API)")


class Position(models.TextChoices):
    """Where a person stands in their body (chức vụ), for who signs what (NĐ 30/2020 Điều 13, docs/law.md):
    the head signs for the body, a deputy signs "KT." (ký thay) for the head, staff sign only what is their own."""

    HEAD = "head", _("Cấp trưởng (Chủ tịch, Giám đốc, Trưởng phòng)")
    DEPUTY = "deputy", _("Cấp phó (Phó Chủ tịch, Phó Giám đốc, Phó Trưởng phòng)")
    STAFF = "staff", _("Chuyên viên, cán bộ")


class AccountManager(UserManager["User"]):
    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra_fields: Any
    ) -> User:
        # `manage.py createsuperuser` makes an administrator (the role the check constraint asks of every account).
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    full_name = models.CharField("họ và tên", max_length=150, blank=True)
    role = models.CharField("vai trò", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "places.AdminUnit",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="đơn vị (địa bàn phụ trách)",
    )
    agency = models.ForeignKey(
        "agencies.Agency", models.PROTECT, null=True, blank=True, related_name="members", verbose_name="cơ quan"
    )
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    # Empty: not recorded. A commune chair account is the chair (head) or a vice-chair (deputy); a supervisor may be
    # the head or a deputy of the agency over the unit, who sign its reports, or staff.
    position = models.CharField("chức vụ", max_length=10, choices=Position.choices, blank=True, default="")

    objects: ClassVar[AccountManager] = AccountManager()

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = "tài khoản"
        verbose_name_plural = "tài khoản"
        constraints = [
            # A person's jurisdiction is one unit; partners see by referral and must belong to an agency.
            models.CheckConstraint(
                condition=models.Q(role__in=["admin", "api_client"])
                | models.Q(role="partner", agency__isnull=False)
                | (
                    models.Q(role__in=["commune_officer", "commune_chair", "supervisor"]) & models.Q(unit__isnull=False)
                ),
                name="user_role_needs_unit_or_agency",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def role_label(self) -> str:
        """The role as it is said where this person works (the Role labels are the generic names of the lists):
        the chair of a ward is "Chủ tịch / Phó Chủ tịch UBND phường"; a supervisor is "cấp huyện" on a district of
        the 2024 list and "cấp tỉnh" on a province (the only level above the commune in the two-tier lists). A head or
        deputy recorded (`position`) is said by their title: "Phó Chủ tịch UBND phường", "Giám đốc Sở Y tế"."""
        from .signatures import position_title  # it reads this module's Position and User

        title = position_title(self)
        if title:
            return title
        unit = self.unit
        if unit is not None and self.role == Role.COMMUNE_CHAIR:
            return gettext("Chủ tịch / Phó Chủ tịch %(committee)s") % {"committee": unit.committee_name}
        if unit is not None and self.role == Role.SUPERVISOR:
            if unit.level == "district":
                return gettext("Cán bộ giám sát cấp huyện")
            return gettext("Cán bộ giám sát cấp tỉnh")
        return str(Role(self.role).label) if self.role in Role.values else self.role

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser


class BackupCode(models.Model):
    """A one-time code for when the authenticator is out of reach (security.backup_codes_create), stored as a keyed
    hash with its own salt, never as the code: `code_hash` is "<salt>$<HMAC-SHA256 of salt+code>"."""

    user = models.ForeignKey(User, models.CASCADE, related_name="backup_codes", verbose_name=_("tài khoản"))
    code_hash = models.CharField(_("mã (đã băm)"), max_length=128)
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    used_at = models.DateTimeField(_("đã dùng lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("mã dự phòng xác thực hai bước")
        verbose_name_plural = _("mã dự phòng xác thực hai bước")
        indexes = [models.Index(fields=["user", "used_at"], name="backupcode_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} #{self.pk}"
