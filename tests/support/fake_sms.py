"""Real local SMS gateways for the tests (docs/alerts.md#sms-providers): an HTTP server on 127.0.0.1 (a free port) in
a thread that speaks eSMS.vn's or SpeedSMS's sending API, checks each request's shape and credentials as the
provider does, and can be told to answer an error code, a 5xx, a 429 with Retry-After, garbage, or too late.

The fixture `sms_gateway(provider)` starts one and points the settings at it; any later change of a
CHILDPROTECT_SMS_* or CHILDPROTECT_ALERT_HTTP_TIMEOUT setting clears the adapters' cache (registry.adapter), so a test
just sets what it needs.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test.signals import setting_changed

from childprotect.alerts.channels.registry import adapter

API_KEY = "esms-khoa-api-thu"
ESMS_SECRET = "esms-khoa-bi-mat-thu"
TOKEN = "speedsms-access-token-thu"
BRANDNAME = "BVTE-HN"
CALLBACK_SECRET = "bien-nhan-bi-mat-0123456789"

ESMS_PATH = "/MainService.svc/json/SendMultipleMessage_V4_post_json/"
SPEEDSMS_PATH = "/index.php/sms/send"


@dataclass
class FakeSms:
    """One gateway's record and behaviour. `mode`: "ok"; "code:<code>" (the provider's refusal with that code);
    "5xx" (503); "429" (with Retry-After: `retry_after`); "garbage" (200, not JSON); "slow" (answers after `delay`
    seconds, or when `release` is set)."""

    provider: str
    url: str = ""  # what CHILDPROTECT_SMS_API_URL is set to
    mode: str = "ok"
    retry_after: str = "120"
    delay: float = 5.0
    requests: list[dict[str, Any]] = field(default_factory=list)  # every request body read as JSON
    sent: list[dict[str, Any]] = field(default_factory=list)  # the messages it took (once per RequestId)
    problems: list[str] = field(default_factory=list)  # requests not as the provider's API wants them
    ids: dict[str, str] = field(default_factory=dict)  # RequestId -> SMSID (eSMS)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def last_id(self) -> str:
        return str(self.sent[-1]["id"])


def _esms(fake: FakeSms, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> tuple[int, Any]:
    if handler.path != ESMS_PATH:
        return 404, "not found"
    if body.get("ApiKey") != API_KEY or body.get("SecretKey") != ESMS_SECRET:
        return 200, {"CodeResult": "101", "ErrorMessage": "Sai ApiKey hoac SecretKey"}
    problems = []
    if not re.fullmatch(r"0\d{9}", str(body.get("Phone", ""))):
        problems.append(f"Phone {body.get('Phone')!r}")
    if body.get("SmsType") != "2":
        problems.append(f"SmsType {body.get('SmsType')!r}")
    if not isinstance(body.get("Content"), str) or not body["Content"]:
        problems.append("Content")
    if not str(body.get("RequestId", "")).startswith("cp-"):
        problems.append(f"RequestId {body.get('RequestId')!r}")
    if body.get("IsUnicode") not in ("0", "1"):
        problems.append(f"IsUnicode {body.get('IsUnicode')!r}")
    if problems:
        fake.problems.extend(problems)
        return 200, {"CodeResult": "300", "ErrorMessage": "Thieu tham so"}
    if body.get("Brandname") != BRANDNAME:
        return 200, {"CodeResult": "104", "ErrorMessage": "Brandname khong ton tai"}
    if fake.mode.startswith("code:"):
        return 200, {"CodeResult": fake.mode[5:], "ErrorMessage": "Loi thu nghiem"}
    with fake.lock:
        if body["RequestId"] in fake.ids:
            return 200, {"CodeResult": "124", "ErrorMessage": "Trung RequestId"}
        sms_id = uuid.uuid4().hex
        fake.ids[body["RequestId"]] = sms_id
        fake.sent.append({"id": sms_id, "to": body["Phone"], "text": body["Content"], "body": body})
    return 200, {"CodeResult": "100", "CountRegenerate": 0, "SMSID": sms_id}


def _speedsms(fake: FakeSms, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> tuple[int, Any]:
    if handler.path != SPEEDSMS_PATH:
        return 404, "not found"
    expected = "Basic " + base64.b64encode(f"{TOKEN}:x".encode()).decode()
    if handler.headers.get("Authorization") != expected:
        return 401, "Unauthorized"
    to = body.get("to")
    problems = []
    if not isinstance(to, list) or len(to) != 1:
        problems.append(f"to {to!r}")
    if not isinstance(body.get("content"), str) or not body["content"]:
        problems.append("content")
    if (body.get("sms_type"), body.get("sender")) not in ((3, BRANDNAME), (4, None)):
        problems.append(f"sms_type/sender {body.get('sms_type')!r}/{body.get('sender')!r}")
    if problems:
        fake.problems.extend(problems)
        return 200, {"status": "error", "code": "101", "message": "invalid parameters"}
    assert isinstance(to, list)
    if not re.fullmatch(r"84\d{9}", str(to[0])):
        return 200, {"status": "error", "code": "105", "message": "phone invalid", "invalidPhone": to}
    if fake.mode.startswith("code:"):
        return 200, {"status": "error", "code": fake.mode[5:], "message": "test error"}
    with fake.lock:
        tran_id = 700000 + len(fake.sent) + 1
        fake.sent.append({"id": tran_id, "to": to[0], "text": body["content"], "body": body})
    return 200, {"status": "success", "code": "00",
                 "data": {"tranId": tran_id, "totalSMS": 1, "totalPrice": 250, "invalidPhone": []}}  # fmt: skip


def _handler(fake: FakeSms) -> type[BaseHTTPRequestHandler]:
    speak = _esms if fake.provider == "esms" else _speedsms

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802  (http.server's name)
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                body = json.loads(raw.decode("utf-8"))
            except ValueError:
                body = None
            if not isinstance(body, dict) or self.headers.get("Content-Type") != "application/json":
                fake.problems.append(f"not a JSON request: {raw[:80]!r}")
                self._answer(400, "bad request")
                return
            fake.requests.append(body)
            if fake.mode == "5xx":
                self._answer(503, "Service Unavailable")
            elif fake.mode == "429":
                self._answer(429, "Too Many Requests", {"Retry-After": fake.retry_after})
            elif fake.mode == "garbage":
                self._answer(200, "<html><body>Bao tri he thong</body></html>", {"Content-Type": "text/html"})
            else:
                if fake.mode == "slow":
                    fake.release.wait(timeout=fake.delay)
                status, answer = speak(fake, self, body)
                self._answer(status, answer)

        def _answer(self, status: int, answer: Any, headers: dict[str, str] | None = None) -> None:
            data = (answer if isinstance(answer, str) else json.dumps(answer)).encode()
            try:
                self.send_response(status)
                kind = "application/json" if not isinstance(answer, str) else "text/plain"
                for name, value in {"Content-Type": kind, **(headers or {})}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (its timeout)
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002  (http.server's signature)
            pass

    return Handler


def _clear_adapters(*, setting: str, **kwargs: Any) -> None:
    if setting.startswith("CHILDPROTECT_SMS_") or setting == "CHILDPROTECT_ALERT_HTTP_TIMEOUT":
        adapter.cache_clear()


@pytest.fixture
def sms_gateway(settings: Any) -> Iterator[Callable[[str], FakeSms]]:
    """Start a fake gateway of a provider ("esms" or "speedsms") and configure SMS to use it (timeout: 2 s)."""
    servers: list[tuple[ThreadingHTTPServer, FakeSms]] = []
    setting_changed.connect(_clear_adapters)

    def start(provider: str) -> FakeSms:
        fake = FakeSms(provider)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append((server, fake))
        base = ESMS_PATH.rsplit("/", 2)[0] if provider == "esms" else "/index.php"
        fake.url = f"http://127.0.0.1:{server.server_address[1]}{base}"
        settings.CHILDPROTECT_SMS_PROVIDER = provider
        settings.CHILDPROTECT_SMS_API_URL = fake.url
        settings.CHILDPROTECT_SMS_API_KEY = API_KEY if provider == "esms" else TOKEN
        settings.CHILDPROTECT_SMS_SECRET_KEY = ESMS_SECRET if provider == "esms" else ""
        settings.CHILDPROTECT_SMS_BRANDNAME = BRANDNAME
        settings.CHILDPROTECT_SMS_CALLBACK_SECRET = CALLBACK_SECRET
        settings.CHILDPROTECT_SMS_UNICODE = False
        settings.CHILDPROTECT_ALERT_HTTP_TIMEOUT = 2.0
        adapter.cache_clear()
        return fake

    try:
        yield start
    finally:
        for server, fake in servers:
            fake.release.set()
            server.shutdown()
            server.server_close()
        setting_changed.disconnect(_clear_adapters)
        adapter.cache_clear()
