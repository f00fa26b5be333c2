"""The broker, asked directly and briefly: is it there, how long are its queues. The filesystem transport (`make run`)
and Redis (production) alike, through kombu with the project's transport options and a short timeout."""

from __future__ import annotations

import logging
import os
from typing import Any

from django.conf import settings
from kombu.exceptions import ChannelError

from childprotect.celery import app

logger = logging.getLogger(__name__)


def _connection() -> Any:
    """A kombu connection to the broker the settings name (Celery's own, with the project's transport options)."""
    timeout = settings.CHILDPROTECT_HEALTH_BROKER_TIMEOUT
    options: dict[str, Any] = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    if settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        options.update(socket_connect_timeout=timeout, socket_timeout=timeout, max_retries=0)
    return app.connection_for_write(settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options)


def _filesystem_ok() -> bool:
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {}
    folders = [options.get("data_folder_in"), options.get("data_folder_out")]
    return all(f is None or (os.path.isdir(f) and os.access(f, os.W_OK)) for f in folders)


def broker_reachable() -> bool:
    """A connection and a channel (for Redis: a PING) within CHILDPROTECT_HEALTH_BROKER_TIMEOUT; for the filesystem
    transport, its folders are there and writable."""
    if settings.CELERY_BROKER_URL.startswith("filesystem://") and not _filesystem_ok():
        return False
    try:
        with _connection() as conn:
            conn.ensure_connection(max_retries=0)  # one try: kombu's connect() tries twice, 2 s apart
            channel = conn.channel()
            channel.close()
    except Exception:  # any failure is "not reachable"; what it was goes to the log, not to the answer
        logger.warning("health: the broker did not answer", exc_info=True)
        return False
    return True


def queue_lengths(names: list[str]) -> dict[str, int] | None:
    """The number of messages waiting in each queue (a passive declare: Redis sums the queue's priority lists, the
    filesystem transport counts its files); None if the broker did not answer."""
    lengths: dict[str, int] = {}
    try:
        with _connection() as conn:
            conn.ensure_connection(max_retries=0)
            channel = conn.channel()
            for name in names:
                try:
                    lengths[name] = channel.queue_declare(queue=name, passive=True).message_count
                except ChannelError:  # Redis: a queue with no message has no key
                    lengths[name] = 0
            channel.close()
    except Exception:
        logger.warning("health: the broker's queues could not be measured", exc_info=True)
        return None
    return lengths
