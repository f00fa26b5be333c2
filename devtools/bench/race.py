"""Two people at once, on a real server: gunicorn with several workers on 127.0.0.1, and pairs of requests released
together by a barrier, for each race of two people acting on one record. Prints, per race: rounds, winners, losers
told (a Vietnamese message, their input kept), 500s; then the server's tracebacks and whether the audit log matches
the data.

    .venv/bin/python manage.py benchmark race --rounds 10 --workers 3
    DATABASE_URL=... .venv/bin/python manage.py benchmark race --database-url postgres://.../childprotect_scratch

It never touches the configured database: by default it migrates a fresh SQLite file in a temporary folder (the
`make run` setup); with --database-url it migrates and fills that database, which must be a scratch one.
The same command, with --setup or --verify, is what runs inside that database to build the cast and count rows.
"""

from __future__ import annotations

import datetime as dt
import http.cookiejar
import json
import os
import secrets
import shutil
import socket
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
from django.core.management.base import BaseCommand, CommandError

STALE = "người khác cập nhật"
SAVED = "Hồ sơ này đã được lưu"
OPENED_BY_OTHER = "không có bản mới nào được tạo"
KINDS = ("semiannual", "annual")


@dataclass
class Tally:
    rounds: int = 0
    winners: int = 0
    losers_told: int = 0
    untold: int = 0  # a loser sent away without the message or their input, or a second record made
    errors_500: int = 0
    other: list[str] = field(default_factory=list)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One person's browser: their session cookie and a CSRF cookie, redirects not followed."""

    def __init__(self, base: str, session_key: str) -> None:
        self.base = base
        self.csrf = secrets.token_hex(16)  # 32 characters: Django compares an unmasked token with the cookie
        jar = http.cookiejar.CookieJar()
        for name, value in (("sessionid", session_key), ("csrftoken", self.csrf)):
            jar.set_cookie(
                http.cookiejar.Cookie(
                    0, name, value, None, False, "127.0.0.1", False, False, "/", True, False, None, True, None, None, {}
                )
            )
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)

    def request(self, path: str, data: dict[str, Any] | None = None) -> tuple[int, str, str]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.csrf}, doseq=True).encode()
        req = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})  # noqa: S310
        try:
            with self.opener.open(req, timeout=120) as response:
                return response.status, response.read().decode(), response.headers.get("Location", "")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace"), exc.headers.get("Location", "")

    def follow(self, location: str) -> str:
        path = urllib.parse.urlsplit(location).path
        return self.request(path)[1]


def pair(first: Any, second: Any) -> list[Any]:
    barrier = threading.Barrier(2)
    out: list[Any] = [None, None]

    def run(i: int, call: Any) -> None:
        barrier.wait(timeout=60)
        try:
            out[i] = call()
        except Exception as exc:  # noqa: BLE001  (counted, never hidden)
            out[i] = (0, repr(exc), "")

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate((first, second))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def gunicorn(*options: str) -> list[str]:
    """The command of gunicorn with the production settings (childprotect/deploy/gunicorn.conf.py) and `options`
    (address, sizes), which win over the file's."""
    config = Path(settings.BASE_DIR) / "childprotect" / "deploy" / "gunicorn.conf.py"
    return [str(Path(sys.executable).with_name("gunicorn")), "-c", str(config), *options, "childprotect.wsgi"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Command(BaseCommand):
    help = (
        "Fire barrier-synchronised pairs of requests at a real gunicorn for each race; print who won and who was told."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--rounds", type=int, default=10)
        parser.add_argument("--workers", type=int, default=3)
        parser.add_argument("--database-url", default="", help="a scratch database (default: a fresh SQLite file)")
        parser.add_argument("--setup", type=int, default=0, help="internal: build the cast for N rounds")
        parser.add_argument("--verify", default="", help="internal: count the rows behind the races (JSON ids)")

    def answer_internal(self, options: dict[str, Any], build: Any, check: Any) -> bool:
        """The calls the driver makes of itself in the scratch environment (--setup: build the cast, --verify: check
        the writes), answered as JSON on stdout; False when this is not one."""
        if options["setup"]:
            self.stdout.write(json.dumps(build(options["setup"])))
        elif options["verify"]:
            self.stdout.write(json.dumps(check(json.loads(options["verify"]))))
        else:
            return False
        return True

    # --- the driver --------------------------------------------------------------------------------------------
    def handle(self, *args: Any, **options: Any) -> None:
        if self.answer_internal(options, build_cast, verify):
            return
        rounds = min(options["rounds"], 20)
        tmp = Path(tempfile.mkdtemp(prefix="racecheck-"))
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "childprotect.settings",
            "CHILDPROTECT_VAR_DIR": str(tmp),
            "DATABASE_URL": options["database_url"] or f"sqlite:///{tmp / 'race.sqlite3'}",
            "DEBUG": "0",
            "CELERY_BROKER_URL": "memory://",  # e-mails are queued and dropped: the races are about the database
        }
        manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
        server = None
        try:
            self._run([*manage, "migrate", "--noinput", "-v", "0"], env)
            self._run([*manage, "loadunits", "2026"], env)
            cast = json.loads(
                self._run([*manage, "benchmark", "race", "--setup", str(rounds)], env).strip().splitlines()[-1]
            )
            port = free_port()
            log = (tmp / "gunicorn.log").open("w")
            server = subprocess.Popen(  # noqa: S603
                gunicorn("-b", f"127.0.0.1:{port}", "-w", str(options["workers"]), "--timeout", "120"),
                env=env,
                cwd=settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            base = f"http://127.0.0.1:{port}"
            self._wait_up(base)
            tallies = self._races(base, cast, rounds)
            server.terminate()
            server.wait(30)
            server = None
            log.close()
            tracebacks = (tmp / "gunicorn.log").read_text(errors="replace").count("Traceback")
            checks = json.loads(
                self._run([*manage, "benchmark", "race", "--verify", json.dumps(cast)], env).strip().splitlines()[-1]
            )
            self._print(tallies, tracebacks, checks, options, rounds)
        finally:
            if server is not None:
                server.kill()
            shutil.rmtree(tmp, ignore_errors=True)

    def _run(self, command: list[str], env: dict[str, str]) -> str:
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=settings.BASE_DIR, check=False)  # noqa: S603
        if done.returncode:
            raise CommandError(f"{' '.join(command[1:])} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def _wait_up(self, base: str) -> None:
        for _ in range(120):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2).close()  # noqa: S310
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise CommandError("gunicorn did not start")

    def _races(self, base: str, cast: dict[str, Any], rounds: int) -> dict[str, Tally]:
        s = cast["sessions"]
        people = {name: key for name, key in s.items()}
        tallies: dict[str, Tally] = {}

        def browsers(a: str, b: str) -> tuple[Browser, Browser]:
            return Browser(base, people[a]), Browser(base, people[b])

        # 1. Opening the same periodic report at once: both reach it, one made it, the other is told.
        t = tallies["mở cùng một báo cáo định kỳ"] = Tally()
        for i in range(rounds):
            a, b = browsers("officer", "chair")
            data = {"kind": KINDS[i % 2], "year": str(2020 + i // 2)}
            results = pair(
                lambda a=a, d=data: a.request("/periodic-reports/new/", d),
                lambda b=b, d=data: b.request("/periodic-reports/new/", d),
            )
            self._count(t, results)
            self._one_record(t, (a, b), results, OPENED_BY_OTHER)

        # 2. Logging Mẫu 01: two people, two reports at once (both are saved), and one form sent twice at once.
        t = tallies["ghi hai thông tin (Mẫu 01) cùng lúc"] = Tally()
        for i in range(rounds):
            a, b = browsers("officer", "officer2")
            results = pair(
                lambda a=a, i=i: a.request("/reports/new/", report_form(cast, f"A{i}")),
                lambda b=b, i=i: b.request("/reports/new/", report_form(cast, f"B{i}")),
            )
            self._count(t, results)
            t.winners += sum(1 for r in results if r[0] == 302)
        t = tallies["gửi một biểu mẫu Mẫu 01 hai lần cùng lúc"] = Tally()
        for i in range(rounds):
            a, b = browsers("officer", "officer")
            data = {**report_form(cast, f"T{i}"), "form_token": secrets.token_urlsafe(24)}
            results = pair(
                lambda a=a, d=data: a.request("/reports/new/", d), lambda b=b, d=data: b.request("/reports/new/", d)
            )
            self._count(t, results)
            self._one_record(t, (a, b), results, SAVED)

        # 3. The same case step, 4. the same plan draft, 5. the same referral answer, by two people at once.
        for title, key, action, who, form in (
            ("cùng một bước hồ sơ (Mẫu 02)", "received_cases", "assess_initial", ("officer", "officer2"), step_form),
            ("cùng một dự thảo kế hoạch (Mẫu 04)", "assessed_cases", "draft_plan", ("officer", "officer2"), plan_form),
            ("cùng trả lời một chuyển tuyến", "sent_referrals", "accept", ("police", "officer"), referral_form),
        ):
            t = tallies[title] = Tally()
            prefix = "/referrals" if action == "accept" else "/cases"
            for i, (pk, version) in enumerate(cast[key][:rounds]):
                a, b = browsers(*who)
                path = f"{prefix}/{pk}/{action}/" if action == "accept" else f"{prefix}/{pk}/act/{action}/"
                results = pair(
                    lambda a=a, p=path, v=version, i=i, f=form: a.request(p, f(v, f"Người thứ nhất {i}")),
                    lambda b=b, p=path, v=version, i=i, f=form: b.request(p, f(v, f"Người thứ hai {i}")),
                )
                self._count(t, results)
                saved = sum(1 for r in results if r[0] == 302)
                t.winners += min(saved, 1)
                t.untold += max(saved - 1, 0)  # both sent to the record's page: the second one's input is lost
                t.losers_told += sum(1 for r in results if r[0] == 200 and STALE in r[1] and "Người thứ" in r[1])
        return tallies

    def _one_record(self, t: Tally, browsers: tuple[Browser, Browser], results: list[Any], message: str) -> None:
        """Both should land on the one record made; the one who did not make it is told so."""
        landed = [(br, r) for br, r in zip(browsers, results, strict=True) if r[0] == 302]
        if not landed:
            return
        if len({r[2] for _br, r in landed}) > 1:  # two records where there should be one
            t.winners += 1
            t.untold += len(landed) - 1
            return
        told = sum(1 for br, r in landed if message in br.follow(r[2]))
        t.winners += 1
        t.losers_told += min(told, len(landed) - 1)
        t.untold += max(len(landed) - 1 - told, 0)

    def _count(self, t: Tally, results: list[tuple[int, str, str]]) -> None:
        t.rounds += 1
        t.errors_500 += sum(1 for r in results if r[0] >= 500)
        t.other += [f"{r[0]}" for r in results if r[0] not in (200, 302) and r[0] < 500]

    def _print(self, tallies: dict[str, Tally], tracebacks: int, checks: dict[str, Any], options: Any, n: int) -> None:
        db = "PostgreSQL" if options["database_url"].startswith("postgres") else "SQLite (WAL, IMMEDIATE)"
        self.stdout.write(f"gunicorn, {options['workers']} workers, {db}, {n} rounds of two requests released together")
        self.stdout.write(f"{'race':42} {'rounds':>6} {'winners':>8} {'told':>5} {'untold':>6} {'500s':>5}")
        self.stdout.write("(untold: a loser sent away without a message or their input, or a second record made)")
        for title, t in tallies.items():
            line = f"{title:42} {t.rounds:>6} {t.winners:>8} {t.losers_told:>5} {t.untold:>6} {t.errors_500:>5}"
            self.stdout.write(line + (f"  other: {', '.join(t.other)}" if t.other else ""))
        self.stdout.write(f"server tracebacks: {tracebacks}")
        for name, ok in checks.items():
            self.stdout.write(f"{name}: {'yes' if ok else 'NO'}")


# --- inside the scratch database -------------------------------------------------------------------------------------


def report_form(cast: dict[str, Any], tag: str) -> dict[str, Any]:
    return {
        "received_at": dt.datetime.now().strftime("%d/%m/%Y %H:%M"),  # noqa: DTZ005  (the server's local clock)
        "report_type": "thong_bao",
        "channel": str(cast["channel"]),
        "reporter_name": "Người báo tin thử",
        "description": f"Thông tin thử {tag}: trẻ bị đánh.",
        "forms_main": ["violence"],
        "environment": "family",
        "incident_unit": "14797",
        "p-TOTAL_FORMS": "0",
        "p-INITIAL_FORMS": "0",
    }


def step_form(version: int, text: str) -> dict[str, Any]:
    return {"version": str(version), "risk_level": "high", "level": "support", "summary": text}


def plan_form(version: int, text: str) -> dict[str, Any]:
    today = dt.date.today()  # noqa: DTZ011
    return {
        "version": str(version),
        "goals": text,
        "end_date": (today + dt.timedelta(days=60)).strftime("%d/%m/%Y"),
        "a-TOTAL_FORMS": "1",
        "a-INITIAL_FORMS": "0",
        "a-0-activity": "Tư vấn tâm lý",
        "a-0-responsible": "Trạm Y tế",
        "a-0-start": today.strftime("%d/%m/%Y"),
        "a-0-end": (today + dt.timedelta(days=7)).strftime("%d/%m/%Y"),
        "a-0-resources": "",
    }


def referral_form(version: int, text: str) -> dict[str, Any]:
    return {"version": str(version), "note": text}


def build_cast(rounds: int) -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from cases.models import Term, TermKind
    from cases.services import ChildData, ReportData, case_act, child_register, report_attach_child, report_receive
    from childprotect.accounts.models import Role, User
    from childprotect.agencies.models import Agency, AgencyType
    from childprotect.places.models import AdminUnit
    from referrals.models import Consent, Urgency
    from referrals.services import ReferralData, referral_act, referral_create

    commune = AdminUnit.objects.get(list_version=2026, code="14797")
    agency = Agency.objects.create(name="Công an phường thử", agency_type=AgencyType.POLICE, unit=commune)

    def person(username: str, role: str, **extra: Any) -> User:
        return User.objects.create(username=username, full_name=username, role=role, unit=commune, **extra)

    people = {
        "officer": person("race_officer", Role.COMMUNE_OFFICER),
        "officer2": person("race_officer2", Role.COMMUNE_OFFICER),
        "chair": person("race_chair", Role.COMMUNE_CHAIR),
        "police": person("race_police", Role.PARTNER, agency=agency),
    }
    sessions = {}
    for name, user in people.items():
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions[name] = store.session_key
    officer, chair = people["officer"], people["chair"]
    channel = Term.objects.get(kind=TermKind.CHANNEL, code="phone")
    today = timezone.localdate()

    def new_case(n: str) -> Any:
        report = report_receive(
            actor=officer,
            data=ReportData(
                report_type="thong_bao",
                channel=channel,
                received_at=timezone.now() - dt.timedelta(hours=1),
                description="Trẻ bị đánh.",
                environment="family",
                incident_unit=commune,
                forms=["violence"],
                reporter_name="Người báo tin",
            ),
        )
        child = child_register(
            actor=officer,
            data=ChildData(
                full_name=f"Trẻ thử {n}", sex="female", residence_unit=commune, date_of_birth=dt.date(2015, 3, 5)
            ),
        )
        report_attach_child(actor=officer, report=report, child=child)
        return report.cases.get(child=child)

    steps = {
        "assess_initial": {"risk_level": "high", "in_danger_now": False, "needs_emergency": False, "level": "support"}
        | {"summary": "Đã gặp trẻ."},
        "decide_emergency": {"emergency_needed": False, "measures": "", "separation": False}
        | {"separation_days": None, "placement": "", "note": "Không cần."},
        "assess_specific": {"level": "support", "needs": "Hỗ trợ tâm lý.", "meeting_date": today}
        | {"participants": "Cán bộ", "minutes": "Thống nhất."},
    }
    received, assessed, referrals = [], [], []
    for i in range(rounds):
        case = new_case(f"R{i}")
        received.append([case.pk, case.version])
        case = new_case(f"P{i}")
        for action, data in steps.items():
            case.refresh_from_db()
            case_act(
                actor=chair if action == "decide_emergency" else officer,
                case=case,
                action=action,
                version=case.version,
                data=data,
            )
        case.refresh_from_db()
        assessed.append([case.pk, case.version])
        referral = referral_create(
            actor=officer,
            case=new_case(f"F{i}"),
            data=ReferralData(
                agency=agency,
                urgency=Urgency.URGENT,
                services_requested="Xác minh.",
                child_consent=Consent.GIVEN,
                carer_consent=Consent.GIVEN,
            ),
        )
        referral_act(actor=officer, referral=referral, action="send", version=referral.version)
        referral.refresh_from_db()
        referrals.append([referral.pk, referral.version])
    return {
        "sessions": sessions,
        "channel": channel.pk,
        "unit": commune.pk,
        "received_cases": received,
        "assessed_cases": assessed,
        "sent_referrals": referrals,
    }


def verify(cast: dict[str, Any]) -> dict[str, bool]:
    """Exactly one winner per race in the data, and one audit entry per change."""
    from django.db.models import Count

    from cases.models import CaseStep, Plan, Report
    from childprotect.audit.actions import PeriodicReportAction, ReportAction
    from childprotect.audit.models import AuditEntry
    from referrals.models import ReferralEvent
    from reporting.models import PeriodicReport

    def audits(action: str, ids: list[int]) -> int:
        return AuditEntry.objects.filter(action=action, object_id__in=[str(i) for i in ids]).count()

    received = [pk for pk, _v in cast["received_cases"]]
    assessed = [pk for pk, _v in cast["assessed_cases"]]
    sent = [pk for pk, _v in cast["sent_referrals"]]
    periodic = PeriodicReport.objects.filter(unit_id=cast["unit"])
    per_period = periodic.values("kind", "year").annotate(n=Count("id"))
    reports = Report.objects.all()
    return {
        "one periodic report per period, one audit entry each": all(r["n"] == 1 for r in per_period)
        and audits(PeriodicReportAction.PREPARE, list(periodic.values_list("pk", flat=True))) == periodic.count(),
        "one Mẫu 01 per form sent, one audit entry each": reports.count()
        == audits(ReportAction.RECEIVE, list(reports.values_list("pk", flat=True)))
        and reports.filter(description__startswith="Thông tin thử T").count() == len(received),
        "one Mẫu 02 per case, one audit entry each": CaseStep.objects.filter(
            case_id__in=received, action="assess_initial"
        ).count()
        == len(received)
        == audits("case.assess_initial", received),
        "one plan per case, one audit entry each": Plan.objects.filter(case_id__in=assessed).count()
        == len(assessed)
        == audits("case.draft_plan", assessed),
        "one answer per referral, one audit entry each": ReferralEvent.objects.filter(
            referral_id__in=sent, action="accept"
        ).count()
        == len(sent)
        == audits("referral.accept", sent),
    }
