"""The reads of the product's own clients (docs/api.md#reading): what each person gets, as on the web pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from api.permissions import PersonOnly
from cases.models import CaseState
from cases.services import case_flag
from childprotect.audit.actions import ApiAction, CaseAction, ChildAction
from childprotect.audit.models import AuditEntry
from tests.support.api_matrix import person_http
from tests.support.builders import REPORTER_NAME, walk
from tests.support.clock import RECEIVED_AT

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

WORK = reverse("api:work")
CASES = reverse("api:case_list")
CHILDREN = reverse("api:child_list")


def case_url(case) -> str:
    return reverse("api:case_detail", args=[case.pk])


def child_url(child) -> str:
    return reverse("api:child_detail", args=[child.pk])


# --- who may call --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [WORK, CASES, CHILDREN])
def test_an_api_clients_token_is_refused_in_words(hotline, url):
    response = hotline.call("GET", url)

    assert response.status_code == 403
    assert response.json() == {"detail": PersonOnly.message, "errors": []}


def test_without_a_token_or_a_session_the_answer_is_401_in_vietnamese(client):
    response = client.get(CASES)

    assert response.status_code == 401
    assert response.json()["detail"].startswith("Cần đăng nhập")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_person_calls_by_session_as_well_as_by_token(client, officer_a, new_case):
    new_case()
    client.force_login(officer_a)

    assert client.get(CASES).json()["count"] == 1
    assert person_http(officer_a).get(CASES).json()["count"] == 1


# --- the work queue ------------------------------------------------------------------------------------------------


def test_the_work_queue_is_the_home_pages(officer_a, new_case):
    case = new_case()

    body = person_http(officer_a).get(WORK).json()

    assert body["count"] == 1
    [item] = body["results"]
    assert item["kind"] == "case"
    assert item["subject"] == "Nguyễn Văn An"
    assert item["url"] == reverse("cases:case_detail", args=[case.pk])
    assert item["detail"] == CaseState.RECEIVED.label
    assert item["due"] is not None
    assert [a["url"] for a in item["actions"]] == [reverse("cases:case_act", args=[case.pk, "assess_initial"])]


# --- cases ---------------------------------------------------------------------------------------------------------


def test_the_case_list_shows_each_case_with_its_version_and_next_deadline(officer_a, new_case):
    case = new_case()

    body = person_http(officer_a).get(CASES).json()

    assert (body["count"], body["page"], body["pages"], body["next"], body["previous"]) == (1, 1, 1, None, None)
    [row] = body["results"]
    assert row["id"] == case.pk
    assert row["reference"] == case.report.reference
    assert row["commune"] == {"code": case.unit.code, "name": case.unit.name}
    assert row["state"] == {"code": "received", "label": str(CaseState.RECEIVED.label)}
    assert row["officer"] == {"id": officer_a.pk, "name": str(officer_a)}
    assert row["next_due"]["kind"] == "emergency"
    assert dt.datetime.fromisoformat(row["next_due"]["at"]) == RECEIVED_AT + dt.timedelta(hours=12)
    assert row["version"] == case.version
    assert row["child"] == {"id": case.child_id, "full_name": "Nguyễn Văn An"}


def test_the_case_list_filters_like_the_web_list(officer_a, chair_a, new_case, clock):
    walk(new_case(child_name="Trần Thị Bích"), CaseState.ASSESSED, officer=officer_a, chair=chair_a)
    new_case(child_name="Lê Văn Cường")
    http = person_http(officer_a)

    def names(query: str) -> list[str]:
        return [r["child"]["full_name"] for r in http.get(f"{CASES}?{query}").json()["results"]]

    assert names("state=assessed") == ["Trần Thị Bích"]
    assert names("overdue=1") == []
    clock.move_to(RECEIVED_AT + dt.timedelta(hours=13))  # the emergency decision of the one still received is late
    assert names("overdue=1") == ["Lê Văn Cường"]
    assert sorted(names("state=&unknown=1")) == ["Lê Văn Cường", "Trần Thị Bích"]


def test_the_case_list_narrows_by_commune_and_by_form_of_abuse_as_the_web_list(
    supervisor, commune_a, commune_b, new_case
):
    case = new_case()
    http = person_http(supervisor)

    def ids(query: str) -> list[int]:
        return [r["id"] for r in http.get(f"{CASES}?{query}").json()["results"]]

    assert ids(f"unit={commune_a.pk}") == ids("form=violence") == [case.pk]
    assert ids(f"unit={commune_b.pk}") == ids("unit=999999999") == ids("form=neglect") == []
    assert http.get(f"{CASES}?form=beating").json()["errors"][0]["pointer"] == "/form"


def test_the_case_list_filters_by_flag_as_the_web_list(supervisor, officer_a, new_case):
    flagged, plain = new_case(), new_case(child_name="Trần Văn Bình")
    case_flag(actor=supervisor, case=flagged, kind="priority", note="")
    http = person_http(officer_a)

    def ids(query: str) -> list[int]:
        return [r["id"] for r in http.get(f"{CASES}?{query}").json()["results"]]

    assert ids("flag=priority") == [flagged.pk]
    assert ids("flag=attention") == []
    assert sorted(ids("")) == sorted([flagged.pk, plain.pk])
    assert http.get(f"{CASES}?flag=urgent").json()["errors"][0]["pointer"] == "/flag"


def test_the_case_list_pages_with_a_capped_size(officer_a, new_case):
    for name in ("An", "Bình", "Cúc"):
        new_case(child_name=f"Nguyễn Văn {name}")
    http = person_http(officer_a)

    first, second = http.get(f"{CASES}?page_size=2").json(), http.get(f"{CASES}?page_size=2&page=2").json()
    too_big = http.get(f"{CASES}?page_size=101")
    past_the_end = http.get(f"{CASES}?page_size=2&page=3")

    assert (first["count"], first["pages"], first["next"], len(first["results"])) == (3, 2, 2, 2)
    assert (second["previous"], second["next"], len(second["results"])) == (1, None, 1)
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])
    assert too_big.status_code == 400
    assert too_big.json()["errors"] == [{"pointer": "/page_size", "message": "Phải từ 100 trở xuống."}]
    assert past_the_end.status_code == 404


def test_a_list_is_read_to_a_depth_then_narrowed_by_its_filters(officer_a):
    http = person_http(officer_a)

    deepest = http.get(f"{CHILDREN}?page=1000&page_size=100")  # 99,900 rows before it
    too_deep = http.get(f"{CHILDREN}?page=1001&page_size=100")

    assert deepest.status_code == 404  # past the last page of this short list
    assert too_deep.status_code == 400
    assert too_deep.json()["errors"] == [
        {"pointer": "/page", "message": "Chỉ xem được 100.000 dòng đầu của danh sách; hãy lọc bớt."}
    ]


def test_the_case_is_shown_as_its_page_shows_it_and_the_view_is_recorded(officer_a, new_case):
    case = new_case()

    response = person_http(officer_a).get(case_url(case))

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == case.version
    assert body["child"]["full_name"] == "Nguyễn Văn An"
    assert [s["action"] for s in body["steps"]] == ["open"]
    assert [d["kind"] for d in body["deadlines"]] == ["emergency", "plan"]
    assert body["report"]["reference"] == case.report.reference
    assert body["report"]["reporter"]["name"] == REPORTER_NAME
    assert [f["code"] for f in body["report"]["forms"]] == ["violence"]
    view = AuditEntry.objects.get(action=CaseAction.VIEW, actor=officer_a)
    assert (view.object_id, view.changes) == (str(case.pk), {"protected_shown": True})
    assert AuditEntry.objects.filter(action=ApiAction.CALL, actor=officer_a).count() == 1


def test_the_administrator_sees_the_case_but_not_the_reporter(administrator, new_case):
    case = new_case()

    body = person_http(administrator).get(case_url(case)).json()

    assert body["report"]["reporter"] is None
    assert REPORTER_NAME not in str(body)
    assert body["report"]["description"] == case.report.description


def test_a_case_out_of_reach_is_the_same_404_as_a_missing_one(officer_b, new_case):
    case = new_case()
    http = person_http(officer_b)

    out_of_reach = http.get(case_url(case))
    missing = http.get(reverse("api:case_detail", args=[case.pk + 1000]))

    assert out_of_reach.status_code == missing.status_code == 404
    assert out_of_reach.json() == missing.json()
    assert not AuditEntry.objects.filter(action=CaseAction.VIEW, actor=officer_b).exists()


def test_partners_have_no_registry_here_either(police, new_case):
    case = new_case()
    http = person_http(police)

    assert http.get(CASES).status_code == 404
    assert http.get(case_url(case)).status_code == 404
    assert http.get(CHILDREN).status_code == 404


# --- children ------------------------------------------------------------------------------------------------------


def test_the_children_search_ignores_accents_as_the_web_list(officer_a, make_child):
    make_child(officer_a, full_name="Nguyễn Văn Ân")
    make_child(officer_a, full_name="Trần Thị Bích")
    http = person_http(officer_a)

    found = http.get(f"{CHILDREN}?q=nguyen van an").json()
    everyone = http.get(CHILDREN).json()

    assert [c["full_name"] for c in found["results"]] == ["Nguyễn Văn Ân"]
    assert everyone["count"] == 2
    assert {"id", "full_name", "birth_year", "sex", "commune", "version"} == set(everyone["results"][0])


def test_the_childs_record_shows_the_protected_data_and_the_view_is_recorded(officer_a, new_case):
    case = new_case()

    body = person_http(officer_a).get(child_url(case.child)).json()

    assert body["version"] == case.child.version
    assert body["record"]["full_name"] == "Nguyễn Văn An"
    assert [r["reference"] for r in body["record"]["reports"]] == [case.report.reference]
    view = AuditEntry.objects.get(action=ChildAction.VIEW, actor=officer_a)
    assert view.changes == {"protected_shown": True}


def test_a_child_out_of_reach_is_a_404(officer_b, new_case):
    case = new_case()

    response = person_http(officer_b).get(child_url(case.child))

    assert response.status_code == 404
    assert "Nguyễn Văn An" not in response.content.decode()
