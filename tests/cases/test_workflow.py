"""The statutory workflow at the services level: cases/workflow.py's table walked transition by transition.

Every action goes through cases.services.case_act, the real transaction, audit log and deadlines. The clock is frozen at
20/11/2026 09:00 (the `clock` fixture); the report behind each case was received at 08:30 that morning. The builders
(`act`, `walk`, `snapshot`) are tests/support/builders.py's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import deadlines as deadline_rules
from cases.models import (
    Case,
    CaseComment,
    CaseState,
    CaseStep,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    EmergencyMeasure,
    Plan,
    PlanStatus,
    Report,
    ReportStatus,
    Review,
)
from cases.services import case_act, report_attach_child
from cases.workflow import BY_ACTION, TRANSITIONS, Transition
from childprotect.accounts.models import Role
from childprotect.audit.models import AuditEntry
from tests.support.builders import CHAIR_ACTIONS, HAPPY_PATH, SEPARATION, act, record, snapshot, walk
from tests.support.clock import NOW, RECEIVED_AT, local
from tests.support.crosswalk import crosswalk, file_under

from ..factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

S = CaseState

# --- helpers shared with test_deadlines.py and test_case_views.py -------------------------------------------------


# How the refusal names each role (the words users know).
ROLE_WORDS = {
    Role.COMMUNE_OFFICER: "cán bộ bảo vệ trẻ em cấp xã",
    Role.COMMUNE_CHAIR: "Chủ tịch UBND phường",  # commune A is a ward (Phường Hạc Thành)
    Role.SUPERVISOR: "cán bộ giám sát",
}
ALL_ROLES = [Role.COMMUNE_OFFICER, Role.COMMUNE_CHAIR, Role.SUPERVISOR, Role.PARTNER, Role.ADMIN]
ROLE_FIXTURES: dict[str, str] = {
    Role.COMMUNE_OFFICER: "officer_a",
    Role.COMMUNE_CHAIR: "chair_a",
    Role.SUPERVISOR: "supervisor",
    Role.PARTNER: "police",
    Role.ADMIN: "administrator",
}


def actor_for(transition: Transition, officer, chair, supervisor=None):
    """Someone allowed to take `transition`: the officer where the table lets them, else the chair (the supervisor
    for a supervisor's own step)."""
    if Role.COMMUNE_OFFICER in transition.roles:
        return officer
    return chair if Role.COMMUNE_CHAIR in transition.roles or supervisor is None else supervisor


# --- fixtures ------------------------------------------------------------------------------------------------------


@pytest.fixture
def by_role(request):
    """by_role(role) -> the user of the cast with that role (commune A, its province, its police)."""

    def get(role: str):
        return request.getfixturevalue(ROLE_FIXTURES[role])

    return get


# --- the whole procedure, received to closed -----------------------------------------------------------------------


def test_a_case_walks_from_received_to_closed_through_every_step_with_the_right_roles(
    new_case, officer_a, chair_a, make_child, clock
):
    case = new_case()
    report = case.report
    # A second child of the same report: the report closes only when both cases are closed.
    sister = make_child(officer_a, full_name="Nguyễn Thị Bích", sex="female")
    report_attach_child(actor=officer_a, report=report, child=sister)
    second = report.cases.get(child=sister)

    assert (case.state, case.version, case.officer, case.unit) == (S.RECEIVED, 1, officer_a, report.incident_unit)
    assert list(case.steps.values_list("action", "actor")) == [("open", officer_a.pk)]
    report.refresh_from_db()
    assert report.status == ReportStatus.RECEIVED  # nobody has acted yet
    emergency = case.deadlines.get(kind=DeadlineKind.EMERGENCY)
    assert emergency.due_at == RECEIVED_AT + dt.timedelta(hours=12)

    for i, (action, target) in enumerate(HAPPY_PATH, start=1):
        at = NOW + dt.timedelta(minutes=20 * i)  # 09:20 ... 11:40, all within every deadline
        clock.move_to(at)
        actor = chair_a if action in CHAIR_ACTIONS else officer_a
        before = case.version
        from_state = case.state

        step = act(actor, case, action)

        case.refresh_from_db()
        assert (step.action, step.actor, step.at) == (action, actor, at)
        assert (step.from_state, step.to_state) == (from_state, target)
        assert case.state == target
        assert case.version == before + 1
        assert CaseStep.objects.filter(case=case, action=action).count() == 1
        entries = AuditEntry.objects.filter(action=f"case.{action}", object_id=str(case.pk))
        assert [(e.actor, e.changes["state"]) for e in entries] == [(actor, [from_state, target])]
        report.refresh_from_db()
        assert report.status == ReportStatus.HANDLING  # the sister's case is still open

    assert list(case.steps.values_list("action", flat=True)) == ["open", *(a for a, _ in HAPPY_PATH)]
    assert case.closed_at == NOW + dt.timedelta(minutes=20 * len(HAPPY_PATH))
    assert case.level == "intervention"
    # Every deadline of the procedure was met and is recorded as such on the step that settled it.
    settled = {s.action: (s.on_time, s.deadline_due) for s in case.steps.exclude(deadline_due=None)}
    assert settled["decide_emergency"] == (True, RECEIVED_AT + dt.timedelta(hours=12))
    assert settled["draft_plan"] == (True, local(2026, 11, 27, 23, 59, 59))
    assert settled["approve_plan"][0] is True
    assert settled["review"][0] is True
    assert set(case.deadlines.values_list("kind", "status")) == {
        (DeadlineKind.EMERGENCY, DeadlineStatus.MET),
        (DeadlineKind.PLAN, DeadlineStatus.MET),
        (DeadlineKind.APPROVAL, DeadlineStatus.MET),
        (DeadlineKind.REVIEW, DeadlineStatus.MET),
    }
    plan = case.plans.get()
    assert (plan.number, plan.status, plan.approved_by, plan.decision_number) == (
        1,
        PlanStatus.APPROVED,
        chair_a,
        "15/QĐ-UBND",
    )
    assert [a.activity for a in plan.activities.all()] == ["Khám và điều trị", "Tư vấn tâm lý cho trẻ (4 buổi)"]
    review = case.reviews.get()
    assert (review.plan, review.by, review.risk_remains, review.child_stable) == (plan, officer_a, False, True)

    # The second case closes too: now the report is closed.
    walk(second, S.CLOSED, officer=officer_a, chair=chair_a)
    report.refresh_from_db()
    assert report.status == ReportStatus.CLOSED


# --- the table, row by row -----------------------------------------------------------------------------------------


def _ids(value: Any) -> str:
    return value.action if isinstance(value, Transition) else str(value)


@pytest.mark.parametrize("transition", TRANSITIONS, ids=_ids)
def test_each_row_of_the_table_moves_the_case_and_settles_and_starts_its_deadlines(
    transition, case_at, officer_a, chair_a, officer_b, supervisor
):
    old = crosswalk().dien_bien if transition.action == "rehome" else None
    for source in transition.sources:
        case = case_at(source)
        if transition.receiving or transition.action == "cancel_transfer":  # a request to answer or withdraw
            act(officer_a, case, "request_transfer")
        if old is not None:  # offered only for a case filed under an old-list commune
            file_under(case, old)
        if transition.action in ("end_separation", "extend_separation"):  # only while a separation runs: from 09:00
            EmergencyMeasure.objects.create(
                case=case, decided_by=chair_a, decided_at=NOW, measures="Cách ly.", separation=True
            )
            due, remind = deadline_rules.compute(DeadlineKind.SEPARATION_END, NOW, until=dt.date(2026, 12, 5))
            Deadline.objects.create(
                case=case, kind=DeadlineKind.SEPARATION_END, started_at=NOW, due_at=due, remind_at=remind
            )
        open_before = {d.kind: d for d in case.deadlines.filter(status=DeadlineStatus.OPEN)}
        case.refresh_from_db()
        version = case.version
        actor = officer_b if transition.receiving else actor_for(transition, officer_a, chair_a, supervisor)

        step = act(actor, case, transition.action)

        case.refresh_from_db()
        assert case.state == (transition.target or source)
        assert case.version == version + 1
        assert (step.from_state, step.to_state, step.actor) == (source, case.state, actor)
        now = timezone.now()
        for kind in transition.settles:
            if kind in open_before:
                settled = Deadline.objects.get(pk=open_before[kind].pk)
                assert settled.status != DeadlineStatus.OPEN
                assert settled.settled_at == now
        for kind in transition.starts:
            started = case.deadlines.get(kind=kind, status=DeadlineStatus.OPEN)
            assert started.started_at == now
            assert (started.due_at, started.remind_at) == deadline_rules.compute(kind, now)
        open_kinds = list(case.deadlines.filter(status=DeadlineStatus.OPEN).values_list("kind", flat=True))
        assert len(open_kinds) == len(set(open_kinds))
        earliest = case.deadlines.filter(status=DeadlineStatus.OPEN).order_by("due_at", "id").first()
        assert (case.next_due_at, case.next_due_kind) == ((earliest.due_at, earliest.kind) if earliest else (None, ""))


def refused(actor, case: Case, action: str) -> ValidationError:
    """`action` refused to `actor` as "refused" (not theirs, or not from this step), the case left as it was."""
    before = snapshot(case)
    with pytest.raises(ValidationError) as exc:
        act(actor, case, action)
    assert exc.value.code == "refused"
    assert snapshot(case) == before
    return exc.value


WRONG_ROLES = [(t, role) for t in TRANSITIONS for role in ALL_ROLES if role not in t.roles]


@pytest.mark.parametrize(("transition", "role"), WRONG_ROLES, ids=_ids)
def test_each_row_refuses_every_role_it_does_not_name_and_says_who_may(transition, role, case_at, by_role):
    case = case_at(transition.sources[0])
    error = refused(by_role(role), case, transition.action)

    message = error.messages[0]
    assert message.startswith("Chỉ ")
    assert f"mới được thực hiện “{transition.label}”" in message
    for allowed in transition.roles:
        assert ROLE_WORDS[allowed] in message


WRONG_STATES = [(t, state) for t in TRANSITIONS for state in S if state not in t.sources]


@pytest.mark.parametrize(("transition", "state"), WRONG_STATES, ids=_ids)
def test_each_row_refuses_a_case_in_a_state_it_does_not_start_from_and_names_the_current_step(
    transition, state, case_at, officer_a, chair_a, supervisor
):
    case = case_at(state)
    error = refused(actor_for(transition, officer_a, chair_a, supervisor), case, transition.action)

    assert error.messages == [f"Không thể thực hiện “{transition.label}” khi hồ sơ đang ở bước “{S(state).label}”."]


def test_an_action_not_in_the_table_is_refused(new_case, officer_a):
    case = new_case()
    before = snapshot(case)

    with pytest.raises(ValidationError, match="Không có bước “delete_case” trong quy trình"):
        case_act(actor=officer_a, case=case, action="delete_case", version=case.version, data={})

    assert snapshot(case) == before


# --- specific illegal transitions ----------------------------------------------------------------------------------


def test_an_officer_may_not_approve_a_plan(case_at, officer_a):
    case = case_at(S.PLAN_DRAFTED)
    error = refused(officer_a, case, "approve_plan")

    assert error.messages == ["Chỉ Chủ tịch UBND phường mới được thực hiện “Phê duyệt kế hoạch – Mẫu 05”."]
    assert case.plans.get().status == PlanStatus.SUBMITTED


@pytest.mark.parametrize("state", [S.RECEIVED, S.ASSESSED, S.PLAN_DRAFTED, S.IMPLEMENTING], ids=str)
def test_closure_may_not_be_proposed_before_a_review(state, case_at, officer_a):
    case = case_at(state)
    error = refused(officer_a, case, "propose_closure")

    assert f"khi hồ sơ đang ở bước “{S(state).label}”" in error.messages[0]


@pytest.mark.parametrize(
    "review", [{"risk_remains": True}, {"child_stable": False}, {"risk_remains": True, "child_stable": False}], ids=str
)
def test_closure_is_refused_while_the_latest_review_shows_risk_or_an_unstable_child(
    review, case_at, officer_a, chair_a
):
    case = case_at(S.IMPLEMENTING)
    act(officer_a, case, "review", **review)
    assert case.state == S.REVIEWED
    before = snapshot(case)

    with pytest.raises(ValidationError, match="Chưa thể đóng hồ sơ") as exc:
        act(officer_a, case, "propose_closure")

    message = exc.value.messages[0]
    assert ("trẻ không còn nguy cơ" in message) == review.get("risk_remains", False)
    assert ("trẻ đã ổn định" in message) == (not review.get("child_stable", True))
    assert snapshot(case) == before

    # Back to the plan, a better review, and then the officer may propose closing and the chair approve it.
    act(officer_a, case, "continue_plan")
    act(officer_a, case, "review")
    act(officer_a, case, "propose_closure")
    act(chair_a, case, "approve_closure")
    assert case.state == S.CLOSED


def test_an_earlier_good_review_does_not_allow_closure_after_a_worse_one(case_at, officer_a):
    case = case_at(S.REVIEWED)  # the walk's review: no risk, child stable
    act(officer_a, case, "continue_plan")
    act(officer_a, case, "review", risk_remains=True)
    before = snapshot(case)

    with pytest.raises(ValidationError, match="Chưa thể đóng hồ sơ"):
        act(officer_a, case, "propose_closure")

    assert snapshot(case) == before


@pytest.mark.parametrize("outsider", ["police", "administrator"])
@pytest.mark.parametrize("state", [S.RECEIVED, S.PLAN_DRAFTED, S.REVIEWED, S.CLOSED], ids=str)
def test_partners_and_the_administrator_cannot_move_a_case(outsider, state, case_at, request):
    case = case_at(state)
    user = request.getfixturevalue(outsider)

    for transition in TRANSITIONS:
        if state not in transition.sources:
            continue
        assert refused(user, case, transition.action).messages[0].startswith("Chỉ ")


def test_an_officer_of_another_commune_is_refused_as_out_of_area(case_at, officer_b):
    case = case_at(S.RECEIVED)
    error = refused(officer_b, case, "assess_initial")

    assert "ngoài địa bàn" in error.messages[0]


def test_a_chair_of_another_commune_is_refused_as_out_of_area(case_at, commune_b):
    chair_b = UserFactory(username="chair_b", full_name="Vũ Văn Nam", role=Role.COMMUNE_CHAIR, unit=commune_b)
    case = case_at(S.INITIAL_ASSESSED)
    error = refused(chair_b, case, "decide_emergency")

    assert error.messages == ["Hồ sơ này nằm ngoài địa bàn bạn phụ trách."]


# --- emergency protection and temporary separation -----------------------------------------------------------------


def test_an_emergency_separation_of_15_days_is_recorded_with_its_end_deadline(case_at, chair_a):
    case = case_at(S.INITIAL_ASSESSED)

    step = act(chair_a, case, "decide_emergency", **SEPARATION)

    assert case.state == S.EMERGENCY_DECIDED
    measure = EmergencyMeasure.objects.get(case=case)
    assert (measure.decided_by, measure.decided_at, measure.separation) == (chair_a, NOW, True)
    assert measure.separation_until == dt.date(2026, 12, 5)  # 20/11 + 15 days
    assert measure.placement == SEPARATION["placement"]
    deadline = case.deadlines.get(kind=DeadlineKind.SEPARATION_END, status=DeadlineStatus.OPEN)
    assert deadline.started_at == NOW
    assert deadline.due_at == local(2026, 12, 5, 23, 59, 59)
    assert deadline.remind_at == local(2026, 12, 4, 23, 59, 59)
    assert step.record["separation_until"] == "05/12/2026"
    # The emergency decision itself came in time (08:30 + 12 h).
    assert (step.on_time, step.deadline_due) == (True, local(2026, 11, 20, 20, 30))


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"separation_days": 16}, "separation_days", "không quá 15 ngày"),
        ({"placement": ""}, "placement", "nơi trẻ được bố trí"),
        ({"measures": ""}, "measures", "biện pháp bảo vệ khẩn cấp"),
    ],
    ids=["16-days", "no-placement", "no-measures"],
)
def test_an_emergency_decision_is_refused_without_what_the_decree_requires(overrides, field, words, case_at, chair_a):
    case = case_at(S.INITIAL_ASSESSED)
    before = snapshot(case)

    with pytest.raises(ValidationError) as exc:
        act(chair_a, case, "decide_emergency", **{**SEPARATION, **overrides})

    assert words in " ".join(exc.value.message_dict[field])
    assert snapshot(case) == before
    assert not EmergencyMeasure.objects.filter(case=case).exists()


def test_ending_a_separation_in_time_settles_its_deadline(case_at, chair_a, clock):
    case = case_at(S.INITIAL_ASSESSED)
    act(chair_a, case, "decide_emergency", **{**SEPARATION, "separation_days": 10})
    clock.move_to(local(2026, 11, 28, 16, 0))

    act(chair_a, case, "end_separation", end_decided_on=dt.date(2026, 11, 28))

    deadline = case.deadlines.get(kind=DeadlineKind.SEPARATION_END)
    assert (deadline.status, deadline.settled_at) == (DeadlineStatus.MET, local(2026, 11, 28, 16, 0))
    with pytest.raises(ValidationError, match="không có biện pháp tách trẻ khỏi môi trường đang áp dụng"):
        act(chair_a, case, "end_separation")


# --- reopening -----------------------------------------------------------------------------------------------------


def test_a_closed_case_reopened_needs_a_new_plan_numbered_2(case_at, officer_a, chair_a, clock):
    case = case_at(S.CLOSED)
    assert case.report.status == ReportStatus.CLOSED
    reopened_at = local(2026, 12, 10, 14, 0)  # a Thursday
    clock.move_to(reopened_at)

    step = act(officer_a, case, "reopen")

    assert case.state == S.ASSESSED
    assert case.closed_at is None
    assert step.record == {"reason": "Có thông tin trẻ lại bị bạo lực."}
    plan_deadline = case.deadlines.get(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN)
    assert plan_deadline.started_at == reopened_at
    assert plan_deadline.due_at == local(2026, 12, 17, 23, 59, 59)  # 5 working days after Thu 10/12
    assert Report.objects.get(pk=case.report_id).status == ReportStatus.HANDLING

    step = act(officer_a, case, "draft_plan", goals="Kế hoạch mới sau khi mở lại hồ sơ.")

    assert case.state == S.PLAN_DRAFTED
    assert step.record["plan_number"] == 2
    assert list(case.plans.values_list("number", "status")) == [
        (1, PlanStatus.SUPERSEDED),
        (2, PlanStatus.SUBMITTED),
    ]
    plan_deadline.refresh_from_db()
    assert plan_deadline.status == DeadlineStatus.MET
    assert case.deadlines.filter(kind=DeadlineKind.APPROVAL, status=DeadlineStatus.OPEN).count() == 1

    act(chair_a, case, "approve_plan", decision_number="40/QĐ-UBND")
    assert list(case.plans.values_list("number", "status")) == [
        (1, PlanStatus.SUPERSEDED),
        (2, PlanStatus.APPROVED),
    ]


def test_the_chair_may_reopen_a_case_but_not_a_partner(case_at, chair_a, police):
    case = case_at(S.CLOSED)
    with pytest.raises(ValidationError, match="Chỉ Chủ tịch UBND phường hoặc cán bộ bảo vệ trẻ em cấp xã"):
        act(police, case, "reopen")

    act(chair_a, case, "reopen")

    assert case.state == S.ASSESSED


# --- concurrency ---------------------------------------------------------------------------------------------------


def test_a_second_user_acting_on_a_stale_version_is_refused_and_nothing_changes(new_case, officer_a, commune_a):
    colleague = UserFactory(username="officer_a2", full_name="Đinh Thị Lan", role=Role.COMMUNE_OFFICER, unit=commune_a)
    case = new_case()
    first, second = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
    version = first.version

    case_act(actor=officer_a, case=first, action="assess_initial", version=version, data=record("assess_initial"))
    after_first = snapshot(case)

    with pytest.raises(ValidationError) as exc:
        case_act(
            actor=colleague,
            case=second,
            action="assess_initial",
            version=version,
            data=record("assess_initial", risk_level="low", summary="Đánh giá khác"),
        )

    assert exc.value.code == "stale"
    assert "vừa được người khác cập nhật" in exc.value.messages[0]
    assert snapshot(case) == after_first
    assert list(CaseStep.objects.filter(case=case, action="assess_initial").values_list("actor", flat=True)) == [
        officer_a.pk
    ]
    assert after_first["version"] == version + 1


def test_a_stale_version_is_refused_even_for_an_action_that_keeps_the_state(case_at, officer_a, chair_a):
    case = case_at(S.IMPLEMENTING)
    version = case.version
    act(chair_a, case, "log_activity")
    before = snapshot(case)

    with pytest.raises(ValidationError) as exc:
        case_act(actor=officer_a, case=case, action="log_activity", version=version, data=record("log_activity"))

    assert exc.value.code == "stale"
    assert snapshot(case) == before


# --- returning a plan ----------------------------------------------------------------------------------------------


def test_the_supervisor_may_return_a_plan_with_a_comment_where_the_setting_allows(case_at, supervisor, clock, settings):
    settings.CHILDPROTECT_SUPERVISOR_RETURNS_PLAN = True
    case = case_at(S.PLAN_DRAFTED)
    returned_at = local(2026, 11, 23, 10, 0)  # Monday
    clock.move_to(returned_at)

    step = act(supervisor, case, "return_plan", reason="Thiếu hoạt động hỗ trợ tâm lý cho mẹ của trẻ.")

    assert (step.actor, step.from_state, step.to_state) == (supervisor, S.PLAN_DRAFTED, S.ASSESSED)
    assert case.state == S.ASSESSED
    comment = CaseComment.objects.get(case=case)
    assert (comment.author, comment.text, comment.requests_changes, comment.at) == (
        supervisor,
        "Thiếu hoạt động hỗ trợ tâm lý cho mẹ của trẻ.",
        True,
        returned_at,
    )
    assert case.plans.get().status == PlanStatus.RETURNED
    assert not case.deadlines.filter(kind=DeadlineKind.APPROVAL, status=DeadlineStatus.OPEN).exists()
    plan_deadline = case.deadlines.get(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN)
    assert plan_deadline.started_at == returned_at
    assert plan_deadline.due_at == local(2026, 11, 30, 23, 59, 59)  # 5 working days after Mon 23/11
    assert AuditEntry.objects.filter(action="case.return_plan", actor=supervisor, object_id=str(case.pk)).exists()

    # The officer redrafts: plan 2, the returned plan 1 superseded.
    act(case.officer, case, "draft_plan")
    assert list(case.plans.values_list("number", "status")) == [
        (1, PlanStatus.SUPERSEDED),
        (2, PlanStatus.SUBMITTED),
    ]


def test_returning_a_plan_cancels_the_approval_deadline_rather_than_counting_it_as_met(case_at, chair_a):
    """The plan was not approved: its approval deadline no longer applies ("cancelled"), and the return step must not
    show as an approval made "Đúng hạn" on the timeline."""
    case = case_at(S.PLAN_DRAFTED)
    approval = case.deadlines.get(kind=DeadlineKind.APPROVAL, status=DeadlineStatus.OPEN)

    step = act(chair_a, case, "return_plan")

    approval.refresh_from_db()
    assert approval.status == DeadlineStatus.CANCELLED
    assert step.on_time is None


def test_an_officer_may_not_return_a_plan(case_at, officer_a):
    case = case_at(S.PLAN_DRAFTED)
    error = refused(officer_a, case, "return_plan")

    assert error.messages == [
        "Chỉ Chủ tịch UBND phường hoặc cán bộ giám sát mới được thực hiện “Trả lại kế hoạch để sửa”."
    ]


def test_rejecting_a_closure_sends_the_case_back_to_the_plan_with_a_new_review_deadline(case_at, chair_a):
    case = case_at(S.CLOSURE_PROPOSED)

    act(chair_a, case, "reject_closure")

    assert case.state == S.IMPLEMENTING
    review = case.deadlines.get(kind=DeadlineKind.REVIEW, status=DeadlineStatus.OPEN)
    assert review.due_at == NOW + dt.timedelta(days=30)
    assert Review.objects.filter(case=case).count() == 1
    assert Plan.objects.get(case=case).status == PlanStatus.APPROVED


def test_the_table_names_a_handler_and_a_label_for_every_action():
    assert set(BY_ACTION) == {t.action for t in TRANSITIONS}
    assert len(BY_ACTION) == len(TRANSITIONS)
    assert all(t.label and t.roles and t.sources for t in TRANSITIONS)
