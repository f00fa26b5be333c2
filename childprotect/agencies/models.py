"""The partner agencies (police, health, social work...) a case may be referred to and their partners belong to.

The floor below both accounts (a partner's agency) and referrals (a referral's addressee): it knows neither cases nor
referrals. Its table was first created by the referrals app; migrations/0001_initial.py takes it over.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from childprotect.text import fold


class AgencyType(models.TextChoices):
    POLICE = "police", _("Công an")
    HEALTH = "health", _("Y tế")
    EDUCATION = "education", _("Giáo dục")
    JUSTICE = "justice", _("Tư pháp, trợ giúp pháp lý")
    SOCIAL_WORK = "social_work", _("Công tác xã hội, cơ sở trợ giúp xã hội")
    COURT = "court", _("Toà án")
    PROCURACY = "procuracy", _("Viện kiểm sát")
    MASS_ORGANISATION = "mass_org", _("Hội LHPN, Đoàn TN")
    OTHER = "other", _("Khác")


class Agency(models.Model):
    name = models.CharField("tên cơ quan", max_length=200)
    name_folded = models.CharField(max_length=200, editable=False)
    agency_type = models.CharField("loại", max_length=20, choices=AgencyType.choices)
    unit = models.ForeignKey(
        "places.AdminUnit", models.PROTECT, related_name="agencies", verbose_name="địa bàn phục vụ"
    )
    address = models.CharField("địa chỉ", max_length=255, blank=True)
    phone = models.CharField("điện thoại", max_length=30, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    is_active = models.BooleanField("đang hoạt động", default=True)

    class Meta:
        verbose_name = "cơ quan phối hợp"
        verbose_name_plural = "cơ quan phối hợp"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="agency_unique_name_in_unit")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        self.name_folded = fold(self.name)  # derived search column
        super().save(*args, **kwargs)  # type: ignore[arg-type]
