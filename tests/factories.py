from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from factory.declarations import LazyFunction, PostGenerationMethodCall, Sequence
from factory.django import DjangoModelFactory
from factory.helpers import post_generation

from childprotect.accounts.models import Role, User
from childprotect.agencies.models import Agency, AgencyType
from childprotect.places.models import AdminUnit

PASSWORD = "Mật-khẩu-thử-2026"


_M = TypeVar("_M")


class ModelFactory(DjangoModelFactory[_M]):
    """factory_boy's factory for one model; calling it gives the model instance (`UserFactory()` is a User)."""

    class Meta:
        abstract = True

    if TYPE_CHECKING:
        # factory_boy's metaclass returns the model instance from `Factory(...)` but its __call__ is untyped, so
        # mypy would take the call for a constructor of the factory class; this says what the call returns.
        def __new__(cls, *args: Any, **kwargs: Any) -> _M: ...  # type: ignore[misc]


def unit(key: str) -> AdminUnit:
    list_version, code = key.split(":")
    if not AdminUnit.objects.filter(list_version=int(list_version)).exists():
        # A transactional test (the real-worker test) flushes the database; the list comes back on demand.
        from childprotect.places.services import units_load_list

        units_load_list(int(list_version), actor=None)
    return AdminUnit.objects.get(list_version=int(list_version), code=code)


class AgencyFactory(ModelFactory[Agency]):
    class Meta:
        model = Agency

    name = Sequence(lambda n: f"Cơ quan thử {n}")
    agency_type = AgencyType.POLICE
    unit = LazyFunction(lambda: unit("2026:14797"))


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = Sequence(lambda n: f"user{n}")
    full_name = Sequence(lambda n: f"Người dùng {n}")
    role = Role.COMMUNE_OFFICER
    unit = LazyFunction(lambda: unit("2026:14797"))
    password = PostGenerationMethodCall("set_password", PASSWORD)

    @post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        if create:
            obj.save()
