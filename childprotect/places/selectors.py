"""Reads of administrative units. Units are public data, but every read still comes through here."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from childprotect.text import fold

from .models import AdminUnit


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
