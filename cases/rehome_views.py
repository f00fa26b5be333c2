"""Re-homing: a supervisor moves the open cases filed under an old-list commune to the current-list commune that took
it over (the crosswalk, docs/law.md#the-2025-reform), after a preview. Each case moves by the workflow's `rehome`
step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from childprotect.accounts.policy import can_rehome_cases
from childprotect.http import AuthenticatedRequest
from childprotect.places.selectors import successors_of

from . import selectors, services
from .casework_forms import BulkRehomeForm

REHOME_LIMIT = 200  # cases listed at once (the next ones show once these have moved)


@login_required
def case_rehome(request: AuthenticatedRequest) -> HttpResponse:
    """The preview (GET): each open case of an old-list commune in reach with its proposed commune, or a choice among
    the communes a split one went to; confirming (POST) moves the cases picked, each in its own transaction."""
    if not can_rehome_cases(request.user):
        raise PermissionDenied
    form = BulkRehomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        choices = [services.RehomeChoice(case, unit, version) for case, unit, version in form.choices()]
        result = services.case_rehome_many(actor=request.user, choices=choices)
        if result.moved:
            messages.success(request, _("Đã chuyển %(n)d hồ sơ sang đơn vị hành chính mới.") % {"n": len(result.moved)})
        if result.refused:
            messages.error(request, _("%(n)d hồ sơ không chuyển được:") % {"n": len(result.refused)})
        for pk, why in result.refused:
            messages.error(request, _("Hồ sơ số %(pk)d: %(why)s") % {"pk": pk, "why": why})
        return redirect(request.get_full_path())
    cases = selectors.cases_to_rehome(request.user)
    shown = list(cases[:REHOME_LIMIT])
    successors = successors_of({c.unit_id for c in shown})
    rows = [(c, successors.get(c.unit_id)) for c in shown]
    return render(
        request,
        "cases/case_rehome.html",
        {
            "form": form,
            "rows": rows,
            "proposed": [c.pk for c, s in rows if s is not None and s.successor is not None],
            "count": len(shown) if len(shown) < REHOME_LIMIT else cases.count(),
            "limit": REHOME_LIMIT,
        },
    )
