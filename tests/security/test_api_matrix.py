"""The API's access matrix: every URL pattern under /api/v1/, requested as every person of the cast by session, as
every API client by its token and anonymously, on objects inside and outside each caller's reach.

The patterns come from the URL resolver: a pattern without an entry in API_RULES fails with "no API access rule for
<name>: add one". Each 200 is searched for what the caller may not see (tests/support/api_matrix.py `api_marks`), each
error must be the API's JSON shape in Vietnamese, and a request refused or outside reach must leave the database as it
was. The tests at the end check that the matrix bites: take a selector's check or a policy away, it fails.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.http import Http404

from cases.models import Case
from cases.services import case_act
from tests.support.api_matrix import (
    ANYONE,
    API_RULES,
    CALLERS,
    CLIENTS,
    MOVED,
    ApiCast,
    after_the_move,
    api_patterns,
    build_api_cast,
    run_api_rule,
    sent,
)
from tests.support.matrix import Run, table, web_patterns

pytestmark = pytest.mark.django_db

PATTERNS = api_patterns()
RUNS: dict[str, Run] = {}


@pytest.fixture(scope="module")
def cast(world, django_db_blocker) -> ApiCast:
    """The API clients, registered in the world's transaction (undone with it)."""
    with django_db_blocker.unblock():
        return build_api_cast(world)


def test_every_api_pattern_has_a_rule_and_every_rule_a_pattern():
    missing = [f"no API access rule for {name}: add one" for name in sorted(set(PATTERNS) - set(API_RULES))]
    stale = [
        f"API rule for {name}, which is no URL pattern any more" for name in sorted(set(API_RULES) - set(PATTERNS))
    ]
    assert not missing + stale, "\n".join(missing + stale)
    assert {"api:schema", "api:work", "api:case_detail", "api:missing"} <= set(PATTERNS)


def test_the_web_matrix_leaves_the_api_to_this_one():
    assert not set(web_patterns()) & set(PATTERNS)


def test_the_rules_fill_every_kwarg_of_their_pattern(world, cast):
    wrong = [
        f"{name} [{target.label}]: {sorted(target.kwargs(world, cast))} for {sorted(PATTERNS[name].kwargs)}"
        for name, rule in API_RULES.items()
        for target in rule.targets
        if name in PATTERNS and set(target.kwargs(world, cast)) != PATTERNS[name].kwargs
    ]
    assert not wrong, "\n".join(wrong)


def test_the_rules_let_no_outsider_in():
    """The table itself: a status for every caller and method, real statuses only; only the API's description (no
    data) is open to anonymous callers, and the catch-all answers them its 404."""
    open_to_anonymous = {name for name, rule in API_RULES.items() if rule.anonymous != 401}
    assert open_to_anonymous == {"api:schema", "api:docs", "api:missing"}
    assert all(API_RULES[name].anonymous in (200, 404) for name in open_to_anonymous)
    for name, rule in API_RULES.items():
        for method, statuses in rule.statuses.items():
            assert method in ("GET", "POST", "PUT", "PATCH", "DELETE"), name
            assert set(statuses) == set(CALLERS) - {"anonymous"}, name
            assert set(statuses.values()) <= {200, 201, 202, 204, 400, 403, 404, 405, 409}, name
        for target in rule.targets:
            assert target.reach <= ANYONE, (name, target.label)


@pytest.mark.parametrize("name", sorted(set(PATTERNS) | set(API_RULES)))
def test_api_access_matrix(world, cast, name):
    assert name in API_RULES, f"no API access rule for {name}: add one"
    assert name in PATTERNS, f"API rule for {name}, which is no URL pattern any more"

    run = run_api_rule(name, API_RULES[name], world, cast)
    RUNS[name] = run

    assert run.requests > 0
    if run.mismatches:
        pytest.fail(f"{name}: {len(run.mismatches)} of {run.requests} requests differ\n{table(run.mismatches)}", False)


# --- it bites: take one check away, the matrix fails -------------------------------------------------------------


def _case_get_ignoring_reach(user: Any, pk: int) -> Case:
    case = Case.objects.select_related("child", "report__channel", "unit__parent", "officer").filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


BREAKS = {
    "cases.selectors.case_get_for ignores reach": (
        "cases.selectors.case_get_for",
        _case_get_ignoring_reach,
        "api:case_detail",
    ),
    "cases.selectors.cases_visible_to returns all": (
        "cases.selectors.cases_visible_to",
        lambda user: Case.objects.all(),
        "api:case_list",
    ),
    "the reporter shown to everyone": (
        "api.reading.views.can_see_reporter",
        lambda user, report: True,
        "api:case_detail",
    ),
    "partners given the registry": ("api.reading.views.can_use_registry", lambda user: True, "api:case_list"),
    "API clients let in": ("api.permissions.is_system_account", lambda user: False, "api:work"),
}


@pytest.mark.parametrize("broken", list(BREAKS))
def test_the_api_matrix_fails_when_a_check_is_taken_away(world, cast, monkeypatch, broken):
    target, replacement, name = BREAKS[broken]
    assert run_api_rule(name, API_RULES[name], world, cast).mismatches == []  # whole, it passes

    monkeypatch.setattr(target, replacement)
    run = run_api_rule(name, API_RULES[name], world, cast)

    assert run.mismatches, f"taking away {broken} went unnoticed by the rule for {name}"


# --- after a transfer --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", MOVED)
def test_api_access_matrix_after_the_case_of_commune_a_moved_to_commune_b(world, cast, name):
    """The supervisor moves the world's case A to commune B (its officer takes it): commune A's staff lose the case
    and the child (404, and nothing of them in their lists or queue); commune B's officer gains them."""
    case = Case.objects.get(pk=world.cases["A"].pk)  # a copy: the world's own object keeps its fields
    case_act(
        actor=world.users["supervisor"],
        case=case,
        action="transfer",
        version=case.version,
        data={"to_unit": world.units["B"], "reason": "Gia đình trẻ chuyển đến phường Hàm Rồng."},
    )

    run = run_api_rule(name, after_the_move(name), world, cast)

    assert run.requests > 0
    if run.mismatches:
        pytest.fail(f"{name}: {len(run.mismatches)} of {run.requests} requests differ\n{table(run.mismatches)}", False)


def test_each_client_of_the_cast_sent_one_report_of_its_scope_reached_by_itself_alone(world, cast):
    """The targets of the endpoints about what a client sent (`sent(...)`): one report per client, in its scope."""
    targets = sent(lambda report: {"reference": report.reference})

    assert {name: r.incident_unit for name, r in cast.sent.items()} == {
        "hotline": world.units["A"],
        "police_api": world.units["B"],
        "other_province_api": world.units["X"],
    }
    assert [(t.label, set(t.reach)) for t in targets] == [(f"sent by {n}", {n}) for n in CLIENTS]
    assert [t.kwargs(world, cast) for t in targets] == [{"reference": cast.sent[n].reference} for n in CLIENTS]
