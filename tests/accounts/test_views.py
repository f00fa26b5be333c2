"""Login, logout, password change, home pages per role, and the outsider (anonymous) test for every view."""

from __future__ import annotations

import pytest
from django.urls import reverse

from childprotect.audit.models import AuditEntry
from tests.factories import PASSWORD

LOGIN_REQUIRED = [
    ("home", ()),
    ("profile", ()),
    ("password_change", ()),
    ("password_change_done", ()),
    ("places:list", ()),
    ("places:search_json", ()),
]


@pytest.mark.parametrize(("name", "args"), LOGIN_REQUIRED)
@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login_from_a_unit_page(client, commune_a):
    url = reverse("places:detail", args=[commune_a.pk])
    assert client.get(url)["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.django_db
def test_login_page_is_in_vietnamese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "vi"
    content = response.content.decode()
    assert "Đăng nhập" in content and "Mật khẩu" in content and 'lang="vi"' in content


@pytest.mark.django_db
def test_login_with_a_wrong_password_says_so_in_vietnamese(client, officer_a):
    response = client.post(reverse("login"), {"username": "officer_a", "password": "sai-mật-khẩu"})
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_login_then_logout(client, officer_a):
    response = client.post(reverse("login"), {"username": "officer_a", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.django_db
def test_password_change_keeps_the_user_logged_in_and_is_audited_as_a_login(client, officer_a):
    client.force_login(officer_a)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Mật-khẩu-mới-2027", "new_password2": "Mật-khẩu-mới-2027"},
    )
    assert response.status_code == 302
    officer_a.refresh_from_db()
    assert officer_a.check_password("Mật-khẩu-mới-2027")


@pytest.mark.django_db
def test_password_change_refuses_a_weak_password_in_vietnamese(client, officer_a):
    client.force_login(officer_a)
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Mật khẩu này quá ngắn" in content or "quá phổ biến" in content
    officer_a.refresh_from_db()
    assert officer_a.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("officer_a", ["Nguyễn Thị Hoà", "Phường Hạc Thành", "Đánh giá nguy cơ ban đầu (Mẫu 02)"]),
        ("chair_a", ["Lê Văn Thắng", "Chủ tịch / Phó Chủ tịch UBND phường"]),
        ("officer_b", ["Trần Thị Thuỷ", "Phường Hàm Rồng"]),
        ("supervisor", ["Phạm Minh Đức", "Tỉnh Thanh Hóa", "xã, phường, đặc khu trong địa bàn giám sát"]),
        ("police", ["Hoàng Văn Cường", "Công an phường Hạc Thành", "chuyển đến cơ quan của mình"]),
        ("admin", ["Quản trị hệ thống", "Ngày nghỉ lễ, Tết và ngày làm bù"]),
    ],
)
@pytest.mark.django_db
def test_each_role_has_its_home_page(client, cast, who, expected):
    client.force_login(cast[who])
    content = client.get(reverse("home")).content.decode()
    for text in expected:
        assert text in content


@pytest.mark.django_db
def test_supervisor_home_counts_the_communes_of_the_province(client, supervisor, province):
    client.force_login(supervisor)
    response = client.get(reverse("home"))
    assert response.context["communes_count"] == province.children.count() == 166


@pytest.mark.django_db
def test_only_staff_see_the_admin_link(client, officer_a, administrator):
    client.force_login(officer_a)
    assert reverse("admin:index") not in client.get(reverse("home")).content.decode()
    client.force_login(administrator)
    assert reverse("admin:index") in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_profile_shows_the_jurisdiction(client, officer_a):
    client.force_login(officer_a)
    content = client.get(reverse("profile")).content.decode()
    assert "Phường Hạc Thành, Tỉnh Thanh Hóa" in content and "2026:14797" in content


@pytest.mark.django_db
def test_english_is_available(client, officer_a):
    client.force_login(officer_a)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302
    content = client.get(reverse("home")).content.decode()
    assert "Log out" in content and ">Referrals<" in content
    assert "Đăng xuất" not in content


@pytest.mark.django_db
def test_an_english_browser_still_gets_vietnamese_until_the_user_switches(client, officer_a):
    client.force_login(officer_a)
    content = client.get(reverse("home"), headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert "Đăng xuất" in content and "Log out" not in content


@pytest.mark.django_db
def test_every_login_is_recorded(client, officer_a):
    client.post(reverse("login"), {"username": "officer_a", "password": PASSWORD})
    assert AuditEntry.objects.filter(action="auth.login", actor=officer_a).count() == 1
