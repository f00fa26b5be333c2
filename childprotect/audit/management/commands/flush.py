"""Django's flush (empty every table; development and the test suite's transactional tests), which on SQLite also
empties the audit log.

SQLite empties a table with DELETE, which the audit log's trigger refuses (migration 0002_immutable_audit); this marks
the flush's transaction as the maintenance procedure does. PostgreSQL empties with TRUNCATE, which fires no row
trigger and needs the table's owner (not the application's role in production).
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import DEFAULT_DB_ALIAS, connections, transaction


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        database = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[database]
        if connection.vendor != "sqlite" or "audit_maintenance_flag" not in connection.introspection.table_names():
            super().handle(**options)
            return
        with transaction.atomic(using=database), connection.cursor() as cursor:
            cursor.execute("INSERT INTO audit_maintenance_flag (token) VALUES ('flush')")
            super().handle(**options)
            cursor.execute("DELETE FROM audit_maintenance_flag")
