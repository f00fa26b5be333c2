"""Reads of administrative units. Units are public data, but every read still comes through here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404
from django.utils.translation import gettext

from childprotect.text import fold

from .models import AdminUnit, SuccessionKind, UnitLevel, UnitSuccession


def unit_get_by_key(key: str) -> AdminUnit:
    """A unit from its written form LIST:CODE (e.g. 2026:14797); ValueError with a Vietnamese message otherwise."""
    list_part, sep, code = key.partition(":")
    if not sep or not list_part.isdigit() or not code.isdigit():
        raise ValueError(f"Đơn vị '{key}' phải viết dạng DANHMỤC:MÃ, ví dụ 2026:14797.")
    unit = AdminUnit.objects.select_related("parent").filter(list_version=int(list_part), code=code).first()
    if unit is None:
        raise ValueError(f"Không có đơn vị mã {code} trong danh mục {list_part}.")
    return unit


def unit_get(pk: int) -> AdminUnit:
    unit = AdminUnit.objects.select_related("parent__parent").filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def unit_subtree(unit: AdminUnit) -> QuerySet[AdminUnit]:
    """The unit and everything below it, at any depth (one indexed prefix query on the materialised path)."""
    return AdminUnit.objects.filter(Q(pk=unit.pk) | Q(path__startswith=unit.path + "/"))


def units_search(query: str = "", *, list_version: int | None = None, level: str | None = None) -> QuerySet[AdminUnit]:
    """Search by name ignoring accents and tone-mark style ("hoa" = "Hòa" = "Hoà"), or by code.

    Every word of the query must appear in the name. Names that begin with the query, once their type prefix
    ("Phường", "Xã", ...) is set aside, rank first: "hoa" lists "Phường Hòa Khánh" before "Xã Thái Hòa".
    """
    qs = AdminUnit.objects.select_related("parent")
    qs = qs.filter(list_version=list_version or settings.CHILDPROTECT_CURRENT_UNIT_LIST)
    if level:
        qs = qs.filter(level=level)
    folded = fold(query)
    if not folded:
        return qs.order_by("path")
    qs = units_matching(qs, folded)
    if folded.isdigit():
        return qs.order_by("code")
    # Rank: the name (after its type prefix) starts with the query, then the shorter names, then by code.
    starts = [When(name_folded__startswith=f"{prefix} {folded}", then=Value(0)) for prefix in _TYPE_PREFIXES]
    return qs.annotate(
        rank=Case(
            *starts, When(name_folded__startswith=folded, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("rank", "level", "name_folded")


def units_matching(qs: QuerySet[AdminUnit], query: str) -> QuerySet[AdminUnit]:
    """Narrow `qs` to the units whose code starts with the query, or whose name has every word of it (no accents)."""
    folded = fold(query)
    if folded.isdigit():
        return qs.filter(code__startswith=folded)
    for word in folded.split():
        qs = qs.filter(name_folded__contains=word)
    return qs


_TYPE_PREFIXES = ["tinh", "thanh pho", "huyen", "quan", "thi xa", "xa", "phuong", "thi tran", "dac khu"]


# --- The crosswalk between lists (docs/law.md#the-2025-reform) ------------------------------------------------------
#
# A line of `UnitSuccession` goes from a unit of an older list to one of a later list; a 2024 commune may reach the
# current list in one line or in two (2024 → 2025 → 2026), so every read below follows the lines twice.


def unit_reach(unit: AdminUnit) -> QuerySet[AdminUnit]:
    """The units whose records a person of `unit` reaches by place: its subtree, and the old units it took over.

    A commune takes over the old communes that became it whole; a unit above communes (a province) also the old
    communes split between its communes and others, whose records its supervisors decide on. A unit of an old list
    has no predecessor: a 2024 district keeps its 2024 subtree. One query (the crosswalk in subqueries).
    """
    if unit.level == UnitLevel.COMMUNE:
        into = Q(new=unit, kind=SuccessionKind.WHOLE)
        lines = UnitSuccession.objects.filter(
            into | Q(new__in=UnitSuccession.objects.filter(into).values("old"), kind=SuccessionKind.WHOLE)
        )
        return AdminUnit.objects.filter(Q(pk=unit.pk) | Q(pk__in=lines.values("old")))
    into = Q(new=unit) | Q(new__path__startswith=unit.path + "/")
    lines = UnitSuccession.objects.filter(into | Q(new__in=UnitSuccession.objects.filter(into).values("old")))
    return AdminUnit.objects.filter(Q(pk=unit.pk) | Q(path__startswith=unit.path + "/") | Q(pk__in=lines.values("old")))


@dataclass(frozen=True)
class Successors:
    """Where an old unit went in the current list: one commune that took it whole, or the communes it was split
    between (`whole` False: a person decides, docs/law.md#the-2025-reform)."""

    old: AdminUnit
    units: tuple[AdminUnit, ...]
    whole: bool

    @property
    def successor(self) -> AdminUnit | None:
        """The one commune that took the old one over whole; None for a split."""
        return self.units[0] if self.whole and len(self.units) == 1 else None

    def label(self) -> str:
        """ "Phường Hạc Thành (trước đây: Phường Đông Sơn)"; a split: "Phường Quảng Thắng (đã chia tách, cần quyết
        định)"."""
        if self.successor is not None:
            return gettext("%(new)s (trước đây: %(old)s)") % {"new": self.successor.name, "old": self.old.name}
        return gettext("%(old)s (đã chia tách, cần quyết định)") % {"old": self.old.name}


def successors_of(unit_ids: Iterable[int]) -> dict[int, Successors]:
    """The current-list successors of the old units among `unit_ids` (units of the current list, or with no line,
    have no entry). One query, none when `unit_ids` is empty."""
    ids = set(unit_ids)
    if not ids:
        return {}
    current = settings.CHILDPROTECT_CURRENT_UNIT_LIST
    lines = list(
        UnitSuccession.objects.filter(
            Q(old_id__in=ids) | Q(old__in=UnitSuccession.objects.filter(old_id__in=ids).values("new"))
        ).select_related("old", "new__parent")
    )
    out_of: dict[int, list[UnitSuccession]] = {}
    for line in lines:
        out_of.setdefault(line.old_id, []).append(line)
    found: dict[int, Successors] = {}
    for pk in ids:
        first = out_of.get(pk)
        if not first:
            continue
        units: dict[int, AdminUnit] = {}
        whole = True
        for line in first:
            whole = whole and line.kind == SuccessionKind.WHOLE
            further = out_of.get(line.new_id, []) if line.new.list_version != current else []
            for step in further:
                whole = whole and step.kind == SuccessionKind.WHOLE
                if step.new.list_version == current:
                    units[step.new_id] = step.new
            if line.new.list_version == current:
                units[line.new_id] = line.new
        if units:
            ordered = tuple(sorted(units.values(), key=lambda u: u.name_folded))
            found[pk] = Successors(first[0].old, ordered, whole and len(ordered) == 1)
    return found


def old_unit_ids(units: Iterable[AdminUnit]) -> list[int]:
    """The ids of the units not of the current list (no query): the ones `successors_of` may know."""
    current = settings.CHILDPROTECT_CURRENT_UNIT_LIST
    return [u.pk for u in units if u.list_version != current]
