"""The base of every API view: each call is written to the audit log, named by the client or person who made it
(docs/api.md#audit). The writes a call makes are audited by their services, in their own transaction."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponseBase
from rest_framework.request import Request
from rest_framework.views import APIView

from childprotect.audit.actions import ApiAction
from childprotect.audit.services import audit_record

from .models import ApiToken, client_of


def caller_name(request: Request) -> str:
    """The client's name for a client's token, the person's username otherwise; "" for nobody."""
    user = request.user
    if not (user and user.is_authenticated):
        return ""
    client = client_of(user)
    return client.name if client is not None else user.get_username()


def record_call(request: Request, response: HttpResponseBase) -> None:
    token = request.auth if isinstance(request.auth, ApiToken) else None
    user = request.user if request.user and request.user.is_authenticated else None
    audit_record(
        actor=user,
        action=ApiAction.CALL,
        object_repr=caller_name(request),
        changes={
            "method": request.method,
            "path": request.path[:200],
            "status": response.status_code,
            **({"token": token.prefix} if token is not None else {}),
        },
    )


class ApiView(APIView):
    """An API endpoint: authentication, permission and rate limit from settings.REST_FRAMEWORK, errors from
    api/errors.py, and one audit entry per call."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        record_call(request, response)
        return response
