from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cases.selectors import cases_visible_to, deadlines_due_for, inbox_for, reports_visible_to
from childprotect.accounts.models import Role
from childprotect.accounts.selectors import jurisdiction_units
from childprotect.core import dashboard
from childprotect.http import AuthenticatedRequest
from childprotect.places.models import UnitLevel
from childprotect.workdays.calendar import WorkCalendar
from referrals.selectors import ReferralFilters, referrals_list
from referrals.workflow import OPEN

HOME_TEMPLATES: dict[str, str] = {
    Role.COMMUNE_OFFICER: "core/home_commune.html",
    Role.COMMUNE_CHAIR: "core/home_commune.html",
    Role.SUPERVISOR: "core/home_supervisor.html",
    Role.PARTNER: "core/home_partner.html",
    Role.ADMIN: "core/home_admin.html",
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
    }
    if user.role in (Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR, Role.SUPERVISOR):
        inbox = inbox_for(user).prefetch_related("abuse_forms")
        context["inbox"], context["inbox_count"] = inbox[:10], inbox.count()
        end_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time.max), timezone.get_default_timezone())
        due = deadlines_due_for(user, end_of_today)
        context["due"], context["due_count"] = due[:15], due.count()
    if user.role in (Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR):
        context["states"] = [row for row in dashboard.state_counts(cases_visible_to(user), now) if row.total]
        waiting = dashboard.referrals_waiting(user).select_related("agency")
        context["waiting"], context["waiting_count"] = waiting[:10], waiting.count()
    if user.role == Role.COMMUNE_CHAIR:
        decisions = dashboard.chair_decisions(user)
        context["decisions"] = dashboard.with_decision(list(decisions[:15]))
        context["decisions_count"] = decisions.count()
        context["to_sign"] = list(dashboard.reports_to_sign(user))
    if user.role == Role.SUPERVISOR:
        context["communes_count"] = jurisdiction_units(user).filter(level=UnitLevel.COMMUNE).count()
        area = dashboard.area_view(user, now, today)
        context["area"], context["chart_data"] = area, area.chart_data
    if user.role == Role.PARTNER:
        waiting = (
            referrals_list(user, ReferralFilters())
            .filter(status__in=OPEN)
            .order_by(F("response_due").asc(nulls_last=True), "-created_at", "-id")
        )
        context["referrals"], context["referrals_count"] = waiting[:15], waiting.count()
        context["logged"] = (
            reports_visible_to(user).select_related("incident_unit").prefetch_related("abuse_forms")[:10]
        )
    return render(request, HOME_TEMPLATES.get(user.role, "core/home_admin.html"), context)
