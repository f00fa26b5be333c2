"""Presenting a referral's history: each event by the step of referrals/workflow.py it records."""

from __future__ import annotations

from django import template

from childprotect import workflow
from childprotect.accounts.models import User
from childprotect.accounts.policy import acts_for_agency
from referrals.models import ReferralEvent
from referrals.workflow import BY_ACTION, Transition, owners

register = template.Library()


@register.filter
def event_label(event: ReferralEvent) -> str:
    return workflow.event_label(BY_ACTION, event.action, ("create", "Lập dự thảo chuyển tuyến"))


def _on_behalf(step: Transition, user: User) -> bool:
    """Commune staff taking an agency's step only record the agency's answer (referrals/workflow.py `owners`)."""
    return not acts_for_agency(user) and user.role not in owners(step)


@register.filter
def own_steps(steps: list[Transition], user: User) -> list[Transition]:
    """The steps that are the user's own (the partner's answers; the commune's sending, editing, withdrawing)."""
    return [s for s in steps if not _on_behalf(s, user)]


@register.filter
def on_behalf_steps(steps: list[Transition], user: User) -> list[Transition]:
    """The agency's steps the commune may record for it when the answer came on paper (never primary)."""
    return [s for s in steps if _on_behalf(s, user)]


@register.filter
def is_on_behalf(step: Transition, user: User) -> bool:
    return _on_behalf(step, user)
