"""On PostgreSQL, a trigram index makes "every word of the name, anywhere" an index scan at a million children.

SQLite (development) has no such index; there the folded column's b-tree serves prefix searches and the rest scans.
"""

from __future__ import annotations

from django.db import migrations


def create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS child_name_trgm_idx ON cases_child USING gin (name_folded gin_trgm_ops)"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS child_other_names_trgm_idx ON cases_child USING gin (other_names_folded gin_trgm_ops)"
    )


def drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS child_name_trgm_idx")
        schema_editor.execute("DROP INDEX IF EXISTS child_other_names_trgm_idx")


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_seed_vocabularies")]
    operations = [migrations.RunPython(create, drop)]
