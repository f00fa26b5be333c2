"""Presenting a referral's history: each event by the step of referrals/workflow.py it records."""

from __future__ import annotations

from django import template

from referrals.models import ReferralEvent
from referrals.workflow import BY_ACTION

register = template.Library()


@register.filter
def event_label(event: ReferralEvent) -> str:
    if event.action == "create":
        return "Lập dự thảo chuyển tuyến"
    step = BY_ACTION.get(event.action)
    return step.label if step else event.action
