from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases.selectors import (
    cases_to_reassign,
    cases_to_rehome,
    cases_visible_to,
    deadlines_due_for,
    inbox_for,
    reports_to_take_over,
    reports_visible_to,
    transfers_incoming_count,
)
from childprotect.accounts.models import Role
from childprotect.accounts.policy import (
    acts_for_agency,
    can_handle_cases,
    can_oversee_area,
    can_reassign_cases,
    can_rehome_cases,
    can_see_caseload,
    can_transfer_cases,
    works_for_commune,
)
from childprotect.accounts.selectors import jurisdiction_units
from childprotect.db_router import reading_from_replica
from childprotect.health.selectors import health_problems_for
from childprotect.http import AuthenticatedRequest
from childprotect.pdf import ascii_filename
from childprotect.places.models import UnitLevel
from childprotect.workdays.calendar import WorkCalendar
from home import caseload, dashboard
from home.saved_searches import saved_search_rows
from home.selectors import first_and_count, my_work
from referrals.selectors import referrals_to_take_over

HOME_TEMPLATES: dict[str, str] = {
    Role.COMMUNE_OFFICER: "home/home_commune.html",
    Role.COMMUNE_CHAIR: "home/home_commune.html",
    Role.SUPERVISOR: "home/home_supervisor.html",
    Role.PARTNER: "home/home_partner.html",
    Role.ADMIN: "home/home_admin.html",
}


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    today, now = timezone.localdate(), timezone.now()
    calendar = WorkCalendar()
    context: dict[str, object] = {
        "today": {
            "date": today,
            "is_working_day": calendar.is_working_day(today),
            "plan_due": calendar.add_working_days(today, settings.CHILDPROTECT_PLAN_WORKING_DAYS),
        },
        "now": now,
        "my_work": my_work(user),
        # The deadline scan stopped, no worker, a queue growing: administrators and supervisors only.
        "health_problems": health_problems_for(user),
        # Each saved search with its count now, through its list's form and selector (home/saved_searches.py).
        "saved_searches": saved_search_rows(user),
    }
    if can_handle_cases(user):
        inbox = inbox_for(user).prefetch_related("abuse_forms")
        context["inbox"], context["inbox_count"] = first_and_count(inbox, 10)
        # Everything due in the next 24 hours, not "today": a 12-hour limit from 16:50 ends at 04:50 tomorrow.
        hours = settings.CHILDPROTECT_DUE_SOON_HOURS
        due = deadlines_due_for(user, now + dt.timedelta(hours=hours))
        (context["due"], context["due_count"]), context["due_hours"] = first_and_count(due, 15), hours
    if works_for_commune(user):
        context["states"] = [row for row in dashboard.state_counts(cases_visible_to(user), now) if row.total]
        waiting = dashboard.referrals_waiting(user).select_related("agency")
        context["waiting"], context["waiting_count"] = first_and_count(waiting, 10)
    if can_reassign_cases(user):
        # Open cases whose officer left (deactivated, or no longer an officer of the case's commune).
        departed = cases_to_reassign(user, departed=True)
        context["departed"], context["departed_count"] = first_and_count(departed, 10)
        # Their open referrals (they follow the case; drafts whose writer left) and reports still at intake.
        referrals = referrals_to_take_over(user)
        context["departed_referrals"], context["departed_referrals_count"] = first_and_count(referrals, 10)
        reports = reports_to_take_over(user)
        context["departed_reports"], context["departed_reports_count"] = first_and_count(reports, 10)
    if can_transfer_cases(user):
        # Requests of other communes to take a case, waiting for an answer from the user's communes.
        context["transfers_incoming"] = transfers_incoming_count(user)
    if can_rehome_cases(user):
        context["rehome_count"] = cases_to_rehome(user).count()  # filed under an old-list commune: to move
    if can_oversee_area(user):
        # The communes of the current area (not the old ones it took over, also in its reach).
        version = user.unit.list_version if user.unit else settings.CHILDPROTECT_CURRENT_UNIT_LIST
        communes = jurisdiction_units(user).filter(level=UnitLevel.COMMUNE, list_version=version)
        context["communes_count"] = communes.count()
        with reading_from_replica(user.pk):  # the heavy counts of the whole area; the user's own work is above
            area = dashboard.area_view(user, now, today)
        context["area"], context["chart_data"] = area, area.chart_data
        context["caseload"] = area.caseload
    if acts_for_agency(user):
        context["logged"] = (
            reports_visible_to(user).select_related("incident_unit").prefetch_related("abuse_forms")[:10]
        )
    return render(request, HOME_TEMPLATES.get(user.role, "home/home_admin.html"), context)


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _caseload_for(request: AuthenticatedRequest) -> caseload.Caseload:
    """The caseload figures of the period asked for, in the user's reach (404 for who may not see them)."""
    user = request.user
    if not can_see_caseload(user):
        raise Http404
    today, now = timezone.localdate(), timezone.now()
    period = caseload.period_from(request.GET.get("period"), today)
    with reading_from_replica(user.pk):
        return caseload.caseload_figures(user, now, period)


def _reach_name(request: AuthenticatedRequest) -> str:
    """What the figures cover: the user's unit (a supervisor's area, a chair's commune), the country (an
    administrator's)."""
    user = request.user
    return user.unit.name if user.unit and not user.is_administrator else _("Toàn quốc")


@login_required
@require_safe
def caseload_page(request: AuthenticatedRequest) -> HttpResponse:
    """Every commune and officer in reach: open cases, overdue, the median days to the plan, its approval, the
    closure, the reopen rate, over a period (home/caseload.py)."""
    figures = _caseload_for(request)
    context = {
        "caseload": figures,
        "reach": _reach_name(request),
        "periods": caseload.period_choices(timezone.localdate()),
        "now": timezone.now(),
    }
    return render(request, "home/caseload.html", context)


@login_required
@require_safe
def caseload_xlsx(request: AuthenticatedRequest) -> HttpResponse:
    """The caseload page's figures as a spreadsheet (made now; an audit entry says who took them)."""
    figures = _caseload_for(request)
    user = request.user
    data = caseload.caseload_xlsx_bytes(figures, reach=_reach_name(request), at=timezone.now())
    caseload.caseload_export_record(actor=user, caseload=figures)
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    name = ascii_filename(f"khoi-luong-cong-viec-{figures.period.key}.xlsx", default="khoi-luong-cong-viec.xlsx")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
