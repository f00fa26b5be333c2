"""A report sent by another system, or by the product's own field app, with its children (docs/api.md#intake).

`report_intake` is one transaction through the services a typed report goes through (cases.services.intake): the
report routed to the incident's commune and that commune notified (`report_receive`), each child registered and
attached, opening their case with its clocks from the time received (`report_register_child`). The first webhook
event (`report.received`) is written right after the report, before the children's `case.opened`, so that the
sender hears of them in that order (api/events.py). A rule a service refuses rolls everything back and comes out as
a 400 whose pointer names the field of the body (/incident/commune, /children/1/date_of_birth).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework import serializers

from cases.models import Child, Report
from cases.services import ChildData, ReportData, child_register, report_receive, report_register_child
from childprotect.accounts.models import User
from childprotect.accounts.policy import can_register_child, is_system_account

from .errors import django_detail
from .events import EventKind, record_event

# Where each field of ReportData is in the body.
REPORT_POINTERS: dict[str, tuple[str, ...]] = {
    "received_at": ("received_at",),
    "channel": ("channel",),
    "report_type": ("report_type",),
    "forms": ("forms",),
    "incident_unit": ("incident", "commune"),
    "incident_date": ("incident", "date"),
    "incident_place": ("incident", "place"),
    "description": ("incident", "description"),
    "environment": ("incident", "environment"),
    "injury": ("incident", "injury"),
    "ongoing_danger": ("incident", "ongoing_danger"),
    "carer_is_perpetrator": ("incident", "carer_is_perpetrator"),
    "reporter_anonymous": ("reporter", "anonymous"),
    "reporter_name": ("reporter", "name"),
    "reporter_phone": ("reporter", "phone"),
    "reporter_address": ("reporter", "address"),
    "reporter_relation": ("reporter", "relation"),
    "child_age_estimate": ("situation", "age_estimate"),
    "child_condition": ("situation", "condition"),
    "likely_consequences": ("situation", "likely_consequences"),
    "father_name": ("situation", "father", "name"),
    "father_age": ("situation", "father", "age"),
    "father_occupation": ("situation", "father", "occupation"),
    "mother_name": ("situation", "mother", "name"),
    "mother_age": ("situation", "mother", "age"),
    "mother_occupation": ("situation", "mother", "occupation"),
    "family_situation": ("situation", "family_situation"),
    "current_carer": ("situation", "current_carer"),
    "prior_actions": ("situation", "prior_actions"),
}
CHILD_NAMES = {"residence_unit": "residence_commune"}


def _nest(detail: dict[Any, Any], path: tuple[Any, ...], messages: list[str]) -> None:
    for part in path[:-1]:
        detail = detail.setdefault(part, {})
    detail.setdefault(path[-1], []).extend(messages)


def _refused(exc: ValidationError, where: Any) -> serializers.ValidationError:
    """The service's errors at their pointers: `where(field)` is the path of a field in the body."""
    found = django_detail(exc)
    detail: dict[Any, Any] = {}
    for field, messages in found.items() if isinstance(found, dict) else [("__all__", found)]:
        _nest(detail, where(field), list(messages))
    return serializers.ValidationError(detail)


def report_intake(
    *, actor: User, report: ReportData, children: list[ChildData], entered_offline: bool = False
) -> Report:
    """Receive the report and register its children (in the order sent), all or nothing. A person registers children
    only if their role does on the web (a partner sends the report alone; the commune registers the children)."""
    if children and not (is_system_account(actor) or can_register_child(actor)):
        raise serializers.ValidationError(
            {"children": ["Vai trò của bạn không đăng ký trẻ em: hãy gửi thông tin không kèm danh sách trẻ em."]}
        )
    with transaction.atomic():
        try:
            made = report_receive(actor=actor, data=report, entered_offline=entered_offline)
        except ValidationError as exc:
            raise _refused(exc, lambda field: REPORT_POINTERS.get(field, ("non_field_errors",))) from exc
        record_event(made, EventKind.RECEIVED)
        for number, child in enumerate(children):
            try:
                report_register_child(actor=actor, report=made, data=child)
            except ValidationError as exc:
                # A refusal of the whole child (16 or over on the day of the incident) is about their age.
                age = "date_of_birth" if child.date_of_birth else "birth_year"
                raise _refused(
                    exc,
                    lambda field, n=number, age=age: (
                        "children",
                        n,
                        age if field == "__all__" else CHILD_NAMES.get(field, field),
                    ),
                ) from exc
    return made


def child_intake(*, actor: User, data: ChildData) -> Child:
    """Register a child on their own (the field app, docs/api.md#the-field-app) through the web's service: living in
    the actor's reach; a refusal at the body's pointers (/residence_commune, /date_of_birth...)."""
    try:
        return child_register(actor=actor, data=data, standalone=True)
    except ValidationError as exc:
        age = "date_of_birth" if data.date_of_birth else "birth_year"
        raise _refused(exc, lambda field: (age if field == "__all__" else CHILD_NAMES.get(field, field),)) from exc


def report_of_sender(user: User, reference: str) -> Report | None:
    """The report `user` received (a client's account, or the person who posted it) with this reference; None for
    any other, so that another's report and one that does not exist look the same."""
    return (
        Report.objects.select_related("incident_unit").filter(reference=reference, received_by=user).first()
        if user.is_authenticated
        else None
    )
