"""NĐ 56/2017 Mẫu số 01, "BÁO CÁO TIẾP NHẬN THÔNG TIN TRẺ EM", as the receiving body prints it
(docs/law.md#the-intake-form).

The form is headed by the body that received the information, "TÊN CƠ QUAN TIẾP NHẬN THÔNG TIN" (1), numbered
"Số: …/BC-(2)" with that body's abbreviation, dated at its place (3), and signed by the officer who received it
("Cán bộ tiếp nhận thông tin"). The report belongs to the commune where the incident happened (Đ26 k1), but a report
the police received is the police's Mẫu 01, not the commune's: the heading follows `report.received_by`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from childprotect.accounts.models import User
from childprotect.accounts.policy import acts_for_agency, can_use_registry, is_system_account
from childprotect.agencies.models import AgencyType
from childprotect.places.models import UnitLevel

from .models import AbuseForm, Child, Report
from .policy import can_see_report_family, can_see_reporter

# Words of a body's name that carry no initial in its abbreviation ("Trạm Y tế phường Hạc Thành" → "TYT").
_PLACE_WORDS = ("xã", "phường", "thị trấn", "đặc khu", "huyện", "quận", "thị xã", "thành phố", "tỉnh")


@dataclass(frozen=True)
class ReceivingBody:
    """Who heads the form: `parent` (cơ quan chủ quản, may be empty) over `name`; `committee`: the name is a
    committee's unit, printed "ỦY BAN NHÂN DÂN" over it (NĐ 30/2020 Phụ lục I)."""

    name: str
    abbreviation: str
    place: str
    parent: str = ""
    committee: bool = False


def initials(name: str) -> str:
    """A body's abbreviation when no setting names one: the initials of its name before the place."""
    words = name.split()
    lowered = name.lower()
    for word in _PLACE_WORDS:
        at = lowered.find(f" {word} ")
        if at > 0:
            words = name[:at].split()
            break
    return "".join(w[0].upper() if not w.isdigit() else w for w in words)


def _abbreviation(key: str, name: str) -> str:
    return settings.CHILDPROTECT_MAU01_ABBREVIATIONS.get(key) or initials(name)


def receiving_body(report: Report) -> ReceivingBody:
    """The body that received the report, from the account that logged it: an API client (Tổng đài 111, a police
    command, a provincial agency) by its name; a partner by their agency (a commune's police under the province's
    police); commune staff by their commune's committee; a supervisor by the provincial agency under the province's
    committee (or the district's committee on a 2024 district); anyone else by the incident commune's committee."""
    from .pdf_views import short_name  # the date line's place, as every form prints it (pdf_views imports this module)

    user: User = report.received_by
    if is_system_account(user):
        client = getattr(user, "api_client", None)
        name = client.name if client is not None else str(user)
        kind = client.kind if client is not None else "other"
        place = short_name(user.unit) if user.unit is not None else ""
        return ReceivingBody(name=name, abbreviation=_abbreviation(f"api:{kind}", name), place=place)
    if acts_for_agency(user) and user.agency is not None:
        agency = user.agency
        parent = ""
        if agency.agency_type == AgencyType.POLICE and agency.unit.level == UnitLevel.COMMUNE:
            province = agency.unit.ancestors()[:1]
            parent = f"Công an {province[0].name}" if province else ""
        return ReceivingBody(
            name=agency.name,
            abbreviation=_abbreviation(f"agency:{agency.agency_type}", agency.name),
            place=short_name(agency.unit),
            parent=parent,
        )
    unit = user.unit if user.unit is not None and not acts_for_agency(user) else report.incident_unit
    if unit.level == UnitLevel.PROVINCE:
        name = settings.CHILDPROTECT_PROVINCE_AGENCY_NAME
        return ReceivingBody(
            name=name,
            abbreviation=_abbreviation("province", name),
            place=short_name(unit),
            parent=f"Ủy ban nhân dân {unit.name}",
        )
    level = "district" if unit.level == UnitLevel.DISTRICT else "commune"
    return ReceivingBody(
        name=unit.name, abbreviation=_abbreviation(level, "Ủy ban nhân dân"), place=short_name(unit), committee=True
    )


def _age_line(child: Child, on: dt.date) -> tuple[str, str]:
    """(date of birth, estimated age) as the form asks: "Ngày tháng năm sinh … hoặc ước lượng tuổi …"."""
    if child.date_of_birth:
        return child.date_of_birth.strftime("%d/%m/%Y"), ""
    years = on.year - child.birth_year  # the age reached in the year of receipt
    age = f"khoảng {years} tuổi" if years >= 1 else "dưới 1 tuổi"
    estimated = " (năm sinh ước tính)" if child.birth_year_estimated else ""
    return "", f"{age}, sinh năm {child.birth_year}{estimated}"


def report_form_context(user: User, report: Report) -> dict[str, Any]:
    """The context of templates/pdf/forms/mau01.html for `user`; the reporter, the children and the family only
    for those who may see them (NĐ 56 Đ33)."""
    from .selectors import cases_visible_to

    body = receiving_body(report)
    received = timezone.localtime(report.received_at)
    show_children = can_use_registry(user)
    cases = {}
    if show_children:
        cases = {c.child_id: str(c) for c in cases_visible_to(user).filter(report=report)}
    children = [(child, cases.get(child.pk, ""), *_age_line(child, received.date())) for child in report.children.all()]
    forms_recorded = {a.form for a in report.abuse_forms.all()}
    received_by_person = not is_system_account(report.received_by)
    return {
        "form_number": "01",
        "doc_ref": report.reference,
        "report": report,
        "body": body,
        "issuer_name": body.name,
        "issuer_parent": body.parent,
        "issuer_standalone": not body.committee and not body.parent,
        "number_suffix": f"BC-{body.abbreviation}",
        "place": body.place or "……",  # a body with no place of its own (a national client): for the clerk
        "date": received.date(),
        "received": received,
        "show_reporter": can_see_reporter(user, report),
        "show_children": show_children,
        "show_family": can_see_report_family(user, report),
        "children": children,
        "children_count": len(children),
        "abuse_forms": [label for code, label in AbuseForm.choices if code in forms_recorded],  # the law's order
        "perpetrators": list(report.perpetrators.all()),
        "incident_unit_line": ", ".join(
            u.name for u in [report.incident_unit, *reversed(report.incident_unit.ancestors())]
        ),
        # The officer who received it signs; a system's report is signed by hand by whoever prints it.
        "signer_name": str(report.received_by) if received_by_person else "",
    }
