"""Alerts by SMS through the two brandname gateways (eSMS.vn, SpeedSMS), each a real local HTTP server speaking the
provider's API (tests/support/fake_sms.py): what is sent, how each answer is recorded (sent, retried with backoff,
failed), that a message sent again after its sender died is sent once, and the receipt callback's authentication
(docs/alerts.md#sms-providers).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from childprotect.alerts.channels.base import Message, PermanentFailure
from childprotect.alerts.channels.registry import adapter
from childprotect.alerts.channels.sms import check_sms_settings
from childprotect.alerts.messages import compose
from childprotect.alerts.models import AlertProfile, Delivery, DeliveryStatus
from childprotect.alerts.services import deliveries_sweep, delivery_send
from childprotect.core.services import notify
from tests.support.fake_sms import CALLBACK_SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

PHONE = "+84912345678"
LOCAL = {"esms": "0912345678", "speedsms": "84912345678"}
BOTH = pytest.mark.parametrize("provider", ["esms", "speedsms"])


@pytest.fixture
def reachable(officer_a):
    """Officer A with a verified phone: a new report in her commune goes to her by SMS (her role's default)."""
    AlertProfile.objects.create(user=officer_a, phone=PHONE, phone_verified_at=timezone.now())
    return officer_a


def alert(user, *, key: str = "r1:new") -> Delivery:
    (notification,) = notify(recipients=[user], title="Tin báo mới: trẻ bị bạo lực", key=key, kind="new_report",
                             ref="BC-2026-0042")  # fmt: skip
    return Delivery.objects.get(notification=notification, channel="sms")


def receipt_url(provider: str, token: str | None = CALLBACK_SECRET) -> str:
    url = reverse("alerts:receipt", kwargs={"channel": "sms", "provider": provider})
    return url if token is None else f"{url}?token={token}"


# --- sending --------------------------------------------------------------------------------------------------------


@BOTH
def test_an_alert_goes_by_sms_once_through_notify(provider, sms_gateway, reachable, django_capture_on_commit_callbacks):
    fake = sms_gateway(provider)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = alert(reachable)
    delivery.refresh_from_db()
    assert fake.problems == []
    assert [m["to"] for m in fake.sent] == [LOCAL[provider]]
    text = fake.sent[0]["text"]
    assert text.isascii() and text.startswith("BVTE: Tin bao moi o dia ban cua toi - BC-2026-0042. Xem: http")
    assert "bạo lực" not in text and "bao luc" not in text  # the notification's title never leaves
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.SENT, 1, "")
    assert (delivery.provider, delivery.provider_id) == (provider, str(fake.sent[0]["id"]))
    assert deliveries_sweep() == 0
    assert delivery_send(delivery.pk) == ""  # sent: nobody's to send again
    assert len(fake.sent) == 1


def test_esms_gets_its_request_shape_the_request_id_and_a_callback_url(sms_gateway, reachable):
    fake = sms_gateway("esms")
    delivery = alert(reachable)
    assert delivery_send(delivery.pk) == DeliveryStatus.SENT
    (body,) = fake.requests
    assert {k: body[k] for k in ("Phone", "SmsType", "Brandname", "IsUnicode", "RequestId")} == {
        "Phone": "0912345678", "SmsType": "2", "Brandname": "BVTE-HN", "IsUnicode": "0",
        "RequestId": f"cp-{delivery.pk}",
    }  # fmt: skip
    assert body["CallbackUrl"].endswith(f"/alerts/receipts/sms/esms/?token={CALLBACK_SECRET}")


def test_speedsms_uses_its_own_brandname_when_none_is_set(sms_gateway, reachable, settings):
    fake = sms_gateway("speedsms")
    settings.CHILDPROTECT_SMS_BRANDNAME = ""
    assert delivery_send(alert(reachable).pk) == DeliveryStatus.SENT
    assert fake.problems == [] and fake.requests[0]["sms_type"] == 4 and "sender" not in fake.requests[0]


def test_with_unicode_on_the_text_keeps_its_diacritics(sms_gateway, reachable, settings):
    fake = sms_gateway("esms")
    settings.CHILDPROTECT_SMS_UNICODE = True
    assert delivery_send(alert(reachable).pk) == DeliveryStatus.SENT
    assert "Tin báo mới ở địa bàn của tôi" in fake.sent[0]["text"] and fake.requests[0]["IsUnicode"] == "1"


@pytest.mark.parametrize(
    ("provider", "mode", "status", "error"),
    [
        ("esms", "code:104", DeliveryStatus.FAILED, "eSMS 104: brandname không tồn tại"),
        ("esms", "code:99", DeliveryStatus.FAILED, "eSMS 99: số điện thoại bị chặn"),
        ("esms", "code:146", DeliveryStatus.FAILED, "eSMS 146: sai mẫu tin chăm sóc khách hàng"),
        ("esms", "code:555", DeliveryStatus.FAILED, "eSMS 555: Loi thu nghiem"),
        ("esms", "code:103", DeliveryStatus.PENDING, "eSMS 103: tài khoản không đủ số dư"),
        ("speedsms", "code:007", DeliveryStatus.FAILED, "SpeedSMS 007: IP bị khoá"),
        ("speedsms", "code:300", DeliveryStatus.PENDING, "SpeedSMS 300: tài khoản không đủ số dư"),
        ("speedsms", "code:500", DeliveryStatus.PENDING, "SpeedSMS 500: lỗi hệ thống của SpeedSMS"),
        ("esms", "5xx", DeliveryStatus.PENDING, "HTTP 503"),
        ("speedsms", "5xx", DeliveryStatus.PENDING, "HTTP 503"),
        ("esms", "garbage", DeliveryStatus.FAILED, "câu trả lời không đọc được"),
        ("speedsms", "garbage", DeliveryStatus.FAILED, "câu trả lời không đọc được"),
    ],
)
def test_each_answer_of_the_provider_is_recorded(provider, mode, status, error, sms_gateway, reachable):
    fake = sms_gateway(provider)
    fake.mode = mode
    delivery = alert(reachable)
    now = timezone.now()
    assert delivery_send(delivery.pk) == status
    delivery.refresh_from_db()
    assert fake.problems == [] and len(fake.requests) == 1
    assert (delivery.status, delivery.attempts, delivery.provider_id, delivery.sent_at) == (status, 1, "", None)
    assert error in delivery.error
    if status == DeliveryStatus.PENDING:
        assert delivery.next_attempt_at == now + dt.timedelta(seconds=30)  # the first backoff


@BOTH
def test_a_rate_limit_waits_as_long_as_the_provider_says(provider, sms_gateway, reachable):
    fake = sms_gateway(provider)
    fake.mode, fake.retry_after = "429", "300"
    delivery = alert(reachable)
    assert delivery_send(delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert "HTTP 429" in delivery.error and delivery.next_attempt_at == timezone.now() + dt.timedelta(seconds=300)


@BOTH
def test_a_provider_too_slow_to_answer_is_tried_again_later(provider, sms_gateway, reachable, settings):
    fake = sms_gateway(provider)
    settings.CHILDPROTECT_ALERT_HTTP_TIMEOUT = 0.3
    fake.mode = "slow"
    delivery = alert(reachable)
    assert delivery_send(delivery.pk) == DeliveryStatus.PENDING
    delivery.refresh_from_db()
    assert "không kết nối được" in delivery.error and delivery.attempts == 1


def test_a_wrong_access_token_is_a_permanent_failure(sms_gateway, reachable, settings):
    fake = sms_gateway("speedsms")
    settings.CHILDPROTECT_SMS_API_KEY = "not-the-token"
    delivery = alert(reachable)
    assert delivery_send(delivery.pk) == DeliveryStatus.FAILED
    delivery.refresh_from_db()
    assert "HTTP 401" in delivery.error and fake.sent == []


def test_wrong_esms_keys_are_a_permanent_failure(sms_gateway, reachable, settings):
    fake = sms_gateway("esms")
    settings.CHILDPROTECT_SMS_SECRET_KEY = "not-the-secret"
    delivery = alert(reachable)
    assert delivery_send(delivery.pk) == DeliveryStatus.FAILED
    assert "eSMS 101: sai ApiKey hoặc SecretKey" in Delivery.objects.get(pk=delivery.pk).error and fake.sent == []


@BOTH
def test_missing_credentials_fail_without_calling_the_provider(provider, sms_gateway, reachable, settings):
    fake = sms_gateway(provider)
    settings.CHILDPROTECT_SMS_API_KEY = ""
    delivery = alert(reachable)
    assert delivery_send(delivery.pk) == DeliveryStatus.FAILED
    assert "CHILDPROTECT_SMS_API_KEY" in Delivery.objects.get(pk=delivery.pk).error and fake.requests == []


@BOTH
def test_a_number_that_is_not_a_vietnamese_mobile_is_never_sent(provider, sms_gateway):
    sms_gateway(provider)
    found = adapter("sms")
    assert found is not None
    for bad in ("+14155550100", "0912345678", "+8491234567", "+84212345678"):
        with pytest.raises(PermanentFailure, match="số điện thoại không hợp lệ"):
            found.send(Message(key="cp-1", to=bad, template="test", text="BVTE: thu"))


@BOTH
def test_a_retry_after_a_failure_is_sent_by_the_sweep_when_its_wait_is_over(provider, sms_gateway, reachable, clock):
    fake = sms_gateway(provider)
    fake.mode = "5xx"
    delivery = alert(reachable)
    assert delivery_send(delivery.pk) == DeliveryStatus.PENDING
    fake.mode = "ok"
    clock.shift(dt.timedelta(seconds=10))
    assert deliveries_sweep() == 0  # its backoff is not over
    clock.shift(dt.timedelta(seconds=30))
    assert deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.error) == (DeliveryStatus.SENT, 2, "")
    assert delivery.provider_id == str(fake.last_id()) and len(fake.sent) == 1


def test_a_message_sent_again_after_its_sender_died_is_sent_once_by_esms(sms_gateway, reachable, settings, clock):
    """The sender died after eSMS took the message and before it was recorded: the sweep sends it again once the
    claim is stale, with the same RequestId, and eSMS (code 124) does not send it a second time."""
    fake = sms_gateway("esms")
    delivery = alert(reachable)
    found = adapter("sms")
    assert found is not None
    first = found.send(compose(delivery))  # what the dead sender did
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.SENDING, claimed_at=timezone.now(),
                                                   attempts=1)  # fmt: skip
    clock.shift(dt.timedelta(minutes=settings.CHILDPROTECT_ALERT_CLAIM_MINUTES + 1))
    assert deliveries_sweep() == 1
    delivery.refresh_from_db()
    assert len(fake.requests) == 2 and len(fake.sent) == 1
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert delivery.provider_id == f"cp-{delivery.pk}" != first.provider_id
    # its receipt names both eSMS's id and our RequestId: it is recorded by the latter
    response = receipt_get("esms", SMSID=first.provider_id, SendStatus="5", SendSuccess="1", SendFailed="0",
                           RequestId=f"cp-{delivery.pk}", TypeId="2")  # fmt: skip
    assert response.json() == {"recorded": 1}
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DELIVERED


# --- receipts -------------------------------------------------------------------------------------------------------


def receipt_get(provider: str, token: str | None = CALLBACK_SECRET, **params: str):
    from django.test import Client

    query = params if token is None else {"token": token, **params}
    return Client().get(receipt_url(provider, None), query)


def receipt_post(provider: str, body: object, token: str | None = CALLBACK_SECRET):
    from django.test import Client

    data = body if isinstance(body, str) else json.dumps(body)
    return Client().post(receipt_url(provider, token), data, content_type="application/json")


def sent_by(provider, sms_gateway, user) -> tuple[Delivery, str]:
    fake = sms_gateway(provider)
    delivery = alert(user)
    assert delivery_send(delivery.pk) == DeliveryStatus.SENT
    return delivery, str(fake.last_id())


def esms_report(sms_id: str, status: str = "5", success: str = "1", failed: str = "0") -> dict[str, str]:
    return {"SMSID": sms_id, "SendStatus": status, "SendSuccess": success, "SendFailed": failed, "TotalReceiver": "1",
            "RequestId": "", "TypeId": "2", "telcoid": "1", "phonenumber": "0912345678"}  # fmt: skip


def test_an_esms_receipt_marks_the_message_delivered(sms_gateway, reachable):
    delivery, sms_id = sent_by("esms", sms_gateway, reachable)
    response = receipt_get("esms", **esms_report(sms_id))
    assert response.status_code == 200 and response.json() == {"recorded": 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at == timezone.now()
    assert receipt_get("esms", **esms_report(sms_id)).json() == {"recorded": 0}  # told twice: nothing more


def test_an_esms_receipt_of_a_refused_message_marks_it_failed(sms_gateway, reachable):
    delivery, sms_id = sent_by("esms", sms_gateway, reachable)
    assert receipt_get("esms", **esms_report(sms_id, status="5", success="0", failed="1")).json() == {"recorded": 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and "SendStatus 5" in delivery.error


def test_an_esms_report_not_final_yet_changes_nothing(sms_gateway, reachable):
    delivery, sms_id = sent_by("esms", sms_gateway, reachable)
    assert receipt_get("esms", **esms_report(sms_id, status="7", success="0")).json() == {"recorded": 0}
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT


def test_the_token_may_be_followed_by_the_providers_own_query(sms_gateway, reachable):
    """A provider that appends "?SMSID=…" to a callback URL that already has a query."""
    delivery, sms_id = sent_by("esms", sms_gateway, reachable)
    url = receipt_url("esms") + f"?SMSID={sms_id}&SendStatus=5&SendSuccess=1&SendFailed=0"
    from django.test import Client

    assert Client().get(url).json() == {"recorded": 1}
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DELIVERED


def test_a_speedsms_receipt_marks_the_message_delivered_or_failed(sms_gateway, reachable, officer_b):
    delivery, tran_id = sent_by("speedsms", sms_gateway, reachable)
    response = receipt_post("speedsms", {"type": "report", "tranId": int(tran_id), "phone": "84912345678", "status": 0})
    assert response.status_code == 200 and response.json() == {"recorded": 1}
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.DELIVERED

    AlertProfile.objects.create(user=officer_b, phone="+84987654321", phone_verified_at=timezone.now())
    other = alert(officer_b, key="r2:new")
    assert delivery_send(other.pk) == DeliveryStatus.SENT
    other.refresh_from_db()
    report = {"type": "report", "tranId": int(other.provider_id), "phone": "84987654321", "status": 2}
    assert receipt_post("speedsms", report).json() == {"recorded": 1}
    other.refresh_from_db()
    assert other.status == DeliveryStatus.FAILED and "status 2" in other.error


@pytest.mark.parametrize("token", [None, "", "sai-ma-bi-mat", CALLBACK_SECRET + "x"])
@BOTH
def test_a_forged_receipt_is_refused_and_changes_nothing(provider, token, sms_gateway, reachable):
    delivery, sms_id = sent_by(provider, sms_gateway, reachable)
    if provider == "esms":
        response = receipt_get("esms", token, **esms_report(sms_id))
    else:
        response = receipt_post("speedsms", {"type": "report", "tranId": int(sms_id), "status": 0}, token)
    assert response.status_code == 403
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT


@BOTH
def test_without_a_callback_secret_every_receipt_is_refused(provider, sms_gateway, reachable, settings):
    delivery, sms_id = sent_by(provider, sms_gateway, reachable)
    settings.CHILDPROTECT_SMS_CALLBACK_SECRET = ""
    if provider == "esms":
        response = receipt_get("esms", "", **esms_report(sms_id))
    else:
        response = receipt_post("speedsms", {"type": "report", "tranId": int(sms_id), "status": 0}, "")
    assert response.status_code == 403
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT


@pytest.mark.parametrize(
    "params",
    [
        {"SendStatus": "5", "SendSuccess": "1"},  # no SMSID
        {"SMSID": "abc", "SendStatus": "xong", "SendSuccess": "1"},
        {"SMSID": "abc", "SendStatus": "5", "SendSuccess": "mot"},
        {"SMSID": "abc"},
    ],
)
def test_a_malformed_esms_receipt_is_refused(params, sms_gateway, reachable):
    sms_gateway("esms")
    assert receipt_get("esms", **params).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        "khong phai json",
        {"type": "report", "status": 0},
        {"type": "report", "tranId": 1, "status": "xong"},
        {"type": "report", "tranId": 1, "status": None},
        {"type": "incoming", "phone": "84912345678", "message": "xin chao"},
        [1, 2],
    ],
)
def test_a_malformed_speedsms_receipt_is_refused(body, sms_gateway, reachable):
    sms_gateway("speedsms")
    assert receipt_post("speedsms", body).status_code == 403


def test_a_speedsms_receipt_by_get_is_refused(sms_gateway):
    sms_gateway("speedsms")
    assert receipt_get("speedsms", tranId="1", status="0").status_code == 403


@BOTH
def test_a_receipt_of_an_unknown_message_changes_nothing(provider, sms_gateway, reachable):
    delivery, _ = sent_by(provider, sms_gateway, reachable)
    if provider == "esms":
        response = receipt_get("esms", **esms_report("ffffffffffffffffffffffffffffffff"))
    else:
        response = receipt_post("speedsms", {"type": "report", "tranId": 999999, "phone": "84912345678", "status": 0})
    assert response.status_code == 200 and response.json() == {"recorded": 0}
    assert Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENT


def test_the_receipt_of_the_other_provider_is_not_found(sms_gateway):
    sms_gateway("esms")
    assert receipt_post("speedsms", {"type": "report", "tranId": 1, "status": 0}).status_code == 404


def test_settings_that_would_lose_alerts_are_warned_of(settings):
    settings.CHILDPROTECT_SMS_PROVIDER = ""
    assert check_sms_settings() == []
    settings.CHILDPROTECT_SMS_PROVIDER = "vietguys"
    assert [w.id for w in check_sms_settings()] == ["alerts.W001"]
    settings.CHILDPROTECT_SMS_PROVIDER = "file"  # make run's: needs no key, gets no receipt
    assert check_sms_settings() == []
    settings.CHILDPROTECT_SMS_PROVIDER = "esms"
    settings.CHILDPROTECT_SMS_API_KEY = "k"
    settings.CHILDPROTECT_SMS_SECRET_KEY = ""
    settings.CHILDPROTECT_SMS_BRANDNAME = "BVTE"
    settings.CHILDPROTECT_SMS_CALLBACK_SECRET = ""
    found = check_sms_settings()
    assert [w.id for w in found] == ["alerts.W002", "alerts.W003"] and "CHILDPROTECT_SMS_SECRET_KEY" in found[0].msg
    settings.CHILDPROTECT_SMS_PROVIDER = "speedsms"
    settings.CHILDPROTECT_SMS_CALLBACK_SECRET = "s"
    assert check_sms_settings() == []
