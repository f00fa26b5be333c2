"""Who signs a periodic report (NĐ 30/2020/NĐ-CP Điều 13, docs/law.md#who-signs-a-periodic-report).

A commune's report is the people's committee's: the chair signs it "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH", a vice-chair
"TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"; it is the chair account that sends it, so the sender signs, by
the position recorded on their account. A district's or province's report is its agency's (Phòng, Sở): its head
signs ("GIÁM ĐỐC"), or a deputy for the head ("KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"). The supervisor who sends it is often
staff, so the sender names the signer among the unit's supervisors recorded as head or deputy; nobody named (or a
sender whose position is not recorded, on a commune) leaves the name blank under the head's title, for the paper
signature. Never a staff member's name under the head's title.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils.translation import gettext as _

from childprotect.accounts.models import Position, Role, User
from childprotect.accounts.policy import CHAIRS
from childprotect.accounts.signatures import position_title, unit_issuer
from childprotect.places.models import AdminUnit, UnitLevel

from .models import PeriodicReport

SIGNING = (Position.HEAD, Position.DEPUTY)


def chooses_signer(unit: AdminUnit) -> bool:
    """Whether the sender of the unit's report names who signs it (a district's or province's agency)."""
    return unit.level != UnitLevel.COMMUNE


def report_signers(unit: AdminUnit) -> QuerySet[User, Any]:
    """Who may sign the report of a district or province: the unit's active supervisors recorded as the head or a
    deputy of its agency; the head first."""
    head_first = Case(When(position=Position.HEAD, then=Value(0)), default=Value(1), output_field=IntegerField())
    return (
        User.objects.filter(is_active=True, role=Role.SUPERVISOR, unit=unit, position__in=SIGNING)
        .select_related("unit")
        .order_by(head_first, "full_name", "pk")
    )


def signer_choices(unit: AdminUnit) -> list[tuple[str, str]]:
    """The submit form's choices: nobody (signed on paper), then each possible signer with their title."""
    nobody = _("Chưa chọn: để trống họ tên, ký trên bản giấy (%(title)s)") % {"title": unit_issuer(unit).head_title}
    return [("", nobody)] + [(str(u.pk), f"{u} – {position_title(u)}") for u in report_signers(unit)]


def signer_for(report: PeriodicReport, actor: User, chosen: Any) -> tuple[User | None, str]:
    """The signer of `report` sent by `actor` and the position they sign in; `chosen` the signer the sender named
    (a user's id or empty). A ValidationError on "signer" when the one named may not sign it."""
    unit = report.unit
    if not chooses_signer(unit):
        if chosen not in (None, ""):
            raise ValidationError(
                {"signer": _("Báo cáo của Ủy ban nhân dân do người gửi ký; không chọn người ký khác.")}
            )
        if actor.role in CHAIRS and actor.position in SIGNING:
            return actor, actor.position
        return None, ""
    if chosen in (None, ""):
        return None, ""
    try:
        pk = int(chosen)
    except (TypeError, ValueError):
        pk = 0
    signer = report_signers(unit).filter(pk=pk).first()
    if signer is None:
        issuer = unit_issuer(unit)
        raise ValidationError(
            {
                "signer": _(
                    "Người ký phải là %(head)s hoặc %(deputy)s %(agency)s: tài khoản cán bộ giám sát của đơn vị, "
                    "đang hoạt động, có ghi chức vụ cấp trưởng hoặc cấp phó."
                )
                % {"head": issuer.head_title, "deputy": issuer.deputy_title.lower(), "agency": issuer.name}
            }
        )
    return signer, signer.position
