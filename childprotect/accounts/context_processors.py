"""What templates know of the person: `can`, their capabilities (childprotect/accounts/policy.py)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from .models import User
from .policy import Capabilities


def capabilities(request: HttpRequest) -> dict[str, Capabilities]:
    """`{% if can.import %}`; an anonymous visitor (the log-in page) can do nothing."""
    user = getattr(request, "user", None)
    return {"can": Capabilities(user if isinstance(user, User) else AnonymousUser())}
