"""Who signs an official document, and how the signature block reads (NĐ 30/2020/NĐ-CP Điều 13, docs/law.md).

The head of a body signs with their title ("CHỦ TỊCH", "GIÁM ĐỐC"); a deputy signs in the head's place: "KT. CHỦ TỊCH"
over "PHÓ CHỦ TỊCH". A collective body (the Ủy ban nhân dân deciding as a committee) adds "TM. ỦY BAN NHÂN DÂN" above.
Staff sign no document in the body's name: the block then names the head's title and leaves the name blank, for the
person who will sign on paper.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Position, User

__all__ = ["SignatureBlock", "signature_block"]


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
