"""The database itself refuses to change or delete an audit entry, whatever the code that asks (the ORM, raw SQL, a
shell, another program on the same database), except inside the audit maintenance procedure
(childprotect.audit.services.audit_maintain), which marks its own transaction.

PostgreSQL: a row trigger BEFORE UPDATE OR DELETE raises unless the transaction-local setting
`childprotect.audit_maintenance` is set (SET LOCAL / set_config(..., true): it ends with the transaction). There is no
TRUNCATE trigger: TRUNCATE needs the table's owner, which the application's role should not be in production (the
tables are owned by the role that runs the migrations), and the test suite empties the database with TRUNCATE
between transactional tests.

The mark is not a secret: it keeps every ordinary path (the ORM, the admin, a script, a mistaken UPDATE) from
rewriting history, and leaves each deliberate change in the procedure's entry. Against someone running their own SQL
with the application's credentials, the guard is the role's privileges (README, Security: REVOKE UPDATE, DELETE).

SQLite (development): the same two triggers, escaped by a row in the table audit_maintenance_flag, which the
procedure inserts and removes inside its transaction. The project's `flush` command (audit/management/commands)
marks its transaction the same way, since SQLite empties a table with DELETE.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

MESSAGE = "audit log entries are never changed or deleted (only by audit_maintain)"

POSTGRESQL_ON = f"""
CREATE OR REPLACE FUNCTION audit_auditentry_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('childprotect.audit_maintenance', true), '') = '' THEN
        RAISE EXCEPTION '%: % refused', '{MESSAGE}', TG_OP USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER IF EXISTS audit_auditentry_immutable ON audit_auditentry;
CREATE TRIGGER audit_auditentry_immutable BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_auditentry_immutable();
"""
POSTGRESQL_OFF = """
DROP TRIGGER IF EXISTS audit_auditentry_immutable ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_auditentry_immutable();
"""

SQLITE_ON = [
    "CREATE TABLE IF NOT EXISTS audit_maintenance_flag (token text NOT NULL)",
    """CREATE TRIGGER IF NOT EXISTS audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
        WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance_flag)
        BEGIN SELECT RAISE(ABORT, 'audit log entries are never changed or deleted (only by audit_maintain): UPDATE
        refused'); END""",
    """CREATE TRIGGER IF NOT EXISTS audit_auditentry_no_delete BEFORE DELETE ON audit_auditentry
        WHEN NOT EXISTS (SELECT 1 FROM audit_maintenance_flag)
        BEGIN SELECT RAISE(ABORT, 'audit log entries are never changed or deleted (only by audit_maintain): DELETE
        refused'); END""",
]
SQLITE_OFF = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete",
    "DROP TABLE IF EXISTS audit_maintenance_flag",
]


def _run(schema_editor: Any, postgresql: list[str], sqlite: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    statements = postgresql if vendor == "postgresql" else sqlite if vendor == "sqlite" else []
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def forwards(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, [POSTGRESQL_ON], SQLITE_ON)


def backwards(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, [POSTGRESQL_OFF], SQLITE_OFF)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
