"""The "beat" lease: one beat sends the periodic tasks, a second started by mistake stands by and takes over when the
first stops (childprotect/health/scheduler.py). End to end, with two real beats, one killed:
tests/core/test_scale_out.py (PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django_celery_beat.schedulers import DatabaseScheduler

from childprotect.celery import app
from childprotect.health.models import Lease
from childprotect.health.scheduler import SingleBeatScheduler
from childprotect.health.services import lease_release, lease_take

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def test_one_holder_at_a_time_until_its_lease_runs_out(clock):
    assert lease_take("beat", "first", 30)
    assert not lease_take("beat", "second", 30)
    clock.shift(dt.timedelta(seconds=20))
    assert lease_take("beat", "first", 30)  # renewed: 30 s from now
    clock.shift(dt.timedelta(seconds=20))
    assert not lease_take("beat", "second", 30)
    clock.shift(dt.timedelta(seconds=11))  # the first's last renewal ran out
    assert lease_take("beat", "second", 30)
    assert not lease_take("beat", "first", 30)
    assert Lease.objects.get(name="beat").holder == "second"


def test_a_lease_given_up_is_taken_at_once(clock):
    lease_take("beat", "first", 30)
    lease_release("beat", "second")  # not its to give
    assert not lease_take("beat", "second", 30)
    lease_release("beat", "first")
    assert lease_take("beat", "second", 30)


def test_the_second_scheduler_stands_by_and_sends_nothing(monkeypatch):
    # As the test client does: the scheduler's tick must not close the test's connection (its transaction).
    for module in ("childprotect.health.scheduler", "django_celery_beat.schedulers"):
        monkeypatch.setattr(f"{module}.close_old_connections", lambda: None)
    first, second = SingleBeatScheduler(app=app), SingleBeatScheduler(app=app)
    sending: list[SingleBeatScheduler] = []  # whose ticks reached django-celery-beat's, which sends what is due

    def tick(self: SingleBeatScheduler, *args: object, **kwargs: object) -> float:
        sending.append(self)
        return 1.0

    monkeypatch.setattr(DatabaseScheduler, "tick", tick)

    first.tick()
    waited = second.tick()
    first.tick()

    assert sending == [first, first]
    assert first.leading and second.leading is False and waited == second.max_interval

    first.close()  # a clean stop gives the lease back: the other takes over at its next tick
    second.tick()
    assert sending == [first, first, second] and second.leading
