"""The e-mails still due when notifications moved to the outbox become its rows; the old sweep's beat entry goes."""

from django.db import migrations


def forwards(apps, schema_editor):
    Notification = apps.get_model("core", "Notification")
    Delivery = apps.get_model("alerts", "Delivery")
    pending = Notification.objects.filter(email_due=True, emailed_at__isnull=True).select_related("recipient")
    Delivery.objects.bulk_create(
        [
            Delivery(
                notification_id=n.pk,
                recipient_id=n.recipient_id,
                channel="email",
                address=n.recipient.email,
                template="alert",
                created_at=n.created_at,
                next_attempt_at=n.created_at,
            )
            for n in pending.iterator()
            if n.recipient.email
        ],
        batch_size=1000,
    )
    if apps.is_installed("django_celery_beat"):
        apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name="sweep-unsent-emails").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0001_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
