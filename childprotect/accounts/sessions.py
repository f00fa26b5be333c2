"""Django's database sessions, made safe for `make run`'s SQLite under load (measured by `manage.py benchmark load`).

Every request of a logged-in user slides the session's expiry once a minute (IdleSessionMiddleware): a session write
after the page is ready. While a large import holds SQLite's write lock, that write waited the whole lock timeout and
then Django turned the failure into SessionInterrupted, a 400 "Bad Request" for a page that was ready. Here:

- a save whose only change is that touch gives up after SESSION_TOUCH_WAIT_MS when the database is busy, and the page
  is served: the expiry slides at the next request;
- any other change that cannot be saved raises the busy error itself (not UpdateError), so the user gets the
  Vietnamese "Hệ thống đang bận" page (503, handler500), never a 400.

PostgreSQL never reports a busy database; there nothing changes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router

from childprotect.core.middleware import is_database_busy

from .security import SEEN_SESSION_KEY

logger = logging.getLogger(__name__)

SESSION_TOUCH_WAIT_MS = 1000  # how long a page waits for the lock only to slide its session's expiry


class SessionStore(DatabaseSessionStore):
    _loaded: dict[str, Any] | None = None

    def load(self) -> dict[str, Any]:
        data = super().load()
        self._loaded = dict(data)
        return data

    def _touch_only(self) -> bool:
        """Is the expiry stamp the only difference from what was loaded?"""
        if self._loaded is None or self.session_key is None:
            return False
        current = {k: v for k, v in self.items() if k != SEEN_SESSION_KEY}
        return current == {k: v for k, v in self._loaded.items() if k != SEEN_SESSION_KEY}

    def save(self, must_create: bool = False) -> None:
        touch = not must_create and self._touch_only()
        try:
            with self._short_wait() if touch else nullcontext():
                super().save(must_create=must_create)
        except UpdateError as exc:
            busy = exc.__context__
            if busy is None or not is_database_busy(busy):
                raise
            if touch:
                logger.warning("database busy: session expiry not moved this time")
                return
            raise busy from None

    @contextmanager
    def _short_wait(self) -> Iterator[None]:
        connection = connections[router.db_for_write(self.model)]
        if connection.vendor != "sqlite":
            yield
            return
        with connection.cursor() as cursor:
            previous = int(cursor.execute("PRAGMA busy_timeout").fetchone()[0])
            cursor.execute(f"PRAGMA busy_timeout = {min(previous, SESSION_TOUCH_WAIT_MS)}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA busy_timeout = {previous}")
