# The case's earliest open deadline, kept on the case (cases/deadlines.py `refresh_next_due`): filled here for the
# cases already recorded, before its index is built.

from django.db import migrations, models
from django.db.models import Exists, OuterRef, Subquery


def fill(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Deadline = apps.get_model("cases", "Deadline")
    first_open = Deadline.objects.filter(case=OuterRef("pk"), status="open").order_by("due_at", "id")
    Case._base_manager.filter(Exists(first_open)).update(
        next_due_at=Subquery(first_open.values("due_at")[:1]),
        next_due_kind=Subquery(first_open.values("kind")[:1]),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_separation_ended_by_decision"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="next_due_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="hạn tiếp theo"),
        ),
        migrations.AddField(
            model_name="case",
            name="next_due_kind",
            field=models.CharField(blank=True, max_length=20, verbose_name="việc đến hạn"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["next_due_at", "-id"], name="case_next_due_idx"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["state", "next_due_at", "-id"], name="case_state_next_due_idx"),
        ),
    ]
