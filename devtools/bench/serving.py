"""What the benchmarks over real HTTP share (`benchmark http`, `benchmark api`): the production server started on a
free port, a keep-alive client behind a pretend HTTPS proxy, concurrent clients in a loop, and their figures.

`production_server(...)` collects the static files and starts gunicorn with the production settings file
(childprotect/deploy/gunicorn.conf.py) and the production Django settings (DJANGO_PRODUCTION=1, DEBUG off, a
throwaway SECRET_KEY, everything it writes in a temporary folder) on 127.0.0.1 against the configured DATABASE_URL;
it stops the server and removes the folder on the way out, also on Ctrl-C or SIGTERM. `loop(...)` runs clients
(threads, one keep-alive connection each) sending requests until enough answers or a time limit, whichever first.
"""

from __future__ import annotations

import http.client
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from devtools.bench.load import _interrupt, _stop
from devtools.bench.race import free_port, gunicorn

HOST = "127.0.0.1"
STALE = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, http.client.CannotSendRequest)


# --- figures -----------------------------------------------------------------------------------------------------


def add_load_arguments(parser: CommandParser, what: str) -> None:
    """The options both benchmarks over HTTP share (`what`: "page" or "scenario", as their help says): the levels of
    concurrency, when a level stops, the server's size, the subset to run, Markdown."""
    parser.add_argument("--clients", default="1,10,50", help="concurrent clients, comma-separated (1,10,50)")
    parser.add_argument("--samples", type=int, default=100, help=f"answers per {what} and level, at least (100)")
    parser.add_argument("--max-seconds", type=float, default=10.0, help=f"time limit per {what} and level (10)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds: unanswered, an error (30)")
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers (default: WEB_CONCURRENCY or 3)")
    parser.add_argument("--threads", type=int, default=0, help="threads per worker (default: GUNICORN_THREADS or 4)")
    parser.add_argument("--only", default="", help=f"comma-separated words: only the {what}s whose title has one")
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool, right: Sequence[int] = ()) -> str:
    """Rows under a header, as aligned text or as Markdown (columns listed in `right` aligned right)."""
    if markdown:
        lines = ["| " + " | ".join(header) + " |"]
        lines.append("|" + "|".join("--:" if i in right else "---" for i in range(len(header))) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    out = []
    for row in [header, *rows]:
        out.append(
            "  ".join(
                x.rjust(w) if i in right else x.ljust(w) for i, (x, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(line.rstrip() for line in out)


@dataclass
class Reply:
    status: int
    headers: Message
    body: bytes
    first_byte: float = 0.0  # seconds from sending to the first byte of the body


class Connection:
    """One client's keep-alive connection to the server, behind a pretend HTTPS proxy, with its cookies.

    A request on a connection the server has closed meanwhile (its keep-alive ran out, its worker was replaced) is
    sent again once on a new connection, as browsers do; its latency counts both tries."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None, timeout: float = 60.0) -> None:
        self.port = port
        self.cookies = dict(cookies or {})
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None
        self.used = False

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        sink: Callable[[bytes], None] | None = None,
    ) -> Reply:
        """The answer to one request (redirects not followed); with `sink` the body goes there in pieces."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
                self.used = False
            try:
                return self._send(self.conn, method, path, body, headers or {}, sink)
            except STALE:
                stale = self.used
                self.close()
                if attempt == 2 or not stale:
                    raise
            except BaseException:
                self.close()
                raise
        raise AssertionError  # pragma: no cover  (the loop returns or raises)

    def _send(
        self,
        conn: http.client.HTTPConnection,
        method: str,
        path: str,
        body: bytes | None,
        extra: dict[str, str],
        sink: Callable[[bytes], None] | None,
    ) -> Reply:
        headers = {"Host": f"{HOST}:{self.port}", "X-Forwarded-Proto": "https", "Accept-Language": "vi"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        began = time.perf_counter()
        conn.request(method, path, body=body, headers=headers | extra)
        response = conn.getresponse()
        self.used = True
        first = 0.0
        chunks: list[bytes] = []
        while True:
            # What has arrived (read(n) waits for n bytes of a chunked body); read() ends the answer for http.client.
            piece = response.read1(65536) or response.read()
            if not piece:
                break
            if not first:
                first = time.perf_counter() - began
            if sink is None:
                chunks.append(piece)
            else:
                sink(piece)
        for header in response.headers.get_all("Set-Cookie") or []:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        if response.will_close:
            self.close()
        return Reply(response.status, response.headers, b"".join(chunks), first)


# --- concurrent clients --------------------------------------------------------------------------------------------


@dataclass
class Sampled:
    """Every answered request's latency (ms) and status (0: no answer), the kinds of the unanswered, the wall time."""

    times: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0


def loop(
    port: int,
    cookies: dict[str, str],
    clients: int,
    send: Callable[[Connection], int],
    samples: int,
    max_seconds: float,
    timeout: float,
    into: Sampled,
) -> Sampled:
    """`clients` threads call `send` (one request on the thread's connection, its status) until `samples` answers or
    `max_seconds`, whichever comes first, each timed into `into`. A request under way then still finishes and counts."""
    lock = threading.Lock()
    stop = threading.Event()
    done = threading.Event()

    def client() -> None:
        conn = Connection(port, cookies, timeout)
        try:
            while not stop.is_set():
                began = time.perf_counter()
                try:
                    status = send(conn)
                    failure = ""
                except TimeoutError:
                    status, failure = 0, "timeout"
                except (OSError, http.client.HTTPException) as exc:
                    status, failure = 0, type(exc).__name__
                took = (time.perf_counter() - began) * 1000
                with lock:
                    into.times.append(took)
                    into.statuses.append(status)
                    if failure:
                        into.failures[failure] += 1
                    if len(into.times) >= samples:
                        done.set()
        finally:
            conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    done.wait(max_seconds)
    stop.set()
    deadline = time.perf_counter() + timeout + 5  # the requests under way: answered or timed out by then
    for thread in threads:
        thread.join(max(deadline - time.perf_counter(), 0))
    into.seconds = time.perf_counter() - began
    return into


# --- the server ----------------------------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    pid: int  # gunicorn's master
    env: dict[str, str]  # the server's environment (for other processes of the same setup: a Celery worker)
    tmp: Path  # its folder: collected static files, file cache, filesystem broker, gunicorn.log
    description: str

    def log(self) -> str:
        return (self.tmp / "gunicorn.log").read_text(errors="replace")


def environment(tmp: Path, settings_module: str = "childprotect.settings") -> dict[str, str]:
    """The production server's environment: this one's (DATABASE_URL, CACHE_URL...) with the production settings."""
    if "DATABASE_URL" not in os.environ:
        raise CommandError("Đặt DATABASE_URL (một bản sao dữ liệu, không phải cơ sở dữ liệu đang dùng).")
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CELERY_TASK_ALWAYS_EAGER")}
    return env | {
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DJANGO_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "CHILDPROTECT_VAR_DIR": str(tmp),  # collected static files, file cache, filesystem broker: all in there
        "CELERY_BROKER_URL": os.environ.get("CHILDPROTECT_BENCH_BROKER_URL", "filesystem://"),
        "CHILDPROTECT_SITE_URL": f"https://{HOST}",
        # The clients are the pretend HTTPS proxy: their X-Forwarded-Proto is believed from this address only.
        "TRUSTED_PROXIES": HOST,
        "PYTHONPATH": str(settings.BASE_DIR),
    }


@contextmanager
def production_server(
    write: Callable[[str], Any],
    workers: int = 0,
    threads: int = 0,
    settings_module: str = "childprotect.settings",
    probe: str = "/accounts/login/",
    extra_env: dict[str, str] | None = None,
    static: bool = True,
    probe_status: int = 200,
) -> Iterator[Server]:
    """gunicorn with the production settings on a free port, answering `probe` with `probe_status`; stopped at the
    end. `static` False skips collectstatic (half a minute on a busy machine): for a server asked for no page."""
    tmp = Path(tempfile.mkdtemp(prefix="httpbench-"))
    server: subprocess.Popen[bytes] | None = None
    previous = signal.getsignal(signal.SIGTERM)
    if threading.current_thread() is threading.main_thread():  # SIGTERM ends the run as Ctrl-C does, cleaned up
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        env = environment(tmp, settings_module) | (extra_env or {})
        if static:
            write("collectstatic (production storage)…")
            done = subprocess.run(  # noqa: S603
                [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "collectstatic", "--noinput", "-v", "0"],
                env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode:
                raise CommandError(f"collectstatic failed:\n{done.stderr[-3000:]}")
        port = free_port()
        sizes = [*(["-w", str(workers)] if workers else [])]
        sizes += ["--threads", str(threads)] if threads else []
        with (tmp / "gunicorn.log").open("wb") as log:
            server = subprocess.Popen(  # noqa: S603  (a fixed argument list, no shell)
                gunicorn("-b", f"{HOST}:{port}", *sizes),
                env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        try:
            wait_up(port, server, probe, probe_status)
        except CommandError as exc:
            raise CommandError(
                f"{exc}; gunicorn.log:\n{(tmp / 'gunicorn.log').read_text(errors='replace')[-3000:]}"
            ) from exc
        per_worker = threads or env.get("GUNICORN_THREADS", "4")
        description = (
            f"gunicorn (gthread) {len(worker_pids(server.pid))} workers × {per_worker} threads on {HOST}:{port}, "
            "DJANGO_PRODUCTION=1, DEBUG off"
        )
        yield Server(port, server.pid, env, tmp, description)
    finally:
        if server is not None:
            _stop(server)
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(tmp, ignore_errors=True)


def wait_up(port: int, server: subprocess.Popen[bytes], probe: str = "/accounts/login/", expected: int = 200) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError("gunicorn stopped while starting")
        try:
            conn = Connection(port, timeout=5)
            status = conn.request("GET", probe).status
            conn.close()
            if status == expected:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise CommandError(f"gunicorn did not answer {probe} with {expected} within 90 s")


# --- the server's processes ----------------------------------------------------------------------------------------


def worker_pids(master: int) -> list[int]:
    """The processes whose parent is `master` (gunicorn's workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == master:
            pids.append(int(entry.name))
    return sorted(pids)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB (empty when it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(VmRSS|VmHWM):\s+(\d+) kB", text, re.MULTILINE)}
