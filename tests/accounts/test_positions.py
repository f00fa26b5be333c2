"""The account's position (chức vụ): imported from an optional "Chức vụ" column in Vietnamese (checked against the
role and unit, nothing imported when a row is wrong), refused on an officer by every path, set by createaccount, shown
as the person's title where roles are shown."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.urls import reverse

from childprotect.accounts.models import Position, Role, User
from childprotect.audit.models import AuditEntry
from childprotect.core.models import ImportStatus
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

HEADER = "\ufeffTên đăng nhập,Họ và tên,Vai trò,Đơn vị,Mật khẩu,Chức vụ\n"


def accounts_csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def test_the_position_column_maps_vietnamese_titles(import_upload, import_confirm, administrator):
    content = accounts_csv(
        f"ct_a,Lê Văn Chủ,Chủ tịch xã,2026:14797,{PASSWORD},Chủ tịch",
        f"pct_a,Đinh Thị Phó,Chủ tịch xã,2026:14797,{PASSWORD},Phó Chủ tịch UBND phường",
        f"gd_t,Nguyễn Văn Trưởng,Giám sát,2026:38,{PASSWORD},Giám đốc Sở Y tế",
        f"pgd_t,Trần Thị Phó,Giám sát,2026:38,{PASSWORD},phó giám đốc",
        f"cv_t,Phạm Văn Viên,Giám sát,2026:38,{PASSWORD},Chuyên viên",
        f"cb_a,Hoàng Thị Cán,Cán bộ xã,2026:14797,{PASSWORD},",
    )
    job = import_confirm(import_upload(administrator, content, "tai-khoan.csv", "accounts"))
    assert job.status == ImportStatus.DONE, job.plan
    positions = dict(
        User.objects.filter(username__in=["ct_a", "pct_a", "gd_t", "pgd_t", "cv_t", "cb_a"]).values_list(
            "username", "position"
        )
    )
    assert positions == {
        "ct_a": Position.HEAD,
        "pct_a": Position.DEPUTY,
        "gd_t": Position.HEAD,
        "pgd_t": Position.DEPUTY,
        "cv_t": Position.STAFF,
        "cb_a": "",
    }
    entry = AuditEntry.objects.get(action="account.create", object_id=str(User.objects.get(username="pct_a").pk))
    assert "position" in entry.changes


def test_an_empty_position_keeps_the_recorded_one_and_a_new_one_updates_it(
    import_upload, import_confirm, administrator, province
):
    head = UserFactory(
        username="gd_t", full_name="Nguyễn Văn Trưởng", role=Role.SUPERVISOR, unit=province, position=Position.HEAD
    )
    job = import_confirm(
        import_upload(
            administrator, accounts_csv("gd_t,Nguyễn Văn Trưởng,Giám sát,2026:38,,"), "tai-khoan.csv", "accounts"
        )
    )
    assert job.status == ImportStatus.DONE and job.plan["skip"] == 1
    head.refresh_from_db()
    assert head.position == Position.HEAD
    job = import_confirm(
        import_upload(
            administrator,
            accounts_csv("gd_t,Nguyễn Văn Trưởng,Giám sát,2026:38,,Phó Giám đốc"),
            "tai-khoan.csv",
            "accounts",
        )
    )
    assert job.status == ImportStatus.DONE and job.plan["update"] == 1
    head.refresh_from_db()
    assert head.position == Position.DEPUTY


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            f"x1,Người Một,Chủ tịch xã,2026:14797,{PASSWORD},Thủ quỹ",
            "Chức vụ “Thủ quỹ” không hợp lệ; ghi một trong: Chủ tịch",
        ),
        (
            f"x2,Người Hai,Chủ tịch xã,2026:14797,{PASSWORD},Giám đốc",
            "Chức vụ “Giám đốc” chỉ ghi cho cán bộ giám sát cấp tỉnh",
        ),
        (
            f"x3,Người Ba,Giám sát,2026:38,{PASSWORD},Phó Chủ tịch",
            "Chức vụ “Phó Chủ tịch” chỉ ghi cho tài khoản Chủ tịch",
        ),
        (f"x4,Người Bốn,Giám sát,2026:38,{PASSWORD},Trưởng phòng", "chỉ ghi cho cán bộ giám sát cấp huyện"),
        (f"x5,Người Năm,Cán bộ xã,2026:14797,{PASSWORD},Cấp phó", "mới ghi chức vụ cấp trưởng hoặc cấp phó"),
    ],
)
def test_a_bad_position_is_named_in_vietnamese_and_nothing_is_imported(import_upload, administrator, row, message):
    good = f"ok_1,Người Tốt,Chủ tịch xã,2026:14797,{PASSWORD},Chủ tịch"
    before = User.objects.count()
    job = import_upload(administrator, accounts_csv(good, row), "tai-khoan.csv", "accounts")
    assert job.status == ImportStatus.REFUSED
    assert [n for n, _text in job.plan["errors"]] == [3]
    assert message in job.plan["errors"][0][1], job.plan["errors"]
    assert User.objects.count() == before  # the good row is not imported either


def test_the_admin_refuses_a_head_position_on_an_officer(client, administrator, officer_a):
    client.force_login(administrator)
    url = reverse("admin:accounts_user_change", args=[officer_a.pk])
    page = client.get(url)
    assert 'name="position"' in page.content.decode()
    form = page.context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups", "user_permissions")
    }
    data.update(
        {
            "position": Position.HEAD,
            "unit": officer_a.unit_id,
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "01/01/2026",
            "date_joined_1": "08:00:00",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 200
    assert "mới ghi chức vụ cấp trưởng hoặc cấp phó" in response.content.decode()
    officer_a.refresh_from_db()
    assert officer_a.position == ""


def test_createaccount_sets_the_position(db, commune_a):
    os.environ["CHILDPROTECT_PASSWORD"] = PASSWORD
    try:
        call_command(
            "createaccount",
            "pct_ml",
            "--role",
            "commune_chair",
            "--unit",
            "2026:14797",
            "--full-name",
            "Đinh Thị Phó",
            "--position",
            "deputy",
        )
    finally:
        del os.environ["CHILDPROTECT_PASSWORD"]
    assert User.objects.get(username="pct_ml").position == Position.DEPUTY


def test_the_role_label_says_the_recorded_title(chair_a, supervisor):
    chair_a.position = Position.DEPUTY
    assert chair_a.role_label == "Phó Chủ tịch UBND phường"
    chair_a.position = Position.HEAD
    assert chair_a.role_label == "Chủ tịch UBND phường"
    chair_a.position = Position.STAFF
    assert chair_a.role_label == "Chủ tịch / Phó Chủ tịch UBND phường"
    supervisor.position = Position.DEPUTY
    assert supervisor.role_label == "Phó Giám đốc Sở Y tế"
    supervisor.position = Position.STAFF
    assert supervisor.role_label == "Cán bộ giám sát cấp tỉnh"


def test_the_profile_and_home_page_show_the_position(client, chair_a):
    chair_a.position = Position.DEPUTY
    chair_a.save()
    client.force_login(chair_a)
    profile = client.get(reverse("profile")).content.decode()
    assert "Phó Chủ tịch UBND phường" in profile and "Cấp phó (Phó Chủ tịch, Phó Giám đốc, Phó Trưởng phòng)" in profile
    assert "Phó Chủ tịch UBND phường" in client.get(reverse("home")).content.decode()
