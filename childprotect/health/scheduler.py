"""Beat's scheduler: django-celery-beat's DatabaseScheduler (the schedule in the database, visible in the admin) that
sends nothing unless it holds the "beat" lease (docs/deployment.md#periodic-jobs-with-more-than-one-beat).

Beat must run once. A second one started by mistake (two machines with the same service file, a restart that
overlaps the old process) stands by instead of sending every periodic task a second time: each tick it asks for the
lease, which the sending beat renews at every tick (at most every `max_interval`, 5 s) and which runs out
CHILDPROTECT_BEAT_LEASE_SECONDS after its holder's last renewal. When the sending beat dies, the other takes over
within that time. The periodic jobs are idempotent besides (a reminder is made once whoever scans), so even two
beats during a takeover do no harm.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django_celery_beat.schedulers import DatabaseScheduler

from .services import lease_release, lease_take

logger = logging.getLogger(__name__)

LEASE = "beat"


class SingleBeatScheduler(DatabaseScheduler):  # type: ignore[misc]
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leading: bool | None = None  # not asked yet
        super().__init__(*args, **kwargs)

    def _lead(self) -> bool:
        try:
            close_old_connections()
            leading = lease_take(LEASE, self.holder, settings.CHILDPROTECT_BEAT_LEASE_SECONDS)
        except DatabaseError:  # the database down: send nothing (the schedule lives there too); ask again next tick
            logger.warning("beat: the lease could not be asked for; sending nothing this tick", exc_info=True)
            leading = False
        if leading != self.leading:
            if leading:
                logger.info("beat: this beat (%s) sends the periodic tasks", self.holder)
            else:
                logger.warning("beat: another beat sends the periodic tasks; this one (%s) stands by", self.holder)
            self.leading = leading
        return leading

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self._lead():
            return float(self.max_interval)
        return float(super().tick(*args, **kwargs))

    def close(self) -> None:
        super().close()
        if self.leading:
            try:
                lease_release(LEASE, self.holder)
            except DatabaseError:
                logger.warning("beat: the lease could not be given up; it runs out by itself", exc_info=True)
