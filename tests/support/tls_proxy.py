"""The production shape on one machine, for tests that go through it: Debian's Caddy with the repository's own
Caddyfile (childprotect/deploy/Caddyfile, `tls internal`) on free ports of 127.0.0.1, in front of a server; and an
HTTPS client that connects from an address of its choosing (127.0.0.2, 127.0.0.3…: all of 127/8 is the loopback), so
that what the server records as the client's address can be told apart from the proxy's (127.0.0.1).

Caddy's data (its internal CA, the site's certificate) and configuration go to a folder of the test's; its admin API
is off; the client trusts the internal CA's root and nothing else.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from devtools.bench.race import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
CADDYFILE = BASE_DIR / "childprotect" / "deploy" / "Caddyfile"
CADDY = shutil.which("caddy") or "/usr/bin/caddy"
SITE = "localhost"


@dataclass
class Proxy:
    https_port: int
    http_port: int
    root_ca: Path  # the internal CA's root certificate, which signed the site's
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def caddy_proxy(upstream: str, folder: Path, site: str = SITE) -> Iterator[Proxy]:
    """Caddy with the repository's Caddyfile, serving `site` over HTTPS and proxying to `upstream` (host:port)."""
    https_port, http_port = free_port(), free_port()
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "XDG_DATA_HOME": str(folder / "data"),
        "XDG_CONFIG_HOME": str(folder / "config"),
        "SITE_ADDRESS": site,
        "CADDY_TLS": "internal",
        "UPSTREAM": upstream,
        "CADDY_HTTPS_PORT": str(https_port),
        "CADDY_HTTP_PORT": str(http_port),
        "CADDY_ADMIN": "off",
    }
    log = folder / "caddy.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603  (a fixed argument list, no shell)
            [CADDY, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env, cwd=folder, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    proxy = Proxy(https_port, http_port, folder / "data/caddy/pki/authorities/local/root.crt", log)
    try:
        deadline = time.monotonic() + 60
        while not _answers(proxy):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"Caddy did not start:\n{proxy.text()[-4000:]}")
            time.sleep(0.1)
        yield proxy
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _answers(proxy: Proxy) -> bool:
    """Whether the site answers over TLS with a certificate the internal CA signed."""
    if not proxy.root_ca.exists():
        return False
    try:
        Client(proxy.https_port, proxy.root_ca).request("HEAD", "/")
    except (OSError, http.client.HTTPException):
        return False
    return True


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")

    def set_cookies(self) -> dict[str, str]:
        """Each cookie set, by name: its whole Set-Cookie line (to read its attributes)."""
        return {line.split("=", 1)[0].strip(): line for line in self.headers.get_all("Set-Cookie") or []}


@dataclass
class Client:
    """A browser of one address: HTTPS to `port` of 127.0.0.1 (SNI and Host `site`), or plain HTTP with `tls` off;
    keeps its cookies; does not follow redirects."""

    port: int
    root_ca: Path | None = None
    source: str = "127.0.0.1"
    site: str = SITE
    tls: bool = True
    cookies: dict[str, str] = field(default_factory=dict)

    def _connect(self) -> http.client.HTTPConnection:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30, source_address=(self.source, 0))
        if not self.tls:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            conn.sock = sock
            return conn
        context = ssl.create_default_context(cafile=str(self.root_ca))
        conn = http.client.HTTPSConnection(self.site, self.port, timeout=30, context=context)
        conn.sock = context.wrap_socket(sock, server_hostname=self.site)
        return conn

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://{self.site}:{self.port}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        conn = self._connect()
        try:
            sent = {"Host": f"{self.site}:{self.port}", "Accept-Language": "vi"}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent | (headers or {}))
            response = conn.getresponse()
            answer = Answer(response.status, response.headers, response.read())
        finally:
            conn.close()
        for line in answer.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return answer

    def declared_body(self, path: str, length: int) -> int:
        """The status of a POST that declares a body of `length` bytes and sends none of it (a server that answers at
        once answers without it; one that waits for the body times out: 0)."""
        conn = self._connect()
        try:
            assert conn.sock is not None
            head = f"POST {path} HTTP/1.1\r\nHost: {self.site}:{self.port}\r\nContent-Length: {length}\r\n\r\n"
            conn.sock.sendall(head.encode())
            conn.sock.settimeout(5)
            try:
                line = conn.sock.recv(64).decode(errors="replace")
            except TimeoutError:
                return 0
        finally:
            conn.close()
        found = re.match(r"HTTP/1\.1 (\d{3}) ", line)
        return int(found.group(1)) if found else 0

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def post_form(
        self, path: str, fields: dict[str, str], token: str = "", headers: dict[str, str] | None = None
    ) -> Answer:
        """A form posted as a browser would: the CSRF token (the page's, else the cookie's), Origin and Referer of this
        site."""
        body = urlencode({"csrfmiddlewaretoken": token or self.cookies.get("csrftoken", ""), **fields}).encode()
        sent = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": self.origin,
            "Referer": self.origin + path,
        }
        return self.request("POST", path, body=body, headers=sent | (headers or {}))


def csrf_token_in(page: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1) if found else ""
