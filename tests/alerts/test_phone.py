"""The phone number SMS and Zalo go to (childprotect/alerts/settings_services.py): Vietnamese mobile numbers
normalised to E.164, anything else refused with why; a number is used only once a code sent to it is typed back;
the code goes through the outbox to a configured provider (tests/support/channels.py), is throttled, counted, voided,
and never kept in clear, logged, audited or shown."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from childprotect.alerts.channels.base import PermanentFailure, TemporaryFailure
from childprotect.alerts.models import AlertProfile, Delivery, DeliveryStatus
from childprotect.alerts.phones import phone_normalise
from childprotect.alerts.services import deliveries_sweep
from childprotect.alerts.settings_services import CODE_RESEND_SECONDS
from childprotect.audit.actions import AlertAction
from childprotect.audit.models import AuditEntry
from childprotect.core.services import notify
from tests.support.alert_settings import SETTINGS
from tests.support.pages import html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

PHONE = reverse("alerts:phone")
SEND = reverse("alerts:phone_code")
VERIFY = reverse("alerts:phone_verify")
E164 = "+84912345678"


def profile(user) -> AlertProfile:
    return AlertProfile.objects.get(user=user)


def entries(action) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def code_in(text: str) -> str:
    match = re.search(r"\b(\d{6})\b", text)
    assert match, text
    return match.group(1)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the request queued on commit (the outbox's send task), as after a real request."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.mark.parametrize(
    "raw",
    ["0912345678", "0912 345 678", "091.234.5678", "091-234-5678", "+84 912 345 678", "+84912345678", "84912345678",
     "0084 912 345 678", "+84 (0) 912 345 678", " 0912345678 "],
)  # fmt: skip
def test_the_ways_people_write_a_mobile_number_are_normalised(raw):
    assert phone_normalise(raw) == E164


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("024 3825 1234", "cố định"),  # Hà Nội landline
        ("+84 24 3825 1234", "cố định"),
        ("0237 385 2222", "cố định"),  # Thanh Hoá landline
        ("0168 123 4567", "từ năm 2018"),  # an old 11-digit mobile
        ("+1 202 555 0143", "Việt Nam"),
        ("091234567", "không hợp lệ"),  # 9 digits
        ("09123456789", "không hợp lệ"),  # 11 digits
        ("0112345678", "không hợp lệ"),  # no such prefix
        ("0612345678", "không hợp lệ"),
        ("abc", "chỉ gồm chữ số"),
        ("09l2345678", "chỉ gồm chữ số"),
        ("+84", "không hợp lệ"),
        ("0912345678; DROP TABLE", "chỉ gồm chữ số"),
    ],
)
def test_anything_but_a_vietnamese_mobile_is_refused_on_the_page_and_nothing_saved(client, officer_a, raw, says):
    with pytest.raises(ValidationError):
        phone_normalise(raw)
    client.force_login(officer_a)
    response = client.post(PHONE, {"phone": raw})
    assert response.status_code == 200
    assert says in html(response)
    assert not AlertProfile.objects.filter(phone__gt="").exists()
    assert entries(AlertAction.PHONE_SET) == []


def test_setting_the_number_clears_its_verification_and_cancels_what_waited_for_the_old_one(client, officer_a):
    AlertProfile.objects.create(user=officer_a, phone="+84987654321", phone_verified_at=timezone.now())
    later = timezone.now() + dt.timedelta(hours=3)  # held back by quiet hours
    waiting = Delivery.objects.create(
        recipient=officer_a, channel="sms", address="+84987654321", template="test", params={"site": "x"},
        next_attempt_at=later,
    )  # fmt: skip
    client.force_login(officer_a)
    response = client.post(PHONE, {"phone": "0912 345 678"})
    assert response.status_code == 302
    saved = profile(officer_a)
    assert (saved.phone, saved.phone_verified_at, saved.verified_phone) == (E164, None, "")
    (entry,) = entries(AlertAction.PHONE_SET)
    assert entry.changes == {"phone": ["+84987654321", E164]}
    waiting.refresh_from_db()
    assert (waiting.status, waiting.params) == (DeliveryStatus.CANCELLED, {})
    assert "chưa xác minh" in html(client.get(SETTINGS))

    client.post(PHONE, {"phone": "+84912345678"})  # the same number: nothing changes
    assert len(entries(AlertAction.PHONE_SET)) == 1
    client.post(PHONE, {"phone": ""})  # removed
    assert profile(officer_a).phone == ""
    assert len(entries(AlertAction.PHONE_SET)) == 2


def test_with_no_phone_channel_configured_verification_is_not_possible_yet(client, officer_a):
    client.force_login(officer_a)
    client.post(PHONE, {"phone": "0912345678"})
    assert "Chưa thể xác minh số điện thoại" in html(client.get(SETTINGS))
    response = client.post(SEND)
    assert response.status_code == 200
    assert "chưa được cấu hình gửi SMS hoặc Zalo" in html(response)
    assert not Delivery.objects.exists()
    assert profile(officer_a).code_hash == ""


def test_a_code_cannot_be_sent_without_a_number(client, officer_a, sms_channel):
    client.force_login(officer_a)
    response = client.post(SEND)
    assert response.status_code == 200 and "Hãy lưu số điện thoại" in html(response)
    assert not Delivery.objects.exists()


def test_verification_end_to_end_by_sms(client, officer_a_mailed, sms_channel, commit, caplog):
    caplog.set_level(logging.DEBUG)
    officer = officer_a_mailed
    client.force_login(officer)
    client.post(PHONE, {"phone": "0912 345 678"})

    # Until verified, SMS is not used, even for a kind that goes by SMS by default.
    commit(notify, recipients=[officer], title="Tin báo mới", kind="new_report", ref="TB-1")
    assert sms_channel.sent == []
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"email"}

    page = html(client.get(SETTINGS))
    assert "Gửi mã xác minh" in page
    response = commit(client.post, SEND)
    assert response.status_code == 302
    (message,) = sms_channel.sent
    assert message.to == E164 and message.template == "verify_code"
    code = code_in(message.text)
    delivery = Delivery.objects.get(template="verify_code")
    assert (delivery.status, delivery.params, delivery.channel) == (DeliveryStatus.SENT, {}, "sms")
    saved = profile(officer)
    assert saved.code_hash and code not in saved.code_hash
    (sent_entry,) = entries(AlertAction.PHONE_CODE_SENT)
    assert sent_entry.changes == {"phone": E164, "channel": "sms"}

    # Too soon for another one.
    response = commit(client.post, SEND)
    assert response.status_code == 200 and "hãy chờ" in html(response)
    assert len(sms_channel.sent) == 1

    wrong = "000000" if code != "000000" else "111111"
    response = client.post(VERIFY, {"code": wrong})
    assert response.status_code == 200
    assert "không đúng" in html(response) and wrong not in html(response)
    assert profile(officer).code_attempts == 1
    (failed,) = entries(AlertAction.PHONE_CODE_FAILED)
    assert failed.changes == {"attempts": 1, "void": False}

    response = client.post(VERIFY, {"code": f" {code[:3]} {code[3:]} "})
    assert response.status_code == 302
    saved = profile(officer)
    assert saved.verified_phone == E164 and saved.code_hash == ""
    (done,) = entries(AlertAction.PHONE_VERIFIED)
    assert done.changes == {"phone": E164}
    page = html(client.get(SETTINGS))
    assert "đã xác minh" in page

    # Verified: SMS is used now.
    commit(notify, recipients=[officer], title="Tin báo mới", kind="new_report", ref="TB-2")
    assert len(sms_channel.sent) == 2 and "TB-2" in sms_channel.sent[1].text

    # The code is nowhere but in the message the provider was given.
    everything = [str(e.changes) for e in AuditEntry.objects.all()]
    assert not any(code in text for text in everything)
    assert not Delivery.objects.filter(params__has_key="code").exists()
    assert code not in caplog.text
    assert code not in page


def test_verification_by_zalo_when_sms_is_not_configured(client, officer_a, zalo_channel, commit):
    client.force_login(officer_a)
    client.post(PHONE, {"phone": "0912345678"})
    commit(client.post, SEND)
    (message,) = zalo_channel.sent
    assert message.params["code"] == code_in(message.text)
    assert Delivery.objects.get(template="verify_code").channel == "zalo"
    client.post(VERIFY, {"code": message.params["code"]})
    assert profile(officer_a).verified_phone == E164


def test_sms_is_preferred_when_both_are_configured(client, officer_a, sms_channel, zalo_channel, commit):
    client.force_login(officer_a)
    client.post(PHONE, {"phone": "0912345678"})
    commit(client.post, SEND)
    assert len(sms_channel.sent) == 1 and zalo_channel.sent == []


def test_after_too_many_wrong_codes_the_code_is_void(client, officer_a, sms_channel, commit, settings):
    settings.CHILDPROTECT_PHONE_CODE_ATTEMPTS = 3
    client.force_login(officer_a)
    client.post(PHONE, {"phone": "0912345678"})
    commit(client.post, SEND)
    code = code_in(sms_channel.sent[0].text)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(2):
        assert "không đúng" in html(client.post(VERIFY, {"code": wrong}))
    response = client.post(VERIFY, {"code": wrong})
    assert "mã này bị huỷ" in html(response)
    assert [e.changes for e in entries(AlertAction.PHONE_CODE_FAILED)] == [
        {"attempts": 1, "void": False},
        {"attempts": 2, "void": False},
        {"attempts": 3, "void": True},
    ]
    response = client.post(VERIFY, {"code": code})  # the right one, too late
    assert response.status_code == 200 and "Chưa có mã xác minh" in html(response)
    assert profile(officer_a).verified_phone == ""
    assert entries(AlertAction.PHONE_VERIFIED) == []


def test_a_code_runs_out_and_a_new_one_voids_the_old(client, officer_a, sms_channel, commit, settings):
    client.force_login(officer_a)
    client.post(PHONE, {"phone": "0912345678"})
    commit(client.post, SEND)
    first = code_in(sms_channel.sent[0].text)
    later = timezone.now() + dt.timedelta(minutes=settings.CHILDPROTECT_PHONE_CODE_MINUTES)
    with time_machine.travel(later, tick=False):
        response = client.post(VERIFY, {"code": first})
        assert response.status_code == 200 and "hết hạn" in html(response)
        assert profile(officer_a).verified_phone == ""
        commit(client.post, SEND)
    second = code_in(sms_channel.sent[1].text)
    with time_machine.travel(later + dt.timedelta(seconds=CODE_RESEND_SECONDS), tick=False):
        commit(client.post, SEND)  # a third: the second is void
        if first != second:
            assert "không đúng" in html(client.post(VERIFY, {"code": second}))
        third = code_in(sms_channel.sent[2].text)
        client.post(VERIFY, {"code": third})
    assert profile(officer_a).verified_phone == E164


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5"])
def test_a_code_of_the_wrong_shape_is_refused_uncounted(client, officer_a, sms_channel, commit, code):
    client.force_login(officer_a)
    client.post(PHONE, {"phone": "0912345678"})
    commit(client.post, SEND)
    response = client.post(VERIFY, {"code": code})
    assert response.status_code == 200 and "6 chữ số" in html(response)
    assert profile(officer_a).code_attempts == 0


def test_a_code_the_provider_refuses_is_not_kept(client, officer_a, sms_channel, commit):
    sms_channel.failure = PermanentFailure("HTTP 400: số không nhận tin")
    client.force_login(officer_a)
    client.post(PHONE, {"phone": "0912345678"})
    commit(client.post, SEND)
    delivery = Delivery.objects.get(template="verify_code")
    assert (delivery.status, delivery.params) == (DeliveryStatus.FAILED, {})
    assert sms_channel.refused == 1


def test_a_code_whose_provider_is_down_is_dropped_once_it_ran_out(client, officer_a, sms_channel, commit, settings):
    sms_channel.failure = TemporaryFailure("HTTP 503")
    client.force_login(officer_a)
    client.post(PHONE, {"phone": "0912345678"})
    commit(client.post, SEND)
    delivery = Delivery.objects.get(template="verify_code")
    assert delivery.status == DeliveryStatus.PENDING  # retried later: its code kept until then
    sms_channel.failure = None
    later = timezone.now() + dt.timedelta(minutes=settings.CHILDPROTECT_PHONE_CODE_MINUTES, seconds=1)
    with time_machine.travel(later, tick=False):
        deliveries_sweep()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.params) == (DeliveryStatus.CANCELLED, {})
    assert sms_channel.sent == []


def test_a_new_code_cancels_the_unsent_one(client, officer_a, sms_channel, commit):
    sms_channel.failure = TemporaryFailure("HTTP 503")
    client.force_login(officer_a)
    client.post(PHONE, {"phone": "0912345678"})
    commit(client.post, SEND)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=CODE_RESEND_SECONDS), tick=False):
        commit(client.post, SEND)
    first, second = Delivery.objects.filter(template="verify_code").order_by("pk")
    assert (first.status, first.params) == (DeliveryStatus.CANCELLED, {})
    assert second.status == DeliveryStatus.PENDING


def test_an_unverified_number_gets_no_sms_or_zalo(officer_a_mailed, sms_channel, zalo_channel, commit):
    AlertProfile.objects.create(user=officer_a_mailed, phone=E164)
    commit(notify, recipients=[officer_a_mailed], title="Quá hạn", kind="overdue", urgent=True, ref="TB-9")
    assert set(Delivery.objects.values_list("channel", flat=True)) == {"email"}
    assert sms_channel.sent == [] and zalo_channel.sent == []
    AlertProfile.objects.filter(user=officer_a_mailed).update(phone_verified_at=timezone.now())
    commit(notify, recipients=[officer_a_mailed], title="Quá hạn", kind="overdue", urgent=True, ref="TB-10")
    assert set(Delivery.objects.filter(address=E164).values_list("channel", flat=True)) == {"sms", "zalo"}
    assert len(sms_channel.sent) == 1 and len(zalo_channel.sent) == 1
