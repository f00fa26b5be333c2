"""The review on Mẫu 06 (NĐ 56/2017 Đ30 k2): the three harm criteria and the child's self-protection and recovery,
each rated Cao / Trung bình / Thấp, quick to fill in (radio rows), refused whole with Vietnamese errors, printed with
the ratings marked and the harm totals; older reviews stay readable. The plan's clocks the law sets around it:
Đ28 k1's emergency exception, the new plan after a review (Đ30 k1 c); and who may return a plan (Đ28 k4)."""

from __future__ import annotations

import re

import pytest

from cases.handlers import closure_conditions
from cases.models import CaseState, DeadlineKind, DeadlineStatus, Review, RiskLevel
from cases.workflow import waiting_on
from tests.support.builders import act, record, snapshot, walk
from tests.support.clock import local
from tests.support.pages import act_url, html, pdf_text, pdf_words, version_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]
S = CaseState
RATINGS = {
    "harm_severity": "medium",
    "abuser_access": "low",
    "care_obstacles": "high",
    "self_protection": "low",
    "recovery_level": "medium",
}


def form_post(page, **fields: str) -> dict[str, str]:
    return {
        "version": version_on(page),
        "care_environment": "",
        "recovery": "",
        "conclusion": "Tiếp tục hỗ trợ tâm lý; lập kế hoạch mới.",
        "risk_remains": "on",
        **fields,
    }


def test_the_review_page_rates_each_criterion_in_a_row_of_three_radio_buttons(client, case_at, officer_a):
    case = case_at(S.IMPLEMENTING)
    client.force_login(officer_a)

    page = html(client.get(act_url(case, "review")))

    assert "a) Đánh giá mức độ tổn hại của trẻ em" in page
    assert "b) Đánh giá khả năng tự bảo vệ, phục hồi của trẻ em" in page
    for name in RATINGS:
        for value in ("high", "medium", "low"):
            assert f'name="{name}" value="{value}"' in page
    assert "Khả năng tiếp cận trẻ em của đối tượng xâm hại" in page
    assert "đối tượng xâm hại vẫn có khả năng tiếp cận trẻ em và thường xuyên" in page  # what Cao means


def test_a_review_missing_ratings_is_refused_whole_in_vietnamese_and_saves_nothing(client, case_at, officer_a):
    case = case_at(S.IMPLEMENTING)
    client.force_login(officer_a)
    page = client.get(act_url(case, "review"))
    before = snapshot(case)

    response = client.post(act_url(case, "review"), form_post(page, harm_severity="low", recovery_level="bad"))

    assert response.status_code == 200
    text = html(response)
    assert text.count("Chọn mức độ: Cao, Trung bình hoặc Thấp.") == 3  # three criteria not rated
    assert "Chỉ chọn Cao, Trung bình hoặc Thấp." in text  # a value the form does not offer
    assert re.search(r'name="harm_severity" value="low"[^>]*checked', text)  # what was chosen is kept
    assert not Review.objects.filter(case=case).exists()
    assert snapshot(case) == before


def test_a_review_records_the_ratings_and_the_totals(client, case_at, officer_a):
    case = case_at(S.IMPLEMENTING)
    client.force_login(officer_a)
    page = client.get(act_url(case, "review"))

    response = client.post(act_url(case, "review"), form_post(page, **RATINGS))

    assert response.status_code == 302
    review = Review.objects.get(case=case)
    assert {name: getattr(review, name) for name in RATINGS} == RATINGS
    assert review.on_mau06
    assert review.harm_totals() == {RiskLevel.HIGH: 1, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 1}
    # The first version's columns, filled from the criteria for whatever reads them.
    assert (review.harm_level, review.abuser_has_access, review.risk_remains) == ("medium", False, True)
    conditions = {c.label: (c.met, c.found) for c in closure_conditions(case)}
    harm = conditions["Mẫu 06, tổng mức độ tổn hại: không tiêu chí nào ở mức Cao, cả ba ở mức Thấp"]
    assert harm == (False, "rà soát ngày 20/11/2026: Cao 1, Trung bình 1, Thấp 1")


def _review_pdf(client, case, tmp_path) -> bytes:
    response = client.get(f"/cases/{case.pk}/forms/06.pdf")
    assert response.status_code == 200, response.status_code
    return response.content


def test_mau06_prints_the_criteria_with_the_rating_marked_in_its_column_and_the_totals(
    client, case_at, officer_a, tmp_path
):
    case = case_at(S.IMPLEMENTING)
    act(officer_a, case, "review", **RATINGS)
    client.force_login(officer_a)

    pdf = _review_pdf(client, case, tmp_path)

    text = pdf_text(tmp_path, pdf)
    assert "Mẫu số 06" in text and "RÀ SOÁT, ĐÁNH GIÁ TÌNH TRẠNG CỦA TRẺ EM" in text
    assert "Sau khi thực hiện kế hoạch hỗ trợ, can thiệp" in text
    assert "a) Đánh giá mức độ tổn hại của trẻ em" in text and "b) Đánh giá khả năng tự bảo vệ, phục hồi" in text
    assert "Tổng số: Cao: 1; Trung bình: 1; Thấp: 1." in text
    words = pdf_words(tmp_path, pdf)
    # Column centres from the header row of each table (Cao, Trung bình, Thấp), then each criterion's X.
    header = [
        w for w in words if w.text == "Cao" and any(v.text == "Thấp" and abs(v.y_min - w.y_min) < 2 for v in words)
    ]
    assert len(header) == 2, header  # the two tables' headers

    def column(word, head) -> str:
        centres = {
            "high": head.x_min,
            "medium": next(w for w in words if w.text == "Trung" and abs(w.y_min - head.y_min) < 2).x_min,
            "low": next(w for w in words if w.text == "Thấp" and abs(w.y_min - head.y_min) < 2).x_min,
        }
        return min(centres, key=lambda k: abs(centres[k] - word.x_min))

    marks = sorted((w for w in words if w.text == "X"), key=lambda w: (w.page, w.y_min))
    assert len(marks) == 5
    first_of = {"harm": header[0], "resilience": header[1]}
    rated = [column(m, first_of["harm"] if i < 3 else first_of["resilience"]) for i, m in enumerate(marks)]
    assert rated == [
        RATINGS[n] for n in ("harm_severity", "abuser_access", "care_obstacles", "self_protection", "recovery_level")
    ]


def test_an_older_review_without_the_criteria_still_prints_and_reads(client, case_at, officer_a, tmp_path):
    case = case_at(S.REVIEWED)
    step = case.steps.get(action="review")
    old = {k: v for k, v in step.record.items() if k not in RATINGS}
    step.record = {**old, "harm_level": "low", "abuser_has_access": False}
    step.save(update_fields=["record"])
    case.reviews.update(**dict.fromkeys(RATINGS, ""))
    client.force_login(officer_a)

    text = pdf_text(tmp_path, _review_pdf(client, case, tmp_path))
    timeline = html(client.get(f"/cases/{case.pk}/"))

    assert "Mức độ tổn hại hiện tại: Thấp" in text and "Người xâm hại còn tiếp cận được trẻ: Không" in text
    assert "Tổng số" not in text
    assert "Mức độ tổn hại hiện tại" in timeline and "harm_level" not in timeline


# --- the plan's clocks and who returns a plan -------------------------------------------------------------------------


def test_an_emergency_decision_replaces_the_five_working_days_with_the_emergency_setting(new_case, officer_a, chair_a):
    case = walk(new_case(), S.INITIAL_ASSESSED, officer=officer_a, chair=chair_a)
    ordinary = case.deadlines.get(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN)
    assert ordinary.due_at == local(2026, 11, 27, 23, 59, 59)  # 5 working days after Fri 20/11 (the report)

    act(chair_a, case, "decide_emergency", emergency_needed=True, measures="Đưa trẻ đi khám.")

    ordinary.refresh_from_db()
    assert ordinary.status == DeadlineStatus.CANCELLED
    emergency = case.deadlines.get(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN)
    assert emergency.due_at == local(2026, 11, 24, 23, 59, 59)  # 2 working days after the decision (Fri 20/11)


def test_no_emergency_keeps_the_five_working_days_and_zero_means_no_plan_clock_in_an_emergency(
    new_case, officer_a, chair_a, settings
):
    calm = walk(new_case(), S.EMERGENCY_DECIDED, officer=officer_a, chair=chair_a)  # "not needed"
    assert calm.deadlines.get(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN).due_at == local(
        2026, 11, 27, 23, 59, 59
    )

    settings.CHILDPROTECT_EMERGENCY_PLAN_WORKING_DAYS = 0
    urgent = walk(new_case(child_name="Trần Thị Bình"), S.INITIAL_ASSESSED, officer=officer_a, chair=chair_a)
    act(chair_a, urgent, "decide_emergency", emergency_needed=True, measures="Đưa trẻ đi khám.")
    assert not urgent.deadlines.filter(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN).exists()


def test_a_review_finding_risk_starts_the_new_plan_clock_which_the_new_plan_settles(case_at, officer_a, clock):
    case = case_at(S.IMPLEMENTING)
    assert not case.deadlines.filter(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN).exists()

    act(officer_a, case, "review", risk_remains=True, child_stable=False)

    clock_deadline = case.deadlines.get(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN)
    assert clock_deadline.due_at == local(2026, 11, 27, 23, 59, 59)  # 5 working days after the review (Fri 20/11)
    step = act(officer_a, case, "draft_plan")
    clock_deadline.refresh_from_db()
    assert clock_deadline.status == DeadlineStatus.MET and step.on_time is True


def test_going_on_with_the_plan_cancels_the_new_plan_clock_and_a_good_review_starts_none(case_at, officer_a, settings):
    case = case_at(S.IMPLEMENTING)
    act(officer_a, case, "review", child_stable=False)
    act(officer_a, case, "continue_plan")
    assert not case.deadlines.filter(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN).exists()
    assert case.deadlines.filter(kind=DeadlineKind.REVIEW, status=DeadlineStatus.OPEN).exists()

    act(officer_a, case, "review")  # no risk, stable: no new plan owed
    assert not case.deadlines.filter(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN).exists()

    settings.CHILDPROTECT_REPLAN_WORKING_DAYS = 0
    act(officer_a, case, "continue_plan")
    act(officer_a, case, "review", risk_remains=True)
    assert not case.deadlines.filter(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN).exists()


def test_by_default_only_the_chair_returns_a_plan_and_the_plan_waits_on_the_chair(client, case_at, supervisor, chair_a):
    case = case_at(S.PLAN_DRAFTED)
    before = snapshot(case)
    client.force_login(supervisor)

    page = client.get(f"/cases/{case.pk}/")
    assert act_url(case, "return_plan") not in html(page)
    with pytest.raises(Exception, match="Chủ tịch UBND cấp xã phê duyệt hoặc trả lại kế hoạch"):
        act(supervisor, case, "return_plan")
    assert snapshot(case) == before
    assert waiting_on(S.PLAN_DRAFTED) == frozenset({chair_a.role})

    act(chair_a, case, "return_plan")
    assert case.state == S.ASSESSED
    assert record("return_plan")  # the chair's return is the same step as before
