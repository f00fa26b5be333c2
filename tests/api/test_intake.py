"""A report sent by API (docs/api.md#intake): routed, notified and opened exactly as a typed report, by a client
within its scope or a person who logs reports; the commune by code or by name; the sender reads its status back
(docs/api.md#status), nobody else does."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from api.models import WebhookEvent
from cases.models import Case, Child, Deadline, DeadlineKind, Report
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from tests.support.clock import RECEIVED_AT
from tests.support.intake import REPORTS, child_body, incident, report_body, written

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def test_the_hotline_sends_a_report_with_two_children_and_commune_a_takes_it(hotline, officer_a, chair_a, commune_a):
    body = report_body(
        children=[
            child_body(),
            child_body("Nguyễn Thị Bé", sex="female", date_of_birth=None, birth_year=2019, birth_year_estimated=True),
        ]
    )

    response = hotline.call("post", REPORTS, body)

    assert response.status_code == 201, response.json()
    answer = response.json()
    report = Report.objects.get(reference=answer["reference"])
    assert answer["reference"].startswith("2026-14797-")
    assert answer["status_url"] == f"http://testserver/api/v1/reports/{report.reference}/"
    assert response["Location"] == answer["status_url"]
    assert answer["report"]["commune"] == {"code": "14797", "name": commune_a.name}
    assert [c["number"] for c in answer["report"]["cases"]] == [1, 2]
    assert report.incident_unit == commune_a and report.received_by == hotline.client.account
    assert report.received_at == RECEIVED_AT and report.reporter_anonymous
    cases = list(Case.objects.filter(report=report).order_by("id"))
    assert [c.child.full_name for c in cases] == ["Nguyễn Văn An", "Nguyễn Thị Bé"]
    assert all(c.unit == commune_a and c.officer == officer_a for c in cases)
    for case in cases:
        emergency = Deadline.objects.get(case=case, kind=DeadlineKind.EMERGENCY)
        assert emergency.started_at == RECEIVED_AT
        assert emergency.due_at == RECEIVED_AT + dt.timedelta(hours=12)
    told = Notification.objects.filter(key=f"report-received:{report.pk}")
    assert set(told.values_list("recipient__username", flat=True)) == {"officer_a", "chair_a"}
    entry = AuditEntry.objects.get(action="report.receive", object_id=str(report.pk))
    assert entry.actor == hotline.client.account
    assert "Nguyễn" not in response.content.decode()  # no child's name in the answer


def test_everything_the_web_form_asks_is_kept(hotline):
    body = report_body(
        reporter={"anonymous": False, "name": "Trần Văn Bình", "phone": "0987 654 321", "relation": "Hàng xóm"},
        incident=incident(injury=True, carer_is_perpetrator=True, environment="school"),
        forms=["sexual_molestation"],
        perpetrators=[{"name": "Nguyễn Văn Cha", "relation": "parent", "sex": "male", "approx_age": 40}],
        children=[
            child_body(
                other_names="Bin",
                ethnicity="01",
                national_id="038 215 000 123",
                address="Số 5 ngõ 3",
                school="Tiểu học Hạc Thành",
                school_class="5A",
                notes="Hay nghỉ học.",
                circumstances=["i", "dd"],
                carers=[{"full_name": "Lê Thị Mẹ", "relation": "Mẹ", "phone": "0912 000 111"}],
            )
        ],
    )

    response = hotline.call("post", REPORTS, body)

    assert response.status_code == 201, response.json()
    report = Report.objects.get()
    assert (report.reporter_name, report.reporter_phone, report.environment) == (
        "Trần Văn Bình",
        "0987 654 321",
        "school",
    )
    assert report.injury and report.carer_is_perpetrator and not report.ongoing_danger
    assert sorted(report.abuse_forms.values_list("form", flat=True)) == ["sexual_abuse", "sexual_molestation"]
    (perpetrator,) = report.perpetrators.all()
    assert perpetrator.relation is not None and perpetrator.relation.code == "parent"
    assert (perpetrator.name, perpetrator.approx_age) == ("Nguyễn Văn Cha", 40)
    child = Case.objects.get(report=report).child
    assert child.ethnicity is not None and child.ethnicity.code == "01"
    assert (child.other_names, child.national_id) == ("Bin", "038215000123")
    assert (child.address, child.school, child.school_class, child.notes) == (
        "Số 5 ngõ 3",
        "Tiểu học Hạc Thành",
        "5A",
        "Hay nghỉ học.",
    )
    assert sorted(child.circumstances.values_list("group", flat=True)) == ["dd", "i"]
    assert [(c.full_name, c.phone) for c in child.carers.all()] == [("Lê Thị Mẹ", "0912 000 111")]
    assert "Trần Văn Bình" not in response.content.decode()


def test_a_time_without_offset_is_hanoi_time_and_kept_to_the_minute(hotline):
    response = hotline.call("post", REPORTS, report_body(received_at="2026-11-20T08:30:45"))

    assert response.status_code == 201, response.json()
    assert Report.objects.get().received_at == RECEIVED_AT  # 08:30 in Hà Nội (01:30 UTC), seconds dropped
    assert response.json()["report"]["received_at"] == "2026-11-20T08:30:00+07:00"


def test_a_client_with_a_webhook_gets_its_first_event_with_the_report(hotline):
    hotline.client.webhook_url = "https://111.example.vn/webhook"
    hotline.client.save(update_fields=["webhook_url"])
    refused = hotline.call("post", REPORTS, report_body(children=[child_body(date_of_birth="2010-01-01")]))
    assert refused.status_code == 400 and not WebhookEvent.objects.exists()

    response = hotline.call("post", REPORTS, report_body())

    event = WebhookEvent.objects.order_by("sequence").first()
    assert event is not None
    assert (event.client, event.report.reference) == (hotline.client, response.json()["reference"])
    assert (event.kind, event.sequence) == ("report.received", 1)
    assert event.payload == {**response.json()["report"], "cases": []}  # before the children's cases opened


def test_the_province_police_send_for_a_commune_of_their_province(police_api, officer_b, commune_b):
    response = police_api.call("post", REPORTS, report_body(channel="police", incident=incident(commune="14758")))

    assert response.status_code == 201, response.json()
    report = Report.objects.get(reference=response.json()["reference"])
    assert report.incident_unit == commune_b and report.received_by == police_api.client.account
    assert Case.objects.filter(report=report, unit=commune_b).count() == 1


def test_an_officer_posts_by_session_and_the_chair_is_notified(officer_a, chair_a):
    http = APIClient()
    http.force_login(officer_a)
    body = report_body(channel="in_person", reporter={"anonymous": False, "name": "Lê Thị Mai", "phone": "0912345678"})

    response = http.post(REPORTS, body, format="json")

    assert response.status_code == 201, response.json()
    report = Report.objects.get(reference=response.json()["reference"])
    assert report.received_by == officer_a and report.reporter_name == "Lê Thị Mai"
    assert "Lê Thị Mai" not in response.content.decode()  # the reporter is never echoed
    told = Notification.objects.filter(key=f"report-received:{report.pk}")
    assert list(told.values_list("recipient__username", flat=True)) == ["chair_a"]
    assert Case.objects.get(report=report).officer == officer_a


def test_a_role_that_does_not_log_reports_is_refused(administrator):
    http = APIClient()
    http.force_login(administrator)
    before = written()

    response = http.post(REPORTS, report_body(), format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Vai trò của bạn không tiếp nhận thông tin, thông báo, tố giác."
    assert written() == before


# --- the commune by code or by name --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Phường Hạc Thành", "phuong hac thanh", "HẠC THÀNH", "Hac Thanh"])
def test_the_commune_by_its_name_with_or_without_accents(hotline, commune_a, name):
    response = hotline.call("post", REPORTS, report_body(incident=incident(commune=name)))

    assert response.status_code == 201, response.json()
    assert Report.objects.get().incident_unit == commune_a


def test_a_name_several_communes_share_is_refused_with_them_and_their_provinces(hotline):
    before = written()

    response = hotline.call("post", REPORTS, report_body(incident=incident(commune="Xa Minh Son")))

    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["pointer"] == "/incident/commune"
    assert error["message"].startswith("Có nhiều xã, phường tên “Xa Minh Son”: ")
    assert "Xã Minh Sơn (mã 00982, Tỉnh Tuyên Quang)" in error["message"]
    assert "Xã Minh Sơn (mã 15124, Tỉnh Thanh Hóa)" in error["message"]
    assert written() == before


@pytest.mark.parametrize("province", ["Thanh Hoá", "tinh thanh hoa", "38"])
def test_the_province_tells_two_communes_of_one_name_apart(hotline, province):
    response = hotline.call("post", REPORTS, report_body(incident=incident(commune="Xã Minh Sơn", province=province)))

    assert response.status_code == 201, response.json()
    assert Report.objects.get().incident_unit.code == "15124"


def test_an_unknown_code_or_name_is_refused(hotline):
    for commune, message in [
        ("99999", "Không có xã, phường mã 99999 trong danh mục 2026."),
        ("38", "Không có xã, phường mã 38 trong danh mục 2026."),  # a province is not a commune
        ("Phường Không Có", "Không có xã, phường tên “Phường Không Có” trong danh mục 2026; hãy gửi mã xã."),
    ]:
        response = hotline.call("post", REPORTS, report_body(incident=incident(commune=commune)))
        assert response.status_code == 400
        assert response.json()["errors"] == [{"pointer": "/incident/commune", "message": message}]
    assert not Report.objects.exists()


def test_a_child_living_elsewhere_by_the_name_of_their_commune(hotline, commune_b):
    body = report_body(children=[child_body(residence_commune="Hàm Rồng")])

    response = hotline.call("post", REPORTS, body)

    assert response.status_code == 201, response.json()
    assert Case.objects.get().child.residence_unit == commune_b


# --- the status, to the sender only --------------------------------------------------------------------------------


def test_the_sender_reads_the_status_and_nobody_else_does(hotline, police_api, officer_a):
    sent = hotline.call("post", REPORTS, report_body()).json()

    mine = hotline.call("get", sent["status_url"])
    theirs = police_api.call("get", sent["status_url"])
    nothing = hotline.call("get", "/api/v1/reports/2026-14797-999999/")
    http = APIClient()
    http.force_login(officer_a)
    officer = http.get(sent["status_url"])

    assert mine.status_code == 200
    assert mine.json() == sent["report"]
    assert mine.json()["cases"][0]["state"] == "received"
    assert "Nguyễn" not in mine.content.decode()
    assert theirs.status_code == nothing.status_code == officer.status_code == 404
    assert theirs.json() == nothing.json() == {"detail": "Không tìm thấy, hoặc bạn không có quyền xem.", "errors": []}


def test_an_officer_reads_the_status_of_what_they_posted(officer_a):
    http = APIClient()
    http.force_login(officer_a)
    sent = http.post(REPORTS, report_body(channel="in_person"), format="json").json()

    response = http.get(sent["status_url"])

    assert response.status_code == 200
    assert response.json()["reference"] == sent["reference"]


def test_a_partner_sends_the_facts_and_the_commune_registers_the_children(police, officer_a):
    """A partner's role registers no child on the web, nor through the API: the report goes alone, to the commune."""
    http = APIClient()
    http.force_login(police)

    refused = http.post(REPORTS, report_body(channel="police"), format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {
            "pointer": "/children",
            "message": "Vai trò của bạn không đăng ký trẻ em: hãy gửi thông tin không kèm danh sách trẻ em.",
        }
    ]
    assert not Report.objects.exists() and not Child.objects.exists()

    response = http.post(REPORTS, report_body(channel="police", children=[]), format="json")

    assert response.status_code == 201, response.json()
    report = Report.objects.get(reference=response.json()["reference"])
    assert report.received_by == police and not Case.objects.filter(report=report).exists()
    assert response.json()["report"]["cases"] == []
