"""Rate limits: per API client as set on the client, per person as the setting says, per address for anyone
unauthenticated (docs/api.md#limits). Counted in the cache (Redis in production) with one counter per caller and
clock minute, raised by the cache's own increment: requests arriving together each count, none overwrites another's
count (a list of times read, appended to and written back, as DRF's SimpleRateThrottle keeps, lets parallel requests
through: `benchmark api` measured 180–282 of 290 admitted under a limit of 120 at 50 clients)."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from childprotect.accounts.policy import is_system_account

from .models import client_of

ANONYMOUS_RATE = 30  # per minute and address: the schema, the docs, a refused token
WINDOW = 60  # seconds: the limits are per clock minute


def per_minute(request: Request) -> int:
    """The caller's limit: the client's own, the setting for a person, ANONYMOUS_RATE for anyone else."""
    user = request.user
    if user and user.is_authenticated and is_system_account(user):
        client = client_of(user)
        return client.rate_limit if client is not None else ANONYMOUS_RATE
    if user and user.is_authenticated:
        return int(settings.CHILDPROTECT_API_PERSON_RATE)
    return ANONYMOUS_RATE


class PerAccountRate(BaseThrottle):
    """At most `per_minute` requests a clock minute; over it, a 429 whose Retry-After is the rest of the minute."""

    def __init__(self) -> None:
        self.retry_after = 0.0

    def allow_request(self, request: Request, view: Any) -> bool:
        now = time.time()
        user = request.user
        ident = f"user-{user.pk}" if user and user.is_authenticated else f"ip-{self.get_ident(request)}"
        key = f"throttle_api_{ident}_{int(now // WINDOW)}"
        if cache.add(key, 1, timeout=WINDOW + 5):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # the minute's counter expired between the two calls: this is its first request
                cache.add(key, 1, timeout=WINDOW + 5)
                count = 1
        if count <= per_minute(request):
            return True
        self.retry_after = WINDOW - (now % WINDOW)
        return False

    def wait(self) -> float:
        return max(self.retry_after, 1.0)
