"""A real webhook receiver for the tests (docs/api.md#webhooks): an HTTP server on 127.0.0.1 (a free port) in a
thread, which records every request and can be told to answer an error, hang past the client's timeout or close the
connection without answering; and the webhook event of the access matrix's world."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from api.events import EventKind
from api.models import ApiClient, ClientKind, DeliveryState, WebhookEvent
from api.services import client_register
from api.status import report_status
from cases.models import Report
from childprotect.accounts.models import User

SECRET = "whsec_thu_nghiem_0123456789abcdef"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """The server's record and its behaviour: `mode` "ok" (204), "error" (500), "redirect" (302), "hang" (no
    answer until `release`), "close" (the connection closed without an answer); `delay` seconds before answering."""

    url: str = ""
    mode: str = "ok"
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def bodies(self) -> list[bytes]:
        return [r.body for r in self.received]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            receiver.received.append(Received(self.path, dict(self.headers.items()), body))
            if receiver.delay:
                time.sleep(receiver.delay)
            if receiver.mode == "hang":
                receiver.release.wait(timeout=10)
                return
            if receiver.mode == "close":
                self.close_connection = True
                self.connection.close()
                return
            status = {"ok": 204, "error": 500, "redirect": 302}[receiver.mode]
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (quiet)
            return

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver listening on 127.0.0.1 for the test's duration."""
    record = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(record))
    server.daemon_threads = True
    record.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield record
    record.release.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def listen(client: ApiClient, url: str, secret: str = SECRET) -> ApiClient:
    """Give `client` a webhook (the client pages set these; the tests set them directly)."""
    client.webhook_url, client.webhook_secret = url, secret
    client.save(update_fields=["webhook_url", "webhook_secret"])
    return client


def world_webhook_event(administrator: User, report: Report) -> WebhookEvent:
    """The access matrix's webhook event: a failed `report.received` of a client with no webhook (a replay sends
    nothing anywhere)."""
    client = client_register(actor=administrator, name="Hệ thống thử nghiệm webhook", kind=ClientKind.OTHER, scope=None)
    return WebhookEvent.objects.create(
        client=client,
        report=report,
        sequence=1,
        kind=EventKind.RECEIVED,
        payload=report_status(report),
        state=DeliveryState.FAILED,
        attempts=8,
        last_error="HTTP 500",
    )
