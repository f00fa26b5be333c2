"""Writes to agencies. Each validates, saves and records the audit entry in one transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from childprotect.accounts.models import User
from childprotect.audit.actions import AgencyAction
from childprotect.audit.services import audit_diff, audit_record, audit_snapshot
from childprotect.places.models import AdminUnit

from .models import Agency

AGENCY_FIELDS = ["name", "agency_type", "unit", "address", "phone", "email", "is_active"]


def agency_ensure(
    *, actor: User | None, name: str, agency_type: str, unit: AdminUnit, **details: Any
) -> tuple[Agency, bool]:
    """Create the agency `name` in `unit`, or bring its details up to date; nothing changes if they already are."""
    with transaction.atomic():
        agency = Agency.objects.select_for_update().filter(unit=unit, name=name).first()
        created = agency is None
        before = {} if agency is None else audit_snapshot(agency, AGENCY_FIELDS)
        agency = agency or Agency(unit=unit, name=name)
        agency.agency_type = agency_type
        for key, value in details.items():
            setattr(agency, key, value)
        agency.full_clean()
        after = audit_snapshot(agency, AGENCY_FIELDS)
        if created or after != before:
            agency.save()
            audit_record(
                actor=actor,
                action=AgencyAction.CREATE if created else AgencyAction.UPDATE,
                obj=agency,
                changes=audit_diff(before, after),
            )
    return agency, created
