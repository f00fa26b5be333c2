"""The access matrix: every URL pattern of the project, requested as every role of the cast on objects inside and
outside their reach.

The patterns come from the URL resolver, so a view cannot escape: a pattern without an entry in RULES fails with
"no access rule for <name>: add one" (only the Django admin, tested at the bottom, and the language switch are left
out). A rule says how to fill the pattern's kwargs for each object of the world (tests/support/world.py: the same
kinds of objects in commune A, commune B and Hà Nội), who reaches each object, and the status each role inside reach
gets for a GET (and, for views that write, for a POST of empty or garbage data). Whoever is outside reach gets a 404
(a 405 for a GET of a POST-only view, which looks nothing up); anonymous visitors are sent to the login page.

Besides the status, every 200 is searched for what the role may not see: the names and words that mark each place's
child, report and reporter (tests/support/world.py), and the world's objects in the template context (lists,
cards, timelines). A request from outside reach must leave the database as it was (counts and the version, status
and state columns of every table). The matrix runs with mismatches collected, not asserted one by one: the table in
the failure message says what went wrong where, and the tests at the end check that it bites, by taking a selector's
or a view's check away and expecting mismatches.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.db import models
from django.http import Http404
from django.urls import reverse

from cases.models import Case
from cases.services import case_act
from childprotect.core.models import ImportJob
from referrals.models import Referral
from reporting.models import PeriodicReport
from tests.support.matrix import (
    EVERYONE,
    LOGGED_IN,
    MOVED_CASE_RULES,
    MOVED_LISTS,
    MOVED_REPORT_RULES,
    RULES,
    STEP_RULES,
    Run,
    after_the_move,
    login_client,
    run_rule,
    table,
    visibility,
    visibility_after_the_move,
    web_patterns,
)
from tests.support.world import ROLES

pytestmark = pytest.mark.django_db
# --- the tests ---------------------------------------------------------------------------------------------------

PATTERNS = web_patterns()  # the API's endpoints: tests/security/test_api_matrix.py
RUNS: dict[str, Run] = {}  # what this process's matrix tests found, for the summary test


def test_every_url_pattern_has_a_rule_and_every_rule_a_pattern():
    missing = [f"no access rule for {name}: add one" for name in sorted(set(PATTERNS) - set(RULES))]
    stale = [f"rule for {name}, which is no URL pattern any more" for name in sorted(set(RULES) - set(PATTERNS))]
    assert not missing + stale, "\n".join(missing + stale)
    assert len(PATTERNS) >= 50


def test_the_rules_fill_every_kwarg_of_their_pattern(world):
    wrong = []
    for name, rule in RULES.items():
        pattern = PATTERNS.get(name)
        for target in rule.targets:
            if pattern is not None and set(target.kwargs(world)) != pattern.kwargs:
                wrong.append(f"{name} [{target.label}]: {sorted(target.kwargs(world))} for {sorted(pattern.kwargs)}")
    assert not wrong, "\n".join(wrong)


def test_the_rules_let_no_outsider_in():
    """The table itself: a status for every role, real statuses only, and anonymous visitors sent to the login page
    everywhere but on the login page itself, the logout (a POST), an alert's link (a 404 without a valid token) and the
    providers' receipt callbacks (a 404 for a provider not configured; their own checks are tests/alerts') and
    Prometheus's /metrics (a 404 while no token or allow-list is set; tests/metrics), and the field app's service
    worker, manifest and the JavaScript catalog (no data; docs/field.md)."""
    open_to_anonymous = {name: dict(rule.anonymous) for name, rule in RULES.items() if rule.anonymous}
    assert open_to_anonymous == {
        "login": {"GET": 200, "POST": 200},
        "logout": {"GET": 405, "POST": 302},
        "alerts:open": {"GET": 404},
        "alerts:receipt": {"GET": 404, "POST": 404},
        "metrics": {"GET": 404, "POST": 404},
        "healthz": {"GET": 200},
        "readyz": {"GET": 200},
        "field:sw": {"GET": 200},
        "field:manifest": {"GET": 200},
        "javascript-catalog": {"GET": 200},
    }
    for name, rule in RULES.items():
        for statuses in (rule.get, rule.post) if rule.post is not None else (rule.get,):
            assert set(statuses) == set(LOGGED_IN), name
            assert set(statuses.values()) <= {200, 302, 403, 404, 405}, name
        for target in rule.targets:
            assert target.reach <= EVERYONE, (name, target.label)


@pytest.mark.parametrize("name", sorted(set(PATTERNS) | set(RULES)))
def test_access_matrix(world, name):
    assert name in RULES, f"no access rule for {name}: add one"
    assert name in PATTERNS, f"rule for {name}, which is no URL pattern any more"

    run = run_rule(name, RULES[name], world)
    RUNS[name] = run

    if run.mismatches:
        pytest.fail(f"{name}: {len(run.mismatches)} of {run.requests} requests differ\n{table(run.mismatches)}", False)


@pytest.mark.parametrize("action", sorted(STEP_RULES))
def test_access_matrix_of_a_second_case_step(world, action):
    run = run_rule("cases:case_act", STEP_RULES[action], world)

    assert run.requests > 0
    assert not run.errors
    if run.mismatches:
        pytest.fail(
            f"{action}: {len(run.mismatches)} of {run.requests} requests differ\n{table(run.mismatches)}", False
        )


MOVED = sorted({*MOVED_CASE_RULES, *MOVED_REPORT_RULES, *MOVED_LISTS})


def test_every_url_of_a_case_or_a_child_is_requested_again_after_a_transfer():
    """The URL patterns with a case, a child, their attachments or referrals in their kwargs are all in the list the
    transfer's matrix re-runs (a new one must be added there)."""
    of_a_case = {
        name
        for name, rule in RULES.items()
        for target in rule.targets
        if target.label == "A" and name.startswith(("cases:case", "cases:child", "cases:attachment", "referrals:"))
    }
    assert of_a_case <= set(MOVED), sorted(of_a_case - set(MOVED))


@pytest.mark.parametrize("name", MOVED)
def test_access_matrix_after_the_case_of_commune_a_moved_to_commune_b(world, name):
    """The supervisor moves the world's case A to commune B (its officer takes it): commune A's staff lose the case,
    the child, their files and referrals (404) and see nothing of the child in their lists or on the report, which
    stays theirs; commune B's officer gains them all, and the report's page."""
    case = Case.objects.get(pk=world.cases["A"].pk)  # a copy: the world's own object keeps its fields
    case_act(
        actor=world.users["supervisor"],
        case=case,
        action="transfer",
        version=case.version,
        data={"to_unit": world.units["B"], "reason": "Gia đình trẻ chuyển đến phường Hàm Rồng."},
    )
    assert (case.unit_id, case.officer_id) == (world.units["B"].pk, world.users["officer_b"].pk)

    run = run_rule(name, after_the_move(name), world, visibility_after_the_move(world))

    assert run.requests > 0
    if run.mismatches:
        pytest.fail(f"{name}: {len(run.mismatches)} of {run.requests} requests differ\n{table(run.mismatches)}", False)


def test_no_request_anywhere_answered_500_and_no_outsider_changed_anything(world):
    """Over the whole matrix (the rules this process has not run yet are run here)."""
    seen = visibility(world)
    for name in sorted(set(RULES) & set(PATTERNS)):
        if name not in RUNS:
            RUNS[name] = run_rule(name, RULES[name], world, seen)
    errors = [e for run in RUNS.values() for e in run.errors]
    changed = [c for run in RUNS.values() for c in run.outsider_changes]
    total = sum(run.requests for run in RUNS.values())

    assert total > 1000
    if errors or changed:
        pytest.fail("\n".join(["server errors:", *errors, "outsiders' changes:", *changed]), False)


def test_marking_all_read_touches_only_ones_own_notifications(world):
    """notification_read_all has no object to be outside of: everyone may post it, for their own bell only."""
    for role in LOGGED_IN:
        if role != "officer_a":
            assert login_client(world, role).post(reverse("notification_read_all")).status_code == 302

    world.notifications["A"].refresh_from_db()
    assert world.notifications["A"].read_at is None


# --- it bites: take one check away, the matrix fails -------------------------------------------------------------


def _everything(manager: models.Manager[Any]) -> Callable[..., Any]:
    return lambda *args, **kwargs: manager.all()


def _case_get_ignoring_reach(user: Any, pk: int) -> Case:
    case = Case.objects.select_related("child", "report__channel", "unit__parent", "officer").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


BREAKS = {
    "cases.selectors.case_get_for ignores reach": (
        "cases.selectors.case_get_for",
        _case_get_ignoring_reach,
        "cases:case_detail",
    ),
    "cases.selectors.reports_visible_to returns all": (
        "cases.selectors.reports_visible_to",
        _everything(__import__("cases.models", fromlist=["Report"]).Report.objects),
        "cases:report_list",
    ),
    "cases.views._require_registry_role lets partners in": (
        "cases.views._require_registry_role",
        lambda user: None,
        "cases:child_list",
    ),
    "referrals.selectors.referrals_visible_to returns all": (
        "referrals.selectors.referrals_visible_to",
        _everything(Referral.objects),
        "referrals:referral_detail",
    ),
    "reporting.selectors.periodic_reports_visible_to returns all": (
        "reporting.selectors.periodic_reports_visible_to",
        _everything(PeriodicReport.objects),
        "reporting:report_detail",
    ),
    "core.import_views._jobs_for returns all": (
        "childprotect.core.import_views._jobs_for",
        _everything(ImportJob.objects),
        "import_detail",
    ),
}


@pytest.mark.parametrize("broken", list(BREAKS))
def test_the_matrix_fails_when_a_check_is_taken_away(world, monkeypatch, broken):
    target, replacement, name = BREAKS[broken]
    assert run_rule(name, RULES[name], world).mismatches == []  # whole, it passes

    monkeypatch.setattr(target, replacement)
    run = run_rule(name, RULES[name], world)

    assert run.mismatches, f"taking away {broken} went unnoticed by the rule for {name}"
    assert any(m.got == 200 or "context" in m.problem for m in run.mismatches), table(run.mismatches)


# --- the Django admin: staff only --------------------------------------------------------------------------------


def test_the_admin_sends_everyone_but_staff_to_its_login_page(world):
    urls = [reverse("admin:index")] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") for model in admin.site._registry
    ]
    wrong = []
    for role in ROLES:
        client = login_client(world, role)
        for url in urls:
            response = client.get(url)
            staff = role != "anonymous" and world.users[role].is_staff
            if staff:
                ok = response.status_code == 200
            else:
                ok = response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
            if not ok:
                wrong.append(f"{role:10} {url}: {response.status_code} {response.get('Location', '')}")
    assert [r for r in ROLES if r != "anonymous" and world.users[r].is_staff] == ["admin"]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ["officer_a", "supervisor", "police"])
def test_the_admin_index_requires_staff(world, role):
    response = login_client(world, role).get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('admin:login')}?next={reverse('admin:index')}"
    assert login_client(world, "admin").get(reverse("admin:index")).status_code == 200
