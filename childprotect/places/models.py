"""Administrative units (đơn vị hành chính) of the official GSO/NSO lists.

A unit is identified by (list, code), never by code alone: the 2025 reform reused old codes with new meanings
(00004 is Phường Trúc Bạch in 2024 and Phường Ba Đình in 2025). Cases filed under an old list keep their old unit.
The depth of the hierarchy is data: province → district → commune (2024) or province → commune (2025, 2026).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from childprotect.text import fold


class UnitList(models.IntegerChoices):
    L2024 = 2024, _("2024 (ba cấp: tỉnh, huyện, xã)")
    L2025 = 2025, _("2025 (hai cấp: tỉnh, xã)")
    L2026 = 2026, _("2026 (hai cấp: tỉnh, xã, hiện hành)")


class UnitLevel(models.TextChoices):
    PROVINCE = "province", _("Tỉnh / thành phố")
    DISTRICT = "district", _("Huyện / quận / thị xã / thành phố thuộc tỉnh")
    COMMUNE = "commune", _("Xã / phường / thị trấn / đặc khu")


# The word for a unit of each type of the lists (the CSVs' `type` column), as it follows "UBND" or "Chủ tịch UBND":
# a ward's committee is "UBND phường", never "UBND xã". Centrally-run cities are "thành phố".
TYPE_WORDS = {
    "Xã": _("xã"),
    "Phường": _("phường"),
    "Thị trấn": _("thị trấn"),
    "Đặc khu": _("đặc khu"),
    "Huyện": _("huyện"),
    "Quận": _("quận"),
    "Thị xã": _("thị xã"),
    "Thành phố": _("thành phố"),
    "Tỉnh": _("tỉnh"),
    "Thành phố Trung ương": _("thành phố"),
}
# A unit of a type the lists do not have yet is named by its level.
LEVEL_WORDS = {"province": _("tỉnh"), "district": _("huyện"), "commune": _("xã")}


class AdminUnit(models.Model):
    list_version = models.PositiveSmallIntegerField("danh mục", choices=UnitList.choices)
    code = models.CharField("mã", max_length=5)
    name = models.CharField("tên", max_length=120)
    name_folded = models.CharField("tên không dấu", max_length=120, editable=False)
    unit_type = models.CharField("loại", max_length=40)
    level = models.CharField("cấp", max_length=10, choices=UnitLevel.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name="đơn vị cấp trên"
    )
    # Materialised path "2026/38/14797": the subtree of a unit is one indexed prefix query, at any depth.
    path = models.CharField(max_length=40, editable=False)

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["list_version", "code"]
        constraints = [
            models.UniqueConstraint(fields=["list_version", "code"], name="unit_unique_list_code"),
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True)
                | (~models.Q(level="province") & models.Q(parent__isnull=False)),
                name="unit_parent_iff_not_province",
            ),
        ]
        indexes = [
            models.Index(fields=["path"], name="unit_path_idx", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["list_version", "name_folded"], name="unit_name_folded_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # Derived columns, not workflow: kept in step with the row they describe.
        self.name_folded = fold(self.name)
        self.path = (
            f"{self.parent.path}/{self.code}" if self.parent_id and self.parent else f"{self.list_version}/{self.code}"
        )
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def key(self) -> str:
        """The way units are written on the command line and in files: LIST:CODE, e.g. 2026:14797."""
        return f"{self.list_version}:{self.code}"

    @property
    def type_word(self) -> str:
        """ "phường", "xã", "đặc khu", "thị trấn", "huyện", "tỉnh", "thành phố"…: what the unit is, in lower case."""
        return str(TYPE_WORDS.get(self.unit_type) or LEVEL_WORDS.get(self.level, _("xã")))

    @property
    def committee_name(self) -> str:
        """The unit's people's committee as the forms write it: "UBND phường", "UBND xã", "UBND đặc khu"."""
        return gettext("UBND %(type)s") % {"type": self.type_word}

    @property
    def chair_title(self) -> str:
        """Its chair: "Chủ tịch UBND phường" for a ward; the one helper every page and PDF uses for this title."""
        return gettext("Chủ tịch UBND %(type)s") % {"type": self.type_word}

    def contains(self, other: AdminUnit) -> bool:
        """Is `other` this unit or inside it?"""
        return other.path == self.path or other.path.startswith(self.path + "/")

    def ancestors(self) -> list[AdminUnit]:
        """From the province down to the parent of this unit."""
        chain: list[AdminUnit] = []
        unit = self.parent
        while unit is not None:
            chain.append(unit)
            unit = unit.parent
        return list(reversed(chain))


class SuccessionKind(models.TextChoices):
    WHOLE = "whole", _("Toàn bộ")  # the whole old unit became (part of) the new one
    PART = "part", _("Một phần")  # the old unit was split: a part of it went to the new one


class UnitSuccession(models.Model):
    """A line of the crosswalk between lists (docs/law.md#the-2025-reform): an old unit (a 2024 commune, or a 2025
    commune) and a unit of a later list that took it over, whole or in part. An old commune with one WHOLE line has
    one successor; one with PART lines was split, and its records wait for a person to say where each goes."""

    old = models.ForeignKey(AdminUnit, models.CASCADE, related_name="successions", verbose_name="đơn vị cũ")
    new = models.ForeignKey(AdminUnit, models.CASCADE, related_name="predecessions", verbose_name="đơn vị mới")
    kind = models.CharField("sáp nhập", max_length=10, choices=SuccessionKind.choices)
    source = models.CharField("nguồn", max_length=255, blank=True)

    class Meta:
        verbose_name = "đơn vị kế thừa"
        verbose_name_plural = "đơn vị kế thừa"
        ordering = ["old", "new"]
        constraints = [models.UniqueConstraint(fields=["old", "new"], name="succession_unique_pair")]
        indexes = [models.Index(fields=["new", "old"], name="succession_new_idx")]

    def __str__(self) -> str:
        return f"{self.old} → {self.new}"
