"""Who signs an official document, and how the signature block reads (NĐ 30/2020/NĐ-CP Điều 13, docs/law.md).

The head of a body signs with their title ("CHỦ TỊCH", "GIÁM ĐỐC"); a deputy signs in the head's place: "KT. CHỦ TỊCH"
over "PHÓ CHỦ TỊCH". A collective body (the Ủy ban nhân dân deciding as a committee) adds "TM. ỦY BAN NHÂN DÂN" above.
Staff sign no document in the body's name: the block then names the head's title and leaves the name blank, for the
person who will sign on paper.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Position, User

__all__ = ["SignatureBlock", "chair_signature", "signature_block"]


@dataclass(frozen=True)
class SignatureBlock:
    lines: tuple[str, ...]  # the titles, top to bottom, in capitals
    name: str  # the signer's full name; "" when the person who signs is not known yet


def signature_block(
    signer: User | None, *, head_title: str, deputy_title: str, on_behalf_of: str = ""
) -> SignatureBlock:
    """The block for `signer`, by their recorded position: head, deputy ("KT."), or unknown (the head's title,
    no name). `on_behalf_of` is the collective body ("ỦY BAN NHÂN DÂN"), printed "TM. …" on top when given."""
    top = (f"TM. {on_behalf_of.upper()}",) if on_behalf_of else ()
    position = signer.position if signer is not None else ""
    if signer is not None and position == Position.DEPUTY:
        return SignatureBlock((*top, f"KT. {head_title.upper()}", deputy_title.upper()), str(signer))
    if signer is not None and position == Position.HEAD:
        return SignatureBlock((*top, head_title.upper()), str(signer))
    return SignatureBlock((*top, head_title.upper()), "")


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
