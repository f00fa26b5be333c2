"""A Sentry ingestion endpoint in the test's process: it takes the envelopes the SDK posts to
/api/<project>/envelope/ (gzip- or brotli-compressed, as the SDK sends them), keeps their raw bytes decompressed, and
parses them into items. `dsn` points the SDK at it."""

from __future__ import annotations

import gzip
import importlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

PROJECT = "42"
KEY = "publickey"


@dataclass
class Envelope:
    raw: bytes
    header: dict[str, Any]
    items: list[tuple[dict[str, Any], bytes]]

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(payload) for header, payload in self.items if header.get("type") == "event"]


def parse_envelope(raw: bytes) -> Envelope:
    """Sentry's envelope: a JSON header line, then items, each a JSON header line and a payload (of `length` bytes
    when the header says so, else up to the next newline)."""
    header_line, _, rest = raw.partition(b"\n")
    items: list[tuple[dict[str, Any], bytes]] = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_line)
        if "length" in item_header:
            length = item_header["length"]
            payload, rest = rest[:length], rest[length:]
            rest = rest.removeprefix(b"\n")
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((item_header, payload))
    return Envelope(raw=raw, header=json.loads(header_line), items=items)


@dataclass
class SentryServer:
    envelopes: list[Envelope] = field(default_factory=list)
    auth_headers: list[str] = field(default_factory=list)
    got_event: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def __post_init__(self) -> None:
        sentry = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                if self.path.split("?")[0] != f"/api/{PROJECT}/envelope/":
                    self.send_error(404)
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                encoding = self.headers.get("Content-Encoding", "")
                if encoding == "gzip":
                    body = gzip.decompress(body)
                elif encoding == "br":  # the SDK compresses with brotli when it is installed (WeasyPrint brings it)
                    body = importlib.import_module("brotli").decompress(body)
                envelope = parse_envelope(body)
                sentry.envelopes.append(envelope)
                sentry.auth_headers.append(self.headers.get("X-Sentry-Auth", ""))
                if envelope.events():
                    sentry.got_event.set()
                answer = json.dumps({"id": envelope.header.get("event_id")}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)  # a port the system chooses
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def dsn(self) -> str:
        return f"http://{KEY}@127.0.0.1:{self.port}/{PROJECT}"

    def events(self) -> list[dict[str, Any]]:
        return [event for envelope in self.envelopes for event in envelope.events()]

    def raw(self) -> bytes:
        return b"".join(envelope.raw for envelope in self.envelopes)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def sentry_server():
    server = SentryServer()
    yield server
    server.stop()
