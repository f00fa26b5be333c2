"""Public holidays and swapped working days, announced by the government each year (docs/law.md#working-days).

The table is edited by administrators and seeded for 2025–2027 by a data migration.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Ngày nghỉ lễ, Tết")
    # Làm bù: a Saturday or Sunday worked in exchange for a bridge day off; it counts as a working day.
    WORKING = "working", _("Ngày làm bù (làm việc)")


class Holiday(models.Model):
    date = models.DateField("ngày", unique=True)
    name = models.CharField("tên", max_length=120)
    kind = models.CharField("loại", max_length=10, choices=DayKind.choices, default=DayKind.HOLIDAY)
    note = models.CharField("ghi chú", max_length=255, blank=True)

    class Meta:
        verbose_name = "ngày nghỉ / ngày làm bù"
        verbose_name_plural = "ngày nghỉ / ngày làm bù"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"
