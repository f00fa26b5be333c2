"""The one interface every channel's adapter speaks (docs/alerts.md#adapters).

An adapter sends one rendered message and says what the provider answered, in three outcomes only: accepted (with
the provider's id of the message), a temporary failure (retried with backoff: a timeout, a 5xx, a rate limit) or a
permanent one (recorded, never retried: a number the provider refuses, a template it does not know). It may also
read the provider's delivery receipts from a callback request, after checking the provider's signature.

Adapters never see a notification or a user: only the Message, whose text was made from the fields that may leave
the product (childprotect/alerts/messages.py).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from django.http import HttpRequest


@dataclass(frozen=True)
class Message:
    """One message to send. `key` is unique per message and the same at every attempt: adapters give it to the
    provider as its request or tracking id, so that a provider that deduplicates sends it once even when a sender
    died after the provider accepted it (docs/alerts.md#exactly-once)."""

    key: str
    to: str  # an e-mail address, or an E.164 phone number (+84…)
    template: str  # the template's name (messages.TEMPLATES)
    text: str  # the message as the recipient reads it (SMS: the whole text; e-mail: the body)
    subject: str = ""  # e-mail only
    params: Mapping[str, str] = field(default_factory=dict)  # the template's variables (Zalo's template data)


@dataclass(frozen=True)
class Sent:
    provider_id: str  # the provider's id of the message ("" when it gives none)


@dataclass(frozen=True)
class Receipt:
    provider_id: str
    delivered: bool  # False: the provider says it could not be delivered
    error: str = ""


class DeliveryError(Exception):
    """A send that did not go through; `temporary` ones are retried (after `retry_after` seconds, if the provider
    said how long)."""

    temporary: ClassVar[bool] = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TemporaryFailure(DeliveryError):
    temporary = True


class PermanentFailure(DeliveryError):
    temporary = False


class ReceiptRejected(Exception):
    """A receipt callback that is not the provider's (a wrong or missing signature) or that cannot be read."""


class Adapter(Protocol):
    channel: str  # a models.Channel value
    provider: str  # the provider's short name, recorded on each delivery

    def send(self, message: Message) -> Sent: ...

    def receipts(self, request: HttpRequest) -> list[Receipt]:
        """The receipts in a callback request, after checking its signature (ReceiptRejected otherwise)."""
        ...


def post_json(
    url: str,
    payload: Any,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float,
    form: bool = False,
) -> Any:
    """POST `payload` (JSON, or a form when `form`) and return the decoded JSON answer, mapping what can go wrong to
    the two failures: no answer in time, a refused connection, a 5xx or a 429 are temporary (a 429's Retry-After is
    kept); another 4xx, or an answer that is not JSON, is permanent. No redirect is followed."""
    if form:
        from urllib.parse import urlencode

        body = urlencode(payload).encode()
        kind = "application/x-www-form-urlencoded"
    else:
        body = json.dumps(payload, ensure_ascii=False).encode()
        kind = "application/json"
    request = urllib.request.Request(  # noqa: S310  (the provider's https URL, from settings)
        url, data=body, method="POST", headers={"Content-Type": kind, "Accept": "application/json", **(headers or {})}
    )
    return _open(request, timeout)


def get_json(url: str, *, headers: Mapping[str, str] | None = None, timeout: float) -> Any:
    request = urllib.request.Request(url, method="GET", headers={"Accept": "application/json", **(headers or {})})  # noqa: S310
    return _open(request, timeout)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def _open(request: urllib.request.Request, timeout: float) -> Any:
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        status = exc.code
        detail = exc.read(2000).decode("utf-8", "replace") if exc.fp else ""
        if status == 429:
            raise TemporaryFailure(f"HTTP 429: {detail[:200]}", retry_after=_retry_after(exc.headers)) from exc
        if status >= 500:
            raise TemporaryFailure(f"HTTP {status}: {detail[:200]}") from exc
        raise PermanentFailure(f"HTTP {status}: {detail[:200]}") from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
        raise TemporaryFailure(f"không kết nối được: {exc}") from exc
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PermanentFailure(f"câu trả lời không đọc được: {raw[:200]!r}") from exc


def _retry_after(headers: Any) -> float | None:
    value = headers.get("Retry-After") if headers is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None
