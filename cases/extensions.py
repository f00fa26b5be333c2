"""What the apps above `cases` add to the case page, registered from their `AppConfig.ready()`.

`cases` imports no app above it (docs/architecture.md#floors); the case page still shows the case's referrals and sends
a partner to the referral that lets them see the case. `referrals` fills both in here when it is installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404

from childprotect.accounts.models import User

from .models import Case

# (user, case) -> what the part adds to the case page's context; a part may replace "timeline".
CasePagePart = Callable[[User, Case], dict[str, Any]]
# (partner, case id) -> the URL of the page through which the partner sees the case; Http404 when there is none.
PartnerRoute = Callable[[User, int], str]

_PARTS: dict[str, CasePagePart] = {}
_PARTNER_ROUTES: dict[str, PartnerRoute] = {}


def case_page_part_register(name: str, part: CasePagePart) -> None:
    _PARTS[name] = part


def partner_route_register(name: str, route: PartnerRoute) -> None:
    _PARTNER_ROUTES[name] = route


def case_page_parts(user: User, case: Case) -> dict[str, Any]:
    """The case page's context from the apps above: the timeline (the case's own events unless a part adds more)."""
    context: dict[str, Any] = {}
    for part in _PARTS.values():
        context |= part(user, case)
    if "timeline" not in context:
        context["timeline"] = list(case.steps.select_related("actor"))
    return context


def partner_case_url(user: User, case_pk: int) -> str:
    """Where a partner is sent for a case: the first registered route that knows one; 404 when none does."""
    for route in _PARTNER_ROUTES.values():
        try:
            return route(user, case_pk)
        except Http404:
            continue
    raise Http404
