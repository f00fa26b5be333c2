"""Roles and capabilities: who may do what, by role, named once (docs/architecture.md#roles-and-capabilities).

The role sets are the groups of roles the procedure speaks of; the workflow tables name their rows' roles with them.
A capability is a predicate on a person, named for what it allows, not for the role that has it; views, services,
selectors and templates (through `can`, childprotect.accounts.context_processors) ask these, never `user.role`.
What a capability does not say is where: reach is the selectors' (`jurisdiction_units`, `user_reaches_unit`), and
what of a record in reach is shown is the apps' `policy.py` (need to know).

Every capability is False for an anonymous or inactive person. This module imports nothing from the apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser

from .models import Role, User

Person: TypeAlias = User | AnonymousUser

# --- Role sets ---------------------------------------------------------------------------------------------------
OFFICERS = frozenset({Role.COMMUNE_OFFICER})  # cán bộ phụ trách bảo vệ trẻ em cấp xã
CHAIRS = frozenset({Role.COMMUNE_CHAIR})  # Chủ tịch / Phó Chủ tịch UBND xã: decides, approves, closes, signs
SUPERVISORS = frozenset({Role.SUPERVISOR})  # of a district or a province: oversee the communes below
PARTNERS = frozenset({Role.PARTNER})  # of an agency: see a case only through a referral to it
ADMINS = frozenset({Role.ADMIN})
SYSTEMS = frozenset({Role.API_CLIENT})  # other systems' accounts (api/): they log reports, nothing else
COMMUNE_STAFF = OFFICERS | CHAIRS  # the commune: officers and chairs
CHAIRS_AND_SUPERVISORS = CHAIRS | SUPERVISORS
CASEWORKERS = COMMUNE_STAFF | SUPERVISORS  # who work the cases of an area (their unit's subtree)


def _role(user: Person) -> str | None:
    """The role of an active account; None for anyone anonymous or inactive (they may do nothing)."""
    if not isinstance(user, User) or not user.is_active:
        return None
    return user.role


def _is_admin(user: Person) -> bool:
    return isinstance(user, User) and user.is_active and user.is_administrator


# --- Standing: what kind of account this is ----------------------------------------------------------------------
def acts_for_agency(user: Person) -> bool:
    """A partner's account: sees a case only through a referral to their agency and answers it; no registry, no
    periodic reports, no jurisdiction by place. Said of the account even when it is inactive (grants are held by
    accounts)."""
    return isinstance(user, User) and user.role in PARTNERS


def is_system_account(user: Person) -> bool:
    """An API client's account (Tổng đài 111, a police command...): not a person; it logs reports within its scope
    (its unit, or the whole country) and reads back only what it sent. Said of the account even when inactive."""
    return isinstance(user, User) and user.role in SYSTEMS


def works_for_commune(user: Person) -> bool:
    """Commune staff (officer or chair): their unit is a commune, whose cases, referrals and report they make."""
    return _role(user) in COMMUNE_STAFF


# --- Capabilities ------------------------------------------------------------------------------------------------
def can_log_report(user: Person) -> bool:
    """Receive a report (Mẫu 01): commune staff, supervisors, partners (for the area their agency serves) and API
    clients (for their scope)."""
    return _role(user) in CASEWORKERS | PARTNERS | SYSTEMS


def can_register_child(user: Person) -> bool:
    """Add a child to the registry (from a report or by hand)."""
    return _role(user) in CASEWORKERS


def can_use_registry(user: Person) -> bool:
    """See the registry: children, cases, a report's children, their lists and exports (partners have none)."""
    return _role(user) in CASEWORKERS or _is_admin(user)


def can_transfer_cases(user: Person) -> bool:
    """Ask for, answer and see the transfers of cases between communes (each side in its own reach), and move a
    case directly (supervisors, over both communes): commune staff and supervisors."""
    return _role(user) in CASEWORKERS


def can_see_protected_data(user: Person) -> bool:
    """A child's and a report's protected data (NĐ 56 Đ33) in what they reach: caseworkers and administrators."""
    return _role(user) in CASEWORKERS or _is_admin(user)


def can_see_reporters(user: Person) -> bool:
    """The reporter's identity, in reach: caseworkers only (not partners, not administrators)."""
    return _role(user) in CASEWORKERS


def can_export_reporters(user: Person) -> bool:
    """Export the reporters' identity (asked for explicitly, audited): administrators only."""
    return _is_admin(user)


def can_handle_cases(user: Person) -> bool:
    """Work an area's cases: the inbox of reports received and the deadlines falling due."""
    return _role(user) in CASEWORKERS


def can_take_charge_of_cases(user: Person) -> bool:
    """Be the officer in charge of a case (case.officer): the commune's officers."""
    return _role(user) in OFFICERS


def can_reassign_cases(user: Person) -> bool:
    """Hand a case in reach to another officer of its commune (the chair of the commune, a supervisor above it)."""
    return _role(user) in CHAIRS_AND_SUPERVISORS


def can_flag_cases(user: Person) -> bool:
    """Flag a case in reach for attention, with a note, and clear the flag (the chair of the commune, a supervisor
    above it: the ones who oversee the officers' work; the officers see the flags)."""
    return _role(user) in CHAIRS_AND_SUPERVISORS


def can_rehome_cases(user: Person) -> bool:
    """Move the cases of an old-list commune in reach to its successor of the current list (a supervisor of the area
    the successor lies in; docs/law.md#the-2025-reform)."""
    return _role(user) in SUPERVISORS


def can_comment(user: Person) -> bool:
    """Comment on a case in reach (supervisors review and ask for changes this way)."""
    return _role(user) in CASEWORKERS


def can_attach_files(user: Person) -> bool:
    """Attach files to a case in reach."""
    return _role(user) in CASEWORKERS


def can_refer(user: Person) -> bool:
    """Draft and send a referral of a case of their commune to an agency."""
    return _role(user) in COMMUNE_STAFF


def can_see_periodic_reports(user: Person) -> bool:
    """See the periodic reports in reach (partners have no part in them)."""
    return _role(user) in CASEWORKERS or _is_admin(user)


def can_prepare_periodic_reports(user: Person) -> bool:
    """Prepare their own unit's periodic report: commune staff for a commune, supervisors for their unit."""
    return _role(user) in CASEWORKERS


def can_sign_for_commune(user: Person) -> bool:
    """Sign for the commune's people's committee (TM. UBND xã): its periodic report."""
    return _role(user) in CHAIRS


def can_oversee_area(user: Person) -> bool:
    """Oversee the units below their own: review their reports, follow their cases on the area's dashboard."""
    return _role(user) in SUPERVISORS


def can_see_caseload(user: Person) -> bool:
    """See the caseload and time figures per commune and per officer of the cases they reach, and download them
    (home/caseload.py): supervisors (their area), chairs (their commune's officers), administrators (everything)."""
    return _role(user) in CHAIRS_AND_SUPERVISORS or _is_admin(user)


def can_import(user: Person) -> bool:
    """Upload files to import agencies and accounts (the registry: can_import_registry)."""
    return _role(user) in SUPERVISORS or _is_admin(user)


def can_import_registry(user: Person) -> bool:
    """Import a children's registry: supervisors and administrators, and commune staff for their own commune (each row
    must be of a commune in their reach; cases.imports refuses the others, row by row)."""
    return _role(user) in CASEWORKERS or _is_admin(user)


def can_manage_accounts(user: Person) -> bool:
    """Create and change accounts: administrators all of them, supervisors those of their area
    (accounts.selectors.account_manageable_by says which)."""
    return _role(user) in SUPERVISORS or _is_admin(user)


def account_provisioned_by_supervisors(account: User) -> bool:
    """An account a supervisor may manage in their area: a commune's staff or an agency's partner, without admin
    access."""
    return account.role in COMMUNE_STAFF | PARTNERS and not account.is_administrator and not account.is_staff


def can_see_access_log(user: Person) -> bool:
    """See who accessed a record (*Ai đã truy cập hồ sơ này*)."""
    return _role(user) in SUPERVISORS or _is_admin(user)


def can_delete_records(user: Person) -> bool:
    """Delete (hide) a child, a report or a case, and restore it: administrators only."""
    return _is_admin(user)


def can_manage_api_clients(user: Person) -> bool:
    """Register other systems as API clients, change them, issue and revoke their tokens, rotate their webhook keys
    (docs/api.md#clients): administrators only."""
    return _is_admin(user)


def can_see_webhooks(user: Person) -> bool:
    """See the log of the webhook events sent to API clients and send one again: administrators only."""
    return _is_admin(user)


def can_manage_alert_channels(user: Person) -> bool:
    """See the alert channels' delivery status and failures, send a test message, send a failed message again
    (docs/alerts.md#the-administrators-page): administrators only."""
    return _is_admin(user)


def can_see_system_health(user: Person) -> bool:
    """See on the home page that the background machinery has stopped (the deadline scan, the workers, the queues;
    docs/architecture.md#health-heartbeats-and-alarms): administrators and supervisors, who can have it looked into."""
    return _role(user) in SUPERVISORS or _is_admin(user)


CAPABILITIES: dict[str, Callable[[Person], bool]] = {
    "log_report": can_log_report,
    "register_child": can_register_child,
    "use_registry": can_use_registry,
    "see_protected_data": can_see_protected_data,
    "see_reporters": can_see_reporters,
    "export_reporters": can_export_reporters,
    "handle_cases": can_handle_cases,
    "take_charge_of_cases": can_take_charge_of_cases,
    "reassign_cases": can_reassign_cases,
    "transfer_cases": can_transfer_cases,
    "rehome_cases": can_rehome_cases,
    "flag_cases": can_flag_cases,
    "comment": can_comment,
    "attach_files": can_attach_files,
    "refer": can_refer,
    "see_periodic_reports": can_see_periodic_reports,
    "prepare_periodic_reports": can_prepare_periodic_reports,
    "sign_for_commune": can_sign_for_commune,
    "oversee_area": can_oversee_area,
    "see_caseload": can_see_caseload,
    "import": can_import,
    "import_registry": can_import_registry,
    "manage_accounts": can_manage_accounts,
    "see_access_log": can_see_access_log,
    "delete_records": can_delete_records,
    "manage_api_clients": can_manage_api_clients,
    "see_webhooks": can_see_webhooks,
    "manage_alert_channels": can_manage_alert_channels,
    "see_system_health": can_see_system_health,
}
"""The capabilities by name without `can_`: templates ask `{% if can.import %}`."""


class Capabilities(Mapping[str, bool]):
    """A person's capabilities for templates, each asked once when first read. An unknown name is a KeyError."""

    def __init__(self, user: Person) -> None:
        self.user = user
        self._known: dict[str, bool] = {}

    def __getitem__(self, name: str) -> bool:
        if name not in self._known:
            self._known[name] = CAPABILITIES[name](self.user)
        return self._known[name]

    def __iter__(self) -> Iterator[str]:
        return iter(CAPABILITIES)

    def __len__(self) -> int:
        return len(CAPABILITIES)
