from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from childprotect.accounts.models import Role, User
from childprotect.audit.models import AuditEntry

GOOD_PASSWORD = "Bảo-vệ-trẻ-em-2026"


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("CHILDPROTECT_PASSWORD", GOOD_PASSWORD)
    return GOOD_PASSWORD


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("createaccount", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_creates_an_officer_anchored_to_a_commune_and_audits_it(password, commune_a):
    out = run("canbo_hacthanh", "--role", "commune_officer", "--unit", "2026:14797", "--full-name", "Vũ Thị Ngọc Ánh")
    assert "Đã tạo tài khoản canbo_hacthanh" in out
    user = User.objects.get(username="canbo_hacthanh")
    assert (user.role, user.unit, user.full_name) == (Role.COMMUNE_OFFICER, commune_a, "Vũ Thị Ngọc Ánh")
    assert user.check_password(password)
    assert not user.is_staff
    entry = AuditEntry.objects.get(action="account.create", object_id=str(user.pk))
    assert entry.changes["password"] == ["***", "***"]
    assert password not in str(entry.changes)


@pytest.mark.django_db
def test_running_it_twice_changes_nothing(password, commune_a):
    args = ("canbo_hacthanh", "--role", "commune_officer", "--unit", "2026:14797", "--full-name", "Vũ Thị Ánh")
    run(*args)
    entries = AuditEntry.objects.count()
    user = User.objects.get(username="canbo_hacthanh")
    assert "Không thay đổi tài khoản canbo_hacthanh" in run(*args)
    assert AuditEntry.objects.count() == entries
    assert User.objects.get(username="canbo_hacthanh").password == user.password


@pytest.mark.django_db
def test_running_it_with_a_new_unit_updates_and_audits_the_change(password, commune_a, commune_b):
    run("canbo", "--role", "commune_officer", "--unit", "2026:14797")
    assert "Đã cập nhật" in run("canbo", "--role", "commune_officer", "--unit", "2026:14758")
    entry = AuditEntry.objects.filter(action="account.update").latest("id")
    assert entry.changes == {"unit": [commune_a.pk, commune_b.pk]}


@pytest.mark.django_db
def test_provisioning_again_does_not_reactivate_a_deactivated_account(password, commune_a):
    run("canbo", "--role", "commune_officer", "--unit", "2026:14797")
    User.objects.filter(username="canbo").update(is_active=False)
    assert "Không thay đổi" in run("canbo", "--role", "commune_officer", "--unit", "2026:14797")
    assert not User.objects.get(username="canbo").is_active


@pytest.mark.django_db
def test_supervisor_partner_and_admin(password, province, police_agency):
    run("giamsat", "--role", "supervisor", "--unit", "2026:38")
    run("congan", "--role", "partner", "--agency", "cong an phuong hac thanh")  # accents ignored
    run("quantri", "--role", "admin")
    assert User.objects.get(username="giamsat").unit == province
    partner = User.objects.get(username="congan")
    assert (partner.agency, partner.unit) == (police_agency, police_agency.unit)
    admin = User.objects.get(username="quantri")
    assert admin.is_staff and admin.is_superuser and admin.unit is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("x", "--role", "mayor", "--unit", "2026:14797"), "Vai trò 'mayor' không hợp lệ"),
        (("x", "--role", "commune_officer", "--unit", "2026:99999"), "Không có đơn vị mã 99999 trong danh mục 2026"),
        (("x", "--role", "commune_officer", "--unit", "14797"), "phải viết dạng DANHMỤC:MÃ"),
        (("x", "--role", "commune_officer"), "cần một đơn vị"),
        (("x", "--role", "commune_officer", "--unit", "2026:38"), "phải gắn với đơn vị cấp xã"),
        (("x", "--role", "supervisor", "--unit", "2026:14797"), "phải gắn với đơn vị cấp tỉnh"),
        (("x", "--role", "partner"), "phải thuộc một cơ quan"),
        (("x", "--role", "partner", "--agency", "Công an vũ trụ"), "Không có cơ quan tên 'Công an vũ trụ'"),
    ],
)
@pytest.mark.django_db
def test_refuses_bad_arguments_with_a_clear_message_and_creates_nothing(password, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_a_new_account_needs_a_password_from_the_environment(monkeypatch, commune_a):
    monkeypatch.delenv("CHILDPROTECT_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="CHILDPROTECT_PASSWORD"):
        run("x", "--role", "commune_officer", "--unit", "2026:14797")


@pytest.mark.django_db
def test_a_weak_password_is_refused(monkeypatch, commune_a):
    monkeypatch.setenv("CHILDPROTECT_PASSWORD", "12345678")
    with pytest.raises(CommandError):
        run("x", "--role", "commune_officer", "--unit", "2026:14797")
    assert not User.objects.filter(username="x").exists()


@pytest.mark.django_db
def test_createsuperuser_makes_an_administrator(db):
    User.objects.create_superuser("root", "root@example.vn", GOOD_PASSWORD)
    assert User.objects.get(username="root").role == Role.ADMIN


@pytest.mark.django_db
def test_admin_form_applies_the_role_rules(client, administrator, province):
    from django.urls import reverse

    client.force_login(administrator)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "sai_cap",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
            "usable_password": "true",
            "full_name": "Sai Cấp",
            "role": "commune_officer",
            "unit": province.pk,
        },
    )
    assert response.status_code == 200
    assert "phải gắn với đơn vị cấp xã" in response.content.decode()
    assert not User.objects.filter(username="sai_cap").exists()
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "dung_cap",
            "password1": GOOD_PASSWORD,
            "password2": GOOD_PASSWORD,
            "usable_password": "true",
            "full_name": "Đúng Cấp",
            "role": "supervisor",
            "unit": province.pk,
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="dung_cap")
    assert AuditEntry.objects.filter(action="admin.user.create", object_id=str(created.pk)).exists()
