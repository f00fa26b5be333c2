"""Closing a case (NĐ 56/2017 Điều 30): only once a temporary separation has ended by the chair's decision (Đ32 k3)
and the latest review on Mẫu 06 has low harm totals, self-protection and recovery as the settings ask, no remaining
risk and a stable child; each failing condition is named; a review made before the form's criteria does not close.
Ending a separation is a step of its own (decision number and date, audited, in the timeline). The chair's emergency
decision page shows the initial assessment (Mẫu 02) it decides on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cases.models import CaseState, DeadlineKind, DeadlineStatus, EmergencyMeasure
from childprotect.audit.models import AuditEntry
from tests.support.builders import SEPARATION, act, snapshot, walk
from tests.support.clock import local
from tests.support.pages import act_url, detail_url, html, post_step, version_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]
S = CaseState
END = {"end_decision_number": "21/QĐ-UBND", "end_decided_on": dt.date(2026, 11, 27), "note": "Trẻ đã an toàn."}


@pytest.fixture
def separated(new_case, officer_a, chair_a):
    """separated(state) -> a case whose emergency decision separated the child (10 days), walked on to `state`."""

    def build(state: str):
        case = walk(new_case(), S.INITIAL_ASSESSED, officer=officer_a, chair=chair_a)
        act(chair_a, case, "decide_emergency", **{**SEPARATION, "separation_days": 10})
        return walk(case, state, officer=officer_a, chair=chair_a)

    return build


def test_closure_is_refused_while_the_separation_runs_then_allowed_once_the_chair_ends_it(
    separated, officer_a, chair_a, clock
):
    case = separated(S.REVIEWED)  # the review shows low harm, no access, no risk, a stable child
    before = snapshot(case)

    with pytest.raises(ValidationError) as exc:
        act(officer_a, case, "propose_closure")
    assert "Chưa thể đóng hồ sơ" in exc.value.messages[0]
    assert "tách trẻ khỏi môi trường" in exc.value.messages[0]
    assert snapshot(case) == before

    clock.move_to(local(2026, 11, 27, 15, 0))
    step = act(chair_a, case, "end_separation", **END)

    case.refresh_from_db()
    assert case.state == S.REVIEWED  # the step keeps the case where it is
    measure = EmergencyMeasure.objects.get(case=case)
    assert (measure.ended_on, measure.end_decision, measure.ended_by) == (dt.date(2026, 11, 27), "21/QĐ-UBND", chair_a)
    deadline = case.deadlines.get(kind=DeadlineKind.SEPARATION_END)
    assert deadline.status == DeadlineStatus.MET and step.on_time is True
    assert step.record["end_decision_number"] == "21/QĐ-UBND" and step.record["end_decided_on"] == "27/11/2026"
    assert AuditEntry.objects.filter(action="case.end_separation", object_id=str(case.pk), actor=chair_a).exists()

    act(officer_a, case, "propose_closure")
    act(chair_a, case, "approve_closure")
    assert case.state == S.CLOSED


def test_the_chair_may_not_approve_closure_while_a_separation_still_runs(case_at, chair_a):
    case = case_at(S.CLOSURE_PROPOSED)
    # A separation decided before this rule (or through the admin) still running when closure is asked for.
    EmergencyMeasure.objects.create(
        case=case,
        decided_by=chair_a,
        decided_at=local(2026, 11, 20, 9, 0),
        measures="Cách ly tạm thời.",
        placement="Nhà bà nội",
        separation=True,
        separation_until=dt.date(2026, 12, 5),
    )
    before = snapshot(case)

    with pytest.raises(ValidationError, match="tách trẻ khỏi môi trường"):
        act(chair_a, case, "approve_closure")

    assert snapshot(case) == before


HARM_CONDITION = "mẫu 06, tổng mức độ tổn hại: không tiêu chí nào ở mức cao, cả ba ở mức thấp"


@pytest.mark.parametrize(
    ("review", "words"),
    [
        ({"harm_severity": "high"}, f"{HARM_CONDITION} (rà soát ngày 20/11/2026: cao 1, trung bình 0, thấp 2)"),
        ({"care_obstacles": "medium"}, f"{HARM_CONDITION} (rà soát ngày 20/11/2026: cao 0, trung bình 1, thấp 2)"),
        ({"abuser_access": "medium", "harm_severity": "medium"}, "cao 0, trung bình 2, thấp 1"),
        (
            {"recovery_level": "low"},
            "khả năng phục hồi của trẻ em từ mức trung bình trở lên (rà soát ngày 20/11/2026: thấp)",
        ),
    ],
    ids=["harm-high", "obstacles-medium", "two-medium", "recovery-low"],
)
def test_closure_is_refused_after_a_review_whose_mau06_totals_are_not_low(review, words, case_at, officer_a, chair_a):
    case = case_at(S.IMPLEMENTING)
    act(officer_a, case, "review", **review)  # no risk remains, the child is stable: only this one fails
    before = snapshot(case)

    with pytest.raises(ValidationError) as exc:
        act(officer_a, case, "propose_closure")

    message = exc.value.messages[0]
    assert "Điều 30" in message and words in message.lower(), message
    assert "tách trẻ" not in message  # only the conditions that fail are named
    assert snapshot(case) == before


def test_the_closure_settings_allow_a_medium_harm_criterion_and_ask_more_of_self_protection(
    case_at, officer_a, settings
):
    settings.CHILDPROTECT_CLOSURE_HARM_MEDIUM_MAX = 1
    settings.CHILDPROTECT_CLOSURE_SELF_PROTECTION_MIN = "high"
    case = case_at(S.IMPLEMENTING)
    act(officer_a, case, "review", care_obstacles="medium", self_protection="medium")

    with pytest.raises(ValidationError) as exc:
        act(officer_a, case, "propose_closure")

    assert "tổng mức độ tổn hại" not in exc.value.messages[0]  # one Trung bình is allowed now
    assert "khả năng tự bảo vệ của trẻ em từ mức cao trở lên" in exc.value.messages[0].lower()
    settings.CHILDPROTECT_CLOSURE_SELF_PROTECTION_MIN = "low"  # rated at all
    act(officer_a, case, "propose_closure")
    assert case.state == S.CLOSURE_PROPOSED


def test_a_review_made_before_the_mau06_criteria_does_not_close_until_a_new_review(case_at, officer_a, chair_a):
    case = case_at(S.REVIEWED)
    # A review as recorded before the criteria were kept: harm "low", no access, no risk, stable; no ratings.
    case.reviews.update(harm_severity="", abuser_access="", care_obstacles="", self_protection="", recovery_level="")

    with pytest.raises(ValidationError) as exc:
        act(officer_a, case, "propose_closure")
    assert "chưa đánh giá theo các tiêu chí của mẫu 06: cần rà soát lại" in exc.value.messages[0].lower()

    act(officer_a, case, "continue_plan")
    act(officer_a, case, "review")  # on the form
    act(officer_a, case, "propose_closure")
    act(chair_a, case, "approve_closure")
    assert case.state == S.CLOSED


def test_the_chair_may_not_approve_a_closure_proposed_before_a_worse_review(case_at, officer_a, chair_a):
    case = case_at(S.CLOSURE_PROPOSED)
    case.reviews.update(harm_severity="high")  # the review the proposal rested on, as it now stands
    before = snapshot(case)

    with pytest.raises(ValidationError, match="Cao 1"):
        act(chair_a, case, "approve_closure")

    assert snapshot(case) == before


def test_ending_a_separation_needs_the_chair_a_decision_number_and_a_plausible_date(
    separated, case_at, officer_a, chair_a
):
    case = separated(S.IMPLEMENTING)
    before = snapshot(case)
    with pytest.raises(ValidationError, match="Chỉ Chủ tịch UBND phường"):
        act(officer_a, case, "end_separation", **END)
    with pytest.raises(ValidationError) as exc:
        act(chair_a, case, "end_separation", **{**END, "end_decision_number": " "})
    assert "end_decision_number" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        act(chair_a, case, "end_separation", **{**END, "end_decided_on": dt.date(2026, 11, 21)})  # tomorrow
    assert "end_decided_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        act(chair_a, case, "end_separation", **{**END, "end_decided_on": dt.date(2026, 11, 19)})  # before it began
    assert "end_decided_on" in exc.value.message_dict
    assert snapshot(case) == before

    without = case_at(S.IMPLEMENTING)
    with pytest.raises(ValidationError, match="không có biện pháp tách trẻ khỏi môi trường đang áp dụng"):
        act(chair_a, without, "end_separation", **END)


def test_the_closure_pages_list_the_conditions_with_ticks_and_a_refusal_says_which_fails(
    client, separated, officer_a, chair_a
):
    case = separated(S.REVIEWED)
    client.force_login(officer_a)

    page = client.get(act_url(case, "propose_closure"))

    conditions = {c.label: c.met for c in page.context["closure_conditions"]}
    assert conditions["Biện pháp tách trẻ khỏi môi trường đã chấm dứt bằng quyết định"] is False
    assert conditions["Lần rà soát gần nhất theo Mẫu 06 (đủ các tiêu chí)"] is True
    assert conditions["Mẫu 06, tổng mức độ tổn hại: không tiêu chí nào ở mức Cao, cả ba ở mức Thấp"] is True
    assert "✗" in html(page) and "✓" in html(page)
    response = client.post(act_url(case, "propose_closure"), {"version": version_on(page), "note": ""})
    assert response.status_code == 200
    assert "Chưa thể đóng hồ sơ" in html(response) and "tách trẻ khỏi môi trường" in html(response)

    client.force_login(chair_a)
    detail = client.get(detail_url(case))
    assert act_url(case, "end_separation") in html(detail)
    response = post_step(
        client,
        case,
        "end_separation",
        {"end_decision_number": "21/QĐ-UBND", "end_decided_on": "20/11/2026", "note": ""},
    )
    assert response.status_code == 302
    timeline = html(client.get(detail_url(case)))
    assert "Chấm dứt biện pháp tách trẻ khỏi môi trường" in timeline and "21/QĐ-UBND" in timeline


def test_the_chair_sees_the_initial_assessment_on_the_emergency_decision_page(client, case_at, officer_a, chair_a):
    case = case_at(S.RECEIVED)
    act(
        officer_a,
        case,
        "assess_initial",
        risk_level="high",
        in_danger_now=True,
        needs_emergency=True,
        summary="Trẻ bị cha đánh nhiều lần, có vết bầm ở tay.",
    )
    client.force_login(chair_a)

    page = html(client.get(act_url(case, "decide_emergency")))

    assert "Đánh giá nguy cơ ban đầu (Mẫu 02)" in page
    assert "Mức độ nguy cơ" in page and "Cao" in page
    assert "Trẻ đang gặp nguy hiểm ngay lúc này" in page
    assert "Đề nghị áp dụng biện pháp bảo vệ khẩn cấp" in page
    assert "Trẻ bị cha đánh nhiều lần, có vết bầm ở tay." in page
    assert "Nguyễn Thị Hoà" in page  # who assessed
