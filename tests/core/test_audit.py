"""The audit log: entries written by log-ins, services and the Django admin; entries never rewritten."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from childprotect.accounts.models import User
from childprotect.agencies.models import Agency, AgencyType
from childprotect.audit.context import current_ip
from childprotect.audit.models import AuditEntry
from childprotect.audit.services import MASK, audit_diff, audit_record, audit_snapshot

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "sai-mật-khẩu-XYZ-987"


def entry_text(entry: AuditEntry) -> str:
    """Every stored value of an entry, as text, to look for what must never be there."""
    return " ".join(str(getattr(entry, f.attname)) for f in AuditEntry._meta.fields)


# --- audit_record --------------------------------------------------------------------------------------------------


def test_audit_record_stores_actor_action_object_and_ip_from_the_request_context(officer_a, police_agency):
    token = current_ip.set("203.113.131.5")
    try:
        entry = audit_record(
            actor=officer_a, action="agency.update", obj=police_agency, changes={"phone": ["", "0237 3852 123"]}
        )
    finally:
        current_ip.reset(token)
    entry.refresh_from_db()
    assert entry.actor == officer_a
    assert entry.actor_repr == "officer_a"
    assert entry.action == "agency.update"
    assert entry.object_type == ContentType.objects.get_for_model(Agency)
    assert entry.object_id == str(police_agency.pk)
    assert entry.object_repr == "Công an phường Hạc Thành"
    assert entry.ip == "203.113.131.5"
    assert entry.changes == {"phone": ["", "0237 3852 123"]}
    assert entry.at is not None


def test_audit_record_for_the_system_has_no_actor_and_explicit_ip_wins(police_agency):
    token = current_ip.set("203.113.131.5")
    try:
        entry = audit_record(actor=None, action="system.job", obj=None, object_repr="dọn phiên", ip="10.0.0.9")
    finally:
        current_ip.reset(token)
    assert entry.actor is None
    assert entry.actor_repr == ""
    assert entry.object_type is None
    assert entry.object_id == ""
    assert entry.object_repr == "dọn phiên"
    assert entry.ip == "10.0.0.9"
    assert entry.changes == {}


def test_failed_login_writes_login_failed_with_username_and_ip_but_never_the_password(client, officer_a):
    response = client.post(reverse("login"), {"username": "officer_a", "password": WRONG_PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.actor is None
    assert entry.object_repr == "officer_a"
    assert entry.ip == "127.0.0.1"
    assert WRONG_PASSWORD not in entry_text(entry)
    assert "password" not in entry.changes
    assert not AuditEntry.objects.filter(action="auth.login").exists()


def test_failed_login_for_an_unknown_username_is_recorded_too(client, db):
    client.post(reverse("login"), {"username": "không-có-ai", "password": WRONG_PASSWORD})
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.object_repr == "không-có-ai"
    assert WRONG_PASSWORD not in entry_text(entry)


def test_successful_login_writes_login_with_actor_and_ip(client, officer_a):
    response = client.post(reverse("login"), {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == officer_a
    assert entry.actor_repr == "officer_a"
    assert entry.object_type == ContentType.objects.get_for_model(User)
    assert entry.object_id == str(officer_a.pk)
    assert entry.ip == "127.0.0.1"
    assert PASSWORD not in entry_text(entry)
    assert not AuditEntry.objects.filter(action="auth.login_failed").exists()


def test_logout_writes_logout_with_actor(client, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="auth.logout")
    assert entry.actor == officer_a
    assert entry.actor_repr == "officer_a"
    assert entry.ip == "127.0.0.1"


def test_logout_when_not_logged_in_writes_nothing(client, db):
    client.post(reverse("logout"))
    assert not AuditEntry.objects.filter(action="auth.logout").exists()


# --- audit_diff / audit_snapshot -----------------------------------------------------------------------------------


def test_audit_diff_lists_only_changed_fields():
    before = {"name": "A", "phone": "1", "is_active": True}
    after = {"name": "A", "phone": "2", "is_active": False}
    assert audit_diff(before, after) == {"phone": ["1", "2"], "is_active": [True, False]}


def test_audit_diff_masks_protected_fields_both_values():
    before = {"password": "cũ-bí-mật", "phone": "1"}
    after = {"password": "mới-bí-mật", "phone": "1"}
    diff = audit_diff(before, after, masked=["password"])
    assert diff == {"password": [MASK, MASK]}
    assert MASK == "***"
    assert "cũ-bí-mật" not in str(diff)
    assert "mới-bí-mật" not in str(diff)


def test_audit_diff_leaves_out_unchanged_masked_fields_and_handles_added_keys():
    diff = audit_diff({"password": "x"}, {"password": "x", "email": "a@b.vn"}, masked=["password"])
    assert diff == {"email": [None, "a@b.vn"]}


def test_audit_snapshot_stores_foreign_keys_by_id(police_agency):
    snap = audit_snapshot(police_agency, ["name", "unit", "is_active"])
    assert snap == {"name": "Công an phường Hạc Thành", "unit": police_agency.unit_id, "is_active": True}


# --- entries are append-only ---------------------------------------------------------------------------------------


def test_audit_entry_cannot_be_saved_again(officer_a):
    entry = audit_record(actor=officer_a, action="test.action")
    entry.action = "test.rewritten"
    with pytest.raises(ValueError):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_audit_entry_cannot_be_deleted(officer_a):
    entry = audit_record(actor=officer_a, action="test.action")
    with pytest.raises(ValueError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


# --- the Django admin ----------------------------------------------------------------------------------------------


def test_admin_audit_list_is_shown_to_the_administrator(client, administrator, officer_a):
    audit_record(actor=officer_a, action="test.visible", object_repr="mục thử")
    client.force_login(administrator)
    response = client.get(reverse("admin:audit_auditentry_changelist"))
    assert response.status_code == 200
    assert "test.visible" in response.content.decode()


def test_admin_audit_has_no_add_page(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403


def test_admin_audit_entry_cannot_be_changed_or_deleted(client, administrator, officer_a):
    entry = audit_record(actor=officer_a, action="test.action", object_repr="gốc")
    client.force_login(administrator)
    change_url = reverse("admin:audit_auditentry_change", args=[entry.pk])
    assert client.get(change_url).status_code == 200  # read-only view
    assert client.post(change_url, {"action": "sửa", "object_repr": "sửa"}).status_code == 403
    assert client.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert (entry.action, entry.object_repr) == ("test.action", "gốc")
    changelist = client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert reverse("admin:audit_auditentry_add") not in changelist


def test_admin_audit_list_redirects_a_commune_officer_to_admin_login(client, officer_a):
    client.force_login(officer_a)
    url = reverse("admin:audit_auditentry_changelist")
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def save_in_admin(client, user, agency, **changes):
    """The agency's change form in the admin, saved by `user` with `changes` (None leaves a field out)."""
    client.force_login(user)
    data = {
        "name": agency.name,
        "agency_type": AgencyType.POLICE,
        "unit": agency.unit_id,
        "address": "",
        "phone": "",
        "email": "",
        "is_active": "on",
        "_save": "Lưu",
        **changes,
    }
    return client.post(
        reverse("admin:agencies_agency_change", args=[agency.pk]), {k: v for k, v in data.items() if v is not None}
    )


def test_saving_an_agency_in_the_admin_writes_an_update_entry_with_the_diff(client, administrator, police_agency):
    response = save_in_admin(client, administrator, police_agency, phone="0237 3852 123")
    assert response.status_code == 302, response.content.decode()[:2000]
    police_agency.refresh_from_db()
    assert police_agency.phone == "0237 3852 123"
    entry = AuditEntry.objects.get(action="admin.agency.update")
    assert entry.actor == administrator
    assert entry.object_type == ContentType.objects.get_for_model(Agency)
    assert entry.object_id == str(police_agency.pk)
    assert entry.object_repr == "Công an phường Hạc Thành"
    assert entry.changes == {"phone": ["", "0237 3852 123"]}


def test_deactivating_an_agency_in_the_admin_records_old_and_new_boolean(client, administrator, police_agency):
    response = save_in_admin(client, administrator, police_agency, is_active=None)  # the checkbox unticked
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="admin.agency.update")
    assert entry.changes == {"is_active": [True, False]}
