"""The read-replica router: which database a read goes to, read-your-writes, and a replica that is down.

The replica here is a real address: a port nothing listens on (down), or on PostgreSQL the primary itself (up; the
router cannot tell, and need not). The streaming standby, its lag and replay are in tests/core/test_scale_out.py.
"""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connection, transaction

from cases.models import Case
from childprotect import db_router
from childprotect.core.imports import job_confirm
from childprotect.core.models import ImportStatus
from childprotect.db_router import REPLICA, ReplicaRouter, reading_from_replica, replica_pin, replica_stats
from childprotect.metrics.registry import PROCESS
from devtools.bench.race import free_port
from tests.support.builders import child_row, csv_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the replica probe speaks PostgreSQL; run with DATABASE_URL=postgres://"
)


@pytest.fixture(autouse=True)
def fresh_stats():
    db_router.replica_stats_reset()
    yield
    db_router.replica_stats_reset()


@pytest.fixture
def replica_down(settings, monkeypatch):
    """A replica configured at an address where nothing answers."""
    down = {**connection.settings_dict, "ENGINE": "django.db.backends.postgresql", "NAME": "childprotect"}
    down.update(USER="postgres", PASSWORD="x", HOST="127.0.0.1", PORT=free_port(), TEST={"MIRROR": DEFAULT_DB_ALIAS})
    monkeypatch.setitem(settings.DATABASES, REPLICA, down)
    settings.CHILDPROTECT_REPLICA_CHECK_SECONDS = 3600


@pytest.fixture
def replica_up(settings, monkeypatch):
    """A replica configured at the primary's own address: reachable and current."""
    db = connection.settings_dict
    monkeypatch.setitem(settings.DATABASES, REPLICA, {**db, "TEST": {"MIRROR": DEFAULT_DB_ALIAS}})
    settings.CHILDPROTECT_REPLICA_CHECK_SECONDS = 3600


def test_without_a_replica_every_read_and_write_is_on_the_primary():
    router = ReplicaRouter()
    with reading_from_replica(1) as on_replica:
        assert on_replica is False
        assert router.db_for_read(Case) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Case) == DEFAULT_DB_ALIAS
    assert replica_stats()["replica_configured"] == 0
    assert replica_stats()["replica_reads"] == 0


def test_the_replica_is_never_migrated():
    router = ReplicaRouter()
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "cases") is True
    assert router.allow_migrate(REPLICA, "cases") is False


@on_postgresql
@pytest.mark.usefixtures("replica_up")
def test_reads_inside_the_block_go_to_a_healthy_replica_and_writes_never_do():
    router = ReplicaRouter()
    assert router.db_for_read(Case) == DEFAULT_DB_ALIAS  # outside: the primary
    with reading_from_replica(1) as on_replica:
        assert on_replica is True
        assert router.db_for_read(Case) == REPLICA
        assert router.db_for_write(Case) == DEFAULT_DB_ALIAS
        with transaction.atomic():  # a service's transaction: what it reads decides a write
            assert router.db_for_read(Case) == DEFAULT_DB_ALIAS
        assert router.db_for_read(Case) == REPLICA
    assert router.db_for_read(Case) == DEFAULT_DB_ALIAS
    stats = replica_stats()
    assert stats["replica_reads"] == 1
    assert stats["replica_healthy"] == 1


@pytest.mark.usefixtures("replica_down")
def test_a_replica_that_is_down_sends_the_reads_to_the_primary_with_a_warning(caplog):
    router = ReplicaRouter()
    with caplog.at_level(logging.WARNING, logger="childprotect.db_router"):
        with reading_from_replica(1) as on_replica:
            assert on_replica is False
            assert router.db_for_read(Case) == DEFAULT_DB_ALIAS
    assert "read replica not used" in caplog.text
    assert "down" in caplog.text
    stats = replica_stats()
    assert stats["fallback_down"] == 1
    assert stats["replica_reads"] == 0
    assert stats["replica_healthy"] == 0


@pytest.mark.usefixtures("replica_down")
def test_each_decision_is_counted_for_the_metrics_page():
    def exported(outcome: str) -> float:
        return PROCESS.get_sample_value("childprotect_replica_reads_total", {"outcome": outcome}) or 0.0

    before = exported("fallback_down"), exported("pinned")
    with reading_from_replica(1):
        pass
    replica_pin(2)
    with reading_from_replica(2):
        pass
    assert (exported("fallback_down"), exported("pinned")) == (before[0] + 1, before[1] + 1)


@pytest.mark.usefixtures("replica_down")
def test_the_replica_is_asked_at_most_once_per_check_interval(settings):
    for _ in range(3):
        with reading_from_replica(1):
            pass
    assert replica_stats()["health_checks"] == 1
    assert replica_stats()["fallback_down"] == 3
    settings.CHILDPROTECT_REPLICA_CHECK_SECONDS = 0
    with reading_from_replica(1):
        pass
    assert replica_stats()["health_checks"] == 2


@pytest.mark.usefixtures("replica_down")
def test_a_post_pins_its_person_to_the_primary_and_a_get_does_not(client, officer_a, supervisor):
    client.force_login(supervisor)
    client.get("/")
    assert not db_router.replica_pinned(supervisor.pk)
    client.force_login(officer_a)
    client.post("/", {})  # any unsafe request that did not fail (here a 405)
    assert db_router.replica_pinned(officer_a.pk)
    assert not db_router.replica_pinned(supervisor.pk)


@on_postgresql
@pytest.mark.usefixtures("replica_up")
def test_who_has_just_written_reads_from_the_primary(settings, clock):
    replica_pin(7)
    with reading_from_replica(7) as on_replica:
        assert on_replica is False
    with reading_from_replica(8) as on_replica:
        assert on_replica is True
    assert replica_stats()["pinned"] == 1
    assert replica_stats()["health_checks"] == 1  # the pinned read did not even ask the replica
    clock.shift(settings.CHILDPROTECT_REPLICA_PIN_SECONDS + 1)
    with reading_from_replica(7) as on_replica:
        assert on_replica is True


def test_a_pin_without_a_replica_is_not_kept():
    replica_pin(7)
    assert not db_router.replica_pinned(7)


def test_a_report_page_says_which_database_it_read(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/periodic-reports/")
    assert response.status_code == 200
    assert response["X-Read-From"] == DEFAULT_DB_ALIAS  # no replica configured


@pytest.mark.usefixtures("replica_down")
def test_an_import_applied_by_the_worker_pins_its_uploader(
    import_upload, supervisor, django_capture_on_commit_callbacks
):
    job = import_upload(supervisor, csv_file([child_row("Nguyễn Văn An")]))
    assert job.status == ImportStatus.CHECKED
    cache.clear()  # the upload's own POST pinned them; the import's rows are what this is about
    with django_capture_on_commit_callbacks(execute=True):
        job_confirm(actor=supervisor, job=job)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert db_router.replica_pinned(supervisor.pk)


@pytest.mark.usefixtures("replica_down")
def test_a_cache_that_is_down_fails_no_write_and_sends_reads_to_the_primary(client, officer_a, settings):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": dead}}
    client.force_login(officer_a)
    assert client.post("/", {}).status_code < 500  # the pin could not be recorded: the request still ends well
    with reading_from_replica(officer_a.pk) as on_replica:
        assert on_replica is False
    assert replica_stats()["pinned"] == 1  # unknown whether they wrote: as if they had
