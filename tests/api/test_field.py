"""The offline field app's endpoints (docs/api.md#the-field-app): the bootstrap, registering a child, a step recorded
in the field (at the time recorded, once, refused in words, a conflict shown with the case as it is now), and a
report logged offline shown as such."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from api.permissions import PersonOnly
from cases.models import CaseState, CaseStep, Child, Deadline, DeadlineKind, DeadlineStatus, Report
from childprotect.audit.actions import CaseAction, ChildAction
from childprotect.audit.models import AuditEntry
from tests.support.api_matrix import person_http
from tests.support.builders import act
from tests.support.clock import NOW, local
from tests.support.intake import REPORTS, child_body, report_body, written

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

FIELD = reverse("api:field")
CHILDREN = reverse("api:child_list")
WEB_ONLY = "Bước này chỉ thực hiện được trên trang web."


def steps_url(case) -> str:
    return reverse("api:case_steps", args=[case.pk])


def activity(case, **fields: Any) -> dict[str, Any]:
    return {
        "action": "log_activity",
        "version": case.version,
        "recorded_at": "2026-11-20T08:50:00+07:00",
        "data": {"activity": "Thăm gia đình", "done_on": "2026-11-20", "note": "Trẻ đã đi học lại.", **fields},
    }


REVIEW = {
    "harm_severity": "low",
    "abuser_access": "low",
    "care_obstacles": "low",
    "self_protection": "medium",
    "recovery_level": "high",
    "care_environment": "",
    "recovery": "",
    "risk_remains": False,
    "child_stable": True,
    "conclusion": "Đề xuất đóng hồ sơ.",
}


def key() -> dict[str, Any]:
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


def nothing_but_views() -> dict[str, int]:
    """What a write writes, the views recorded aside (a conflict's answer shows the case, a recorded read)."""
    found = written()
    found["audit"] -= AuditEntry.objects.filter(action__in=[CaseAction.VIEW, ChildAction.VIEW]).count()
    return found


# --- the bootstrap -------------------------------------------------------------------------------------------------


def test_the_bootstrap_gives_the_officer_what_the_app_needs_and_is_never_cached(client, officer_a):
    client.force_login(officer_a)

    response = client.get(FIELD)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["user"] == {
        "username": "officer_a",
        "full_name": "Nguyễn Thị Hoà",
        "role": "commune_officer",
        "role_label": officer_a.role_label,
        "unit": {"code": "14797", "name": "Phường Hạc Thành"},
    }
    assert body["may"] == {"log_report": True, "register_child": True, "casework": True}
    assert body["settings"] == {"wipe_days": 7, "pin_attempts": 5, "recorded_max_days": 30}
    assert [(c["code"], c["name"]) for c in body["communes"]] == [("14797", "Phường Hạc Thành")]
    assert body["communes"][0]["province"]
    assert {"code": "phone", "label": "Điện thoại"} in body["vocab"]["channels"]
    assert {"code": "high", "label": "Cao"} in body["vocab"]["ratings"]
    assert {c["code"] for c in body["vocab"]["forms"]} >= {"violence", "sexual_abuse"}
    assert [c["name"] for c in body["review"]["harm"]] == ["harm_severity", "abuser_access", "care_obstacles"]
    assert set(body["review"]["harm"][0]["scale"]) == {"high", "medium", "low"}
    assert [c["name"] for c in body["review"]["resilience"]] == ["self_protection", "recovery_level"]
    assert {f["name"]: f["type"] for f in body["review"]["fields"]} == {
        "risk_remains": "bool",
        "child_stable": "bool",
        "care_environment": "text",
        "recovery": "text",
        "conclusion": "text",
    }
    assert body["activity"]["fields"][0] == {
        "name": "activity",
        "label": "Hoạt động đã thực hiện",
        "type": "text",
        "required": True,
        "max_length": 255,
    }
    assert [f["type"] for f in body["activity"]["fields"]] == ["text", "date", "text"]
    assert isinstance(body["csrf"], str)
    assert len(body["csrf"]) > 20


def test_a_token_caller_gets_no_csrf_token(officer_a):
    body = person_http(officer_a).get(FIELD).json()

    assert body["csrf"] is None


@override_settings(
    CHILDPROTECT_OFFLINE_WIPE_DAYS=3, CHILDPROTECT_OFFLINE_PIN_ATTEMPTS=4, CHILDPROTECT_OFFLINE_RECORDED_MAX_DAYS=10
)
def test_the_settings_are_the_servers(officer_a):
    body = person_http(officer_a).get(FIELD).json()

    assert body["settings"] == {"wipe_days": 3, "pin_attempts": 4, "recorded_max_days": 10}


def test_each_role_may_what_it_may_on_the_web(chair_a, supervisor, police, administrator, commune_b):
    chair, province, partner, admin = (
        person_http(u).get(FIELD).json() for u in (chair_a, supervisor, police, administrator)
    )

    assert chair["may"] == {"log_report": True, "register_child": True, "casework": True}
    assert province["may"] == {"log_report": True, "register_child": True, "casework": False}
    assert {c["code"] for c in province["communes"]} >= {"14797", "14758"}
    assert partner["may"] == {"log_report": True, "register_child": False, "casework": False}
    assert "14797" in {c["code"] for c in partner["communes"]}
    assert admin["may"] == {"log_report": False, "register_child": False, "casework": False}
    assert admin["communes"] == []


def test_an_api_clients_token_gets_the_person_only_refusal(hotline):
    response = hotline.call("GET", FIELD)

    assert response.status_code == 403
    assert response.json() == {"detail": PersonOnly.message, "errors": []}


# --- a child -------------------------------------------------------------------------------------------------------


def test_an_officer_registers_a_child_in_their_commune(officer_a):
    response = person_http(officer_a).post(CHILDREN, child_body("Lò Thị Mai"), format="json", **key())

    assert response.status_code == 201
    body = response.json()
    child = Child.objects.get(pk=body["id"])
    assert child.full_name == "Lò Thị Mai"
    assert child.residence_unit.code == "14797"
    assert body["url"].endswith(reverse("cases:child_detail", args=[child.pk]))
    assert body["child"]["record"]["full_name"] == "Lò Thị Mai"
    assert body["child"]["commune"] == {"code": "14797", "name": "Phường Hạc Thành"}
    assert AuditEntry.objects.filter(action=ChildAction.REGISTER, object_id=str(child.pk)).count() == 1


def test_a_child_sent_again_with_its_key_is_registered_once(officer_a):
    http, headers = person_http(officer_a), key()
    first = http.post(CHILDREN, child_body("Lò Thị Mai"), format="json", **headers)
    before = written()

    again = http.post(CHILDREN, child_body("Lò Thị Mai"), format="json", **headers)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert written() == before
    assert Child.objects.filter(full_name="Lò Thị Mai").count() == 1

    other = http.post(CHILDREN, child_body("Lò Văn Sáng"), format="json", **headers)
    assert other.status_code == 409
    assert written() == before


def test_a_child_living_outside_the_officers_reach_is_refused_at_the_field(officer_a):
    http = person_http(officer_a)
    before = written()

    response = http.post(CHILDREN, child_body(residence_commune="14758"), format="json", **key())

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "/residence_commune", "message": "Nơi cư trú nằm ngoài địa bàn bạn phụ trách."}
    ]
    assert written() == before


def test_the_services_refusal_of_an_age_is_at_its_pointer(officer_a):
    response = person_http(officer_a).post(CHILDREN, child_body(date_of_birth="2009-01-01"), format="json")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["pointer"] == "/date_of_birth"
    assert "dưới 16 tuổi" in error["message"]


def test_a_supervisor_names_the_commune_a_child_lives_in(supervisor):
    http = person_http(supervisor)

    missing = http.post(CHILDREN, child_body(), format="json")
    given = http.post(CHILDREN, child_body(residence_commune="14758"), format="json")

    assert missing.status_code == 400
    assert missing.json()["errors"] == [{"pointer": "/residence_commune", "message": "Cần chọn xã, phường nơi cư trú."}]
    assert given.status_code == 201
    assert given.json()["child"]["commune"]["code"] == "14758"


@pytest.mark.parametrize(("who", "status"), [("police", 404), ("administrator", 403)])
def test_who_registers_no_child_on_the_web_registers_none_here(request, who, status):
    http = person_http(request.getfixturevalue(who))
    before = written()

    response = http.post(CHILDREN, child_body(), format="json")

    assert response.status_code == status
    assert written() == before


def test_a_client_registers_no_child(hotline):
    assert hotline.call("POST", CHILDREN, child_body()).status_code == 403


# --- a step --------------------------------------------------------------------------------------------------------


def test_an_activity_recorded_in_the_field_is_taken_at_its_time(case_at, officer_a, clock):
    case = case_at(CaseState.IMPLEMENTING)  # its steps taken at 09:00
    clock.move_to(local(2026, 11, 20, 11, 0))
    body = activity(case) | {"recorded_at": "2026-11-20T10:30:00+07:00"}

    response = person_http(officer_a).post(steps_url(case), body, format="json", **key())

    assert response.status_code == 201
    body = response.json()
    step = CaseStep.objects.get(pk=body["step"]["id"])
    assert step.action == "log_activity"
    assert step.at == local(2026, 11, 20, 10, 30)
    assert step.record["activity"] == "Thăm gia đình"
    assert step.record["done_on"] == "20/11/2026"  # as the web stores it
    assert step.record["offline"] == {
        "recorded_at": "2026-11-20T10:30:00+07:00",
        "synced_at": "2026-11-20T11:00:00+07:00",
    }
    assert body["step"]["offline"] is True
    assert body["step"]["label"] == "Ghi nhận kết quả thực hiện kế hoạch"
    assert dt.datetime.fromisoformat(body["step"]["recorded_at"]) == local(2026, 11, 20, 10, 30)
    assert dt.datetime.fromisoformat(body["step"]["synced_at"]) == local(2026, 11, 20, 11, 0)
    assert body["case"]["version"] == case.version + 1
    assert body["case"]["steps"][-1]["action"] == "log_activity"


def test_a_step_recorded_before_the_cases_latest_is_taken_now(case_at, officer_a):
    case = case_at(CaseState.IMPLEMENTING)  # its steps were taken at 09:00

    body = activity(case, note="Ghi trước bước cuối.") | {"recorded_at": "2026-11-20T07:00:00+07:00"}
    response = person_http(officer_a).post(steps_url(case), body, format="json")

    assert response.status_code == 201
    step = CaseStep.objects.get(pk=response.json()["step"]["id"])
    assert step.at == NOW
    assert step.record["offline"]["recorded_at"] == "2026-11-20T07:00:00+07:00"


def test_a_review_recorded_at_ten_and_synced_at_two_settles_its_deadline_by_ten(case_at, officer_a, clock, client):
    case = case_at(CaseState.IMPLEMENTING)
    Deadline.objects.filter(case=case, kind=DeadlineKind.REVIEW, status=DeadlineStatus.OPEN).update(
        due_at=local(2026, 11, 20, 12, 0)
    )
    clock.move_to(local(2026, 11, 20, 14, 0))
    body = {"action": "review", "version": case.version, "recorded_at": "2026-11-20T10:00:00+07:00", "data": REVIEW}

    response = person_http(officer_a).post(steps_url(case), body, format="json", **key())

    assert response.status_code == 201, response.json()
    deadline = Deadline.objects.get(case=case, kind=DeadlineKind.REVIEW)
    assert deadline.status == DeadlineStatus.MET
    assert deadline.settled_at == local(2026, 11, 20, 10, 0)
    step = CaseStep.objects.get(pk=response.json()["step"]["id"])
    assert (step.at, step.on_time) == (local(2026, 11, 20, 10, 0), True)
    assert case.reviews.get().at == local(2026, 11, 20, 10, 0)
    client.force_login(officer_a)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Ghi ngoại tuyến lúc 20/11/2026 10:00, gửi lên lúc 20/11/2026 14:00" in page
    assert "offline" not in page.split("Diễn biến")[1].split("</ol>")[0]  # not among the record's values


def test_a_step_sent_again_with_its_key_is_taken_once(case_at, officer_a):
    case = case_at(CaseState.IMPLEMENTING)
    http, headers = person_http(officer_a), key()
    first = http.post(steps_url(case), activity(case), format="json", **headers)
    before = written()

    again = http.post(steps_url(case), activity(case), format="json", **headers)

    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert written() == before
    assert case.steps.filter(action="log_activity").count() == 1

    other = http.post(steps_url(case), activity(case, note="Khác"), format="json", **headers)
    assert other.status_code == 409
    assert written() == before


def test_a_case_changed_since_it_was_taken_offline_is_a_conflict_with_the_server_version(case_at, officer_a):
    case = case_at(CaseState.IMPLEMENTING)
    carried = case.version
    act(officer_a, case, "log_activity", note="Ghi trên web.")
    case.refresh_from_db()
    http = person_http(officer_a)
    before = nothing_but_views()

    response = http.post(steps_url(case), activity(case) | {"version": carried}, format="json", **key())

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["detail"].startswith(
        f"Hồ sơ đã thay đổi trên máy chủ từ khi bạn mang theo (phiên bản {carried}, nay là {case.version})."
    )
    assert body["errors"] == []
    assert body["case"]["version"] == case.version
    assert body["case"]["steps"][-1]["record"]["note"] == "Ghi trên web."
    assert nothing_but_views() == before
    assert case.steps.filter(action="log_activity").count() == 1


def test_a_step_the_workflow_refuses_is_a_refusal_in_its_words(case_at, officer_a, chair_a):
    case = case_at(CaseState.REVIEWED)
    officer, chair_http = person_http(officer_a), person_http(chair_a)
    before = written()

    late = officer.post(steps_url(case), activity(case), format="json")
    chair = chair_http.post(
        steps_url(case), {"action": "review", "version": case.version, "data": REVIEW}, format="json"
    )

    assert late.status_code == 400
    assert late.json()["code"] == "refused"
    assert late.json()["detail"].startswith("Không thể thực hiện “Ghi nhận kết quả thực hiện kế hoạch” khi hồ sơ")
    assert chair.status_code == 400
    assert chair.json()["code"] == "refused"
    assert chair.json()["detail"].startswith("Chỉ ")
    assert written() == before


def test_the_forms_own_messages_come_back_at_data_pointers(case_at, officer_a):
    case = case_at(CaseState.IMPLEMENTING)
    http = person_http(officer_a)
    before = written()

    response = http.post(steps_url(case), activity(case, activity="", done_on="hôm qua"), format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert {e["pointer"] for e in body["errors"]} == {"/data/activity", "/data/done_on"}
    review = http.post(
        steps_url(case),
        {"action": "review", "version": case.version, "data": {**REVIEW, "conclusion": ""}},
        format="json",
    )
    assert review.json()["errors"] == [
        {"pointer": "/data/conclusion", "message": "Ghi kết luận, đề xuất của lần rà soát."}
    ]
    assert written() == before


def test_a_step_of_the_web_only_is_refused_at_the_action(case_at, officer_a):
    case = case_at(CaseState.IMPLEMENTING)

    response = person_http(officer_a).post(
        steps_url(case), {"action": "reassign", "version": case.version, "data": {}}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "detail": WEB_ONLY,
        "errors": [{"pointer": "/action", "message": WEB_ONLY}],
        "code": "invalid",
    }


@pytest.mark.parametrize(
    ("recorded_at", "words"),
    [("2026-11-20T09:05:00+07:00", "tương lai"), ("2026-10-20T08:00:00+07:00", "30 ngày gần đây")],
)
def test_a_recorded_time_in_the_future_or_too_old_is_refused(case_at, officer_a, recorded_at, words):
    case = case_at(CaseState.IMPLEMENTING)
    http = person_http(officer_a)
    before = written()

    response = http.post(steps_url(case), activity(case) | {"recorded_at": recorded_at}, format="json")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["pointer"] == "/recorded_at"
    assert words in error["message"]
    assert written() == before


def test_a_minute_of_clock_skew_is_taken_as_now(case_at, officer_a):
    case = case_at(CaseState.IMPLEMENTING)

    response = person_http(officer_a).post(
        steps_url(case), activity(case) | {"recorded_at": "2026-11-20T09:01:00+07:00"}, format="json"
    )

    assert response.status_code == 201
    assert CaseStep.objects.get(pk=response.json()["step"]["id"]).at == NOW


def test_a_case_transferred_away_is_out_of_reach(case_at, officer_a, officer_b, supervisor):
    case = case_at(CaseState.IMPLEMENTING)
    carried = case.version
    act(supervisor, case, "transfer")
    http = person_http(officer_a)
    before = written()

    response = http.post(steps_url(case), activity(case) | {"version": carried}, format="json")

    assert response.status_code == 404
    assert response.json() == {"detail": "Không tìm thấy, hoặc bạn không có quyền xem.", "errors": []}
    assert written() == before


def test_a_deactivated_accounts_token_writes_nothing(case_at, officer_a):
    case = case_at(CaseState.IMPLEMENTING)
    http = person_http(officer_a)
    officer_a.is_active = False
    officer_a.save(update_fields=["is_active"])
    before = written()

    responses = [
        http.post(steps_url(case), activity(case), format="json", **key()),
        http.post(CHILDREN, child_body(), format="json", **key()),
        http.post(REPORTS, report_body(children=[]), format="json", **key()),
        http.get(FIELD),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401, 401]
    assert written() == before


@pytest.mark.parametrize("who", ["chair_a", "supervisor"])
def test_the_commune_chair_logs_an_activity_and_the_supervisor_may_not(request, case_at, who):
    case = case_at(CaseState.IMPLEMENTING)

    response = person_http(request.getfixturevalue(who)).post(steps_url(case), activity(case), format="json")

    assert response.status_code == (201 if who == "chair_a" else 400)


def test_officer_b_and_the_police_do_not_reach_commune_as_case(case_at, officer_b, police, hotline):
    case = case_at(CaseState.IMPLEMENTING)

    assert person_http(officer_b).post(steps_url(case), activity(case), format="json").status_code == 404
    assert person_http(police).post(steps_url(case), activity(case), format="json").status_code == 404
    assert hotline.call("POST", steps_url(case), activity(case)).status_code == 403


def test_a_session_write_needs_the_csrf_token_the_bootstrap_gives(case_at, officer_a):
    from django.test import Client

    case = case_at(CaseState.IMPLEMENTING)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer_a)

    refused = browser.post(steps_url(case), activity(case), content_type="application/json")
    token = browser.get(FIELD).json()["csrf"]
    taken = browser.post(steps_url(case), activity(case), content_type="application/json", HTTP_X_CSRFTOKEN=token)

    assert refused.status_code == 403
    assert taken.status_code == 201


# --- a report logged offline ---------------------------------------------------------------------------------------


def test_a_report_logged_offline_says_so_on_its_page_and_its_cases(officer_a, client, clock):
    clock.move_to(local(2026, 11, 20, 14, 10))

    response = person_http(officer_a).post(REPORTS, report_body(recorded_offline=True), format="json", **key())

    assert response.status_code == 201
    report = Report.objects.get(reference=response.json()["reference"])
    assert report.entered_offline
    assert report.received_at == local(2026, 11, 20, 8, 30)  # the clocks run from the recorded time
    client.force_login(officer_a)
    words = "Tiếp nhận lúc 08:30 20/11/2026 · ghi ngoại tuyến, đưa lên hệ thống lúc 14:10 20/11/2026"
    assert words in client.get(reverse("cases:report_detail", args=[report.pk])).content.decode()
    case = report.cases.get()
    assert words in client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()


def test_a_report_logged_online_says_nothing_of_it(officer_a, client):
    response = person_http(officer_a).post(REPORTS, report_body(), format="json")

    report = Report.objects.get(reference=response.json()["reference"])
    assert not report.entered_offline
    client.force_login(officer_a)
    # "ghi ngoại tuyến": the offline note's words (the menu's link to the field app says "ngoại tuyến" too).
    assert "ghi ngoại tuyến" not in client.get(reverse("cases:report_detail", args=[report.pk])).content.decode()


def test_a_key_is_the_accounts_whatever_the_endpoint(officer_a):
    http, headers = person_http(officer_a), key()
    assert http.post(REPORTS, report_body(children=[]), format="json", **headers).status_code == 201
    before = written()

    response = http.post(CHILDREN, child_body(), format="json", **headers)

    assert response.status_code == 409
    assert written() == before
