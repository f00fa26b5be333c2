"""Who may see what inside a record they can reach (need to know, NĐ 56 Đ33; docs/law.md#protected-data).

Selectors decide whether a record is reachable at all; these rules decide which of its parts are shown. Who may do
what by role is childprotect/accounts/policy.py.
"""

from __future__ import annotations

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_see_protected_data, can_see_reporters
from childprotect.accounts.selectors import user_reaches_unit

from .models import Child, Report


def can_see_reporter(user: User, report: Report) -> bool:
    """The reporter's identity: the receiving officer, the commune chair and supervisors only.

    Not partners (even one who logged the report sees what they typed only on the confirmation), not administrators.
    """
    if not can_see_reporters(user):
        return False
    return report.received_by_id == user.pk or user_reaches_unit(user, report.incident_unit)


def can_see_child_protected(user: User, child: Child) -> bool:
    """A child's protected data (Đ33): commune staff and supervisors who reach the child, and administrators.

    Partners will see only the fields a referral needs (referrals issue).
    """
    return can_see_protected_data(user)


def can_see_report_family(user: User, report: Report) -> bool:
    """What Mẫu 01 records of the child and the family (condition, likely harm, parents, family situation, carer,
    actions taken before): protected data (Đ33), shown as a child's is. Not to a partner who logged the report (they
    typed it; the referral tells their colleagues what they need) nor an API client, who reads back only the status.
    The report itself is reached through the selectors first."""
    return can_see_protected_data(user)
