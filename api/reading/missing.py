"""Any other address under /api/v1/ (no such endpoint, or an id the `<id:...>` converter refuses: 0, negative, past
a bigint) is the API's 404 in its JSON shape (api/errors.py), not the web's page."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from ..base import ApiView


@extend_schema(exclude=True)
class MissingView(ApiView):
    permission_classes = [AllowAny]  # nothing here for anyone: the same 404, signed in or not

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # a refused token is still a 401, the rate limit still counts
        raise Http404
