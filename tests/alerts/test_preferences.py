"""The alert settings page (childprotect/alerts/views.py, settings_services.py): each person's channels per kind of
alert, shown as they are now (the role's default until they choose) and saved with an audit entry, refused when
another tab saved first; quiet hours, refused when half-given or empty, and what they hold back when planning."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from childprotect.alerts.models import AlertKind, AlertPreference, AlertProfile, Delivery, DeliveryStatus
from childprotect.alerts.preferences import default_channels
from childprotect.alerts.services import deliveries_sweep
from childprotect.audit.actions import AlertAction
from childprotect.audit.models import AuditEntry
from childprotect.core.services import notify
from tests.support.alert_settings import SETTINGS, checkboxes, preferences_post, ticked
from tests.support.clock import local
from tests.support.pages import html, version_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

QUIET = reverse("alerts:quiet_hours")
STALE = "vừa được lưu ở một cửa sổ hoặc thẻ khác"


def defaults(role: str) -> set[str]:
    return {f"{kind}__{channel}" for kind in AlertKind.values for channel in default_channels(role, kind)}


def entries(action) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def verified(user, phone: str = "+84912345678") -> None:
    AlertProfile.objects.update_or_create(user=user, defaults={"phone": phone, "phone_verified_at": timezone.now()})


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "chair_a", "supervisor", "police", "admin"])
def test_each_person_of_the_cast_sees_their_page_reached_from_their_account(client, cast, who):
    client.force_login(cast[who])
    assert SETTINGS in html(client.get(reverse("profile")))
    response = client.get(SETTINGS)
    assert response.status_code == 200
    page = html(response)
    for kind in AlertKind:
        assert str(kind.label) in page
    boxes = checkboxes(response)
    assert len(boxes) == len(AlertKind) * 3
    # Only e-mail is configured here: SMS and Zalo are shown, disabled, with why.
    assert {n for n, (_, disabled) in boxes.items() if not disabled} == {f"{k}__email" for k in AlertKind.values}
    assert page.count("chưa được cấu hình</div>") == 2  # under the SMS and Zalo columns
    assert ticked(response) == defaults(cast[who].role)


@pytest.mark.parametrize(
    ("who", "by_phone"),
    [
        ("officer_a", {"new_report", "my_turn", "due_soon", "overdue"}),
        ("chair_a", {"new_report", "my_turn", "due_soon", "overdue"}),
        ("supervisor", {"overdue"}),
        ("police", {"referral", "overdue"}),
        ("admin", set()),
    ],
)
def test_the_page_shows_the_role_defaults_until_the_person_chooses(client, cast, who, by_phone, sms_channel):
    client.force_login(cast[who])
    response = client.get(SETTINGS)
    on = ticked(response)
    assert {n.split("__")[0] for n in on if n.endswith("__sms")} == by_phone
    assert {n.split("__")[0] for n in on if n.endswith("__email")} == set(AlertKind.values)
    assert "cần số điện thoại đã xác minh" in html(response)
    assert not checkboxes(response)["new_report__sms"][1]  # SMS is configured: it can be ticked
    assert checkboxes(response)["new_report__zalo"][1]  # Zalo is not


def test_saving_writes_the_kinds_that_differ_from_the_default_audited_and_planning_follows(
    client, officer_a_mailed, sms_channel
):
    officer = officer_a_mailed
    verified(officer)
    client.force_login(officer)
    page = client.get(SETTINGS)
    wanted = (defaults(officer.role) - {"new_report__sms", "other__email"}) | {"report_due__sms"}
    response = client.post(SETTINGS, preferences_post(client, page, wanted))
    assert response.status_code == 302
    rows = {p.kind: p.channels() for p in AlertPreference.objects.filter(user=officer)}
    # Zalo is not configured: its boxes are disabled and keep their value (the default's).
    assert rows == {"new_report": {"email", "zalo"}, "other": set(), "report_due": {"email", "sms"}}
    (entry,) = entries(AlertAction.PREFERENCES)
    assert entry.actor == officer
    assert entry.changes == {
        "new_report": [["email", "sms", "zalo"], ["email", "zalo"]],
        "report_due": [["email"], ["email", "sms"]],
        "other": [["email"], []],
    }
    assert AlertProfile.objects.get(user=officer).version == 2
    after = client.get(response.url)
    assert ticked(after) == wanted
    assert "Đã lưu kênh nhận thông báo" in html(after)

    def planned(kind: str) -> set[str]:
        (n,) = notify(recipients=[officer], title="t", kind=kind)
        return set(Delivery.objects.filter(notification=n).values_list("channel", flat=True))

    assert planned("new_report") == {"email"}
    assert planned("report_due") == {"email", "sms"}
    assert planned("other") == set()
    assert planned("my_turn") == {"email", "sms"}  # untouched: the default

    # Back to the default: the row goes (the kind follows the role's default again).
    page = client.get(SETTINGS)
    client.post(SETTINGS, preferences_post(client, page, ticked(page) | {"new_report__sms"}))
    assert not AlertPreference.objects.filter(user=officer, kind="new_report").exists()
    assert len(entries(AlertAction.PREFERENCES)) == 2


def test_saving_unchanged_writes_nothing(client, officer_a):
    client.force_login(officer_a)
    page = client.get(SETTINGS)
    response = client.post(SETTINGS, preferences_post(client, page, ticked(page)))
    assert response.status_code == 302
    assert entries(AlertAction.PREFERENCES) == []
    assert not AlertPreference.objects.exists()
    assert "Không có thay đổi" in html(client.get(SETTINGS))


def test_a_channel_not_configured_keeps_its_value_whatever_is_posted(client, officer_a):
    client.force_login(officer_a)
    page = client.get(SETTINGS)
    data = preferences_post(client, page, ticked(page) - {"due_soon__email"})
    data["new_report__sms"] = ""  # a forged post for a disabled box: ignored
    data["referral__zalo"] = "on"
    client.post(SETTINGS, data)
    (row,) = AlertPreference.objects.filter(user=officer_a)
    assert (row.kind, row.channels()) == ("due_soon", {"sms", "zalo"})  # the default's SMS and Zalo kept


def test_a_form_from_an_older_version_is_refused_and_nothing_is_saved(client, officer_a):
    client.force_login(officer_a)
    first_tab = client.get(SETTINGS)
    second_tab = client.get(SETTINGS)
    client.post(SETTINGS, preferences_post(client, first_tab, ticked(first_tab) - {"other__email"}))
    response = client.post(SETTINGS, preferences_post(client, second_tab, ticked(second_tab) - {"overdue__email"}))
    assert response.status_code == 200
    assert STALE in html(response)
    assert not AlertPreference.objects.filter(kind="overdue").exists()
    assert len(entries(AlertAction.PREFERENCES)) == 1
    assert "other__email" not in ticked(response)  # the page shows what is saved now
    assert version_on(response) == "2"
    # Quiet hours from the old tab: refused as well.
    response = client.post(QUIET, {"quiet_start": "22:00", "quiet_end": "06:00", "version": version_on(second_tab)})
    assert response.status_code == 200 and STALE in html(response)
    assert AlertProfile.objects.get(user=officer_a).quiet_start is None


def test_a_post_without_version_is_refused_on_the_page(client, officer_a):
    client.force_login(officer_a)
    response = client.post(SETTINGS, {"other__email": "on"})
    assert response.status_code == 200
    assert "Chưa lưu được" in html(response)
    assert not AlertPreference.objects.exists()


def test_quiet_hours_are_saved_audited_and_cleared(client, officer_a):
    client.force_login(officer_a)
    page = client.get(SETTINGS)
    response = client.post(QUIET, {"quiet_start": "22:00", "quiet_end": "06:00", "version": version_on(page)})
    assert response.status_code == 302
    profile = AlertProfile.objects.get(user=officer_a)
    assert (profile.quiet_start, profile.quiet_end) == (dt.time(22), dt.time(6))
    (entry,) = entries(AlertAction.QUIET_HOURS)
    assert entry.changes == {"quiet_start": ["", "22:00"], "quiet_end": ["", "06:00"]}
    page = client.get(SETTINGS)
    assert 'value="22:00"' in html(page)
    assert "vẫn được gửi ngay cả trong giờ yên lặng" in html(page)
    client.post(QUIET, {"quiet_start": "", "quiet_end": "", "version": version_on(page)})
    profile.refresh_from_db()
    assert (profile.quiet_start, profile.quiet_end) == (None, None)
    assert len(entries(AlertAction.QUIET_HOURS)) == 2


@pytest.mark.parametrize(
    ("start", "end", "says"),
    [
        ("22:00", "", "cả giờ bắt đầu và giờ kết thúc"),
        ("", "06:00", "cả giờ bắt đầu và giờ kết thúc"),
        ("21:30", "21:30", "trùng nhau"),
        ("25:00", "06:00", "Giờ không hợp lệ"),
        ("ba giờ", "06:00", "Giờ không hợp lệ"),
        ("22:00", "6h", "Giờ không hợp lệ"),
    ],
)
def test_bad_quiet_hours_are_refused_with_a_message_and_nothing_saved(client, officer_a, start, end, says):
    client.force_login(officer_a)
    page = client.get(SETTINGS)
    response = client.post(QUIET, {"quiet_start": start, "quiet_end": end, "version": version_on(page)})
    assert response.status_code == 200
    assert says in html(response)
    assert not AlertProfile.objects.filter(quiet_start__isnull=False).exists()
    assert entries(AlertAction.QUIET_HOURS) == []


@pytest.mark.clock_at(local(2026, 11, 20, 23, 0))
def test_in_quiet_hours_a_non_urgent_sms_waits_an_urgent_one_goes_and_email_is_unaffected(
    officer_a_mailed, sms_channel, django_capture_on_commit_callbacks
):
    officer = officer_a_mailed
    verified(officer)
    AlertProfile.objects.filter(user=officer).update(quiet_start=dt.time(22), quiet_end=dt.time(6))

    with django_capture_on_commit_callbacks(execute=True):
        (calm,) = notify(recipients=[officer], title="Tin báo mới", kind="new_report", ref="TB-1")
    by = {d.channel: d for d in Delivery.objects.filter(notification=calm)}
    assert by["sms"].status == DeliveryStatus.PENDING
    assert by["sms"].next_attempt_at == local(2026, 11, 21, 6, 0)
    assert by["email"].status == DeliveryStatus.SENT  # e-mail is not held back
    assert sms_channel.sent == []

    with django_capture_on_commit_callbacks(execute=True):
        (urgent,) = notify(recipients=[officer], title="Khẩn cấp", kind="overdue", urgent=True, ref="TB-2")
    assert Delivery.objects.get(notification=urgent, channel="sms").status == DeliveryStatus.SENT
    assert len(sms_channel.sent) == 1 and "TB-2" in sms_channel.sent[0].text

    with time_machine.travel(local(2026, 11, 21, 5, 59), tick=False):
        deliveries_sweep()
    assert len(sms_channel.sent) == 1
    with time_machine.travel(local(2026, 11, 21, 6, 0), tick=False):
        assert deliveries_sweep() == 1
    assert "TB-1" in sms_channel.sent[1].text
    assert Delivery.objects.get(notification=calm, channel="sms").status == DeliveryStatus.SENT


@pytest.mark.clock_at(local(2026, 11, 20, 21, 0))
def test_outside_quiet_hours_sms_goes_at_once(officer_a_mailed, sms_channel, django_capture_on_commit_callbacks):
    verified(officer_a_mailed)
    AlertProfile.objects.filter(user=officer_a_mailed).update(quiet_start=dt.time(22), quiet_end=dt.time(6))
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[officer_a_mailed], title="Tin báo mới", kind="new_report", ref="TB-3")
    assert len(sms_channel.sent) == 1
