"""Cases linked to each other: brothers and sisters, children harmed by one person, a child harmed again.

A link joins two cases, stored in order (the lower id first) so a pair is one row. Unlinking ends the link (who, when,
why) instead of deleting it: the case page shows live links only, the record keeps what was believed and for how long
(docs/architecture.md#linked-cases).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["CaseLink", "LinkKind"]


class LinkKind(models.TextChoices):
    SIBLINGS = "siblings", _("Anh chị em ruột")
    SAME_PERPETRATOR = "same_perpetrator", _("Cùng người xâm hại")
    REPEAT = "repeat", _("Trẻ bị xâm hại lặp lại (hồ sơ trước)")
    OTHER = "other", _("Liên quan khác")


class CaseLink(models.Model):
    low = models.ForeignKey("cases.Case", models.CASCADE, related_name="links_low")
    high = models.ForeignKey("cases.Case", models.CASCADE, related_name="links_high")
    kind = models.CharField(_("loại liên kết"), max_length=20, choices=LinkKind.choices)
    reason = models.TextField(_("lý do"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+")
    at = models.DateTimeField(_("thời điểm"))
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", null=True, blank=True)
    ended_at = models.DateTimeField(_("thời điểm bỏ liên kết"), null=True, blank=True)
    end_reason = models.TextField(_("lý do bỏ liên kết"), blank=True)

    class Meta:
        verbose_name = _("liên kết hồ sơ")
        verbose_name_plural = _("liên kết hồ sơ")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(low__lt=F("high")), name="caselink_ordered_not_self"),
            models.UniqueConstraint(
                fields=["low", "high"], condition=Q(ended_at__isnull=True), name="caselink_one_live_per_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.low_id}–{self.high_id} {self.kind}"
