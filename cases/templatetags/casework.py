"""Presenting a timeline step: the action's label and its record with the form's labels."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import template

from cases.documents import DecisionKind, kinds_for_step
from cases.models import CaseStep, RiskLevel
from cases.workflow import BY_ACTION, TRANSITIONS
from childprotect.workflow import event_label

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

register = template.Library()

# Lazy labels, made text when a step is shown: the language is the request's, not the one this module was loaded in.
CHOICE_FIELDS: dict[str, dict[str, StrOrPromise]] = {}
LABELS: dict[str, StrOrPromise] = {
    "activities": "Các hoạt động",
    "from_unit": "Xã, phường chuyển đi",
    "plan_number": "Kế hoạch số",
    "previous_officer": "Cán bộ phụ trách trước",
    "report": "Thông tin",
    "separation_until": "Cách ly đến ngày",
    # A review recorded before Mẫu 06's criteria were kept (cases/models/casework.py Review).
    "harm_level": "Mức độ tổn hại hiện tại",
    "abuser_has_access": "Người xâm hại còn tiếp cận được trẻ",
}
CHOICE_FIELDS["harm_level"] = dict(RiskLevel.choices)
for form_class in dict.fromkeys(t.form for t in TRANSITIONS):
    for name, field in form_class.base_fields.items():
        LABELS.setdefault(name, field.label or name)
        if hasattr(field, "choices"):
            CHOICE_FIELDS.setdefault(name, {str(k): v for k, v in field.choices})


@register.filter
def action_label(step: CaseStep) -> str:
    return event_label(BY_ACTION, step.action, ("open", "Mở hồ sơ"))


def _show(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if value in (None, ""):
        return "—"
    if name in CHOICE_FIELDS:
        return str(CHOICE_FIELDS[name].get(str(value), str(value)))
    if name == "activities" and isinstance(value, list):
        return "\n".join(
            f"• {row.get('activity')}: {row.get('responsible')}, {row.get('start')}–{row.get('end')}" for row in value
        )
    return str(value)


# What a step's record keeps beside the form's values, shown on its own line (not as a value of the form).
NOT_SHOWN = {"offline"}


@register.filter
def record_items(step: CaseStep) -> list[tuple[str, str]]:
    return [
        (str(LABELS.get(name, name)), _show(name, value))
        for name, value in (step.record or {}).items()
        if name not in NOT_SHOWN
    ]


@register.filter
def offline_times(step: CaseStep) -> tuple[dt.datetime, dt.datetime] | None:
    """(recorded, synced) of a step recorded in the offline field app (cases.services.casework `_offline`)."""
    offline = (step.record or {}).get("offline") if isinstance(step, CaseStep) else None
    if not isinstance(offline, dict):
        return None
    try:
        return dt.datetime.fromisoformat(offline["recorded_at"]), dt.datetime.fromisoformat(offline["synced_at"])
    except (KeyError, TypeError, ValueError):
        return None


@register.filter
def decision_kinds(step: CaseStep) -> list[DecisionKind]:
    """The chair's decisions a timeline step prints (cases/documents.py), for its links; no query."""
    return kinds_for_step(step) if isinstance(step, CaseStep) else []
