"""An index of live children by id carrying where they live and their names: the children a jurisdiction reaches
through its reports are looked up by id, one per report, and this answers those lookups without reading the table
(docs/query-plans.md#children-list-and-search)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_dashboard_indexes"),
        ("places", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="child",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["id"],
                include=("residence_unit", "name_folded", "other_names_folded"),
                name="child_live_id_idx",
            ),
        ),
    ]
