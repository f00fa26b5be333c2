"""The demo world: one real province of the 2026 list, three of its real communes, a person for every role.

Loaded by `make run` (idempotent: a second run changes nothing). The modules beside this one (devtools/demo/cases.py,
referrals.py, reporting.py) add children, reports, cases, referrals and periodic reports.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.db import transaction

from childprotect.accounts.models import Position, Role
from childprotect.accounts.services import account_ensure
from childprotect.agencies.models import AgencyType
from childprotect.agencies.services import agency_ensure
from childprotect.alerts.settings_services import phone_set_verified
from childprotect.places.selectors import unit_get_by_key

from .cases import demo_cases_load
from .referrals import demo_referrals_load
from .reporting import demo_reports_load

PROVINCE = "2026:38"  # Tỉnh Thanh Hóa, home of Công văn 3410/UBND-VX (seed 000)
COMMUNE_A = "2026:14797"  # Phường Hạc Thành
COMMUNE_B = "2026:14758"  # Phường Hàm Rồng
COMMUNE_C = "2026:14845"  # Xã Mường Lát
DEFAULT_PASSWORD = "TreEm@2026"  # noqa: S105  demo only, printed by make run and listed in the README

AGENCIES = [
    ("Công an phường Hạc Thành", AgencyType.POLICE, COMMUNE_A, "0237 3852 113"),
    ("Trạm Y tế phường Hạc Thành", AgencyType.HEALTH, COMMUNE_A, "0237 3852 115"),
    ("Bệnh viện Nhi Thanh Hóa", AgencyType.HEALTH, PROVINCE, ""),
    ("Trung tâm Công tác xã hội tỉnh Thanh Hóa", AgencyType.SOCIAL_WORK, PROVINCE, ""),
    ("Trung tâm Trợ giúp pháp lý nhà nước tỉnh Thanh Hóa", AgencyType.JUSTICE, PROVINCE, ""),
]


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    unit: str | None = None
    agency: str | None = None
    position: str = ""  # chức vụ: who signs (accounts.Position)
    phone: str = ""  # a fictitious mobile number, verified: the demo's SMS and Zalo go to var/messages/ (make run)


ACCOUNTS = [
    DemoAccount("officer_a", "Nguyễn Thị Hoà", Role.COMMUNE_OFFICER, COMMUNE_A, phone="0912000001"),
    DemoAccount("chair_a", "Lê Văn Thắng", Role.COMMUNE_CHAIR, COMMUNE_A, position=Position.HEAD, phone="0912000002"),
    DemoAccount("officer_b", "Trần Thị Thuỷ", Role.COMMUNE_OFFICER, COMMUNE_B),
    DemoAccount("supervisor", "Phạm Minh Đức", Role.SUPERVISOR, PROVINCE),
    DemoAccount("police", "Hoàng Văn Cường", Role.PARTNER, agency="Công an phường Hạc Thành"),
    DemoAccount("health", "Đỗ Thị Lan", Role.PARTNER, agency="Trạm Y tế phường Hạc Thành"),
    DemoAccount("admin", "Quản trị hệ thống", Role.ADMIN),
]


def demo_password() -> str:
    return os.environ.get("CHILDPROTECT_DEMO_PASSWORD") or DEFAULT_PASSWORD


def demo_load() -> tuple[list[tuple[str, bool]], tuple[int, int]]:
    """Create or refresh the demo agencies and accounts, then the demo children and reports that are missing.

    Returns (username, changed) for each account and the numbers of children and reports created."""
    results = []
    with transaction.atomic():
        agencies = {}
        for name, agency_type, unit_key, phone in AGENCIES:
            agencies[name], _ = agency_ensure(
                actor=None, name=name, agency_type=agency_type, unit=unit_get_by_key(unit_key), phone=phone
            )
        for account in ACCOUNTS:
            result = account_ensure(
                actor=None,
                username=account.username,
                role=account.role,
                full_name=account.full_name,
                unit=unit_get_by_key(account.unit) if account.unit else None,
                agency=agencies[account.agency] if account.agency else None,
                password=demo_password(),
                position=account.position,
            )
            results.append((account.username, result.changed))
            if account.phone:
                phone_set_verified(actor=None, user=result.user, phone=account.phone)
        created = demo_cases_load()  # the domain's demo rides on the accounts above
        demo_referrals_load()
        demo_reports_load()
    return results, created
