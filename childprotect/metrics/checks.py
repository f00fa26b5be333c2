from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.core import checks


def check_metrics_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`manage.py check` (and every start) refuses an allow-list entry that is no network: the endpoint would fail at
    every scrape instead."""
    found: list[checks.CheckMessage] = []
    for network in settings.CHILDPROTECT_METRICS_ALLOW:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            found.append(
                checks.Error(f"CHILDPROTECT_METRICS_ALLOW: {network!r} is no network (CIDR)", id="metrics.E001")
            )
    return found
