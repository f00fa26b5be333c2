"""A small hand-made crosswalk for the tests (not the official data): a few real 2024 wards of Thành phố Thanh Hóa,
taken over whole by commune A (Phường Hạc Thành) and commune B (Phường Hàm Rồng), and one ward made up as split
between the two, for the path a person decides. Only the 2024 units named here are created (the whole 2024 list
takes seconds to load)."""

from __future__ import annotations

from dataclasses import dataclass

from cases.models import Case, Child, Report
from childprotect.places.models import AdminUnit, SuccessionKind, UnitLevel, UnitSuccession
from tests.factories import unit

from .places import COMMUNE_A, COMMUNE_B

SOURCE = "tests: hand-made"


@dataclass(frozen=True)
class Crosswalk:
    province: AdminUnit  # 2024:38 Tỉnh Thanh Hóa
    district: AdminUnit  # 2024:380 Thành phố Thanh Hóa
    dien_bien: AdminUnit  # whole → commune A
    lam_son: AdminUnit  # whole → commune A
    nam_ngan: AdminUnit  # whole → commune B
    dong_cuong: AdminUnit  # split between commune A and commune B (made up)


def old_units() -> Crosswalk:
    """The 2024 units of the crosswalk, without its lines (records can be filed under them before it is loaded)."""
    province = AdminUnit.objects.create(
        list_version=2024, code="38", name="Tỉnh Thanh Hóa", unit_type="Tỉnh", level=UnitLevel.PROVINCE
    )
    district = AdminUnit.objects.create(
        list_version=2024,
        code="380",
        name="Thành phố Thanh Hóa",
        unit_type="Thành phố",
        level=UnitLevel.DISTRICT,
        parent=province,
    )

    def ward(code: str, name: str) -> AdminUnit:
        return AdminUnit.objects.create(
            list_version=2024, code=code, name=name, unit_type="Phường", level=UnitLevel.COMMUNE, parent=district
        )

    return Crosswalk(
        province,
        district,
        ward("14767", "Phường Điện Biên"),
        ward("14773", "Phường Lam Sơn"),
        ward("14761", "Phường Nam Ngạn"),
        ward("14791", "Phường Đông Cương"),
    )


def link(xw: Crosswalk) -> None:
    """Load the crosswalk's lines."""
    a, b = unit(COMMUNE_A), unit(COMMUNE_B)
    whole, part = SuccessionKind.WHOLE, SuccessionKind.PART
    for old, new, kind in (
        (xw.dien_bien, a, whole),
        (xw.lam_son, a, whole),
        (xw.nam_ngan, b, whole),
        (xw.dong_cuong, a, part),
        (xw.dong_cuong, b, part),
    ):
        UnitSuccession.objects.create(old=old, new=new, kind=kind, source=SOURCE)


def crosswalk() -> Crosswalk:
    """The 2024 units and the lines."""
    xw = old_units()
    link(xw)
    return xw


def file_under(case: Case, old: AdminUnit) -> Case:
    """Put a case, its report and its child under an old unit, as records filed before the reform are."""
    Case.objects.filter(pk=case.pk).update(unit=old)
    Report.objects.filter(pk=case.report_id).update(incident_unit=old)
    Child.objects.filter(pk=case.child_id).update(residence_unit=old)
    case.refresh_from_db()
    return case
