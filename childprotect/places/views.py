from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from .models import UnitLevel, UnitList
from .selectors import unit_get, unit_subtree, units_search


def _list_version(request: HttpRequest) -> int | None:
    value = request.GET.get("list", "")
    return int(value) if value.isdigit() and int(value) in UnitList.values else None


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    level = request.GET.get("level") if request.GET.get("level") in UnitLevel.values else None
    list_version = _list_version(request)
    units = units_search(query, list_version=list_version, level=level)
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "places/unit_list.html",
        {
            "page": page,
            "query": query,
            "level": level,
            "levels": UnitLevel.choices,
            "list_version": list_version,
            "lists": UnitList.choices,
        },
    )


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = unit_get(pk)
    children = Paginator(unit.children.order_by("code"), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "places/unit_detail.html",
        {
            "unit": unit,
            "ancestors": unit.ancestors(),
            "children": children,
            "subtree_size": unit_subtree(unit).count() - 1,
        },
    )


@login_required
def unit_search_json(request: HttpRequest) -> JsonResponse:
    """For the unit pickers of forms: up to 20 matches as {id, key, name, parent}."""
    level = request.GET.get("level") if request.GET.get("level") in UnitLevel.values else None
    units = units_search(request.GET.get("q", "")[:100], list_version=_list_version(request), level=level)[:20]
    return JsonResponse(
        {
            "results": [
                {"id": u.pk, "key": u.key, "name": u.name, "parent": u.parent.name if u.parent else ""} for u in units
            ]
        }
    )
