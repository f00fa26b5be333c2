"""A fake Zalo for the tests: a real HTTP server on 127.0.0.1 (a free port) in a thread that speaks ZNS's template
message API and the OA's token refresh as Zalo does (docs/alerts.md#zalo-zns), with their rules:

- a template message needs the current access token in its `access_token` header (else error -124), a phone as
  84xxxxxxxxx, a known template id, its template data and a tracking id; the same tracking id twice is one message;
- a refresh token is good once: a refresh gives a new access token and a new refresh token, and the old ones are
  refused afterwards;
- `answers` are the next answers of the template API, one per request, in order: "ok", "500", "429" (Retry-After: 7),
  "garbage" (not JSON), "no msg_id" (accepted, without its id), "hang" (no answer until the client gave up), or a
  ZNS error code such as "-118";
- `expire()` ends the current access token (as Zalo does after 25 hours, or when the OA revokes it).

The fixture `zalo` turns the channel on against it (registry.adapter.cache_clear() before and after); `signed(...)`
makes a webhook event signed as Zalo signs them.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from childprotect.alerts.channels import registry

APP_ID = "4291763606161179100"
APP_SECRET = "app-secret-thu-nghiem"
OA_SECRET = "oa-secret-thu-nghiem"
TEMPLATES = {"alert": "301001", "verify_code": "301002", "test": "301003"}


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class FakeZalo:
    url: str = ""
    access: str = field(default_factory=lambda: "at-" + secrets.token_hex(8))
    refresh: str = field(default_factory=lambda: "rt-" + secrets.token_hex(8))
    spent: set[str] = field(default_factory=set)  # refresh tokens used: refused from now on
    answers: list[str] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    messages: dict[str, dict[str, Any]] = field(default_factory=dict)  # tracking id -> the message accepted
    refreshes: int = 0  # refreshes granted
    refused: int = 0  # refreshes refused
    refresh_delay: float = 0.0
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def expire(self) -> None:
        self.access = "at-" + secrets.token_hex(8)

    def template_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/message/template"]

    def refresh_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path == "/v4/oa/access_token"]

    # --- the API ---------------------------------------------------------------------------------------------------

    def template(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer == "500":
            return 500, {}, b"Internal Server Error"
        if answer == "429":
            return 429, {"Retry-After": "7"}, b'{"error": -32, "message": "rate limit"}'
        if answer == "garbage":
            return 200, {"Content-Type": "text/html"}, b"<html>Bad Gateway</html>"
        if answer == "no msg_id":
            return 200, {}, _json({"error": 0, "message": "Success", "data": {}})
        if answer == "hang":
            self.release.wait(timeout=10)
            return 200, {}, _json({"error": 0, "data": {"msg_id": "late"}})
        if request.headers.get("access_token") != self.access:
            return 200, {}, _json({"error": -124, "message": "Access token is invalid"})
        if answer != "ok":
            return 200, {}, _json({"error": int(answer), "message": f"error {answer}"})
        try:
            body = request.json()
            phone, template_id = body["phone"], body["template_id"]
            data, tracking = body["template_data"], body["tracking_id"]
        except (ValueError, KeyError, TypeError):
            return 200, {}, _json({"error": -132, "message": "Parameter is invalid"})
        if not (isinstance(phone, str) and phone.startswith("84") and phone.isdigit()):
            return 200, {}, _json({"error": -108, "message": "Phone number is invalid"})
        if template_id not in TEMPLATES.values():
            return 200, {}, _json({"error": -109, "message": "ID of ZNS template is invalid"})
        if not isinstance(data, dict) or not data or not all(isinstance(v, str) for v in data.values()):
            return 200, {}, _json({"error": -112, "message": "ZNS template data is invalid"})
        if not isinstance(tracking, str) or not tracking:
            return 200, {}, _json({"error": -132, "message": "Parameter is invalid"})
        with self.lock:
            known = self.messages.get(tracking)
            if known is None:  # ZNS deduplicates by tracking id: a message sent again is the same message
                known = {**body, "msg_id": f"zns{len(self.messages) + 1:06d}"}
                self.messages[tracking] = known
        quota = {"dailyQuota": "500", "remainingQuota": str(500 - len(self.messages))}
        data_out = {"msg_id": known["msg_id"], "sent_time": str(int(time.time() * 1000)), "quota": quota}
        return 200, {}, _json({"error": 0, "message": "Success", "data": data_out})

    def token(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        form = request.form()
        if request.headers.get("secret_key") != APP_SECRET or form.get("app_id") != APP_ID:
            return 200, {}, _json({"error": -14002, "error_name": "Invalid app", "error_description": "app"})
        if form.get("grant_type") != "refresh_token":
            return 200, {}, _json({"error": -14003, "error_name": "Invalid grant type"})
        if self.refresh_delay:
            time.sleep(self.refresh_delay)
        with self.lock:
            if form.get("refresh_token") != self.refresh or form["refresh_token"] in self.spent:
                self.refused += 1
                return 200, {}, _json({"error": -14014, "error_name": "Invalid refresh token",
                                       "error_description": "Refresh token is invalid or expired"})  # fmt: skip
            self.spent.add(self.refresh)
            self.expire()
            self.refresh = "rt-" + secrets.token_hex(8)
            self.refreshes += 1
            answer = {"access_token": self.access, "refresh_token": self.refresh, "expires_in": "90000"}
        return 200, {}, _json(answer)


def _json(value: Any) -> bytes:
    return json.dumps(value).encode()


def _handler(fake: FakeZalo) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
            fake.requests.append(request)
            if self.path == "/message/template":
                status, headers, out = fake.template(request)
            elif self.path == "/v4/oa/access_token":
                status, headers, out = fake.token(request)
            else:
                status, headers, out = 404, {}, b"not found"
            try:
                self.send_response(status)
                self.send_header("Content-Type", headers.pop("Content-Type", "application/json"))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(out)))
                self.end_headers()
                self.wfile.write(out)
            except OSError:  # the client gave up (a timeout)
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


@pytest.fixture
def fresh_adapters() -> Iterator[None]:
    """The channels' adapters made again from the settings the test sets (they are cached per process)."""
    registry.adapter.cache_clear()
    yield
    registry.adapter.cache_clear()


@pytest.fixture
def zalo(settings, fresh_adapters) -> Iterator[FakeZalo]:
    """The Zalo channel on ("zns"), against a fake Zalo server of its own."""
    fake = FakeZalo()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.CHILDPROTECT_ZALO_PROVIDER = "zns"
    settings.CHILDPROTECT_ZALO_API_URL = fake.url
    settings.CHILDPROTECT_ZALO_OAUTH_URL = fake.url
    settings.CHILDPROTECT_ZALO_APP_ID = APP_ID
    settings.CHILDPROTECT_ZALO_SECRET_KEY = APP_SECRET
    settings.CHILDPROTECT_ZALO_OA_SECRET_KEY = OA_SECRET
    settings.CHILDPROTECT_ZALO_REFRESH_TOKEN = fake.refresh
    settings.CHILDPROTECT_ZALO_TEMPLATES = dict(TEMPLATES)
    settings.CHILDPROTECT_ALERT_HTTP_TIMEOUT = 2.0
    registry.adapter.cache_clear()
    try:
        yield fake
    finally:
        fake.release.set()
        server.shutdown()
        server.server_close()
        registry.adapter.cache_clear()


def signed(event: dict[str, Any], *, secret: str = OA_SECRET) -> tuple[bytes, str]:
    """A webhook event's body and its X-ZEvent-Signature, as Zalo signs them: mac=sha256(app_id + body + timestamp +
    the OA's secret key)."""
    body = json.dumps(event).encode()
    mac = hashlib.sha256(str(event["app_id"]).encode() + body + str(event["timestamp"]).encode() + secret.encode())
    return body, "mac=" + mac.hexdigest()


def received_event(msg_id: str, *, timestamp: str = "1763604000000") -> dict[str, Any]:
    """ZNS's event for a message delivered to the recipient's phone."""
    return {
        "app_id": APP_ID,
        "sender": {"id": "579745863508352884"},
        "recipient": {"id": "8471953718276373021"},
        "event_name": "user_received_message",
        "message": {"msg_id": msg_id, "delivery_time": timestamp, "tracking_id": "cp-1"},
        "timestamp": timestamp,
    }
