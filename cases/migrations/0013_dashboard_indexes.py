# The open deadlines due soon of an area (the home page's list): the area's cases whose next deadline falls due by a
# time, read by unit and next_due_at.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0012_children_search_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["unit", "next_due_at"], name="case_unit_next_due_idx"),
        ),
    ]
