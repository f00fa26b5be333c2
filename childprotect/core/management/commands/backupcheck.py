"""Prove that a backup of the database restores: dump, restore into a fresh database, compare the row counts.

    DATABASE_URL=postgres://... manage.py backupcheck [--keep]

It dumps the current PostgreSQL database with pg_dump (custom format, as childprotect/deploy/backup.sh does) to a
temporary file, creates a fresh database <name>_restorecheck_<pid>, restores the dump into it with pg_restore
(--no-owner --exit-on-error, as restore.sh does), counts the rows of every table of both databases, prints them, and
drops the temporary database (unless --keep). Any difference, or any table of the project's apps (or of auth,
contenttypes, admin, guardian) that is missing, is an error: the command exits non-zero.

The counts of the source are taken in the very snapshot pg_dump reads (pg_export_snapshot, pg_dump --snapshot), so the
check holds on a live database where users keep writing. The tools connect with the settings of the "default"
database; the password goes through PGPASSWORD in their environment, never on a command line. The database user
needs the right to create databases (CREATEDB). See childprotect/deploy/BACKUP.md.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # noqa: S404 (fixed programs, arguments as lists, no shell)
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

# The tables checked by name besides the project's own apps (those under BASE_DIR); every other table is compared too.
FRAMEWORK_APPS = ("auth", "contenttypes", "admin", "guardian")
# Connection options of settings.DATABASES[...]["OPTIONS"] that libpq also reads from its environment.
LIBPQ_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
}
PG_TOOLS = ("pg_dump", "pg_restore", "createdb", "dropdb")
IDENTIFIER_MAX = 63  # PostgreSQL truncates longer names


def pg_environment(settings_dict: Mapping[str, Any], base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for pg_dump, pg_restore, createdb, dropdb, psql to reach the database of `settings_dict`."""
    env = dict(os.environ if base is None else base)
    for key, variable in (
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("USER", "PGUSER"),
        ("PASSWORD", "PGPASSWORD"),
        ("NAME", "PGDATABASE"),
    ):
        value = settings_dict.get(key)
        if value:
            env[variable] = str(value)
    for option, variable in LIBPQ_OPTIONS.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value:
            env[variable] = str(value)
    return env


def restorecheck_name(name: str, pid: int | None = None) -> str:
    suffix = f"_restorecheck_{os.getpid() if pid is None else pid}"
    return name[: IDENTIFIER_MAX - len(suffix)] + suffix


def expected_tables() -> dict[str, str]:
    """table -> app label: every table of the project's apps and of auth, contenttypes, admin and guardian."""
    base = Path(settings.BASE_DIR).resolve()
    tables: dict[str, str] = {}
    for config in apps.get_app_configs():
        if config.label not in FRAMEWORK_APPS and not Path(config.path).resolve().is_relative_to(base):
            continue
        for model in config.get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                tables[model._meta.db_table] = config.label
    return tables


def table_counts(conn: BaseDatabaseWrapper) -> dict[str, int]:
    """table -> number of rows, for every table of the connection's database (views excluded)."""
    counts: dict[str, int] = {}
    with conn.cursor() as cursor:
        for table in sorted(conn.introspection.table_names(cursor)):
            cursor.execute(f"SELECT count(*) FROM {conn.ops.quote_name(table)}")  # noqa: S608 (quoted identifier)
            counts[table] = cursor.fetchone()[0]
    return counts


def count_differences(source: Mapping[str, int], restored: Mapping[str, int], expected: Mapping[str, str]) -> list[str]:
    """What does not match, one sentence each; empty when the restore is complete."""
    problems = [
        f"{table}: bảng của ứng dụng {app} không có trong CSDL nguồn"
        for table, app in expected.items()
        if table not in source
    ]
    for table in sorted(set(source) | set(restored)):
        if table not in restored:
            problems.append(f"{table}: thiếu trong bản khôi phục")
        elif table not in source:
            problems.append(f"{table}: thừa trong bản khôi phục")
        elif source[table] != restored[table]:
            problems.append(f"{table}: {source[table]} dòng trong nguồn, {restored[table]} trong bản khôi phục")
    return problems


def _other_connection(conn: BaseDatabaseWrapper, name: str, alias: str) -> BaseDatabaseWrapper:
    """A new connection of the same backend and settings to database `name`, outside django.db.connections."""
    settings_dict = {**conn.settings_dict, "NAME": name, "CONN_MAX_AGE": 0}
    return conn.__class__(settings_dict, alias=alias)


class Command(BaseCommand):
    help = (
        "Sao lưu CSDL PostgreSQL bằng pg_dump, khôi phục vào một CSDL mới bằng pg_restore, so số dòng của từng bảng; "
        "mã thoát khác 0 nếu có bảng lệch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the alias in settings.DATABASES")
        parser.add_argument("--keep", action="store_true", help="keep the restored database (its name is printed)")

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = int(options["verbosity"])
        conn = connections[options["database"]]
        if conn.vendor != "postgresql":
            raise CommandError(
                f"backupcheck chỉ dùng với PostgreSQL (DATABASE_URL=postgres://...); CSDL hiện tại là {conn.vendor} "
                f"({conn.settings_dict['NAME']}). Với SQLite, hãy dừng ứng dụng rồi sao chép tệp CSDL và var/media."
            )
        missing = [tool for tool in PG_TOOLS if shutil.which(tool) is None]
        if missing:
            raise CommandError(
                f"Thiếu công cụ PostgreSQL: {', '.join(missing)} (Debian: apt-get install postgresql-client)."
            )
        name = str(conn.settings_dict["NAME"])
        scratch = restorecheck_name(name)
        env = pg_environment(conn.settings_dict)
        expected = expected_tables()

        with tempfile.TemporaryDirectory(prefix="backupcheck-") as folder:
            dump = Path(folder) / f"{name}.dump"
            source_counts, encoding = self._dump(conn, name, dump, env)
            if self.verbosity >= 1:
                size = dump.stat().st_size / 1048576
                self.stdout.write(f"Đã sao lưu {name}: {size:.1f} MB, {len(source_counts)} bảng.")
            created = False
            try:
                self._run(["createdb", "--template=template0", f"--encoding={encoding}", scratch], env)
                created = True
                self._run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={scratch}", str(dump)], env)
                restored = _other_connection(conn, scratch, "backupcheck_restored")
                try:
                    restored_counts = table_counts(restored)
                finally:
                    restored.close()
            finally:
                if created and not options["keep"]:
                    self._run(["dropdb", "--if-exists", scratch], env)

        self._print_table(source_counts, restored_counts)
        problems = count_differences(source_counts, restored_counts, expected)
        if options["keep"]:
            self.stdout.write(f"CSDL khôi phục được giữ lại: {scratch} (xoá bằng: dropdb {scratch})")
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError(f"Bản khôi phục KHÔNG khớp: {len(problems)} khác biệt.")
        total = sum(source_counts.values())
        self.stdout.write(self.style.SUCCESS(f"OK: {len(source_counts)} bảng, {total} dòng, số dòng khớp từng bảng."))

    def _dump(
        self, conn: BaseDatabaseWrapper, name: str, dump: Path, env: dict[str, str]
    ) -> tuple[dict[str, int], str]:
        """pg_dump into `dump`; the row counts and the encoding, read in the snapshot the dump was taken from."""
        source = _other_connection(conn, name, "backupcheck_source")
        try:
            with source.cursor() as cursor:
                # Autocommit passes BEGIN to the server: the transaction stays open until ROLLBACK below, and pg_dump
                # reads exactly what the counts read.
                cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute(
                    "SELECT pg_export_snapshot(), pg_encoding_to_char(encoding) FROM pg_database "
                    "WHERE datname = current_database()"
                )
                snapshot, encoding = cursor.fetchone()
            counts = table_counts(source)
            self._run(
                ["pg_dump", "--format=custom", "--no-owner", f"--snapshot={snapshot}", f"--file={dump}", name], env
            )
            with source.cursor() as cursor:
                cursor.execute("ROLLBACK")
        finally:
            source.close()
        return counts, str(encoding)

    def _run(self, command: list[str], env: dict[str, str]) -> None:
        executable = shutil.which(command[0])
        if executable is None:  # checked at the start; found again here for an absolute path
            raise CommandError(f"Thiếu công cụ PostgreSQL: {command[0]}.")
        if self.verbosity >= 2:
            self.stdout.write("$ " + " ".join(command))
        result = subprocess.run(  # noqa: S603 (a PostgreSQL tool, arguments as a list, no shell)
            [executable, *command[1:]], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise CommandError(f"{command[0]} thất bại (mã {result.returncode}): {result.stderr.strip()}")

    def _print_table(self, source: Mapping[str, int], restored: Mapping[str, int]) -> None:
        if self.verbosity < 1:
            return
        tables = sorted(set(source) | set(restored))
        width = max([len("Bảng"), *(len(table) for table in tables)])
        self.stdout.write(f"{'Bảng':<{width}}  {'Nguồn':>10}  {'Khôi phục':>10}")
        for table in tables:
            left, right = source.get(table), restored.get(table)
            mark = "" if left == right else "  ≠"
            left_text = "—" if left is None else str(left)
            right_text = "—" if right is None else str(right)
            self.stdout.write(f"{table:<{width}}  {left_text:>10}  {right_text:>10}{mark}")
