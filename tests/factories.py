from __future__ import annotations

import factory

from childprotect.accounts.models import Role, User
from childprotect.places.models import AdminUnit
from referrals.models import Agency, AgencyType

PASSWORD = "Mật-khẩu-thử-2026"


def unit(key: str) -> AdminUnit:
    list_version, code = key.split(":")
    if not AdminUnit.objects.filter(list_version=int(list_version)).exists():
        # A transactional test (the real-worker test) flushes the database; the list comes back on demand.
        from childprotect.places.services import units_load_list

        units_load_list(int(list_version), actor=None)
    return AdminUnit.objects.get(list_version=int(list_version), code=code)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Cơ quan thử {n}")
    agency_type = AgencyType.POLICE
    unit = factory.LazyFunction(lambda: unit("2026:14797"))


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Người dùng {n}")
    role = Role.COMMUNE_OFFICER
    unit = factory.LazyFunction(lambda: unit("2026:14797"))
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()
