"""Scale-out with real parts: a PostgreSQL streaming standby, two gunicorn web processes, two Celery workers and two
beats on one database and one Redis (docs/deployment.md#the-read-replica).

Runs on PostgreSQL only (CI's second pass, DATABASE_URL=postgres://127.0.0.1); on SQLite there is no replica to make.
The standby is made from the local cluster with pg_basebackup (tests/support/scale_out.py), on port 5439; Redis is a
server of the module's own. Everything is stopped and the standby's folder removed at the end, even on failure.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse
from django_celery_beat.models import IntervalSchedule, PeriodicTask, PeriodicTasks
from time_machine import escape_hatch

from cases.services import ChildData, child_register
from childprotect import db_router
from childprotect.alerts.models import Delivery
from childprotect.celery import app
from childprotect.core.models import Notification
from reporting.models import PeriodicReport
from tests.factories import PASSWORD
from tests.support.builders import SEMI, overdue_emergency
from tests.support.redis_server import RedisServer
from tests.support.scale_out import BeatProcess, Browser, Standby, WebProcess
from tests.support.worker_process import WorkerProcess, database_url, publishing_to, wait_for

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL (a streaming standby of it): CI's PostgreSQL pass runs it (DATABASE_URL=postgres://)",
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.usefixtures("clock", "eager_celery"),
]

WEB_PORTS = (9351, 9352)
CHILD, NEW_CHILD = "Đinh Thị Mỹ Duyên", "Trần Thị Lan Anh"  # the builder's child; one registered while replay waits
SCAN_RESULT = r"cases\.tasks\.scan_deadlines\[[\w-]+\] succeeded in [\d.e-]+s: \{[^}]*'notifications': (\d+)\}"


def _scans(*workers: WorkerProcess) -> list[int]:
    """The reminders each deadline scan the workers ran made, as their logs say."""
    return [int(made) for worker in workers for made in re.findall(SCAN_RESULT, worker.text())]


def _local_primary() -> bool:
    return str(connection.settings_dict["HOST"] or "localhost") in {"127.0.0.1", "localhost"}


@pytest.fixture(scope="module")
def standby(django_db_setup, django_db_blocker):
    """A hot standby of the primary the test database is on (made after pytest-django created it)."""
    if not _local_primary():
        pytest.skip("the standby is made with the local cluster's binaries: the primary must be on 127.0.0.1")
    with django_db_blocker.unblock():
        replica = Standby(connection.settings_dict)
    if not replica.bin.is_dir():
        shutil.rmtree(replica.folder, ignore_errors=True)
        pytest.skip(f"no PostgreSQL server binaries at {replica.bin}")
    try:
        replica.start()
        yield replica
    finally:
        replica.stop()


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("scale-out")


@pytest.fixture(scope="module")
def deployment_env(standby, redis_server, folder, django_db_blocker) -> dict[str, str]:
    """The settings every process of the deployment shares."""
    redis = redis_server.url.rsplit("/", 1)[0]
    with django_db_blocker.unblock():
        primary = database_url()
    return {
        "DATABASE_URL": primary,
        "DATABASE_REPLICA_URL": standby.url,
        "CELERY_BROKER_URL": f"{redis}/0",
        "CACHE_URL": f"{redis}/1",  # sessions (cached_db) and the read-your-writes pins, seen by every process
        "SECRET_KEY": secrets.token_urlsafe(50),  # one for every process: a session signed by one is read by all
        "CHILDPROTECT_VAR_DIR": str(folder),
        "CHILDPROTECT_REPLICA_PIN_SECONDS": "5",
        "CHILDPROTECT_REPLICA_CHECK_SECONDS": "1",
        # The test pauses replay on purpose: a standby hours behind is still read here (the lag fallback is below).
        "CHILDPROTECT_REPLICA_MAX_LAG_SECONDS": "86400",
        "CHILDPROTECT_ALERT_SWEEP_AFTER_SECONDS": "0",
    }


@pytest.fixture(scope="module")
def webs(deployment_env, folder):
    started = [WebProcess(port, folder / f"web{n}.log", {**deployment_env}) for n, port in enumerate(WEB_PORTS, 1)]
    try:
        for web in started:
            web.wait_ready()
        yield started
    finally:
        for web in started:
            web.stop()


def _report_id(body: str) -> set[int]:
    return {int(pk) for pk in re.findall(r"/periodic-reports/(\d+)/", body)}


def test_reports_read_the_standby_but_whoever_just_wrote_reads_the_primary_on_either_web_process(standby, webs):
    web1, web2 = webs
    export = f"{web2.base}{reverse('cases:child_export')}?format=csv"
    officer, _chair, supervisor = overdue_emergency()
    for person in (officer, supervisor):  # hashed as the web processes hash (the tests' settings use MD5)
        person.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
        person.save(update_fields=["password"])
    standby.wait_caught_up()

    # A session made on one web process is good on the other (sessions in Redis and the database).
    reader, writer = Browser(), Browser()
    reader.log_in(web1.base, supervisor.username, PASSWORD)
    writer.log_in(web2.base, officer.username, PASSWORD)
    listing = f"{web2.base}/periodic-reports/"
    assert reader.get(listing).status == 200  # signed in on web1, served by web2: not sent to the login page
    assert wait_for(lambda: reader.get(listing).headers["X-Read-From"] == "replica", 30), (
        "the reader's pin (their login) should end after CHILDPROTECT_REPLICA_PIN_SECONDS"
    )

    # Replay paused: what the primary gets from now on is not on the standby.
    standby.pause()
    try:
        made = writer.post(f"{web1.base}/periodic-reports/new/", {"kind": SEMI, "year": "2026"}, form_page=listing)
        assert made.status == 302, made.body[:500]  # written on the primary: the standby refuses writes
        report = PeriodicReport.objects.get()
        detail = f"/periodic-reports/{report.pk}/"
        assert made.headers["Location"] == detail

        # The writer reads their own write at once, on both web processes (the primary: they are pinned).
        for web in webs:
            mine = writer.get(f"{web.base}{detail}")
            assert mine.status == 200
            assert mine.headers["X-Read-From"] == "default"
            assert report.pk in _report_id(writer.get(f"{web.base}/periodic-reports/").body)
        # The reader's pages come from the standby, which has not seen it yet (it is a supervisor's to see).
        for web in webs:
            theirs = reader.get(f"{web.base}/periodic-reports/")
            assert theirs.status == 200
            assert theirs.headers["X-Read-From"] == "replica"
            assert report.pk not in _report_id(theirs.body)
            assert reader.get(f"{web.base}{detail}").status == 404
        # An export streamed to the reader is read from the standby too: a child registered meanwhile is not in it.
        commune = officer.unit
        assert commune is not None
        child_register(
            actor=officer, data=ChildData(full_name=NEW_CHILD, sex="female", residence_unit=commune, birth_year=2015)
        )
        assert NEW_CHILD not in reader.get(export).body
        assert CHILD in reader.get(export).body
    finally:
        standby.resume()
    standby.wait_caught_up()
    time.sleep(1.5)  # the web processes' health check (CHILDPROTECT_REPLICA_CHECK_SECONDS) sees it again
    for web in webs:
        shown = reader.get(f"{web.base}{detail}")
        assert shown.status == 200  # the page's audit entry of the view was written to the primary
        assert shown.headers["X-Read-From"] == "replica"
    assert report.pk in _report_id(reader.get(f"{web2.base}/periodic-reports/").body)
    assert NEW_CHILD in reader.get(export).body


def test_a_lagging_standby_is_not_read_until_it_has_caught_up(standby, settings, monkeypatch, caplog):
    monkeypatch.setitem(settings.DATABASES, db_router.REPLICA, {**connection.settings_dict, "PORT": 5439})
    settings.CHILDPROTECT_REPLICA_CHECK_SECONDS = 0
    # Other databases of the cluster write too: a second of lag comes and goes; the test allows 1 s only below.
    settings.CHILDPROTECT_REPLICA_MAX_LAG_SECONDS = 30
    db_router.replica_stats_reset()
    standby.wait_caught_up()
    with db_router.reading_from_replica(None) as on_replica:
        assert on_replica is True
    standby.pause()
    try:
        overdue_emergency()  # writes the standby has not replayed
        time.sleep(2.5)  # more than the lag allowed since the last transaction it replayed
        settings.CHILDPROTECT_REPLICA_MAX_LAG_SECONDS = 1
        with caplog.at_level(logging.WARNING, logger="childprotect.db_router"):
            with db_router.reading_from_replica(None) as on_replica:
                assert on_replica is False
        assert "lag" in caplog.text
    finally:
        settings.CHILDPROTECT_REPLICA_MAX_LAG_SECONDS = 30
        standby.resume()
    standby.wait_caught_up()
    with db_router.reading_from_replica(None) as on_replica:
        assert on_replica is True  # caught up: read again, however old its last transaction
    stats = db_router.replica_stats()
    assert stats["fallback_lag"] == 1
    assert stats["replica_reads"] == 2
    db_router.replica_stats_reset()


def test_a_standby_cut_off_from_its_primary_is_not_read_once_its_last_transaction_is_old(
    standby, settings, monkeypatch, caplog
):
    monkeypatch.setitem(settings.DATABASES, db_router.REPLICA, {**connection.settings_dict, "PORT": 5439})
    settings.CHILDPROTECT_REPLICA_CHECK_SECONDS = 0
    settings.CHILDPROTECT_REPLICA_MAX_LAG_SECONDS = 30
    db_router.replica_stats_reset()
    standby.wait_caught_up()
    conninfo = standby.cut_off()
    try:
        # It has replayed all it received, but receives nothing: only the age of what it has counts.
        time.sleep(2.5)
        settings.CHILDPROTECT_REPLICA_MAX_LAG_SECONDS = 1
        with caplog.at_level(logging.WARNING, logger="childprotect.db_router"):
            with db_router.reading_from_replica(None) as on_replica:
                assert on_replica is False
        assert "lag" in caplog.text
    finally:
        settings.CHILDPROTECT_REPLICA_MAX_LAG_SECONDS = 30
        standby.reconnect(conninfo)
    standby.wait_caught_up()
    with db_router.reading_from_replica(None) as on_replica:
        assert on_replica is True
    assert db_router.replica_stats()["fallback_lag"] == 1
    db_router.replica_stats_reset()


@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task: the workers run them
def test_two_beats_and_two_workers_remind_of_an_overdue_deadline_exactly_once(deployment_env, folder):
    """Two workers scan at the same moment, then two beats started by mistake: one sends, the other stands by (the
    "beat" lease) and takes over when the first dies; each overdue deadline is reminded once, to each person, by one
    e-mail."""
    officer, chair, supervisor = overdue_emergency()
    env = {**deployment_env, "CHILDPROTECT_BEAT_LEASE_SECONDS": "4"}
    # Each worker has a queue of its own besides the shared ones: the first two scans are one on each, sent at once.
    # (The beat's scans every 2 s may all go to one worker: Redis hands each to the worker that has waited longest,
    # and the one that took the last scan waits again just after the beat's tick, each time.)
    workers = [WorkerProcess(f"celery,messages,worker{n}", folder / f"worker{n}.log", env) for n in (1, 2)]
    beats: list[BeatProcess] = []
    try:
        for worker in workers:
            worker.wait_ready()
        with publishing_to(deployment_env["CELERY_BROKER_URL"]):
            for n in (1, 2):
                app.send_task("cases.tasks.scan_deadlines", queue=f"worker{n}")
        assert wait_for(lambda: all(len(_scans(w)) == 1 for w in workers), 60), "\n".join(w.text() for w in workers)
        overdue = Notification.objects.filter(key__endswith=":overdue")
        deliveries = Delivery.objects.filter(notification__in=overdue)
        assert wait_for(lambda: overdue.exists() and deliveries.filter(status="sent").count() == overdue.count(), 60)

        for n in (1, 2):  # one after the other: both write the schedule into the database as they start
            beat = BeatProcess(folder / f"beat{n}.log", env, folder)
            beats.append(beat)
            beat.wait_ready()
        # The deadline scan every 2 seconds instead of every 5 minutes (the beats see the change within 5 s).
        every, _ = IntervalSchedule.objects.get_or_create(every=2, period=IntervalSchedule.SECONDS)
        task = PeriodicTask.objects.get(name="scan-deadlines")
        task.crontab = None
        task.interval = every
        task.last_run_at = None
        task.save()
        # The beats reload when the change stamp is newer than theirs: stamp it with the real time, not the test's.
        PeriodicTasks.objects.update_or_create(
            ident=1, defaults={"last_update": escape_hatch.datetime.datetime.now(dt.UTC)}
        )
        assert wait_for(lambda: any(beat.sent("scan-deadlines") >= 3 for beat in beats), 60), "\n".join(
            beat.text() for beat in beats
        )
        leader, standby_beat = sorted(beats, key=lambda beat: -beat.sent("scan-deadlines"))
        assert standby_beat.sent("scan-deadlines") == 0 and "stands by" in standby_beat.text(), standby_beat.text()

        leader.kill()  # a crash: the lease is not given back, it runs out after 4 s
        assert wait_for(lambda: standby_beat.sent("scan-deadlines") >= 3, 60), standby_beat.text()
        # The scans sent are run before the workers stop: the two sent at once, three or more of each beat.
        assert wait_for(lambda: len(_scans(*workers)) >= 8, 30)
    finally:
        for beat in beats:
            beat.stop()
        for worker in workers:
            worker.stop()
    made = _scans(*workers)
    assert len(made) >= 8
    # Each reminder was made by one scan (the two at the same moment may share the deadlines between them); every
    # other scan, on either worker, found them made.
    assert sum(made) == overdue.count()
    assert made.count(0) >= len(made) - 2
    by_person = Counter(overdue.values_list("recipient__username", flat=True))
    assert set(by_person) == {officer.username, chair.username, supervisor.username}
    assert len(set(by_person.values())) == 1  # each overdue deadline: each of the three once
    # Each reminder was delivered once: one delivery each, sent, and one e-mail each in the workers' mail folder. (The
    # folder may hold other mail: the beat's escalation at a five-minute mark of the report's own, older alert.)
    assert deliveries.count() == overdue.count() == deliveries.filter(status="sent").count()
    mails = "".join(path.read_text(errors="replace") for path in (folder / "emails").glob("*"))
    message_ids = list(deliveries.values_list("provider_id", flat=True))
    assert len(set(message_ids)) == overdue.count()
    assert [mails.count(message_id) for message_id in message_ids] == [1] * overdue.count()
