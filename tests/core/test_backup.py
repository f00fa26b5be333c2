"""Backups: manage.py backupcheck, and childprotect/deploy/backup.sh and restore.sh end to end.

The PostgreSQL tests run in CI's second pass (DATABASE_URL=postgres://...) against pytest-django's test database
(test_<name>); they are transactional so that pg_dump, another connection, sees the rows they create. Every database
they restore into is dropped afterwards.

A transactional test ends by emptying every table, also of the rows the migrations wrote (terms, holidays, referral
outcomes, content types) and of the units loaded once per session, which the tests after it expect. These tests ask
for a serialized rollback (those rows come back before each of them) and put everything back once they are done.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from cases.models import Child
from cases.services import ChildData, child_register
from childprotect.core.management.commands import backupcheck
from childprotect.core.management.commands.backupcheck import (
    count_differences,
    expected_tables,
    pg_environment,
    restorecheck_name,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "childprotect" / "deploy"
BASH = shutil.which("bash")

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only (CI's second pass sets DATABASE_URL=postgres://...)"
)
with_pg_tools = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("pg_dump", "pg_restore", "createdb", "dropdb", "psql")),
    reason="the PostgreSQL client tools are not installed (postgresql-client)",
)
with_bash = pytest.mark.skipif(BASH is None, reason="bash is not installed")


# --- pieces that need no server -------------------------------------------------------------------------------------


def test_count_differences_names_every_mismatch():
    expected = {"cases_child": "cases", "auth_group": "auth"}
    assert count_differences({"cases_child": 2, "auth_group": 0}, {"cases_child": 2, "auth_group": 0}, expected) == []
    problems = count_differences(
        {"cases_child": 2, "django_session": 1, "gone": 1},
        {"cases_child": 1, "django_session": 1, "extra": 0},
        expected,
    )
    assert problems == [
        "auth_group: bảng của ứng dụng auth không có trong CSDL nguồn",
        "cases_child: 2 dòng trong nguồn, 1 trong bản khôi phục",
        "extra: thừa trong bản khôi phục",
        "gone: thiếu trong bản khôi phục",
    ]


def test_the_tables_checked_include_the_project_and_the_framework_apps():
    tables = expected_tables()
    for table, app in {
        "cases_child": "cases",
        "referrals_referral": "referrals",
        "reporting_periodicreport": "reporting",
        "places_adminunit": "places",
        "accounts_user": "accounts",
        "accounts_user_groups": "accounts",  # many-to-many tables too
        "audit_auditentry": "audit",
        "auth_permission": "auth",
        "django_content_type": "contenttypes",
        "django_admin_log": "admin",
        "guardian_userobjectpermission": "guardian",
    }.items():
        assert tables.get(table) == app, table


def test_restorecheck_name_fits_in_a_postgresql_identifier():
    assert restorecheck_name("childprotect", pid=42) == "childprotect_restorecheck_42"
    long = restorecheck_name("x" * 80, pid=123456)
    assert len(long) == 63
    assert long.endswith("_restorecheck_123456")


def test_pg_environment_passes_the_password_in_the_environment_only():
    env = pg_environment(
        {"NAME": "cp", "HOST": "db.local", "PORT": 5433, "USER": "app", "PASSWORD": "p@ss w:rd", "OPTIONS": {}},
        base={"PATH": "/usr/bin", "PGPASSWORD": "old"},
    )
    assert env == {
        "PATH": "/usr/bin",
        "PGHOST": "db.local",
        "PGPORT": "5433",
        "PGUSER": "app",
        "PGPASSWORD": "p@ss w:rd",
        "PGDATABASE": "cp",
    }
    with_ssl = pg_environment({"NAME": "cp", "OPTIONS": {"sslmode": "require"}}, base={})
    assert with_ssl == {"PGDATABASE": "cp", "PGSSLMODE": "require"}


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite refusal")
def test_backupcheck_refuses_sqlite_with_a_clear_message():
    with pytest.raises(CommandError, match="chỉ dùng với PostgreSQL"):
        call_command("backupcheck", stdout=StringIO())


def _bash(script: str, env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    assert BASH is not None
    return subprocess.run(  # noqa: S603 (our scripts, arguments as a list)
        [BASH, *([str(DEPLOY / script)] if script else []), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _without_pg_variables() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("PG") and name != "DATABASE_URL"}


@with_bash
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgres://postgres:postgres@127.0.0.1:5432/childprotect",
            "127.0.0.1|5432|postgres|postgres|childprotect|",
        ),
        (
            "postgresql://us%40er:p%40ss%3Aw%25rd%2F@[::1]:6543/db%2Dname?sslmode=require&connect_timeout=5",
            "::1|6543|us@er|p@ss:w%rd/|db-name|require",
        ),
        ("psql://app@db/childprotect", "db||app||childprotect|"),
        ("postgres:///childprotect", "||||childprotect|"),
    ],
)
def test_the_scripts_read_database_url_like_the_application(url, expected):
    env = {**_without_pg_variables(), "DATABASE_URL": url}
    variables = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSSLMODE")
    shown = 'printf "%s|%s|%s|%s|%s|%s" ' + " ".join(f'"${{{name}:-}}"' for name in variables)
    result = _bash("", env, "-c", f'set -euo pipefail; . "{DEPLOY / "pgenv.sh"}"; pgenv_from_database_url; {shown}')
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected


@with_bash
@pytest.mark.parametrize("script", ["backup.sh", "restore.sh"])
def test_the_scripts_refuse_sqlite(tmp_path, script):
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"")
    env = {**_without_pg_variables(), "DATABASE_URL": "sqlite:////tmp/childprotect.sqlite3"}
    result = _bash(script, env, str(dump if script == "restore.sh" else tmp_path))
    assert result.returncode != 0
    assert "SQLite" in result.stderr


# --- on PostgreSQL ---------------------------------------------------------------------------------------------------

committed = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _children(officer, commune, names: list[str]) -> None:
    born = timezone.localdate().replace(month=3, day=5) - dt.timedelta(days=8 * 365)
    for name in names:
        child_register(
            actor=officer, data=ChildData(full_name=name, sex="female", residence_unit=commune, date_of_birth=born)
        )


def _counts_in_output(output: str) -> dict[str, tuple[str, str]]:
    rows = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].islower():
            rows[parts[0]] = (parts[1], parts[2])
    return rows


def _databases_named(pattern: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern])
        return [row[0] for row in cursor.fetchall()]


@on_postgresql
@with_pg_tools
@committed
def test_backupcheck_restores_into_a_fresh_database_and_the_counts_match(data_put_back, cast, commune_a):
    _children(cast["officer_a"], commune_a, ["Nguyễn Thị Ánh", "Trần Văn Bình", "Lê Thị Cúc"])
    out = StringIO()

    call_command("backupcheck", stdout=out)

    output = out.getvalue()
    assert "OK:" in output, output
    counts = _counts_in_output(output)
    assert counts["cases_child"] == ("3", "3")
    assert counts["accounts_user"] == (str(len(cast)), str(len(cast)))
    assert counts["places_adminunit"][0] == counts["places_adminunit"][1] != "0"
    assert _databases_named(restorecheck_name(connection.settings_dict["NAME"])) == []  # dropped


@on_postgresql
@with_pg_tools
@committed
def test_backupcheck_fails_on_a_difference_and_still_drops_its_database(data_put_back, cast, commune_a, monkeypatch):
    _children(cast["officer_a"], commune_a, ["Phạm Thị Dung"])
    real_counts = backupcheck.table_counts

    def one_child_lost(conn):
        counts = real_counts(conn)
        if conn.alias == "backupcheck_restored":
            counts["cases_child"] -= 1
        return counts

    monkeypatch.setattr(backupcheck, "table_counts", one_child_lost)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="KHÔNG khớp: 1 khác biệt"):
        call_command("backupcheck", stdout=out, stderr=err)
    assert "cases_child: 1 dòng trong nguồn, 0 trong bản khôi phục" in err.getvalue()
    assert _databases_named(restorecheck_name(connection.settings_dict["NAME"])) == []


def _database_url() -> str:
    s = connection.settings_dict
    credentials = quote(str(s["USER"] or ""), safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(str(s["PASSWORD"]), safe="")
    host = str(s["HOST"] or "")
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{credentials}{'@' if credentials else ''}{host}{port}/{quote(str(s['NAME']), safe='')}"


def _psql(env: dict[str, str], database: str, sql: str) -> str:
    psql = shutil.which("psql")
    assert psql is not None
    result = subprocess.run(  # noqa: S603 (psql, arguments as a list)
        [psql, "-X", "-tA", f"--dbname={database}", "-c", sql], env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@on_postgresql
@with_pg_tools
@with_bash
@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "gpg"])
@committed
def test_backup_then_restore_scripts_into_a_fresh_database(data_put_back, cast, commune_a, tmp_path, encrypted):
    if encrypted and shutil.which("gpg") is None:
        pytest.skip("gpg is not installed")
    _children(cast["officer_a"], commune_a, ["Hoàng Thị Em", "Vũ Văn Giang"])
    media = tmp_path / "var" / "media"
    (media / "attachments" / "2026").mkdir(parents=True)
    (media / "attachments" / "2026" / "bien-ban.pdf").write_bytes(b"%PDF-1.7 bi\xc3\xaan b\xe1\xba\xa3n")
    (media / "reports").mkdir()
    (media / "reports" / "bao-cao.pdf").write_bytes(b"%PDF-1.7 report")
    backups, restored_media = tmp_path / "backups", tmp_path / "restored-media"
    env = {**_without_pg_variables(), "DATABASE_URL": _database_url(), "CHILDPROTECT_VAR_DIR": str(tmp_path / "var")}
    options: list[str] = []
    if encrypted:
        passphrase = tmp_path / "passphrase"
        passphrase.write_text("một câu mật khẩu dài cho bản sao lưu\n", encoding="utf-8")
        options = ["--passphrase-file", str(passphrase)]

    backup = _bash("backup.sh", env, *(["--encrypt-passphrase-file", options[1]] if encrypted else []), str(backups))
    assert backup.returncode == 0, backup.stderr

    suffix = ".gpg" if encrypted else ""
    dumps = sorted(backups.glob(f"childprotect-*.dump{suffix}"))
    assert len(dumps) == 1, list(backups.iterdir())
    stem = dumps[0].name.removesuffix(f".dump{suffix}")
    assert sorted(p.name for p in backups.iterdir()) == sorted(
        [f"{stem}.dump{suffix}", f"{stem}-media.tar.gz{suffix}", f"{stem}.sha256"]
    )  # nothing left in clear when encrypted, no work folder left behind
    assert all(p.stat().st_mode & 0o077 == 0 for p in backups.iterdir())  # owner only: children's records
    if encrypted:
        assert not dumps[0].read_bytes().startswith(b"PGDMP")

    new_database = f"{connection.settings_dict['NAME']}_restored_{os.getpid()}"
    pg_env = pg_environment(connection.settings_dict, base=_without_pg_variables())
    try:
        restore = _bash("restore.sh", env, *options, "--media-dir", str(restored_media), str(dumps[0]), new_database)
        assert restore.returncode == 0, restore.stderr
        assert f"restored into database {new_database}" in restore.stdout

        assert _psql(pg_env, new_database, "SELECT count(*) FROM cases_child") == str(Child.objects.count()) == "2"
        assert _psql(pg_env, new_database, "SELECT count(*) FROM accounts_user") == str(len(cast))
        assert (restored_media / "attachments" / "2026" / "bien-ban.pdf").read_bytes() == (
            media / "attachments" / "2026" / "bien-ban.pdf"
        ).read_bytes()
        assert (restored_media / "reports" / "bao-cao.pdf").read_bytes() == b"%PDF-1.7 report"

        again = _bash("restore.sh", env, *options, "--no-media", str(dumps[0]), new_database)
        assert again.returncode != 0  # never over an existing database
        assert "exists already" in again.stderr
    finally:
        subprocess.run(  # noqa: S603 (dropdb, arguments as a list)
            [str(shutil.which("dropdb")), "--if-exists", new_database], env=pg_env, check=False, capture_output=True
        )
    assert _databases_named(new_database) == []


# --- a failed restore changes nothing ---------------------------------------------------------------------------------


def _tree(folder: Path) -> dict[str, bytes] | None:
    """Every file under folder with its bytes (None when the folder does not exist)."""
    if not folder.exists():
        return None
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _reseal(backups: Path, stem: str) -> None:
    """Recompute the checksums, as if the damage happened before backup.sh summed the files (a full disk)."""
    sums = backups / f"{stem}.sha256"
    names = [line.split(maxsplit=1)[1].strip() for line in sums.read_text().splitlines()]
    result = subprocess.run(  # noqa: S603 (sha256sum, arguments as a list)
        [str(shutil.which("sha256sum")), "--", *names], cwd=backups, capture_output=True, text=True, check=True
    )
    sums.write_text(result.stdout)


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])


@on_postgresql
@with_pg_tools
@with_bash
@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("truncated-media", "media archive"),
        ("truncated-dump", "database archive"),
        ("bad-checksum", "FAILED"),
        ("media-not-in-checksums", "not listed"),
    ],
)
@pytest.mark.parametrize("target", ["absent", "empty"])
@committed
def test_a_failed_restore_leaves_the_database_and_the_media_exactly_as_they_were(
    data_put_back, cast, commune_a, tmp_path, damage, message, target
):
    _children(cast["officer_a"], commune_a, ["Hoàng Thị Em", "Vũ Văn Giang"])
    media = tmp_path / "var" / "media"
    (media / "attachments").mkdir(parents=True)
    for i in range(40):  # enough that a truncated archive still holds some whole files
        (media / "attachments" / f"bien-ban-{i}.pdf").write_bytes(os.urandom(20_000))
    backups = tmp_path / "backups"
    env = {**_without_pg_variables(), "DATABASE_URL": _database_url(), "CHILDPROTECT_VAR_DIR": str(tmp_path / "var")}
    backup = _bash("backup.sh", env, str(backups))
    assert backup.returncode == 0, backup.stderr
    (dump,) = backups.glob("childprotect-*.dump")
    stem = dump.name.removesuffix(".dump")
    archive = backups / f"{stem}-media.tar.gz"
    if damage == "truncated-media":
        _truncate(archive)
        _reseal(backups, stem)
    elif damage == "truncated-dump":
        _truncate(dump)
        _reseal(backups, stem)
    elif damage == "bad-checksum":
        data = bytearray(dump.read_bytes())
        data[len(data) // 2] ^= 0xFF
        dump.write_bytes(bytes(data))
    else:
        sums = backups / f"{stem}.sha256"
        sums.write_text("".join(line for line in sums.read_text().splitlines(True) if "-media" not in line))
        _truncate(archive)

    restored_media = tmp_path / "restored" / "media"
    if target == "empty":
        restored_media.mkdir(parents=True)
    else:
        restored_media.parent.mkdir()
    children_before = list(Child.objects.order_by("pk").values_list("pk", "full_name", "updated_at"))
    mine = connection.settings_dict["NAME"] + "%"  # other databases on the server are other people's
    databases_before = _databases_named(mine)
    new_database = f"{connection.settings_dict['NAME']}_restored_{os.getpid()}"
    pg_env = pg_environment(connection.settings_dict, base=_without_pg_variables())
    try:
        restore = _bash("restore.sh", env, "--media-dir", str(restored_media), str(dump), new_database)

        assert restore.returncode != 0, restore.stdout
        assert message in restore.stderr + restore.stdout, restore.stderr
        assert _tree(restored_media) == ({} if target == "empty" else None)  # untouched
        assert sorted(p.name for p in restored_media.parent.iterdir()) == (["media"] if target == "empty" else [])
        assert _databases_named(mine) == databases_before  # no database made, none left behind
        assert list(Child.objects.order_by("pk").values_list("pk", "full_name", "updated_at")) == children_before
    finally:
        subprocess.run(  # noqa: S603 (dropdb, arguments as a list)
            [str(shutil.which("dropdb")), "--if-exists", new_database], env=pg_env, check=False, capture_output=True
        )


@on_postgresql
@with_pg_tools
@with_bash
@committed
def test_replacing_a_media_folder_swaps_it_only_once_a_good_archive_is_extracted(
    data_put_back, cast, commune_a, tmp_path
):
    _children(cast["officer_a"], commune_a, ["Hoàng Thị Em"])
    media = tmp_path / "var" / "media"
    (media / "attachments").mkdir(parents=True)
    for i in range(40):  # enough that a truncated archive still holds some whole files
        (media / "attachments" / f"bien-ban-{i}.pdf").write_bytes(os.urandom(20_000))
    backups = tmp_path / "backups"
    env = {**_without_pg_variables(), "DATABASE_URL": _database_url(), "CHILDPROTECT_VAR_DIR": str(tmp_path / "var")}
    backup = _bash("backup.sh", env, str(backups))
    assert backup.returncode == 0, backup.stderr
    (dump,) = backups.glob("childprotect-*.dump")
    stem = dump.name.removesuffix(".dump")
    damaged = tmp_path / "damaged"
    shutil.copytree(backups, damaged)
    _truncate(damaged / f"{stem}-media.tar.gz")
    _reseal(damaged, stem)

    target = tmp_path / "live" / "media"  # a media folder in use, with files the backup does not have
    (target / "attachments").mkdir(parents=True)
    (target / "attachments" / "moi-tai-len.pdf").write_bytes(b"%PDF-1.7 uploaded since")
    (target / "reports").mkdir()
    (target / "reports" / "bao-cao.pdf").write_bytes(b"%PDF-1.7 report")
    before = _tree(target)
    names = [f"{connection.settings_dict['NAME']}_restored_{os.getpid()}_{n}" for n in range(3)]
    pg_env = pg_environment(connection.settings_dict, base=_without_pg_variables())
    try:
        refused = _bash("restore.sh", env, "--media-dir", str(target), str(dump), names[0])
        assert refused.returncode != 0
        assert "is not empty" in refused.stderr and "--replace-media" in refused.stderr

        failed = _bash(
            "restore.sh", env, "--replace-media", "--media-dir", str(target), str(damaged / dump.name), names[1]
        )
        assert failed.returncode != 0, failed.stdout
        assert "media archive" in failed.stderr
        assert f"the media folder {target}" in failed.stderr and "as they were" in failed.stderr
        assert _tree(target) == before  # untouched
        assert sorted(p.name for p in target.parent.iterdir()) == ["media"]  # no temporary folder left

        restore = _bash("restore.sh", env, "--replace-media", "--media-dir", str(target), str(dump), names[2])
        assert restore.returncode == 0, restore.stderr
        assert _tree(target) == _tree(media)  # the backup's files, and only them
        assert sorted(p.name for p in target.parent.iterdir()) == ["media"]  # the old folder deleted
        assert _databases_named(names[0]) == _databases_named(names[1]) == []
    finally:
        for name in names:
            subprocess.run(  # noqa: S603 (dropdb, arguments as a list)
                [str(shutil.which("dropdb")), "--if-exists", name], env=pg_env, check=False, capture_output=True
            )
