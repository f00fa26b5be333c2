"""The fixed cast of users (docs/architecture.md#tests), on the real 2026 list loaded once per test database.

Commune A is Phường Hạc Thành (2026:14797), commune B Phường Hàm Rồng (2026:14758), both in Tỉnh Thanh Hóa (2026:38)
(tests/support/places.py). The shared fixtures (the frozen clock, in-process Celery, the builders) come from
tests/support/fixtures.py, loaded here for the whole suite: pytest reads `pytest_plugins` only in the root conftest.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from childprotect.accounts.models import Role
from childprotect.agencies.models import AgencyType
from childprotect.places.services import units_load_list

from .factories import AgencyFactory, UserFactory, unit
from .support.places import COMMUNE_A, COMMUNE_B, OTHER_PROVINCE_COMMUNE, PROVINCE

pytest_plugins = [
    "tests.support.fixtures",
    "tests.support.api",
    "tests.support.webhooks",
    "tests.support.fake_zalo",
    "tests.support.fake_sms",
    "tests.support.deliveries",
    "tests.support.channels",
    "tests.support.logs",
    "tests.support.sentry_server",
]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        units_load_list(2026, actor=None)


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache: what is kept there under a unit (the home page's charts) would otherwise
    be found by the next test, whose units have the same ids (loaded once per test database)."""
    cache.clear()


@pytest.fixture
def commune_a(db):
    return unit(COMMUNE_A)


@pytest.fixture
def commune_b(db):
    return unit(COMMUNE_B)


@pytest.fixture
def province(db):
    return unit(PROVINCE)


@pytest.fixture
def officer_a(commune_a):
    return UserFactory(username="officer_a", full_name="Nguyễn Thị Hoà", role=Role.COMMUNE_OFFICER, unit=commune_a)


@pytest.fixture
def officer_b(commune_b):
    return UserFactory(username="officer_b", full_name="Trần Thị Thuỷ", role=Role.COMMUNE_OFFICER, unit=commune_b)


@pytest.fixture
def chair_a(commune_a):
    return UserFactory(username="chair_a", full_name="Lê Văn Thắng", role=Role.COMMUNE_CHAIR, unit=commune_a)


@pytest.fixture
def supervisor(province):
    return UserFactory(username="supervisor", full_name="Phạm Minh Đức", role=Role.SUPERVISOR, unit=province)


@pytest.fixture
def chair_b(commune_b):
    return UserFactory(username="chair_b", full_name="Vũ Văn Bình", role=Role.COMMUNE_CHAIR, unit=commune_b)


@pytest.fixture
def commune_x(db):
    """The other province's commune (Phường Ba Đình, Hà Nội): outside the reach of commune A, B and their province."""
    return unit(OTHER_PROVINCE_COMMUNE)


@pytest.fixture
def officer_x(commune_x):
    return UserFactory(username="officer_x", full_name="Bùi Thị Hằng", role=Role.COMMUNE_OFFICER, unit=commune_x)


@pytest.fixture
def supervisor_x(commune_x):
    return UserFactory(username="supervisor_x", full_name="Đặng Văn Quân", role=Role.SUPERVISOR, unit=commune_x.parent)


@pytest.fixture
def police_agency(commune_a):
    return AgencyFactory(name="Công an phường Hạc Thành", agency_type=AgencyType.POLICE, unit=commune_a)


@pytest.fixture
def police(police_agency):
    return UserFactory(
        username="police", full_name="Hoàng Văn Cường", role=Role.PARTNER, unit=police_agency.unit, agency=police_agency
    )


@pytest.fixture
def administrator(db):
    return UserFactory(
        username="admin", full_name="Quản trị hệ thống", role=Role.ADMIN, unit=None, is_staff=True, is_superuser=True
    )


@pytest.fixture
def cast(officer_a, officer_b, chair_a, supervisor, police, administrator):
    return {
        "officer_a": officer_a,
        "officer_b": officer_b,
        "chair_a": chair_a,
        "supervisor": supervisor,
        "police": police,
        "admin": administrator,
    }
