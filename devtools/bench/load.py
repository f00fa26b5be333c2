"""`make run`'s embedded SQLite under a commune office's load, measured on real processes.

    .venv/bin/python manage.py benchmark load --rows 100000 --sessions 20

In a fresh temporary folder it migrates a SQLite file, loads the 2026 units and the demo, and adds --sessions commune
officers (account_ensure); then it starts gunicorn on 127.0.0.1 (--workers × --threads), a Celery worker and Celery
beat on the filesystem transport, as `make run` does. Every person logs in through the login page. The administrator
uploads a children's registry of --rows rows (the file of `benchmark import`) on /imports/, waits for the preview
and confirms it; while the import is being written, each officer loops (at most --loops times, --max-seconds in all,
one --pause between requests): log a Mẫu 01 (one-time token), comment on a case, open the home page, open the case list.

It prints, per operation: count, OK, 503 "Hệ thống đang bận", 500, other, median and p95 latency; the import's preview
and confirm times; the server's tracebacks; the machine's load. Then it checks the data: every write answered OK
exists once with its audit entry, every write answered 503 does not exist, the import added exactly --rows children.
Everything it starts is stopped (also on Ctrl-C) and the folder removed. It never touches the configured database.
"""

from __future__ import annotations

import http.cookiejar
import json
import math
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from devtools.bench.importing import synthetic_registry
from devtools.bench.race import Command as RaceCommand
from devtools.bench.race import NoRedirect, free_port, gunicorn, report_form

BUSY = "Hệ thống đang bận"
REPORT, COMMENT, HOME, CASES = "ghi Mẫu 01", "góp ý hồ sơ", "trang chủ", "danh sách hồ sơ"
WRITES = (REPORT, COMMENT)
STATUS = re.compile(r'<p class="text-muted">([^·<]+?) ·')
APPLIED = re.compile(r"apply_import\[[^\]]+\] succeeded in ([0-9.]+)s")
TAG = re.compile(r"LC-[0-9a-f]+-\d+-\d+")


@dataclass
class Call:
    op: str
    status: int
    seconds: float
    outcome: str  # ok, busy, error (a 5xx that is not the busy page), other
    tag: str = ""
    during: bool = False  # sent while the import was being written


@dataclass
class Result:
    rows: int
    sessions: int
    preview_seconds: float = 0.0
    confirm_seconds: float = 0.0
    import_status: str = ""
    calls: list[Call] = field(default_factory=list)
    tracebacks: int = 0
    busy_logged: int = 0
    worker_tracebacks: int = 0
    apply_seconds: float = 0.0  # the worker's import task: about as long as it held the write lock
    load: dict[str, tuple[float, float, float]] = field(default_factory=dict)
    checks: dict[str, Any] = field(default_factory=dict)
    folder: str = ""  # the temporary folder (removed at the end)
    pids: list[int] = field(default_factory=list)  # the processes started (stopped at the end)

    def table(self, during: bool = False) -> dict[str, dict[str, Any]]:
        out = {}
        for op in (REPORT, COMMENT, HOME, CASES):
            calls = [c for c in self.calls if c.op == op and (c.during or not during)]
            times = sorted(c.seconds for c in calls)
            out[op] = {
                "count": len(calls),
                **{k: sum(1 for c in calls if c.outcome == k) for k in ("ok", "busy", "error", "other")},
                "median": statistics.median(times) if times else 0.0,
                "p95": times[max(math.ceil(0.95 * len(times)) - 1, 0)] if times else 0.0,
                "other_statuses": sorted({c.status for c in calls if c.outcome == "other"}),
            }
        return out


class Client:
    """One person's browser over HTTP: a cookie jar (session, CSRF), redirects not followed."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def call(
        self, path: str, data: dict[str, Any] | None = None, upload: tuple[str, bytes] | None = None
    ) -> tuple[int, str, str]:
        headers = {"Referer": self.base + path}
        body = None
        if data is not None:
            csrf = next((c.value for c in self.jar if c.name == settings.CSRF_COOKIE_NAME), "")
            data = {**data, "csrfmiddlewaretoken": csrf}
            if upload is None:
                body = urllib.parse.urlencode(data, doseq=True).encode()
            else:
                boundary = secrets.token_hex(16)
                parts = [
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in data.items()
                ]
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{upload[0]}"\r\n'
                    "Content-Type: text/csv\r\n\r\n".encode()
                    + upload[1]
                    + b"\r\n"
                )
                body = b"".join(parts) + f"--{boundary}--\r\n".encode()
                headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        req = urllib.request.Request(self.base + path, data=body, headers=headers)  # noqa: S310  (127.0.0.1 only)
        try:
            with self.opener.open(req, timeout=300) as response:
                return response.status, response.read().decode(errors="replace"), response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")
        except (urllib.error.URLError, OSError) as exc:
            return 0, repr(exc), ""

    def login(self, username: str, password: str) -> None:
        self.call("/accounts/login/")
        status, body, _ = self.call("/accounts/login/", {"username": username, "password": password})
        if status != 302:
            raise CommandError(f"{username}: đăng nhập không được ({status}): {body[:300]}")


def outcome(op: str, status: int, body: str, location: str) -> str:
    if status == 503 and BUSY in body:
        return "busy"
    if status >= 500:
        return "error"
    if op in WRITES:
        return "ok" if status == 302 and "/accounts/login" not in location else "other"
    return "ok" if status == 200 else "other"


class Command(RaceCommand):  # its scratch-database helpers: _run (manage.py in the scratch env), _wait_up
    help = "Một lần nhập lớn trong lúc nhiều cán bộ cùng ghi, trên SQLite của `make run`: đo và kiểm tra dữ liệu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rows", type=int, default=100000, help="số dòng của tệp trẻ em được nhập")
        parser.add_argument("--sessions", type=int, default=20, help="số cán bộ xã cùng làm việc")
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--threads", type=int, default=4, help="luồng mỗi tiến trình gunicorn")
        parser.add_argument("--loops", type=int, default=30, help="tối đa số vòng (4 yêu cầu) của mỗi cán bộ")
        parser.add_argument("--pause", type=float, default=1.0, help="giây nghỉ giữa hai yêu cầu của một cán bộ")
        parser.add_argument("--max-seconds", type=int, default=900, help="giới hạn thời gian của phần đo")
        parser.add_argument("--no-beat", action="store_true", help="không chạy Celery beat")
        parser.add_argument("--setup", type=int, default=0, help="internal: add N officers, print the cast")
        parser.add_argument("--verify", default="", help="internal: check the writes against the data (JSON)")

    def handle(self, *args: Any, **options: Any) -> None:
        if self.answer_internal(options, build_cast, verify):
            return
        keys = ("rows", "sessions", "workers", "threads", "loops", "pause", "max_seconds")
        result = self.measure(**{k: options[k] for k in keys}, beat=not options["no_beat"])
        self.report(result)

    # --- the driver ----------------------------------------------------------------------------------------------
    def measure(
        self,
        *,
        rows: int,
        sessions: int,
        workers: int = 3,
        threads: int = 4,
        loops: int = 30,
        pause: float = 1.0,
        max_seconds: int = 900,
        beat: bool = True,
    ) -> Result:
        result = Result(rows=rows, sessions=sessions)
        result.load["trước"] = os.getloadavg()
        tmp = Path(tempfile.mkdtemp(prefix="loadcheck-"))
        result.folder = str(tmp)
        env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "CACHE_URL", "DATABASE_URL")}
        env |= {
            "DJANGO_SETTINGS_MODULE": "childprotect.settings",
            "CHILDPROTECT_VAR_DIR": str(tmp),  # filesystem broker, file cache, e-mails: all in the folder
            "DATABASE_URL": f"sqlite:///{tmp / 'load.sqlite3'}",
            "DEBUG": "0",
            "PYTHONPATH": str(settings.BASE_DIR),
        }
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        processes: list[subprocess.Popen[bytes]] = []
        stop = threading.Event()
        previous = signal.getsignal(signal.SIGTERM)
        if threading.current_thread() is threading.main_thread():  # SIGTERM ends the run as Ctrl-C does, cleaned up
            signal.signal(signal.SIGTERM, _interrupt)
        try:
            self._run([*manage, "migrate", "--noinput", "-v", "0"], env)
            self._run([*manage, "loadunits", "2026"], env)
            self._run([*manage, "loaddemo"], env)
            cast = json.loads(
                self._run([*manage, "benchmark", "load", "--setup", str(sessions)], env).strip().splitlines()[-1]
            )
            content = synthetic_registry(rows, cast["communes"], random.Random(7), "csv")  # noqa: S311
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            env["CHILDPROTECT_SITE_URL"] = base
            celery = [sys.executable, "-m", "celery", "-A", "childprotect"]
            commands = {
                "gunicorn": gunicorn(
                    "-b", f"127.0.0.1:{port}", "-w", str(workers), "--threads", str(threads), "--timeout", "300"
                ),
                "celery": [*celery, "worker", "--loglevel", "INFO", "--concurrency", "2"],
            }
            if beat:
                commands["beat"] = [*celery, "beat", "--loglevel", "INFO"]
                commands["beat"] += ["--scheduler", settings.CELERY_BEAT_SCHEDULER]
            for name, command in commands.items():
                with (tmp / f"{name}.log").open("wb") as log:
                    # Its own process group, so that stopping it stops its children too (Celery's pool).
                    processes.append(
                        subprocess.Popen(  # noqa: S603  (fixed argument lists, no shell)
                            command, env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                        )
                    )
                    result.pids.append(processes[-1].pid)
            self._wait_up(base)
            admin = Client(base)
            admin.login("admin", cast["password"])
            officers = []
            for username in cast["officers"]:
                officers.append(Client(base))
                officers[-1].login(username, cast["password"])
            self._import(result, admin, officers, cast, content, stop, loops, pause, max_seconds)
            stop.set()
            for process in processes:  # the server's logs are complete once it has stopped
                _stop(process)
            result.load["sau"] = os.getloadavg()
            server_log = (tmp / "gunicorn.log").read_text(errors="replace")
            result.tracebacks = server_log.count("Traceback")
            result.busy_logged = server_log.count("answered 503")
            applied = APPLIED.search((tmp / "celery.log").read_text(errors="replace"))
            result.apply_seconds = float(applied.group(1)) if applied else 0.0
            result.worker_tracebacks = sum(
                (tmp / f"{n}.log").read_text(errors="replace").count("Traceback") for n in commands if n != "gunicorn"
            )
            writes = {
                op: {k: [c.tag for c in result.calls if c.op == op and c.outcome == k] for k in ("ok", "busy", "other")}
                for op in WRITES
            }
            payload = {"writes": writes, "rows": rows, "officers": cast["officers"]}
            result.checks = json.loads(
                self._run([*manage, "benchmark", "load", "--verify", json.dumps(payload)], env).strip().splitlines()[-1]
            )
            return result
        finally:
            stop.set()
            for process in processes:
                _stop(process)
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, previous)
            shutil.rmtree(tmp, ignore_errors=True)

    def _import(
        self,
        result: Result,
        admin: Client,
        officers: list[Client],
        cast: dict[str, Any],
        content: bytes,
        stop: threading.Event,
        loops: int,
        pause: float,
        max_seconds: int,
    ) -> None:
        deadline = time.monotonic() + max_seconds
        began = time.monotonic()
        status, body, location = admin.call("/imports/", {"kind": "children"}, upload=("loadcheck.csv", content))
        if status != 302:
            raise CommandError(f"tải tệp lên không được ({status}): {body[:500]}")
        job = urllib.parse.urlsplit(location).path
        state = self._wait(admin, job, ("Đã kiểm tra, chờ xác nhận", "Tệp không nhập được"), deadline)
        result.preview_seconds = time.monotonic() - began
        if state != "Đã kiểm tra, chờ xác nhận":
            raise CommandError(f"xem trước: {state}")
        result.load["lúc xác nhận"] = os.getloadavg()
        run = secrets.token_hex(4)
        lock = threading.Lock()
        importing_done = threading.Event()

        def person(i: int, client: Client) -> None:
            for n in range(loops):
                if stop.is_set() or time.monotonic() > deadline or (n and importing_done.is_set()):
                    return
                tag = f"LC-{run}-{i}-{n}"
                case = cast["cases"][(i + n) % len(cast["cases"])]
                steps: list[tuple[str, str, dict[str, Any] | None]] = [
                    (REPORT, "/reports/new/", {**report_form(cast, tag), "form_token": tag_token()}),
                    (COMMENT, f"/cases/{case}/comment/", {"text": f"Góp ý thử {tag}.", "form_token": tag_token()}),
                    (HOME, "/", None),
                    (CASES, "/cases/", None),
                ]
                for op, path, data in steps:
                    started, during = time.monotonic(), not importing_done.is_set()
                    status, body, location = client.call(path, data)
                    answer = outcome(op, status, body, location)
                    call = Call(op, status, time.monotonic() - started, answer, tag, during)
                    with lock:
                        result.calls.append(call)
                    stop.wait(pause)

        people = [threading.Thread(target=person, args=(i, c), daemon=True) for i, c in enumerate(officers)]
        began = time.monotonic()
        status, body, _ = admin.call(f"{job}confirm/", {})
        if status != 302:
            raise CommandError(f"xác nhận không được ({status}): {body[:500]}")
        for thread in people:
            thread.start()
        result.import_status = self._wait(admin, job, ("Đã nhập xong", "Lỗi khi nhập"), deadline)
        result.confirm_seconds = time.monotonic() - began
        importing_done.set()
        for thread in people:
            thread.join(max(deadline - time.monotonic(), 1))

    def _wait(self, admin: Client, job: str, ends: tuple[str, ...], deadline: float) -> str:
        while time.monotonic() < deadline:
            status, body, _ = admin.call(job)
            found = STATUS.search(body) if status == 200 else None
            if found and found.group(1).strip() in ends:
                return found.group(1).strip()
            time.sleep(0.5)
        raise CommandError(f"{job}: chưa xong sau thời hạn (--max-seconds)")

    def report(self, r: Result) -> None:
        w = self.stdout.write
        cpus = os.cpu_count()
        timeout = os.environ.get("CHILDPROTECT_SQLITE_TIMEOUT", "30")
        w(f"SQLite (WAL, IMMEDIATE, chờ khoá {timeout} s), {r.sessions} cán bộ")
        w(f"nhập {r.rows:,} dòng: xem trước {r.preview_seconds:.1f} s, xác nhận và ghi {r.confirm_seconds:.1f} s ")
        w(f"  ({r.import_status}; tác vụ nhập (Celery) chạy {r.apply_seconds:.1f} s, phần lớn trong khoá ghi)")
        for title, during in (("cả lượt đo", False), ("chỉ các yêu cầu gửi trong lúc đang ghi dữ liệu nhập", True)):
            w(f"{title}:")
            w(f"  {'thao tác':16} {'số':>5} {'OK':>5} {'503':>5} {'500':>5} {'khác':>5} {'trung vị':>9} {'p95':>7}")
            for op, t in r.table(during).items():
                w(
                    f"  {op:16} {t['count']:>5} {t['ok']:>5} {t['busy']:>5} {t['error']:>5} {t['other']:>5} "
                    f"{t['median']:>8.2f}s {t['p95']:>6.2f}s" + (f"  khác: {t['other_statuses']}" if t["other"] else "")
                )
        w(f"lỗi máy chủ (Traceback) trong nhật ký gunicorn: {r.tracebacks}; trả 503 vì khoá: {r.busy_logged}")
        w(f"Traceback trong nhật ký Celery: {r.worker_tracebacks}")
        for name, ok in r.checks.items():
            w(f"{name}: {ok}")
        loads = "; ".join(f"{k} {a:.2f} {b:.2f} {c:.2f}" for k, (a, b, c) in r.load.items())
        w(f"tải máy (1, 5, 15 phút), {cpus} lõi: {loads}")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def tag_token() -> str:
    return secrets.token_urlsafe(24)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process's group, then SIGKILL after 20 s; the group is the one started for it."""
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            try:  # what is left of the group (a pool child) goes too
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return


# --- inside the scratch database -------------------------------------------------------------------------------------


def build_cast(sessions: int) -> dict[str, Any]:
    from cases.models import Case, Term, TermKind
    from childprotect.accounts.models import Role
    from childprotect.accounts.services import account_ensure
    from childprotect.places.models import AdminUnit
    from devtools.demo import demo_password

    commune = AdminUnit.objects.get(list_version=2026, code="14797")
    officers = []
    for i in range(sessions):
        account_ensure(
            actor=None,
            username=f"load_officer{i}",
            role=Role.COMMUNE_OFFICER,
            unit=commune,
            full_name=f"Cán bộ thử tải {i}",
            password=demo_password(),
        )
        officers.append(f"load_officer{i}")
    cases = list(Case.objects.filter(unit=commune).values_list("pk", flat=True))
    if not cases:
        raise CommandError("Dữ liệu mẫu không có hồ sơ nào ở Phường Hạc Thành.")
    return {
        "officers": officers,
        "password": demo_password(),
        "channel": Term.objects.get(kind=TermKind.CHANNEL, code="phone").pk,
        "cases": cases,
        "communes": list(AdminUnit.objects.filter(parent=commune.parent).values_list("code", flat=True)),
    }


def verify(payload: dict[str, Any]) -> dict[str, Any]:
    """Every write answered OK exists exactly once, with its audit entry; none answered 503 exists; the import is
    exact."""
    from collections import Counter

    from cases.models import CaseComment, Child, Report
    from childprotect.audit.actions import CaseAction, ReportAction
    from childprotect.audit.models import AuditEntry
    from childprotect.core.models import ImportJob, ImportStatus

    reports = Counter(
        m.group(0)
        for d in Report.objects.filter(description__contains="LC-").values_list("description", flat=True)
        if (m := TAG.search(d))
    )
    comments = Counter(
        m.group(0)
        for t in CaseComment.objects.filter(text__contains="LC-").values_list("text", flat=True)
        if (m := TAG.search(t))
    )
    out: dict[str, Any] = {}
    for op, saved in ((REPORT, reports), (COMMENT, comments)):
        writes = payload["writes"][op]
        missing = [t for t in writes["ok"] if saved[t] != 1]
        leaked = [t for t in writes["busy"] if saved[t]]
        out[f"{op}: OK đều đã lưu đúng một lần"] = f"{len(writes['ok']) - len(missing)}/{len(writes['ok'])}"
        out[f"{op}: 503 không lưu gì"] = f"{len(writes['busy']) - len(leaked)}/{len(writes['busy'])}"
        out[f"{op}: 'khác' đã lưu"] = f"{sum(1 for t in writes['other'] if saved[t])}/{len(writes['other'])}"
    saved_reports = Report.objects.filter(description__contains="LC-")
    audited = AuditEntry.objects.filter(
        action=ReportAction.RECEIVE, object_id__in=[str(pk) for pk in saved_reports.values_list("pk", flat=True)]
    ).count()
    out["Mẫu 01 đã lưu có nhật ký"] = f"{audited}/{saved_reports.count()}"
    officers = payload["officers"]
    out["ý kiến đã lưu có nhật ký"] = (
        f"{AuditEntry.objects.filter(action=CaseAction.COMMENT, actor__username__in=officers).count()}"
        f"/{CaseComment.objects.filter(author__username__in=officers).count()}"
    )
    job = ImportJob.objects.filter(kind="children").order_by("-pk").first()
    imported = Child.objects.filter(notes="bench").count()
    out["trẻ em được nhập / số dòng"] = f"{imported}/{payload['rows']}"
    out["nhập đúng số dòng"] = (
        imported == payload["rows"] and job is not None and job.status == ImportStatus.DONE
    ) or (imported == 0 and job is not None and job.status == ImportStatus.FAILED)
    return out
