"""Who may change whose account: one rule, `account_manageable_by`, on every path that writes an
account (the import, account_ensure, the Django admin); createaccount is the operator's tool and keeps full rights.

A supervisor manages the commune staff of their area and the partners of agencies serving it, nothing else: never an
administrator, another supervisor, or an account outside their area; and an import never changes the password of an
account that exists already (not even an administrator's import: the person changes it, or an administrator resets it
by hand in the admin)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from childprotect.accounts.models import Role, User
from childprotect.accounts.selectors import account_manageable_by
from childprotect.accounts.services import account_ensure
from childprotect.audit.models import AuditEntry
from childprotect.core.models import ImportStatus
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "\ufeffTên đăng nhập,Họ và tên,Vai trò,Đơn vị,Cơ quan,Mật khẩu\n"
NEW_PASSWORD = "Chiem-quyen-2026!"


def accounts_csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def snapshot(user: User) -> tuple:
    user.refresh_from_db()
    return (user.role, user.unit_id, user.agency_id, user.full_name, user.is_staff, user.is_superuser, user.password)


@pytest.fixture
def other_supervisor(province):
    return UserFactory(username="giamsat_2", role=Role.SUPERVISOR, unit=province)


# --- the rule ------------------------------------------------------------------------------------------------------


def test_the_rule(cast, other_supervisor, officer_x):
    supervisor, admin = cast["supervisor"], cast["admin"]
    assert account_manageable_by(supervisor, cast["officer_a"])
    assert account_manageable_by(supervisor, cast["chair_a"])
    assert account_manageable_by(supervisor, cast["police"])  # the agency serves a commune of the province
    assert not account_manageable_by(supervisor, admin)  # above
    assert not account_manageable_by(supervisor, other_supervisor)  # beside
    assert not account_manageable_by(supervisor, supervisor)  # their own role and unit: not by import
    assert not account_manageable_by(supervisor, officer_x)  # outside the area
    for person in ("officer_a", "chair_a", "police"):
        assert not account_manageable_by(cast[person], cast["officer_b"])
    assert all(account_manageable_by(admin, u) for u in [*cast.values(), other_supervisor, officer_x])
    assert account_manageable_by(None, admin)  # createaccount, loaddemo: the operator's own commands
    # A commune officer given admin access by mistake is above a supervisor all the same.
    staff = UserFactory(role=Role.COMMUNE_OFFICER, unit=cast["officer_a"].unit, is_staff=True)
    assert not account_manageable_by(supervisor, staff)


# --- the import ----------------------------------------------------------------------------------------------------


def test_a_supervisor_cannot_take_over_an_administrator_by_import(
    import_upload, import_confirm, supervisor, administrator
):
    before = snapshot(administrator)
    job = import_upload(
        supervisor,
        accounts_csv(f"admin,Kẻ chiếm quyền,Cán bộ xã,2026:14797,,{NEW_PASSWORD}"),
        "tai-khoan.csv",
        "accounts",
    )
    assert job.status == ImportStatus.REFUSED
    assert job.plan["update"] == 0
    (row, message), *_ = job.plan["errors"]
    assert row == 2 and "không quản lý được" in message
    assert snapshot(administrator) == before
    assert not administrator.check_password(NEW_PASSWORD)
    assert not AuditEntry.objects.filter(action="account.update").exists()


def test_a_supervisor_cannot_change_another_supervisor_or_an_account_outside_the_area(
    import_upload, supervisor, other_supervisor, officer_x
):
    before = snapshot(other_supervisor), snapshot(officer_x)
    job = import_upload(
        supervisor,
        accounts_csv("giamsat_2,Người khác,Cán bộ xã,2026:14797,,", "officer_x,Người khác,Cán bộ xã,2026:14797,,"),
        "tai-khoan.csv",
        "accounts",
    )
    assert job.status == ImportStatus.REFUSED
    assert [row for row, _ in job.plan["errors"]] == [2, 3]
    assert all("không quản lý được" in message for _, message in job.plan["errors"])
    assert (snapshot(other_supervisor), snapshot(officer_x)) == before


@pytest.mark.parametrize("importer", ["supervisor", "admin"])
def test_an_import_never_changes_the_password_of_an_existing_account(import_upload, cast, importer):
    officer = cast["officer_a"]
    before = snapshot(officer)
    job = import_upload(
        cast[importer],
        accounts_csv(f"officer_a,{officer.full_name},Cán bộ xã,2026:14797,,{NEW_PASSWORD}"),
        "tai-khoan.csv",
        "accounts",
    )
    assert job.status == ImportStatus.REFUSED
    (row, message), *_ = job.plan["errors"]
    assert row == 2 and "không đổi mật khẩu" in message
    assert snapshot(officer) == before
    assert officer.check_password(PASSWORD)


def test_a_supervisor_still_updates_the_staff_of_the_area_without_a_password(
    import_upload, import_confirm, supervisor, officer_a
):
    job = import_confirm(
        import_upload(
            supervisor, accounts_csv("officer_a,Nguyễn Thị Hoà Bình,Cán bộ xã,2026:14797,,"), "tk.csv", "accounts"
        )
    )
    assert job.status == ImportStatus.DONE, job.plan
    officer_a.refresh_from_db()
    assert officer_a.full_name == "Nguyễn Thị Hoà Bình"
    assert officer_a.check_password(PASSWORD)


# --- the service and the admin ---------------------------------------------------------------------------------------


def test_account_ensure_refuses_what_the_actor_could_not_do_by_hand(supervisor, administrator, officer_a, commune_a):
    before = snapshot(administrator)
    with pytest.raises(ValidationError, match="không quản lý được"):
        account_ensure(actor=supervisor, username="admin", role=Role.COMMUNE_OFFICER, unit=commune_a)
    with pytest.raises(ValidationError, match="không quản lý được"):  # promote an officer above the supervisor
        account_ensure(actor=supervisor, username="officer_a", role=Role.ADMIN)
    with pytest.raises(ValidationError, match="không đổi mật khẩu"):
        account_ensure(
            actor=administrator,
            username="officer_a",
            role=Role.COMMUNE_OFFICER,
            unit=commune_a,
            password=NEW_PASSWORD,
        )
    assert snapshot(administrator) == before
    assert officer_a.check_password(PASSWORD) and User.objects.get(pk=officer_a.pk).role == Role.COMMUNE_OFFICER


def test_createaccount_keeps_full_rights(administrator, commune_a, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("CHILDPROTECT_PASSWORD", NEW_PASSWORD)
    call_command("createaccount", "admin", "--role", "admin", "--full-name", "Quản trị mới")
    administrator.refresh_from_db()
    assert administrator.check_password(NEW_PASSWORD)


def test_the_admin_refuses_a_staff_supervisor_the_administrators_account(client, province, administrator, officer_a):
    from django.contrib.auth.models import Permission

    staff = UserFactory(username="giamsat_staff", role=Role.SUPERVISOR, unit=province, is_staff=True)
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="accounts"))
    client.force_login(staff)
    url = reverse("admin:accounts_user_change", args=[administrator.pk])
    assert client.get(url).status_code in (302, 403)
    response = client.post(url, {"username": "admin", "role": Role.COMMUNE_OFFICER, "unit": officer_a.unit_id})
    assert response.status_code in (302, 403)
    administrator.refresh_from_db()
    assert administrator.role == Role.ADMIN
    # The officer of the area is theirs to edit, but not to make an administrator of.
    page = reverse("admin:accounts_user_change", args=[officer_a.pk])
    assert client.get(page).status_code == 200
    response = client.post(
        page,
        {
            "username": "officer_a",
            "role": Role.ADMIN,
            "full_name": "x",
            "date_joined_0": "01/01/2026",
            "date_joined_1": "00:00:00",
        },
    )
    assert "không quản lý được" in response.content.decode()
    officer_a.refresh_from_db()
    assert officer_a.role == Role.COMMUNE_OFFICER
