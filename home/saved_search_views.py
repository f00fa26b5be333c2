"""Saved searches' pages: save a list's filters from the list ("Lưu bộ lọc này"), and the small page to rename or
delete them. The home page shows them with their counts (home/saved_searches.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from childprotect.core.models import SAVED_SEARCH_CAP, SavedSearch
from childprotect.core.saved_searches import saved_search_delete, saved_search_rename, saved_search_save
from childprotect.http import AuthenticatedRequest
from home.saved_searches import LISTS, kept_query, list_url, saved_search_rows


@login_required
def saved_search_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "home/saved_searches.html",
        {"rows": saved_search_rows(request.user), "cap": SAVED_SEARCH_CAP},
    )


@login_required
@require_POST
def saved_search_create(request: AuthenticatedRequest) -> HttpResponse:
    """Save the list's filters (`list`, `list_query`: the list page's query string) under `name`."""
    list_name = request.POST.get("list", "")
    spec = LISTS.get(list_name)
    if spec is None or not spec.allowed(request.user):
        raise Http404
    query = kept_query(list_name, QueryDict(request.POST.get("list_query", "")[:2000]))
    back = reverse(spec.url)
    try:
        search = saved_search_save(
            actor=request.user, name=request.POST.get("name", ""), list_name=list_name, query=query
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        given = request.POST.get("list_query", "")[:2000]
        return redirect(back + (f"?{given}" if given else ""))
    messages.success(request, _("Đã lưu bộ lọc “%(name)s”; trang chủ hiện số hồ sơ của nó.") % {"name": search.name})
    return redirect(list_url(search))


@login_required
@require_POST
def saved_search_edit(request: AuthenticatedRequest) -> HttpResponse:
    """Rename (`name`) or delete (`delete=1`) one of the user's saved searches (`search`: its id); another user's
    search, or none, is a 404."""
    raw = request.POST.get("search", "")
    search = (
        SavedSearch.objects.filter(pk=int(raw), user=request.user).first() if raw.isdigit() and len(raw) < 18 else None
    )
    if search is None:
        raise Http404
    try:
        if request.POST.get("delete") == "1":
            saved_search_delete(actor=request.user, search=search)
            messages.success(request, _("Đã xoá bộ lọc “%(name)s”.") % {"name": search.name})
        else:
            saved_search_rename(actor=request.user, search=search, name=request.POST.get("name", ""))
            messages.success(request, _("Đã đổi tên bộ lọc thành “%(name)s”.") % {"name": search.name})
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("saved_searches")
