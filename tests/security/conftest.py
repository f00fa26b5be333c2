"""The access matrix's world (tests/support/world.py), built once per module through the real services and rolled back
at its end: every test of the module runs in a savepoint inside the world's transaction (pytest-django's TestCase
atomics nest), so what one test's requests change is undone before the next."""

from __future__ import annotations

import pytest
import time_machine
from django.db import transaction

from childprotect.celery import app as celery_app
from tests.support.world import NOW, build_world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, inside a transaction rolled back when the module's tests are done."""
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = celery_app.conf.task_eager_propagates = True
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before
