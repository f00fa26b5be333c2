"""The API over real HTTP, as its callers use it: the production server, bearer tokens, many clients at once.

    DATABASE_URL=postgres://.../copy .venv/bin/python manage.py benchmark api [--clients 1,10,50] [--samples 100]
        [--max-seconds 10] [--timeout 30] [--workers N] [--threads N] [--only WORDS] [--query nguyen] [--markdown]

The server is `benchmark http`'s (devtools/bench/serving.py): gunicorn with the production settings on a free port of
127.0.0.1 against the configured DATABASE_URL, with CACHE_URL as set here (the rate limits are counted in that cache:
Redis in production; unset, a file cache in the server's folder). Before it starts, this command registers, or
reuses, two API clients for the whole country: "Benchmark API (không giới hạn)" with a rate limit no run reaches, so
that the throttle's bookkeeping is measured but never refuses, and "Benchmark API (giới hạn mặc định)" with the
default limit; it issues a token for each and a personal token for the demo officer (`officer_a`, loaddemo), whose
per-person limit (CHILDPROTECT_API_PERSON_RATE) the server is given as high, for the same reason.

The scenarios, each for every number of concurrent clients (threads, one keep-alive connection each), until
--samples answers or --max-seconds, whichever first, as `benchmark http` does:

- `POST /api/v1/reports/` with one child and a new `Idempotency-Key` per request, in the officer's commune: a real
  intake (report, child, case, deadlines, notifications, audit entries, the idempotency record, the first webhook
  event), expected 201;
- the same POST again with a key already used and the same body: the idempotent replay, expected 201 with
  `Idempotent-Replayed: true` (a 201 without it is counted as an error);
- `GET /api/v1/reports/<reference>/` of a report the client sent, `GET /api/v1/me/`, expected 200;
- `GET /api/v1/cases/` and `GET /api/v1/children/?q=...` as the officer, with the personal token, expected 200.

Every answer but the expected one, and time-outs or broken connections, are errors. Then, once, the client with the
default limit asks `GET /api/v1/me/` at the highest level of concurrency for twice its limit: the answers 200 and
429, and the latency of each kind. Then the anatomy of one request of each scenario, in this process (Django's test
client, the same database, the median of five): its queries, of which writes, and their time, beside its whole time.

It prints the machine's cores and load average at the start and at the end, and never fails on time. It writes
reports, children, cases, tokens and audit entries: run it on a copy of the data, never on a database people use.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client as DjangoClient
from django.test import override_settings
from django.utils import timezone

from devtools.bench.serving import (
    HOST,
    Connection,
    Sampled,
    add_load_arguments,
    loop,
    percentile,
    production_server,
    table,
)

UNLIMITED = 10_000_000  # requests a minute: the throttle counts, never refuses
CLIENT_NAME = "Benchmark API (không giới hạn)"
LIMITED_NAME = "Benchmark API (giới hạn mặc định)"
ANATOMY_TRIES = 5  # requests of each scenario in process; the median's figures are printed
NOT_REPLAYED = 1  # the status recorded for a replay answered 201 without Idempotent-Replayed
SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ")
MIDDLE = ("Văn", "Thị", "Minh", "Ngọc", "Đức", "Thu", "Quang", "Thanh")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khôi", "Lan", "Mai", "Nam", "Phúc", "Quân", "Sơn", "Tâm")


@dataclass
class Scenario:
    title: str
    who: str  # "client" (the unlimited client's token), "officer" (the officer's own token), "limited"
    method: str
    path: str
    expected: int
    body: Callable[[], tuple[bytes, str]] | None = None  # a fresh (body, Idempotency-Key) for each request
    replay: bool = False  # the answer must say Idempotent-Replayed
    shown: str = ""  # the request as printed (default: the method and the path)

    @property
    def request(self) -> str:
        return self.shown or f"{self.method} {self.path}"


@dataclass
class ApiRun:
    scenario: Scenario
    clients: int
    sampled: Sampled

    @property
    def errors(self) -> int:
        return sum(1 for s in self.sampled.statuses if s != self.scenario.expected)

    @property
    def rate(self) -> float:
        return len(self.sampled.times) / self.sampled.seconds if self.sampled.seconds else 0.0

    def p(self, pct: float) -> float:
        return percentile(self.sampled.times, pct)

    def error_kinds(self) -> str:
        kinds = Counter(
            "201 not replayed" if s == NOT_REPLAYED else str(s)
            for s in self.sampled.statuses
            if s not in (0, self.scenario.expected)
        )
        kinds += self.sampled.failures
        return ", ".join(f"{k}: {n}" for k, n in sorted(kinds.items()))


def report_body(commune: str, name: str) -> dict[str, Any]:
    """A violence report received by the hotline a minute ago in `commune`, with one child (docs/api.md#intake)."""
    received = timezone.localtime() - dt.timedelta(minutes=1)
    return {
        "received_at": received.replace(second=0, microsecond=0).isoformat(),
        "channel": "hotline_111",
        "report_type": "thong_bao",
        "reporter": {"relation": "Hàng xóm"},
        "incident": {
            "commune": commune,
            "date": received.date().isoformat(),
            "place": "Tổ dân phố 3",
            "description": "Hàng xóm nghe thấy trẻ bị đánh nhiều lần vào buổi tối (đo hiệu năng).",
            "environment": "family",
        },
        "forms": ["violence"],
        "children": [{"full_name": name, "sex": "male", "date_of_birth": "2015-03-05"}],
    }


def child_name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


def _timed(into: list[tuple[str, float]]) -> Callable[..., Any]:
    """A database execute wrapper that adds each query's first word and time (ms, from sending to the result)."""

    def wrapper(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            into.append((sql.lstrip()[:6].upper(), (time.perf_counter() - began) * 1000))

    return wrapper


class Command(BaseCommand):
    help = (
        "API qua HTTP thật (gunicorn, cấu hình production), mã truy cập, 1/10/50 máy gọi cùng lúc: nhận thông tin "
        "(mới và gửi lại), trạng thái, /me, hồ sơ và trẻ em; p50/p95/p99, yêu cầu/giây, lỗi, giới hạn tần suất."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_load_arguments(parser, "scenario")
        parser.add_argument("--officer", default="officer_a", help="the person whose own token reads (officer_a)")
        parser.add_argument("--query", default="nguyen", help="the children search's words (nguyen)")
        parser.add_argument("--no-throttle", action="store_true", help="skip the run with the default rate limit")
        parser.add_argument("--no-anatomy", action="store_true", help="skip each request's queries, in process")

    def handle(self, *args: Any, **options: Any) -> None:
        self.markdown = options["markdown"]
        levels = [int(n) for n in options["clients"].split(",") if n.strip()]
        only = [w.strip().lower() for w in options["only"].split(",") if w.strip()]
        if "DATABASE_URL" not in os.environ:  # before anything is written
            raise CommandError("Đặt DATABASE_URL (một bản sao dữ liệu, không phải cơ sở dữ liệu đang dùng).")
        load_before = os.getloadavg()
        tokens, limit, commune, info = self._setup(options["officer"])
        self.rng = random.Random(20261204)  # noqa: S311  (names for test data)
        extra = {"CHILDPROTECT_API_PERSON_RATE": str(UNLIMITED)}
        with production_server(
            self.stderr.write, options["workers"], options["threads"], probe="/api/v1/me/", probe_status=401,
            extra_env=extra, static=False,
        ) as server:  # fmt: skip
            info.append(server.description + "; no collectstatic (the API serves no static file)")
            info.append(f"cache (rate limits): {os.environ.get('CACHE_URL') or 'file cache in the server folder'}")
            scenarios = self._scenarios(server.port, tokens, commune, options["query"])
            if only:
                scenarios = [s for s in scenarios if any(w in f"{s.title} {s.who}".lower() for w in only)]
            runs = [self._run(server.port, tokens, s, n, options) for s in scenarios for n in levels]
            throttled = None
            if not options["no_throttle"]:
                throttled = self._throttled(server.port, tokens["limited"], limit, max(levels), options)
            anatomy = [] if options["no_anatomy"] else self._anatomy(scenarios, tokens)
            self._print(info, runs, throttled, limit, anatomy, load_before, server.log(), options)

    # --- set-up ----------------------------------------------------------------------------------------------------

    def _setup(self, officer_name: str) -> tuple[dict[str, str], int, str, list[str]]:
        """The clients and tokens (registered or reused; tokens new), the commune reports are sent to, the data."""
        from api.models import ApiClient, ClientKind
        from api.services import client_register, token_issue
        from cases.models import Case, Child, Report
        from childprotect.accounts.models import Role, User

        officer = User.objects.select_related("unit").filter(username=officer_name, is_active=True).first()
        admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
        if officer is None or admin is None or officer.unit is None:
            raise CommandError(f"Cần dữ liệu mẫu (loaddemo): {officer_name} (có xã) và một quản trị viên.")
        default_limit = int(ApiClient._meta.get_field("rate_limit").get_default())
        clients = {}
        for key, name, rate in (("client", CLIENT_NAME, UNLIMITED), ("limited", LIMITED_NAME, default_limit)):
            client = ApiClient.objects.select_related("account").filter(name=name).first()
            if client is None:
                client = client_register(actor=admin, name=name, kind=ClientKind.OTHER, scope=None, rate_limit=rate)
            elif client.rate_limit != rate or not client.is_active or client.account.unit_id is not None:
                raise CommandError(f"“{name}” đã có nhưng khác cấu hình của phép đo (toàn quốc, {rate}/phút).")
            clients[key] = client
        tokens = {
            key: token_issue(actor=admin, account=client.account, label="benchmark api", days=1)[1]
            for key, client in clients.items()
        }
        tokens["officer"] = token_issue(actor=officer, account=officer, label="benchmark api", days=1)[1]
        version = ""
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW server_version")
                version = f" {cursor.fetchone()[0]}"
                cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
                version += f", database {cursor.fetchone()[0]}"
        info = [
            f"{os.cpu_count()} cores (nproc), Python {sys.version.split()[0]}",
            f"{connection.vendor}{version}: {Child.objects.count():,} children, {Report.objects.count():,} reports, "
            f"{Case.objects.count():,} cases; {officer.unit}: {Case.objects.filter(unit=officer.unit).count():,} "
            f"cases",
            f"clients: “{CLIENT_NAME}” ({UNLIMITED:,}/min), “{LIMITED_NAME}” ({default_limit}/min), both nationwide; "
            f"{officer_name}'s own token (the server's per-person limit raised to {UNLIMITED:,}/min)",
        ]
        return tokens, default_limit, officer.unit.code, info

    def _scenarios(self, port: int, tokens: dict[str, str], commune: str, query: str) -> list[Scenario]:
        """The scenarios; one intake first, untimed, whose key the replay reuses and whose reference is read."""
        sent = json.dumps(report_body(commune, child_name(self.rng))).encode()
        sent_key = f"bench-{uuid.uuid4()}"
        conn = Connection(port, timeout=60)
        reply = conn.request("POST", "/api/v1/reports/", sent, self._headers(tokens["client"], sent_key))
        conn.close()
        if reply.status != 201:
            raise CommandError(
                f"POST /api/v1/reports/: HTTP {reply.status}: {reply.body[:1000].decode(errors='replace')}"
            )
        reference = json.loads(reply.body)["reference"]

        def fresh() -> tuple[bytes, str]:
            return json.dumps(report_body(commune, child_name(self.rng))).encode(), f"bench-{uuid.uuid4()}"

        reports, search = "/api/v1/reports/", f"/api/v1/children/?q={urllib.parse.quote_plus(query)}"
        return [
            Scenario("intake, new key (1 child)", "client", "POST", reports, 201, fresh),
            Scenario("intake replayed (key used)", "client", "POST", reports, 201, lambda: (sent, sent_key), True),
            Scenario("report status", "client", "GET", f"{reports}{reference}/", 200, shown=f"GET {reports}<ref>/"),
            Scenario("me", "client", "GET", "/api/v1/me/", 200),
            Scenario("case list", "officer", "GET", "/api/v1/cases/", 200),
            Scenario(f"children search '{query}'", "officer", "GET", search, 200),
        ]

    @staticmethod
    def _headers(token: str, key: str = "") -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if key:
            headers |= {"Content-Type": "application/json", "Idempotency-Key": key}
        return headers

    # --- runs ------------------------------------------------------------------------------------------------------

    def _send(self, scenario: Scenario, token: str) -> Callable[[Connection], int]:
        def send(conn: Connection) -> int:
            if scenario.body is None:
                return conn.request(scenario.method, scenario.path, headers=self._headers(token)).status
            body, key = scenario.body()
            reply = conn.request(scenario.method, scenario.path, body, self._headers(token, key))
            if scenario.replay and reply.status == 201 and reply.headers.get("Idempotent-Replayed") != "true":
                return NOT_REPLAYED
            return reply.status

        return send

    def _run(self, port: int, tokens: dict[str, str], scenario: Scenario, clients: int, options: Any) -> ApiRun:
        send = self._send(scenario, tokens[scenario.who])
        if scenario.body is None or scenario.replay:  # one untimed request: the code and the data warm
            warm = Connection(port, timeout=options["timeout"])
            send(warm)
            warm.close()
        sampled = loop(
            port, {}, clients, send, options["samples"], options["max_seconds"], options["timeout"], Sampled()
        )
        run = ApiRun(scenario, clients, sampled)
        self.stderr.write(
            f"  {scenario.title} ({scenario.who}) × {clients}: {len(sampled.times)} answers, p50 {run.p(50):.0f} ms, "
            f"p95 {run.p(95):.0f} ms, {run.rate:.1f}/s, {run.errors} errors"
        )
        return run

    def _throttled(self, port: int, token: str, limit: int, clients: int, options: Any) -> ApiRun:
        """The client with the default limit asks for twice its limit, as fast as `clients` threads can."""
        scenario = Scenario("me, default rate limit", "limited", "GET", "/api/v1/me/", 200)
        sampled = loop(
            port, {}, clients, self._send(scenario, token), 2 * limit, max(options["max_seconds"], 30.0),
            options["timeout"], Sampled(),
        )  # fmt: skip
        self.stderr.write(f"  throttled: {Counter(sampled.statuses)}")
        return ApiRun(scenario, clients, sampled)

    def _anatomy(self, scenarios: list[Scenario], tokens: dict[str, str]) -> list[list[str]]:
        """One request of each scenario in this process, the median of ANATOMY_TRIES by time: its queries, of which
        writes, their time (from sending each to its result), and the request's whole time."""
        host = (settings.ALLOWED_HOSTS or [HOST])[0].lstrip(".").replace("*", HOST)
        client = DjangoClient(HTTP_HOST=host)
        rows = []
        for scenario in scenarios:
            call = client.post if scenario.method == "POST" else client.get

            def request(scenario: Scenario = scenario, call: Any = call) -> Any:
                headers, kwargs = self._headers(tokens[scenario.who]), {}
                if scenario.body is not None:
                    body, key = scenario.body()
                    headers = self._headers(tokens[scenario.who], key)
                    kwargs = {"data": body, "content_type": headers.pop("Content-Type")}
                return call(scenario.path, headers=headers, **kwargs)

            # This process's settings: the person's rate limit raised as the server's was.
            tries = []  # (total ms, status, each query's first word and ms)
            with override_settings(CHILDPROTECT_API_PERSON_RATE=UNLIMITED):
                request()  # once untimed, warm (an intake: one more report)
                for _ in range(ANATOMY_TRIES):
                    timings: list[tuple[str, float]] = []
                    with connection.execute_wrapper(_timed(timings)):
                        began = time.perf_counter()
                        status = request().status_code
                        tries.append(((time.perf_counter() - began) * 1000, status, timings))
            total, status, timings = sorted(tries, key=lambda t: t[0])[len(tries) // 2]  # the median try
            sql = sum(ms for _, ms in timings)
            writes = sum(1 for word, _ in timings if word in ("INSERT", "UPDATE", "DELETE"))
            rows.append(
                [scenario.title, scenario.who, str(status), str(len(timings)), str(writes),
                 f"{sql:,.1f}", f"{total:,.1f}", f"{sql / total:.0%}" if total else "–"]
            )  # fmt: skip
        return rows

    # --- output ----------------------------------------------------------------------------------------------------

    def _print(
        self,
        info: list[str],
        runs: list[ApiRun],
        throttled: ApiRun | None,
        limit: int,
        anatomy: list[list[str]],
        load_before: tuple[float, float, float],
        server_log: str,
        options: Any,
    ) -> None:
        w = self.stdout.write
        load_after = os.getloadavg()
        for line in info:
            w(f"- {line}")
        w(f"- load average (1, 5, 15 min): at the start {' '.join(f'{x:.2f}' for x in load_before)}, "
          f"at the end {' '.join(f'{x:.2f}' for x in load_after)} ({os.cpu_count()} cores)")  # fmt: skip
        w(f"- per scenario and level: {options['samples']} answers or {options['max_seconds']:g} s, whichever first; "
          f"request time-out {options['timeout']:g} s; server tracebacks: {server_log.count('Traceback')}")  # fmt: skip
        w("")
        header = ["Scenario", "As", "Request", "Clients", "n", "p50 ms", "p95 ms", "p99 ms", "req/s", "Errors"]
        rows = []
        for r in runs:
            errors = str(r.errors) + (f" ({r.error_kinds()})" if r.errors else "")
            rows.append(
                [r.scenario.title, r.scenario.who, r.scenario.request, str(r.clients), str(len(r.sampled.times)),
                 f"{r.p(50):,.0f}", f"{r.p(95):,.0f}", f"{r.p(99):,.0f}", f"{r.rate:,.1f}", errors]
            )  # fmt: skip
        w(table(header, rows, self.markdown, right=(3, 4, 5, 6, 7, 8)))
        if throttled is not None:
            w("")
            s = throttled.sampled
            by_status: dict[int, list[float]] = {}
            for status, took in zip(s.statuses, s.times, strict=True):
                by_status.setdefault(status, []).append(took)
            header = ["Default limit", "Clients", "Answer", "n", "p50 ms", "p95 ms", "p99 ms"]
            rows = [
                [f"GET /api/v1/me/, {limit}/min", str(throttled.clients), str(status) if status else "no answer",
                 str(len(times)), f"{percentile(times, 50):,.0f}", f"{percentile(times, 95):,.0f}",
                 f"{percentile(times, 99):,.0f}"]
                for status, times in sorted(by_status.items())
            ]  # fmt: skip
            w(table(header, rows, self.markdown, right=(1, 3, 4, 5, 6)))
            w(f"- {len(s.times)} requests in {s.seconds:.1f} s; answers other than 200 and 429: "
              f"{sum(1 for x in s.statuses if x not in (200, 429))}")  # fmt: skip
        if anatomy:
            w("")
            header = ["One request, in process", "As", "HTTP", "Queries", "of which writes", "SQL ms", "Total ms",
                      "SQL share"]  # fmt: skip
            w(table(header, anatomy, self.markdown, right=(3, 4, 5, 6, 7)))
