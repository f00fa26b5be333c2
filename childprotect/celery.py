"""The Celery application. Broker from settings: filesystem:// by default (no server), redis:// in production."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childprotect.settings")

app = Celery("childprotect")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Tasks log the request id of the request that queued them (docs/architecture.md#errors-and-logs).
import childprotect.logs.task_context  # noqa: E402, F401
