"""The application over HTTP, as people use it: the production server, real logins, many clients at once.

    DATABASE_URL=postgres://.../copy .venv/bin/python manage.py benchmark http [--clients 1,10,50] [--samples 100]
        [--max-seconds 10] [--cold] [--exports csv,xlsx] [--only WORDS] [--markdown]

It starts gunicorn with the production settings file (childprotect/deploy/gunicorn.conf.py) and the production
Django settings (DJANGO_PRODUCTION=1, DEBUG off, a throwaway SECRET_KEY, static files collected into a temporary
folder) on a free port of 127.0.0.1, against the configured DATABASE_URL. Requests carry `X-Forwarded-Proto: https`,
as the reverse proxy in front of production sends it, so the HTTPS redirect, secure cookies and the CSRF checks stay
as they are in production. Each demo role logs in through the login form once (`admin`, `supervisor`, `officer_a`,
and `admin` again through the Django admin's own form); every client of a role then shares that session.

For each page and each number of concurrent clients, the clients (threads, one keep-alive connection each) request
the page in a loop until --samples requests have been answered or --max-seconds have passed, whichever comes first
(the requests then under way still finish and count: a page at several seconds a request runs past --max-seconds, by
at most --timeout); every request's latency and status is kept. It prints p50, p95, p99, requests/s and errors (any
answer but 200, and time-outs or broken connections) per page and level, with the number of samples behind them.
For each page it also prints the SQL floor: the page's queries, captured in this process (Django's test client,
the same user, the same database), each run three times under `EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON)`, the
lowest planning plus execution time of each summed: the database's own share of the page with no Python, network or
rendering; and the ratio of the page's median at one client to it.

--cold restarts the PostgreSQL cluster serving DATABASE_URL (found by its port in `pg_lsclusters`; as root) and drops
the kernel's page cache when /proc/sys/vm/drop_caches is writable, before each page, and times that page's first and
second requests. It cuts every other connection to that cluster: use a cluster of your own.

--exports times the CSV export of every case as the national administrator (time to the first byte, total, bytes,
lines) and the gunicorn workers' memory (VmRSS before, sampled peak, after; VmHWM) read from /proc; and the XLSX
export when it is made by a background job (request, job page, status, download), which it recognises on an empty
export first: when the server answers an XLSX file directly, it says so and does not make the big one in a request.

The server, the client and the loop of clients are in devtools/bench/serving.py (shared with `benchmark api`).

It prints figures and never fails on time. It writes what logging in writes (sessions, the last login, audit
entries) and the exports' audit entries: run it on a copy of the data, never on a database people use. Everything it
starts is stopped at the end, also on Ctrl-C.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.models import Count
from django.test import Client as DjangoClient
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from devtools.bench.load import _stop
from devtools.bench.serving import (
    HOST,
    Connection,
    Reply,
    Sampled,
    add_load_arguments,
    loop,
    memory_kb,
    percentile,
    production_server,
    table,
    worker_pids,
)

# Kinds of page the targets speak of: every list, search and dashboard.
TARGETED = ("list", "search", "dashboard")
TARGET_ONE_MS, TARGET_TEN_MS, FLOOR_RATIO = 150.0, 600.0, 3.0
# The demo accounts each role logs in as (devtools/demo); "admin_site" is the administrator through /admin/login/.
USERNAMES = {"admin": "admin", "admin_site": "admin", "supervisor": "supervisor", "officer": "officer_a"}


# --- figures -----------------------------------------------------------------------------------------------------


@dataclass
class Page:
    title: str
    who: str  # a key of USERNAMES
    path: str
    kind: str  # list, search, dashboard, page (targets apply to the first three)


@dataclass
class Run:
    """One page at one number of clients: every answered request's latency (ms) and status (0: no answer)."""

    page: Page
    clients: int
    times: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)  # the kinds of requests with no answer
    seconds: float = 0.0  # wall time of the run

    @property
    def errors(self) -> int:
        return sum(1 for s in self.statuses if s != 200)

    @property
    def rate(self) -> float:
        return len(self.times) / self.seconds if self.seconds else 0.0

    def p(self, pct: float) -> float:
        return percentile(self.times, pct)

    def target(self) -> tuple[str, str]:
        """The target for this page at this level, and whether it was met (– when none applies)."""
        if self.clients >= 50:
            return "0 errors", "yes" if not self.errors else "NO"
        if self.page.kind not in TARGETED or self.clients not in (1, 10):
            return "–", "–"
        limit = TARGET_ONE_MS if self.clients == 1 else TARGET_TEN_MS
        met = self.p(95) <= limit and (self.clients > 1 or not self.errors)
        return f"p95 ≤ {limit:g} ms", "yes" if met else "NO"


@dataclass
class Floor:
    queries: int
    explained: int  # the SELECTs run under EXPLAIN ANALYZE
    ms: float


# --- the HTTP client -----------------------------------------------------------------------------------------------


def login(
    port: int, username: str, password: str, path: str = "/accounts/login/", next_url: str = ""
) -> dict[str, str]:
    """The cookies of a session opened through a login form (the site's, or the Django admin's with `next_url`)."""
    client = Connection(port)
    url = path + (f"?next={urllib.parse.quote(next_url)}" if next_url else "")
    client.request("GET", url)
    csrf = client.cookies.get(settings.CSRF_COOKIE_NAME, "")
    form = {"csrfmiddlewaretoken": csrf, "username": username, "password": password}
    if next_url:
        form["next"] = next_url
    reply = client.request(
        "POST",
        url,
        urllib.parse.urlencode(form).encode(),
        {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"https://{HOST}:{client.port}{url}"},
    )
    client.close()
    location = reply.headers.get("Location", "")
    if reply.status != 302 or "login" in location or settings.SESSION_COOKIE_NAME not in client.cookies:
        raise CommandError(f"{username}: đăng nhập qua {path} không được (HTTP {reply.status}, {location or '–'}).")
    return client.cookies


def drive(port: int, cookies: dict[str, str], run: Run, samples: int, max_seconds: float, timeout: float) -> Run:
    """`run.clients` threads request the page until `samples` answers or `max_seconds`, whichever comes first.
    A request under way then still finishes and counts."""
    into = Sampled(run.times, run.statuses, run.failures)
    run.seconds = loop(
        port, cookies, run.clients, lambda conn: conn.request("GET", run.page.path).status, samples, max_seconds,
        timeout, into,
    ).seconds  # fmt: skip
    return run


# --- the server and its processes ----------------------------------------------------------------------------------


def find_cluster(port: int) -> tuple[str, str] | None:
    """(version, name) of the local PostgreSQL cluster listening on `port`, from pg_lsclusters."""
    if not shutil.which("pg_lsclusters"):
        return None
    out = subprocess.run(["pg_lsclusters", "--no-header"], capture_output=True, text=True, check=False).stdout  # noqa: S607
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[2] == str(port):
            return parts[0], parts[1]
    return None


class Command(BaseCommand):
    help = (
        "Máy chủ thật (gunicorn, cấu hình production), đăng nhập qua biểu mẫu, 1/10/50 người dùng cùng lúc: "
        "p50/p95/p99, yêu cầu/giây, lỗi, mức sàn SQL (EXPLAIN ANALYZE) của từng trang."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_load_arguments(parser, "page")
        parser.add_argument("--no-floor", action="store_true", help="skip the SQL floor (EXPLAIN ANALYZE)")
        parser.add_argument("--cold", action="store_true", help="restart PostgreSQL before each page (see --help)")
        parser.add_argument("--exports", default="csv,xlsx", help="exports to time: csv, xlsx, both, or none")
        parser.add_argument("--password", default="", help="the demo accounts' password (default: the demo's)")

    def handle(self, *args: Any, **options: Any) -> None:
        from devtools.demo import demo_password

        self.markdown = options["markdown"]
        levels = [int(n) for n in options["clients"].split(",") if n.strip()]
        exports = {e.strip().lower() for e in options["exports"].split(",")} - {"", "none"}
        password = options["password"] or demo_password()
        pages, info = self._pages([w.strip().lower() for w in options["only"].split(",") if w.strip()])
        self.notes: list[str] = []
        load_before = os.getloadavg()
        with production_server(
            self.stderr.write, options["workers"], options["threads"], "devtools.bench.admin_settings"
        ) as server:  # the production settings + /bench-admin/
            try:
                port = server.port
                info.append(server.description)
                sessions: dict[str, dict[str, str]] = {}
                for who in sorted({p.who for p in pages}):
                    if who == "anonymous":
                        sessions[who] = {}
                        continue
                    username = USERNAMES[who]
                    if who == "admin_site":
                        sessions[who] = login(port, username, password, "/admin/login/", "/admin/")
                    else:
                        sessions[who] = login(port, username, password)
                runs = self._pages_over_http(port, pages, sessions, levels, options)
                measured = [p for p in pages if any(r.page is p for r in runs)]
                floors = {} if options["no_floor"] else self._floors(measured)
                cold = self._cold(port, measured, sessions) if options["cold"] else []
                export_rows = (
                    self._exports(port, server.pid, sessions.get("admin"), exports, server.env, server.tmp)
                    if exports
                    else []
                )
                self._print(info, runs, floors, cold, export_rows, load_before, server.log(), options)
            finally:  # the Celery worker of the XLSX export, before its server's folder goes
                for worker in getattr(self, "celery", []):
                    _stop(worker)

    # --- set-up ------------------------------------------------------------------------------------------------

    def _pages(self, only: list[str]) -> tuple[list[Page], list[str]]:
        """The pages measured, from the data (the supervisor's last page, the officer's busiest case), and the
        description of the machine and the data."""
        from cases import selectors
        from cases.models import Case, Child
        from childprotect.accounts.models import User

        users = {u.username: u for u in User.objects.select_related("unit").filter(username__in=USERNAMES.values())}
        missing = sorted(set(USERNAMES.values()) - set(users))
        if missing:
            raise CommandError(f"Cần dữ liệu mẫu (loaddemo): thiếu {', '.join(missing)}.")
        supervisor, officer = users["supervisor"], users["officer_a"]
        province_cases = selectors.cases_list(supervisor, selectors.CaseFilters()).count()
        last = max(1, -(-province_cases // 25))
        busiest = (
            Case.objects.filter(unit=officer.unit)
            .annotate(n=Count("steps"))
            .order_by("-n", "-pk")
            .values_list("pk", flat=True)
            .first()
        )
        pages = [
            # The server's own floor: a page with no query of note (the login form), as anyone reaches it.
            Page("login page (no query)", "anonymous", "/accounts/login/", "page"),
            Page("national case list", "admin", "/cases/", "list"),
            Page("Django admin changelist of Case", "admin_site", "/bench-admin/cases/case/", "list"),
            Page("case list, page 1", "supervisor", "/cases/", "list"),
            Page(f"case list, last page ({last})", "supervisor", f"/cases/?page={last}", "list"),
            Page("dashboard (home)", "supervisor", "/", "dashboard"),
            Page("children list", "supervisor", "/children/", "list"),
            Page("children list", "officer", "/children/", "list"),
            Page("inbox (home)", "officer", "/", "dashboard"),
            Page("reports list (Mẫu 01)", "supervisor", "/reports/", "list"),
            # The caseload figures over the last 12 months (home/caseload.py: two queries, the medians in Python).
            Page("caseload page", "supervisor", "/home/caseload/", "dashboard"),
            # What the offline field app reads before it syncs (vocabularies, communes, a fresh CSRF token).
            Page("field app's bootstrap (API)", "officer", "/api/v1/field/", "page"),
        ]
        for who in ("supervisor", "admin"):
            for q in ("nguyen", "ngu", "nguyen van an"):
                pages.append(Page(f"search '{q}'", who, f"/children/?q={urllib.parse.quote_plus(q)}", "search"))
        if busiest is not None:
            pages.append(Page("case page (longest timeline)", "officer", f"/cases/{busiest}/", "page"))
        if only:
            pages = [p for p in pages if any(w in f"{p.title} {p.who}".lower() for w in only)]
        vendor = connection.vendor
        version = ""
        if vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                version = f" {cursor.fetchone()[0]}"
                cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
                version += f", database {cursor.fetchone()[0]}"
        info = [
            f"{os.cpu_count()} cores (nproc), Python {sys.version.split()[0]}",
            f"{vendor}{version}: {Child.objects.count():,} children, {Case.objects.count():,} cases; "
            f"{supervisor.unit}: {province_cases:,} cases; {officer.unit}: "
            f"{Case.objects.filter(unit=officer.unit).count():,} cases",
        ]
        return pages, info

    # --- pages ---------------------------------------------------------------------------------------------------

    def _pages_over_http(
        self, port: int, pages: list[Page], sessions: dict[str, dict[str, str]], levels: list[int], options: Any
    ) -> list[Run]:
        runs: list[Run] = []
        for page in pages:
            warm = Connection(port, sessions[page.who], options["timeout"])
            status = warm.request("GET", page.path).status  # one untimed request: the page's code and data warm
            warm.close()
            if status == 404:
                self.notes.append(f"{page.title} ({page.who}, {page.path}): 404, not measured (not in this version)")
                continue
            for clients in levels:
                run = drive(
                    port, sessions[page.who], Run(page, clients), options["samples"], options["max_seconds"],
                    options["timeout"],
                )  # fmt: skip
                runs.append(run)
                self.stderr.write(
                    f"  {page.title} ({page.who}) × {clients}: {len(run.times)} answers, p50 {run.p(50):.0f} ms, "
                    f"p95 {run.p(95):.0f} ms, {run.rate:.1f}/s, {run.errors} errors"
                )
        return runs

    def _floors(self, pages: list[Page]) -> dict[str, Floor]:
        """Each page's SQL floor, from its queries captured here and run under EXPLAIN ANALYZE (PostgreSQL only)."""
        from childprotect.accounts.models import User

        if connection.vendor != "postgresql":
            self.notes.append("SQL floor: PostgreSQL only (EXPLAIN ANALYZE), not measured on this database")
            return {}
        host = (settings.ALLOWED_HOSTS or [HOST])[0].lstrip(".").replace("*", HOST)
        clients: dict[str, DjangoClient] = {}
        floors: dict[str, Floor] = {}
        for page in pages:
            if page.who not in clients:
                clients[page.who] = DjangoClient(HTTP_HOST=host)
                if page.who in USERNAMES:
                    clients[page.who].force_login(User.objects.get(username=USERNAMES[page.who]))
            client = clients[page.who]
            with override_settings(ROOT_URLCONF="devtools.bench.admin_urls"):  # the server's URLs
                client.get(page.path)  # warm, as the HTTP runs were
                with CaptureQueriesContext(connection) as captured:
                    response = client.get(page.path)
            if response.status_code != 200:
                continue
            selects = [
                q["sql"] for q in captured.captured_queries if q["sql"].lstrip()[:6].upper() in ("SELECT", "WITH")
            ]
            total = 0.0
            with connection.cursor() as cursor:
                for sql in selects:  # each query's best of three: a moment of load elsewhere does not count
                    best = math.inf
                    for _ in range(3):
                        cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + sql)
                        row = cursor.fetchone()[0]
                        plan = (json.loads(row) if isinstance(row, str) else row)[0]
                        best = min(best, plan.get("Planning Time", 0.0) + plan.get("Execution Time", 0.0))
                    total += best
            floors[key(page)] = Floor(len(captured.captured_queries), len(selects), total)
        return floors

    # --- cold cache ----------------------------------------------------------------------------------------------

    def _cold(self, port: int, pages: list[Page], sessions: dict[str, dict[str, str]]) -> list[list[str]]:
        db = settings.DATABASES["default"]
        if connection.vendor != "postgresql" or db.get("HOST", "") not in ("", "127.0.0.1", "localhost", "::1"):
            self.notes.append("cold cache: needs a PostgreSQL cluster on this machine; not measured")
            return []
        cluster = find_cluster(int(db.get("PORT") or 5432))
        if cluster is None:
            self.notes.append("cold cache: no cluster on the database's port in pg_lsclusters; not measured")
            return []
        drop = Path("/proc/sys/vm/drop_caches")
        can_drop = os.access(drop, os.W_OK)
        self.notes.append(
            f"cold cache: PostgreSQL {cluster[0]}/{cluster[1]} restarted before each page; kernel page cache "
            + ("dropped (sync; echo 3 > /proc/sys/vm/drop_caches)" if can_drop else "NOT dropped (not writable)")
        )
        connection.close()
        rows = []
        for page in pages:
            subprocess.run(  # noqa: S603
                ["pg_ctlcluster", "--skip-systemctl-redirect", *cluster, "restart"],  # noqa: S607
                check=True, capture_output=True,
            )  # fmt: skip
            if can_drop:
                os.sync()
                try:
                    drop.write_text("3\n")
                except OSError as exc:
                    self.notes.append(f"cold cache: drop_caches refused ({exc})")
                    can_drop = False
            self._wait_db()
            times = []
            for _ in range(2):
                conn = Connection(port, sessions[page.who], 120)
                began = time.perf_counter()
                status = conn.request("GET", page.path).status
                times.append(f"{(time.perf_counter() - began) * 1000:,.0f}" + ("" if status == 200 else f" ({status})"))
                conn.close()
            rows.append([page.title, page.who, *times])
            self.stderr.write(f"  cold {page.title} ({page.who}): {times[0]} ms, then {times[1]} ms")
        return rows

    def _wait_db(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection.close()
                connection.ensure_connection()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    # --- exports -------------------------------------------------------------------------------------------------

    def _exports(
        self, port: int, master: int, cookies: dict[str, str] | None, kinds: set[str], env: dict[str, str], tmp: Path
    ) -> list[list[str]]:
        if cookies is None:
            return []
        rows = []
        if "csv" in kinds:
            rows.append(self._export_file(port, master, cookies, "/cases/export/?format=csv", "CSV, streamed"))
        if "xlsx" in kinds:
            probe = Connection(port, cookies, 120)
            reply = probe.request("GET", "/children/export/?format=xlsx&q=khong-co-ai-ten-nay-zzz")
            probe.close()
            if reply.status == 200:
                self.notes.append(
                    "XLSX export: the server answers the file itself (made in the request, no job): the 100,000-row "
                    "XLSX is not requested; see `benchmark lists` for its time in process"
                )
            elif reply.status in (301, 302, 303):
                worker = self._start_celery(env, tmp)
                rows.append(self._export_job(port, worker, cookies, "/cases/export/?format=xlsx"))
            else:
                self.notes.append(f"XLSX export: the empty export answered HTTP {reply.status}; not measured")
        return rows

    @contextmanager
    def _memory(self, master: int) -> Iterator[dict[str, int]]:
        """The gunicorn workers' memory around a block: the largest RSS before, sampled peak and after (kB), and
        the largest rise of a worker's VmHWM."""
        before = {pid: memory_kb(pid) for pid in worker_pids(master)}
        out = {"before": max((m.get("VmRSS", 0) for m in before.values()), default=0), "peak": 0}
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(0.1):
                for pid in worker_pids(master):
                    out["peak"] = max(out["peak"], memory_kb(pid).get("VmRSS", 0))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            yield out
        finally:
            stop.set()
            sampler.join()
            after = {pid: memory_kb(pid) for pid in worker_pids(master)}
            out["after"] = max((m.get("VmRSS", 0) for m in after.values()), default=0)
            out["hwm_rise"] = max(
                (m.get("VmHWM", 0) - before.get(pid, {}).get("VmHWM", 0) for pid, m in after.items() if pid in before),
                default=0,
            )

    def _export_file(self, port: int, master: int, cookies: dict[str, str], path: str, title: str) -> list[str]:
        size = [0, 0]  # bytes, lines

        def sink(piece: bytes) -> None:
            size[0] += len(piece)
            size[1] += piece.count(b"\n")

        conn = Connection(port, cookies, 600)
        with self._memory(master) as memory:
            began = time.perf_counter()
            reply = conn.request("GET", path, sink=sink)
            total = time.perf_counter() - began
        conn.close()
        self.stderr.write(f"  export {title}: HTTP {reply.status}, {size[0]:,} bytes in {total:.1f} s")
        return self._export_row(title, reply.status, reply.first_byte, total, size, memory)

    def _export_row(
        self, title: str, status: int, first: float, total: float, size: list[int], memory: dict[str, int]
    ) -> list[str]:
        return [
            title,
            str(status),
            f"{first * 1000:,.0f}",
            f"{total:,.1f}",
            f"{size[0] / 1e6:,.1f}",
            f"{max(size[1] - 1, 0):,}",
            f"{memory['before'] / 1024:,.0f}",
            f"{memory['peak'] / 1024:,.0f}",
            f"{memory['after'] / 1024:,.0f}",
            f"{memory['hwm_rise'] / 1024:,.0f}",
        ]

    def _export_job(self, port: int, worker: int, cookies: dict[str, str], path: str) -> list[str]:
        """An export made by a Celery job: the request answers a redirect to the job's page (/exports/<id>/), polled
        as JSON (`status`, `finished`, `download_url`) until the file is ready, then downloaded. The memory is the
        Celery worker's (the pool's process under `worker`, the main process), where the file is made."""
        conn = Connection(port, cookies, 600)
        size = [0, 0]
        with self._memory(worker) as memory:
            began = time.perf_counter()
            reply = conn.request("GET", path)
            job = urllib.parse.urlsplit(reply.headers.get("Location", "")).path
            download = ""
            while time.perf_counter() - began < 600 and not download:
                answer = conn.request("GET", job, headers={"Accept": "application/json"})
                download = _job_ready(answer)
                if not download and _job_failed(answer):
                    self.notes.append(f"XLSX export via job: the job ended without a file: {answer.body[:300]!r}")
                    break
                if not download:
                    time.sleep(0.5)
            ready = time.perf_counter() - began
            status, first = 0, 0.0
            if download:
                file = conn.request("GET", download)
                status, first, size = file.status, ready + file.first_byte, [len(file.body), 0]
            total = time.perf_counter() - began
        conn.close()
        if not download:
            self.notes.append(f"XLSX export via job: no file after {total:.0f} s")
        return self._export_row("XLSX via job (first byte: file ready)", status, first, total, size, memory)

    def _start_celery(self, env: dict[str, str], tmp: Path) -> int:
        """A Celery worker (one pool process) on the server's broker, started and ready; its main process's pid."""
        path = tmp / "celery.log"
        with path.open("wb") as log:
            self.celery = [
                subprocess.Popen(  # noqa: S603
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "childprotect",
                        "worker",
                        "--concurrency",
                        "1",
                        "-l",
                        "INFO",
                    ],
                    env=env,
                    cwd=tmp,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            ]
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and b" ready." not in path.read_bytes():
            time.sleep(0.5)
        return self.celery[0].pid

    # --- output --------------------------------------------------------------------------------------------------

    def _print(
        self,
        info: list[str],
        runs: list[Run],
        floors: dict[str, Floor],
        cold: list[list[str]],
        exports: list[list[str]],
        load_before: tuple[float, float, float],
        server_log: str,
        options: Any,
    ) -> None:
        w = self.stdout.write
        load_after = os.getloadavg()
        for line in info:
            w(f"- {line}")
        w(f"- load average (1, 5, 15 min): before {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"after {' '.join(f'{x:.2f}' for x in load_after)}")  # fmt: skip
        w(f"- per page and level: {options['samples']} answers or {options['max_seconds']:g} s, whichever first; "
          f"request time-out {options['timeout']:g} s; server tracebacks: {server_log.count('Traceback')}")  # fmt: skip
        w("")
        header = ["Page", "As", "Clients", "n", "p50 ms", "p95 ms", "p99 ms", "req/s", "Errors", "Target", "Met"]
        rows = []
        for r in runs:
            target, met = r.target()
            errors = str(r.errors)
            if r.errors:
                kinds = Counter(str(s) for s in r.statuses if s not in (0, 200)) + r.failures
                errors += " (" + ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())) + ")"
            rows.append(
                [r.page.title, r.page.who, str(r.clients), str(len(r.times)), f"{r.p(50):,.0f}", f"{r.p(95):,.0f}",
                 f"{r.p(99):,.0f}", f"{r.rate:,.1f}", errors, target, met]
            )  # fmt: skip
        w(table(header, rows, self.markdown, right=(2, 3, 4, 5, 6, 7)))
        if floors:
            w("")
            header = ["Page", "As", "Queries", "EXPLAINed", "SQL floor ms", "p50 ms (1 client)", "p50 / floor", "≤ 3×"]
            rows = []
            singles = {key(r.page): r for r in runs if r.clients == 1}
            for r in runs:
                f = floors.get(key(r.page))
                if f is None or r is not singles.get(key(r.page)):
                    continue
                ratio = r.p(50) / f.ms if f.ms else 0.0
                rows.append(
                    [r.page.title, r.page.who, str(f.queries), str(f.explained), f"{f.ms:,.1f}", f"{r.p(50):,.0f}",
                     f"{ratio:,.1f}", "yes" if ratio <= FLOOR_RATIO else "NO"]
                )  # fmt: skip
            w(table(header, rows, self.markdown, right=(2, 3, 4, 5, 6)))
        national = next(
            (r for r in runs if r.clients == 1 and r.page.path == "/cases/" and r.page.who == "admin"), None
        )
        changelist = next((r for r in runs if r.clients == 1 and r.page.who == "admin_site"), None)
        if national and changelist:
            w("")
            w(f"national case list vs the admin's changelist of Case, 1 client: p50 {national.p(50):,.0f} vs "
              f"{changelist.p(50):,.0f} ms, p95 {national.p(95):,.0f} vs {changelist.p(95):,.0f} ms: "
              f"{'no slower' if national.p(95) <= changelist.p(95) else 'SLOWER'}")  # fmt: skip
        if cold:
            w("")
            w(table(["Page (cold)", "As", "1st request ms", "2nd request ms"], cold, self.markdown, right=(2, 3)))
        if exports:
            w("")
            header = ["Export (all cases, admin)", "HTTP", "1st byte ms", "Total s", "MB", "Lines",
                      "Worker RSS before MB", "peak MB", "after MB", "VmHWM rise MB"]  # fmt: skip
            w(table(header, exports, self.markdown, right=(2, 3, 4, 5, 6, 7, 8, 9)))
        if self.notes:
            w("")
        for note in self.notes:
            w(f"- {note}")


def key(page: Page) -> str:
    return f"{page.who} {page.path}"


def _job_failed(answer: Reply) -> bool:
    """The job page says the job is over without a file (failed, expired)."""
    if "json" not in answer.headers.get("Content-Type", ""):
        return False
    data = json.loads(answer.body or b"{}")
    return bool(data.get("finished")) and data.get("status") != "done"


def _job_ready(answer: Reply) -> str:
    """The download address once a job page says its file is ready ("" while it is not)."""
    content_type = answer.headers.get("Content-Type", "")
    if answer.status in (301, 302, 303):
        return urllib.parse.urlsplit(answer.headers.get("Location", "")).path
    if "json" in content_type:
        data = json.loads(answer.body or b"{}")
        url = data.get("download_url") or data.get("url") or ""
        return str(url) if url and str(data.get("status", "done")).lower() in ("done", "ready", "success") else ""
    return ""
