"""An SMS channel for tests: a stand-in for the remote provider that records each message it is given (the adapter
interface of childprotect/alerts/channels/base.py), registered as a provider and chosen by settings, as a real one
is. Loaded for the whole suite by `pytest_plugins` in tests/conftest.py.

- `sms_sent`: the SMS channel on, through the recording provider: the list of the messages sent (cleared at start);
- `phones_verified`: the cast's commune officer A, chair A, supervisor and police partner with verified numbers.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.http import HttpRequest
from django.utils import timezone

from childprotect.alerts.channels import registry
from childprotect.alerts.channels.base import Message, Receipt, Sent
from childprotect.alerts.models import AlertProfile

PROVIDER = "recording"


class RecordingSms:
    """The provider accepts every message and keeps it."""

    channel = "sms"
    provider = PROVIDER
    sent: list[Message] = []

    def send(self, message: Message) -> Sent:
        self.sent.append(message)
        return Sent(provider_id=f"rec-{len(self.sent)}")

    def receipts(self, request: HttpRequest) -> list[Receipt]:
        return []


@pytest.fixture
def sms_sent(settings) -> Iterator[list[Message]]:
    """The SMS channel is on, through the recording provider: the messages it was given, in order."""
    RecordingSms.sent = []
    registry.SMS_PROVIDERS[PROVIDER] = RecordingSms
    settings.CHILDPROTECT_SMS_PROVIDER = PROVIDER
    registry.adapter.cache_clear()
    try:
        yield RecordingSms.sent
    finally:
        registry.SMS_PROVIDERS.pop(PROVIDER, None)
        settings.CHILDPROTECT_SMS_PROVIDER = ""
        registry.adapter.cache_clear()


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
