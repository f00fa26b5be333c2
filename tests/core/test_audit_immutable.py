"""The audit log cannot be changed or deleted, by the ORM or by SQL, except by audit_maintain (retention and legal
erasure), which leaves its own entry. Runs on SQLite and on PostgreSQL: the triggers are each database's own."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from childprotect.audit.actions import AuditLogAction
from childprotect.audit.models import AuditEntry
from childprotect.audit.services import MASK, REDACTED, audit_maintain, audit_record, retention_cutoff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def _old_entry(actor, years: int, **fields) -> AuditEntry:
    """An entry written `years` ago (insert only: the log takes any time at its writing)."""
    at = timezone.now() - timedelta(days=366 * years)
    return AuditEntry.objects.create(actor=actor, actor_repr=actor.username, action="child.view", at=at, **fields)


def _refused(sql: str, params: list) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- refused outside the procedure ------------------------------------------------------------------------------------


def test_raw_sql_update_and_delete_are_refused_by_the_database(officer_a):
    entry = audit_record(actor=officer_a, action="child.view", object_repr="Trẻ em #1")

    _refused("UPDATE audit_auditentry SET object_repr = %s WHERE id = %s", ["sửa lén", entry.pk])
    _refused("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    _refused("DELETE FROM audit_auditentry", [])

    entry_now = AuditEntry.objects.get(pk=entry.pk)
    assert (entry_now.object_repr, entry_now.action) == ("Trẻ em #1", "child.view")


def test_queryset_update_and_delete_fail_with_words(officer_a):
    entry = audit_record(actor=officer_a, action="child.view")

    with pytest.raises(ValueError, match="không thể sửa"):
        AuditEntry.objects.filter(pk=entry.pk).update(action="child.update")
    with pytest.raises(ValueError, match="không thể xoá"):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(ValueError), transaction.atomic():  # bulk_update's own block is marked for rollback
        AuditEntry.objects.bulk_update([entry], ["action"])

    assert AuditEntry.objects.get(pk=entry.pk).action == "child.view"


def test_the_bypass_left_for_the_procedure_is_still_refused_by_the_database_outside_it(officer_a):
    entry = audit_record(actor=officer_a, action="child.view")

    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).maintenance_delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).maintenance_update(object_repr="x")

    assert AuditEntry.objects.filter(pk=entry.pk, object_repr="").exists()


# --- the procedure: retention -----------------------------------------------------------------------------------------


def test_purge_removes_only_entries_past_retention_and_leaves_one_entry_saying_so(administrator, officer_a):
    old = [_old_entry(officer_a, 25), _old_entry(officer_a, 21)]
    kept = [_old_entry(officer_a, 19), audit_record(actor=officer_a, action="child.view")]

    entry = audit_maintain(actor=administrator, reason="Hết thời hạn lưu trữ", mode="purge")

    assert not AuditEntry.objects.filter(pk__in=[e.pk for e in old]).exists()
    assert AuditEntry.objects.filter(pk__in=[e.pk for e in kept]).count() == 2
    assert entry.action == AuditLogAction.PURGE and entry.actor == administrator
    assert entry.changes["count"] == 2 and entry.changes["reason"] == "Hết thời hạn lưu trữ"
    assert entry.changes["first_at"] == old[0].at.isoformat(timespec="seconds")
    assert entry.changes["retention_years"] == 20
    assert AuditEntry.objects.filter(action=AuditLogAction.PURGE).count() == 1


def test_the_database_refuses_again_right_after_the_procedure_in_the_same_transaction(administrator, officer_a):
    survivor = audit_record(actor=officer_a, action="child.view")
    audit_maintain(actor=administrator, reason="Hết thời hạn lưu trữ", mode="purge")

    _refused("DELETE FROM audit_auditentry WHERE id = %s", [survivor.pk])
    assert AuditEntry.objects.filter(pk=survivor.pk).exists()


def test_purge_refuses_a_date_inside_the_retention_period(administrator, officer_a):
    recent = _old_entry(officer_a, 5)
    with pytest.raises(ValidationError, match="thời hạn lưu trữ"):
        audit_maintain(actor=administrator, reason="dọn", mode="purge", before=timezone.now())
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    assert not AuditEntry.objects.filter(action=AuditLogAction.PURGE).exists()


def test_the_procedure_refuses_without_a_reason_or_an_actor(administrator, officer_a):
    old = _old_entry(officer_a, 30)
    with pytest.raises(ValidationError):
        audit_maintain(actor=administrator, reason="  ", mode="purge")
    with pytest.raises(ValidationError):
        audit_maintain(actor=None, reason="Hết thời hạn", mode="purge")  # type: ignore[arg-type]
    assert AuditEntry.objects.filter(pk=old.pk).exists()


# --- the procedure: legal erasure -------------------------------------------------------------------------------------


def test_redact_blanks_the_subjects_personal_data_and_keeps_who_when_what(administrator, officer_a, make_child):
    child = make_child(officer_a, full_name="Nguyễn Văn An")
    about = audit_record(
        actor=officer_a,
        action="child.update",
        obj=child,
        object_repr="Nguyễn Văn An",
        changes={"full_name": [MASK, MASK], "notes": ["", "ở với bà ngoại"]},
    )
    other = audit_record(actor=officer_a, action="child.view", object_repr="Trẻ em khác")

    entry = audit_maintain(actor=administrator, reason="Quyết định xoá dữ liệu số 12", mode="redact", subject=child)

    about.refresh_from_db()
    assert about.object_repr == REDACTED
    assert about.changes == {"full_name": [MASK, MASK], "notes": ["", REDACTED]}
    assert (about.actor, about.action, about.at) == (officer_a, "child.update", about.at)
    assert AuditEntry.objects.get(pk=other.pk).object_repr == "Trẻ em khác"
    assert entry.action == AuditLogAction.REDACT and entry.object_id == str(child.pk)
    assert entry.changes["count"] >= 1 and "Nguyễn" not in str(entry.changes) + entry.object_repr


# --- the command ------------------------------------------------------------------------------------------------------


def test_the_command_purges_as_the_administrator_and_refuses_others(administrator, officer_a):
    old = _old_entry(officer_a, 30)
    with pytest.raises(CommandError):
        call_command("auditmaintain", actor="officer_a", reason="dọn", stdout=io.StringIO())
    with pytest.raises(CommandError, match="thời hạn lưu trữ"):
        call_command("auditmaintain", actor=administrator.username, reason="dọn", before="2100-01-01")
    assert AuditEntry.objects.filter(pk=old.pk).exists()

    out = io.StringIO()
    call_command("auditmaintain", actor=administrator.username, reason="Hết thời hạn lưu trữ", stdout=out)

    assert "1 mục nhật ký" in out.getvalue()
    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(action=AuditLogAction.PURGE, actor=administrator).count() == 1
    assert retention_cutoff() < timezone.now()


def test_the_command_redacts_one_record(administrator, officer_a, make_child):
    child = make_child(officer_a, full_name="Nguyễn Văn An")
    about = audit_record(actor=officer_a, action="child.view", obj=child, object_repr="Nguyễn Văn An")

    call_command(
        "auditmaintain",
        actor=administrator.username,
        reason="Yêu cầu xoá dữ liệu cá nhân",
        redact=f"cases.child:{child.pk}",
        stdout=io.StringIO(),
    )

    assert AuditEntry.objects.get(pk=about.pk).object_repr == REDACTED
    with pytest.raises(CommandError):
        call_command("auditmaintain", actor=administrator.username, reason="x", redact="cases.nothing:1")


def test_flush_is_the_projects_own_which_lets_sqlite_empty_the_log():
    # The test suite's transactional tests empty the database with flush; on SQLite that is a DELETE the trigger
    # refuses unless the flush marks its transaction (audit/management/commands/flush.py).
    from django.core.management import get_commands

    assert get_commands()["flush"] == "childprotect.audit"
