"""Case pages through the test client: the workflow as users click through it, refusals, outsiders, audit, queries.

Forms are posted the way a browser posts them: the version comes from the hidden field of the page just loaded.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import Case, CaseComment, CaseState, CaseStep, DeadlineKind, DeadlineStatus, PlanStatus
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from tests.support.builders import act, open_case, snapshot, walk
from tests.support.clock import local
from tests.support.pages import act_url, detail_url, html, post_step, version_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

S = CaseState


def no_activities(total: int = 3) -> dict[str, str]:
    data = {"a-TOTAL_FORMS": str(total), "a-INITIAL_FORMS": "0", "a-MIN_NUM_FORMS": "0", "a-MAX_NUM_FORMS": "30"}
    for i in range(total):
        data.update({f"a-{i}-{name}": "" for name in ("activity", "responsible", "start", "end", "resources")})
    return data


# --- the procedure in the browser ----------------------------------------------------------------------------------


def test_officer_and_chair_walk_a_case_through_the_pages_and_the_timeline_says_what_was_late(
    client, new_case, officer_a, chair_a, clock
):
    case = new_case()  # received Fri 20/11/2026 08:30; emergency due 20:30, plan due Fri 27/11 23:59:59
    client.force_login(officer_a)

    page = client.get(detail_url(case))
    assert page.status_code == 200
    assert "Đánh giá nguy cơ ban đầu – Mẫu 02" in html(page)
    assert f'href="{act_url(case, "assess_initial")}"' in html(page)
    assert [t.action for t in page.context["actions"]] == ["assess_initial"]

    form = client.get(act_url(case, "assess_initial"))
    assert form.status_code == 200
    assert version_on(form) == str(case.version) == "1"
    response = client.post(
        act_url(case, "assess_initial"),
        {
            "version": version_on(form),
            "risk_level": "high",
            "in_danger_now": "on",
            "needs_emergency": "on",
            "level": "intervention",
            "summary": "Trẻ có vết bầm ở tay; người chăm sóc là bố dượng.",
        },
    )
    assert response.status_code == 302
    assert response.url == detail_url(case)
    page = client.get(response.url)
    assert "Đã ghi nhận: Đánh giá nguy cơ ban đầu – Mẫu 02." in html(page)
    assert page.context["actions"] == []  # the emergency decision is the chair's
    case.refresh_from_db()
    assert (case.state, case.version) == (S.INITIAL_ASSESSED, 2)

    # The chair decides only at 21:00, half an hour after the 12 hours ran out.
    clock.move_to(local(2026, 11, 20, 21, 0))
    client.force_login(chair_a)
    page = client.get(detail_url(case))
    assert [t.action for t in page.context["actions"]] == ["decide_emergency", "reassign"]
    form = client.get(act_url(case, "decide_emergency"))
    assert "Hạn: 20:30 20/11/2026" in html(form)
    assert "đã quá hạn" in html(form)
    response = post_step(
        client,
        case,
        "decide_emergency",
        {"emergency_needed": "on", "measures": "Đưa trẻ đi khám tại Trạm Y tế phường.", "note": "Trẻ bị thương."},
    )
    assert response.status_code == 302

    # Monday: the officer assesses and drafts the plan (in time: due Friday).
    clock.move_to(local(2026, 11, 23, 9, 0))
    client.force_login(officer_a)
    response = post_step(
        client,
        case,
        "assess_specific",
        {
            "level": "intervention",
            "needs": "Chăm sóc y tế, hỗ trợ tâm lý.",
            "meeting_date": "23/11/2026",
            "participants": "Cán bộ bảo vệ trẻ em, Công an phường, Trạm Y tế",
            "minutes": "Thống nhất nhu cầu hỗ trợ.",
        },
    )
    assert response.status_code == 302
    activities = no_activities()
    activities.update(
        {
            "a-0-activity": "Khám và điều trị",
            "a-0-responsible": "Trạm Y tế phường",
            "a-0-start": "23/11/2026",
            "a-0-end": "30/11/2026",
            "a-0-resources": "Bảo hiểm y tế",
        }
    )
    response = post_step(
        client, case, "draft_plan", {"goals": "Trẻ an toàn và được chăm sóc.", "end_date": "22/01/2027", **activities}
    )
    assert response.status_code == 302
    plan = case.plans.get()
    assert [(a.activity, a.start, a.end) for a in plan.activities.all()] == [
        ("Khám và điều trị", dt.date(2026, 11, 23), dt.date(2026, 11, 30))
    ]

    # Tuesday: the chair approves (in time: 2 working days).
    clock.move_to(local(2026, 11, 24, 10, 0))
    client.force_login(chair_a)
    response = post_step(client, case, "approve_plan", {"decision_number": "15/QĐ-UBND", "note": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == S.IMPLEMENTING
    assert case.plans.get().status == PlanStatus.APPROVED

    page = client.get(detail_url(case))
    settled = [(s.action, s.on_time) for s in page.context["timeline"] if s.deadline_due]
    assert settled == [("decide_emergency", False), ("draft_plan", True), ("approve_plan", True)]
    assert html(page).count("Trễ hạn") == 1
    assert html(page).count("Đúng hạn") == 2
    assert "hạn 20:30 20/11/2026" in html(page)
    # An emergency case: the plan was due 2 working days after the chair's decision of Friday (NĐ 56 Đ28 k1's
    # exception, CHILDPROTECT_EMERGENCY_PLAN_WORKING_DAYS), not 5 after the report.
    assert "hạn 23:59 24/11/2026" in html(page)
    assert [s.action for s in page.context["timeline"]] == [
        "open",
        "assess_initial",
        "decide_emergency",
        "assess_specific",
        "draft_plan",
        "approve_plan",
    ]


def test_a_form_posted_with_errors_keeps_the_case_unchanged(client, case_at, chair_a):
    case = case_at(S.INITIAL_ASSESSED)
    client.force_login(chair_a)
    before = snapshot(case)

    response = post_step(
        client,
        case,
        "decide_emergency",
        {
            "emergency_needed": "on",
            "measures": "Cách ly trẻ khỏi người xâm hại.",
            "separation": "on",
            "separation_days": "16",
            "placement": "Nhà bà nội",
            "note": "Người chăm sóc là người xâm hại.",
        },
    )

    assert response.status_code == 200
    assert "Không quá 15 ngày." in html(response)
    assert snapshot(case) == before


# --- a stale version through the page ------------------------------------------------------------------------------


@pytest.fixture
def stale_post(client, case_at, officer_a, chair_a):
    """The officer opens the "log activity" form, the chair logs one meanwhile, then the officer posts."""
    case = case_at(S.IMPLEMENTING)
    client.force_login(officer_a)
    form = client.get(act_url(case, "log_activity"))
    act(chair_a, case, "log_activity")  # someone else's change: version + 1
    before = snapshot(case)
    response = client.post(
        act_url(case, "log_activity"),
        {
            "version": version_on(form),
            "activity": "Thăm gia đình lần thứ hai",
            "done_on": "20/11/2026",
            "note": "Mẹ của trẻ đã tham gia buổi tư vấn.",
        },
    )
    return case, before, response


def test_a_stale_version_posted_through_the_page_is_shown_again_with_the_input_kept(stale_post):
    case, before, response = stale_post

    assert response.status_code == 200
    assert "vừa được người khác cập nhật" in html(response)
    assert 'value="Thăm gia đình lần thứ hai"' in html(response)
    assert "Mẹ của trẻ đã tham gia buổi tư vấn." in html(response)
    assert snapshot(case) == before
    assert CaseStep.objects.filter(case=case, action="log_activity").count() == 1  # the chair's only


def test_after_a_stale_version_the_page_lets_the_user_send_again(client, stale_post):
    """The message says "xem lại ... rồi gửi lại": sending the form shown again must work, so it must carry the
    current version, not the stale one that was posted."""
    case, _, response = stale_post
    case.refresh_from_db()

    assert version_on(response) == str(case.version)
    again = client.post(
        act_url(case, "log_activity"),
        {
            "version": version_on(response),
            "activity": "Thăm gia đình lần thứ hai",
            "done_on": "20/11/2026",
            "note": "Mẹ của trẻ đã tham gia buổi tư vấn.",
        },
    )
    assert again.status_code == 302
    assert CaseStep.objects.filter(case=case, action="log_activity").count() == 2


# --- refusals on the pages -----------------------------------------------------------------------------------------


def test_an_officer_opening_the_plan_approval_gets_a_403_page_saying_why(client, case_at, officer_a):
    case = case_at(S.PLAN_DRAFTED)
    client.force_login(officer_a)
    before = snapshot(case)

    page = client.get(act_url(case, "approve_plan"))
    posted = client.post(act_url(case, "approve_plan"), {"version": str(case.version), "decision_number": "1/QĐ"})

    assert page.status_code == 403
    assert "Chỉ Chủ tịch UBND phường mới được thực hiện “Phê duyệt kế hoạch – Mẫu 05”." in html(page)
    assert posted.status_code == 403
    assert snapshot(case) == before


def test_a_step_not_allowed_in_the_current_state_sends_back_to_the_case_page_with_the_reason(
    client, new_case, officer_a
):
    case = new_case()
    client.force_login(officer_a)
    before = snapshot(case)

    response = client.get(act_url(case, "assess_specific"))
    page = client.get(detail_url(case))
    posted = client.post(act_url(case, "assess_specific"), {"version": "1", "level": "support"})

    assert response.status_code == 302
    assert response.url == detail_url(case)
    reason = (
        "Không thể thực hiện “Đánh giá cụ thể, họp xác định nhu cầu – Mẫu 03” khi hồ sơ đang ở bước “Mới tiếp nhận”."
    )
    assert reason in html(page)
    # A POST is not sent away: the form comes back with what was typed and the reason.
    assert posted.status_code == 200
    assert reason in html(posted)
    assert snapshot(case)["state"] == before["state"]
    assert snapshot(case)["version"] == before["version"]


def test_an_unknown_step_is_a_404(client, new_case, officer_a):
    case = new_case()
    client.force_login(officer_a)

    assert client.get(act_url(case, "delete_case")).status_code == 404


# --- outsiders -----------------------------------------------------------------------------------------------------

CASE_URLS = ["case_detail", "case_act", "case_comment"]


def case_urls(case: Case) -> dict[str, str]:
    return {
        "case_list": reverse("cases:case_list"),
        "case_detail": detail_url(case),
        "case_act": act_url(case, "assess_initial"),
        "case_comment": reverse("cases:case_comment", args=[case.pk]),
    }


def visit(client, name: str, url: str):
    if name == "case_comment":
        return client.post(url, {"text": "Ý kiến của người ngoài"})
    return client.get(url)


@pytest.mark.parametrize("name", ["case_list", *CASE_URLS])
def test_anonymous_visitors_are_sent_to_the_login_page(client, new_case, name):
    case = new_case()
    url = case_urls(case)[name]

    response = visit(client, name, url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("name", CASE_URLS)
def test_an_officer_of_another_commune_gets_404_for_every_case_page(client, new_case, officer_b, name):
    case = new_case()
    client.force_login(officer_b)
    before = snapshot(case)

    response = visit(client, name, case_urls(case)[name])

    assert response.status_code == 404
    assert snapshot(case) == before
    assert not AuditEntry.objects.filter(actor=officer_b, action="case.view").exists()


def test_an_officer_of_another_commune_does_not_see_the_case_in_the_list(client, new_case, officer_b):
    case = new_case()
    client.force_login(officer_b)

    response = client.get(reverse("cases:case_list"))

    assert response.status_code == 200
    assert list(response.context["page"]) == []
    assert str(case) not in html(response)


@pytest.mark.parametrize("name", ["cases:case_list", "cases:child_list", "cases:child_create"])
def test_partners_have_no_registry_the_pages_do_not_exist_for_them(client, new_case, police, name):
    new_case()
    client.force_login(police)

    response = client.get(reverse(name))

    assert response.status_code == 404


@pytest.mark.parametrize("name", CASE_URLS)
def test_a_partner_gets_404_for_every_case_page(client, new_case, police, name):
    case = new_case()
    client.force_login(police)
    before = snapshot(case)

    response = visit(client, name, case_urls(case)[name])

    assert response.status_code == 404
    assert snapshot(case) == before


def test_the_supervisor_views_and_comments_and_the_officer_in_charge_is_told(client, new_case, supervisor, officer_a):
    case = new_case()
    client.force_login(supervisor)

    page = client.get(detail_url(case))
    assert page.status_code == 200
    # nothing to do on a new case but hand it to another officer
    assert [t.action for t in page.context["actions"]] == ["reassign"]
    assert f'action="{reverse("cases:case_comment", args=[case.pk])}"' in html(page)
    assert str(case) in html(client.get(reverse("cases:case_list")))

    response = client.post(
        reverse("cases:case_comment", args=[case.pk]),
        {"text": "Đề nghị xác minh thêm với nhà trường.", "requests_changes": "on"},
    )

    assert response.status_code == 302
    assert response.url == detail_url(case)
    comment = CaseComment.objects.get(case=case)
    assert (comment.author, comment.text, comment.requests_changes) == (
        supervisor,
        "Đề nghị xác minh thêm với nhà trường.",
        True,
    )
    notification = Notification.objects.get(recipient=officer_a, title=f"Ý kiến mới về hồ sơ {case}")
    assert notification.url == detail_url(case)
    assert "Đề nghị xác minh thêm với nhà trường." in html(client.get(detail_url(case)))


def test_the_supervisor_returns_a_plan_from_the_case_page_where_the_setting_allows(
    client, case_at, supervisor, settings
):
    settings.CHILDPROTECT_SUPERVISOR_RETURNS_PLAN = True
    case = case_at(S.PLAN_DRAFTED)
    client.force_login(supervisor)

    page = client.get(detail_url(case))
    assert [t.action for t in page.context["actions"]] == ["return_plan", "reassign"]
    assert "Trả lại kế hoạch để sửa" in html(page)
    response = post_step(client, case, "return_plan", {"reason": "Thiếu hoạt động hỗ trợ tâm lý."})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == S.ASSESSED
    assert case.comments.get().requests_changes is True
    assert case.deadlines.filter(kind=DeadlineKind.PLAN, status=DeadlineStatus.OPEN).count() == 1
    assert not case.deadlines.filter(kind=DeadlineKind.APPROVAL, status=DeadlineStatus.OPEN).exists()


def test_the_administrator_can_view_a_case_but_gets_no_action_buttons(client, case_at, administrator):
    case = case_at(S.PLAN_DRAFTED)
    client.force_login(administrator)
    before = snapshot(case)

    page = client.get(detail_url(case))

    assert page.status_code == 200
    assert page.context["actions"] == []
    assert f"/cases/{case.pk}/act/" not in html(page)
    assert "Gửi ý kiến" not in html(page)
    assert client.get(act_url(case, "approve_plan")).status_code == 403
    assert client.get(act_url(case, "return_plan")).status_code == 403
    client.post(reverse("cases:case_comment", args=[case.pk]), {"text": "Quản trị góp ý"})
    assert snapshot(case) == before  # only the view was recorded
    assert AuditEntry.objects.filter(action="case.view", actor=administrator, object_id=str(case.pk)).count() == 1


# --- audit and queries ---------------------------------------------------------------------------------------------


def test_every_view_of_the_case_page_is_audited(client, new_case, officer_a, supervisor, administrator):
    case = new_case()
    for user in (officer_a, officer_a, supervisor, administrator):
        client.force_login(user)
        assert client.get(detail_url(case)).status_code == 200

    entries = AuditEntry.objects.filter(action="case.view", object_id=str(case.pk)).order_by("id")
    assert [e.actor for e in entries] == [officer_a, officer_a, supervisor, administrator]
    assert all(e.object_repr == str(case) for e in entries)
    assert all("protected_shown" in e.changes for e in entries)


CHILD_NAMES = [
    "Nguyễn Văn An",
    "Trần Thị Bình",
    "Lê Văn Cường",
    "Phạm Thị Dung",
    "Hoàng Văn Em",
    "Vũ Thị Giang",
    "Đặng Văn Hải",
    "Bùi Thị Hương",
    "Đỗ Văn Khánh",
    "Hồ Thị Lan",
    "Ngô Văn Minh",
    "Dương Thị Ngọc",
    "Lý Văn Phúc",
    "Mai Thị Quỳnh",
    "Tạ Văn Sơn",
]


def test_the_case_list_runs_a_constant_number_of_queries(
    client, officer_a, chair_a, make_report, make_child, django_assert_num_queries
):
    for name in CHILD_NAMES[:3]:
        open_case(officer_a, make_report, make_child, child_name=name)
    client.force_login(officer_a)
    client.get(reverse("cases:case_list"))  # warm the session and the content types
    with django_assert_num_queries(50, exact=False) as measured:
        response = client.get(reverse("cases:case_list"))
    assert len(response.context["page"]) == 3
    bound = len(measured)

    for i, name in enumerate(CHILD_NAMES[3:]):
        case = open_case(officer_a, make_report, make_child, child_name=name)
        if i % 3 == 0:  # some further along, with other deadlines
            walk(case, S.ASSESSED, officer=officer_a, chair=chair_a)

    with django_assert_num_queries(bound):
        response = client.get(reverse("cases:case_list"))
    assert len(response.context["page"]) == 15
    assert all(name in html(response) for name in CHILD_NAMES)


def test_a_field_error_raised_by_the_service_is_shown_on_its_field_not_a_500(client, case_at, chair_a):
    # The form lets "emergency measures applied" through without the measures; the service refuses it by field.
    case = case_at(S.INITIAL_ASSESSED)
    client.force_login(chair_a)

    response = post_step(
        client, case, "decide_emergency", {"emergency_needed": "on", "measures": "", "note": "Trẻ sợ hãi."}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["measures"] == ["Ghi rõ biện pháp bảo vệ khẩn cấp được áp dụng."]
    case.refresh_from_db()
    assert case.state == S.INITIAL_ASSESSED
