"""What each of the fixed cast may do, capability by capability (childprotect/accounts/policy.py).

One row per predicate: who of the cast has it. Anyone anonymous and an inactive account have none (but an inactive
partner's account is still a partner's: grants are held by accounts).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from childprotect.accounts import policy
from childprotect.accounts.context_processors import capabilities
from childprotect.accounts.models import Role

from ..factories import UserFactory

CAST = ("officer_a", "officer_b", "chair_a", "supervisor", "police", "admin")
COMMUNE = {"officer_a", "officer_b", "chair_a"}
CASEWORKERS = COMMUNE | {"supervisor"}

EXPECTED: dict[str, set[str]] = {
    "acts_for_agency": {"police"},
    "works_for_commune": COMMUNE,
    "can_log_report": CASEWORKERS | {"police"},
    "can_register_child": CASEWORKERS,
    "can_use_registry": CASEWORKERS | {"admin"},
    "can_see_protected_data": CASEWORKERS | {"admin"},
    "can_see_reporters": CASEWORKERS,
    "can_export_reporters": {"admin"},
    "can_handle_cases": CASEWORKERS,
    "can_take_charge_of_cases": {"officer_a", "officer_b"},
    "can_reassign_cases": {"chair_a", "supervisor"},
    "can_transfer_cases": CASEWORKERS,
    "can_rehome_cases": {"supervisor"},
    "can_flag_cases": {"chair_a", "supervisor"},
    "can_comment": CASEWORKERS,
    "can_attach_files": CASEWORKERS,
    "can_refer": COMMUNE,
    "can_see_periodic_reports": CASEWORKERS | {"admin"},
    "can_prepare_periodic_reports": CASEWORKERS,
    "can_sign_for_commune": {"chair_a"},
    "can_oversee_area": {"supervisor"},
    "can_see_caseload": {"chair_a", "supervisor", "admin"},
    "can_import": {"supervisor", "admin"},
    "can_import_registry": CASEWORKERS | {"admin"},
    "can_manage_accounts": {"supervisor", "admin"},
    "can_see_access_log": {"supervisor", "admin"},
    "can_delete_records": {"admin"},
    "can_manage_api_clients": {"admin"},
    "can_see_webhooks": {"admin"},
    "can_manage_alert_channels": {"admin"},
    "can_see_system_health": {"supervisor", "admin"},
}


def test_every_predicate_of_the_module_has_its_row():
    defined = {
        name for name in vars(policy) if name.startswith(("can_", "acts_", "works_")) and callable(vars(policy)[name])
    }
    assert defined == set(EXPECTED)


def test_templates_know_every_capability_by_name():
    assert {f"can_{name}" for name in policy.CAPABILITIES} == {n for n in EXPECTED if n.startswith("can_")}
    assert all(getattr(policy, f"can_{name}") is fn for name, fn in policy.CAPABILITIES.items())


@pytest.mark.parametrize("predicate", list(EXPECTED))
def test_who_of_the_cast_has_it(cast, predicate):
    check = getattr(policy, predicate)
    assert {name for name in CAST if check(cast[name])} == EXPECTED[predicate]


@pytest.mark.parametrize("predicate", list(EXPECTED))
def test_anonymous_has_none(predicate):
    assert getattr(policy, predicate)(AnonymousUser()) is False


@pytest.mark.parametrize("predicate", [p for p in EXPECTED if p != "acts_for_agency"])
@pytest.mark.parametrize("role", [Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR, Role.SUPERVISOR, Role.ADMIN])
def test_an_inactive_account_has_none(db, commune_a, province, predicate, role):
    unit = province if role == Role.SUPERVISOR else None if role == Role.ADMIN else commune_a
    user = UserFactory(role=role, unit=unit, is_active=False, is_superuser=role == Role.ADMIN)
    assert getattr(policy, predicate)(user) is False


def test_an_inactive_partners_account_is_still_a_partners(police):
    police.is_active = False
    assert policy.acts_for_agency(police)
    assert not policy.can_log_report(police)


def test_a_superuser_is_an_administrator_whatever_the_role(officer_a):
    officer_a.is_superuser = True
    assert policy.can_delete_records(officer_a)
    assert policy.can_import(officer_a)


def test_the_role_sets():
    assert policy.COMMUNE_STAFF == {Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR}
    assert policy.CASEWORKERS == {Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR, Role.SUPERVISOR}
    assert policy.CHAIRS_AND_SUPERVISORS == {Role.COMMUNE_CHAIR, Role.SUPERVISOR}
    everyone = policy.OFFICERS | policy.CHAIRS | policy.SUPERVISORS | policy.PARTNERS | policy.ADMINS | policy.SYSTEMS
    assert everyone == set(Role.values)


def test_the_context_processor_gives_templates_the_persons_capabilities(cast):
    request = RequestFactory().get("/")
    request.user = cast["supervisor"]
    can = capabilities(request)["can"]
    assert can["import"] and can["oversee_area"] and not can["refer"]
    assert dict(can) == {name: fn(cast["supervisor"]) for name, fn in policy.CAPABILITIES.items()}
    with pytest.raises(KeyError):
        can["fly"]


def test_an_anonymous_visitor_can_do_nothing():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert not any(capabilities(request)["can"].values())


def test_templates_ask_only_capabilities_that_exist():
    templates = Path(__file__).resolve().parents[2] / "templates"
    asked = {m for path in templates.rglob("*.html") for m in re.findall(r"\bcan\.(\w+)", path.read_text())}
    assert asked
    assert asked <= set(policy.CAPABILITIES)


def test_templates_do_not_test_roles():
    templates = Path(__file__).resolve().parents[2] / "templates"
    found = [
        str(path)
        for path in templates.rglob("*.html")
        if re.search(r"user\.role\b(?!_label)|is_administrator", path.read_text())
    ]
    assert found == []


def test_the_policy_sits_on_the_bottom_floor():
    source = Path(policy.__file__).read_text()
    assert not re.search(r"^\s*(from|import)\s+(cases|referrals|reporting)\b", source, re.MULTILINE)
