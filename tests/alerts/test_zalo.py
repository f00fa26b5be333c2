"""Alerts by Zalo (ZNS) through the outbox, against a fake Zalo that is a real HTTP server (tests/support/fake_zalo.py):
the template message as ZNS takes it, the rotating tokens, each failure sorted into "later" or "never", and the
signed delivery receipts (docs/alerts.md#zalo-zns)."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from childprotect.alerts.channels.base import Message, PermanentFailure
from childprotect.alerts.channels.registry import adapter, enabled_channels
from childprotect.alerts.channels.zalo import ZnsAdapter, zns_phone
from childprotect.alerts.messages import compose
from childprotect.alerts.models import AlertProfile, Delivery, DeliveryStatus, ProviderToken
from childprotect.alerts.services import deliveries_sweep, delivery_send
from childprotect.core.services import notify
from tests.support.concurrency import race, race_db
from tests.support.fake_zalo import APP_ID, TEMPLATES, received_event, signed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

PHONE = "+84912345678"
RECEIPTS = "/alerts/receipts/zalo/zns/"


@pytest.fixture
def reachable(officer_a):
    """Officer A with a verified phone: by default, what is overdue reaches them by Zalo."""
    AlertProfile.objects.create(user=officer_a, phone=PHONE, phone_verified_at=timezone.now())
    return officer_a


def zns() -> ZnsAdapter:
    found = adapter("zalo")
    assert isinstance(found, ZnsAdapter)
    return found


def overdue(user, django_capture_on_commit_callbacks, key: str = "c1:overdue") -> Delivery:
    """An overdue alert for `user`, made and sent as the product does (queued on commit, Celery in-process)."""
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(
            recipients=[user], title="Quá hạn: đánh giá ban đầu (Nguyễn Văn A)", key=key, kind="overdue",
            ref="HS-2026-0042", due_at=timezone.now() - dt.timedelta(hours=1),
        )  # fmt: skip
    return Delivery.objects.get(notification=notification, channel="zalo")


def a_zalo_delivery(user, django_capture_on_commit_callbacks) -> Delivery:
    """A Zalo delivery made but not sent yet (its task is not run)."""
    with django_capture_on_commit_callbacks(execute=False):
        (notification,) = notify(recipients=[user], title="Quá hạn", key="c2:overdue", kind="overdue", ref="HS-1")
    return Delivery.objects.get(notification=notification, channel="zalo")


# --- sending ------------------------------------------------------------------------------------------------------


def test_the_channel_is_off_until_a_provider_is_named(settings, fresh_adapters):
    settings.CHILDPROTECT_ZALO_PROVIDER = ""
    assert adapter("zalo") is None and "zalo" not in enabled_channels()
    settings.CHILDPROTECT_ZALO_PROVIDER = "zns"
    adapter.cache_clear()
    assert isinstance(adapter("zalo"), ZnsAdapter) and "zalo" in enabled_channels()


def test_an_overdue_alert_goes_by_zns_with_its_template_and_tracking_id(
    zalo, reachable, django_capture_on_commit_callbacks
):
    delivery = overdue(reachable, django_capture_on_commit_callbacks)

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.provider == "zns"
    (sent,) = zalo.template_requests()
    body = sent.json()
    assert body["phone"] == "84912345678" and body["template_id"] == TEMPLATES["alert"]
    assert body["tracking_id"] == f"cp-{delivery.pk}"
    assert delivery.provider_id == zalo.messages[body["tracking_id"]]["msg_id"]
    data = body["template_data"]
    assert set(data) == {"what", "ref", "due", "link"} and data["ref"] == "HS-2026-0042"
    assert "Nguyễn Văn A" not in json.dumps(data, ensure_ascii=False)  # what may leave the product, only
    assert sent.headers["access_token"] == zalo.access
    # The first send spent the configured refresh token: the rotated pair is kept, the configured one is dead.
    token = ProviderToken.objects.get(provider="zns")
    assert (token.access_token, token.refresh_token) == (zalo.access, zalo.refresh)
    assert token.expires_at == timezone.now() + dt.timedelta(seconds=90000)
    assert zalo.refreshes == 1 and delivery.params == {}


def test_the_access_token_is_used_until_near_its_expiry_then_refreshed(
    zalo, reachable, django_capture_on_commit_callbacks
):
    overdue(reachable, django_capture_on_commit_callbacks, key="k1")
    overdue(reachable, django_capture_on_commit_callbacks, key="k2")
    assert zalo.refreshes == 1 and len(zalo.messages) == 2

    first = ProviderToken.objects.get(provider="zns")
    assert first.expires_at is not None
    with time_machine.travel(first.expires_at - dt.timedelta(minutes=4), tick=False):  # inside the margin
        third = overdue(reachable, django_capture_on_commit_callbacks, key="k3")
    third.refresh_from_db()
    assert third.status == DeliveryStatus.SENT and zalo.refreshes == 2 and zalo.refused == 0
    assert ProviderToken.objects.get(provider="zns").refresh_token not in {first.refresh_token, ""}
    assert first.refresh_token in zalo.spent  # each refresh token is spent once


def test_a_token_zalo_refuses_is_refreshed_and_the_message_sent_once(
    zalo, reachable, django_capture_on_commit_callbacks
):
    overdue(reachable, django_capture_on_commit_callbacks, key="k1")
    zalo.expire()  # revoked, or expired before its time

    delivery = overdue(reachable, django_capture_on_commit_callbacks, key="k2")

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert zalo.refreshes == 2 and zalo.refused == 0
    assert [r.headers["access_token"] == zalo.access for r in zalo.template_requests()] == [False, False, True]
    assert len(zalo.messages) == 2


def test_a_token_refused_even_after_a_refresh_is_tried_again_later(zalo, reachable, django_capture_on_commit_callbacks):
    zalo.answers = ["-124", "-124"]  # whatever the token
    delivery = overdue(reachable, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and "-124" in delivery.error
    assert len(zalo.template_requests()) == 2 and zalo.refreshes == 2  # one refresh per attempt, not a loop


def test_a_refresh_token_zalo_refuses_leaves_the_message_waiting_and_no_token_in_the_log(
    zalo, reachable, django_capture_on_commit_callbacks, caplog
):
    zalo.spent.add(zalo.refresh)  # the configured one was used already (by another installation, say)
    with caplog.at_level(logging.DEBUG):
        delivery = overdue(reachable, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and "làm mới" in delivery.error
    assert zalo.template_requests() == [] and zalo.refused == 1
    assert zalo.refresh not in caplog.text and zalo.refresh not in delivery.error


def test_a_message_sent_again_after_its_worker_died_is_one_message(
    zalo, reachable, django_capture_on_commit_callbacks, settings
):
    delivery = a_zalo_delivery(reachable, django_capture_on_commit_callbacks)
    # A worker claimed it, Zalo accepted it, and the worker died before recording it.
    Delivery.objects.filter(pk=delivery.pk).update(status="sending", claimed_at=timezone.now(), attempts=1)
    first = zns().send(compose(delivery))

    stale = settings.CHILDPROTECT_ALERT_CLAIM_MINUTES + 1
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=stale), tick=False):
        assert deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.provider_id == first.provider_id
    assert len(zalo.template_requests()) == 2 and len(zalo.messages) == 1  # the same tracking id: sent once


@pytest.mark.parametrize(
    ("answer", "status", "wait", "error"),
    [
        ("500", DeliveryStatus.PENDING, dt.timedelta(seconds=30), "HTTP 500"),
        ("429", DeliveryStatus.PENDING, dt.timedelta(seconds=7), "HTTP 429"),
        ("-100", DeliveryStatus.PENDING, dt.timedelta(seconds=30), "-100"),
        ("-133", DeliveryStatus.PENDING, None, "ban đêm"),
        ("-144", DeliveryStatus.PENDING, None, "hạn mức"),
        ("-118", DeliveryStatus.FAILED, None, "tài khoản Zalo không tồn tại"),
        ("-108", DeliveryStatus.FAILED, None, "số điện thoại không hợp lệ"),
        ("-131", DeliveryStatus.FAILED, None, "mẫu ZNS chưa được duyệt"),
        ("-139", DeliveryStatus.FAILED, None, "từ chối"),
        ("garbage", DeliveryStatus.FAILED, None, "không đọc được"),
    ],
)
def test_each_failure_is_retried_or_given_up(
    zalo, reachable, django_capture_on_commit_callbacks, answer, status, wait, error
):
    delivery = a_zalo_delivery(reachable, django_capture_on_commit_callbacks)
    zalo.answers = [answer]

    assert delivery_send(delivery.pk) == status

    delivery.refresh_from_db()
    assert error in delivery.error and delivery.provider_id == ""
    if wait is not None:
        assert delivery.next_attempt_at == timezone.now() + wait
    if status == DeliveryStatus.PENDING:  # tried again once its wait is over: sent
        with time_machine.travel(delivery.next_attempt_at + dt.timedelta(seconds=1), tick=False):
            assert deliveries_sweep() == 1
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.SENT


def test_a_message_accepted_without_its_id_is_sent_all_the_same(zalo, reachable, django_capture_on_commit_callbacks):
    delivery = a_zalo_delivery(reachable, django_capture_on_commit_callbacks)
    zalo.answers = ["no msg_id"]
    assert delivery_send(delivery.pk) == DeliveryStatus.SENT  # never sent twice for want of a receipt's id
    delivery.refresh_from_db()
    assert delivery.provider_id == "" and delivery.provider == "zns"


def test_the_night_and_the_daily_quota_wait_for_the_morning_and_midnight(
    zalo, reachable, django_capture_on_commit_callbacks
):
    delivery = a_zalo_delivery(reachable, django_capture_on_commit_callbacks)  # 20/11/2026 09:00, Hà Nội
    zalo.answers = ["-133"]
    delivery_send(delivery.pk)
    delivery.refresh_from_db()
    assert timezone.localtime(delivery.next_attempt_at).strftime("%H:%M %d/%m/%Y") == "06:00 21/11/2026"
    zalo.answers = ["-144"]
    with time_machine.travel(delivery.next_attempt_at, tick=False):
        delivery_send(delivery.pk)
    delivery.refresh_from_db()
    assert timezone.localtime(delivery.next_attempt_at).strftime("%H:%M %d/%m/%Y") == "00:01 22/11/2026"


def test_a_provider_that_does_not_answer_in_time_is_tried_again(
    zalo, reachable, django_capture_on_commit_callbacks, settings
):
    delivery = a_zalo_delivery(reachable, django_capture_on_commit_callbacks)
    zns().access_token()  # the refresh answered; the template API then hangs
    settings.CHILDPROTECT_ALERT_HTTP_TIMEOUT = 0.3
    adapter.cache_clear()
    zalo.answers = ["hang"]
    assert delivery_send(delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert delivery.error.startswith("không kết nối được")


def test_a_message_whose_template_has_no_zns_id_fails_without_calling_zalo(
    zalo, reachable, django_capture_on_commit_callbacks, settings
):
    settings.CHILDPROTECT_ZALO_TEMPLATES = {"verify_code": TEMPLATES["verify_code"]}
    adapter.cache_clear()
    delivery = overdue(reachable, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "chưa cấu hình mã mẫu ZNS cho mẫu tin 'alert'" in delivery.error
    assert zalo.requests == []


@pytest.mark.parametrize(
    ("number", "expected"),
    [("+84912345678", "84912345678"), ("0912345678", "84912345678"), ("+84 912 345 678", "84912345678")],
)
def test_numbers_are_given_as_zns_takes_them(number, expected):
    assert zns_phone(number) == expected


@pytest.mark.parametrize("number", ["", "+84abc", "12"])
def test_a_number_zns_cannot_take_is_a_permanent_failure(number):
    with pytest.raises(PermanentFailure):
        zns_phone(number)


def test_the_verification_code_goes_by_its_own_template(zalo, reachable):
    sent = zns().send(
        Message(key="cp-9", to=PHONE, template="verify_code", text="", params={"code": "123456", "minutes": "10"})
    )
    (request,) = zalo.template_requests()
    body = request.json()
    assert body["template_id"] == TEMPLATES["verify_code"]
    assert body["template_data"] == {"code": "123456", "minutes": "10"}
    assert sent.provider_id == zalo.messages["cp-9"]["msg_id"]


# --- receipts -----------------------------------------------------------------------------------------------------


def _post(client, body: bytes, signature: str | None):
    headers = {"X-ZEvent-Signature": signature} if signature is not None else {}
    return client.post(RECEIPTS, data=body, content_type="application/json", headers=headers)


def test_a_signed_receipt_marks_the_message_delivered(zalo, reachable, client, django_capture_on_commit_callbacks):
    delivery = overdue(reachable, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    body, signature = signed(received_event(delivery.provider_id))

    response = _post(client, body, signature)

    assert response.status_code == 200 and response.json() == {"recorded": 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at == timezone.now()
    assert _post(client, body, signature).json() == {"recorded": 0}  # Zalo posts it again: nothing changes


@pytest.mark.parametrize(
    "forge",
    [
        "wrong secret",
        "body changed",
        "no signature",
        "not mac=",
        "other app",
        "not json",
        "no timestamp",
        "no msg_id",
    ],
)
def test_a_forged_or_malformed_receipt_is_refused_and_changes_nothing(
    zalo, reachable, client, django_capture_on_commit_callbacks, forge
):
    delivery = overdue(reachable, django_capture_on_commit_callbacks)
    delivery.refresh_from_db()
    event = received_event(delivery.provider_id)
    body, signature = signed(event)
    signature_sent: str | None = signature
    if forge == "wrong secret":
        body, signature = signed(event, secret="doan-bua")
    elif forge == "body changed":
        body = body.replace(b"user_received_message", b"user_received_message ")
    elif forge == "no signature":
        signature_sent = None
    elif forge == "not mac=":
        signature = signature.removeprefix("mac=")
    elif forge == "other app":
        body, signature = signed({**event, "app_id": "999"})
    elif forge == "not json":
        body = b"event_name=user_received_message"
    elif forge == "no timestamp":
        body, signature = signed({k: v for k, v in event.items() if k != "timestamp"} | {"timestamp": None})
    elif forge == "no msg_id":
        body, signature = signed({**event, "message": {"delivery_time": "1"}})

    if signature_sent is not None:
        signature_sent = signature
    response = _post(client, body, signature_sent)

    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT


def test_a_receipt_for_an_unknown_message_or_another_event_changes_nothing(zalo, client):
    body, signature = signed(received_event("zns999999"))
    assert _post(client, body, signature).json() == {"recorded": 0}
    other = {"app_id": APP_ID, "event_name": "user_send_text", "message": {"text": "xin chào"}, "timestamp": "1"}
    body, signature = signed(other)
    response = _post(client, body, signature)
    assert response.status_code == 200 and response.json() == {"recorded": 0}


def test_receipts_are_refused_when_the_oa_secret_is_not_configured(zalo, client, settings):
    settings.CHILDPROTECT_ZALO_OA_SECRET_KEY = ""
    adapter.cache_clear()
    body, signature = signed(received_event("zns000001"), secret="")
    assert _post(client, body, signature).status_code == 403


def test_receipts_of_a_provider_that_is_not_configured_are_not_found(client, settings, fresh_adapters):
    settings.CHILDPROTECT_ZALO_PROVIDER = ""
    body, signature = signed(received_event("zns000001"))
    assert _post(client, body, signature).status_code == 404
    assert reverse("alerts:receipt", args=["zalo", "zns"]) == RECEIPTS


# --- two workers, one refresh token ---------------------------------------------------------------------------------


@race_db
@pytest.mark.usefixtures("data_put_back")
def test_two_workers_needing_a_token_at_once_spend_the_refresh_token_once(zalo):
    zalo.refresh_delay = 0.3  # long enough for the second worker to arrive while the first refreshes
    tokens = race(lambda: ZnsAdapter().access_token(), lambda: ZnsAdapter().access_token())
    assert tokens == [zalo.access, zalo.access], tokens
    assert zalo.refreshes == 1 and zalo.refused == 0
    row = ProviderToken.objects.get(provider="zns")
    assert row.refresh_token == zalo.refresh


@race_db
@pytest.mark.usefixtures("data_put_back")
def test_two_workers_refused_the_same_token_refresh_it_once(zalo):
    first = ZnsAdapter().access_token()
    zalo.expire()
    zalo.refresh_delay = 0.3
    tokens = race(lambda: ZnsAdapter().access_token(stale=first), lambda: ZnsAdapter().access_token(stale=first))
    assert tokens == [zalo.access, zalo.access] and first != zalo.access
    assert zalo.refreshes == 2 and zalo.refused == 0
