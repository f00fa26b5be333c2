"""The hand-overs of the procedure tell the person whose turn it is, with a bell and an e-mail.

When the chair (or a supervisor) acts on a case, the officer in charge is told; when the officer hands a case to the
chair (initial assessment, plan drafted, closure proposed), the commune's chair is told. What would go to an officer
who can no longer act on the case (and comments on it) goes to the commune's stand-ins instead. The clock is frozen at
20/11/2026 09:00 (the `clock` fixture); Celery runs in-process, so the e-mails are in django.core.mail.outbox.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from cases.models import CaseState
from cases.services import case_comment
from childprotect.accounts.models import Role
from childprotect.core.models import Notification
from tests.support.builders import act, open_case, walk

from ..factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery", "addresses")]


@pytest.fixture(autouse=True)
def supervisors_return_plans(settings):
    """These hand-overs include a supervisor returning a plan, which CHILDPROTECT_SUPERVISOR_RETURNS_PLAN allows (its
    default, off, is tested in tests/cases/test_workflow.py)."""
    settings.CHILDPROTECT_SUPERVISOR_RETURNS_PLAN = True


@pytest.fixture
def addresses(officer_a, chair_a, supervisor):
    """Everyone has an e-mail address, so that "not mailed" means something."""
    for user in (officer_a, chair_a, supervisor):
        user.email = f"{user.username}@example.vn"
        user.save(update_fields=["email"])


@pytest.fixture
def case(officer_a, make_report, make_child):
    return open_case(officer_a, make_report, make_child)


@pytest.fixture
def outsiders(officer_b, commune_b):
    """People who must never hear of commune A's cases: commune B's officer and chair."""
    chair_b = UserFactory(username="chair_b", role=Role.COMMUNE_CHAIR, unit=commune_b, email="chair_b@example.vn")
    officer_b.email = "officer_b@example.vn"
    officer_b.save(update_fields=["email"])
    return [officer_b, chair_b]


def told(case, step) -> dict[str, Notification]:
    """The notifications a step sent, by recipient's username."""
    rows = Notification.objects.filter(key=f"case:{case.pk}:step:{step.pk}").select_related("recipient")
    return {n.recipient.username: n for n in rows}


def mailed_to(user) -> list[str]:
    return [str(m.subject) for m in mail.outbox if user.email in m.to]


@pytest.mark.parametrize(
    ("start", "action", "actor"),
    [
        (CaseState.INITIAL_ASSESSED, "decide_emergency", "chair_a"),
        (CaseState.PLAN_DRAFTED, "approve_plan", "chair_a"),
        (CaseState.PLAN_DRAFTED, "return_plan", "chair_a"),
        (CaseState.PLAN_DRAFTED, "return_plan", "supervisor"),
        (CaseState.CLOSURE_PROPOSED, "approve_closure", "chair_a"),
        (CaseState.CLOSURE_PROPOSED, "reject_closure", "chair_a"),
    ],
)
def test_the_officer_in_charge_is_told_when_the_chair_acts(
    case, cast, officer_a, chair_a, outsiders, start, action, actor, django_capture_on_commit_callbacks
):
    walk(case, start, officer=officer_a, chair=chair_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        step = act(cast[actor], case, action)

    notes = told(case, step)
    assert set(notes) == {"officer_a"}, notes  # not the actor, not commune B
    note = notes["officer_a"]
    assert str(case) in note.title and step.case.get_state_display() in note.body
    assert cast[actor].full_name in note.body
    assert note.url == reverse("cases:case_detail", args=[case.pk])
    assert mailed_to(officer_a) == [f"[Bảo vệ trẻ em] {note.title}"]
    for outsider in outsiders:
        assert not mailed_to(outsider) and not outsider.notifications.exists()


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (CaseState.RECEIVED, "assess_initial"),
        (CaseState.ASSESSED, "draft_plan"),
        (CaseState.REVIEWED, "propose_closure"),
    ],
)
def test_the_chair_is_told_when_the_officer_hands_a_case_over(
    case, officer_a, chair_a, outsiders, start, action, django_capture_on_commit_callbacks
):
    walk(case, start, officer=officer_a, chair=chair_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        step = act(officer_a, case, action)

    notes = told(case, step)
    assert set(notes) == {"chair_a"}
    note = notes["chair_a"]
    assert note.title.startswith("Đến lượt bạn:") and str(case) in note.title
    assert officer_a.full_name in note.body
    assert mailed_to(chair_a) == [f"[Bảo vệ trẻ em] {note.title}"]
    for outsider in outsiders:
        assert not outsider.notifications.exists()


def test_the_chair_learns_what_to_do_next_and_the_officer_when_it_comes_back(case, officer_a, chair_a):
    walk(case, CaseState.ASSESSED, officer=officer_a, chair=chair_a)
    step = act(officer_a, case, "draft_plan")
    assert "Phê duyệt kế hoạch – Mẫu 05" in told(case, step)["chair_a"].title
    step = act(chair_a, case, "return_plan")
    note = told(case, step)["officer_a"]
    assert note.title.startswith("Đến lượt bạn:") and "Xây dựng kế hoạch" in note.title
    assert "Bổ sung hoạt động tư vấn cho gia đình." in note.body  # the chair's reason


def test_a_step_that_moves_nothing_on_tells_no_one(case, officer_a, chair_a):
    walk(case, CaseState.IMPLEMENTING, officer=officer_a, chair=chair_a)
    step = act(chair_a, case, "log_activity")
    assert told(case, step) == {}


def test_each_hand_over_is_told_once_per_person(case, officer_a, chair_a, commune_a):
    second_chair = UserFactory(username="vice_chair_a", role=Role.COMMUNE_CHAIR, unit=commune_a)
    gone = UserFactory(username="former_chair_a", role=Role.COMMUNE_CHAIR, unit=commune_a, is_active=False)
    step = act(officer_a, case, "assess_initial")
    notes = told(case, step)
    assert set(notes) == {"chair_a", "vice_chair_a"}
    assert not gone.notifications.exists()
    assert Notification.objects.filter(recipient=second_chair, key__startswith=f"case:{case.pk}:").count() == 1


# --- an officer who can no longer act on the case ------------------------------------------------------------------


def leave(officer, how: str, elsewhere) -> None:
    """The officer in charge leaves: deactivated, or moved to another commune (the account still active)."""
    if how == "deactivated":
        officer.is_active = False
        officer.save(update_fields=["is_active"])
    else:
        officer.unit = elsewhere
        officer.save(update_fields=["unit"])


@pytest.mark.parametrize("how", ["deactivated", "moved"])
def test_what_would_go_to_an_officer_who_left_goes_to_the_chair_told_why(
    case, officer_a, chair_a, supervisor, commune_b, how, django_capture_on_commit_callbacks
):
    walk(case, CaseState.PLAN_DRAFTED, officer=officer_a, chair=chair_a)
    leave(officer_a, how, commune_b)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        step = act(supervisor, case, "return_plan")

    notes = told(case, step)
    assert set(notes) == {"chair_a"}  # never the officer who left, active or not
    note = notes["chair_a"]
    assert note.title.startswith(f"Hồ sơ {case} cần cán bộ phụ trách:") and "Xây dựng kế hoạch" in note.title
    why = "không còn hoạt động" if how == "deactivated" else "đã chuyển công tác"
    assert note.body.startswith(f"Cán bộ phụ trách {why}: {officer_a}.")
    assert officer_a.full_name in note.body and "nhận nhắc việc thay" in note.body
    assert mailed_to(chair_a) == [f"[Bảo vệ trẻ em] {note.title}"]
    assert not mailed_to(officer_a)


def test_with_no_active_chair_the_supervisors_above_stand_in(case, officer_a, chair_a, supervisor):
    walk(case, CaseState.PLAN_DRAFTED, officer=officer_a, chair=chair_a)
    other = UserFactory(username="supervisor_2", role=Role.SUPERVISOR, unit=supervisor.unit)
    for gone in (officer_a, chair_a):
        gone.is_active = False
        gone.save(update_fields=["is_active"])
    step = act(supervisor, case, "return_plan")
    notes = told(case, step)
    assert set(notes) == {"supervisor_2"}  # not the supervisor who acted, nobody inactive
    assert notes["supervisor_2"].body.startswith("Cán bộ phụ trách không còn hoạt động")
    assert other.notifications.count() == 1


def test_a_comment_on_the_case_of_an_officer_who_left_goes_to_the_chair(case, officer_a, chair_a, supervisor):
    officer_a.is_active = False
    officer_a.save(update_fields=["is_active"])
    case_comment(actor=supervisor, case=case, text="Cần bổ sung biên bản xác minh.")
    note = Notification.objects.get(title=f"Ý kiến mới về hồ sơ {case}")
    assert note.recipient == chair_a
    assert note.body.startswith("Cán bộ phụ trách không còn hoạt động")
    assert note.body.endswith("Cần bổ sung biên bản xác minh.")


def test_a_comment_reaches_the_officer_while_they_can_act(case, officer_a, chair_a):
    case_comment(actor=chair_a, case=case, text="Đề nghị xác minh thêm.")
    note = Notification.objects.get(title=f"Ý kiến mới về hồ sơ {case}")
    assert (note.recipient, note.body) == (officer_a, "Đề nghị xác minh thêm.")
