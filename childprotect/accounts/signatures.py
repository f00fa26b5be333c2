"""Who signs an official document, and how the signature block reads (NĐ 30/2020/NĐ-CP Điều 13, docs/law.md).

The head of a body signs with their title ("CHỦ TỊCH", "GIÁM ĐỐC"); a deputy signs in the head's place: "KT. CHỦ TỊCH"
over "PHÓ CHỦ TỊCH". A collective body (the Ủy ban nhân dân deciding as a committee) adds "TM. ỦY BAN NHÂN DÂN" above.
Staff sign no document in the body's name: the block then names the head's title and leaves the name blank, for the
person who will sign on paper.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext

from childprotect.places.models import AdminUnit, UnitLevel

from .models import Position, Role, User

__all__ = [
    "Issuer",
    "SignatureBlock",
    "agency_titles",
    "block_for",
    "chair_signature",
    "position_title",
    "signature_block",
    "unit_issuer",
]

# The head's title by the kind of body its name begins with (the longest first: "Chi cục" before "Cục"). A deputy is
# "Phó " + the head's title (NĐ 30/2020 Điều 13 k1: "KT. GIÁM ĐỐC" over "PHÓ GIÁM ĐỐC").
AGENCY_HEAD_TITLES = (
    ("Chi cục", "Chi cục trưởng"),
    ("Cục", "Cục trưởng"),
    ("Sở", "Giám đốc"),
    ("Trung tâm", "Giám đốc"),
    ("Phòng", "Trưởng phòng"),
    ("Ban", "Trưởng ban"),
)
COMMITTEE = "Ủy ban nhân dân"


@dataclass(frozen=True)
class SignatureBlock:
    lines: tuple[str, ...]  # the titles, top to bottom, in capitals
    name: str  # the signer's full name; "" when the person who signs is not known yet


def signature_block(
    signer: User | None, *, head_title: str, deputy_title: str, on_behalf_of: str = ""
) -> SignatureBlock:
    """The block for `signer`, by their recorded position: head, deputy ("KT."), or unknown (the head's title,
    no name). `on_behalf_of` is the collective body ("ỦY BAN NHÂN DÂN"), printed "TM. …" on top when given."""
    if signer is None:
        return block_for("", "", head_title=head_title, deputy_title=deputy_title, on_behalf_of=on_behalf_of)
    return block_for(
        str(signer), signer.position, head_title=head_title, deputy_title=deputy_title, on_behalf_of=on_behalf_of
    )


def block_for(
    name: str, position: str, *, head_title: str, deputy_title: str, on_behalf_of: str = ""
) -> SignatureBlock:
    """The block of a signer as recorded on a document (their name and the position they signed in, which may since
    have changed): the same rules as `signature_block`."""
    top = (f"TM. {on_behalf_of.upper()}",) if on_behalf_of else ()
    if name and position == Position.DEPUTY:
        return SignatureBlock((*top, f"KT. {head_title.upper()}", deputy_title.upper()), name)
    if name and position == Position.HEAD:
        return SignatureBlock((*top, head_title.upper()), name)
    return SignatureBlock((*top, head_title.upper()), "")


@dataclass(frozen=True)
class Issuer:
    """The body that signs a unit's reports and how its head and deputy are called."""

    name: str  # "Sở Y tế", "Phòng Y tế", "Ủy ban nhân dân"
    head_title: str  # "Giám đốc", "Trưởng phòng", "Chủ tịch"
    deputy_title: str  # "Phó Giám đốc", "Phó Trưởng phòng", "Phó Chủ tịch"
    on_behalf_of: str = ""  # the collective body a head signs for ("Ủy ban nhân dân": "TM. ỦY BAN NHÂN DÂN")


def agency_titles(name: str) -> tuple[str, str]:
    """The head's and the deputy's titles of an agency by its name: "Sở Y tế" → ("Giám đốc", "Phó Giám đốc"),
    "Phòng Y tế" → ("Trưởng phòng", "Phó Trưởng phòng"); "Thủ trưởng" for a kind of body not in the table."""
    for word, title in AGENCY_HEAD_TITLES:
        if name == word or name.startswith(word + " "):
            return title, f"Phó {title}"
    return "Thủ trưởng", "Phó Thủ trưởng"


def unit_issuer(unit: AdminUnit) -> Issuer:
    """Who signs the reports of `unit`: a province's child-affairs agency (CHILDPROTECT_PROVINCE_AGENCY_NAME,
    "Sở Y tế": Giám đốc), a district's of the 2024 list (CHILDPROTECT_DISTRICT_AGENCY_NAME, "Phòng Y tế": Trưởng
    phòng), a commune's people's committee (its Chủ tịch, for the committee: "TM. ỦY BAN NHÂN DÂN")."""
    if unit.level == UnitLevel.COMMUNE:
        return Issuer(COMMITTEE, "Chủ tịch", "Phó Chủ tịch", COMMITTEE)
    if unit.level == UnitLevel.DISTRICT:
        name = settings.CHILDPROTECT_DISTRICT_AGENCY_NAME
    else:
        name = settings.CHILDPROTECT_PROVINCE_AGENCY_NAME
    head, deputy = agency_titles(name)
    return Issuer(name, head, deputy)


def position_title(user: User) -> str:
    """The person's title where it is recorded and means a signature: "Phó Chủ tịch UBND phường" (a commune chair
    account), "Giám đốc Sở Y tế" (a supervisor heading the province's agency); "" otherwise."""
    unit = user.unit
    if unit is None or user.position not in (Position.HEAD, Position.DEPUTY):
        return ""
    if user.role == Role.COMMUNE_CHAIR and unit.level == UnitLevel.COMMUNE:
        if user.position == Position.HEAD:
            return unit.chair_title
        return gettext("Phó Chủ tịch UBND %(type)s") % {"type": unit.type_word}
    if user.role == Role.SUPERVISOR and unit.level != UnitLevel.COMMUNE:
        issuer = unit_issuer(unit)
        title = issuer.head_title if user.position == Position.HEAD else issuer.deputy_title
        return f"{title} {issuer.name}"
    return ""


def chair_signature(signer: User | None) -> SignatureBlock:
    """The block of a decision the Chủ tịch UBND xã takes in their own name (NĐ 56 Đ28 k2, Đ31, Đ32: the chair
    decides, not the committee, so no "TM."): "CHỦ TỊCH" over the name, or "KT. CHỦ TỊCH" / "PHÓ CHỦ TỊCH" over a
    vice-chair's name.

    A chair account with no position recorded prints "CHỦ TỊCH" with the name: the account took the step, its role is
    "Chủ tịch / Phó Chủ tịch", and the name says who decided; a vice-chair's account records its position to print
    "KT." (docs/law.md#who-signs-a-decision). No signer (not known yet): the title alone, the name left blank.
    """
    if signer is None:
        return SignatureBlock(("CHỦ TỊCH",), "")
    if signer.position == Position.DEPUTY:
        return signature_block(signer, head_title="Chủ tịch", deputy_title="Phó Chủ tịch")
    return SignatureBlock(("CHỦ TỊCH",), str(signer))
