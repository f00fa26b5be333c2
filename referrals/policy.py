"""What of a case a referral shows (need to know, NĐ 56 Đ33; domain.md §4)."""

from __future__ import annotations

from typing import Any

from childprotect.accounts.models import Role

from .models import AgencyType, Referral

# Agencies of criminal and administrative procedure need to know who is suspected; the others do not.
PERPETRATOR_AGENCIES = (AgencyType.POLICE, AgencyType.PROCURACY, AgencyType.COURT)


def can_see_perpetrators(user: Any, referral: Referral) -> bool:
    if user.role == Role.PARTNER:
        return referral.agency.agency_type in PERPETRATOR_AGENCIES
    return user.role in (Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR, Role.SUPERVISOR, Role.ADMIN) or user.is_superuser
