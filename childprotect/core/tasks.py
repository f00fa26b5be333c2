from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Notification


@shared_task
def clear_expired_sessions() -> int:
    """Delete expired sessions (what `manage.py clearsessions` does), returning how many went."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    """Mail one notification, at most once: the row is locked and marked in the same transaction as the send."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id, emailed_at__isnull=True)
            .first()
        )
        if notification is None or not notification.recipient.email or not notification.recipient.is_active:
            return False
        with translation.override(settings.LANGUAGE_CODE):
            body = render_to_string(
                "core/email/notification.txt", {"n": notification, "site": settings.CHILDPROTECT_SITE_URL}
            )
        send_mail(f"[Bảo vệ trẻ em] {notification.title}", body, None, [notification.recipient.email])
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
    return True


@shared_task(acks_late=True)
def check_import(job_id: int) -> str:
    """The preview of an uploaded file (a dry run); the job records the counts and every row error."""
    from .imports import job_check

    return job_check(job_id).status


@shared_task(acks_late=True)
def apply_import(job_id: int) -> str:
    """The confirmed import: all rows in one transaction, exactly as previewed, or none."""
    from .imports import job_apply

    return job_apply(job_id).status
