"""Rate limits: per API client as set on the client, per person as the setting says, per address for anyone
unauthenticated. Counted in the cache (Redis in production), one window per minute."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from childprotect.accounts.policy import is_system_account

from .models import ApiClient

ANONYMOUS_RATE = 30  # per minute and address: the schema, the docs, a refused token


class PerAccountRate(SimpleRateThrottle):
    scope = "api"

    def get_rate(self) -> str:
        return f"{settings.CHILDPROTECT_API_PERSON_RATE}/min"  # replaced per request in allow_request

    def allow_request(self, request: Request, view: Any) -> bool:
        user = request.user
        if user and user.is_authenticated and is_system_account(user):
            client = ApiClient.objects.filter(account=user).only("rate_limit").first()
            per_minute = client.rate_limit if client is not None else ANONYMOUS_RATE
        elif user and user.is_authenticated:
            per_minute = settings.CHILDPROTECT_API_PERSON_RATE
        else:
            per_minute = ANONYMOUS_RATE
        self.num_requests, self.duration = per_minute, 60
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else f"ip-{self.get_ident(request)}"
        return f"throttle_api_{ident}"
