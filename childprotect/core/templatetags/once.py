"""`{% form_token %}`: the hidden one-time token of a create form (childprotect.core.once)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from childprotect.core.once import FIELD, new_token, posted_token

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context: dict[str, Any]) -> str:
    """The posted token when the form is shown again (errors), so that sending it then still counts once."""
    request = context.get("request")
    token = (posted_token(request) if request is not None else "") or new_token()
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, token)
