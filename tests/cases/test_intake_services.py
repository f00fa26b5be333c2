"""Intake services: logging a report (Mẫu 01), registering children, attaching them; rules, audit, notifications."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cases.models import Carer, Child, ChildCircumstance, Perpetrator, Report, ReportAbuse, ReportChild, Term, TermKind
from cases.services import age_on, child_update, report_attach_child, report_register_child
from childprotect.alerts.messages import open_link
from childprotect.alerts.models import Delivery
from childprotect.alerts.tasks import send_delivery
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from tests.support.builders import REPORTER_NAME
from tests.support.clock import TZ

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def entry_text(entry: AuditEntry) -> str:
    """Every stored value of an audit entry, as text, to look for what must never be there."""
    values = [str(getattr(entry, f.attname)) for f in AuditEntry._meta.fields]
    return " ".join([*values, json.dumps(entry.changes, ensure_ascii=False)])


def counts() -> tuple[int, int, int, int]:
    return Report.objects.count(), Child.objects.count(), AuditEntry.objects.count(), ReportChild.objects.count()


def refused(make: Any, *args: Any, **kwargs: Any) -> ValidationError:
    """`make(*args, **kwargs)` refused, and nothing written (no report, child, link or audit entry): the error."""
    before = counts()
    with pytest.raises(ValidationError) as exc:
        make(*args, **kwargs)
    assert counts() == before
    return exc.value


def error_messages(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


# --- report_receive ------------------------------------------------------------------------------------------------


def test_report_receive_numbers_the_report_and_keeps_received_at_to_the_minute(officer_a, make_report, commune_a):
    report = make_report(officer_a, received_at=dt.datetime(2026, 11, 20, 8, 30, 45, 123456, tzinfo=TZ))

    report.refresh_from_db()
    assert re.fullmatch(r"\d{4}-\d+-\d{6}", report.reference)
    assert report.reference == f"2026-{commune_a.code}-{report.pk:06d}"
    assert report.received_at == dt.datetime(2026, 11, 20, 8, 30, tzinfo=TZ)
    assert report.received_by == officer_a
    assert report.incident_unit == commune_a
    assert report.status == "received"
    assert set(report.abuse_forms.values_list("form", flat=True)) == {"violence"}


def test_the_reference_year_is_the_local_year_of_receipt(officer_a, make_report, commune_a):
    # 00:30 on 1 January in Hà Nội is still 31 December in UTC.
    report = make_report(officer_a, received_at=dt.datetime(2026, 1, 1, 0, 30, tzinfo=TZ))

    assert report.reference == f"2026-{commune_a.code}-{report.pk:06d}"


def test_report_receive_a_sexual_subtype_alone_adds_sexual_abuse(officer_a, make_report):
    report = make_report(officer_a, forms=["sexual_molestation"])

    assert set(ReportAbuse.objects.filter(report=report).values_list("form", flat=True)) == {
        "sexual_molestation",
        "sexual_abuse",
    }


def test_report_receive_saves_the_perpetrators(officer_a, make_report):
    father = Term.objects.get(kind=TermKind.RELATION, code="parent")
    report = make_report(
        officer_a,
        perpetrators=[
            {"name": "Nguyễn Văn Hùng", "relation": father, "sex": "male", "approx_age": 40, "lives_with_child": True},
            {"name": "", "relation": None, "sex": "unknown", "approx_age": None, "lives_with_child": False},
        ],
    )

    rows = list(Perpetrator.objects.filter(report=report).order_by("id"))
    assert [(p.name, p.relation, p.sex, p.approx_age, p.lives_with_child) for p in rows] == [
        ("Nguyễn Văn Hùng", father, "male", 40, True),
        ("", None, "unknown", None, False),
    ]


def test_report_receive_audits_with_the_reporter_masked(officer_a, make_report):
    report = make_report(officer_a)

    entry = AuditEntry.objects.get(action="report.receive")
    assert entry.actor == officer_a
    assert entry.object_id == str(report.pk)
    for name in ("reporter_name", "reporter_phone", "reporter_address", "reporter_relation"):
        assert entry.changes[name] == ["***", "***"], name
    assert entry.changes["environment"] == [None, "family"]
    text = entry_text(entry)
    assert REPORTER_NAME not in text
    assert "0987 654 321" not in text
    assert "Tổ dân phố 3" not in text


def test_report_receive_anonymous_reporter_keeps_no_identity(officer_a, make_report):
    report = make_report(officer_a, reporter_anonymous=True)

    report.refresh_from_db()
    assert (report.reporter_name, report.reporter_phone, report.reporter_address) == ("", "", "")


# --- routing and notifications -------------------------------------------------------------------------------------


def give_emails(*users):
    for user in users:
        user.email = f"{user.username}@hacthanh.thanhhoa.gov.vn"
        user.save(update_fields=["email"])


def test_a_report_logged_by_the_supervisor_goes_to_the_commune_and_notifies_its_staff_once(
    client,
    settings,
    officer_a,
    chair_a,
    officer_b,
    supervisor,
    make_report,
    commune_a,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    give_emails(officer_a, chair_a, officer_b, supervisor)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = make_report(supervisor)

    assert report.incident_unit == commune_a
    key = f"report-received:{report.pk}"
    assert Notification.objects.filter(recipient=officer_a, key=key).count() == 1
    assert Notification.objects.filter(recipient=chair_a, key=key).count() == 1
    assert not Notification.objects.filter(recipient=supervisor).exists()
    assert not Notification.objects.filter(recipient=officer_b).exists()
    notification = Notification.objects.get(recipient=officer_a)
    assert report.reference in notification.title
    assert notification.url == f"/reports/{report.pk}/"

    # One task per notification ran after the commit: one Vietnamese email to each recipient.
    assert len(callbacks) == 2
    assert sorted(m.to[0] for m in mailoutbox) == [
        "chair_a@hacthanh.thanhhoa.gov.vn",
        "officer_a@hacthanh.thanhhoa.gov.vn",
    ]
    mail = next(m for m in mailoutbox if m.to == ["officer_a@hacthanh.thanhhoa.gov.vn"])
    assert mail.subject == f"[Bảo vệ trẻ em] Thông tin mới {report.reference} tại Phường Hạc Thành"
    assert "Kính gửi" in mail.body
    assert "cần đánh giá nguy cơ ban đầu trong 12 giờ" in mail.body
    assert open_link(notification.pk) in mail.body  # opens the alert, then leads to the report
    assert client.get(open_link(notification.pk).removeprefix(settings.CHILDPROTECT_SITE_URL))["Location"] == (
        f"/reports/{report.pk}/"
    )
    assert REPORTER_NAME not in mail.body
    delivery = Delivery.objects.get(notification=notification, channel="email")
    assert delivery.status == "sent"

    # Exactly once: a redelivered task sends nothing more.
    assert send_delivery(delivery.pk) == ""
    assert len(mailoutbox) == 2


def test_recipients_without_an_email_get_the_bell_only(
    officer_a, chair_a, supervisor, make_report, django_capture_on_commit_callbacks, mailoutbox
):
    give_emails(officer_a)  # chair_a has no address

    with django_capture_on_commit_callbacks(execute=True):
        make_report(supervisor)

    assert Notification.objects.filter(recipient=chair_a).count() == 1
    assert [m.to for m in mailoutbox] == [["officer_a@hacthanh.thanhhoa.gov.vn"]]


def test_the_officer_logging_a_report_is_not_notified_but_the_chair_is(
    officer_a, chair_a, make_report, django_capture_on_commit_callbacks, mailoutbox
):
    give_emails(officer_a, chair_a)

    with django_capture_on_commit_callbacks(execute=True):
        report = make_report(officer_a)

    assert list(Notification.objects.values_list("recipient__username", "key")) == [
        ("chair_a", f"report-received:{report.pk}")
    ]
    assert [m.to for m in mailoutbox] == [["chair_a@hacthanh.thanhhoa.gov.vn"]]


# --- who may log a report where ------------------------------------------------------------------------------------


def test_partner_police_may_log_a_report_in_their_agency_area(police, make_report, commune_a, chair_a, officer_a):
    report = make_report(police)

    assert report.incident_unit == commune_a
    assert report.received_by == police
    assert Notification.objects.filter(key=f"report-received:{report.pk}").count() == 2


def test_partner_police_may_not_log_a_report_outside_their_agency_area(police, make_report, commune_b):
    error = refused(make_report, police, incident_unit=commune_b)

    assert "nằm ngoài địa bàn" in " ".join(error.message_dict["incident_unit"])


def test_an_officer_may_not_log_a_report_for_another_commune(officer_b, make_report):
    error = refused(make_report, officer_b)

    assert "nằm ngoài địa bàn" in " ".join(error.message_dict["incident_unit"])


def test_the_administrator_role_does_not_log_reports(administrator, make_report):
    error = refused(make_report, administrator)

    assert "Vai trò của bạn không tiếp nhận" in " ".join(error.messages)


# --- bad input changes nothing -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"forms": []}, "forms", "Chọn ít nhất một hình thức xâm hại."),
        ({"forms": ["unknown_form"]}, "forms", "Chọn ít nhất một hình thức xâm hại."),
        (
            {"received_at": dt.datetime(2026, 11, 20, 9, 30, tzinfo=TZ)},
            "received_at",
            "Thời điểm tiếp nhận không thể ở tương lai.",
        ),
        ({"incident_date": dt.date(2026, 11, 21)}, "incident_date", "Ngày xảy ra không thể sau thời điểm tiếp nhận."),
        ({"description": "   "}, "description", "Cần mô tả nội dung sự việc."),
    ],
)
def test_report_receive_refuses_bad_input_and_saves_nothing(officer_a, make_report, overrides, field, message):
    error = refused(make_report, officer_a, **overrides)

    assert error.message_dict[field] == [message]
    assert not Notification.objects.exists()


def test_report_receive_refuses_a_province_as_the_place_of_the_incident(supervisor, make_report, province):
    error = refused(make_report, supervisor, incident_unit=province)

    assert error.message_dict["incident_unit"] == ["Nơi xảy ra phải là một xã, phường, đặc khu."]


def test_report_receive_accepts_an_incident_on_the_day_it_was_received(officer_a, make_report):
    report = make_report(officer_a, incident_date=dt.date(2026, 11, 20))

    assert report.incident_date == dt.date(2026, 11, 20)


# --- child_register ------------------------------------------------------------------------------------------------


def test_child_register_refuses_a_birth_date_in_the_future(officer_a, make_child):
    error = refused(make_child, officer_a, date_of_birth=dt.date(2026, 11, 21))

    assert error.message_dict["date_of_birth"] == ["Ngày sinh không thể ở tương lai."]


def test_child_register_refuses_a_national_id_that_is_not_12_digits(officer_a, make_child):
    error = refused(make_child, officer_a, national_id="12345678901a")

    assert error.message_dict["national_id"] == ["Mã định danh cá nhân gồm đúng 12 chữ số."]


def test_child_register_refuses_a_national_id_already_in_the_registry(officer_a, make_child):
    make_child(officer_a, national_id="038215000123")
    error = refused(make_child, officer_a, full_name="Lê Thị Bình", national_id="038215000123")

    assert "national_id" in error.message_dict


def test_standalone_registration_outside_the_jurisdiction_is_refused(officer_a, make_child, commune_b):
    error = refused(make_child, officer_a, residence_unit=commune_b)

    assert "nằm ngoài địa bàn" in " ".join(error.message_dict["residence_unit"])


def test_standalone_registration_of_a_16_year_old_is_refused(officer_a, make_child):
    error = refused(make_child, officer_a, date_of_birth=dt.date(2010, 11, 20))  # 16 today

    assert "16 tuổi" in " ".join(error.message_dict["date_of_birth"])


def test_standalone_registration_of_a_child_turning_16_tomorrow_is_accepted(officer_a, make_child):
    child = make_child(officer_a, date_of_birth=dt.date(2010, 11, 21))

    assert child.pk is not None


def test_child_register_derives_the_birth_year_from_the_birth_date(officer_a, make_child):
    child = make_child(officer_a, date_of_birth=dt.date(2015, 3, 5), birth_year=2011, birth_year_estimated=True)

    child.refresh_from_db()
    assert child.birth_year == 2015
    assert child.birth_year_estimated is False
    assert child.name_folded == "nguyen van an"


def test_child_register_saves_carers_and_circumstances(officer_a, make_child):
    child = make_child(
        officer_a,
        circumstances=["d", "i", "d"],
        carers=[
            {"full_name": "Nguyễn Thị Lan", "relation": "Mẹ", "phone": "+84 912 345 678"},
            {"full_name": "  ", "relation": "", "phone": ""},  # an empty row is skipped
        ],
    )

    assert set(ChildCircumstance.objects.filter(child=child).values_list("group", flat=True)) == {"d", "i"}
    carers = list(Carer.objects.filter(child=child))
    assert [(c.full_name, c.relation, c.phone, c.phone_digits) for c in carers] == [
        ("Nguyễn Thị Lan", "Mẹ", "+84 912 345 678", "0912345678")
    ]


def test_child_register_audits_with_protected_fields_masked(officer_a, make_child):
    ethnicity = Term.objects.get(kind=TermKind.ETHNICITY, code="01")
    child = make_child(officer_a, national_id="038215000123", ethnicity=ethnicity, address="Số 5 ngõ 12")

    entry = AuditEntry.objects.get(action="child.register")
    assert entry.actor == officer_a
    assert entry.object_id == str(child.pk)
    for name in ("full_name", "date_of_birth", "birth_year", "national_id", "address"):
        assert entry.changes[name] == ["***", "***"], name
    assert entry.changes["sex"] == [None, "male"]
    assert entry.changes["residence_unit"] == [None, child.residence_unit_id]
    assert entry.changes["ethnicity"] == [None, ethnicity.pk]
    changes = json.dumps(entry.changes, ensure_ascii=False)
    for secret in ("Nguyễn Văn An", "038215000123", "Số 5 ngõ 12", "2015-03-05"):
        assert secret not in changes


# --- age_on --------------------------------------------------------------------------------------------------------


def test_age_on_with_a_birth_date_is_exact():
    assert age_on(dt.date(2010, 11, 20), 2010, dt.date(2026, 11, 20)) == (16, True)
    assert age_on(dt.date(2010, 11, 21), 2010, dt.date(2026, 11, 20)) == (15, True)
    assert age_on(dt.date(2012, 2, 29), 2012, dt.date(2026, 2, 28)) == (13, True)


def test_age_on_with_only_a_year_is_the_smallest_possible_age():
    assert age_on(None, 2010, dt.date(2026, 11, 20)) == (15, False)
    assert age_on(None, 2010, dt.date(2026, 12, 31)) == (15, False)
    assert age_on(None, 2009, dt.date(2026, 1, 1)) == (16, False)


# --- report_attach_child -------------------------------------------------------------------------------------------


def test_attaching_a_child_aged_exactly_16_on_the_incident_date_is_refused(officer_a, make_report, make_child):
    report = make_report(officer_a, incident_date=dt.date(2026, 11, 1))
    child = make_child(officer_a, standalone=False, date_of_birth=dt.date(2010, 11, 1))
    error = refused(report_attach_child, actor=officer_a, report=report, child=child)

    assert "16 tuổi" in " ".join(error.messages)
    assert "01/11/2026" in " ".join(error.messages)


def test_attaching_a_child_aged_15_years_364_days_on_the_incident_date_is_accepted(officer_a, make_report, make_child):
    report = make_report(officer_a, incident_date=dt.date(2026, 11, 1))
    child = make_child(officer_a, standalone=False, date_of_birth=dt.date(2010, 11, 2))  # 16 by now, not then

    link = report_attach_child(actor=officer_a, report=report, child=child)

    assert (link.report, link.child) == (report, child)


def test_without_an_incident_date_the_age_is_taken_on_the_day_received(officer_a, make_report, make_child):
    report = make_report(officer_a)  # received 20/11/2026
    child = make_child(officer_a, standalone=False, date_of_birth=dt.date(2010, 11, 20))

    with pytest.raises(ValidationError) as exc:
        report_attach_child(actor=officer_a, report=report, child=child)

    assert "20/11/2026" in error_messages(exc)


def test_with_only_a_birth_year_the_smallest_possible_age_decides(officer_a, make_report, make_child):
    report = make_report(officer_a, incident_date=dt.date(2026, 11, 1))
    born_2010 = make_child(officer_a, full_name="Lê Văn Bảo", date_of_birth=None, birth_year=2010)
    born_2009 = make_child(officer_a, standalone=False, full_name="Lê Văn Cường", date_of_birth=None, birth_year=2009)

    report_attach_child(actor=officer_a, report=report, child=born_2010)  # at least 15: may still be under 16
    with pytest.raises(ValidationError) as exc:
        report_attach_child(actor=officer_a, report=report, child=born_2009)  # at least 16 whatever the day

    assert "ít nhất 16 tuổi" in error_messages(exc)
    assert list(report.children.all()) == [born_2010]


def test_attaching_the_same_child_twice_makes_one_link_and_one_audit_entry(officer_a, make_report, make_child):
    report = make_report(officer_a)
    child = make_child(officer_a)

    first = report_attach_child(actor=officer_a, report=report, child=child)
    second = report_attach_child(actor=officer_a, report=report, child=child)

    assert first.pk == second.pk
    assert ReportChild.objects.filter(report=report, child=child).count() == 1
    entries = AuditEntry.objects.filter(action="report.attach_child", object_id=str(report.pk))
    assert entries.count() == 1
    assert entries.get().changes == {"child": [None, child.pk]}


# --- report_register_child -----------------------------------------------------------------------------------------


def test_report_register_child_registers_and_attaches(officer_a, make_report, child_data, commune_b):
    report = make_report(officer_a)

    # A child of a commune A report may live elsewhere: the report makes them visible.
    child = report_register_child(actor=officer_a, report=report, data=child_data(residence_unit=commune_b))

    assert list(report.children.all()) == [child]
    assert child.created_by == officer_a
    assert set(AuditEntry.objects.filter(actor=officer_a).values_list("action", flat=True)) >= {
        "child.register",
        "report.attach_child",
    }


def test_report_register_child_leaves_no_child_when_the_attach_is_refused(officer_a, make_report, child_data):
    report = make_report(officer_a, incident_date=dt.date(2026, 11, 1))
    error = refused(
        report_register_child,
        actor=officer_a,
        report=report,
        data=child_data(date_of_birth=dt.date(2010, 10, 1), carers=[{"full_name": "Nguyễn Thị Lan"}]),
    )

    assert "16 tuổi" in " ".join(error.messages)
    assert not Carer.objects.exists()


# --- child_update --------------------------------------------------------------------------------------------------


def test_child_update_with_a_stale_version_changes_nothing(officer_a, chair_a, make_child, child_data):
    child = make_child(officer_a)
    child_update(actor=chair_a, child=child, data=child_data(school="THCS Điện Biên"), version=1)
    audit_before = AuditEntry.objects.count()

    with pytest.raises(ValidationError) as exc:
        child_update(actor=officer_a, child=child, data=child_data(full_name="Nguyễn Văn Ân"), version=1)

    assert exc.value.code == "stale"
    assert "vừa được người khác sửa" in error_messages(exc)
    child.refresh_from_db()
    assert (child.full_name, child.school, child.version) == ("Nguyễn Văn An", "THCS Điện Biên", 2)
    assert AuditEntry.objects.count() == audit_before


def test_child_update_with_the_current_version_saves_bumps_and_audits(officer_a, make_child, child_data):
    child = make_child(officer_a, circumstances=["d"])

    updated = child_update(
        actor=officer_a,
        child=child,
        data=child_data(full_name="Nguyễn Văn Ân", other_names="Bin", circumstances=["d", "i"]),
        version=child.version,
    )

    child.refresh_from_db()
    assert updated.version == child.version == 2
    assert (child.full_name, child.name_folded, child.other_names_folded) == ("Nguyễn Văn Ân", "nguyen van an", "bin")
    assert set(child.circumstances.values_list("group", flat=True)) == {"d", "i"}
    entry = AuditEntry.objects.get(action="child.update")
    assert entry.actor == officer_a
    assert entry.changes["full_name"] == ["***", "***"]
    assert entry.changes["other_names"] == ["***", "***"]
    assert entry.changes["circumstances"] == ["***", "***"]
    assert "sex" not in entry.changes  # unchanged fields are not listed
    assert "Nguyễn Văn Ân" not in json.dumps(entry.changes, ensure_ascii=False)


def test_child_update_refuses_another_childs_national_id(officer_a, make_child, child_data):
    make_child(officer_a, full_name="Lê Thị Bình", national_id="038215000123")
    child = make_child(officer_a)

    with pytest.raises(ValidationError) as exc:
        child_update(actor=officer_a, child=child, data=child_data(national_id="038215000123"), version=1)

    assert "national_id" in exc.value.message_dict
    child.refresh_from_db()
    assert (child.national_id, child.version) == ("", 1)
