"""Bulk actions on the cases ticked in the cases list: reassign the officer in charge, flag, export.

A POST of the selection shows a preview of what each case will become (officer X → Y, flag added) with a one-time
token; confirming it runs each case through its own service call (its own transaction, timeline step where the
workflow keeps one, and audit entry). A case that left the user's reach, or changed, between the preview and the
confirmation is skipped and listed with the reason; nothing else changes. Export needs no preview: it changes
nothing, and goes to the list's export with the selection (`ids`). See docs/architecture.md#bulk-actions.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_flag_cases, can_reassign_cases, can_use_registry
from childprotect.core.once import claim_once
from childprotect.http import AuthenticatedRequest

from . import selectors, services
from .forms import CASE_FILTER_KEYS, CaseBulkForm
from .models import FlagKind


def _back(request: AuthenticatedRequest) -> str:
    """The list the selection was made on, with its filters and page (only the list's own keys)."""
    given = QueryDict(request.POST.get("list_query", "")[:2000])
    kept = [(k, v) for k in (*CASE_FILTER_KEYS, "page") for v in given.getlist(k)[:1]]
    return reverse("cases:case_list") + (f"?{urlencode(kept)}" if kept else "")


@login_required
@require_POST
def case_bulk(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    if not can_use_registry(user):
        raise Http404
    actions = ["export"]
    if can_reassign_cases(user):
        actions.insert(0, "reassign")
    if can_flag_cases(user):
        actions.insert(-1, "flag")
    officers = selectors.officers_in_reach(user) if can_reassign_cases(user) else User.objects.none()
    form = CaseBulkForm(request.POST, officers=officers, actions=actions)
    back = _back(request)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    action, picked = form.cleaned_data["action"], form.selection()
    if action == "export":
        fmt = form.cleaned_data.get("export_format") or "xlsx"
        query = urlencode({"format": fmt, "ids": ",".join(str(pk) for pk in picked)})
        return redirect(reverse("cases:case_export") + f"?{query}")
    officer, kind = form.cleaned_data.get("officer"), form.cleaned_data.get("kind") or ""
    note, reason = form.cleaned_data.get("note", ""), form.cleaned_data.get("reason", "")
    if request.POST.get("confirm") == "1":
        if not claim_once(request, url=back):
            messages.info(request, _("Thao tác này đã được thực hiện trước đó; không hồ sơ nào bị thay đổi thêm."))
            return redirect(back)
        if action == "reassign" and officer is not None:
            moved = services.case_reassign_many(actor=user, cases=form.versions(), officer=officer, reason=reason)
            done, refused = moved.moved, moved.refused
        else:
            flagged = services.case_flag_many(actor=user, cases=form.versions(), kind=kind, note=note)
            done, refused = flagged.flagged, flagged.refused
        return render(
            request,
            "cases/case_bulk_done.html",
            {"action": action, "done": done, "refused": refused, "back": back, "officer": officer, "kind": kind},
        )
    found = {
        c.pk: c
        for c in selectors.cases_visible_to(user)
        .filter(pk__in=picked)
        .select_related("child", "unit", "officer")
        .prefetch_related("flags")
    }
    rows: list[dict[str, Any]] = []
    for pk in picked:
        case = found.get(pk)
        if case is None:
            rows.append({"pk": pk, "case": None, "why": _("Không tìm thấy hồ sơ trong địa bàn bạn phụ trách.")})
            continue
        why = ""
        if action == "flag" and any(f.kind == kind and f.cleared_at is None for f in case.flags.all()):
            why = _("Hồ sơ đã mang đánh dấu này.")
        if action == "reassign" and officer is not None and case.officer_id == officer.pk:
            why = _("Cán bộ này đang phụ trách hồ sơ.")
        rows.append({"pk": pk, "case": case, "why": why})
    return render(
        request,
        "cases/case_bulk_preview.html",
        {
            "form": form,
            "action": action,
            "rows": rows,
            "officer": officer,
            "kind": kind,
            "kind_label": FlagKind(kind).label if kind else "",
            "note": note,
            "reason": reason,
            "list_query": request.POST.get("list_query", "")[:2000],
            "back": back,
        },
    )
