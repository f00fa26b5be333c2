"""Two covering indexes of live children for the children list and name search (index-only scans at a million rows).

(commune, folded name, id) replaces (commune, folded name): a province's children are counted and sorted from it
without reading the table; (folded name, id) lets a national page walk the registry in name order the same way.
Both carry the other names (the search looks there too) and leave soft-deleted children out; the commune one also
carries the birth date and year, so the registry import's duplicate check reads a file's communes from it alone. On SQLite the INCLUDE
part is ignored. See docs/query-plans.md#children-list-and-search.

On PostgreSQL the folded name also gets a finer sample (statistics target 1000): the planner chooses between walking
the name index and the trigram index by how many names it expects a search to find, and the default sample misjudged
a rare full name ("nguyen van an", 398 children) as a common one (9,432) and walked a million index entries for it.
"""

from django.conf import settings
from django.db import migrations, models


def finer_name_statistics(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_child ALTER COLUMN name_folded SET STATISTICS 1000")


def default_name_statistics(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE cases_child ALTER COLUMN name_folded SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0011_case_next_due"),
        ("places", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="child", name="child_unit_name_idx"),
        migrations.AddIndex(
            model_name="child",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["residence_unit", "name_folded", "id"],
                include=("other_names_folded", "date_of_birth", "birth_year"),
                name="child_live_unit_name_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="child",
            index=models.Index(
                condition=models.Q(("deleted_at__isnull", True)),
                fields=["name_folded", "id"],
                include=("other_names_folded",),
                name="child_live_name_idx",
            ),
        ),
        migrations.RunPython(finer_name_statistics, default_name_statistics),
    ]
