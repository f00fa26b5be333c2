"""`{% signature_status "kind" obj %}`: on a document's page, whether it is signed (by whom, with a link to the
signature's check) or a "Ký số" button for the person who signs it. A page listing many documents puts
`signatures` (childprotect.signing.selectors.signed_current_map) in its context, so the tag asks nothing."""

from __future__ import annotations

from typing import Any

from django import template

from childprotect.signing.registry import KINDS
from childprotect.signing.selectors import signed_document_current

register = template.Library()


@register.inclusion_tag("signing/_status.html", takes_context=True)
def signature_status(context: dict[str, Any], kind: str, obj: Any) -> dict[str, Any]:
    entry = KINDS.get(kind)
    request = context.get("request")
    user = getattr(request, "user", None)
    if entry is None or obj is None or user is None or not user.is_authenticated:
        return {"show": False}
    preloaded = context.get("signatures")  # a page of many documents reads them at once (signed_current_map)
    signed = preloaded.get((kind, obj.pk)) if preloaded is not None else signed_document_current(kind, obj)
    may_sign = signed is None and entry.may_sign(user, obj)
    return {"show": signed is not None or may_sign, "signed": signed, "may_sign": may_sign, "kind": kind, "obj": obj}
