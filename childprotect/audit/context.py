"""The request a service runs under, so that audit entries get the IP without every service passing it along."""

from __future__ import annotations

from contextvars import ContextVar

current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)
