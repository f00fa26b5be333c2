"""Who may see what inside a record they can reach (need to know, NĐ 56 Đ33; docs/law.md#protected-data).

Selectors decide whether a record is reachable at all; these rules decide which of its parts are shown.
"""

from __future__ import annotations

from typing import Any

from childprotect.accounts.models import Role
from childprotect.accounts.selectors import user_reaches_unit

from .models import Child, Report


def can_see_reporter(user: Any, report: Report) -> bool:
    """The reporter's identity: the receiving officer, the commune chair and supervisors only.

    Not partners (even one who logged the report sees what they typed only on the confirmation), not administrators.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if report.received_by_id == user.pk and user.role != Role.PARTNER:
        return True
    if user.role in (Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR, Role.SUPERVISOR):
        return user_reaches_unit(user, report.incident_unit)
    return False


def can_see_child_protected(user: Any, child: Child) -> bool:
    """A child's protected data (Đ33): commune staff and supervisors who reach the child, and administrators.

    Partners will see only the fields a referral needs (referrals issue).
    """
    if not user.is_authenticated or not user.is_active:
        return False
    return user.role in (Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR, Role.SUPERVISOR, Role.ADMIN) or user.is_superuser


def can_register_children(user: Any) -> bool:
    return user.is_authenticated and user.role in (Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR, Role.SUPERVISOR)
