"""Intake pages through the test client: Mẫu 01, attaching and registering children, confidentiality, access."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cases.models import Child, Perpetrator, Report, ReportChild, Term, TermKind
from cases.services import child_update, report_attach_child
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from tests.support.builders import REPORTER_NAME
from tests.support.pages import child_post, html, perpetrator_rows

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


# --- the whole intake, end to end ----------------------------------------------------------------------------------


def test_officer_logs_a_report_finds_and_attaches_a_child_and_registers_another(
    client, officer_a, officer_b, supervisor, make_child, report_post
):
    an = make_child(officer_a)  # Nguyễn Văn An, already in the registry
    lookalike = make_child(officer_a, full_name="Lê Thị Bình", sex="female", date_of_birth=None, birth_year=2015)
    client.force_login(officer_a)

    # 1. Mẫu 01
    response = client.post(reverse("cases:report_create"), report_post())
    report = Report.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("cases:report_children", args=[report.pk])
    assert report.received_by == officer_a
    assert report.received_at == dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    assert report.reference == f"2026-14797-{report.pk:06d}"
    assert not Perpetrator.objects.exists()  # the two blank rows are not saved
    children_url = reverse("cases:report_children", args=[report.pk])

    # 2. Search without accents, attach the child found
    response = client.get(children_url, {"q": "nguyen van an"})
    assert response.status_code == 200
    assert [c.pk for c in response.context["found"]] == [an.pk]
    assert "Gắn vào thông tin" in html(response)
    response = client.post(children_url, {"action": "attach", "child": str(an.pk)})
    assert response.status_code == 302
    assert response.url == children_url
    assert list(report.children.all()) == [an]

    # 3. Register a new child: the likely duplicate is shown first and nothing is saved
    children_before = Child.objects.count()
    response = client.post(children_url, {"action": "register", **child_post()})
    assert response.status_code == 200
    assert "Có thể trẻ em này đã có trong sổ theo dõi" in html(response)
    assert [c.child for c in response.context["candidates"]] == [lookalike]
    assert 'name="confirm_new" value="on"' in html(response)
    assert Child.objects.count() == children_before

    # 4. "Not one of these": register for real
    response = client.post(children_url, {"action": "register", "confirm_new": "on", **child_post()})
    assert response.status_code == 302
    assert response.url == children_url
    binh = Child.objects.exclude(pk__in=[an.pk, lookalike.pk]).get()
    assert (binh.full_name, binh.date_of_birth, binh.residence_unit.code) == (
        "Lê Thị Bình",
        dt.date(2015, 3, 5),
        "14797",
    )
    assert [(c.full_name, c.phone_digits) for c in binh.carers.all()] == [("Lê Văn Hải", "0912345678")]
    assert set(report.children.all()) == {an, binh}

    # 5. The report is in the officer's list and inbox; out of reach for the other commune; open to the supervisor
    assert report.reference in html(client.get(reverse("cases:report_list")))
    inbox = client.get(reverse("cases:report_list"), {"status": "received"})
    assert [r.pk for r in inbox.context["page"]] == [report.pk]
    detail = client.get(reverse("cases:report_detail", args=[report.pk]))
    assert detail.status_code == 200
    assert "Nguyễn Văn An" in html(detail) and "Lê Thị Bình" in html(detail)

    client.force_login(officer_b)
    assert client.get(reverse("cases:report_detail", args=[report.pk])).status_code == 404
    assert client.get(children_url).status_code == 404
    assert client.post(children_url, {"action": "attach", "child": str(an.pk)}).status_code == 404
    assert report.reference not in html(client.get(reverse("cases:report_list")))

    client.force_login(supervisor)
    assert client.get(reverse("cases:report_detail", args=[report.pk])).status_code == 200
    assert client.get(children_url).status_code == 200


def test_the_report_form_renders_the_perpetrator_formset_with_prefix_p(client, officer_a):
    client.force_login(officer_a)

    response = client.get(reverse("cases:report_create"))

    assert response.status_code == 200
    page = html(response)
    for name, value in [("p-TOTAL_FORMS", "2"), ("p-INITIAL_FORMS", "0"), ("p-MAX_NUM_FORMS", "5")]:
        assert f'name="{name}" value="{value}"' in page
    assert 'name="p-0-sex"' in page and 'name="p-1-name"' in page
    assert response.context["form"].initial["received_at"] == "20/11/2026 09:00"
    assert response.context["form"].initial["incident_unit"] == "14797"


def test_a_filled_perpetrator_row_is_saved_and_the_blank_one_is_not(client, officer_a, report_post):
    father = Term.objects.get(kind=TermKind.RELATION, code="parent")
    client.force_login(officer_a)

    response = client.post(
        reverse("cases:report_create"),
        report_post(
            **perpetrator_rows(
                {"name": "Nguyễn Văn Hùng", "relation": str(father.pk), "sex": "male", "approx_age": "40"}
            )
        ),
    )

    assert response.status_code == 302
    assert [(p.name, p.relation, p.sex, p.approx_age) for p in Perpetrator.objects.all()] == [
        ("Nguyễn Văn Hùng", father, "male", 40)
    ]


# --- bad input through the forms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"incident_unit": "99999"}, "Không có xã, phường mã 99999 trong danh mục 2026."),
        ({"forms_main": None}, "Chọn ít nhất một hình thức xâm hại."),
        ({"received_at": "20/11/2026 10:00"}, "Thời điểm tiếp nhận không thể ở tương lai."),
        ({"incident_date": "21/11/2026"}, "Ngày xảy ra không thể sau thời điểm tiếp nhận."),
        ({"incident_unit": "14758"}, "Phường Hàm Rồng nằm ngoài địa bàn bạn được tiếp nhận thông tin."),
    ],
)
def test_the_report_form_shows_the_error_and_saves_nothing(client, officer_a, chair_a, report_post, overrides, message):
    client.force_login(officer_a)
    audit_before = AuditEntry.objects.count()

    response = client.post(reverse("cases:report_create"), report_post(**overrides))

    assert response.status_code == 200
    assert message in html(response)
    assert not Report.objects.exists()
    assert not Notification.objects.exists()
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date_of_birth": "21/11/2026"}, "Ngày sinh không thể ở tương lai."),
        ({"national_id": "12345678901a"}, "Mã định danh cá nhân gồm đúng 12 chữ số."),
        ({"residence_unit": "99999"}, "Không có xã, phường mã 99999 trong danh mục 2026."),
        ({"date_of_birth": "", "birth_year": ""}, "Cần ngày sinh hoặc năm sinh (ước tính)."),
    ],
)
def test_the_child_form_shows_the_error_and_saves_nothing(client, officer_a, overrides, message):
    client.force_login(officer_a)

    response = client.post(reverse("cases:child_create"), child_post(**overrides))

    assert response.status_code == 200
    assert message in html(response)
    assert not Child.objects.exists()
    assert not AuditEntry.objects.filter(action="child.register").exists()


@pytest.mark.parametrize(
    ("incident", "child", "message"),
    [
        ({}, {"national_id": "0382 1500 012a"}, "Mã định danh cá nhân gồm đúng 12 chữ số."),
        (
            {"incident_date": dt.date(2026, 10, 1)},
            {"date_of_birth": "01/10/2010"},
            "Lê Thị Bình đã 16 tuổi vào ngày 01/10/2026",
        ),
    ],
    ids=["bad-national-id", "16-at-the-incident"],
)
def test_registering_from_a_report_shows_the_error_and_saves_nothing(
    incident, child, message, client, officer_a, make_report
):
    report = make_report(officer_a, **incident)
    client.force_login(officer_a)

    response = client.post(
        reverse("cases:report_children", args=[report.pk]),
        {"action": "register", "confirm_new": "on", **child_post(**child)},
    )

    assert response.status_code == 200
    assert message in html(response)
    assert not Child.objects.exists()


def test_attaching_a_child_aged_16_at_the_incident_shows_the_error(client, officer_a, make_report, make_child):
    report = make_report(officer_a, incident_date=dt.date(2026, 10, 1))
    child = make_child(officer_a, standalone=False, full_name="Trịnh Văn Lực", date_of_birth=dt.date(2010, 10, 1))
    client.force_login(officer_a)

    response = client.post(
        reverse("cases:report_children", args=[report.pk]), {"action": "attach", "child": str(child.pk)}, follow=True
    )

    assert response.status_code == 200
    assert "Trịnh Văn Lực đã 16 tuổi vào ngày 01/10/2026" in html(response)
    assert not ReportChild.objects.exists()


def test_an_officer_cannot_attach_a_child_they_cannot_see(
    client, officer_a, officer_b, make_report, make_child, commune_b
):
    report = make_report(officer_a)
    other = make_child(officer_b, residence_unit=commune_b)
    client.force_login(officer_a)

    response = client.post(reverse("cases:report_children", args=[report.pk]), {"action": "attach", "child": other.pk})

    assert response.status_code == 404
    assert not ReportChild.objects.exists()


def test_attaching_with_a_malformed_child_id_is_a_404(client, officer_a, make_report):
    report = make_report(officer_a)
    client.force_login(officer_a)
    client.raise_request_exception = False

    response = client.post(reverse("cases:report_children", args=[report.pk]), {"action": "attach", "child": "abc"})

    assert response.status_code == 404  # missing, like any id out of reach; not a server error
    assert not ReportChild.objects.exists()


# --- reporter confidentiality --------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["officer_a", "chair_a", "supervisor"])
def test_the_reporter_is_shown_to_the_commune_and_the_supervisor(client, cast, make_report, who):
    report = make_report(cast["officer_a"])
    client.force_login(cast[who])

    response = client.get(reverse("cases:report_detail", args=[report.pk]))

    assert response.status_code == 200
    assert REPORTER_NAME in html(response)
    assert "0987 654 321" in html(response)
    assert "được giữ bí mật" not in html(response)


def test_the_reporter_is_hidden_from_the_administrator(client, administrator, officer_a, make_report):
    report = make_report(officer_a)
    client.force_login(administrator)

    response = client.get(reverse("cases:report_detail", args=[report.pk]))

    assert response.status_code == 200
    assert REPORTER_NAME not in html(response)
    assert "0987 654 321" not in html(response)
    assert "được giữ bí mật" in html(response)


def test_the_police_partner_does_not_see_the_reporter_even_of_its_own_report(client, police, report_post):
    client.force_login(police)

    response = client.post(reverse("cases:report_create"), report_post(), follow=True)

    report = Report.objects.get()
    assert report.received_by == police
    assert report.reporter_name == REPORTER_NAME
    assert response.redirect_chain == [(reverse("cases:report_detail", args=[report.pk]), 302)]
    assert response.status_code == 200
    assert REPORTER_NAME not in html(response)
    assert "0987 654 321" not in html(response)
    assert "được giữ bí mật" in html(response)
    entry = AuditEntry.objects.get(action="report.view")
    assert (entry.actor, entry.changes) == (police, {"reporter_shown": False})


def test_an_officer_of_another_commune_gets_a_404_on_the_report(client, officer_b, officer_a, make_report):
    report = make_report(officer_a)
    client.force_login(officer_b)

    assert client.get(reverse("cases:report_detail", args=[report.pk])).status_code == 404


# --- the child's page ----------------------------------------------------------------------------------------------


def test_every_view_of_a_childs_page_is_audited(client, officer_a, supervisor, make_child):
    child = make_child(officer_a, national_id="038215000123")
    url = reverse("cases:child_detail", args=[child.pk])

    client.force_login(officer_a)
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "038215000123" in html(response)
    client.force_login(supervisor)
    assert client.get(url).status_code == 200

    entries = AuditEntry.objects.filter(action="child.view", object_id=str(child.pk)).order_by("id")
    assert [e.actor for e in entries] == [officer_a, officer_a, supervisor]
    assert all(e.changes == {"protected_shown": True} for e in entries)


def test_a_child_of_another_commune_is_a_404_and_its_view_is_not_recorded(client, officer_a, officer_b, make_child):
    child = make_child(officer_a)
    client.force_login(officer_b)

    assert client.get(reverse("cases:child_detail", args=[child.pk])).status_code == 404
    assert client.get(reverse("cases:child_edit", args=[child.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action="child.view").exists()


def test_the_police_has_no_registry(client, police, officer_a, make_child):
    child = make_child(officer_a)
    client.force_login(police)

    # Referrals are a partner's only way to a child: the registry's pages do not exist for them.
    assert client.get(reverse("cases:child_detail", args=[child.pk])).status_code == 404
    assert client.get(reverse("cases:child_list")).status_code == 404
    assert client.get(reverse("cases:child_create")).status_code == 404


def test_the_administrator_cannot_log_reports_or_register_children(client, administrator):
    client.force_login(administrator)

    assert client.get(reverse("cases:report_create")).status_code == 403
    assert client.get(reverse("cases:child_create")).status_code == 403


@pytest.mark.parametrize(
    ("name", "with_pk"),
    [
        ("report_list", False),
        ("report_create", False),
        ("report_detail", True),
        ("report_children", True),
        ("child_list", False),
        ("child_create", False),
        ("child_detail", True),
        ("child_edit", True),
    ],
)
def test_anonymous_users_are_sent_to_log_in(client, name, with_pk):
    url = reverse(f"cases:{name}", args=[1] if with_pk else [])

    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


# --- editing a child -----------------------------------------------------------------------------------------------


def edit_post(child, **overrides):
    data = {
        "full_name": child.full_name,
        "date_of_birth": child.date_of_birth.strftime("%d/%m/%Y") if child.date_of_birth else "",
        "sex": child.sex,
        "residence_unit": child.residence_unit.code,
        "version": str(child.version),
    }
    data.update(overrides)
    return data


def test_editing_a_child_saves_and_bumps_the_version(client, officer_a, make_child):
    child = make_child(officer_a)
    client.force_login(officer_a)

    response = client.post(reverse("cases:child_edit", args=[child.pk]), edit_post(child, school="THCS Điện Biên"))

    assert response.status_code == 302
    assert response.url == reverse("cases:child_detail", args=[child.pk])
    child.refresh_from_db()
    assert (child.school, child.version) == ("THCS Điện Biên", 2)
    assert AuditEntry.objects.filter(action="child.update", actor=officer_a).count() == 1


def test_editing_from_a_stale_version_keeps_the_input_and_overwrites_nothing(
    client, officer_a, chair_a, make_child, child_data
):
    child = make_child(officer_a)
    client.force_login(officer_a)
    page = client.get(reverse("cases:child_edit", args=[child.pk]))
    assert page.context["form"].initial["version"] == 1
    # Meanwhile the chair saves the record.
    child_update(actor=chair_a, child=child, data=child_data(school="THCS Điện Biên"), version=1)

    response = client.post(
        reverse("cases:child_edit", args=[child.pk]),
        edit_post(child, full_name="Nguyễn Văn Ân", address="Số 9 ngõ 4", version="1"),
    )

    assert response.status_code == 200
    assert "vừa được người khác sửa" in html(response)
    assert 'value="Nguyễn Văn Ân"' in html(response)
    assert 'value="Số 9 ngõ 4"' in html(response)
    child.refresh_from_db()
    assert (child.full_name, child.address, child.school, child.version) == (
        "Nguyễn Văn An",
        "",
        "THCS Điện Biên",
        2,
    )
    assert AuditEntry.objects.filter(action="child.update").count() == 1


# --- notifications -------------------------------------------------------------------------------------------------


def test_a_report_logged_by_the_supervisor_rings_the_officers_bell(client, officer_a, chair_a, supervisor, report_post):
    client.force_login(supervisor)
    assert client.post(reverse("cases:report_create"), report_post()).status_code == 302
    report = Report.objects.get()
    notification = Notification.objects.get(recipient=officer_a)
    title = f"Thông tin mới {report.reference} tại Phường Hạc Thành"
    assert notification.title == title

    client.force_login(officer_a)
    page = client.get(reverse("notifications"))
    assert page.status_code == 200
    assert title in html(page)
    assert 'text-bg-warning">1<' in html(page)  # the bell's unread count

    response = client.post(reverse("notification_open", args=[notification.pk]))
    assert response.status_code == 302
    assert response.url == reverse("cases:report_detail", args=[report.pk])
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'text-bg-warning">' not in html(client.get(reverse("notifications")))

    # The chair's notification is not the officer's to open.
    chairs = Notification.objects.get(recipient=chair_a)
    assert client.post(reverse("notification_open", args=[chairs.pk])).status_code == 404
    chairs.refresh_from_db()
    assert chairs.read_at is None


def test_opening_a_notification_needs_a_post(client, officer_a, supervisor, make_report):
    make_report(supervisor)
    notification = Notification.objects.get(recipient=officer_a)
    client.force_login(officer_a)

    assert client.get(reverse("notification_open", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_a_repeated_report_shows_the_duplicate_warning(client, officer_a, make_report, make_child):
    child = make_child(officer_a)
    first, second = make_report(officer_a), make_report(officer_a)
    for report in (first, second):
        report_attach_child(actor=officer_a, report=report, child=child)
    client.force_login(officer_a)

    response = client.get(reverse("cases:report_detail", args=[second.pk]))

    assert "Có thể trùng" in html(response)
    assert first.reference in html(response)
