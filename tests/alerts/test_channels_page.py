"""The administrators' page of the alert channels (docs/alerts.md#the-administrators-page): only an administrator
reaches it; each channel's state, its counts by status over 24 hours and 7 days, its oldest message due and its last
failures, with addresses masked and no message text; the deliveries' list; a test message (e-mail end to end through
the outbox, Django's locmem mail and eager Celery; SMS through a recording provider); Gửi lại for a failed delivery
only. The clock stands at 20/11/2026 09:00 (Hà Nội).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from childprotect.alerts.models import Delivery, DeliveryStatus
from childprotect.alerts.phones import mask_address
from childprotect.alerts.services import delivery_retry
from childprotect.audit.actions import AlertAction
from childprotect.audit.models import AuditEntry
from tests.support.deliveries import make_delivery
from tests.support.pages import client_for, html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
CHANNELS = reverse("alerts:channels")
LIST = reverse("alerts:delivery_list")
TEST = reverse("alerts:channel_test")


def detail(delivery: Delivery) -> str:
    return reverse("alerts:delivery_detail", args=[delivery.pk])


def retry(delivery: Delivery) -> str:
    return reverse("alerts:delivery_retry", args=[delivery.pk])


def state(response, channel: str):
    (found,) = [s for s in response.context["states"] if s.channel == channel]
    return found


# --- who ---------------------------------------------------------------------------------------------------------


def test_only_the_administrator_reaches_the_pages_and_nobody_else_sends_or_retries(
    client, cast, django_capture_on_commit_callbacks
):
    failed = make_delivery(cast["officer_a"], status=DeliveryStatus.FAILED, address="hoa@example.vn")
    for role, user in cast.items():
        c = client_for(user)
        expected = 200 if role == "admin" else 404
        for url in (CHANNELS, LIST, detail(failed)):
            assert c.get(url).status_code == expected, (role, url)
        if role == "admin":
            continue
        with django_capture_on_commit_callbacks(execute=True):
            assert c.post(TEST, {"channel": "email", "address": "x@example.vn"}).status_code == 404
            assert c.post(retry(failed)).status_code == 404
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED
    assert Delivery.objects.count() == 1 and not mail.outbox
    for url in (CHANNELS, LIST, detail(failed)):
        response = client.get(url)  # anonymous: the login page
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(TEST, {"channel": "email", "address": "x@example.vn"}).status_code == 302
    assert Delivery.objects.count() == 1


def test_the_administrators_navigation_and_home_link_the_page(cast):
    c = client_for(cast["admin"])
    assert html(c.get(reverse("home"))).count(f'href="{CHANNELS}"') == 2  # the menu and the home page's list
    assert f'href="{CHANNELS}"' not in html(client_for(cast["supervisor"]).get(reverse("home")))


# --- each channel ------------------------------------------------------------------------------------------------


def test_counts_by_status_over_the_last_day_and_week(administrator, officer_a):
    for ago, status in [
        (HOUR, DeliveryStatus.SENT),
        (2 * HOUR, DeliveryStatus.SENT),
        (3 * HOUR, DeliveryStatus.DELIVERED),
        (30 * HOUR, DeliveryStatus.SENT),
        (2 * DAY, DeliveryStatus.FAILED),
        (6 * DAY, DeliveryStatus.CANCELLED),
        (8 * DAY, DeliveryStatus.SENT),  # older than a week: in neither
    ]:
        make_delivery(officer_a, status=status, ago=ago, address="hoa@example.vn")
    make_delivery(officer_a, channel="sms", status=DeliveryStatus.FAILED, ago=HOUR)

    response = client_for(administrator).get(CHANNELS)
    email = state(response, "email")
    assert email.day == {"sent": 2, "delivered": 1}
    assert email.week == {"sent": 3, "delivered": 1, "failed": 1, "cancelled": 1}
    assert state(response, "sms").day == {"failed": 1}
    assert state(response, "zalo").week == {}
    assert email.configured and email.provider == "smtp"
    assert not state(response, "sms").configured and not state(response, "zalo").configured
    page = html(response)
    assert "Chưa cấu hình (tắt)" in page and "nhà cung cấp: smtp" in page


def test_the_oldest_message_due_and_unsent_shows_how_long_it_has_waited(administrator, officer_a):
    make_delivery(officer_a, status=DeliveryStatus.PENDING, ago=3 * DAY + 2 * HOUR, address="hoa@example.vn")
    make_delivery(officer_a, status=DeliveryStatus.PENDING, ago=HOUR, address="hoa@example.vn")
    # Waiting for the end of quiet hours (due tomorrow): not stuck, older though it is.
    later = make_delivery(officer_a, channel="sms", status=DeliveryStatus.PENDING, ago=4 * DAY)
    Delivery.objects.filter(pk=later.pk).update(next_attempt_at=later.created_at + 5 * DAY)

    response = client_for(administrator).get(CHANNELS)
    assert state(response, "email").stuck_for == 3 * DAY + 2 * HOUR
    assert state(response, "sms").oldest_due is None
    assert "Tin chờ gửi lâu nhất: 3 ngày 2 giờ (tạo lúc 17/11/2026 07:00)." in html(response)


def test_the_last_failures_show_error_time_and_account_with_the_address_masked_and_no_text(
    administrator, officer_a, chair_a
):
    make_delivery(officer_a, channel="sms", status=DeliveryStatus.FAILED, address="+84912345678",
                  error="HTTP 400: thuê bao không tồn tại", ago=2 * HOUR)  # fmt: skip
    make_delivery(chair_a, status=DeliveryStatus.FAILED, address="canbo@example.vn", error="máy chủ thư: từ chối")
    # A verification code waiting to be sent: its code is in params until then, and must show nowhere.
    make_delivery(officer_a, channel="sms", status=DeliveryStatus.PENDING, address="+84987654321",
                  template="verify_code", params={"code": "482913", "minutes": "10"})  # fmt: skip

    c = client_for(administrator)
    response = c.get(CHANNELS)
    page = html(response)
    assert [d.error for d in state(response, "sms").failures] == ["HTTP 400: thuê bao không tồn tại"]
    assert "+8491****678" in page and "c***@example.vn" in page
    assert "+84912345678" not in page and "canbo@example.vn" not in page
    assert "Nguyễn Thị Hoà" in page and "Lê Văn Thắng" in page  # the recipients' accounts
    assert "20/11/2026 07:00" in page  # when, in local time
    listed = html(c.get(LIST))
    for shown in (page, listed):
        assert "482913" not in shown and "+84987654321" not in shown
    assert "+8498****321" in listed


@pytest.mark.parametrize(
    ("address", "masked"),
    [("+84912345678", "+8491****678"), ("c@example.vn", "c***@example.vn"), ("canbo@so.thanhhoa.gov.vn",
     "c***@so.thanhhoa.gov.vn"), ("12345", "***45")],
)  # fmt: skip
def test_addresses_are_masked(address, masked):
    assert mask_address(address) == masked


# --- the list ----------------------------------------------------------------------------------------------------


def test_the_list_filters_by_channel_and_status_and_pages_by_thirty(administrator, officer_a):
    for i in range(32):
        make_delivery(officer_a, status=DeliveryStatus.SENT, ago=(i + 1) * dt.timedelta(minutes=10),
                      address="hoa@example.vn")  # fmt: skip
    failed = make_delivery(officer_a, channel="sms", status=DeliveryStatus.FAILED, ago=5 * HOUR)
    c = client_for(administrator)

    first = c.get(LIST)
    assert len(first.context["page"].object_list) == 30 and first.context["page"].paginator.count == 33
    assert "20/11/2026 08:50" in html(first)  # the newest, local time
    assert len(c.get(LIST + "?page=2").context["page"].object_list) == 3
    only = c.get(LIST + "?channel=sms&status=failed").context["page"]
    assert [d.pk for d in only] == [failed.pk]
    assert c.get(LIST + "?channel=email&status=failed").context["page"].paginator.count == 0
    assert c.get(LIST + "?status=nonsense&page=x").status_code == 200  # a bad filter: the whole list, no 500


# --- test messages -----------------------------------------------------------------------------------------------


def test_a_test_email_goes_through_the_outbox_and_its_page_shows_it_sent(
    administrator, django_capture_on_commit_callbacks
):
    c = client_for(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(TEST, {"channel": "email", "address": "  canbo@thanhhoa.gov.vn "})
    delivery = Delivery.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(delivery)
    assert [m.to for m in mail.outbox] == [["canbo@thanhhoa.gov.vn"]]
    assert "tin nhan thu" in mail.outbox[0].body
    assert (delivery.status, delivery.test, delivery.recipient, delivery.provider) == (
        DeliveryStatus.SENT, True, administrator, "smtp")  # fmt: skip
    assert AuditEntry.objects.filter(action=AlertAction.TEST_SEND, object_id=str(delivery.pk)).count() == 1
    page = html(c.get(detail(delivery)))
    assert "Đã gửi" in page and "c***@thanhhoa.gov.vn" in page and "tin thử" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"channel": "email", "address": "canbo@"}, "address", "Địa chỉ thư điện tử không hợp lệ"),
        ({"channel": "email", "address": "0912345678"}, "address", "Địa chỉ thư điện tử không hợp lệ"),
        ({"channel": "email", "address": ""}, "address", ""),
        ({"channel": "sms", "address": "0912345678"}, "channel", "Kênh này chưa được cấu hình"),
        ({"channel": "zalo", "address": "0912345678"}, "channel", "Kênh này chưa được cấu hình"),
        ({"channel": "fax", "address": "0912345678"}, "channel", "Kênh này chưa được cấu hình"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_is_sent(
    administrator, django_capture_on_commit_callbacks, data, field, message
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(administrator).post(TEST, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field])
    assert "Chưa gửi" in html(response)
    assert not Delivery.objects.exists() and not mail.outbox
    assert not AuditEntry.objects.filter(action=AlertAction.TEST_SEND).exists()


def test_a_test_sms_goes_to_the_number_in_e164_and_a_bad_number_is_refused(
    administrator, sms_channel, django_capture_on_commit_callbacks
):
    c = client_for(administrator)
    page = c.get(CHANNELS)
    assert state(page, "sms").provider == "memory"
    assert ("sms", "Tin nhắn SMS") in page.context["form"].fields["channel"].choices

    with django_capture_on_commit_callbacks(execute=True):
        refused = c.post(TEST, {"channel": "sms", "address": "0212 345 678"})
    assert "số điện thoại cố định" in " ".join(refused.context["form"].errors["address"])
    assert not Delivery.objects.exists() and not sms_channel.sent

    with django_capture_on_commit_callbacks(execute=True):
        c.post(TEST, {"channel": "sms", "address": "0912 345 678"})
    delivery = Delivery.objects.get()
    assert (delivery.address, delivery.status) == ("+84912345678", DeliveryStatus.SENT)
    assert [m.to for m in sms_channel.sent] == ["+84912345678"]


# --- Gửi lại -----------------------------------------------------------------------------------------------------


def test_a_failed_delivery_is_sent_again_from_its_page_with_its_attempts_counted_afresh(
    administrator, officer_a, django_capture_on_commit_callbacks
):
    failed = make_delivery(officer_a, status=DeliveryStatus.FAILED, address="hoa@example.vn", attempts=8)
    c = client_for(administrator)
    assert "Gửi lại" in html(c.get(detail(failed)))
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(retry(failed))
    assert response.status_code == 302 and response["Location"] == detail(failed)
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (DeliveryStatus.SENT, 1)  # counted from zero, then this attempt
    assert [m.to for m in mail.outbox] == [["hoa@example.vn"]]
    entry = AuditEntry.objects.get(action=AlertAction.RETRY, object_id=str(failed.pk))
    assert entry.actor == administrator and entry.changes["attempts"] == [8, 0]
    assert "hoa@example.vn" not in entry.object_repr


@pytest.mark.parametrize(
    "status",
    [DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.PENDING, DeliveryStatus.SENDING,
     DeliveryStatus.CANCELLED],
)  # fmt: skip
def test_only_a_failed_delivery_can_be_sent_again(administrator, officer_a, django_capture_on_commit_callbacks, status):
    delivery = make_delivery(officer_a, status=status, address="hoa@example.vn")
    before = Delivery.objects.values().get(pk=delivery.pk)
    c = client_for(administrator)
    assert "Gửi lại</button>" not in html(c.get(detail(delivery)))
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(retry(delivery), follow=True)
    assert "Chỉ gửi lại được tin ở trạng thái" in html(response)
    assert Delivery.objects.values().get(pk=delivery.pk) == before
    assert not mail.outbox and not AuditEntry.objects.filter(action=AlertAction.RETRY).exists()


def test_a_delivery_sent_since_the_page_was_drawn_is_not_sent_again(
    administrator, officer_a, django_capture_on_commit_callbacks
):
    """Two administrators press Gửi lại on the same failed message: the second finds it no longer failed."""
    failed = make_delivery(officer_a, status=DeliveryStatus.FAILED, address="hoa@example.vn")
    stale = Delivery.objects.get(pk=failed.pk)
    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(actor=administrator, delivery=failed)
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Exception, match="Chỉ gửi lại"):
        delivery_retry(actor=administrator, delivery=stale)
    assert len(mail.outbox) == 1
    assert AuditEntry.objects.filter(action=AlertAction.RETRY).count() == 1


def test_a_verification_code_or_a_message_of_a_channel_turned_off_is_not_sent_again(
    administrator, officer_a, django_capture_on_commit_callbacks
):
    code = make_delivery(officer_a, channel="email", status=DeliveryStatus.FAILED, template="verify_code",
                         address="hoa@example.vn")  # fmt: skip
    off = make_delivery(officer_a, channel="sms", status=DeliveryStatus.FAILED)
    c = client_for(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        refused_code = html(c.post(retry(code), follow=True))
        refused_off = html(c.post(retry(off), follow=True))
    assert "người dùng cần yêu cầu mã mới" in refused_code
    assert "Kênh này chưa được cấu hình" in refused_off
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    assert not mail.outbox
