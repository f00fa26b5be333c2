"""The parts of a deployment on several machines, for real, on this one (tests/core/test_scale_out.py):

- `Standby`: a PostgreSQL streaming replica (hot standby) of the local primary, made with pg_basebackup -R into a
  temporary folder and started on port 5439; its replay can be paused and resumed. The test database pytest-django
  made on the primary is in it (physical replication copies the whole cluster).
- `WebProcess`: gunicorn with the production configuration (childprotect/deploy/gunicorn.conf.py) on a port of its own.
- `BeatProcess`: a Celery beat (the production scheduler: django-celery-beat's, behind the "beat" lease).
- `Browser`: a person's cookies and CSRF token, over HTTP to any of the web processes.

Every process is started in a session of its own and stopped by the fixtures that start it, even when a test fails.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import psycopg2

from .worker_process import BASE_DIR, wait_for

STANDBY_PORT = 5439
REPLICATION_SETUP = BASE_DIR / ".ci" / "pg-replication"


def _as_postgres(command: list[str]) -> list[str]:
    """Run a PostgreSQL program as the postgres user when we are root (CI); as ourselves otherwise."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class Standby:
    def __init__(self, primary: dict[str, Any]) -> None:
        self.primary = primary
        self.dbname = str(primary["NAME"])
        with self.connect_primary() as conn, conn.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            major = int(cursor.fetchone()[0]) // 10000
            cursor.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('max_connections', 'max_worker_processes',"
                " 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')"
            )
            self.limits = dict(cursor.fetchall())  # a hot standby needs at least the primary's
        conn.close()
        self.bin = Path(f"/usr/lib/postgresql/{major}/bin")
        self.folder = Path(tempfile.mkdtemp(prefix="cp-standby-"))
        self.data = self.folder / "data"
        self.started = False

    def connect_primary(self) -> Any:
        p = self.primary
        return psycopg2.connect(
            dbname=self.dbname, user=p["USER"], password=p["PASSWORD"], host=p["HOST"], port=p["PORT"] or 5432
        )

    def connect(self) -> Any:
        conn = psycopg2.connect(
            dbname=self.dbname,
            user=self.primary["USER"],
            password=self.primary["PASSWORD"],
            host="127.0.0.1",
            port=STANDBY_PORT,
            connect_timeout=2,
        )
        conn.autocommit = True
        return conn

    @property
    def url(self) -> str:
        p = self.primary
        user = urllib.parse.quote(p["USER"] or "", safe="")
        password = urllib.parse.quote(p["PASSWORD"] or "", safe="")
        return f"postgres://{user}:{password}@127.0.0.1:{STANDBY_PORT}/{urllib.parse.quote(self.dbname, safe='')}"

    def _run(self, command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PGPASSWORD": str(self.primary["PASSWORD"] or "")}
        return subprocess.run(  # noqa: S603
            _as_postgres(command), env=env, capture_output=True, text=True, timeout=180, check=False, **kwargs
        )

    def _basebackup(self) -> subprocess.CompletedProcess[str]:
        p = self.primary
        return self._run(
            [
                str(self.bin / "pg_basebackup"),
                "-h",
                str(p["HOST"]),
                "-p",
                str(p["PORT"] or 5432),
                "-U",
                str(p["USER"]),
                "-D",
                str(self.data),
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "--no-sync",
            ]  # fmt: skip
        )

    def start(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        made = self._basebackup()
        if made.returncode != 0 and "replication" in made.stderr and os.geteuid() == 0:
            # The primary does not let 127.0.0.1 replicate yet (a fresh cluster): .ci/run's step, done here too.
            subprocess.run(["bash", str(REPLICATION_SETUP)], check=True, timeout=60)  # noqa: S603, S607
            shutil.rmtree(self.data, ignore_errors=True)
            made = self._basebackup()
        if made.returncode != 0:
            raise AssertionError(
                f"pg_basebackup failed (the primary must allow replication from 127.0.0.1: .ci/pg-replication):\n"
                f"{made.stderr}"
            )
        p = self.primary
        conninfo = (
            f"host={p['HOST']} port={p['PORT'] or 5432} user={p['USER']} password={p['PASSWORD']} "
            "application_name=cp_test_standby"
        )
        config = [
            f"port = {STANDBY_PORT}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.folder}'",
            "hot_standby = on",
            "fsync = off",
            "shared_buffers = 32MB",
            *(f"{name} = {value}" for name, value in self.limits.items()),
        ]
        # Debian keeps the configuration in /etc, so the copy has none: give it its own, and its own access rules.
        self._write("postgresql.conf", "\n".join(config) + "\n")
        self._write("pg_hba.conf", "local all all trust\nhost all all 127.0.0.1/32 trust\n")
        self._write("pg_ident.conf", "")
        with (self.data / "postgresql.auto.conf").open("a") as auto:  # the last line wins over -R's
            auto.write(f"primary_conninfo = '{conninfo}'\n")
        started = self._run(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.folder / "standby.log"),
                "-w",
                "-t",
                "60",
                "start",
            ]  # fmt: skip
        )
        self.started = True
        if started.returncode != 0:
            raise AssertionError(f"the standby did not start:\n{started.stdout}{started.stderr}\n{self.log()}")
        if not wait_for(self._accepts, 60):
            raise AssertionError(f"the standby does not accept connections:\n{self.log()}")

    def _write(self, name: str, text: str) -> None:
        path = self.data / name
        path.write_text(text)
        if os.geteuid() == 0:
            shutil.chown(path, "postgres", "postgres")

    def _accepts(self) -> bool:
        try:
            self.connect().close()
        except psycopg2.Error:
            return False
        return True

    def log(self) -> str:
        path = self.folder / "standby.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def query(self, sql: str) -> Any:
        conn = self.connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchone()[0] if cursor.description else None
        finally:
            conn.close()

    def pause(self) -> None:
        self.query("SELECT pg_wal_replay_pause()")
        assert wait_for(lambda: self.query("SELECT pg_get_wal_replay_pause_state()") == "paused", 10)

    def resume(self) -> None:
        self.query("SELECT pg_wal_replay_resume()")

    def streaming(self) -> bool:
        return bool(self.query("SELECT EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')"))

    def cut_off(self) -> str:
        """The standby stops receiving from its primary (as in a network split); returns what reconnect needs."""
        conninfo = str(self.query("SHOW primary_conninfo"))
        self.query("ALTER SYSTEM SET primary_conninfo = ''")
        self.query("SELECT pg_reload_conf()")
        assert wait_for(lambda: not self.streaming(), 30), "the standby still streams"
        return conninfo

    def reconnect(self, conninfo: str) -> None:
        conn = self.connect()
        try:
            with conn.cursor() as cursor:
                cursor.execute("ALTER SYSTEM SET primary_conninfo = %s", [conninfo])
                cursor.execute("SELECT pg_reload_conf()")
        finally:
            conn.close()
        assert wait_for(self.streaming, 30), f"the standby does not stream again:\n{self.log()}"

    def wait_caught_up(self, timeout: float = 30) -> None:
        """Until the standby has replayed everything the primary has written so far."""
        conn = self.connect_primary()
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            target = cursor.fetchone()[0]
        conn.close()
        sql = f"SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '{target}') >= 0"
        if not wait_for(lambda: self.query(sql), timeout):
            raise AssertionError(f"the standby did not catch up:\n{self.log()}")

    def stop(self) -> None:
        if self.started:
            self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
            self.started = False
        shutil.rmtree(self.folder, ignore_errors=True)


class _Process:
    """A child process in a session of its own, its output in `log`."""

    def __init__(self, command: list[str], log: Path, env: dict[str, str]) -> None:
        self.log = log
        full_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        full_env.update({"DJANGO_SETTINGS_MODULE": "childprotect.settings", "PYTHONUNBUFFERED": "1", **env})
        with log.open("wb") as out:
            self.process = subprocess.Popen(  # noqa: S603
                command, env=full_env, cwd=BASE_DIR, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL: no shutdown, as a crash or a pulled plug."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


class WebProcess(_Process):
    def __init__(self, port: int, log: Path, env: dict[str, str]) -> None:
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        config = str(BASE_DIR / "childprotect" / "deploy" / "gunicorn.conf.py")
        command = [sys.executable, "-m", "gunicorn", "-c", config, "--bind", f"127.0.0.1:{port}", "--workers", "1",
                   "--threads", "2", "--access-logfile", "-", "childprotect.wsgi"]  # fmt: skip
        super().__init__(command, log, env)

    def wait_ready(self, timeout: float = 60) -> None:
        def answers() -> bool:
            if self.process.poll() is not None:
                return True
            try:
                urllib.request.urlopen(f"{self.base}/accounts/login/", timeout=2).close()  # noqa: S310
            except OSError:
                return False
            return True

        if not wait_for(answers, timeout) or self.process.poll() is not None:
            raise AssertionError(f"gunicorn did not start on {self.port}:\n{self.text()}")


class BeatProcess(_Process):
    def __init__(self, log: Path, env: dict[str, str], folder: Path) -> None:
        command = [sys.executable, "-m", "celery", "-A", "childprotect", "beat", "--loglevel=INFO",
                   "--schedule", str(folder / f"{log.stem}-schedule"),
                   "--pidfile", str(folder / f"{log.stem}.pid")]  # fmt: skip
        super().__init__(command, log, env)

    def wait_ready(self, timeout: float = 60) -> None:
        # It writes the schedule of settings into the database as it starts, then at its first tick says whether it
        # sends the periodic tasks or stands by (childprotect/health/scheduler.py):
        def ready() -> bool:
            text = self.text()
            return "sends the periodic tasks" in text or "stands by" in text or self.process.poll() is not None

        if not wait_for(ready, timeout):
            raise AssertionError(f"the beat did not start:\n{self.text()}")
        if self.process.poll() is not None:
            raise AssertionError(f"the beat stopped:\n{self.text()}")

    def sent(self, entry: str) -> int:
        """How many times this beat sent the entry's task."""
        return len(re.findall(rf"Sending due task {re.escape(entry)} ", self.text()))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Response:
    def __init__(self, status: int, headers: Any, body: str) -> None:
        self.status, self.headers, self.body = status, headers, body


class Browser:
    """One person's browser: cookies (the session, CSRF) shared by every web process on 127.0.0.1, redirects not
    followed (the test looks at them)."""

    def __init__(self) -> None:
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect())

    def _open(self, request: urllib.request.Request) -> Response:
        try:
            with self.opener.open(request, timeout=60) as answer:
                return Response(answer.status, answer.headers, answer.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.headers, error.read().decode("utf-8", "replace"))

    def get(self, url: str) -> Response:
        return self._open(urllib.request.Request(url))  # noqa: S310

    def post(self, url: str, data: dict[str, str], form_page: str | None = None) -> Response:
        """POST `data` with the CSRF token of the form page (`form_page`, or the URL itself)."""
        page = self.get(form_page or url)
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        token = html.unescape(found.group(1)) if found else ""
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}).encode()
        request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        request.add_header("Referer", url)
        return self._open(request)

    def log_in(self, base: str, username: str, password: str) -> None:
        answer = self.post(f"{base}/accounts/login/", {"username": username, "password": password})
        assert answer.status == 302, f"login refused ({answer.status})"
