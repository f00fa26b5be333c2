"""One notification e-mail, sent by the service the Celery task calls (`notification_email_send`), without Celery:
the refusals (already sent, nobody to mail) and the failure (the SMTP server fails: the claim is released)."""

from __future__ import annotations

import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from childprotect.core.models import Notification
from childprotect.core.services import notification_email_send, notify

pytestmark = pytest.mark.django_db


class FailingBackend(EmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_notification_is_mailed_once(officer_a_mailed):
    (notification,) = notify(recipients=[officer_a_mailed], title="Đến hạn")
    mail.outbox.clear()
    assert notification_email_send(notification.pk) is True
    assert notification_email_send(notification.pk) is False  # already sent: refused
    assert [m.to for m in mail.outbox] == [["canbo.hacthanh@example.vn"]]


def test_an_inactive_recipient_is_not_mailed_and_not_swept_again(officer_a_mailed):
    (notification,) = notify(recipients=[officer_a_mailed], title="Đến hạn")
    officer_a_mailed.is_active = False
    officer_a_mailed.save(update_fields=["is_active"])
    mail.outbox.clear()
    assert notification_email_send(notification.pk) is False
    notification.refresh_from_db()
    assert (notification.email_due, notification.email_claimed_at, notification.emailed_at) == (False, None, None)
    assert mail.outbox == []


def test_a_failing_smtp_server_releases_the_claim_and_raises(officer_a_mailed, settings):
    (notification,) = notify(recipients=[officer_a_mailed], title="Đến hạn")
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notification_email_send(notification.pk)
    notification.refresh_from_db()
    assert notification.email_due and notification.email_claimed_at is None and notification.emailed_at is None
    assert Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).exists()
