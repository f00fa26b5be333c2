"""Which adapter each channel uses, by settings: e-mail always; SMS and Zalo only when configured (an unconfigured
channel is off, and the product works without it). Adapters register their provider's name here."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import import_module

from django.conf import settings

from .base import Adapter
from .email import EmailAdapter
from .outfile import FileAdapter

# provider name -> a factory reading its settings; the SMS and Zalo modules add theirs. "file" writes the messages
# under var/messages/ (development and the demo: channels/outfile.py).
SMS_PROVIDERS: dict[str, Callable[[], Adapter]] = {"file": lambda: FileAdapter("sms")}
ZALO_PROVIDERS: dict[str, Callable[[], Adapter]] = {"file": lambda: FileAdapter("zalo")}


def _load_providers() -> None:
    from . import sms, zalo  # noqa: F401  (each registers its providers)

    for module in settings.CHILDPROTECT_ALERT_EXTRA_ADAPTERS:  # an extension's adapters (settings.py)
        import_module(module)


@cache
def adapter(channel: str) -> Adapter | None:
    """The channel's adapter, or None when the channel is off (not configured). Cached: settings do not change
    in a process (tests that change them call adapter.cache_clear())."""
    if channel == "email":
        return EmailAdapter()
    _load_providers()
    if channel == "sms":
        factory = SMS_PROVIDERS.get(settings.CHILDPROTECT_SMS_PROVIDER)
    elif channel == "zalo":
        factory = ZALO_PROVIDERS.get(settings.CHILDPROTECT_ZALO_PROVIDER)
    else:
        factory = None
    return factory() if factory is not None else None


def enabled_channels() -> set[str]:
    """The channels that can send now."""
    return {c for c in ("email", "sms", "zalo") if adapter(c) is not None}


def provider_adapter(channel: str, provider: str) -> Adapter | None:
    """The adapter of a named provider (a receipt callback names its provider in its URL), if it is the one
    configured for its channel."""
    found = adapter(channel)
    return found if found is not None and found.provider == provider else None
