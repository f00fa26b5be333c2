"""The Celery application. Broker from settings: filesystem:// by default (no server), redis:// in production."""

from __future__ import annotations

import os

from celery import Celery
from celery.signals import beat_init
from kombu.transport import TRANSPORT_ALIASES

from childprotect.health.worker import HealthTimer, beat_timer_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childprotect.settings")
# `filesystem://` (make run's broker) is kombu's transport with messages written whole (childprotect/broker_fs.py).
TRANSPORT_ALIASES["filesystem"] = "childprotect.broker_fs:Transport"

app = Celery("childprotect")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.steps["worker"].add(HealthTimer)  # each worker's heartbeat, queue samples and alarm e-mails, without beat
beat_init.connect(beat_timer_start)  # beat checks the alarms too: dead workers are told of by beat

# Tasks log the request id of the request that queued them (docs/architecture.md#errors-and-logs).
import childprotect.logs.task_context  # noqa: E402, F401
