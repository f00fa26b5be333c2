"""A phone channel configured for tests without a real provider: an adapter that keeps what it is asked to send in
memory (it stands for the remote provider, not for our database: the outbox rows are real).

`sms_channel`: SMS is configured (CHILDPROTECT_SMS_PROVIDER names the in-memory provider); the fixture's value is
the provider: `.sent`, the messages it accepted, in order; `.failure`, set to make it refuse what it is given (a
TemporaryFailure or a PermanentFailure, as a real provider's answer would be mapped). `zalo_channel`: the same for
Zalo. `phones_verified`: the cast's officer A, chair A, supervisor and police partner with verified numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.http import HttpRequest
from django.utils import timezone

from childprotect.alerts.channels import registry
from childprotect.alerts.channels.base import DeliveryError, Message, Receipt, Sent
from childprotect.alerts.models import AlertProfile

PROVIDER = "memory"


@dataclass
class MemoryProvider:
    """The remote provider as the tests see it: what it accepted, and the failure it answers with (None: none)."""

    sent: list[Message] = field(default_factory=list)
    failure: DeliveryError | None = None
    refused: int = 0

    def texts(self) -> list[str]:
        return [m.text for m in self.sent]


class MemoryAdapter:
    provider = PROVIDER

    def __init__(self, channel: str, remote: MemoryProvider) -> None:
        self.channel = channel
        self.remote = remote

    def send(self, message: Message) -> Sent:
        if self.remote.failure is not None:
            self.remote.refused += 1
            raise self.remote.failure
        self.remote.sent.append(message)
        return Sent(provider_id=f"mem-{len(self.remote.sent)}")

    def receipts(self, request: HttpRequest) -> list[Receipt]:
        return []


def _configured(settings, providers: dict, setting: str, channel: str) -> Iterator[MemoryProvider]:
    remote = MemoryProvider()
    registry.adapter.cache_clear()
    registry.enabled_channels()  # the real providers register themselves first (they may not name "memory")
    providers[PROVIDER] = lambda: MemoryAdapter(channel, remote)
    setattr(settings, setting, PROVIDER)
    registry.adapter.cache_clear()
    try:
        yield remote
    finally:
        providers.pop(PROVIDER, None)
        registry.adapter.cache_clear()


@pytest.fixture
def sms_channel(settings) -> Iterator[MemoryProvider]:
    yield from _configured(settings, registry.SMS_PROVIDERS, "CHILDPROTECT_SMS_PROVIDER", "sms")


@pytest.fixture
def zalo_channel(settings) -> Iterator[MemoryProvider]:
    yield from _configured(settings, registry.ZALO_PROVIDERS, "CHILDPROTECT_ZALO_PROVIDER", "zalo")


@pytest.fixture
def phones_verified(officer_a, chair_a, supervisor, police) -> dict[str, str]:
    """officer A, chair A, the supervisor and the police partner each have a verified phone (username -> number)."""
    numbers = {}
    for i, user in enumerate((officer_a, chair_a, supervisor, police)):
        number = f"+8491234560{i}"
        AlertProfile.objects.update_or_create(
            user=user, defaults={"phone": number, "phone_verified_at": timezone.now()}
        )
        numbers[user.username] = number
    return numbers
