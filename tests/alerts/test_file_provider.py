"""The "file" provider that `make run` uses for SMS and Zalo: a message by phone is written under var/messages/, as
the e-mail file backend writes e-mails, through the same outbox as a real provider."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from childprotect.alerts.channels import registry
from childprotect.alerts.models import AlertProfile, Delivery, DeliveryStatus
from childprotect.core.services import notify

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


@pytest.fixture
def file_channels(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.CHILDPROTECT_SMS_PROVIDER = "file"
    settings.CHILDPROTECT_ZALO_PROVIDER = "file"
    registry.adapter.cache_clear()
    yield tmp_path / "messages"
    registry.adapter.cache_clear()


def test_a_phone_alert_is_written_to_the_channels_file_with_the_reference_only(
    file_channels, officer_a, django_capture_on_commit_callbacks
):
    AlertProfile.objects.create(user=officer_a, phone="+84912345678", phone_verified_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        (notification,) = notify(
            recipients=[officer_a],
            title="Quá hạn: Đánh giá ban đầu – hồ sơ của Nguyễn Văn An",
            body="Trẻ Nguyễn Văn An bị đánh",
            url="/cases/1/",
            kind="overdue",
            ref="HS-000001",
        )

    sms = [json.loads(line) for line in (file_channels / "sms.jsonl").read_text(encoding="utf-8").splitlines()]
    zalo = [json.loads(line) for line in (file_channels / "zalo.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [m["to"] for m in sms] == ["+84912345678"] == [m["to"] for m in zalo]
    assert sms[0]["text"].startswith("BVTE: Qua han - HS-000001. Xem: http")  # brandname SMS: no diacritics
    assert "Quá hạn - HS-000001" in zalo[0]["text"]
    for message in sms + zalo:
        assert "An" not in message["text"].split() and "Nguyễn" not in json.dumps(message, ensure_ascii=False)
    assert set(Delivery.objects.filter(notification=notification).values_list("channel", "status")) == {
        ("sms", DeliveryStatus.SENT),
        ("zalo", DeliveryStatus.SENT),
    }


def test_an_unverified_number_gets_nothing_by_phone(file_channels, officer_a, django_capture_on_commit_callbacks):
    AlertProfile.objects.create(user=officer_a, phone="+84912345678")  # never verified
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[officer_a], title="Quá hạn", kind="overdue", ref="HS-000001")
    assert not (file_channels / "sms.jsonl").exists()
    assert not Delivery.objects.filter(channel__in=["sms", "zalo"]).exists()


def test_make_runs_settings_pass_the_system_checks(file_channels):
    """`make run` starts with both phone channels on "file": the checks every start runs must not trip on it."""
    from django.core.management import call_command

    call_command("check", "alerts", fail_level="WARNING")
