"""Log-in events come from django.contrib.auth as signals; they are recorded like every other action."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .actions import AuthAction
from .middleware import client_ip
from .services import audit_record


def _ip(request: Any) -> str | None:
    return client_ip(request) if request is not None else None


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_record(actor=user, action=AuthAction.LOGIN, obj=user, ip=_ip(request))


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_record(actor=user, action=AuthAction.LOGOUT, obj=user, ip=_ip(request))


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    # The credentials dict has the password cleansed by Django; only the name tried is kept.
    audit_record(
        actor=None,
        action=AuthAction.LOGIN_FAILED,
        object_repr=str(credentials.get("username", ""))[:150],
        ip=_ip(request),
    )
