"""What of a case a referral carries (need to know, NĐ 56 Đ33; docs/law.md#referrals).

What a referral carries is a matter of its addressee, not of who looks at it: the referral's page, its letter and
every export show the same content to the agency's partners, the commune that sends it, the supervisors above and
the administrators. The commune sees the suspects on the case and the report; on the referral it sees what it sends.
"""

from __future__ import annotations

from childprotect.agencies.models import AgencyType

from .models import Referral

# Agencies of criminal and administrative procedure need to know who is suspected; the others do not.
PERPETRATOR_AGENCIES = (AgencyType.POLICE, AgencyType.PROCURACY, AgencyType.COURT)


def agency_receives_perpetrators(agency_type: str) -> bool:
    """Whether an agency of this type is told who is suspected (the suspects, and that the carer is one)."""
    return agency_type in PERPETRATOR_AGENCIES


def referral_carries_perpetrators(referral: Referral) -> bool:
    """Whether the referral carries the suspects: decided by its addressee's type alone, whoever shows or prints it."""
    return agency_receives_perpetrators(referral.agency.agency_type)
