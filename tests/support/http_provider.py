"""A message provider over HTTP for tests with real workers: the server (in the test's process, on 127.0.0.1) and the
SMS adapter that speaks to it (in the worker's process).

The adapter is registered as the SMS provider "test-http" when this module is imported; a worker imports it through
the CHILDPROTECT_ALERT_EXTRA_ADAPTERS setting and posts to CHILDPROTECT_SMS_API_URL, with the real
`channels.base.post_json`.

The server does what real providers do with a request id: a second request with the same id sends nothing new and
answers with the first one's message id. It keeps every request it got (`requests`) and every message it sent
(`messages`), and can be told to hang before answering the first request (`hang_first`), so that its sender can be
killed after the provider took the message and before the answer arrived.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from childprotect.alerts.channels.base import Message, Receipt, Sent, post_json
from childprotect.alerts.channels.registry import SMS_PROVIDERS

PROVIDER = "test-http"


class HttpTestAdapter:
    channel = "sms"
    provider = PROVIDER

    def __init__(self) -> None:
        self.url = settings.CHILDPROTECT_SMS_API_URL

    def send(self, message: Message) -> Sent:
        answer = post_json(
            self.url,
            {"request_id": message.key, "to": message.to, "text": message.text},
            timeout=settings.CHILDPROTECT_ALERT_HTTP_TIMEOUT,
        )
        return Sent(provider_id=str(answer["message_id"]))

    def receipts(self, request: HttpRequest) -> list[Receipt]:
        return []


SMS_PROVIDERS[PROVIDER] = HttpTestAdapter


@dataclass
class ProviderServer:
    """The provider's side: a threaded HTTP server on 127.0.0.1 (port chosen by the system)."""

    hang_first: bool = False  # hang before answering the first request, until `release` is set
    requests: list[dict[str, Any]] = field(default_factory=list)  # every request, in order
    messages: dict[str, str] = field(default_factory=dict)  # request id -> message id: each message sent once
    got_request: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                key = str(body["request_id"])
                with provider._lock:
                    provider.requests.append(body)
                    first = len(provider.requests) == 1
                    message_id = provider.messages.setdefault(key, f"msg-{len(provider.messages) + 1}")
                provider.got_request.set()
                if first and provider.hang_first:
                    provider.release.wait(30)  # the message is taken; the answer is late
                answer = json.dumps({"message_id": message_id}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the sender is gone (killed while it waited)
                    pass

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ProviderServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
